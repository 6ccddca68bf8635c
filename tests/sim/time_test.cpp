#include "sharesim/sim/time.h"

#include <gtest/gtest.h>

namespace sharesim::sim {
namespace {

TEST(Time, NamedConstructorsAreExactNanoseconds) {
  EXPECT_EQ(Time::us(500).count_ns(), 500'000);
  EXPECT_EQ(Time::ms(2).count_ns(), 2'000'000);
  EXPECT_EQ(Time::s(3).count_ns(), 3'000'000'000);
  EXPECT_EQ(Time::from_seconds(1.5e-3), Time::us(1500));
  EXPECT_EQ((Time::ms(1) + Time::us(1)).count_ns(), 1'001'000);
  EXPECT_EQ(Time::ms(3).scaled(0.5), Time::us(1500));
}

TEST(ParseDuration, AcceptsEveryUnitExactly) {
  EXPECT_EQ(*parse_duration("1.5ms"), Time::us(1500));
  EXPECT_EQ(*parse_duration("2s"), Time::s(2));
  EXPECT_EQ(*parse_duration("500us"), Time::us(500));
  EXPECT_EQ(*parse_duration("250ns"), Time::ns(250));
  EXPECT_EQ(*parse_duration("10m"), Time::s(600));
  EXPECT_EQ(*parse_duration("1h"), Time::s(3600));
  EXPECT_EQ(*parse_duration("0"), Time::zero());
  EXPECT_EQ(*parse_duration(" 2 ms "), Time::ms(2));
  // Decimal, not binary: 0.1s is exactly 100,000,000 ns.
  EXPECT_EQ(*parse_duration("0.1s"), Time::ms(100));
  EXPECT_EQ(*parse_duration("0.0000000015s"), Time::ns(2));  // 1.5 ns rounds half away from zero
}

TEST(ParseDuration, RejectsBadInputWithAReason) {
  for (const char* bad :
       {"", "ms", "1.5", "-1ms", "1.5 parsecs", "nan", "inf s", "1e3ms", "1..2ms", "99999999999999h"}) {
    const auto parsed = parse_duration(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_FALSE(parsed.error().message.empty());
    }
  }
  EXPECT_NE(parse_duration("3 parsecs").error().message.find("unknown time unit 'parsecs'"),
            std::string::npos);
  EXPECT_NE(parse_duration("12").error().message.find("expected a unit"), std::string::npos);
}

TEST(FormatDuration, PrintsTheShortestExactForm) {
  EXPECT_EQ(format_duration(Time::us(1500)), "1.5ms");
  EXPECT_EQ(format_duration(Time::s(2)), "2s");
  EXPECT_EQ(format_duration(Time::us(500)), "500us");
  EXPECT_EQ(format_duration(Time::ns(17)), "17ns");
  EXPECT_EQ(format_duration(Time::ns(1'000'000'001)), "1.000000001s");
  EXPECT_EQ(format_duration(Time::zero()), "0s");
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (int64_t ns :
       {int64_t{1}, int64_t{999}, int64_t{1000}, int64_t{123'456'789}, int64_t{7'200'000'000'000}}) {
    EXPECT_EQ(*parse_duration(format_duration(Time::ns(ns))), Time::ns(ns)) << ns;
  }
}

}  // namespace
}  // namespace sharesim::sim
