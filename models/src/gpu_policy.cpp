// What the sharing policies have in common: their names, the shared fault domain, the factory.
// Each policy has its own file: gpu_passthrough.cpp, gpu_time_slicing.cpp, gpu_mps.cpp.
#include "sharesim/models/gpu_policy.h"

#include <string>

#include "gpu_mps.h"
#include "gpu_passthrough.h"
#include "gpu_policy_support.h"
#include "gpu_time_slicing.h"

namespace sharesim::models {
namespace detail {

std::string mib(int64_t bytes) {
  return std::to_string(bytes / (int64_t{1024} * 1024)) + " MiB";
}

// No isolation: one fault domain for the whole GPU.
MemoryCheck shared_fault_domain(const GpuProfile& profile, int64_t request, int64_t gpu_used,
                                const char* policy) {
  if (gpu_used + request <= profile.memory_usable_bytes) return {};
  return {FaultScope::kGpu,
          std::string("out of device memory: ") + mib(gpu_used) + " in use + " + mib(request) +
              " requested > " + mib(profile.memory_usable_bytes) + " usable; " + policy +
              " has no memory isolation, so every process of the GPU fails (one fault domain)"};
}

}  // namespace detail

std::string_view sharing_policy_name(SharingPolicy policy) {
  switch (policy) {
    case SharingPolicy::kPassthrough:
      return "passthrough";
    case SharingPolicy::kTimeSlicing:
      return "time-slicing";
    case SharingPolicy::kMps:
      return "mps";
  }
  return "";
}

std::unique_ptr<GpuSharingPolicy> make_sharing_policy(SharingPolicy policy, const GpuProfile& profile) {
  switch (policy) {
    case SharingPolicy::kPassthrough:
      return std::make_unique<PassthroughPolicy>(profile);
    case SharingPolicy::kTimeSlicing:
      return std::make_unique<TimeSlicingPolicy>(profile);
    case SharingPolicy::kMps:
      return std::make_unique<MpsPolicy>(profile);
  }
  return nullptr;
}

}  // namespace sharesim::models
