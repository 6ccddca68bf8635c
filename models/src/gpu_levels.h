// The level path of GpuModel's sharing (gpu_levels.cpp): the state that lets a change under MPS
// cost O(log n) in the kernels in flight instead of O(n). Private to the models library.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "sharesim/sim/time.h"

namespace sharesim::models::detail {

// Nanoseconds until `remaining` work is done at `rate` (rounded up, so work never finishes early
// by rounding; within kFinishSlackNs of now it is done now), or Time::max() when the rate is zero.
// Shared by both paths (gpu_rates.cpp, gpu_levels.cpp).
inline constexpr double kFinishSlackNs = 1e-9;
inline sim::Time time_to_finish(sim::Time now, double remaining, double rate) {
  if (rate <= 0) return sim::Time::max();
  const double ns = remaining / rate;
  if (ns <= kFinishSlackNs) return now;
  const double limit = static_cast<double>(sim::Time::max().count_ns() - now.count_ns());
  if (ns >= limit) return sim::Time::max();
  // std::ceil(ns - slack) in integers (exact: 0 < ns - slack < 2^63; not a libm call without SSE4.1).
  const double x = ns - kFinishSlackNs;
  auto whole = static_cast<int64_t>(x);
  if (static_cast<double>(whole) < x) ++whole;
  return now + sim::Time::ns(whole);
}

// A binary min-heap of ids (small dense integers: op slots) by key, ties broken by `tie` (the
// op's start sequence, so that equal keys come out in start order), with removal by id.
// INVARIANT: pos_[id] is id's index in heap_ when it is a member, kAbsent otherwise.
template <class Key>
class IndexedHeap {
 public:
  static constexpr uint32_t kAbsent = ~uint32_t{0};

  [[nodiscard]] bool empty() const { return heap_.empty(); }
  [[nodiscard]] size_t size() const { return heap_.size(); }
  [[nodiscard]] uint32_t top() const { return heap_.front().id; }
  [[nodiscard]] Key top_key() const { return heap_.front().key; }
  [[nodiscard]] bool contains(uint32_t id) const { return id < pos_.size() && pos_[id] != kAbsent; }

  void push(uint32_t id, Key key, uint64_t tie) {
    if (id >= pos_.size()) pos_.resize(id + 1, kAbsent);
    heap_.push_back({key, tie, id});
    pos_[id] = static_cast<uint32_t>(heap_.size() - 1);
    up(heap_.size() - 1);
  }
  uint32_t pop() {
    const uint32_t id = top();
    erase(id);
    return id;
  }
  void erase(uint32_t id) {
    const size_t at = pos_[id];
    pos_[id] = kAbsent;
    if (at + 1 == heap_.size()) {
      heap_.pop_back();
      return;
    }
    const uint32_t moved = heap_.back().id;
    heap_[at] = heap_.back();
    heap_.pop_back();
    pos_[moved] = static_cast<uint32_t>(at);
    up(at);
    down(pos_[moved]);  // (nothing to do when it went up)
  }
  void clear() {
    for (const Entry& e : heap_) pos_[e.id] = kAbsent;
    heap_.clear();
  }
  // The members in heap order (no particular order), for passes that visit all of them.
  template <class F>
  void for_each(F&& f) const {
    for (const Entry& e : heap_) f(e.id);
  }

 private:
  struct Entry {
    Key key;
    uint64_t tie;
    uint32_t id;
  };
  static bool before(const Entry& a, const Entry& b) {
    return a.key < b.key || (a.key == b.key && a.tie < b.tie);
  }
  void place(size_t i, const Entry& e) {
    heap_[i] = e;
    pos_[e.id] = static_cast<uint32_t>(i);
  }
  void up(size_t i) {
    const Entry e = heap_[i];
    while (i > 0) {
      const size_t parent = (i - 1) / 2;
      if (!before(e, heap_[parent])) break;
      place(i, heap_[parent]);
      i = parent;
    }
    place(i, e);
  }
  void down(size_t i) {
    const Entry e = heap_[i];
    const size_t n = heap_.size();
    for (;;) {
      size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
      if (!before(heap_[child], e)) break;
      place(i, heap_[child]);
      i = child;
    }
    place(i, e);
  }
  std::vector<Entry> heap_;
  std::vector<uint32_t> pos_;
};

// What the level path keeps while it holds the kernels (LevelState::active). With I_gpu(t) the
// GPU-wide interference (gpu.h KernelState), a kernel's bound and weight are u0 / I_gpu and
// w0 / I_gpu with u0 = 1 / (T r) and w0 = 1 / (space r), r its ratio (1 while one process alone
// shares the GPU, when I_gpu = 1 too): in y = x I_gpu the system
// is y_k = min(u0_k, w0_k lambda) with capacities C_space, C_issue I_gpu, C_dram I_gpu. A kernel
// past its launch gap is at its bound (B: y = u0) or at the level (L: y = w0 lambda). Progress is
// kept in two virtual clocks, vb = integral of dt / I_gpu and vl = integral of lambda dt / I_gpu:
// a kernel of B with work W at vb0 finishes when vb reaches vb0 + W / u0, one of L with work W at
// vl0 when vl reaches vl0 + W / w0. So a change that moves lambda or I_gpu touches no kernel.
struct LevelState {
  enum Phase : uint8_t { kNone = 0, kGap, kBound, kLevel };
  static constexpr int kConstraints = 3;  // SM-space, issue, DRAM (gpu_rates.cpp share_kernels)

  bool active = false;               // the level path holds the kernels' state; GpuModel::active_ is not kept
  IndexedHeap<int64_t> gaps;         // kGap, by the end of the launch gap (ns)
  IndexedHeap<double> bound_finish;  // kBound, by the value of vb at which it finishes
  IndexedHeap<double> bound_levels;  // kBound, by -l (the highest level first), l = u0 / w0
  IndexedHeap<double> level_finish;  // kLevel, by the value of vl at which it finishes
  IndexedHeap<double> level_levels;  // kLevel, by l (the lowest first)

  double vb = 0, vl = 0;            // the virtual clocks at GpuModel::last_update_
  double vb_rate = 0, vl_rate = 0;  // their rates since the last recompute: 1 / I_gpu, lambda / I_gpu
                                    //   (lambda 0 when L is empty)
  double vb_at_recompute = 0, vl_at_recompute = 0;  // the clocks and the time at the last recompute:
  int64_t recompute_ns = 0;                         //   what the next events were computed from
  double bound_load[kConstraints] = {};             // A_j = sum over B of a_j u0
  double level_load[kConstraints] = {};             // S_j = sum over L of a_j w0
  uint32_t members[kConstraints] = {};              // kernels of L with a_j > 0 (S_j is 0 without)
  uint32_t bound_members[kConstraints] = {};        // kernels of B with a_j > 0 (A_j is 0 without)
  // The co-runners (kernels of B and L): what I_gpu and a joining kernel's ratio are taken from.
  std::vector<uint32_t> process_kernels;
  std::vector<double> process_dram;
  int processes = 0;  // processes with a kernel in B or L
  double dram_total = 0;
  // True when the keys and sums of B and L were computed with r = 1 (one process shares the
  // GPU): when that changes every kernel of B and L is keyed again.
  bool keyed_alone = true;
  // Kernels that joined at joined_now_ns: their ratio is taken again while that instant lasts.
  std::vector<std::pair<uint32_t, uint64_t>> joined_now;  // op slot, its start sequence
  int64_t joined_now_ns = -1;
  uint32_t changes = 0;          // recomputes since the sums were last summed afresh
  uint32_t window_changes = 0;   // the cost check (gpu_levels.cpp levels_eligible): changes,
  uint64_t window_moves = 0;     //   kernels moved between B and L or keyed again,
  uint64_t window_kernels = 0;   //   and kernels in flight summed over the changes of the window
  uint32_t retry_after = 0;      // general recomputes before the level path is tried again
  std::vector<uint32_t> copies;  // the copies in flight, in start order (shared by share_copies)
  std::vector<uint32_t> scratch, rekeyed;
};

}  // namespace sharesim::models::detail
