// What the sharing policies have in common: their names, the shared fault domain, the factory.
// Each policy has its own file: gpu_passthrough.cpp, gpu_time_slicing.cpp, gpu_mps.cpp.
#include "sharesim/models/gpu_policy.h"

#include <bit>
#include <cassert>
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

void ProcessSet::add_process() {
  if ((size_ & 63) == 0) {
    words_.push_back(0);
    if ((words_.size() - 1) % 64 == 0) summary_.push_back(0);
  }
  ++size_;
}

void ProcessSet::set(ProcessId p, bool member) {
  assert(p < size_);
  if (contains(p) == member) return;
  const ProcessId w = p >> 6;
  words_[w] ^= uint64_t{1} << (p & 63);
  members_ = member ? members_ + 1 : members_ - 1;
  if (words_[w] != 0) {
    summary_[w >> 6] |= uint64_t{1} << (w & 63);
  } else {
    summary_[w >> 6] &= ~(uint64_t{1} << (w & 63));
  }
}

ProcessId ProcessSet::first_at_or_after(ProcessId from) const {
  if (from >= size_ || members_ == 0) return kNone;
  const ProcessId w = from >> 6;
  if (const uint64_t here = words_[w] & (~uint64_t{0} << (from & 63)); here != 0)
    return (w << 6) + static_cast<ProcessId>(std::countr_zero(here));
  // The next non-empty word after w, through the summary.
  for (size_t s = (w + 1) >> 6; s < summary_.size(); ++s) {
    uint64_t bits = summary_[s];
    if (s == (w + 1) >> 6) bits &= ~uint64_t{0} << ((w + 1) & 63);
    if (bits == 0) continue;
    const size_t word = (s << 6) + static_cast<size_t>(std::countr_zero(bits));
    return static_cast<ProcessId>((word << 6) + static_cast<size_t>(std::countr_zero(words_[word])));
  }
  return kNone;
}

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
