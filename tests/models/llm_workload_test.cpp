// The LLM endpoint end to end on a FIFO GPU endpoint (service = the step kernel's solo time):
// single-sequence latencies by hand, Little's law on closed-loop chat clients, rejection and
// token SLOs.
#include "sharesim/models/llm_workload.h"

#include <gtest/gtest.h>

#include <cmath>

#include "llm_test_support.h"
#include "workload_test_fakes.h"

namespace sharesim::models {
namespace {

using testing::FifoEndpoint;

LlmWorkloadOptions qwen_endpoint(ArrivalSpec arrivals, int64_t prompt, int64_t output) {
  LlmWorkloadOptions o;
  o.name = "chat";
  o.seed = 7;
  o.arrivals = std::move(arrivals);
  o.serving.model = testing::served("qwen2.5-0.5b");
  o.serving.cost = testing::t4_cost();
  o.serving.scheduler.kv_cache_blocks = 10'000;
  o.serving.scheduler.max_model_len = 32'768;
  o.serving.step_overhead = sim::Time::us(300);
  o.serving.tokens.prompt = {prompt, prompt};
  o.serving.tokens.output = {output, output};
  return o;
}

// Qwen2.5-0.5B on the T4 figures, one request of P = 500 prompt tokens and O = 64 output tokens.
//  prefill: F = 2 x 357,826,560 x 500 + 2 x 136,134,656 + 4 x 24 x 14 x 64 x (500 x 501 / 2)
//           at 0.5 x 65 TFLOPS (compute-bound);
//  decode k (k = 1 .. O-1): bytes = 987,922,432 + 12,288 x (P + k) at 0.9 x 220 GiB/s.
// Each step also costs the 300 us host overhead. The decode steps grow linearly in k, so their
// sum is (O - 1) x the step at k = O/2:  e2e = prefill + (O - 1) x step(O/2), TTFT = prefill,
// TPOT = step(O/2) (each within the nanosecond rounding of 64 steps).
TEST(LlmWorkload, OneSequenceEndToEndIsPrefillPlusDecodeSteps) {
  const int64_t p = 500;
  const int64_t o = 64;
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  LlmWorkload w(sim, qwen_endpoint(ConstantArrivals{.rate_per_s = 0.001}, p, o), {&gpu});
  w.start();  // the first constant arrival is at t = 0
  sim.run_until(sim::Time::s(100));
  const WorkloadStats s = w.collect();
  ASSERT_EQ(s.completed, 1u);
  ASSERT_TRUE(s.llm.has_value());

  const double overhead = 300e-6;
  const double flops = 2.0 * 357'826'560 * p + 2.0 * 136'134'656 + 4.0 * 24 * 14 * 64 * (p * (p + 1) / 2.0);
  const double prefill = overhead + flops / (0.5 * 65e12);
  const double bw = 0.9 * 220.0 * 1024 * 1024 * 1024;
  const double mid_step = overhead + (987'922'432.0 + 12'288.0 * (p + o / 2.0)) / bw;
  const double e2e = prefill + (o - 1) * mid_step;
  const double rounding = 2.0 * o * 1e-9;
  EXPECT_NEAR(s.latency.max().seconds(), e2e, rounding);
  EXPECT_NEAR(s.llm->ttft.max().seconds(), prefill, 1e-9 + prefill * 1e-3);
  EXPECT_NEAR(s.llm->tpot.max().seconds(), mid_step, mid_step * 1e-3);  // histogram resolution
  EXPECT_EQ(s.llm->output_tokens, static_cast<uint64_t>(o));
  EXPECT_EQ(s.llm->prompt_tokens, static_cast<uint64_t>(p));
  EXPECT_EQ(s.llm->steps, static_cast<uint64_t>(o));  // 1 prefill + 63 decodes
  EXPECT_EQ(s.llm->prefill_steps, 1u);
  EXPECT_EQ(s.llm->itl.count(), static_cast<uint64_t>(o - 1));
  EXPECT_EQ(gpu.submits, static_cast<uint64_t>(o));
}

// Little's law on N closed-loop chat clients with think time Z: N = X (R + Z), for throughput
// X and mean response time R, whatever the service does (here: continuous batching of 8
// clients' decodes). Measured over a long window after warm-up.
TEST(LlmWorkload, LittlesLawOnClosedLoopChatClients) {
  const int clients = 8;
  const sim::Time think = sim::Time::s(2);
  LlmWorkloadOptions o = qwen_endpoint(
      ClosedLoopArrivals{.clients = clients, .think = think, .think_exponential = true}, 200, 50);
  o.serving.tokens.prompt = {50, 400};
  o.serving.tokens.output = {10, 120};
  o.warmup = sim::Time::s(60);
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  LlmWorkload w(sim, std::move(o), {&gpu});
  w.start();
  sim.run_until(sim::Time::s(3660));
  const WorkloadStats s = w.collect();
  ASSERT_GT(s.completed, 5000u);
  const double x = s.throughput_per_s;
  const double r = s.latency.mean_ns() * 1e-9;
  EXPECT_NEAR(x * (r + think.seconds()), clients, 0.02 * clients);
  // Batching happened: more than one sequence per step on average.
  EXPECT_GT(s.llm->mean_step_sequences, 1.0);
}

// Lognormal output lengths: the mean of many draws is the configured mean (cv 1: the standard
// error of 4,000 draws is 1.6%, so 5% is over three of them).
TEST(LlmWorkload, LognormalTokenCountsHaveTheirMean) {
  LlmWorkloadOptions o = qwen_endpoint(PoissonArrivals{.rate_per_s = 20}, 100, 1);
  o.serving.tokens.output = {.lo = 0, .hi = 1'000'000, .lognormal_mean = 50, .lognormal_cv = 1.0};
  o.serving.scheduler.max_num_seqs = 256;
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  LlmWorkload w(sim, std::move(o), {&gpu});
  w.start();
  sim.run_until(sim::Time::s(400));
  const WorkloadStats s = w.collect();
  ASSERT_GT(s.completed, 4000u);
  // Outputs of 0 are served as 1 (about 1% of draws at this mean and cv): a small upward bias.
  const double mean = static_cast<double>(s.llm->output_tokens) / static_cast<double>(s.completed);
  EXPECT_NEAR(mean, 50, 2.5);
}

TEST(LlmWorkload, RequestsBeyondTheModelLengthAreRejected) {
  LlmWorkloadOptions o = qwen_endpoint(ConstantArrivals{.rate_per_s = 1}, 100, 10);
  o.serving.scheduler.max_model_len = 105;
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  LlmWorkload w(sim, std::move(o), {&gpu});
  w.start();
  sim.run_until(sim::Time::s(10));
  const WorkloadStats s = w.collect();
  EXPECT_EQ(s.completed, 0u);
  EXPECT_GT(s.failed, 0u);
  EXPECT_EQ(s.llm->rejected, s.failed);
  EXPECT_EQ(gpu.submits, 0u);
}

// Trace token counts are used as written, one per arrival; TTFT and TPOT targets become checks.
TEST(LlmWorkload, TraceTokensAndTokenSlos) {
  TraceArrivals trace;
  trace.source = "t.csv";
  trace.offsets = {sim::Time::zero(), sim::Time::s(10)};
  LlmWorkloadOptions o = qwen_endpoint(trace, 0, 0);
  o.serving.tokens.trace_prompt = {100, 300};
  o.serving.tokens.trace_output = {5, 0};  // 0 becomes 1: the prefill's token
  o.slo.ttft_p99 = sim::Time::ms(1);       // missed: a prefill alone takes longer
  o.slo.tpot_p99 = sim::Time::ms(50);
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  LlmWorkload w(sim, std::move(o), {&gpu});
  w.start();
  sim.run_until(sim::Time::s(20));
  const WorkloadStats s = w.collect();
  ASSERT_EQ(s.completed, 2u);
  EXPECT_EQ(s.llm->prompt_tokens, 400u);
  EXPECT_EQ(s.llm->output_tokens, 6u);
  EXPECT_EQ(s.llm->tpot.count(), 1u);  // only the 5-token request has a TPOT
  ASSERT_EQ(s.slo.size(), 2u);
  EXPECT_EQ(slo_metric_name(s.slo[0].metric), "ttft_p99");
  EXPECT_FALSE(s.slo[0].met);
  EXPECT_EQ(slo_metric_name(s.slo[1].metric), "tpot_p99");
  EXPECT_TRUE(s.slo[1].met);
  EXPECT_FALSE(s.slo_met);
}

// An endpoint so slow that nothing finishes inside the run (each prefill takes minutes) must not
// meet its targets by finishing nothing: outstanding requests count at their age.
TEST(LlmWorkload, RequestsStillOutstandingCountAgainstTheTargets) {
  LlmWorkloadOptions o = qwen_endpoint(ConstantArrivals{.rate_per_s = 1}, 1000, 10);
  o.serving.cost.compute_fraction = 1e-6;  // a 1,000-token prefill: about 6 hours
  o.slo.ttft_p99 = sim::Time::s(5);
  o.slo.p99 = sim::Time::s(30);
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  LlmWorkload w(sim, std::move(o), {&gpu});
  w.start();
  sim.run_until(sim::Time::s(60));
  const WorkloadStats s = w.collect();
  EXPECT_EQ(s.completed, 0u);
  EXPECT_GT(s.outstanding, 50u);
  ASSERT_EQ(s.slo.size(), 2u);
  EXPECT_FALSE(s.slo[0].met);  // e2e p99: the oldest requests are a minute old
  EXPECT_FALSE(s.slo[1].met);  // TTFT p99
  EXPECT_GE(s.slo[1].latency_measured, sim::Time::s(50));
}

TEST(LlmWorkload, AFailedReplicaFailsItsSequences) {
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  LlmWorkload w(sim, qwen_endpoint(ConstantArrivals{.rate_per_s = 10}, 100, 500), {&gpu});
  w.start();
  sim.run_until(sim::Time::s(1));
  gpu.fail();
  w.on_replica_failed(0);
  sim.run_until(sim::Time::s(2));
  const WorkloadStats s = w.collect();
  EXPECT_EQ(s.outstanding, 0u);
  EXPECT_GT(s.failed, 0u);
}

}  // namespace
}  // namespace sharesim::models
