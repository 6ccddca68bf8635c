// Baselines (reports/baseline.h): the file format, tolerances and their precedence, drift.
#include <gtest/gtest.h>

#include <string>

#include "sharesim/reports/baseline.h"

namespace sharesim::reports {
namespace {

using scenarios::MetricKind;

MetricValue metric(const std::string& path, MetricKind kind, double value) {
  return MetricValue{.path = path, .kind = kind, .value = value};
}

const MetricComparison& only(const std::vector<MetricComparison>& comparisons) {
  EXPECT_EQ(comparisons.size(), 1U);
  return comparisons.front();
}

TEST(CheckBaseline, TextIsSortedFixedPrecisionAndReadsBack) {
  Baseline b;
  b.metrics = {metric("w.p99", MetricKind::kDuration, 13.7666551), metric("faults", MetricKind::kCount, 0),
               metric("gpu[e/0].utilization_gpu", MetricKind::kFraction, 0.5489959)};
  auto tol = parse_tolerance("w.p99", "10%");
  ASSERT_TRUE(tol.ok());
  b.tolerances = {*tol};
  const std::string text = baseline_text(b, "s.yaml", 42);
  const std::string body = text.substr(text.find("\ntolerance w.p99") + 1);
  EXPECT_EQ(body,
            "tolerance w.p99 = 10%\n"
            "faults = 0\n"
            "gpu[e/0].utilization_gpu = 0.548996\n"
            "w.p99 = 13.766655ms\n");
  auto back = parse_baseline(text, "b.baseline");
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  ASSERT_EQ(back->metrics.size(), 3U);
  EXPECT_EQ(back->metrics[2].path, "w.p99");
  EXPECT_DOUBLE_EQ(back->metrics[2].value, 13.766655);
  ASSERT_EQ(back->tolerances.size(), 1U);
  EXPECT_DOUBLE_EQ(back->tolerances[0].tolerance.relative, 0.10);
  EXPECT_EQ(baseline_text(*back, "s.yaml", 42), text);  // stable
}

TEST(CheckBaseline, MalformedLinesAreErrorsWithTheirLine) {
  auto bad = parse_baseline("# c\nw.p99 = 3ms\nw.p99 = 3\n", "b.baseline");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().line, 3);
  EXPECT_NE(bad.error().message.find("unit mismatch"), std::string::npos);
  auto no_eq = parse_baseline("w.p99 3ms\n", "b.baseline");
  ASSERT_FALSE(no_eq.ok());
  EXPECT_EQ(no_eq.error().line, 1);
  auto twice = parse_baseline("w.p99 = 3ms\nw.p99 = 4ms\n", "b.baseline");
  EXPECT_FALSE(twice.ok());
  auto tol = parse_baseline("\ntolerance latency = 5%\n", "b.baseline");
  ASSERT_FALSE(tol.ok());
  EXPECT_EQ(tol.error().line, 2);
}

TEST(CheckBaseline, LatencyDriftBeyondFivePercentFailsAndWithinPasses) {
  Baseline b;
  b.metrics = {metric("w.p99", MetricKind::kDuration, 10.0)};
  // Default duration tolerance 5% of 10 ms = 0.5 ms.
  EXPECT_TRUE(only(compare_with_baseline(b, {metric("w.p99", MetricKind::kDuration, 10.4)}, {})).passed);
  EXPECT_TRUE(only(compare_with_baseline(b, {metric("w.p99", MetricKind::kDuration, 9.6)}, {})).passed);
  const auto moved = only(compare_with_baseline(b, {metric("w.p99", MetricKind::kDuration, 10.6)}, {}));
  EXPECT_FALSE(moved.passed);
  EXPECT_EQ(change_text(moved), "+6.0%");
  EXPECT_FALSE(only(compare_with_baseline(b, {metric("w.p99", MetricKind::kDuration, 9.4)}, {})).passed);
}

TEST(CheckBaseline, ThroughputTwoPercentCountsNearlyExactBytesExact) {
  Baseline b;
  b.metrics = {metric("w.throughput", MetricKind::kRate, 100), metric("faults", MetricKind::kCount, 0),
               metric("w.completed", MetricKind::kCount, 1000),
               metric("gpu[e/0].memory_used", MetricKind::kBytes, 4096)};
  auto run = [&](double throughput, double faults, double completed, double bytes) {
    return compare_with_baseline(b,
                                 {metric("faults", MetricKind::kCount, faults),
                                  metric("gpu[e/0].memory_used", MetricKind::kBytes, bytes),
                                  metric("w.completed", MetricKind::kCount, completed),
                                  metric("w.throughput", MetricKind::kRate, throughput)},
                                 {});
  };
  // Sorted by path: faults, gpu[e/0].memory_used, w.completed, w.throughput.
  auto same = run(101.9, 0, 1005, 4096);  // 1.9% < 2%; 5 of 1000 = 0.5%
  for (const auto& c : same) EXPECT_TRUE(c.passed) << c.path;
  auto moved = run(102.1, 1, 1006, 4097);
  for (const auto& c : moved) EXPECT_FALSE(c.passed) << c.path;
}

TEST(CheckBaseline, NewAndVanishedMetricsFail) {
  Baseline b;
  b.metrics = {metric("a.p99", MetricKind::kDuration, 1)};
  auto comparisons = compare_with_baseline(b, {metric("b.p99", MetricKind::kDuration, 1)}, {});
  ASSERT_EQ(comparisons.size(), 2U);
  EXPECT_EQ(comparisons[0].path, "a.p99");
  EXPECT_FALSE(comparisons[0].passed);
  EXPECT_FALSE(comparisons[0].new_value.has_value());
  EXPECT_EQ(comparisons[1].path, "b.p99");
  EXPECT_FALSE(comparisons[1].passed);
  EXPECT_FALSE(comparisons[1].old_value.has_value());
}

TEST(CheckBaseline, OverridesByPathBeatOverridesByKindAndFlagsBeatFiles) {
  auto file_kind = parse_tolerance("duration", "20%");
  auto file_path = parse_tolerance("w.p99", "1%");
  auto flag_kind = parse_tolerance_flag("duration=30%");
  auto flag_path = parse_tolerance_flag("w.p99=0% + 0.5ms");
  ASSERT_TRUE(file_kind.ok() && file_path.ok() && flag_kind.ok() && flag_path.ok());
  EXPECT_DOUBLE_EQ(flag_path->tolerance.absolute, 0.5);
  const std::string p = "w.p99";
  const auto k = MetricKind::kDuration;
  EXPECT_DOUBLE_EQ(tolerance_for(p, k, {}, {}).relative, 0.05);
  EXPECT_DOUBLE_EQ(tolerance_for(p, k, {*file_kind}, {}).relative, 0.20);
  EXPECT_DOUBLE_EQ(tolerance_for(p, k, {*file_kind}, {*flag_kind}).relative, 0.30);
  EXPECT_DOUBLE_EQ(tolerance_for(p, k, {*file_kind, *file_path}, {*flag_kind}).relative, 0.01);
  EXPECT_DOUBLE_EQ(tolerance_for(p, k, {*file_kind, *file_path}, {*flag_kind, *flag_path}).absolute, 0.5);
  EXPECT_DOUBLE_EQ(tolerance_for("w.p50", k, {*file_path}, {}).relative, 0.05);  // another path: default

  // An absolute tolerance lets a value that was 0 move a little.
  Baseline b;
  b.metrics = {metric("w.p99", k, 0)};
  b.tolerances = {*parse_tolerance("w.p99", "0% + 0.5ms")};
  EXPECT_TRUE(only(compare_with_baseline(b, {metric("w.p99", k, 0.5)}, {})).passed);
  EXPECT_FALSE(only(compare_with_baseline(b, {metric("w.p99", k, 0.6)}, {})).passed);
}

TEST(CheckBaseline, BadTolerancesAreErrors) {
  EXPECT_FALSE(parse_tolerance("latency", "5%").ok());  // not a kind or a metric
  EXPECT_FALSE(parse_tolerance("duration", "5").ok());  // no %
  EXPECT_FALSE(parse_tolerance("duration", "-5%").ok());
  EXPECT_FALSE(parse_tolerance("duration", "5% + 3/s").ok());  // unit mismatch
  EXPECT_FALSE(parse_tolerance_flag("duration:5%").ok());
}

TEST(CheckBaseline, UnchangedValuesCompareExactlyAfterRounding) {
  // 0.5489959 is stored as 0.548996; the same run must give no change at all, even with a zero
  // tolerance.
  Baseline b;
  b.metrics = {metric("gpu[e/0].sm_occupancy", MetricKind::kFraction, 0.548996)};
  b.tolerances = {*parse_tolerance("fraction", "0%")};
  const auto c =
      only(compare_with_baseline(b, {metric("gpu[e/0].sm_occupancy", MetricKind::kFraction, 0.5489959)}, {}));
  EXPECT_TRUE(c.passed);
  EXPECT_EQ(change_text(c), "+0.0%");
}

TEST(CheckBaseline, PathIsTheScenarioStemInTheFolder) {
  EXPECT_EQ(baseline_path("scenarios/baselines", "scenarios/examples/one-t4-mps-20pct.yaml"),
            "scenarios/baselines/one-t4-mps-20pct.baseline");
  EXPECT_EQ(baseline_path("b/", "x.yaml"), "b/x.baseline");
}

}  // namespace
}  // namespace sharesim::reports
