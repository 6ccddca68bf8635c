// Passthrough: a GPU maps to exactly one VM (one tenant, no caps).
#include "gpu_passthrough.h"

#include <string>

#include "gpu_policy_support.h"

namespace sharesim::models {

// ---- Passthrough ------------------------------------------------------------------------------------
Status PassthroughPolicy::admit(const ProcessSpec& /*spec*/, int live_processes) const {
  if (live_processes >= 1) {
    return make_error(
        "passthrough: a GPU maps to exactly one VM, and this GPU's VM already runs a process; "
        "share it with time-slicing or MPS inside one VM or container host instead");
  }
  return Ok{};
}

int PassthroughPolicy::sm_cap(const ProcessSpec& /*spec*/) const {
  return profile_.sm_count;
}

MemoryCheck PassthroughPolicy::check_memory(const ProcessSpec& /*spec*/, int64_t /*process_used*/,
                                            int64_t request, int64_t gpu_used) const {
  return detail::shared_fault_domain(profile_, request, gpu_used, "passthrough");
}

}  // namespace sharesim::models
