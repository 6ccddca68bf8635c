// Shared fixtures of the LLM tests: a bundled model served in fp16 and the T4's roofline figures.
#pragma once

#include "sharesim/models/llm_model.h"

namespace sharesim::models::testing {

inline LlmModel served(const char* name) {
  LlmModel m;
  m.arch = *bundled_llm(name);
  return m;  // fp16 weights and KV cache (2 bytes each)
}

// T4: 65 TFLOPS FP16 (datasheet), 220 GiB/s effective DRAM bandwidth (models/profiles/t4.yaml);
// achieved fractions 0.5 (compute) and 0.9 (bandwidth).
constexpr double kT4PeakFlops = 65e12;
constexpr double kT4Bandwidth = 220.0 * 1024 * 1024 * 1024;

inline LlmCostParameters t4_cost() {
  LlmCostParameters c;
  c.peak_flops = kT4PeakFlops;
  c.dram_bandwidth = kT4Bandwidth;
  c.compute_fraction = 0.5;
  c.bandwidth_fraction = 0.9;
  return c;
}

}  // namespace sharesim::models::testing
