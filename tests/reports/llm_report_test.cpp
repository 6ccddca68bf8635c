// An LLM endpoint's figures in the flat metric namespace (sharesim check), results.json and the
// terminal summary, on a hand-built report whose values are known.
#include <gtest/gtest.h>

#include <string>

#include "sharesim/reports/metrics.h"
#include "sharesim/reports/results.h"
#include "sharesim/scenarios/expect_spec.h"

namespace sharesim::reports {
namespace {

run::RunReport llm_report() {
  run::RunReport report;
  report.scenario_name = "llm";
  models::WorkloadStats chat;
  chat.name = "chat";
  chat.completed = 4;
  models::LlmStats llm;
  llm.model = "qwen2.5-0.5b";
  llm.weight_dtype = "fp16";
  llm.kv_dtype = "fp16";
  llm.kv_cache_blocks = 100;
  llm.block_size = 16;
  // TTFT 100, 200, 300, 400 ms: nearest rank p50 is the 2nd (200 ms), p99 the 4th (400 ms).
  for (int i = 1; i <= 4; ++i) llm.ttft.record(sim::Time::ms(100 * i));
  llm.tpot.record(sim::Time::ms(20));
  llm.output_tokens_per_s = 123.5;
  llm.preemptions = 3;
  llm.kv_peak_fraction = 0.25;
  llm.parameters.push_back({.name = "compute_fraction",
                            .unit = "ratio",
                            .value = "0.5",
                            .source = "starting point",
                            .estimate = true,
                            .note = ""});
  chat.llm = llm;
  report.workloads = {chat};
  return report;
}

TEST(LlmReport, MetricsForCheck) {
  const auto metrics = collect_metrics(llm_report());
  const MetricValue* ttft = find_metric(metrics, "chat.ttft_p99");
  ASSERT_NE(ttft, nullptr);
  EXPECT_NEAR(ttft->value, 400, 400 * 5e-4);  // bucket midpoint within 0.05%
  ASSERT_NE(find_metric(metrics, "chat.ttft_p50"), nullptr);
  EXPECT_NEAR(find_metric(metrics, "chat.ttft_p50")->value, 200, 200 * 5e-4);
  EXPECT_DOUBLE_EQ(find_metric(metrics, "chat.output_tokens_per_s")->value, 123.5);
  EXPECT_DOUBLE_EQ(find_metric(metrics, "chat.preemptions")->value, 3);
  EXPECT_DOUBLE_EQ(find_metric(metrics, "chat.kv_peak")->value, 0.25);
  // Every metric's kind is the kind its leaf has in an expectation.
  for (const MetricValue& m : metrics) {
    auto kind = scenarios::metric_kind_of_path(m.path);
    ASSERT_TRUE(kind.ok()) << m.path;
    EXPECT_EQ(*kind, m.kind) << m.path;
  }
}

TEST(LlmReport, ResultsJsonAndSummary) {
  const std::string json = results_json(llm_report());
  EXPECT_NE(json.find("\"llm\""), std::string::npos);
  EXPECT_NE(json.find("\"ttft_ms\""), std::string::npos);
  EXPECT_NE(json.find("\"output_tokens_per_s\": 123.5"), std::string::npos) << json;
  EXPECT_NE(json.find("\"estimate\": true"), std::string::npos);
  const std::string summary = summary_text(llm_report());
  EXPECT_NE(summary.find("chat (qwen2.5-0.5b fp16): TTFT p50 "), std::string::npos) << summary;
  EXPECT_NE(summary.find("3 preemptions"), std::string::npos);
}

}  // namespace
}  // namespace sharesim::reports
