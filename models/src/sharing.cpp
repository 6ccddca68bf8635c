// The max-min fair solver (sharing.h has the optimisation and its invariants).
#include "sharesim/models/sharing.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace sharesim::models {

void MaxMinSystem::clear() {
  bound_.clear();
  weight_.clear();
  first_use_.clear();
  value_.clear();
  capacity_.clear();
  uses_.clear();
}

MaxMinSystem::Id MaxMinSystem::add_constraint(double capacity) {
  assert(capacity >= 0);
  capacity_.push_back(capacity);
  return static_cast<Id>(capacity_.size() - 1);
}

MaxMinSystem::Id MaxMinSystem::add_variable(double bound, double weight) {
  assert(bound >= 0 && weight > 0);
  bound_.push_back(bound);
  weight_.push_back(weight);
  first_use_.push_back(static_cast<uint32_t>(uses_.size()));
  return static_cast<Id>(bound_.size() - 1);
}

void MaxMinSystem::add_use(Id variable, Id constraint, double usage) {
  assert(variable + 1 == bound_.size() && constraint < capacity_.size() && usage > 0);
  (void)variable;
  uses_.push_back({constraint, usage});
}

double MaxMinSystem::usage(Id constraint) const {
  double used = 0;
  for (size_t i = 0; i < bound_.size(); ++i) {
    const size_t end = i + 1 < bound_.size() ? first_use_[i + 1] : uses_.size();
    for (size_t u = first_use_[i]; u < end; ++u) {
      if (uses_[u].constraint == constraint) used += uses_[u].usage * value_[i];
    }
  }
  return used;
}

void ProgressiveFilling::solve(MaxMinSystem& s) const {
  constexpr double kEps = MaxMinSystem::kRelativePrecision;
  const size_t n = s.bound_.size();
  const size_t m = s.capacity_.size();
  auto uses_end = [&](size_t i) { return i + 1 < n ? s.first_use_[i + 1] : s.uses_.size(); };
  s.value_.assign(n, 0.0);
  s.left_.assign(s.capacity_.begin(), s.capacity_.end());
  s.full_.assign(m, 0);
  s.load_.resize(m);
  s.unfrozen_.clear();
  for (uint32_t i = 0; i < n; ++i) {
    if (s.bound_[i] > 0) s.unfrozen_.push_back(i);
  }
  while (!s.unfrozen_.empty()) {
    // The unfrozen variables' load on each constraint (recomputed each round: no drift).
    std::fill(s.load_.begin(), s.load_.end(), 0.0);
    double level = MaxMinSystem::kUnbounded;
    for (uint32_t i : s.unfrozen_) {
      level = std::min(level, s.bound_[i] / s.weight_[i]);
      for (size_t u = s.first_use_[i]; u < uses_end(i); ++u) {
        s.load_[s.uses_[u].constraint] += s.uses_[u].usage * s.weight_[i];
      }
    }
    for (size_t c = 0; c < m; ++c) {
      if (s.full_[c] == 0 && s.load_[c] > 0) level = std::min(level, std::max(0.0, s.left_[c]) / s.load_[c]);
    }
    if (level == MaxMinSystem::kUnbounded) {  // unbounded variables that use nothing
      for (uint32_t i : s.unfrozen_) s.value_[i] = MaxMinSystem::kUnbounded;
      break;
    }
    // Constraints that fill at this level (to the relative precision).
    const double limit = level * (1 + kEps);
    for (size_t c = 0; c < m; ++c) {
      if (s.full_[c] != 0 || s.load_[c] <= 0) continue;
      if (s.left_[c] <= s.capacity_[c] * kEps || s.left_[c] <= limit * s.load_[c]) s.full_[c] = 1;
    }
    // Freeze the variables at their bound or on a full constraint; the others keep growing.
    size_t keep = 0;
    for (uint32_t i : s.unfrozen_) {
      bool frozen = s.bound_[i] / s.weight_[i] <= limit;
      for (size_t u = s.first_use_[i]; u < uses_end(i) && !frozen; ++u)
        frozen = s.full_[s.uses_[u].constraint] != 0;
      if (!frozen) {
        s.unfrozen_[keep++] = i;
        continue;
      }
      const double x = std::min(s.bound_[i], s.weight_[i] * level);
      s.value_[i] = x;
      for (size_t u = s.first_use_[i]; u < uses_end(i); ++u)
        s.left_[s.uses_[u].constraint] -= s.uses_[u].usage * x;
    }
    assert(keep < s.unfrozen_.size());  // each round freezes at least one variable
    s.unfrozen_.resize(keep);
  }
#ifndef NDEBUG
  for (size_t c = 0; c < m; ++c)
    assert(s.usage(static_cast<MaxMinSystem::Id>(c)) <= s.capacity_[c] * (1 + 1e-6) + 1e-12);
#endif
}

}  // namespace sharesim::models
