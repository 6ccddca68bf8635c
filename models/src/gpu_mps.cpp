// MPS: clients run concurrently with SM caps, a client limit and per-client memory limits.
#include "gpu_mps.h"

#include <string>

#include "gpu_policy_support.h"

namespace sharesim::models {

// ---- MPS --------------------------------------------------------------------------------------------
Status MpsPolicy::admit(const ProcessSpec& spec, int live_processes) const {
  if (live_processes >= profile_.mps_max_clients) {
    return make_error("MPS allows at most " + std::to_string(profile_.mps_max_clients) +
                      " clients per GPU (" + profile_.name + "); '" + spec.name + "' would be client " +
                      std::to_string(live_processes + 1));
  }
  return Ok{};
}

int MpsPolicy::sm_cap(const ProcessSpec& spec) const {
  return spec.mps_active_thread_percentage ? profile_.mps_sm_cap(*spec.mps_active_thread_percentage)
                                           : profile_.sm_count;
}

MemoryCheck MpsPolicy::check_memory(const ProcessSpec& spec, int64_t process_used, int64_t request,
                                    int64_t gpu_used) const {
  if (spec.mps_pinned_mem_limit && process_used + request > *spec.mps_pinned_mem_limit) {
    return {FaultScope::kProcess,
            "out of memory: " + detail::mib(process_used) + " held + " + detail::mib(request) +
                " requested > CUDA_MPS_PINNED_DEVICE_MEM_LIMIT " + detail::mib(*spec.mps_pinned_mem_limit) +
                "; only this MPS client fails"};
  }
  if (gpu_used + request > profile_.memory_usable_bytes) {
    return {FaultScope::kGpu, "out of device memory: " + detail::mib(gpu_used) + " in use + " +
                                  detail::mib(request) + " requested > " +
                                  detail::mib(profile_.memory_usable_bytes) +
                                  " usable; the model treats exhausting the whole GPU under MPS as a fatal "
                                  "fault, which MPS reports to every client of the GPU"};
  }
  return {};
}

double MpsPolicy::co_run_slowdown(int other_processes, double other_dram_use) const {
  if (other_processes <= 0) return 1.0;
  return 1.0 + profile_.mps_interference_penalty +
         profile_.mps_interference_per_client * (other_processes - 1) +
         profile_.mps_interference_memory * other_dram_use;
}

}  // namespace sharesim::models
