// A workload's `llm:` section as validated data: the model served, how its server batches, how
// large its KV cache is, and where each request's token counts come from. Read by
// scenarios/src/llm_section.cpp (docs/scenarios.md has the schema, docs/llm.md the model).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sharesim/models/gpu_profile.h"
#include "sharesim/models/llm_engine.h"
#include "sharesim/models/llm_model.h"
#include "sharesim/models/llm_workload.h"
#include "sharesim/sim/time.h"

namespace sharesim::scenarios {

struct LlmEndpointSpec {
  models::LlmModel model;
  // Limits and the KV cache already sized: kv_cache_blocks = floor(kv_cache_bytes /
  // (block_size x kv_bytes_per_token)).
  models::LlmSchedulerConfig scheduler;
  int64_t kv_cache_bytes = 0;
  int64_t activation_reserve_bytes = 0;
  // The GPU's dense FP16 peak at the boost clock (FLOP/s); the run multiplies it by the GPU
  // profile's sustained_clock_factor. The bandwidth comes from the profile.
  double peak_flops = 0;
  double compute_fraction = 0;
  double bandwidth_fraction = 0;
  sim::Time step_overhead;
  models::LlmRequestTokens tokens;
  // Every figure of the endpoint with its source (model architecture, defaults, estimates), for
  // results.json's echo of the effective configuration.
  std::vector<models::ParameterProvenance> provenance;
};

}  // namespace sharesim::scenarios
