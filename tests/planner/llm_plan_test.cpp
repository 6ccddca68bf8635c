// The planner and LLM endpoints: the per-request work bound it screens with, worked by hand, and
// token-latency targets deciding feasibility.
#include <gtest/gtest.h>

#include <string>

#include "sharesim/planner/planner.h"

namespace sharesim::planner {
namespace {

// Qwen2.5-0.5B (fp16), fixed 1,000-token prompts and 100-token outputs, on a T4.
std::string llm_problem(const std::string& rate, const std::string& slo) {
  return "name: t\nseed: 5\nduration: 20s\nwarmup: 2s\n"
         "devices:\n  - {name: edge, gpus: 1, sharing: time-slicing, setup: [{kubernetes: {}}]}\n"
         "workloads:\n"
         "  - name: chat\n    device: edge\n    memory: 4GiB\n    arrivals: {poisson: {rate: " +
         rate +
         "}}\n"
         "    llm: {model: qwen2.5-0.5b, tokens: {prompt: 1000, output: 100}}\n"
         "    slo: " +
         slo +
         "\n"
         "plan:\n  device_options: [{gpus: 1, cost: 1.0}]\n  max_devices: 1\n";
}

PlanInput load(const std::string& yaml) {
  auto input = load_plan_input_text(yaml, "test.yaml", ".");
  EXPECT_TRUE(input) << (input ? "" : input.error().to_string());
  return input ? std::move(*input) : PlanInput{};
}

// Compute: 2 x 357,826,560 x (1,000 + 100) + 2 x 136,134,656 x 100 FLOPs at 65 TFLOPS x 0.85
// (sustained clock, t4.yaml) x 0.5 (compute_fraction). Memory: 100 steps' weight reads
// (987,922,432 B) shared by at most 128 sequences, at 220 GiB/s x 0.85 (bandwidth_fraction).
TEST(PlannerLlm, RequestWorkIsTheLowerBoundByHand) {
  const PlanInput input = load(llm_problem("1/s", "{ttft_p99: 2s}"));
  auto work = request_work(input.scenario.workloads[0], "t4", ".", 0);
  ASSERT_TRUE(work) << work.error().to_string();
  const double compute = (2.0 * 357'826'560 * 1100 + 2.0 * 136'134'656 * 100) / (65e12 * 0.85 * 0.5);
  const double memory = 100.0 * 987'922'432 / 128 / (220.0 * 1024 * 1024 * 1024 * 0.85);
  EXPECT_NEAR(work->kernel_s, compute, compute * 1e-9);  // compute dominates (about 29.5 ms)
  EXPECT_NEAR(work->dram_s, memory, memory * 1e-9);
  // Under an SM cap of 10 of 40 SMs the compute part takes 4 times as long.
  auto capped = request_work(input.scenario.workloads[0], "t4", ".", 10);
  ASSERT_TRUE(capped);
  EXPECT_NEAR(capped->kernel_s, 4 * compute, compute * 1e-9);
}

// A 1,000-token prefill alone takes at least its FLOPs at the achieved peak (about 27.5 ms, see
// docs/llm.md), so no configuration meets a 20 ms TTFT, while a 2 s target at 1 request/s is met.
TEST(PlannerLlm, TokenTargetsDecideFeasibility) {
  const PlanInput tight = load(llm_problem("1/s", "{ttft_p99: 20ms}"));
  auto none = plan(tight, PlanOptions{});
  ASSERT_TRUE(none) << none.error().to_string();
  EXPECT_FALSE(none->chosen.has_value());
  const PlanInput loose = load(llm_problem("1/s", "{ttft_p99: 2s, tpot_p99: 50ms}"));
  auto some = plan(loose, PlanOptions{});
  ASSERT_TRUE(some) << some.error().to_string();
  EXPECT_TRUE(some->chosen.has_value());
}

}  // namespace
}  // namespace sharesim::planner
