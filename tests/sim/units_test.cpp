#include "sharesim/sim/units.h"

#include <gtest/gtest.h>

namespace sharesim::sim {
namespace {

TEST(ParseBytes, BinaryAndDecimalUnits) {
  EXPECT_EQ(*parse_bytes("600KiB"), 600 * 1024);
  EXPECT_EQ(*parse_bytes("2GiB"), int64_t{2} << 30);
  EXPECT_EQ(*parse_bytes("4096B"), 4096);
  EXPECT_EQ(*parse_bytes("4096"), 4096);
  EXPECT_EQ(*parse_bytes("1.5MB"), 1'500'000);
  EXPECT_EQ(*parse_bytes("16GB"), 16'000'000'000);
  EXPECT_EQ(*parse_bytes("0.5KiB"), 512);
}

TEST(ParseBytes, RejectsUnknownUnitsAndGarbage) {
  EXPECT_FALSE(parse_bytes("12 parsecs").ok());
  EXPECT_FALSE(parse_bytes("-1KiB").ok());
  EXPECT_FALSE(parse_bytes("KiB").ok());
  EXPECT_FALSE(parse_bytes("99999999999TiB").ok());
  EXPECT_NE(parse_bytes("3Kib").error().message.find("unknown size unit 'Kib'"), std::string::npos);
}

TEST(ParseRate, ConvertsToPerSecond) {
  EXPECT_DOUBLE_EQ(*parse_rate_per_second("200/s"), 200.0);
  EXPECT_DOUBLE_EQ(*parse_rate_per_second("60/m"), 1.0);
  EXPECT_DOUBLE_EQ(*parse_rate_per_second("3600/h"), 1.0);
  EXPECT_DOUBLE_EQ(*parse_rate_per_second("0.5/s"), 0.5);
  EXPECT_FALSE(parse_rate_per_second("200").ok());
  EXPECT_FALSE(parse_rate_per_second("200/week").ok());
  EXPECT_FALSE(parse_rate_per_second("-3/s").ok());
  EXPECT_FALSE(parse_rate_per_second("nan/s").ok());
}

TEST(ParseNumber, FiniteOnly) {
  EXPECT_DOUBLE_EQ(*parse_number("0.3"), 0.3);
  EXPECT_DOUBLE_EQ(*parse_number("1e-3"), 1e-3);
  EXPECT_DOUBLE_EQ(*parse_number("-2"), -2.0);
  EXPECT_FALSE(parse_number("nan").ok());
  EXPECT_FALSE(parse_number("inf").ok());
  EXPECT_FALSE(parse_number("1.5x").ok());
  EXPECT_FALSE(parse_number("").ok());
}

TEST(Error, FormatsLocationFieldAndMessage) {
  const Error e{.file = "s.yaml",
                .line = 3,
                .column = 7,
                .field = "workloads[0].replicas",
                .message = "expected an integer >= 1, found 0"};
  EXPECT_EQ(e.to_string(), "s.yaml:3:7: workloads[0].replicas: expected an integer >= 1, found 0");
  EXPECT_EQ(make_error("bad").at("f.csv", 9, 0, "Duration").to_string(), "f.csv:9: Duration: bad");
}

TEST(Error, StaysOnOneLineWhenTheMessageQuotesControlCharacters) {
  // A quoted CSV field may hold a line break: the message shows it escaped.
  const Error e{.file = "t.csv", .line = 2, .message = "found 'a\nb\tc\x01'"};
  EXPECT_EQ(e.to_string(), "t.csv:2: found 'a\\nb\\tc\\x01'");
}

}  // namespace
}  // namespace sharesim::sim
