// Sharing policies: passthrough, time-slicing, MPS.
#include "sharesim/models/gpu_policy.h"

#include <string>

namespace sharesim::models {
namespace {

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

}  // namespace

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
  return shared_fault_domain(profile_, request, gpu_used, "passthrough");
}

// ---- Time-slicing -----------------------------------------------------------------------------------
Status TimeSlicingPolicy::admit(const ProcessSpec& /*spec*/, int /*live_processes*/) const {
  return Ok{};
}

int TimeSlicingPolicy::sm_cap(const ProcessSpec& /*spec*/) const {
  return profile_.sm_count;
}

MemoryCheck TimeSlicingPolicy::check_memory(const ProcessSpec& /*spec*/, int64_t /*process_used*/,
                                            int64_t request, int64_t gpu_used) const {
  return shared_fault_domain(profile_, request, gpu_used, "time-slicing");
}

bool TimeSlicingPolicy::kernel_may_run(ProcessId process) const {
  return state_ == State::kOwned && owner_ == process;
}

bool TimeSlicingPolicy::copy_may_run(ProcessId process) const {
  return profile_.timeslice_copies_overlap || kernel_may_run(process);
}

sim::Time TimeSlicingPolicy::next_event() const {
  return state_ == State::kIdle ? sim::Time::max() : phase_end_;
}

ProcessId TimeSlicingPolicy::next_runnable(std::span<const uint8_t> runnable, ProcessId after,
                                           bool exclude_after) {
  const auto n = static_cast<ProcessId>(runnable.size());
  if (n == 0) return kNobody;
  const ProcessId start = after == kNobody ? n - 1 : after;
  for (ProcessId k = 1; k <= n; ++k) {
    const ProcessId p = (start + k) % n;
    if (p == after && exclude_after) continue;
    if (runnable[p] != 0) return p;
  }
  return kNobody;
}

void TimeSlicingPolicy::begin_switch(sim::Time now, ProcessId target) {
  state_ = State::kSwitching;
  owner_ = target;
  phase_end_ = now + profile_.context_switch_cost;
  ++switches_;
}

void TimeSlicingPolicy::take(sim::Time now, ProcessId process) {
  state_ = State::kOwned;
  owner_ = process;
  loaded_ = process;
  phase_end_ = now + profile_.time_slice;
}

bool TimeSlicingPolicy::update(sim::Time now, std::span<const uint8_t> runnable) {
  const State before_state = state_;
  const ProcessId before_owner = owner_;
  auto is_runnable = [&](ProcessId p) { return p != kNobody && p < runnable.size() && runnable[p] != 0; };
  // Each pass either settles or moves to a later state; a zero-cost switch may take two passes.
  for (int pass = 0; pass < 4; ++pass) {
    if (state_ == State::kIdle) {
      // The context still loaded resumes at no cost; otherwise round robin after it.
      const ProcessId next =
          is_runnable(loaded_) ? loaded_ : next_runnable(runnable, loaded_, /*exclude_after=*/false);
      if (next == kNobody) break;
      if (next == loaded_ || loaded_ == kNobody) {
        take(now, next);
      } else {
        begin_switch(now, next);
      }
    } else if (state_ == State::kOwned) {
      if (!is_runnable(owner_)) {
        const ProcessId next = next_runnable(runnable, owner_, /*exclude_after=*/true);
        if (next == kNobody) {
          state_ = State::kIdle;
          phase_end_ = sim::Time::max();
          break;
        }
        begin_switch(now, next);
      } else if (now >= phase_end_) {
        const ProcessId next = next_runnable(runnable, owner_, /*exclude_after=*/true);
        if (next == kNobody) {
          phase_end_ = now + profile_.time_slice;  // nobody waits: a new slice for the owner
          break;
        }
        begin_switch(now, next);
      } else {
        break;
      }
    } else {  // kSwitching
      if (now < phase_end_) break;
      loaded_ = owner_;  // the target's context is loaded now
      if (is_runnable(owner_)) {
        take(now, owner_);
      } else {
        state_ = State::kIdle;
        phase_end_ = sim::Time::max();
      }
    }
  }
  return state_ != before_state || owner_ != before_owner;
}

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
    return {FaultScope::kProcess, "out of memory: " + mib(process_used) + " held + " + mib(request) +
                                      " requested > CUDA_MPS_PINNED_DEVICE_MEM_LIMIT " +
                                      mib(*spec.mps_pinned_mem_limit) + "; only this MPS client fails"};
  }
  if (gpu_used + request > profile_.memory_usable_bytes) {
    return {FaultScope::kGpu, "out of device memory: " + mib(gpu_used) + " in use + " + mib(request) +
                                  " requested > " + mib(profile_.memory_usable_bytes) +
                                  " usable; the model treats exhausting the whole GPU under MPS as a fatal "
                                  "fault, which MPS reports to every client of the GPU"};
  }
  return {};
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
