// The continuous-batching scheduler and KV-cache accounting of one LLM engine (llm_engine.h).
#include "sharesim/models/llm_engine.h"

#include <algorithm>
#include <cassert>

namespace sharesim::models {

LlmEngine::LlmEngine(LlmSchedulerConfig config) : config_(config), free_blocks_(config.kv_cache_blocks) {
  assert(config_.kv_cache_blocks >= 1 && config_.block_size >= 1 && config_.max_num_seqs >= 1 &&
         config_.max_num_batched_tokens >= 1);
}

int64_t LlmEngine::blocks_for(int64_t tokens) const {
  return (tokens + config_.block_size - 1) / config_.block_size;
}

bool LlmEngine::admissible(int64_t prompt_tokens, int64_t output_tokens) const {
  // The last token sampled is never written to the cache, so a sequence peaks at
  // prompt + output - 1 cached tokens.
  const int64_t peak = prompt_tokens + output_tokens - 1;
  if (config_.max_model_len > 0 && prompt_tokens + output_tokens > config_.max_model_len) return false;
  if (blocks_for(peak) > config_.kv_cache_blocks) return false;
  if (!config_.chunked_prefill && prompt_tokens > config_.max_num_batched_tokens) return false;
  return true;
}

uint32_t LlmEngine::allocate_sequence() {
  if (!free_slots_.empty()) {
    const uint32_t s = free_slots_.back();
    free_slots_.pop_back();
    return s;
  }
  sequences_.emplace_back();
  return static_cast<uint32_t>(sequences_.size() - 1);
}

void LlmEngine::add(uint64_t request, int64_t prompt_tokens, int64_t output_tokens) {
  assert(prompt_tokens >= 1 && output_tokens >= 1 && admissible(prompt_tokens, output_tokens));
  const uint32_t s = allocate_sequence();
  sequences_[s] = Sequence{.request = request,
                           .prompt = prompt_tokens,
                           .output = output_tokens,
                           .num_tokens = prompt_tokens,
                           .num_computed = 0,
                           .generated = 0,
                           .blocks = 0,
                           .live = true};
  waiting_.push_back(s);
}

void LlmEngine::preempt(uint32_t s) {
  Sequence& seq = sequences_[s];
  free_blocks_ += seq.blocks;
  seq.blocks = 0;
  seq.num_computed = 0;
  seq.decoding = false;
  ++preemptions_;
  waiting_.push_front(s);
}

StepPlan LlmEngine::plan_step() {
  StepPlan plan;
  int64_t budget = config_.max_num_batched_tokens;

  // Running sequences, oldest first. A preemption removes the newest, so the loop index stays
  // valid for the older ones.
  for (size_t i = 0; i < running_.size() && budget > 0;) {
    const uint32_t s = running_[i];
    Sequence& seq = sequences_[s];
    const int64_t want = seq.num_tokens - seq.num_computed;
    const int64_t take = std::min(want, budget);
    const int64_t need = blocks_for(seq.num_computed + take) - seq.blocks;
    bool self_preempted = false;
    while (need > free_blocks_) {
      // The newest running sequence is after this one (or is this one), so nothing of it is
      // planned yet.
      const uint32_t victim = running_.back();
      running_.pop_back();
      preempt(victim);
      ++plan.preempted;
      if (victim == s) {
        self_preempted = true;
        break;
      }
    }
    if (self_preempted) break;  // s was the newest: nothing after it
    seq.blocks += need;
    free_blocks_ -= need;
    plan.scheduled.push_back({s, seq.request,
                              StepSequence{.cached = seq.num_computed,
                                           .new_tokens = take,
                                           .samples = seq.num_computed + take == seq.num_tokens}});
    (seq.decoding ? plan.decode_tokens : plan.prefill_tokens) += take;
    budget -= take;
    ++i;
  }

  // Waiting sequences, oldest first, while nothing was preempted.
  while (plan.preempted == 0 && !waiting_.empty() && budget > 0 &&
         running_.size() < static_cast<size_t>(config_.max_num_seqs)) {
    const uint32_t s = waiting_.front();
    Sequence& seq = sequences_[s];
    const int64_t want = seq.num_tokens;  // nothing of it is cached
    if (!config_.chunked_prefill && want > budget) break;
    const int64_t take = std::min(want, budget);
    const int64_t need = blocks_for(take);
    if (need > free_blocks_) break;
    waiting_.pop_front();
    seq.blocks = need;
    free_blocks_ -= need;
    running_.push_back(s);
    plan.scheduled.push_back(
        {s, seq.request, StepSequence{.cached = 0, .new_tokens = take, .samples = take == seq.num_tokens}});
    plan.prefill_tokens += take;
    budget -= take;
  }
  check_invariants();
  return plan;
}

void LlmEngine::finish_step(const StepPlan& plan, std::vector<TokenEvent>& tokens) {
  tokens.clear();
  for (const ScheduledSequence& sc : plan.scheduled) {
    Sequence& seq = sequences_[sc.sequence];
    assert(seq.live && seq.num_computed == sc.share.cached);
    seq.num_computed += sc.share.new_tokens;
    if (seq.num_computed < seq.num_tokens) continue;  // a prefill chunk: no token yet
    ++seq.generated;
    const bool finished = seq.generated >= seq.output;
    tokens.push_back({seq.request, seq.generated, finished});
    if (finished) {
      free_blocks_ += seq.blocks;
      seq.blocks = 0;
      seq.live = false;
      running_.erase(std::find(running_.begin(), running_.end(), sc.sequence));
      free_slots_.push_back(sc.sequence);
    } else {
      ++seq.num_tokens;  // the sampled token is the next step's input
      seq.decoding = true;
    }
  }
  check_invariants();
}

std::vector<uint64_t> LlmEngine::clear() {
  std::vector<uint64_t> dropped;
  for (const uint32_t s : running_) dropped.push_back(sequences_[s].request);
  for (const uint32_t s : waiting_) dropped.push_back(sequences_[s].request);
  running_.clear();
  waiting_.clear();
  sequences_.clear();
  free_slots_.clear();
  free_blocks_ = config_.kv_cache_blocks;
  return dropped;
}

void LlmEngine::check_invariants() const {
#ifndef NDEBUG
  int64_t held = 0;
  for (const uint32_t s : running_) held += sequences_[s].blocks;
  for (const uint32_t s : waiting_) assert(sequences_[s].blocks == 0);
  assert(free_blocks_ >= 0 && held + free_blocks_ == config_.kv_cache_blocks);
  assert(running_.size() <= static_cast<size_t>(config_.max_num_seqs));
#endif
}

}  // namespace sharesim::models
