// Time-slicing: contexts take turns on the whole GPU (the time slice, context switches).
#include "gpu_time_slicing.h"

#include <string>

#include "gpu_policy_support.h"

namespace sharesim::models {

// ---- Time-slicing -----------------------------------------------------------------------------------
Status TimeSlicingPolicy::admit(const ProcessSpec& /*spec*/, int /*live_processes*/) const {
  return Ok{};
}

int TimeSlicingPolicy::sm_cap(const ProcessSpec& /*spec*/) const {
  return profile_.sm_count;
}

MemoryCheck TimeSlicingPolicy::check_memory(const ProcessSpec& /*spec*/, int64_t /*process_used*/,
                                            int64_t request, int64_t gpu_used) const {
  return detail::shared_fault_domain(profile_, request, gpu_used, "time-slicing");
}

bool TimeSlicingPolicy::kernel_may_run(ProcessId process) const {
  return state_ == State::kOwned && owner_ == process;
}

bool TimeSlicingPolicy::copy_may_run(ProcessId process) const {
  return profile_.timeslice_copies_overlap || kernel_may_run(process);
}

std::optional<TimeSliceState> TimeSlicingPolicy::time_slice_state() const {
  return TimeSliceState{state_ == State::kOwned ? owner_ : kNobody, state_ == State::kSwitching,
                        next_event()};
}

sim::Time TimeSlicingPolicy::next_event() const {
  return state_ == State::kIdle ? sim::Time::max() : phase_end_;
}

ProcessId TimeSlicingPolicy::next_waiting(const ProcessSet& wants_turn, ProcessId after, bool exclude_after) {
  const ProcessId n = wants_turn.size();
  if (n == 0 || wants_turn.none()) return kNobody;
  // Round robin: the ids after `after`, then from 0 up to `after` itself (last).
  const ProcessId start = after == kNobody ? n - 1 : after;
  ProcessId p = wants_turn.first_at_or_after(start + 1);
  if (p == ProcessSet::kNone) p = wants_turn.first_at_or_after(0);
  if (p == ProcessSet::kNone || (p == after && exclude_after)) return kNobody;
  return p;
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

bool TimeSlicingPolicy::update(sim::Time now, const ProcessSet& wants_turn) {
  const State before_state = state_;
  const ProcessId before_owner = owner_;
  auto wants = [&](ProcessId p) { return p != kNobody && p < wants_turn.size() && wants_turn.contains(p); };
  // Each pass either settles or moves to a later state; a zero-cost switch may take two passes.
  for (int pass = 0; pass < 4; ++pass) {
    if (state_ == State::kIdle) {
      // The context still loaded resumes at no cost; otherwise round robin after it.
      const ProcessId next =
          wants(loaded_) ? loaded_ : next_waiting(wants_turn, loaded_, /*exclude_after=*/false);
      if (next == kNobody) break;
      if (next == loaded_ || loaded_ == kNobody) {
        take(now, next);
      } else {
        begin_switch(now, next);
      }
    } else if (state_ == State::kOwned) {
      if (!wants(owner_)) {
        const ProcessId next = next_waiting(wants_turn, owner_, /*exclude_after=*/true);
        if (next == kNobody) {
          state_ = State::kIdle;
          phase_end_ = sim::Time::max();
          break;
        }
        begin_switch(now, next);
      } else if (now >= phase_end_) {
        const ProcessId next = next_waiting(wants_turn, owner_, /*exclude_after=*/true);
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
      if (wants(owner_)) {
        take(now, owner_);
      } else {
        state_ = State::kIdle;
        phase_end_ = sim::Time::max();
      }
    }
  }
  return state_ != before_state || owner_ != before_owner;
}

}  // namespace sharesim::models
