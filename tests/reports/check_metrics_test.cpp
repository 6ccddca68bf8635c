// The flat metric namespace (reports/metrics.h) and evaluating expectations against it
// (reports/expectations.h), on a hand-built RunReport whose values are known.
#include <gtest/gtest.h>

#include <string>

#include "sharesim/reports/expectations.h"
#include "sharesim/reports/metrics.h"

namespace sharesim::reports {
namespace {

using scenarios::MetricKind;

// Two workloads and two GPUs with round numbers.
run::RunReport sample_report() {
  run::RunReport report;
  report.scenario_name = "sample";
  report.slo_met = false;
  models::WorkloadStats detector;
  detector.name = "detector";
  detector.arrived = 10;
  detector.completed = 9;
  detector.failed = 1;
  detector.throughput_per_s = 180.5;
  // Ten latencies of 1..10 ms: by nearest rank, p50 is the 5th (5 ms), p90 the 9th (9 ms), p99
  // and p99.9 the 10th (10 ms); mean 5.5 ms. The histogram reports bucket midpoints within 0.05%.
  for (int i = 1; i <= 10; ++i) detector.latency.record(sim::Time::ms(i));
  detector.slo_met = false;
  models::WorkloadStats ocr;
  ocr.name = "ocr";
  ocr.failed = 2;
  report.workloads = {detector, ocr};
  run::GpuReport g0;
  g0.device = "edge-1";
  g0.index = 0;
  g0.metrics.utilization_gpu_mean = 0.75;
  g0.metrics.memory_used_bytes = int64_t{3} << 30;
  g0.metrics.faults = 1;
  g0.metrics.kernels_completed = 100;
  g0.metrics.copy_engine_busy_seconds = 0.25;
  run::GpuReport g1 = g0;
  g1.index = 1;
  g1.metrics.faults = 2;
  g1.metrics.kernels_completed = 50;
  report.gpus = {g1, g0};  // not in path order on purpose
  return report;
}

const MetricValue& get(const std::vector<MetricValue>& metrics, const std::string& path) {
  const MetricValue* m = find_metric(metrics, path);
  EXPECT_NE(m, nullptr) << path;
  static const MetricValue missing;
  return m ? *m : missing;
}

TEST(CheckMetrics, NamesEveryValueOfTheReport) {
  const auto metrics = collect_metrics(sample_report());
  for (size_t i = 1; i < metrics.size(); ++i) EXPECT_LT(metrics[i - 1].path, metrics[i].path);
  EXPECT_NEAR(get(metrics, "detector.p50").value, 5.0, 5.0 * 5e-4);
  EXPECT_NEAR(get(metrics, "detector.p90").value, 9.0, 9.0 * 5e-4);
  EXPECT_NEAR(get(metrics, "detector.p99").value, 10.0, 10.0 * 5e-4);
  EXPECT_DOUBLE_EQ(get(metrics, "detector.max").value, 10.0);  // max is exact
  EXPECT_DOUBLE_EQ(get(metrics, "detector.mean").value, 5.5);  // mean is exact
  EXPECT_EQ(get(metrics, "detector.p99").kind, MetricKind::kDuration);
  EXPECT_DOUBLE_EQ(get(metrics, "detector.throughput").value, 180.5);
  EXPECT_EQ(get(metrics, "detector.throughput").kind, MetricKind::kRate);
  EXPECT_DOUBLE_EQ(get(metrics, "detector.completed").value, 9);
  EXPECT_DOUBLE_EQ(get(metrics, "detector.slo_met").value, 0);
  EXPECT_DOUBLE_EQ(get(metrics, "gpu[edge-1/0].utilization_gpu").value, 0.75);
  EXPECT_EQ(get(metrics, "gpu[edge-1/0].utilization_gpu").kind, MetricKind::kFraction);
  EXPECT_DOUBLE_EQ(get(metrics, "gpu[edge-1/0].memory_used").value, 3.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(get(metrics, "gpu[edge-1/0].copy_engine_busy").value, 250.0);  // 0.25 s in ms
  // Scenario totals: faults 1 + 2, failed 1 + 2, kernels 100 + 50.
  EXPECT_DOUBLE_EQ(get(metrics, "faults").value, 3);
  EXPECT_DOUBLE_EQ(get(metrics, "failed").value, 3);
  EXPECT_DOUBLE_EQ(get(metrics, "kernels_completed").value, 150);
  EXPECT_DOUBLE_EQ(get(metrics, "slo_met").value, 0);
}

TEST(CheckMetrics, EveryKindOfEveryMetricMatchesTheGrammar) {
  // The kind a path's leaf gives when an expectation is parsed is the kind of the value.
  for (const MetricValue& m : collect_metrics(sample_report())) {
    auto kind = scenarios::metric_kind_of_path(m.path);
    ASSERT_TRUE(kind.ok()) << m.path;
    EXPECT_EQ(*kind, m.kind) << m.path;
  }
}

TEST(CheckMetrics, FormattedValuesReadBackAtTheirPrecision) {
  struct Case {
    MetricKind kind;
    double value;
    const char* text;
  };
  for (const Case& c : {Case{MetricKind::kDuration, 13.766655, "13.766655ms"},
                        Case{MetricKind::kRate, 71.5555556, "71.555556/s"},
                        Case{MetricKind::kFraction, 0.548995921, "0.548996"},
                        Case{MetricKind::kBytes, 4294967296.0, "4294967296B"},
                        Case{MetricKind::kCount, 900, "900"}, Case{MetricKind::kNumber, 1, "1.000000"},
                        Case{MetricKind::kFlag, 1, "true"}, Case{MetricKind::kFlag, 0, "false"}}) {
    EXPECT_EQ(format_metric_value(c.kind, c.value), c.text);
    auto back = scenarios::parse_metric_value(c.kind, c.text);
    ASSERT_TRUE(back.ok()) << c.text << ": " << back.error().to_string();
    EXPECT_NEAR(*back, c.value, 1e-6 * std::max(1.0, c.value)) << c.text;
  }
}

TEST(CheckExpectations, HoldsAndFailsAsComparedWithTheMeasuredValue) {
  const auto metrics = collect_metrics(sample_report());
  std::vector<scenarios::Expectation> list;
  for (const char* text : {"detector.max <= 10ms", "detector.max < 10ms", "detector.throughput >= 180/s",
                           "gpu[edge-1/1].faults == 2", "faults == 0"}) {
    auto e = scenarios::parse_expectation(text, "s.yaml", 3, 5, list.size());
    ASSERT_TRUE(e.ok()) << text;
    list.push_back(*e);
  }
  auto outcomes = evaluate_expectations(list, metrics);
  ASSERT_TRUE(outcomes.ok()) << outcomes.error().to_string();
  ASSERT_EQ(outcomes->size(), 5U);
  EXPECT_TRUE((*outcomes)[0].passed);   // 10 <= 10
  EXPECT_FALSE((*outcomes)[1].passed);  // 10 < 10
  EXPECT_TRUE((*outcomes)[2].passed);   // 180.5 >= 180
  EXPECT_TRUE((*outcomes)[3].passed);
  EXPECT_FALSE((*outcomes)[4].passed);  // 3 faults
  EXPECT_DOUBLE_EQ((*outcomes)[4].measured, 3);
}

TEST(CheckExpectations, AMetricTheRunDoesNotHaveIsAnInputErrorAtItsLine) {
  auto e = scenarios::parse_expectation("detektor.p99 <= 5ms", "s.yaml", 12, 5, 0);
  ASSERT_TRUE(e.ok());
  auto outcomes = evaluate_expectations({*e}, collect_metrics(sample_report()));
  ASSERT_FALSE(outcomes.ok());
  EXPECT_EQ(outcomes.error().file, "s.yaml");
  EXPECT_EQ(outcomes.error().line, 12);
  EXPECT_NE(outcomes.error().message.find("detector"), std::string::npos) << outcomes.error().message;
  auto gpu = scenarios::parse_expectation("gpu[edge-1/7].faults == 0", "s.yaml", 13, 5, 1);
  ASSERT_TRUE(gpu.ok());
  EXPECT_FALSE(evaluate_expectations({*gpu}, collect_metrics(sample_report())).ok());
}

}  // namespace
}  // namespace sharesim::reports
