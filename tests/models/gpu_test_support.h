// Helpers shared by the GPU model tests: a profile with round numbers and a recorder of
// completion times.
#pragma once

#include <map>
#include <vector>

#include "sharesim/models/gpu.h"
#include "sharesim/sim/simulator.h"

namespace sharesim::models::testing {

// The built-in T4 with the launch overheads removed (also the MPS per-client one), so kernel durations in
// tests are exactly the model's compute/memory terms (tests that need the overhead set it back).
inline GpuProfile t4_without_launch_overhead() {
  auto p = builtin_gpu_profile("t4");
  GpuProfile profile = p.value();
  profile.kernel_launch_overhead = sim::Time::zero();
  profile.mps_launch_gap_per_client = sim::Time::zero();
  return profile;
}

inline KernelWork kernel(sim::Time solo, int sms = 40, double memory_bound = 0.0) {
  return KernelWork{"k", solo, sms, memory_bound};
}

inline CopyWork copy(CopyDirection dir, int64_t bytes, bool pinned = true) {
  return CopyWork{"c", dir, bytes, pinned};
}

// Records, per payload, the times at which its handler ran.
class Recorder {
 public:
  explicit Recorder(sim::Simulator& sim) : sim_(sim) {
    handler_ = sim_.add_handler([this](uint64_t payload) { times_[payload].push_back(sim_.now()); });
  }
  Completion at(uint64_t payload) const { return Completion{handler_, payload}; }
  const std::vector<sim::Time>& times(uint64_t payload) { return times_[payload]; }
  sim::Time first(uint64_t payload) {
    const auto& t = times_[payload];
    return t.empty() ? sim::Time::max() : t.front();
  }
  size_t count(uint64_t payload) { return times_[payload].size(); }

 private:
  sim::Simulator& sim_;
  sim::HandlerId handler_ = 0;
  std::map<uint64_t, std::vector<sim::Time>> times_;
};

}  // namespace sharesim::models::testing
