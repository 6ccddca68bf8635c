// Helpers shared by the sharing policies (private to the models library).
#pragma once

#include <cstdint>
#include <string>

#include "sharesim/models/gpu_policy.h"

namespace sharesim::models::detail {

// "N MiB", for fault reasons.
std::string mib(int64_t bytes);

// No isolation: one fault domain for the whole GPU (passthrough, time-slicing).
MemoryCheck shared_fault_domain(const GpuProfile& profile, int64_t request, int64_t gpu_used,
                                const char* policy);

}  // namespace sharesim::models::detail
