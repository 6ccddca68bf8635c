#include "sharesim/sim/time.h"

#include <gtest/gtest.h>

#include <limits>

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

// Issue 12 item 5: durations never wrap. Before, Time::ms(1) * 2^62 was a negative number and
// from_seconds(1e10) (a Poisson gap at 1e-10/s) was undefined behaviour.
TEST(Time, ArithmeticSaturatesInsteadOfWrapping) {
  const Time big = *parse_duration("1000h");                    // 3.6e15 ns
  EXPECT_EQ(big * 1'000, Time::ns(3'600'000'000'000'000'000));  // 3.6e18 ns fits ...
  EXPECT_EQ(big * 100'000, Time::max());                        // ... 3.6e20 ns saturates
  EXPECT_EQ(big * -100'000, Time::min());
  EXPECT_EQ(Time::max() + Time::ns(1), Time::max());
  EXPECT_EQ(Time::max() - Time::ns(-1), Time::max());
  EXPECT_EQ(Time::min() - Time::ns(1), Time::min());
  EXPECT_EQ(Time::min() + Time::ns(-1), Time::min());
  Time t = Time::max();
  t += Time::s(1);
  EXPECT_EQ(t, Time::max());
  EXPECT_EQ(Time::s(std::numeric_limits<int64_t>::max() / 10), Time::max());
  EXPECT_EQ(Time::from_seconds(1e10), Time::max());  // 1e19 ns > 2^63
  EXPECT_EQ(Time::from_seconds(-1e10), Time::min());
  EXPECT_EQ(Time::from_seconds(std::numeric_limits<double>::infinity()), Time::max());
  EXPECT_EQ(Time::from_ns(0x1p63), Time::max());  // the first double past int64
  EXPECT_EQ(Time::from_ns(0x1p62), Time::ns(int64_t{1} << 62));
  EXPECT_EQ(Time::max().scaled(2.0), Time::max());
  EXPECT_EQ(Time::s(1).scaled(1e20), Time::max());
  // Byte counts that grow with a batch use the same rules.
  EXPECT_EQ(saturating_mul(int64_t{1} << 40, int64_t{1} << 30), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(saturating_add(std::numeric_limits<int64_t>::max(), 1), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(saturating_round(1e300), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(saturating_round(-2.5), -3);
}

}  // namespace
}  // namespace sharesim::sim
