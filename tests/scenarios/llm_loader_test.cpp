// The `llm:` section of a workload: bundled or described models, token counts from trace
// columns or distributions, the KV cache sized from memory, and located errors.
#include <gtest/gtest.h>

#include <string>

#include "sharesim/scenarios/loader.h"

namespace sharesim::scenarios {
namespace {

// Line numbers: 1 name  2 seed  3 duration  4 devices  5 - name  6 gpus  7 sharing  8 setup
// 9 - kubernetes  10 workloads  11 - name: chat  12 device  13 memory  14 arrivals  15 trace
// 16 llm  17 model  18 tokens  19 slo
constexpr const char* kBase = R"(name: llm
seed: 1
duration: 10s
devices:
  - name: edge
    gpus: 1
    sharing: mps
    setup:
      - kubernetes: {}
workloads:
  - name: chat
    device: edge
    memory: 4GiB
    arrivals:
      trace: {file: azure_conv_head.csv}
    llm:
      model: tinyllama-1.1b
      tokens: {prompt: {column: ContextTokens}, output: {column: GeneratedTokens}}
    slo: {ttft_p99: 1s, tpot_p99: 80ms}
)";

std::string with(std::string_view from, std::string_view to) {
  std::string text = kBase;
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not in the base scenario";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

Result<Scenario> load(const std::string& yaml) {
  return load_scenario_text(yaml, "test.yaml", SHARESIM_TEST_DATA_DIR, LoadOptions{});
}

void expect_error(const Result<Scenario>& r, int line, const std::string& field, const std::string& part) {
  ASSERT_FALSE(r.ok()) << "expected an error containing: " << part;
  EXPECT_EQ(r.error().line, line) << r.error().to_string();
  EXPECT_EQ(r.error().field, field) << r.error().to_string();
  EXPECT_NE(r.error().message.find(part), std::string::npos) << r.error().to_string();
}

TEST(LlmLoader, BundledModelWithTraceColumnsAsWritten) {
  auto r = load(kBase);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const WorkloadSpec& w = r->workloads[0];
  ASSERT_TRUE(w.llm.has_value());
  const LlmEndpointSpec& e = *w.llm;
  EXPECT_EQ(e.model.arch.layers, 22);
  EXPECT_EQ(e.model.weight_dtype, "fp16");
  // tests/data/azure_conv_head.csv: 374/44, 396/109, 879/55, ...
  ASSERT_EQ(e.tokens.trace_prompt.size(), 6u);
  EXPECT_EQ(e.tokens.trace_prompt[0], 374);
  EXPECT_EQ(e.tokens.trace_output[1], 109);
  EXPECT_EQ(e.tokens.trace_prompt[2], 879);
  // 4 GiB - 1,099,956,224 x 2 B of weights - 1 GiB of activations; blocks of 16 x 22,528 B.
  const int64_t cache = 4 * (int64_t{1} << 30) - 2 * int64_t{1'099'956'224} - (int64_t{1} << 30);
  EXPECT_EQ(e.kv_cache_bytes, cache);
  EXPECT_EQ(e.scheduler.kv_cache_blocks, cache / (16 * 22'528));
  EXPECT_EQ(e.scheduler.max_num_seqs, 128);
  EXPECT_EQ(e.scheduler.max_num_batched_tokens, 2048);
  EXPECT_EQ(e.scheduler.max_model_len, 2048);  // TinyLlama's max_position_embeddings
  EXPECT_DOUBLE_EQ(e.peak_flops, 65e12);       // the T4 datasheet, by the profile's name
  EXPECT_EQ(*w.slo.tpot_p99, sim::Time::ms(80));
  // Every estimate is marked.
  bool compute_fraction_is_estimate = false;
  for (const auto& p : e.provenance) {
    if (p.name == "compute_fraction") compute_fraction_is_estimate = p.estimate;
  }
  EXPECT_TRUE(compute_fraction_is_estimate);
}

TEST(LlmLoader, DescribedArchitectureAndDistributions) {
  auto r = load(with(
      "      model: tinyllama-1.1b\n      tokens: {prompt: {column: ContextTokens}, output: {column: "
      "GeneratedTokens}}",
      "      model: {name: mini, layers: 4, hidden: 512, heads: 8, kv_heads: 2, intermediate: 1024,\n"
      "              vocab: 1000, max_context: 4096}\n"
      "      weights: int4\n      kv_cache_size: 64MiB\n      max_num_seqs: 16\n"
      "      tokens: {prompt: {uniform: [10, 100]}, output: {lognormal: {mean: 200, cv: 1.5, max: 1000}}}"));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const LlmEndpointSpec& e = *r->workloads[0].llm;
  EXPECT_EQ(e.model.arch.head_dim, 64);  // hidden / heads
  EXPECT_DOUBLE_EQ(e.model.weight_bytes_per_param, 0.5);
  EXPECT_EQ(e.tokens.prompt.lo, 10);
  EXPECT_EQ(e.tokens.prompt.hi, 100);
  EXPECT_DOUBLE_EQ(e.tokens.output.lognormal_mean, 200);
  EXPECT_DOUBLE_EQ(e.tokens.output.lognormal_cv, 1.5);
  EXPECT_EQ(e.tokens.output.hi, 1000);
  EXPECT_TRUE(e.tokens.trace_prompt.empty());
  EXPECT_EQ(e.scheduler.max_num_seqs, 16);
  // 64 MiB / (16 tokens x 2 x 4 layers x 2 KV heads x 64 x 2 B = 32 KiB per block) = 2,048 blocks.
  EXPECT_EQ(e.scheduler.kv_cache_blocks, 2048);
}

TEST(LlmLoaderErrors, UnknownModelListsTheBundledOnes) {
  expect_error(load(with("model: tinyllama-1.1b", "model: gpt-9")), 17, "workloads[0].llm.model",
               "qwen2.5-0.5b");
}

TEST(LlmLoaderErrors, MissingTraceColumnNamesTheCsvHeader) {
  auto r = load(with("{column: GeneratedTokens}", "{column: Output}"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().file.find("azure_conv_head.csv"), std::string::npos) << r.error().to_string();
  EXPECT_EQ(r.error().line, 1);
  EXPECT_NE(r.error().message.find("Output"), std::string::npos);
}

TEST(LlmLoaderErrors, ColumnWithoutATrace) {
  expect_error(load(with("      trace: {file: azure_conv_head.csv}", "      poisson: {rate: 2/s}")), 18,
               "workloads[0].llm.tokens.prompt.column", "trace");
}

TEST(LlmLoaderErrors, RequestBesideLlm) {
  expect_error(load(with("    slo:", "    request: {ops: [{kernel: {duration: 1ms}}]}\n    slo:")), 19,
               "workloads[0].request", "beside `llm`");
}

TEST(LlmLoaderErrors, MemoryTooSmallForTheWeights) {
  expect_error(load(with("memory: 4GiB", "memory: 2GiB")), 17, "workloads[0].llm", "weights");
}

TEST(LlmLoaderErrors, TokenSlosOnlyOnAnLlmWorkload) {
  const std::string plain = with(
      "    llm:\n      model: tinyllama-1.1b\n      tokens: {prompt: {column: "
      "ContextTokens}, output: {column: GeneratedTokens}}",
      "    request: {ops: [{kernel: {duration: 1ms}}]}");
  expect_error(load(plain), 17, "workloads[0].slo", "llm");
}

}  // namespace
}  // namespace sharesim::scenarios
