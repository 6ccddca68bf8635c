// The level path of GpuModel's sharing (gpu_levels.h): the same max-min system as share_kernels
// (gpu_rates.cpp), kept up to date across changes instead of solved afresh, for the case that is
// usual under MPS and the one that decides the cost of many clients: one constraint freezes every
// kernel that is not at its bound, in one round of progressive filling.
//
// In y = x I_gpu (gpu_levels.h), kernel k has a bound u0_k, a weight w0_k and uses a_jk of
// constraint j per unit of y, all fixed when it joins. Progressive filling gives y_k =
// min(u0_k, w0_k lambda) for the level lambda at which the first constraint fills. With the
// kernels split into B (l_k = u0_k / w0_k < lambda: at their bound) and L (the rest), constraint
// j fills at lambda_j = (C_j - A_j) / S_j, A_j = sum over B of a_jk u0_k, S_j = sum over L of
// a_jk w0_k, and lambda = min_j lambda_j. A change moves a few kernels between B and L (heaps by
// l), adjusts the sums and reads lambda and I_gpu: O(log n), where the general path is O(n). The
// solution is progressive filling's only when one round fixes it: the constraint that fills at
// lambda must hold every kernel of L (the SM-space constraint always does); otherwise
// share_by_levels says no and the general path computes the change.
#include "gpu_levels.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "sharesim/models/gpu.h"

namespace sharesim::models {
namespace {

using Levels = detail::LevelState;
constexpr int kJ = Levels::kConstraints;
// Changes between two summations afresh of the running sums (their rounding drifts with every
// addition and removal; 1,024 changes keep it near 1e-13 while costing O(n / 1024) per change).
constexpr uint32_t kResumEvery = 1024;

// In y: a_jk of share_kernels (SM-space, issue, DRAM per unit of y) and u0, w0, l = u0 / w0, as
// levels_key set them.
double bound_of(const detail::KernelState& k) {
  return k.y_bound;
}
double weight_of(const detail::KernelState& k) {
  return k.y_weight;
}
double level_of(const detail::KernelState& k) {
  return k.y_level;
}
void coefficients(const detail::KernelState& k, double (&a)[kJ]) {
  a[0] = k.y_space;
  a[1] = k.issue > 0 ? k.issue : 0.0;
  a[2] = k.dram_demand > 0 ? k.dram_demand : 0.0;
}

// A kernel into or out of one set's sums (B's with per = u0, L's with per = w0): a_j per added to
// or taken from load_j for each constraint it uses, counted in members_j; a sum without members
// is 0 exactly (no rounding left over).
void add_to_sums(double (&load)[kJ], uint32_t (&members)[kJ], const detail::KernelState& k, double per) {
  double a[kJ];
  coefficients(k, a);
  for (int j = 0; j < kJ; ++j) {
    if (a[j] <= 0) continue;
    load[j] += a[j] * per;
    ++members[j];
  }
}
void remove_from_sums(double (&load)[kJ], uint32_t (&members)[kJ], const detail::KernelState& k, double per) {
  double a[kJ];
  coefficients(k, a);
  for (int j = 0; j < kJ; ++j) {
    if (a[j] <= 0) continue;
    load[j] = --members[j] == 0 ? 0.0 : load[j] - a[j] * per;
  }
}

}  // namespace

void GpuModel::levels_key(KernelState& k) const {
  const double ratio = levels_->keyed_alone ? 1.0 : k.ratio;
  k.y_space = k.space * ratio;
  k.y_bound = 1.0 / (k.alone * ratio);
  k.y_weight = 1.0 / k.y_space;
  k.y_level = k.y_bound / k.y_weight;
}

// Which path computes a change is a matter of cost only (both compute the model; they differ in
// rounding). The level path pays per kernel that moves between B and L and per keying, the general
// path per kernel in flight, so the level path is taken with enough kernels in flight (entering
// at kEnterKernels, leaving below kStayKernels, so that a count near the bound does not toggle
// it) and left for kMovesRetry changes when it moved more than a quarter of the kernels in
// flight per change over kMovesWindow changes (measured: `sharesim bench gpu`, docs/performance.md).
namespace {
constexpr int kEnterKernels = 8;
constexpr int kStayKernels = 4;
constexpr uint32_t kMovesWindow = 256;
constexpr uint32_t kMovesRetry = 4096;
}  // namespace

bool GpuModel::levels_eligible() const {
  // (The cheapest tests first: this runs at every change.)
  if (level_sharing_ == LevelSharing::kAuto &&
      (kernels_in_flight_ < (levels_->active ? kStayKernels : kEnterKernels) || levels_->retry_after > 0)) {
    return false;
  }
  // (MPS: every op may run and copies need no turn, so copies are shared as the general path does.)
  return level_sharing_ != LevelSharing::kOff && grouped_processes_ == 0 && observer_ == nullptr &&
         policy_->kind() == SharingPolicy::kMps;
}

namespace {
// The sums, counts and co-runners emptied (enter_levels, levels_resum).
void reset_sums(detail::LevelState& L) {
  std::fill(std::begin(L.bound_load), std::end(L.bound_load), 0.0);
  std::fill(std::begin(L.level_load), std::end(L.level_load), 0.0);
  std::fill(std::begin(L.members), std::end(L.members), 0U);
  std::fill(std::begin(L.bound_members), std::end(L.bound_members), 0U);
  std::fill(L.process_kernels.begin(), L.process_kernels.end(), 0U);
  std::fill(L.process_dram.begin(), L.process_dram.end(), 0.0);
  L.processes = 0;
  L.dram_total = 0;
}
}  // namespace

void GpuModel::levels_add_co_runner(uint32_t index) {
  Levels& L = *levels_;
  const InFlightOp& op = ops_[index];
  if (L.process_kernels[op.process]++ == 0) ++L.processes;
  L.process_dram[op.process] += op.kernel().dram_use;
  L.dram_total += op.kernel().dram_use;
}

// (A process's or the GPU's DRAM sum is 0 exactly once its last co-runner is gone.)
void GpuModel::levels_remove_co_runner(uint32_t index) {
  Levels& L = *levels_;
  const InFlightOp& op = ops_[index];
  if (--L.process_kernels[op.process] == 0) {
    --L.processes;
    L.process_dram[op.process] = 0;
  } else {
    L.process_dram[op.process] -= op.kernel().dram_use;
  }
  L.dram_total = L.processes == 0 ? 0.0 : L.dram_total - op.kernel().dram_use;
}

void GpuModel::sort_by_start(std::vector<uint32_t>& indices) const {
  std::sort(indices.begin(), indices.end(),
            [&](uint32_t a, uint32_t b) { return ops_[a].seq < ops_[b].seq; });
}

void GpuModel::enter_levels(sim::Time now) {
  Levels& L = *levels_;
  assert(!L.active && last_update_ == now);
  L.active = true;
  L.vb = L.vl = L.vb_rate = L.vl_rate = L.vb_at_recompute = L.vl_at_recompute = 0;
  L.recompute_ns = now.count_ns();
  L.changes = 0;
  L.window_changes = 0;
  L.window_moves = 0;
  L.window_kernels = 0;
  L.joined_now.clear();
  L.joined_now_ns = now.count_ns();
  reset_sums(L);
  L.scratch.clear();
  L.copies.clear();
  for (uint32_t index : active_) {
    InFlightOp& op = ops_[index];
    if (!op.is_kernel()) {  // (may_run: the policy's answer at the general path's last recompute)
      L.copies.push_back(index);
      continue;
    }
    KernelState& k = op.kernel();
    if (k.launch_gap_left_ns > 0 || !k.joined) {  // joins at share_by_levels when its gap is over
      k.phase = Levels::kGap;
      k.ref_ns = now.count_ns() + k.launch_gap_left_ns;
      L.gaps.push(index, k.ref_ns, op.seq);
      continue;
    }
    levels_add_co_runner(index);
    L.scratch.push_back(index);
  }
  L.keyed_alone = L.processes <= 1;
  for (uint32_t index : L.scratch) {
    levels_key(ops_[index].kernel());
    levels_join(index, ops_[index].kernel().solo_ns_left);
    if (ops_[index].kernel().joined_at_ns == now.count_ns())
      L.joined_now.emplace_back(index, ops_[index].seq);
  }
  active_.clear();
}

void GpuModel::levels_join(uint32_t index, double work_left) {
  Levels& L = *levels_;
  InFlightOp& op = ops_[index];
  KernelState& k = op.kernel();
  k.phase = Levels::kLevel;
  k.v_end = L.vl + work_left / weight_of(k);
  L.level_finish.push(index, k.v_end, op.seq);
  L.level_levels.push(index, level_of(k), op.seq);
  add_to_sums(L.level_load, L.members, k, weight_of(k));
}

double GpuModel::levels_work_left(const KernelState& k) const {
  const Levels& L = *levels_;
  if (k.phase == Levels::kBound) return std::max(0.0, (k.v_end - L.vb) * bound_of(k));
  if (k.phase == Levels::kLevel) return std::max(0.0, (k.v_end - L.vl) * weight_of(k));
  return k.solo_ns_left;
}

void GpuModel::levels_to_bound(uint32_t index) {
  Levels& L = *levels_;
  InFlightOp& op = ops_[index];
  KernelState& k = op.kernel();
  assert(k.phase == Levels::kLevel);
  const double work_left = levels_work_left(k);
  levels_leave(index);
  k.phase = Levels::kBound;
  const double u = bound_of(k);
  k.v_end = L.vb + work_left / u;
  L.bound_finish.push(index, k.v_end, op.seq);
  L.bound_levels.push(index, -level_of(k), op.seq);
  add_to_sums(L.bound_load, L.bound_members, k, u);
}

void GpuModel::levels_to_level(uint32_t index) {
  KernelState& k = ops_[index].kernel();
  assert(k.phase == Levels::kBound);
  const double work_left = levels_work_left(k);
  levels_leave(index);
  levels_join(index, work_left);
}

// Out of B or L and their sums. The co-runner counts are the callers' (a kernel that moves
// between B and L stays a co-runner).
void GpuModel::levels_leave(uint32_t index) {
  Levels& L = *levels_;
  KernelState& k = ops_[index].kernel();
  if (k.phase == Levels::kBound) {
    L.bound_finish.erase(index);
    L.bound_levels.erase(index);
    remove_from_sums(L.bound_load, L.bound_members, k, bound_of(k));
  } else if (k.phase == Levels::kLevel) {
    L.level_finish.erase(index);
    L.level_levels.erase(index);
    remove_from_sums(L.level_load, L.members, k, weight_of(k));
  }
  k.phase = Levels::kNone;
}

// The clocks rebased to 0 and the sums and co-runners summed afresh, in heap order (deterministic).
void GpuModel::levels_resum() {
  Levels& L = *levels_;
  L.changes = 0;
  reset_sums(L);
  auto refill = [&](detail::IndexedHeap<double>& finish, double clock, double(&load)[kJ],
                    uint32_t(&members)[kJ], bool bound) {
    L.scratch.clear();
    finish.for_each([&](uint32_t index) { L.scratch.push_back(index); });
    finish.clear();
    for (uint32_t index : L.scratch) {
      KernelState& k = ops_[index].kernel();
      k.v_end -= clock;
      finish.push(index, k.v_end, ops_[index].seq);
      add_to_sums(load, members, k, bound ? bound_of(k) : weight_of(k));
      levels_add_co_runner(index);
    }
  };
  refill(L.bound_finish, L.vb, L.bound_load, L.bound_members, true);
  refill(L.level_finish, L.vl, L.level_load, L.members, false);
  L.vb_at_recompute -= L.vb;
  L.vl_at_recompute -= L.vl;
  L.vb = L.vl = 0;
}

bool GpuModel::share_by_levels(sim::Time now) {
  Levels& L = *levels_;
  assert(L.active && last_update_ == now);
  const int64_t now_ns = now.count_ns();
  if (++L.changes >= kResumEvery) levels_resum();
  if (L.joined_now_ns != now_ns) {
    L.joined_now.clear();
    L.joined_now_ns = now_ns;
  }
  // Kernels whose launch gap is over join the co-runners.
  std::vector<uint32_t>& joining = L.scratch;
  joining.clear();
  while (!L.gaps.empty() && L.gaps.top_key() <= now_ns) joining.push_back(L.gaps.pop());
  for (uint32_t index : joining) {
    ops_[index].kernel().launch_gap_left_ns = 0;
    ops_[index].kernel().phase = Levels::kNone;
    levels_add_co_runner(index);
  }
  // One process alone (r = 1 for all) or several (each kernel's ratio): a change between the two
  // keys every kernel of B and L again, O(n log n); it happens when the second client's kernels
  // start sharing the GPU or the last but one's stop.
  if ((L.processes <= 1) != L.keyed_alone) {
    std::vector<uint32_t>& keyed = L.rekeyed;
    keyed.clear();
    L.bound_finish.for_each([&](uint32_t index) { keyed.push_back(index); });
    L.level_finish.for_each([&](uint32_t index) { keyed.push_back(index); });
    for (uint32_t index : keyed) {
      KernelState& k = ops_[index].kernel();
      k.solo_ns_left = levels_work_left(k);
      levels_leave(index);
    }
    L.window_moves += keyed.size();
    L.keyed_alone = !L.keyed_alone;
    for (uint32_t index : keyed) {
      levels_key(ops_[index].kernel());
      levels_join(index, ops_[index].kernel().solo_ns_left);
    }
  }
  const double gpu = gpu_interference(L.processes, L.dram_total);
  auto representable = [&](const KernelState& k) {
    return k.alone > 0 && k.ratio > 0 && k.space > 0 && std::isfinite(k.y_weight) &&
           std::isfinite(k.y_bound) && std::isfinite(k.y_level);
  };
  bool ok = true;
  // The kernels that joined earlier at this instant take their ratio again from the co-runners now
  // (share_kernels's rule), then the joining ones take theirs.
  for (const auto& [index, seq] : L.joined_now) {
    InFlightOp& op = ops_[index];
    if (!op.in_use || op.seq != seq || !op.is_kernel()) continue;  // finished since
    KernelState& k = op.kernel();
    if (k.phase != Levels::kBound && k.phase != Levels::kLevel) continue;
    k.solo_ns_left = levels_work_left(k);
    levels_leave(index);
    k.ratio = interference_ratio(L.processes, L.dram_total, L.process_dram[op.process], gpu);
    levels_key(k);
    if (!representable(k)) {
      ok = false;  // (leave_levels gives it back to the general path with its work)
      continue;
    }
    levels_join(index, k.solo_ns_left);
  }
  for (uint32_t index : joining) {
    InFlightOp& op = ops_[index];
    KernelState& k = op.kernel();
    if (!k.joined) {
      k.joined = true;
      k.joined_at_ns = now_ns;
    }
    if (k.joined_at_ns == now_ns) {
      k.ratio = interference_ratio(L.processes, L.dram_total, L.process_dram[op.process], gpu);
      L.joined_now.emplace_back(index, op.seq);
    }
    levels_key(k);
    if (!representable(k)) {
      ok = false;
      continue;
    }
    levels_join(index, k.solo_ns_left);
  }
  if (!ok) return false;

  // The level: move kernels between B and L until B = {l_k < lambda}. Moving a kernel of L below
  // lambda to B lowers every filling function at lambda, so lambda rises; moving a kernel of B above
  // lambda to L raises them, so lambda falls: each direction is monotone and they cannot alternate.
  const auto sm_count = static_cast<double>(profile_.sm_count);
  const double bandwidth = profile_.dram_bandwidth_effective * 1e-9;
  const double capacity[kJ] = {sm_count, sm_count * gpu, bandwidth * gpu};
  constexpr double kInf = std::numeric_limits<double>::infinity();
  double at[kJ];
  auto level_now = [&] {
    double lowest = kInf;
    for (int j = 0; j < kJ; ++j) {
      const double room = capacity[j] - L.bound_load[j];
      at[j] = L.members[j] > 0 ? room / L.level_load[j] : (room >= 0 ? kInf : -kInf);
      lowest = std::min(lowest, at[j]);
    }
    return lowest;
  };
  double lambda = level_now();
  const size_t steps = 2 * (L.bound_finish.size() + L.level_finish.size()) + 8;
  for (size_t step = 0;; ++step) {
    if (step > steps) return false;  // (rounding at a tie: let the general path decide)
    if (!L.level_levels.empty() && L.level_levels.top_key() < lambda) {
      levels_to_bound(L.level_levels.top());
    } else if (!L.bound_levels.empty() && -L.bound_levels.top_key() > lambda) {
      levels_to_level(L.bound_levels.top());
    } else {
      break;
    }
    ++L.window_moves;
    lambda = level_now();
  }
  if (!L.level_finish.empty()) {
    // One round: a constraint that holds every kernel of L fills at lambda, so none can rise.
    bool one_round = false;
    for (int j = 0; j < kJ; ++j)
      one_round = one_round || (at[j] == lambda && L.members[j] == L.level_finish.size());
    if (!one_round || !(lambda > 0) || !std::isfinite(lambda)) return false;
  }

  // The cost check: more moves than a quarter of the kernels in flight per change, over a window.
  L.window_kernels += static_cast<uint64_t>(kernels_in_flight_);
  if (++L.window_changes == kMovesWindow) {
    const bool costly = L.window_moves * 4 > L.window_kernels;
    L.window_changes = 0;
    L.window_moves = 0;
    L.window_kernels = 0;
    if (costly && level_sharing_ == LevelSharing::kAuto) {
      L.retry_after = kMovesRetry;
      return false;
    }
  }

  // What the GPU uses (x sigma = y sigma0; DRAM bytes = y b / I_gpu), and the next event: a gap's
  // end, a finish at a bound, a finish at the level.
  if (L.level_finish.empty()) lambda = 0;
  L.vb_rate = 1.0 / gpu;
  L.vl_rate = lambda / gpu;
  sim::Time next = policy_->next_event();
  if (!L.level_finish.empty()) {
    next = std::min(next, detail::time_to_finish(now, L.level_finish.top_key() - L.vl, L.vl_rate));
  }
  if (!L.bound_finish.empty()) {
    next = std::min(next, detail::time_to_finish(now, L.bound_finish.top_key() - L.vb, L.vb_rate));
  }
  if (!L.gaps.empty()) next = std::min(next, sim::Time::ns(L.gaps.top_key()));
  usage_ = Usage{};
  usage_.kernel_busy = !L.bound_finish.empty() || !L.level_finish.empty();
  usage_.sms_used = L.bound_load[0] + lambda * L.level_load[0];
  usage_.dram_fraction = (L.bound_load[2] + lambda * L.level_load[2]) / gpu / bandwidth;
  if (!L.copies.empty()) share_copies(L.copies, now, next);
  L.vb_at_recompute = L.vb;
  L.vl_at_recompute = L.vl;
  L.recompute_ns = now_ns;
  check_invariants();
  reschedule(next);
  return true;
}

void GpuModel::advance_levels(sim::Time now) {
  Levels& L = *levels_;
  if (now == last_update_) return;
  integrals_.add(last_update_, now, usage_, profile_.sm_count);
  const int64_t dt_ns = (now - last_update_).count_ns();
  const auto dt = static_cast<double>(dt_ns);
  L.vb += L.vb_rate * dt;
  L.vl += L.vl_rate * dt;
  for (uint32_t index : L.copies) ops_[index].advance(dt_ns, dt);
  last_update_ = now;
}

// settle() on the level path: the kernels due at `now` are those whose finish, computed at the
// last recompute, is not after now; they finish in start order, as the general path's do.
void GpuModel::settle_levels(sim::Time now) {
  Levels& L = *levels_;
  advance_levels(now);
  due_.clear();
  auto done = [&](uint32_t index) {
    levels_leave(index);
    levels_remove_co_runner(index);
    due_.push_back(index);
  };
  const sim::Time computed_at = sim::Time::ns(L.recompute_ns);
  while (!L.bound_finish.empty() &&
         detail::time_to_finish(computed_at, L.bound_finish.top_key() - L.vb_at_recompute, L.vb_rate) <=
             now) {
    done(L.bound_finish.top());
  }
  while (!L.level_finish.empty() &&
         detail::time_to_finish(computed_at, L.level_finish.top_key() - L.vl_at_recompute, L.vl_rate) <=
             now) {
    done(L.level_finish.top());
  }
  if (!L.copies.empty()) {  // copies due as settle() finds them: running and their phase over
    size_t kept = 0;
    for (uint32_t index : L.copies) {
      if (ops_[index].running() && ops_[index].next_at <= now) {
        due_.push_back(index);
      } else {
        L.copies[kept++] = index;
      }
    }
    L.copies.resize(kept);
  }
  if (due_.size() > 1) sort_by_start(due_);
  for (uint32_t index : due_) finish_op(index, now);
}

void GpuModel::leave_levels(sim::Time now) {
  Levels& L = *levels_;
  assert(L.active && last_update_ == now);
  const int64_t now_ns = now.count_ns();
  active_.clear();
  for (uint32_t index = 0; index < ops_.size(); ++index) {
    InFlightOp& op = ops_[index];
    if (!op.in_use) continue;
    active_.push_back(index);
    if (!op.is_kernel()) continue;  // a copy: advance_levels kept its progress exact
    // A kernel gets its gap or work left; its rate is the general path's next recompute's (that
    // follows every leave_levels before anything reads rates).
    KernelState& k = op.kernel();
    if (k.phase == Levels::kGap) {
      k.launch_gap_left_ns = std::max<int64_t>(0, k.ref_ns - now_ns);
    } else if (k.phase == Levels::kBound || k.phase == Levels::kLevel) {
      k.solo_ns_left = levels_work_left(k);
    }
    k.phase = Levels::kNone;
  }
  sort_by_start(active_);
  L.gaps.clear();
  L.bound_finish.clear();
  L.bound_levels.clear();
  L.level_finish.clear();
  L.level_levels.clear();
  L.copies.clear();
  L.active = false;
}

void GpuModel::check_level_invariants() const {
#ifndef NDEBUG
  const Levels& L = *levels_;
  size_t kernels = 0;
  std::vector<uint32_t> sharing(processes_.size(), 0);
  for (uint32_t index = 0; index < ops_.size(); ++index) {
    const InFlightOp& op = ops_[index];
    if (!op.in_use) continue;
    assert(streams_[op.stream].active_op == static_cast<int32_t>(index));
    if (!op.is_kernel()) continue;
    ++kernels;
    const KernelState& k = op.kernel();
    assert(L.gaps.contains(index) == (k.phase == Levels::kGap));
    assert(L.bound_finish.contains(index) == (k.phase == Levels::kBound));
    assert(L.bound_levels.contains(index) == (k.phase == Levels::kBound));
    assert(L.level_finish.contains(index) == (k.phase == Levels::kLevel));
    assert(L.level_levels.contains(index) == (k.phase == Levels::kLevel));
    if (k.phase == Levels::kBound || k.phase == Levels::kLevel) ++sharing[op.process];
  }
  assert(kernels == L.gaps.size() + L.bound_finish.size() + L.level_finish.size());
  assert(L.copies.size() == copies_in_flight_);
  for (size_t i = 1; i < L.copies.size(); ++i) assert(ops_[L.copies[i - 1]].seq < ops_[L.copies[i]].seq);
  int processes = 0;
  for (ProcessId p = 0; p < processes_.size(); ++p) {
    assert(sharing[p] == L.process_kernels[p]);
    processes += sharing[p] > 0 ? 1 : 0;
  }
  assert(processes == L.processes);
  // I3: the SM-space held is within the GPU.
  assert(usage_.sms_used <= profile_.sm_count * (1 + 1e-6));
#endif
}

}  // namespace sharesim::models
