// The LLM architecture sizes against published figures, and the step roofline worked by hand.
#include "sharesim/models/llm_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "llm_test_support.h"

namespace sharesim::models {
namespace {

using testing::served;
using testing::t4_cost;

// Published totals: Qwen2.5-0.5B model card "Number of Parameters: 0.49B; Number of Parameters
// (Non-Embedding): 0.36B"; TinyLlama "1.1B"; llama.cpp's llama-bench prints "6.74 B" params and
// "12.55 GiB" for Llama-2-7B F16 (ggml-org/llama.cpp PR #4766); phi-2 model card "2.7 billion".
TEST(LlmModel, ParameterCountsMatchPublishedFigures) {
  const LlmModel qwen = served("qwen2.5-0.5b");
  EXPECT_NEAR(static_cast<double>(qwen.parameters()) / 1e9, 0.49, 0.005);
  EXPECT_NEAR(static_cast<double>(qwen.arch.layers * qwen.layer_parameters()) / 1e9, 0.36, 0.005);
  EXPECT_NEAR(static_cast<double>(served("tinyllama-1.1b").parameters()) / 1e9, 1.10, 0.005);
  const LlmModel llama = served("llama-2-7b");
  EXPECT_NEAR(static_cast<double>(llama.parameters()) / 1e9, 6.74, 0.005);
  EXPECT_NEAR(static_cast<double>(llama.weight_bytes()) / (1024.0 * 1024 * 1024), 12.55, 0.01);
  // Biases and LayerNorms are left out (docs/llm.md): within 3% of the published 2.7 B.
  EXPECT_NEAR(static_cast<double>(served("phi-2").parameters()) / 2.7e9, 1.0, 0.03);
}

TEST(LlmModel, KvBytesPerTokenByHand) {
  // 2 (K and V) x layers x KV heads x head dim x 2 bytes.
  EXPECT_EQ(served("tinyllama-1.1b").kv_bytes_per_token(), 2 * 22 * 4 * 64 * 2);  // 22,528
  EXPECT_EQ(served("qwen2.5-0.5b").kv_bytes_per_token(), 2 * 24 * 2 * 64 * 2);    // 12,288
  EXPECT_EQ(served("llama-2-7b").kv_bytes_per_token(), 2 * 32 * 32 * 128 * 2);    // 0.5 MiB
  LlmModel int8 = served("llama-2-7b");
  int8.kv_bytes_per_element = 1;
  EXPECT_EQ(int8.kv_bytes_per_token(), 2 * 32 * 32 * 128);
}

TEST(LlmModel, UnknownBundledNameListsTheKnownOnes) {
  auto r = bundled_llm("gpt-5");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("qwen2.5-0.5b"), std::string::npos);
  EXPECT_EQ(bundled_llm_names().size(), 4u);
}

// Batch-1 decode: the step reads every weight once (Qwen2.5-0.5B: 24 layers x 14,909,440 + the
// tied 151,936 x 896 LM head = 493,961,216 parameters, 987,922,432 bytes in fp16) plus the KV of
// its 101 tokens, at 0.9 x 220 GiB/s. Compute is negligible, so the step is memory-bound.
TEST(LlmStepCost, BatchOneDecodeIsWeightBytesOverEffectiveBandwidth) {
  const LlmModel qwen = served("qwen2.5-0.5b");
  const std::vector<StepSequence> one{{.cached = 100, .new_tokens = 1, .samples = true}};
  const StepCost c = llm_step_cost(qwen, t4_cost(), one);
  const double bytes = 987'922'432.0 + 12'288.0 * 101;
  EXPECT_DOUBLE_EQ(c.bytes, bytes);
  const double expected_s = bytes / (0.9 * 220.0 * 1024 * 1024 * 1024);  // 4.649 ms
  EXPECT_NEAR(c.gpu_time.seconds(), expected_s, 1e-9);
  EXPECT_EQ(c.gpu_time, c.memory_time);
  EXPECT_LT(c.compute_time.seconds(), 0.01 * expected_s);
  // m = bytes / full effective bandwidth / time = the achieved fraction.
  EXPECT_NEAR(c.memory_bound, 0.9, 1e-6);
}

// A 1,000-token prompt: 2 x 357,826,560 x 1,000 FLOPs in the layers, 2 x 136,134,656 for the one
// sampled token's LM head, and 4 x 24 x 14 x 64 x (1,000 x 1,001 / 2) for attention: about
// 759.2 GFLOP at 0.5 x 65 TFLOPS = 23.36 ms, five times the 4.7 ms of its bytes.
TEST(LlmStepCost, PrefillIsComputeBound) {
  const LlmModel qwen = served("qwen2.5-0.5b");
  const std::vector<StepSequence> prompt{{.cached = 0, .new_tokens = 1000, .samples = true}};
  const StepCost c = llm_step_cost(qwen, t4_cost(), prompt);
  const double flops =
      2.0 * 357'826'560 * 1000 + 2.0 * 136'134'656 + 4.0 * 24 * 14 * 64 * (1000.0 * 1001 / 2);
  EXPECT_DOUBLE_EQ(c.flops, flops);
  EXPECT_NEAR(c.gpu_time.seconds(), flops / (0.5 * 65e12), 1e-9);
  EXPECT_EQ(c.gpu_time, c.compute_time);
  EXPECT_GT(c.compute_time.seconds(), 4 * c.memory_time.seconds());
  EXPECT_NEAR(c.memory_bound, c.bytes / (220.0 * 1024 * 1024 * 1024) / c.gpu_time.seconds(), 1e-9);
}

// Batching decodes shares the weight read: 8 sequences cost far less than 8 single steps.
TEST(LlmStepCost, BatchedDecodeSharesTheWeightRead) {
  const LlmModel tiny = served("tinyllama-1.1b");
  const std::vector<StepSequence> one{{.cached = 200, .new_tokens = 1, .samples = true}};
  const std::vector<StepSequence> eight(8, StepSequence{.cached = 200, .new_tokens = 1, .samples = true});
  const StepCost c1 = llm_step_cost(tiny, t4_cost(), one);
  const StepCost c8 = llm_step_cost(tiny, t4_cost(), eight);
  // The extra bytes are exactly 7 more sequences' KV (201 tokens each).
  EXPECT_DOUBLE_EQ(c8.bytes - c1.bytes, 7.0 * 201 * 22'528);
  EXPECT_LT(c8.gpu_time.seconds(), 1.1 * c1.gpu_time.seconds());
}

TEST(LlmPeakFlops, T4FromItsDatasheet) {
  const auto t4 = gpu_peak_fp16_flops("t4");
  ASSERT_TRUE(t4.has_value());
  EXPECT_DOUBLE_EQ(t4->flops, 65e12);
  EXPECT_FALSE(t4->provenance.source.empty());
  EXPECT_FALSE(gpu_peak_fp16_flops("my-gpu").has_value());
}

}  // namespace
}  // namespace sharesim::models
