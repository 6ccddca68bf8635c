// The continuous-batching scheduler and KV-cache accounting, driven step by step by hand.
#include "sharesim/models/llm_engine.h"

#include <gtest/gtest.h>

#include <vector>

namespace sharesim::models {
namespace {

LlmSchedulerConfig config(int64_t blocks, int block_size = 16) {
  LlmSchedulerConfig c;
  c.kv_cache_blocks = blocks;
  c.block_size = block_size;
  c.max_num_seqs = 128;
  c.max_num_batched_tokens = 100'000;
  return c;
}

// Runs steps until the engine is empty; returns the tokens each step produced.
std::vector<std::vector<TokenEvent>> drain(LlmEngine& engine) {
  std::vector<std::vector<TokenEvent>> steps;
  for (StepPlan plan = engine.plan_step(); !plan.empty(); plan = engine.plan_step()) {
    std::vector<TokenEvent> tokens;
    engine.finish_step(plan, tokens);
    steps.push_back(tokens);
  }
  return steps;
}

// 10 blocks of 16 tokens; prompts of 40 tokens need ceil(40/16) = 3 blocks each: exactly 3 fit
// (9 blocks), the 4th and 5th wait.
TEST(LlmEngine, KvCacheAdmitsExactlyTheSequencesThatFit) {
  LlmEngine engine(config(10));
  for (uint64_t r = 0; r < 5; ++r) engine.add(r, 40, 4);
  const StepPlan plan = engine.plan_step();
  ASSERT_EQ(plan.scheduled.size(), 3u);
  EXPECT_EQ(plan.scheduled[0].request, 0u);
  EXPECT_EQ(plan.scheduled[2].request, 2u);
  EXPECT_EQ(engine.free_blocks(), 1);
  EXPECT_EQ(engine.running(), 3u);
  EXPECT_EQ(engine.waiting(), 2u);
  EXPECT_EQ(plan.prefill_tokens, 120);
  EXPECT_EQ(plan.decode_tokens, 0);
  // With one block more, a 4th fits (12 of 13 blocks) and the 5th still waits.
  LlmEngine bigger(config(13));
  for (uint64_t r = 0; r < 5; ++r) bigger.add(r, 40, 4);
  EXPECT_EQ(bigger.plan_step().scheduled.size(), 4u);
}

TEST(LlmEngine, MaxNumSeqsBoundsTheRunningSet) {
  LlmSchedulerConfig c = config(1000);
  c.max_num_seqs = 2;
  LlmEngine engine(c);
  for (uint64_t r = 0; r < 5; ++r) engine.add(r, 10, 3);
  EXPECT_EQ(engine.plan_step().scheduled.size(), 2u);
  EXPECT_EQ(engine.waiting(), 3u);
}

// A 100-token prompt under a 32-token budget: chunks of 32, 32, 32, 4; only the last samples.
TEST(LlmEngine, ChunkedPrefillSplitsALongPromptOverSteps) {
  LlmSchedulerConfig c = config(1000);
  c.max_num_batched_tokens = 32;
  LlmEngine engine(c);
  engine.add(7, 100, 2);
  std::vector<int64_t> chunks;
  std::vector<bool> samples;
  std::vector<TokenEvent> tokens;
  for (int i = 0; i < 5; ++i) {
    const StepPlan plan = engine.plan_step();
    ASSERT_EQ(plan.scheduled.size(), 1u);
    chunks.push_back(plan.scheduled[0].share.new_tokens);
    samples.push_back(plan.scheduled[0].share.samples);
    engine.finish_step(plan, tokens);
  }
  EXPECT_EQ(chunks, (std::vector<int64_t>{32, 32, 32, 4, 1}));
  EXPECT_EQ(samples, (std::vector<bool>{false, false, false, true, true}));
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_TRUE(tokens[0].finished);
  EXPECT_EQ(engine.outstanding(), 0u);
  EXPECT_EQ(engine.free_blocks(), 1000);
}

// Decodes are scheduled before new prefills, and the budget counts both: with 2 decoding
// sequences and a 10-token budget, a new 20-token prompt gets a chunk of 8.
TEST(LlmEngine, RunningDecodesComeFirstThenNewPrefillsInTheRest) {
  LlmSchedulerConfig c = config(1000);
  c.max_num_batched_tokens = 10;
  LlmEngine engine(c);
  engine.add(0, 5, 10);
  engine.add(1, 5, 10);
  std::vector<TokenEvent> tokens;
  engine.finish_step(engine.plan_step(), tokens);  // both prefills (10 tokens)
  engine.add(2, 20, 10);
  const StepPlan plan = engine.plan_step();
  ASSERT_EQ(plan.scheduled.size(), 3u);
  EXPECT_EQ(plan.decode_tokens, 2);
  EXPECT_EQ(plan.scheduled[2].request, 2u);
  EXPECT_EQ(plan.scheduled[2].share.new_tokens, 8);
  EXPECT_FALSE(plan.scheduled[2].share.samples);
}

TEST(LlmEngine, WithoutChunkingAPromptThatDoesNotFitWaits) {
  LlmSchedulerConfig c = config(1000);
  c.max_num_batched_tokens = 64;
  c.chunked_prefill = false;
  LlmEngine engine(c);
  engine.add(0, 40, 2);
  engine.add(1, 40, 2);
  const StepPlan plan = engine.plan_step();
  ASSERT_EQ(plan.scheduled.size(), 1u);
  EXPECT_EQ(plan.scheduled[0].share.new_tokens, 40);
  EXPECT_FALSE(engine.admissible(65, 1));  // can never be scheduled whole
  EXPECT_TRUE(engine.admissible(64, 1));
}

// 3 blocks of 16; two sequences of 16-token prompts and 10 output tokens. Step 1 prefills both
// (1 block each). Step 2: A needs a 2nd block (17 tokens) and takes the free one; B then needs
// one too and is the newest: it is preempted by recompute. A runs alone to its end (16 + 9 = 25
// cached tokens, 2 blocks); then B prefills its 16 + 1 tokens again and produces tokens 2..10.
TEST(LlmEngine, FullCachePreemptsTheNewestByRecompute) {
  LlmEngine engine(config(3));
  engine.add(0, 16, 10);
  engine.add(1, 16, 10);
  std::vector<TokenEvent> tokens;
  StepPlan step1 = engine.plan_step();
  ASSERT_EQ(step1.scheduled.size(), 2u);
  engine.finish_step(step1, tokens);
  ASSERT_EQ(tokens.size(), 2u);  // each prefill samples its first token
  const StepPlan step2 = engine.plan_step();
  EXPECT_EQ(step2.preempted, 1u);
  ASSERT_EQ(step2.scheduled.size(), 1u);
  EXPECT_EQ(step2.scheduled[0].request, 0u);
  EXPECT_EQ(engine.waiting(), 1u);
  EXPECT_EQ(engine.preemptions(), 1u);
  engine.finish_step(step2, tokens);
  const auto rest = drain(engine);
  // A needs 8 more steps (tokens 3..10); B's recompute prefill covers prompt + its 1 token.
  int64_t last_b = 1;
  bool saw_recompute = false;
  for (const auto& step : rest) {
    for (const TokenEvent& t : step) {
      if (t.request != 1) continue;
      EXPECT_EQ(t.generated, last_b + 1);
      last_b = t.generated;
      saw_recompute = true;
    }
  }
  EXPECT_TRUE(saw_recompute);
  EXPECT_EQ(last_b, 10);
  EXPECT_EQ(engine.free_blocks(), 3);
  EXPECT_EQ(engine.preemptions(), 1u);
}

TEST(LlmEngine, RequestsThatCanNeverFitAreNotAdmissible) {
  LlmSchedulerConfig c = config(4);  // 64 tokens
  c.max_model_len = 60;
  LlmEngine engine(c);
  EXPECT_TRUE(engine.admissible(30, 30));   // 59 cached tokens at most, 60 in all
  EXPECT_FALSE(engine.admissible(31, 30));  // beyond max_model_len
  LlmSchedulerConfig d = config(4);
  LlmEngine small(d);
  EXPECT_TRUE(small.admissible(60, 5));   // peak 64 cached tokens = 4 blocks
  EXPECT_FALSE(small.admissible(60, 6));  // 65 tokens: 5 blocks
}

TEST(LlmEngine, ClearDropsEverySequenceAndFreesTheCache) {
  LlmEngine engine(config(10));
  for (uint64_t r = 0; r < 4; ++r) engine.add(r, 40, 4);
  (void)engine.plan_step();
  const auto dropped = engine.clear();
  EXPECT_EQ(dropped.size(), 4u);
  EXPECT_EQ(engine.free_blocks(), 10);
  EXPECT_EQ(engine.outstanding(), 0u);
}

}  // namespace
}  // namespace sharesim::models
