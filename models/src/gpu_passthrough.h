// Passthrough: a GPU maps to exactly one VM (one tenant, no caps).
// Private to the models library: GpuModel reaches it through GpuSharingPolicy (gpu_policy.h).
#pragma once

#include "sharesim/models/gpu_policy.h"

namespace sharesim::models {

// One tenant; no caps; one fault domain (the tenant's own).
class PassthroughPolicy final : public GpuSharingPolicy {
 public:
  explicit PassthroughPolicy(const GpuProfile& profile) : profile_(profile) {}
  [[nodiscard]] SharingPolicy kind() const override { return SharingPolicy::kPassthrough; }
  [[nodiscard]] Status admit(const ProcessSpec& spec, int live_processes) const override;
  [[nodiscard]] int sm_cap(const ProcessSpec& spec) const override;
  [[nodiscard]] MemoryCheck check_memory(const ProcessSpec& spec, int64_t process_used, int64_t request,
                                         int64_t gpu_used) const override;

 private:
  const GpuProfile& profile_;
};

}  // namespace sharesim::models
