// The expectation grammar of `sharesim check` (scenarios/expect_spec.h): values in canonical units,
// unit mismatches and malformed expectations as errors with file, line and column.
#include <gtest/gtest.h>

#include <string>

#include "sharesim/scenarios/expect_spec.h"

namespace sharesim::scenarios {
namespace {

Expectation parse_ok(const std::string& text) {
  auto e = parse_expectation(text, "s.yaml", 7, 5, 0);
  EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().to_string());
  return e.ok() ? *e : Expectation{};
}

std::string parse_error(const std::string& text) {
  auto e = parse_expectation(text, "s.yaml", 7, 5, 2);
  EXPECT_FALSE(e.ok()) << text;
  return e.ok() ? "" : e.error().to_string();
}

TEST(ExpectSpec, ParsesTheIssueExamplesIntoCanonicalUnits) {
  const Expectation p99 = parse_ok("detector.p99 <= 50ms");
  EXPECT_EQ(p99.metric, "detector.p99");
  EXPECT_EQ(p99.kind, MetricKind::kDuration);
  EXPECT_EQ(p99.comparison, Comparison::kLessEqual);
  EXPECT_DOUBLE_EQ(p99.value, 50.0);  // milliseconds
  EXPECT_EQ(p99.value_text, "50ms");
  EXPECT_EQ(p99.line, 7);
  EXPECT_EQ(p99.column, 5);

  const Expectation rate = parse_ok("detector.throughput >= 190/s");
  EXPECT_EQ(rate.kind, MetricKind::kRate);
  EXPECT_EQ(rate.comparison, Comparison::kGreaterEqual);
  EXPECT_DOUBLE_EQ(rate.value, 190.0);

  const Expectation util = parse_ok("gpu[edge-1/0].utilization_gpu <= 0.9");
  EXPECT_EQ(util.metric, "gpu[edge-1/0].utilization_gpu");
  EXPECT_EQ(util.kind, MetricKind::kFraction);
  EXPECT_DOUBLE_EQ(util.value, 0.9);

  const Expectation faults = parse_ok("faults == 0");
  EXPECT_EQ(faults.kind, MetricKind::kCount);
  EXPECT_EQ(faults.comparison, Comparison::kEqual);
  EXPECT_DOUBLE_EQ(faults.value, 0.0);
}

TEST(ExpectSpec, UnitsConvert) {
  EXPECT_DOUBLE_EQ(parse_ok("a.p50 < 1.5s").value, 1500.0);                // 1.5 s = 1500 ms
  EXPECT_DOUBLE_EQ(parse_ok("a.max > 800us").value, 0.8);                  // 800 us = 0.8 ms
  EXPECT_DOUBLE_EQ(parse_ok("a.throughput > 600/m").value, 10.0);          // 600 per minute = 10/s
  EXPECT_DOUBLE_EQ(parse_ok("gpu[d/1].sm_occupancy >= 45%").value, 0.45);  // percent -> fraction
  EXPECT_DOUBLE_EQ(parse_ok("gpu[d/0].memory_used <= 2GiB").value, 2.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_ok("a.slo_met == true").value, 1.0);
  EXPECT_DOUBLE_EQ(parse_ok("slo_met != false").value, 0.0);
  EXPECT_EQ(parse_ok("a.p99<=5ms").comparison, Comparison::kLessEqual);  // spaces are optional
  EXPECT_EQ(parse_ok("a.p99 != 5ms").comparison, Comparison::kNotEqual);
  EXPECT_EQ(parse_ok("a.p99 > 5ms").comparison, Comparison::kGreater);
  EXPECT_EQ(parse_ok("a.p99 < 5ms").comparison, Comparison::kLess);
  // A workload name may contain dots: the leaf is after the last one.
  EXPECT_EQ(parse_ok("cam.v2.p99 < 5ms").metric, "cam.v2.p99");
}

TEST(ExpectSpec, UnitMismatchIsAnErrorNamingBoth) {
  const std::string e = parse_error("detector.p99 <= 190/s");
  EXPECT_NE(e.find("unit mismatch"), std::string::npos) << e;
  EXPECT_NE(e.find("duration"), std::string::npos) << e;
  EXPECT_NE(e.find("a rate"), std::string::npos) << e;
  EXPECT_NE(parse_error("detector.throughput >= 50ms").find("unit mismatch"), std::string::npos);
  EXPECT_NE(parse_error("detector.p99 <= 50").find("unit mismatch"), std::string::npos);  // no unit
  EXPECT_NE(parse_error("faults == 2GiB").find("unit mismatch"), std::string::npos);
  EXPECT_NE(parse_error("gpu[e/0].utilization_gpu <= 5ms").find("unit mismatch"), std::string::npos);
  // 90 as a fraction is almost surely a percentage written without '%'.
  EXPECT_NE(parse_error("gpu[e/0].utilization_gpu <= 90").find("90%"), std::string::npos);
  EXPECT_NE(parse_error("detector.p99 <= 50parsecs").find("unknown unit"), std::string::npos);
}

TEST(ExpectSpec, MalformedExpectationsAreErrorsWithTheirLocation) {
  const std::string e = parse_error("detector.p99 50ms");
  EXPECT_EQ(e.rfind("s.yaml:7:5: expect[2]: ", 0), 0U) << e;
  EXPECT_NE(e.find("no comparison"), std::string::npos) << e;
  EXPECT_NE(parse_error("detector.p99 = 50ms").find("did you mean '=='"), std::string::npos);
  EXPECT_NE(parse_error("detector.p99 =< 50ms").find("unknown comparison"), std::string::npos);
  EXPECT_NE(parse_error("<= 50ms").find("no metric"), std::string::npos);
  EXPECT_NE(parse_error("detector.p99 <=").find("no value"), std::string::npos);
  EXPECT_NE(parse_error("detector p99 <= 5ms").find("no spaces"), std::string::npos);
  EXPECT_NE(parse_error("").find("found nothing"), std::string::npos);
  EXPECT_NE(parse_error("detector.slo_met < true").find("=="), std::string::npos);
}

TEST(ExpectSpec, UnknownMetricsSuggestTheClosest) {
  const std::string e = parse_error("detector.p98 <= 5ms");
  EXPECT_NE(e.find("unknown workload metric 'p98'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean"), std::string::npos) << e;
  EXPECT_NE(parse_error("gpu[edge-1/0].utilisation_gpu <= 0.5").find("did you mean 'utilization_gpu'"),
            std::string::npos);
  EXPECT_NE(parse_error("detector.utilization_gpu <= 0.5").find("gpu[<device>/<index>]"), std::string::npos);
  EXPECT_NE(parse_error("p99 <= 5ms").find("<workload>.p99"), std::string::npos);
  EXPECT_NE(parse_error("gpu[edge-1].faults == 0").find("gpu[<device>/<index>]"), std::string::npos);
  EXPECT_NE(parse_error("gpu[edge-1/0]faults == 0").find("'.<metric>'"), std::string::npos);
  EXPECT_NE(parse_error("gpu[edge-1/0.faults == 0").find("no ']'"), std::string::npos);
}

TEST(ExpectSection, ReadsTheListWithLineNumbers) {
  const std::string yaml =
      "name: x\n"           // line 1
      "expect:\n"           // line 2
      "  - a.p99 <= 5ms\n"  // line 3
      "  - faults == 0\n";  // line 4
  auto list = read_expectations_text(yaml, "x.yaml");
  ASSERT_TRUE(list.ok()) << list.error().to_string();
  ASSERT_EQ(list->size(), 2U);
  EXPECT_EQ((*list)[0].line, 3);
  EXPECT_EQ((*list)[0].column, 5);
  EXPECT_EQ((*list)[1].line, 4);
  EXPECT_EQ((*list)[1].file, "x.yaml");
  auto none = read_expectations_text("name: x\n", "x.yaml");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto empty = read_expectations_text("name: x\nexpect:\n", "x.yaml");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ExpectSection, MalformedItemsNameTheirLine) {
  auto bad =
      read_expectations_text("name: x\nexpect:\n  - a.p99 <= 5ms\n  - a.p99 <= 5 furlongs\n", "x.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().line, 4);
  EXPECT_EQ(bad.error().column, 5);
  EXPECT_EQ(bad.error().field, "expect[1]");
  auto mapping = read_expectations_text("expect:\n  - a.p99: 5ms\n", "x.yaml");
  ASSERT_FALSE(mapping.ok());
  EXPECT_EQ(mapping.error().line, 2);
  EXPECT_NE(mapping.error().message.find("mapping"), std::string::npos);
  auto scalar = read_expectations_text("expect: a.p99 <= 5ms\n", "x.yaml");
  ASSERT_FALSE(scalar.ok());
  EXPECT_EQ(scalar.error().field, "expect");
  EXPECT_EQ(scalar.error().line, 1);
}

TEST(ExpectSpec, ComparisonsHoldAsWritten) {
  EXPECT_TRUE(comparison_holds(Comparison::kLessEqual, 5, 5));
  EXPECT_FALSE(comparison_holds(Comparison::kLess, 5, 5));
  EXPECT_TRUE(comparison_holds(Comparison::kGreaterEqual, 5, 5));
  EXPECT_FALSE(comparison_holds(Comparison::kGreater, 5, 5));
  EXPECT_TRUE(comparison_holds(Comparison::kEqual, 0, 0));
  EXPECT_TRUE(comparison_holds(Comparison::kNotEqual, 1, 0));
}

}  // namespace
}  // namespace sharesim::scenarios
