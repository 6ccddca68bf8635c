// Time-slicing: contexts take turns on the whole GPU (the time slice, context switches).
// Private to the models library: GpuModel reaches it through GpuSharingPolicy (gpu_policy.h).
#pragma once

#include "sharesim/models/gpu_policy.h"

namespace sharesim::models {

// Contexts take turns on the whole GPU.
//
// States: idle (no owner), owned (one context runs for up to one time slice), switching (nobody
// runs for context_switch_cost, then the target owns the GPU). Rules:
//  - Work arrives on an idle GPU: the context that was loaded last gets it back at once; any other
//    context costs a switch. (The very first context costs nothing: there is nothing to unload.)
//  - A context wants a turn while it has a kernel in flight, or a copy unless the profile says
//    copies overlap other slices (then its copies run anyway and need no turn).
//  - The owner runs until its slice ends. At the end of a slice, if another context wants a turn,
//    the owner is preempted (its unfinished kernels keep their remaining work and resume in its
//    next turn) and the next waiting context in round-robin order (by process id, after the
//    owner) gets the GPU after a switch; if nobody else waits, the owner starts a new slice.
//  - The owner runs out of work before its slice ends: the next waiting context gets the GPU
//    after a switch, or the GPU goes idle with the owner's context still loaded.
//  - Copies of non-owners wait too, unless the profile says copies overlap other slices.
class TimeSlicingPolicy final : public GpuSharingPolicy {
 public:
  explicit TimeSlicingPolicy(const GpuProfile& profile) : profile_(profile) {}
  [[nodiscard]] SharingPolicy kind() const override { return SharingPolicy::kTimeSlicing; }
  [[nodiscard]] Status admit(const ProcessSpec& spec, int live_processes) const override;
  [[nodiscard]] int sm_cap(const ProcessSpec& spec) const override;
  [[nodiscard]] MemoryCheck check_memory(const ProcessSpec& spec, int64_t process_used, int64_t request,
                                         int64_t gpu_used) const override;
  [[nodiscard]] bool kernel_may_run(ProcessId process) const override;
  [[nodiscard]] bool copy_may_run(ProcessId process) const override;
  [[nodiscard]] bool copies_need_a_turn() const override { return !profile_.timeslice_copies_overlap; }
  bool update(sim::Time now, const ProcessSet& wants_turn) override;
  [[nodiscard]] sim::Time next_event() const override;
  [[nodiscard]] bool switching() const override { return state_ == State::kSwitching; }
  [[nodiscard]] uint64_t context_switches() const override { return switches_; }
  void reset_counters() override { switches_ = 0; }

  [[nodiscard]] std::optional<TimeSliceState> time_slice_state() const override;

  static constexpr ProcessId kNobody = TimeSliceState::kNoOwner;

 private:
  enum class State { kIdle, kOwned, kSwitching };
  // The next process that wants a turn after `after` in round-robin order, `after` itself last;
  // kNobody when none does. With exclude_after, `after` itself is never returned.
  static ProcessId next_waiting(const ProcessSet& wants_turn, ProcessId after, bool exclude_after);
  void begin_switch(sim::Time now, ProcessId target);
  void take(sim::Time now, ProcessId process);

  const GpuProfile& profile_;
  State state_ = State::kIdle;
  ProcessId owner_ = kNobody;               // the owner (kOwned) or the switch target (kSwitching)
  ProcessId loaded_ = kNobody;              // the context loaded last (kNobody before the first)
  sim::Time phase_end_ = sim::Time::max();  // end of the slice (kOwned) or the switch (kSwitching)
  uint64_t switches_ = 0;
};

}  // namespace sharesim::models
