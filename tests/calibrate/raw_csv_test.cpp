#include "sharesim/calibrate/raw_csv.h"

#include <gtest/gtest.h>

#include <ostream>
#include <sstream>

#include "sharesim/calibrate/raw_reader.h"

namespace sharesim::calibrate {
namespace {

const char* const kHeader =
    "# sharesim calibration measurements, format 1\n"
    "# device.name: Tesla T4\n"
    "# device.sm_count: 40\n"
    "suite,case,param,metric,value,unit,rep\n";

TEST(RawCsv, WriteThenReadGivesTheSameData) {
  RawData data;
  data.set_header(kHeaderDeviceName, "Tesla T4");
  data.set_header(kHeaderSmCount, "40");
  data.add("copies", "h2d_pinned", "bytes=4096", "time", 10372.363636363636, "ns", 0);
  data.add("sharing", "timeslice", "procs=2;proc=1", "gap_start", 2e6, "ns", 7);
  std::ostringstream text;
  write_raw_csv(text, data);
  auto back = parse_raw_csv(text.str(), "mem.csv");
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->header_value(kHeaderDeviceName), "Tesla T4");
  EXPECT_EQ(back->header_value(kHeaderSmCount), "40");
  ASSERT_EQ(back->rows.size(), 2u);
  // Shortest round-trip formatting: the double comes back bit for bit.
  EXPECT_EQ(back->rows[0].value, 10372.363636363636);
  EXPECT_EQ(back->rows[1].param, "procs=2;proc=1");
  EXPECT_EQ(back->rows[1].rep, 7);
  EXPECT_EQ(back->rows[1].origin.line, 6);  // 1 title + 2 header lines + column line + 2 rows
}

struct BadCase {
  std::string body;     // text after the header block
  int line;             // expected line of the error
  int column;           // expected column: 1-based character position of the field (or key) in the line
  std::string field;    // expected field
  std::string message;  // expected part of the message
};
// How gtest shows a case (its default prints the struct's bytes).
void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.field << " at line " << c.line;
}

class RawCsvErrors : public testing::TestWithParam<BadCase> {};

TEST_P(RawCsvErrors, NameFileLineAndField) {
  const BadCase& c = GetParam();
  auto parsed = parse_raw_csv(std::string(kHeader) + c.body, "raw.csv");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().file, "raw.csv");
  EXPECT_EQ(parsed.error().line, c.line);
  EXPECT_EQ(parsed.error().column, c.column);
  EXPECT_EQ(parsed.error().field, c.field);
  EXPECT_NE(parsed.error().message.find(c.message), std::string::npos) << parsed.error().message;
  EXPECT_EQ(
      parsed.error().to_string().rfind(
          "raw.csv:" + std::to_string(c.line) + ":" + std::to_string(c.column) + ": " + c.field + ": ", 0),
      0u)
      << parsed.error().to_string();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RawCsvErrors,
    testing::Values(
        // Columns counted by hand: "copies," is 7 characters, so the case starts at 8;
        // "h2d_pinned," 11 more: the param at 19; "bytes=4096," 11: the metric at 30; "time," 5:
        // the value at 35.
        BadCase{"copies,h2d_pinned,bytes=4096,time,12.5,ns,0\ncopies,h2d_pinned,bytes=4096,time,abc,ns,1\n",
                6, 35, "value", "expected a finite number, found 'abc'"},
        BadCase{"copies,h2d_pinned,bytes=4096,time,12.5,ns\n", 5, 1, "row", "expected 7 fields"},
        BadCase{"gemm,x,,time,1,ns,0\n", 5, 1, "suite", "found 'gemm'"},
        BadCase{"copies,h2d_pinned,bytes=4K,time,1,ns,0\n", 5, 19, "param", "key=integer"},
        BadCase{"copies,h2d_pinned,bytes=4096,time,1,ns,-1\n", 5, 40, "rep", "non-negative integer"},
        BadCase{"copies,h2d_pinned,bytes=4096,time,inf,ns,0\n", 5, 35, "value", "finite"},
        BadCase{"copies,h2d_pinned,bytes=4096,time,1,,0\n", 5, 37, "unit", "expected 'ns'"},
        BadCase{"copies,h2d_pinned,bytes=4096,time,1,ns,0\n# device.mps: on\n", 6, 1, "header",
                "after the column line"},
        // Issue 12 item 12: what cannot identify a parameter is refused where it is written.
        // An unknown unit: "12.5," is 5 characters after the value's column 35, so the unit is at 40.
        BadCase{"copies,h2d_pinned,bytes=4096,time,12.5,us,0\n", 5, 40, "unit",
                "expected 'ns' for copies h2d_pinned time, found 'us'"},
        // A negative size.
        BadCase{"copies,h2d_pinned,bytes=-4096,time,12.5,ns,0\n", 5, 19, "param",
                "expected bytes at least 1 for copies h2d_pinned, found -4096"},
        // A denormal (subnormal) duration, and one below the 1 ns a timer can resolve.
        BadCase{"copies,h2d_pinned,bytes=4096,time,1e-310,ns,0\n", 5, 35, "value", "(a subnormal number)"},
        BadCase{"copies,h2d_pinned,bytes=4096,time,0.5,ns,0\n", 5, 35, "value",
                "expected a duration of at least 1 ns"},
        BadCase{"copies,h2d_pinned,bytes=4096,time,-12.5,ns,0\n", 5, 35, "value",
                "expected a duration of at least 1 ns"},
        // A case or metric the fitter does not know would be silently ignored: refused.
        BadCase{"copies,h2d_fast,bytes=4096,time,12.5,ns,0\n", 5, 8, "case", "found 'h2d_fast'"},
        BadCase{"copies,h2d_pinned,bytes=4096,latency,12.5,ns,0\n", 5, 30, "metric", "found 'latency'"},
        BadCase{"sm-scaling,compute,blocks=4,time,1000,ns,0\n", 5, 20, "param",
                "expected a key 'iterations'"},
        // "sharing,pair," is 13 characters: the param at 14; "kind=2;procs=2;" 15 more: proc at 29.
        BadCase{"sharing,pair,kind=2;procs=2;proc=2,kernel_start,0,ns,0\n", 5, 29, "param",
                "expected proc below procs=2"},
        // "sharing,share," is 14: the param at 15; "procs=1;" 8 more: pct at 23.
        BadCase{"sharing,share,procs=1;pct=0;mps=1;proc=0,kernel_start,0,ns,0\n", 5, 23, "param",
                "expected pct from 1 to 100"}),
    // Named by the field and index: gtest's default name for a struct parameter prints its bytes,
    // pointers included, which differ between the listing ctest discovers and the run.
    [](const testing::TestParamInfo<BadCase>& param_info) {
      return param_info.param.field + "_" + std::to_string(param_info.index);
    });

TEST(RawCsv, MissingColumnLineIsAnError) {
  auto parsed = parse_raw_csv("# device.name: x\nsuite,case,value\n", "raw.csv");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().line, 2);
  EXPECT_EQ(parsed.error().field, "columns");
  auto empty = parse_raw_csv("", "empty.csv");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("no column line"), std::string::npos);
}

TEST(RawCsv, MissingFileNamesTheFile) {
  auto parsed = read_raw_csv_file("/nonexistent/raw.csv");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().file, "/nonexistent/raw.csv");
}

TEST(Fp32Lanes, FromTheArchitectureWhitepapers) {
  EXPECT_EQ(fp32_lanes_per_sm(7, 5), 64);   // Turing (T4)
  EXPECT_EQ(fp32_lanes_per_sm(8, 0), 64);   // A100
  EXPECT_EQ(fp32_lanes_per_sm(8, 6), 128);  // GA10x
  EXPECT_EQ(fp32_lanes_per_sm(9, 0), 128);  // H100
  EXPECT_EQ(fp32_lanes_per_sm(6, 1), 0);    // not known here
}

}  // namespace
}  // namespace sharesim::calibrate
