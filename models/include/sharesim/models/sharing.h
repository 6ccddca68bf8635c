// Max-min fair sharing of capacities: a pure solver, separate from the GPU model that uses it
// (after SimGrid's linear max-min system, src/kernel/lmm/System.hpp).
//
// THE OPTIMISATION
//
//   Variables   x_i >= 0, i = 0..n-1: the rate of one consumer (a kernel's SMs, a copy's bytes
//               per ns, ...). Each has a weight w_i > 0 and a bound u_i (its demand; may be +inf).
//   Constraints j = 0..m-1: a shared resource of capacity c_j >= 0, and the usage a_ij >= 0 of
//               it per unit of x_i (0 when i does not use j):
//
//                   sum_i a_ij x_i <= c_j        for every constraint j
//                           x_i    <= u_i        for every variable i
//
//   Objective   max-min fairness on the levels x_i / w_i: the feasible x whose levels, sorted
//               ascending, are lexicographically largest. It exists and is unique, and it is what
//               progressive filling computes: raise one common level L from 0, with x_i = w_i L
//               for every variable not yet frozen; a variable freezes at its value when it reaches
//               its bound or when a constraint it uses (a_ij > 0) becomes full.
//
// INVARIANTS of a solution (checked by the tests, asserted in debug builds)
//  - feasible: every constraint within c_j and every variable within [0, u_i] (to the precision);
//  - every variable is at its bound or uses (a_ij > 0) a saturated constraint on which its level is
//    the highest (the bottleneck condition); a variable that uses no constraint gets its bound;
//  - the result does not depend on the order in which variables and constraints were added.
//
// PRECISION is relative, not absolute: a constraint counts as full when what is left of it is
// below kRelativePrecision x its capacity, and levels within a factor (1 + kRelativePrecision) of
// the lowest are frozen together. So the same answer comes out whether rates are in SMs, bytes per
// ns or bytes per second.
//
// Usage: clear(), add_variable() then the uses of that variable (add_use) in any order, once per
// variable; then a solver's solve(). The system reuses its storage: no allocation in steady state.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace sharesim::models {

class MaxMinSystem {
 public:
  using Id = uint32_t;
  static constexpr double kUnbounded = std::numeric_limits<double>::infinity();
  static constexpr double kRelativePrecision = 1e-9;

  void clear();
  // REQUIRES: capacity >= 0.
  Id add_constraint(double capacity);
  // REQUIRES: bound >= 0, weight > 0.
  Id add_variable(double bound, double weight = 1.0);
  // Variable `variable` uses `usage` (> 0) of constraint `constraint` per unit of its value.
  // REQUIRES: both exist; `variable` is the variable added last.
  void add_use(Id variable, Id constraint, double usage = 1.0);

  [[nodiscard]] size_t variable_count() const { return bound_.size(); }
  [[nodiscard]] size_t constraint_count() const { return capacity_.size(); }
  // The solution (valid after a solver's solve()).
  [[nodiscard]] double value(Id variable) const { return value_[variable]; }
  // What the solution uses of a constraint: sum_i a_ij x_i.
  [[nodiscard]] double usage(Id constraint) const;

 private:
  friend class ProgressiveFilling;
  struct Use {
    Id constraint;
    double usage;
  };
  // Per variable.
  std::vector<double> bound_;
  std::vector<double> weight_;
  std::vector<uint32_t> first_use_;  // uses_[first_use_[i], first_use_[i + 1]) are variable i's
  std::vector<double> value_;
  // Per constraint.
  std::vector<double> capacity_;
  std::vector<Use> uses_;
  // Solver scratch.
  std::vector<double> left_;       // per constraint: capacity not taken by frozen variables
  std::vector<double> load_;       // per constraint: sum of a_ij w_i over unfrozen variables
  std::vector<uint8_t> full_;      // per constraint: 0 cannot bind, 2 may bind, 1 full
  std::vector<uint32_t> binding_;  // constraints that cannot hold with every variable at its bound
  std::vector<uint32_t> member_start_, member_fill_, members_;  // variables of each binding one
  std::vector<uint32_t> members_left_;                          // its unfrozen variables
  std::vector<uint32_t> unfrozen_;                              // variables by ascending bound level
  std::vector<uint8_t> frozen_;
};

// A way to solve a MaxMinSystem. The GPU model holds one behind this interface, so another
// solver (e.g. an incremental one, or one with a different fairness) is a local change.
class SharingSolver {
 public:
  virtual ~SharingSolver() = default;
  // Writes the max-min fair solution into the system (MaxMinSystem::value).
  virtual void solve(MaxMinSystem& system) const = 0;
};

// Progressive filling by saturation (SimGrid's lmm_solve): each round finds the lowest level at
// which a constraint fills or a variable reaches its bound, and freezes the variables concerned
// there. Constraints that hold with every variable at its bound are left out (when none is left,
// the bounds are the answer: one pass). Cost: O(uses + rounds x (unfrozen variables + binding
// constraints)), rounds <= n + m, and in practice a few.
class ProgressiveFilling final : public SharingSolver {
 public:
  void solve(MaxMinSystem& system) const override;
};

// The same optimisation for systems of a few constraints (at most kMaxConstraints) that any
// variable may use: the GPU's kernels on its SM-space, issue and DRAM capacities. Usages are
// stored densely (usage 0: the variable does not use that constraint) and the loads at the bounds
// are summed as variables are added, so the common case where no constraint can bind costs
// nothing more than the adds, and there is no membership list to build.
//
// solve() is ProgressiveFilling's algorithm with the same floating-point operations in the same
// order, so its values are bit for bit those of MaxMinSystem + ProgressiveFilling given the same
// variables, bounds, weights and usages in the same order (test DenseMaxMinMatchesProgressiveFilling
// checks this on random systems).
class DenseMaxMinSystem {
 public:
  using Id = uint32_t;
  static constexpr size_t kMaxConstraints = 3;
  using Usages = std::array<double, kMaxConstraints>;

  // Forgets every variable; the constraints' capacities (REQUIRES: at most kMaxConstraints, each >= 0).
  void reset(std::span<const double> capacities);
  // REQUIRES: bound >= 0, weight > 0, usage[c] >= 0, and 0 for c >= the constraint count.
  Id add_variable(double bound, double weight, const Usages& usage) {
    variables_.push_back({bound, weight, 0.0, usage});
    return static_cast<Id>(variables_.size() - 1);
  }
  void solve();

  [[nodiscard]] size_t variable_count() const { return variables_.size(); }
  [[nodiscard]] double value(Id variable) const { return value_[variable]; }
  // What the solution uses of a constraint: sum_i a_ij x_i.
  [[nodiscard]] double usage(Id constraint) const;

 private:
  struct Variable {
    double bound;
    double weight;
    double level;  // bound / weight: the level at which it reaches its bound
    Usages usage;
  };
  std::vector<Variable> variables_;
  std::vector<double> value_;
  size_t constraints_ = 0;
  Usages capacity_{};
  // Solver scratch.
  std::vector<uint8_t> frozen_;
  std::vector<uint32_t> unfrozen_;
  std::vector<uint32_t> just_frozen_;  // frozen at the current step, not yet taken from the constraints
};

}  // namespace sharesim::models
