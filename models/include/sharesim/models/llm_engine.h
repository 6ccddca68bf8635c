// One LLM serving engine (one replica): sequences, the KV cache, and the continuous-batching
// scheduler. No simulator here: plan_step() decides what the next step computes and
// finish_step() applies it, so tests drive the scheduler by hand.
//
// SCHEDULER (iteration-level batching as vLLM's V1 scheduler does it; docs/llm.md cites it)
//  - Every sequence has num_tokens (prompt + tokens generated so far) and num_computed (tokens
//    whose K/V are in the cache). A step computes num_tokens - num_computed tokens of a sequence
//    (all of a prompt, or a chunk of it, or the one new token of a decode); a sequence whose
//    every known token is computed at the end of a step samples its next token.
//  - A step's budget is max_num_batched_tokens tokens and max_num_seqs sequences. Running
//    sequences are scheduled first, oldest first; then waiting ones, oldest first, while budget
//    and sequences are left, and only when no running sequence was preempted in this step.
//  - Chunked prefill (on by default, as vLLM V1): a prefill that does not fit in what is left of
//    the budget gets that much. Without it, a waiting prompt that does not fit waits (FCFS: no
//    later request jumps it); a prompt longer than max_num_batched_tokens is rejected.
//  - KV cache in blocks of block_size tokens (PagedAttention): a sequence holds
//    ceil(num_computed / block_size) blocks. Scheduling q tokens of a sequence first allocates the
//    blocks for num_computed + q tokens. When a running sequence cannot get its blocks, the
//    newest running sequence is preempted by recompute: its blocks are freed, num_computed drops
//    to 0 and it goes back to the front of the waiting queue, to prefill prompt + generated
//    tokens again (it keeps the tokens it already produced; its next token comes after that
//    prefill). If it is the sequence itself, it is preempted and the step goes on without it. A
//    waiting sequence that does not get its blocks stops admission for this step.
//  - A request whose prompt + output - 1 tokens exceed max_model_len or the whole cache can never
//    finish: it is rejected at arrival (counted, and failed).
//
// INVARIANTS (asserted in debug builds): free_blocks + sum of blocks held == total blocks;
// every running sequence holds ceil(num_computed / block_size) blocks after a step; waiting
// sequences hold none; at most max_num_seqs sequences run.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "sharesim/models/llm_model.h"

namespace sharesim::models {

// The scheduler's limits, as vLLM names them.
struct LlmSchedulerConfig {
  int max_num_seqs = 128;             // vLLM SchedulerConfig DEFAULT_MAX_NUM_SEQS
  int max_num_batched_tokens = 2048;  // vLLM SchedulerConfig DEFAULT_MAX_NUM_BATCHED_TOKENS
  bool chunked_prefill = true;        // vLLM V1 default
  int block_size = 16;                // vLLM CacheConfig default block_size
  int64_t kv_cache_blocks = 0;        // total blocks of the cache (>= 1)
  int64_t max_model_len = 0;          // tokens; 0 = no limit beyond the cache
};

// One scheduled sequence of a step: which one, and its share.
struct ScheduledSequence {
  uint32_t sequence = 0;  // index into the engine's sequence slab
  uint64_t request = 0;   // the id given to add()
  StepSequence share;
};

struct StepPlan {
  std::vector<ScheduledSequence> scheduled;
  int64_t prefill_tokens = 0;  // tokens of sequences that were not decoding
  int64_t decode_tokens = 0;   // sequences computing their one new token
  uint64_t preempted = 0;      // preemptions decided by this plan
  [[nodiscard]] bool empty() const { return scheduled.empty(); }
};

// What finish_step reports for each sequence that produced a token.
struct TokenEvent {
  uint64_t request = 0;   // the id given to add()
  int64_t generated = 0;  // tokens produced so far, including this one (1 = first token)
  bool finished = false;  // this was its last token (its blocks are freed)
};

class LlmEngine {
 public:
  // REQUIRES: config.kv_cache_blocks >= 1, block_size >= 1, max_num_seqs >= 1,
  // max_num_batched_tokens >= 1.
  explicit LlmEngine(LlmSchedulerConfig config);

  // Whether a request of these sizes can ever finish (see the header comment).
  [[nodiscard]] bool admissible(int64_t prompt_tokens, int64_t output_tokens) const;
  // Queues a request. REQUIRES: admissible(prompt, output); prompt >= 1, output >= 1.
  void add(uint64_t request, int64_t prompt_tokens, int64_t output_tokens);

  // What the next step computes (empty when nothing can run). Allocates the blocks and applies
  // preemptions now; REQUIRES: no step in flight.
  StepPlan plan_step();
  // Applies the plan's computation: tokens computed, tokens sampled, finished sequences freed.
  void finish_step(const StepPlan& plan, std::vector<TokenEvent>& tokens);

  // Drops every sequence (the process failed); returns their request ids.
  std::vector<uint64_t> clear();

  [[nodiscard]] size_t running() const { return running_.size(); }
  [[nodiscard]] size_t waiting() const { return waiting_.size(); }
  [[nodiscard]] size_t outstanding() const { return running_.size() + waiting_.size(); }
  [[nodiscard]] int64_t free_blocks() const { return free_blocks_; }
  [[nodiscard]] const LlmSchedulerConfig& config() const { return config_; }
  [[nodiscard]] uint64_t preemptions() const { return preemptions_; }
  [[nodiscard]] int64_t blocks_for(int64_t tokens) const;

 private:
  struct Sequence {
    uint64_t request = 0;
    int64_t prompt = 0;
    int64_t output = 0;
    int64_t num_tokens = 0;    // prompt + generated
    int64_t num_computed = 0;  // tokens in the cache
    int64_t generated = 0;
    int64_t blocks = 0;
    bool decoding = false;  // has sampled since its last (re)prefill: each step computes 1 token
    bool live = false;
  };

  uint32_t allocate_sequence();
  void preempt(uint32_t s);
  void check_invariants() const;

  LlmSchedulerConfig config_;
  std::vector<Sequence> sequences_;
  std::vector<uint32_t> free_slots_;
  std::vector<uint32_t> running_;  // oldest first (admission order)
  std::deque<uint32_t> waiting_;   // oldest first; preempted ones go back to the front
  int64_t free_blocks_ = 0;
  uint64_t preemptions_ = 0;
};

}  // namespace sharesim::models
