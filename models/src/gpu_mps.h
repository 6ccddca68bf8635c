// MPS: clients run concurrently with SM caps, a client limit and per-client memory limits.
// Private to the models library: GpuModel reaches it through GpuSharingPolicy (gpu_policy.h).
#pragma once

#include "sharesim/models/gpu_policy.h"

namespace sharesim::models {

// All clients run concurrently with per-client SM caps, a client limit, optional per-client
// memory limits and an interference penalty.
class MpsPolicy final : public GpuSharingPolicy {
 public:
  explicit MpsPolicy(const GpuProfile& profile) : profile_(profile) {}
  [[nodiscard]] SharingPolicy kind() const override { return SharingPolicy::kMps; }
  [[nodiscard]] Status admit(const ProcessSpec& spec, int live_processes) const override;
  [[nodiscard]] int sm_cap(const ProcessSpec& spec) const override;
  [[nodiscard]] MemoryCheck check_memory(const ProcessSpec& spec, int64_t process_used, int64_t request,
                                         int64_t gpu_used) const override;
  // 1 + penalty x min(1, n) + per_client x max(0, n - 1) + memory x other_dram_use (gpu_profile.h).
  [[nodiscard]] double co_run_slowdown(int other_processes, double other_dram_use) const override;
  [[nodiscard]] sim::Time launch_gap_extra(int other_processes) const override {
    return profile_.mps_launch_gap_per_client * other_processes;
  }

 private:
  const GpuProfile& profile_;
};

}  // namespace sharesim::models
