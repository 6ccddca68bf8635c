// What a timeline observer (GpuObserver) is told after each change: ops starting and stopping to
// run, and, under time-slicing, who owns the GPU.
#include "sharesim/models/gpu.h"

namespace sharesim::models {

void GpuModel::notify_observer(sim::Time now) {
  for (uint32_t index : active_) {
    InFlightOp& op = ops_[index];
    const bool running = op.is_kernel() ? op.running() : op.copy().holds_engine;
    if (running == op.observed_running) continue;
    op.observed_running = running;
    observer_->op_running(now, op.process, static_cast<int>(op.stream - processes_[op.process].first_stream),
                          op.is_kernel(), op.name, running);
  }
  const std::optional<TimeSliceState> slice = policy_->time_slice_state();
  if (!slice) return;
  // The same owner with a new phase end after the old one passed: it started a new slice.
  const bool new_slice = slice->owner != GpuObserver::kNoOwner && slice->owner == observed_owner_ &&
                         observed_phase_end_ <= now && slice->phase_end != observed_phase_end_;
  if (slice->owner != observed_owner_ || slice->switching != observed_switching_ || new_slice) {
    observer_->time_slice(now, slice->owner, slice->switching);
  }
  observed_owner_ = slice->owner;
  observed_switching_ = slice->switching;
  observed_phase_end_ = slice->phase_end;
}

}  // namespace sharesim::models
