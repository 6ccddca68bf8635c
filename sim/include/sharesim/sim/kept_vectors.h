// Per-thread reuse of vectors' storage between short-lived objects of one kind (the event queue's
// arrays, latency histograms' buckets): a planner worker runs thousands of short simulations one
// after the other, and each would otherwise allocate, regrow by copying and free the same arrays.
// Only capacity is kept, never contents, so nothing that is computed depends on it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace sharesim::sim {

// Up to kMaxKept empty vectors of T per thread. Not for objects that outlive their thread.
template <class T, size_t kMaxKept>
class KeptVectors {
 public:
  // An empty vector with capacity for at least `capacity` elements: a kept one when one is large
  // enough (the largest, when `capacity` is 0), else a new one.
  static std::vector<T> take(size_t capacity) {
    std::vector<std::vector<T>>& kept = stash();
    auto best = kept.end();
    for (auto it = kept.begin(); it != kept.end(); ++it) {
      if (it->capacity() < capacity) continue;
      if (best == kept.end() ||
          (capacity == 0 ? it->capacity() > best->capacity() : it->capacity() < best->capacity())) {
        best = it;
      }
    }
    if (best == kept.end()) {
      std::vector<T> fresh;
      fresh.reserve(capacity);
      return fresh;
    }
    std::vector<T> taken = std::move(*best);
    *best = std::move(kept.back());
    kept.pop_back();
    return taken;
  }

  // Keeps `v`'s storage (emptied) for a later take(); when kMaxKept are kept already, the one with
  // the smallest capacity gives way if `v`'s is larger. Leaves `v` empty without storage.
  static void give_back(std::vector<T>& v) {
    if (v.capacity() == 0) return;
    v.clear();
    std::vector<std::vector<T>>& kept = stash();
    if (kept.size() < kMaxKept) {
      kept.push_back(std::move(v));
    } else {
      auto smallest = std::min_element(
          kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.capacity() < b.capacity(); });
      if (smallest->capacity() < v.capacity()) *smallest = std::move(v);
    }
    v = std::vector<T>{};
  }

 private:
  static std::vector<std::vector<T>>& stash() {
    thread_local std::vector<std::vector<T>> kept;
    return kept;
  }
};

}  // namespace sharesim::sim
