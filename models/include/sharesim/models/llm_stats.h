// What an LLM endpoint reports beyond a plain workload's latency: time to first token, time per
// output token, inter-token latency, token throughput, and what the scheduler and KV cache did.
// Filled by LlmWorkload (llm_workload.h); carried in WorkloadStats::llm for reports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sharesim/models/gpu_profile.h"
#include "sharesim/sim/stats.h"
#include "sharesim/sim/time.h"

namespace sharesim::models {

struct LlmStats {
  std::string model;         // architecture name
  std::string weight_dtype;  // as served
  std::string kv_dtype;
  int64_t weight_bytes = 0;  // resident weights of one replica
  int64_t kv_bytes_per_token = 0;
  int64_t kv_cache_blocks = 0;  // per replica
  int block_size = 0;
  // Measured requests (arrived at or after warm-up) that completed:
  sim::LatencyHistogram ttft;  // arrival to the first output token
  sim::LatencyHistogram tpot;  // (end - first token) / (output tokens - 1), for outputs > 1
  sim::LatencyHistogram itl;   // every gap between two consecutive tokens of one request
  uint64_t prompt_tokens = 0;  // of completed measured requests
  uint64_t output_tokens = 0;
  // Tokens sampled at or after warm-up (by any request), per second of measured time.
  uint64_t tokens_generated = 0;
  double output_tokens_per_s = 0;
  // Steps started at or after warm-up.
  uint64_t steps = 0;
  uint64_t prefill_steps = 0;      // steps that computed at least one prompt token
  double mean_step_sequences = 0;  // sequences per step
  double mean_step_tokens = 0;     // tokens computed per step
  uint64_t preemptions = 0;        // recompute preemptions at or after warm-up
  uint64_t rejected = 0;           // measured requests that could never fit (failed at arrival)
  double kv_peak_fraction = 0;     // highest share of one replica's cache in use
  // Every figure of the endpoint's model with its source (as the scenario resolved it).
  std::vector<ParameterProvenance> parameters;
};

}  // namespace sharesim::models
