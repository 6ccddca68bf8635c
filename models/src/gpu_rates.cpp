// Rates and sharing: at each change, who may run (the policy), what each op is granted (the
// max-min solver of sharing.h), the rates that follow (gpu.h's formulas) and the next event.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "sharesim/models/gpu.h"

namespace sharesim::models {
namespace {

constexpr double kEps = 1e-9;

// Nanoseconds until `remaining` work is done at `rate` (rounded up, so work never finishes early
// by rounding), or Time::max() when the rate is zero.
sim::Time time_to_finish(sim::Time now, double remaining, double rate) {
  if (rate <= 0) return sim::Time::max();
  const double ns = remaining / rate;
  if (ns <= kEps) return now;
  const double limit = static_cast<double>(sim::Time::max().count_ns() - now.count_ns());
  if (ns >= limit) return sim::Time::max();
  return now + sim::Time::ns(static_cast<int64_t>(std::ceil(ns - kEps)));
}

}  // namespace

// SMs: the kernels past their launch gap that the policy lets run share sm_count max-min fairly,
// each up to its demand d, the kernels of a process together up to the process's SM cap.
//   variables  s_k <= d_k
//   sum_k s_k <= sm_count;   for each capped process p: sum_{k of p} s_k <= cap_p
void GpuModel::share_sms() {
  sharing_.clear();
  shared_ops_.clear();
  const MaxMinSystem::Id gpu = sharing_.add_constraint(static_cast<double>(profile_.sm_count));
  for (uint32_t index : active_) {
    InFlightOp& op = ops_[index];
    auto* k = std::get_if<KernelState>(&op.work);
    if (k == nullptr) continue;
    k->sms = 0;
    if (k->launch_gap_left_ns != 0 || !op.may_run) continue;
    const int cap = processes_[op.process].sm_cap;
    if (cap < profile_.sm_count && cap_of_[op.process] == kNoConstraint) {
      cap_of_[op.process] = sharing_.add_constraint(static_cast<double>(cap));
    }
    const MaxMinSystem::Id v = sharing_.add_variable(k->sm_demand);
    sharing_.add_use(v, gpu);
    if (cap_of_[op.process] != kNoConstraint) sharing_.add_use(v, cap_of_[op.process]);
    shared_ops_.push_back(index);
  }
  if (shared_ops_.empty()) return;
  solver_->solve(sharing_);
  for (size_t v = 0; v < shared_ops_.size(); ++v) {
    InFlightOp& op = ops_[shared_ops_[v]];
    op.kernel().sms = sharing_.value(static_cast<MaxMinSystem::Id>(v));
    cap_of_[op.process] = kNoConstraint;
  }
}

// Bandwidth: kernels that got SMs share the effective DRAM bandwidth, each up to its demand b;
// the copies holding an engine (first come, first served) past their latency share their
// direction's pinned PCIe bandwidth, each up to its solo bandwidth. Three independent constraints.
void GpuModel::share_bandwidth() {
  int engines_left = profile_.copy_engines;
  for (uint32_t index : active_) {  // start order: first come, first served
    InFlightOp& op = ops_[index];
    if (op.is_kernel()) {
      op.kernel().dram_grant = 0;
      continue;
    }
    CopyState& c = op.copy();
    c.rate = 0;
    c.holds_engine = op.may_run && engines_left > 0;
    if (c.holds_engine) --engines_left;
  }
  sharing_.clear();
  shared_ops_.clear();
  const MaxMinSystem::Id dram = sharing_.add_constraint(profile_.dram_bandwidth_effective * 1e-9);
  const MaxMinSystem::Id h2d = sharing_.add_constraint(profile_.pcie_bandwidth(true, /*pinned=*/true) * 1e-9);
  const MaxMinSystem::Id d2h =
      sharing_.add_constraint(profile_.pcie_bandwidth(false, /*pinned=*/true) * 1e-9);
  for (uint32_t index : active_) {
    InFlightOp& op = ops_[index];
    if (const auto* k = std::get_if<KernelState>(&op.work)) {
      if (k->sms <= 0 || k->dram_demand <= 0) continue;
      sharing_.add_use(sharing_.add_variable(k->dram_demand), dram);
    } else {
      const CopyState& c = op.copy();
      if (!c.holds_engine || c.latency_left_ns != 0) continue;
      sharing_.add_use(sharing_.add_variable(c.solo_bandwidth), c.host_to_device ? h2d : d2h);
    }
    shared_ops_.push_back(index);
  }
  if (shared_ops_.empty()) return;
  solver_->solve(sharing_);
  for (size_t v = 0; v < shared_ops_.size(); ++v) {
    InFlightOp& op = ops_[shared_ops_[v]];
    const double grant = sharing_.value(static_cast<MaxMinSystem::Id>(v));
    if (auto* k = std::get_if<KernelState>(&op.work)) {
      k->dram_grant = grant;
    } else {
      op.copy().rate = grant;
    }
  }
}

void GpuModel::recompute(sim::Time now) {
  policy_->update(now, wants_turn_);
  for (uint32_t index : active_) {
    InFlightOp& op = ops_[index];
    op.may_run = op.is_kernel() ? policy_->kernel_may_run(op.process) : policy_->copy_may_run(op.process);
  }
  share_sms();
  share_bandwidth();

  // Interference: while kernels of two or more processes hold SMs, the policy's slowdown applies.
  bool several_processes = false;
  constexpr ProcessId kNone = ~ProcessId{0};
  ProcessId first = kNone;
  for (uint32_t index : active_) {
    const InFlightOp& op = ops_[index];
    if (!op.is_kernel() || op.kernel().sms <= 0) continue;
    if (first == kNone) {
      first = op.process;
    } else if (op.process != first) {
      several_processes = true;
      break;
    }
  }
  const double slowdown = several_processes ? policy_->co_run_slowdown() : 1.0;

  sim::Time next = policy_->next_event();
  usage_ = Usage{};
  double dram_bytes_per_ns = 0;
  for (uint32_t index : active_) {
    InFlightOp& op = ops_[index];
    op.next_at = sim::Time::max();
    if (auto* k = std::get_if<KernelState>(&op.work)) {
      k->rate = 0;
      if (k->launch_gap_left_ns > 0) {
        op.next_at = now + sim::Time::ns(k->launch_gap_left_ns);
      } else if (k->sms > 0) {
        const double m = k->memory_bound;
        double time_per_work = 0;  // 1 / rate
        if (m < 1) time_per_work += (1 - m) * k->sm_demand / k->sms;
        if (m > 0) {
          time_per_work += k->dram_grant > 0 ? m * k->dram_demand / k->dram_grant
                                             : std::numeric_limits<double>::infinity();
        }
        k->rate = std::isfinite(time_per_work) && time_per_work > 0 ? 1.0 / (time_per_work * slowdown) : 0.0;
        if (k->rate > 0) {
          usage_.kernel_busy = true;
          usage_.sms_used += k->sms;
          dram_bytes_per_ns += k->rate * k->dram_demand;
        }
        op.next_at = time_to_finish(now, k->solo_ns_left, k->rate);
      }
    } else {
      CopyState& c = op.copy();
      if (!c.holds_engine) continue;
      ++usage_.copies_in_flight;
      if (c.latency_left_ns > 0) {
        op.next_at = now + sim::Time::ns(c.latency_left_ns);
      } else {
        op.next_at = time_to_finish(now, c.bytes_left, c.rate);
        if (c.bytes_left <= 0) {
          c.rate = std::max(c.rate, kEps);  // a zero-byte copy is done once its latency is over
          op.next_at = now;
        }
      }
    }
    next = std::min(next, op.next_at);
  }
  usage_.dram_fraction = dram_bytes_per_ns / (profile_.dram_bandwidth_effective * 1e-9);
  check_invariants();
  reschedule(next);
  if (observer_ != nullptr) notify_observer(now);
}

// Keeps exactly one pending event, at the earliest next change.
void GpuModel::reschedule(sim::Time next) {
  if (next == next_event_at_) return;
  sim_.cancel(next_event_);
  next_event_ = sim::EventHandle{};
  next_event_at_ = next;
  if (next != sim::Time::max()) next_event_ = sim_.schedule_at(next, handler_, 0);
}

}  // namespace sharesim::models
