// Rates and sharing: at each change, who may run (the policy), what each op is granted (the
// max-min solver of sharing.h), the rates that follow (gpu.h's formulas) and the next event.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "gpu_levels.h"
#include "sharesim/models/gpu.h"

namespace sharesim::models {
namespace {

constexpr double kEps = 1e-9;
using detail::time_to_finish;

}  // namespace

// ---- What a kernel needs (fixed at its start) ---------------------------------------------------
// o_sat: the warp occupancy at which an SM's issue throughput saturates (1 when not modeled).
double GpuModel::issue_saturation_occupancy() const {
  const int max_warps = profile_.max_threads_per_sm / 32;
  if (profile_.issue_saturation_warps <= 0 || max_warps <= 0) return 1.0;
  return std::min(1.0, static_cast<double>(profile_.issue_saturation_warps) / max_warps);
}

GpuModel::KernelState GpuModel::describe_kernel(const KernelWork& work) const {
  KernelState k;
  k.solo_ns_left = static_cast<double>(std::max<int64_t>(0, work.solo_duration.count_ns()));
  k.memory_bound = std::clamp(work.memory_bound, 0.0, 1.0);
  const auto sm_count = static_cast<double>(profile_.sm_count);
  const double bandwidth = profile_.dram_bandwidth_effective * 1e-9;  // bytes per ns
  const double o_sat = issue_saturation_occupancy();
  if (work.blocks <= 0) {  // simple: fills d SMs' worth of residency, DRAM-bound for m of its time
    k.full_sms = (work.sm_demand <= 0 || work.sm_demand > profile_.sm_count) ? sm_count : work.sm_demand;
    // With issue saturation modeled, the block scheduler spreads the grid breadth first over every
    // SM at occupancy d / sm_count, and it issues at min(1, occupancy / o_sat) of each SM's peak;
    // without, it fills d SMs (o_sat = 1 gives the same issue, a = (1 - m) d).
    k.span = o_sat < 1.0 ? sm_count : k.full_sms;  // (o_sat = 1 keeps the earlier span d)
    k.issue = (1 - k.memory_bound) * std::min(k.span, k.full_sms / o_sat);
    k.dram_demand = k.memory_bound * bandwidth;
    return k;
  }
  // Launch configuration: resident blocks per SM by the CUDA occupancy rules (threads in whole
  // warps, registers allocated per warp in units, shared memory, the block limit).
  constexpr int kWarp = 32;
  k.blocks = work.blocks;
  const int warps = std::max(1, (work.threads_per_block + kWarp - 1) / kWarp);
  int per_sm = std::min(profile_.max_blocks_per_sm, profile_.max_threads_per_sm / (warps * kWarp));
  double residency = std::max(static_cast<double>(warps * kWarp) / profile_.max_threads_per_sm,
                              1.0 / profile_.max_blocks_per_sm);
  if (work.registers_per_thread > 0) {
    const int unit = std::max(1, profile_.register_allocation_unit);
    const int per_warp = (kWarp * work.registers_per_thread + unit - 1) / unit * unit;
    per_sm = std::min(per_sm, profile_.registers_per_sm / (warps * per_warp));
    residency = std::max(residency, static_cast<double>(warps * per_warp) / profile_.registers_per_sm);
  }
  if (work.shared_memory_per_block > 0) {
    per_sm = static_cast<int>(
        std::min<int64_t>(per_sm, profile_.shared_memory_per_sm / work.shared_memory_per_block));
    residency = std::max(residency, static_cast<double>(work.shared_memory_per_block) /
                                        static_cast<double>(profile_.shared_memory_per_sm));
  }
  k.blocks_per_sm = std::max(1, per_sm);  // a block that does not fit would not launch: one at a time
  k.block_residency = std::min(1.0, residency);
  k.span = std::min(sm_count, static_cast<double>(work.blocks));  // the block scheduler spreads wide
  if (work.sm_throughput >= 0) {
    k.issue = std::min(k.span, std::clamp(work.sm_throughput, 0.0, 1.0) * sm_count);
  } else if (o_sat < 1.0) {
    // Unknown: a block issues u = min(1, its residency / o_sat) of an SM (Little's law). Alone the
    // kernel runs in waves of L blocks per SM, each lasting as long as its most loaded SM
    // (max(1, blocks on it x u) block-times; the last wave holds ceil(rest / span)), so its mean
    // issue over its duration is blocks x u / (the sum of those wave lengths).
    const double per_block = std::min(1.0, k.block_residency / o_sat);
    const double full_waves = std::floor(k.blocks / (k.blocks_per_sm * k.span));
    const double rest = k.blocks - full_waves * k.blocks_per_sm * k.span;
    const double block_times = full_waves * std::max(1.0, k.blocks_per_sm * per_block) +
                               (rest > 0 ? std::max(1.0, std::ceil(rest / k.span) * per_block) : 0.0);
    k.issue = std::min(k.span, k.blocks * per_block / block_times);
  } else {  // unknown, saturation not modeled: issue in proportion to residency
    k.issue = resident_fraction(k, k.span) * k.span;
  }
  k.dram_demand = work.dram_throughput >= 0 ? std::min(bandwidth, std::clamp(work.dram_throughput, 0.0, 1.0) *
                                                                      profile_.dram_bandwidth_nominal * 1e-9)
                                            : k.memory_bound * bandwidth;
  return k;
}

// o(c): the fraction of each SM's residency the kernel's blocks take when it may use c SMs.
double GpuModel::resident_fraction(const KernelState& k, double sms) const {
  const double span = std::min(sms, k.span);
  if (k.blocks == 0) return std::min(1.0, k.full_sms / span);  // simple: d SMs' worth over its span
  const double per_sm = std::min<double>(k.blocks_per_sm, std::ceil(k.blocks / span));
  return std::min(1.0, per_sm * k.block_residency);
}

// T(c): the kernel's time alone on at most c SMs, in units of its solo time (1 at c >= span).
double GpuModel::alone_slowdown(const KernelState& k, double sms) const {
  const double span = std::min(sms, k.span);
  // DRAM reachable from `span` SMs (Little's law per SM), relative to what it reaches alone.
  double memory = 1.0;
  if (k.dram_demand > 0 && profile_.dram_bandwidth_per_sm > 0) {
    const double per_sm = profile_.dram_bandwidth_per_sm * 1e-9;
    memory = std::min(k.dram_demand, k.span * per_sm) / std::min(k.dram_demand, span * per_sm);
  }
  if (k.blocks == 0) {
    // Its compute phase issues a' = min(span, d / o_sat) SM-equivalents alone; on `span` SMs it
    // takes a' / span of its solo time once that exceeds 1 (o_sat = 1: d / s, the fluid SM share).
    const double compute_issue = std::min(k.span, k.full_sms / issue_saturation_occupancy());
    return (1 - k.memory_bound) * std::max(1.0, compute_issue / span) + k.memory_bound * memory;
  }
  // Waves of blocks at this span against alone, and the issue work concentrated on fewer SMs.
  auto waves = [&](double s) { return std::ceil(k.blocks / (k.blocks_per_sm * s)); };
  const double compute = std::max({1.0, waves(span) / waves(k.span), k.issue / span});
  return std::max(compute, memory);
}

// ---- Interference ----------------------------------------------------------------------------------
// The policy's co_run_slowdown is a kernel's interference from the other clients' count and DRAM
// use without its own client's (iGniter's form: a victim slowed by its co-runners' use). It is
// split into a GPU-wide level I_gpu, the same for every kernel, that takes the co-runners' DRAM
// use as the mean client's ((n - 1) / n of all), and each kernel's ratio to it, fixed at its
// start, which keeps how its own client differed from the mean then. When the clients are alike
// the ratio is 1 and the split is exact at every instant; otherwise it is exact at each kernel's
// start and then follows the co-runners' count and DRAM use in proportion. The split is what lets
// a change cost O(log n) (gpu_levels.cpp): a change moves I_gpu, which scales every kernel alike.
double GpuModel::gpu_interference(int processes, double dram_total) const {
  if (processes <= 1) return 1.0;
  return policy_->co_run_slowdown(processes - 1, dram_total * (processes - 1) / processes);
}

double GpuModel::interference_ratio(int processes, double dram_total, double own_dram, double gpu) const {
  if (processes <= 1) return 1.0;  // alone: the co-runners that come later scale it as the mean client
  return policy_->co_run_slowdown(processes - 1, std::max(0.0, dram_total - own_dram)) / gpu;
}

// ---- Sharing ---------------------------------------------------------------------------------------
// Kernels past their launch gap that the policy lets run: one max-min system (sharing.h) over
// their rates x_k (solo-ns per ns), each bounded by its speed alone at its process's SMs, slowed
// by its interference I_k = I_gpu ratio_k (1 alone; see "Interference" above):
//   x_k <= 1 / (T_k(c_p) I_k)
//   sum_k x_k sigma_k <= sm_count      residency (SM-space), sigma_k = o_k(c) span_k(c) T_k I_k
//   sum_k x_k a_k     <= sm_count      issue throughput, a_k SM-equivalents alone
//   sum_k x_k b_k     <= bandwidth     DRAM, b_k bytes per ns alone
//   per process p with several kernels: the residency and issue sums of its kernels <= cap_p
// weighted by 1 / sigma_k, so the SM-space held is what is shared fairly (as SMs were before).
// REQUIRES: shared_ops_ (in start order), the interference inputs and grouped_ from recompute's pass.
// Without per-process constraints (no capped process with several kernels: the usual case) the
// system has three constraints and goes to DenseMaxMinSystem, which gives the same values bit for
// bit as the general MaxMinSystem + ProgressiveFilling (sharing.h) at a fraction of the cost.
void GpuModel::share_kernels(sim::Time now, int processes, double dram_total, sim::Time& next) {
  const double bandwidth = profile_.dram_bandwidth_effective * 1e-9;
  const auto sm_count = static_cast<double>(profile_.sm_count);
  const double gpu = gpu_interference(processes, dram_total);
  const int64_t now_ns = now.count_ns();
  auto interfere = [&](const InFlightOp& op, KernelState& k) {
    if (!k.joined || k.joined_at_ns == now_ns) {
      k.joined = true;
      k.joined_at_ns = now_ns;
      k.ratio = interference_ratio(processes, dram_total, client_dram_[op.process], gpu);
    }
    const double i = processes > 1 ? gpu * k.ratio : 1.0;
    k.slowdown = k.alone * i;
    k.sigma = k.space * i;
  };
  if (!grouped_) {
    const double capacities[] = {sm_count, sm_count, bandwidth};
    dense_sharing_.reset(capacities);
    for (uint32_t index : shared_ops_) {
      InFlightOp& op = ops_[index];
      KernelState& k = op.kernel();
      interfere(op, k);
      const double sigma = k.sigma;
      dense_sharing_.add_variable(
          1.0 / k.slowdown, 1.0 / sigma,
          {sigma, k.issue > 0 ? k.issue : 0.0, k.dram_demand > 0 ? k.dram_demand : 0.0});
    }
    dense_sharing_.solve();
  } else {
    sharing_.clear();
    const MaxMinSystem::Id space = sharing_.add_constraint(sm_count);
    const MaxMinSystem::Id issue = sharing_.add_constraint(sm_count);
    const MaxMinSystem::Id dram = sharing_.add_constraint(bandwidth);
    for (uint32_t index : shared_ops_) cap_of_[ops_[index].process] = kNoConstraint;
    for (uint32_t index : shared_ops_) {
      InFlightOp& op = ops_[index];
      KernelState& k = op.kernel();
      const Process& p = processes_[op.process];
      interfere(op, k);
      const double sigma = k.sigma;
      const bool grouped = p.sm_cap < profile_.sm_count && p.kernels_in_flight > 1;
      if (grouped && cap_of_[op.process] == kNoConstraint) {
        cap_of_[op.process] = sharing_.add_constraint(p.sm_cap);
        sharing_.add_constraint(p.sm_cap);  // its issue, id cap_of_ + 1
      }
      const MaxMinSystem::Id v = sharing_.add_variable(1.0 / k.slowdown, 1.0 / sigma);
      sharing_.add_use(v, space, sigma);
      if (k.issue > 0) sharing_.add_use(v, issue, k.issue);
      if (k.dram_demand > 0) sharing_.add_use(v, dram, k.dram_demand);
      if (grouped) {
        sharing_.add_use(v, cap_of_[op.process], sigma);
        if (k.issue > 0) sharing_.add_use(v, cap_of_[op.process] + 1, k.issue);
      }
    }
    solver_->solve(sharing_);
  }
  // The grants, what the GPU uses, and when each kernel finishes at its rate.
  double dram_bytes_per_ns = 0;
  for (size_t v = 0; v < shared_ops_.size(); ++v) {
    InFlightOp& op = ops_[shared_ops_[v]];
    KernelState& k = op.kernel();
    k.rate = grouped_ ? sharing_.value(static_cast<MaxMinSystem::Id>(v))
                      : dense_sharing_.value(static_cast<DenseMaxMinSystem::Id>(v));
    k.sms = k.rate * k.sigma;  // the SM-space it holds
    cap_of_[op.process] = kNoConstraint;
    if (k.rate > 0) {
      usage_.kernel_busy = true;
      usage_.sms_used += k.sms;
      dram_bytes_per_ns += k.rate * k.dram_demand;
      op.next_at = time_to_finish(now, k.solo_ns_left, k.rate);
      next = std::min(next, op.next_at);
    }
  }
  usage_.dram_fraction = dram_bytes_per_ns / bandwidth;
}

// Copies: at most copy_engines hold an engine, first come, first served (start order). Copies
// moving bytes in one direction are served in start order, each up to its solo bandwidth, from the
// direction's pinned bandwidth: same-direction copies on different engines largely serialise on
// hardware (DMA engines stream one transfer at a time over the link).
void GpuModel::share_copies(const std::vector<uint32_t>& ops, sim::Time now, sim::Time& next) {
  int engines_left = profile_.copy_engines;
  double left[2] = {profile_.pcie_bandwidth(true, /*pinned=*/true) * 1e-9,
                    profile_.pcie_bandwidth(false, /*pinned=*/true) * 1e-9};
  for (uint32_t index : ops) {
    InFlightOp& op = ops_[index];
    if (op.is_kernel()) continue;
    CopyState& c = op.copy();
    c.rate = 0;
    c.holds_engine = op.may_run && engines_left > 0;
    op.next_at = sim::Time::max();
    if (!c.holds_engine) continue;
    --engines_left;
    ++usage_.copies_in_flight;
    if (c.latency_left_ns > 0) {
      op.next_at = now + sim::Time::ns(c.latency_left_ns);
    } else {
      double& direction = left[c.host_to_device ? 0 : 1];
      c.rate = std::min(c.solo_bandwidth, direction);
      direction -= c.rate;
      op.next_at = time_to_finish(now, c.bytes_left, c.rate);
      if (c.bytes_left <= 0) {
        c.rate = std::max(c.rate, kEps);  // a zero-byte copy is done once its latency is over
        op.next_at = now;
      }
    }
    next = std::min(next, op.next_at);
  }
}

// One pass over the running set: who may run, the kernels in a launch gap (their next event),
// the kernels to share with the totals their interference needs; then the sharing of the kernels
// and, only when copies are in flight, of the copy engines and PCIe.
void GpuModel::recompute(sim::Time now) {
  constexpr uint32_t kLevelRetry = 64;  // general recomputes after the level path could not compute one
  if (levels_eligible()) {
    if (!levels_->active) enter_levels(now);
    if (share_by_levels(now)) {
      ++level_path_changes_;
      return;
    }
    leave_levels(now);
    levels_->retry_after = std::max(levels_->retry_after, kLevelRetry);
  } else {
    if (levels_->active) leave_levels(now);
    if (levels_->retry_after > 0) --levels_->retry_after;
  }
  policy_->update(now, wants_turn_);
  sim::Time next = policy_->next_event();
  usage_ = Usage{};
  shared_ops_.clear();
  grouped_ = false;
  int processes = 0;  // processes with kernels to share
  double dram_total = 0;
  for (uint32_t index : active_) {
    InFlightOp& op = ops_[index];
    auto* k = std::get_if<KernelState>(&op.work);
    if (k == nullptr) {
      op.may_run = policy_->copy_may_run(op.process);
      continue;
    }
    op.may_run = policy_->kernel_may_run(op.process);
    k->sms = 0;
    k->rate = 0;
    op.next_at = sim::Time::max();
    if (k->launch_gap_left_ns > 0) {
      op.next_at = now + sim::Time::ns(k->launch_gap_left_ns);
      next = std::min(next, op.next_at);
      continue;
    }
    if (!op.may_run) continue;
    shared_ops_.push_back(index);
    const Process& p = processes_[op.process];
    if (cap_of_[op.process] == kNoConstraint) {  // its first kernel in this pass
      cap_of_[op.process] = 0;
      client_dram_[op.process] = 0;
      ++processes;
    }
    grouped_ = grouped_ || (p.sm_cap < profile_.sm_count && p.kernels_in_flight > 1);
    client_dram_[op.process] += k->dram_use;
    dram_total += k->dram_use;
  }
  if (!shared_ops_.empty()) share_kernels(now, processes, dram_total, next);
  if (copies_in_flight_ > 0) share_copies(active_, now, next);
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
