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
  const auto n = static_cast<uint32_t>(s.bound_.size());
  const size_t m = s.capacity_.size();
  auto uses_end = [&](size_t i) { return i + 1 < n ? s.first_use_[i + 1] : s.uses_.size(); };
  s.value_.assign(n, 0.0);
  s.left_.assign(s.capacity_.begin(), s.capacity_.end());
  s.full_.assign(m, 0);
  s.load_.assign(m, 0.0);
  // Fast path: when every constraint holds with every variable at its bound, that is the answer.
  // The same pass finds the constraints that can bind at all (the others are left out below).
  bool bounded = true;
  for (uint32_t i = 0; i < n; ++i) {
    bounded = bounded && s.bound_[i] < MaxMinSystem::kUnbounded;
    for (size_t u = s.first_use_[i]; u < uses_end(i); ++u) {
      s.load_[s.uses_[u].constraint] += s.uses_[u].usage * s.bound_[i];
    }
  }
  s.binding_.clear();
  for (size_t c = 0; c < m; ++c) {
    if (!bounded || s.load_[c] > s.capacity_[c] * (1 - kEps)) s.binding_.push_back(static_cast<uint32_t>(c));
  }
  if (s.binding_.empty()) {
    std::copy(s.bound_.begin(), s.bound_.end(), s.value_.begin());
    return;
  }
  // Members of each binding constraint (CSR), the unfrozen load a_ij w_i and member count on it.
  s.member_start_.assign(m + 1, 0);
  s.members_left_.assign(m, 0);
  std::fill(s.load_.begin(), s.load_.end(), 0.0);
  for (uint32_t c : s.binding_) s.full_[c] = 2;  // 2: may bind, not full yet
  for (uint32_t i = 0; i < n; ++i) {
    for (size_t u = s.first_use_[i]; u < uses_end(i); ++u) {
      const uint32_t c = s.uses_[u].constraint;
      if (s.full_[c] != 2) continue;
      ++s.member_start_[c + 1];
      if (s.bound_[i] > 0) {
        s.load_[c] += s.uses_[u].usage * s.weight_[i];
        ++s.members_left_[c];
      }
    }
  }
  for (size_t c = 0; c < m; ++c) s.member_start_[c + 1] += s.member_start_[c];
  s.members_.resize(s.member_start_[m]);
  s.member_fill_.assign(s.member_start_.begin(), s.member_start_.end() - 1);
  for (uint32_t i = 0; i < n; ++i) {
    for (size_t u = s.first_use_[i]; u < uses_end(i); ++u) {
      const uint32_t c = s.uses_[u].constraint;
      if (s.full_[c] == 2) s.members_[s.member_fill_[c]++] = i;
    }
  }
  // The variables still growing (a linear scan per round finds the lowest bound level: rounds
  // are few in practice, and this avoids sorting every time).
  s.unfrozen_.clear();
  s.frozen_.assign(n, 0);
  for (uint32_t i = 0; i < n; ++i) {
    if (s.bound_[i] > 0) {
      s.unfrozen_.push_back(i);
    } else {
      s.frozen_[i] = 1;
    }
  }
  size_t left = s.unfrozen_.size();
  auto freeze = [&](uint32_t i, double x) {
    s.value_[i] = x;
    s.frozen_[i] = 1;
    --left;
    for (size_t u = s.first_use_[i]; u < uses_end(i); ++u) {
      const uint32_t c = s.uses_[u].constraint;
      s.left_[c] -= s.uses_[u].usage * x;
      if (s.full_[c] == 2) {
        s.load_[c] -= s.uses_[u].usage * s.weight_[i];
        --s.members_left_[c];
      }
    }
  };
  while (left > 0) {
    // Drop the frozen from the list; find the lowest bound level among the others.
    double level = MaxMinSystem::kUnbounded;
    size_t keep = 0;
    for (uint32_t i : s.unfrozen_) {
      if (s.frozen_[i] != 0) continue;
      s.unfrozen_[keep++] = i;
      level = std::min(level, s.bound_[i] / s.weight_[i]);
    }
    s.unfrozen_.resize(keep);
    for (uint32_t c : s.binding_) {
      if (s.full_[c] == 2 && s.members_left_[c] > 0 && s.load_[c] > 0) {
        level = std::min(level, std::max(0.0, s.left_[c]) / s.load_[c]);
      }
    }
    if (level == MaxMinSystem::kUnbounded) {  // unbounded variables that use nothing binding
      for (uint32_t i : s.unfrozen_) s.value_[i] = MaxMinSystem::kUnbounded;
      break;
    }
    const double limit = level * (1 + kEps);
    const size_t before = left;
    // Variables whose bound is reached at this level.
    for (uint32_t i : s.unfrozen_) {
      if (s.frozen_[i] == 0 && s.bound_[i] / s.weight_[i] <= limit) {
        freeze(i, std::min(s.bound_[i], s.weight_[i] * level));
      }
    }
    // Constraints full at this level (to the relative precision) freeze all their variables.
    for (uint32_t c : s.binding_) {
      if (s.full_[c] != 2 || s.members_left_[c] == 0) continue;
      if (s.left_[c] > s.capacity_[c] * kEps && s.left_[c] > limit * s.load_[c]) continue;
      s.full_[c] = 1;
      for (uint32_t k = s.member_start_[c]; k < s.member_start_[c + 1]; ++k) {
        const uint32_t i = s.members_[k];
        if (s.frozen_[i] == 0) freeze(i, std::min(s.bound_[i], s.weight_[i] * level));
      }
    }
    assert(left < before);  // each round freezes at least one variable
    (void)before;
  }
#ifndef NDEBUG
  for (size_t c = 0; c < m; ++c) {
    assert(s.usage(static_cast<MaxMinSystem::Id>(c)) <= s.capacity_[c] * (1 + 1e-6) + 1e-12);
  }
#endif
}

// ---- DenseMaxMinSystem ------------------------------------------------------------------------------
void DenseMaxMinSystem::reset(std::span<const double> capacities) {
  assert(capacities.size() <= kMaxConstraints);
  variables_.clear();
  constraints_ = capacities.size();
  capacity_.fill(0.0);
  std::copy(capacities.begin(), capacities.end(), capacity_.begin());
}

double DenseMaxMinSystem::usage(Id constraint) const {
  double used = 0;
  for (size_t i = 0; i < variables_.size(); ++i) {
    if (variables_[i].usage[constraint] > 0) used += variables_[i].usage[constraint] * value_[i];
  }
  return used;
}

// ProgressiveFilling::solve step by step (keep the two in step: the comments there apply), on the
// dense layout: a constraint's members are the variables with a positive usage of it, in order.
void DenseMaxMinSystem::solve() {
  constexpr double kEps = MaxMinSystem::kRelativePrecision;
  const auto n = static_cast<uint32_t>(variables_.size());
  const size_t m = constraints_;
  value_.assign(n, 0.0);
  // One pass, in the order of the variables (as ProgressiveFilling sums): the loads at the bounds
  // sum_i a_ij u_i, the loads at the weights sum_i a_ij w_i and the members of each constraint
  // over the variables that grow (u_i > 0), and the lowest bound level min u_i / w_i.
  Usages bound_load{};
  Usages weight_load{};
  std::array<uint32_t, kMaxConstraints> members{};
  double lowest_bound_level = MaxMinSystem::kUnbounded;
  bool bounded = true;
  for (Variable& v : variables_) {
    v.level = v.bound / v.weight;
    bounded = bounded && v.bound < MaxMinSystem::kUnbounded;
    const bool grows = v.bound > 0;
    if (grows) lowest_bound_level = std::min(lowest_bound_level, v.level);
    for (size_t c = 0; c < kMaxConstraints; ++c) {  // usage 0 past the constraint count
      if (!(v.usage[c] > 0)) continue;
      bound_load[c] += v.usage[c] * v.bound;
      if (grows) {
        weight_load[c] += v.usage[c] * v.weight;
        ++members[c];
      }
    }
  }
  std::array<bool, kMaxConstraints> binding{};
  bool any_binding = false;
  for (size_t c = 0; c < m; ++c) {
    binding[c] = !bounded || bound_load[c] > capacity_[c] * (1 - kEps);
    any_binding = any_binding || binding[c];
  }
  if (!any_binding) {
    for (uint32_t i = 0; i < n; ++i) value_[i] = variables_[i].bound;
    return;
  }
  Usages left = capacity_;
  Usages load = weight_load;
  std::array<uint32_t, kMaxConstraints> members_left = members;
  std::array<bool, kMaxConstraints> may_bind = binding;  // binding and not full yet
  // The variables still growing: in the first round every variable with u_i > 0 (all of them
  // in practice), listed only if a second round comes.
  frozen_.resize(n);
  size_t unfrozen_count = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const bool grows = variables_[i].bound > 0;
    frozen_[i] = grows ? 0 : 1;
    unfrozen_count += grows ? 1 : 0;
  }
  bool first_round = true;
  // Freezing is split in two: the values and flags of the variables frozen together, then what
  // they take from their constraints (in the same order as ProgressiveFilling's freeze, so the
  // same sums). The second part is skipped once nothing is left unfrozen: nothing reads it then.
  auto freeze = [&](uint32_t i, double x) {
    value_[i] = x;
    frozen_[i] = 1;
    --unfrozen_count;
    just_frozen_.push_back(i);
  };
  auto take_capacity = [&] {
    for (uint32_t i : just_frozen_) {
      const Variable& v = variables_[i];
      for (size_t c = 0; c < m; ++c) {
        if (!(v.usage[c] > 0)) continue;
        left[c] -= v.usage[c] * value_[i];
        if (may_bind[c]) {
          load[c] -= v.usage[c] * v.weight;
          --members_left[c];
        }
      }
    }
    just_frozen_.clear();
  };
  just_frozen_.clear();
  while (unfrozen_count > 0) {
    double level = MaxMinSystem::kUnbounded;
    if (first_round) {  // nothing frozen yet: the lowest bound level was found above
      level = lowest_bound_level;
    } else {
      unfrozen_.clear();
      for (uint32_t i = 0; i < n; ++i) {
        if (frozen_[i] != 0) continue;
        unfrozen_.push_back(i);
        level = std::min(level, variables_[i].level);
      }
    }
    for (size_t c = 0; c < m; ++c) {
      if (may_bind[c] && members_left[c] > 0 && load[c] > 0) {
        level = std::min(level, std::max(0.0, left[c]) / load[c]);
      }
    }
    if (level == MaxMinSystem::kUnbounded) {
      for (uint32_t i = 0; i < n; ++i) {
        if (frozen_[i] == 0) value_[i] = MaxMinSystem::kUnbounded;
      }
      break;
    }
    const double limit = level * (1 + kEps);
    const size_t before = unfrozen_count;
    auto freeze_at_bound = [&](uint32_t i) {
      const Variable& v = variables_[i];
      if (frozen_[i] == 0 && v.level <= limit) freeze(i, std::min(v.bound, v.weight * level));
    };
    if (first_round) {
      for (uint32_t i = 0; i < n; ++i) freeze_at_bound(i);
      first_round = false;
    } else {
      for (uint32_t i : unfrozen_) freeze_at_bound(i);
    }
    if (unfrozen_count == 0) break;
    take_capacity();
    for (size_t c = 0; c < m; ++c) {
      if (!may_bind[c] || members_left[c] == 0) continue;
      if (left[c] > capacity_[c] * kEps && left[c] > limit * load[c]) continue;
      may_bind[c] = false;  // full
      for (uint32_t i = 0; i < n; ++i) {
        const Variable& v = variables_[i];
        if (v.usage[c] > 0 && frozen_[i] == 0) freeze(i, std::min(v.bound, v.weight * level));
      }
      if (unfrozen_count == 0) break;
      take_capacity();
    }
    assert(unfrozen_count < before);  // each round freezes at least one variable
    (void)before;
  }
#ifndef NDEBUG
  for (size_t c = 0; c < m; ++c) {
    assert(usage(static_cast<Id>(c)) <= capacity_[c] * (1 + 1e-6) + 1e-12);
  }
#endif
}

}  // namespace sharesim::models
