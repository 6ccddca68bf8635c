// The max-min fair solver alone (sharing.h): every expected allocation is derived by hand in the
// comment above its test, by progressive filling (raise a common level L; x_i = w_i L until x_i
// reaches its bound or a constraint it uses is full).
#include "sharesim/models/sharing.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <random>
#include <vector>

namespace sharesim::models {
namespace {

constexpr double kTol = 1e-9;

double solve_one(MaxMinSystem& s, MaxMinSystem::Id v) {
  ProgressiveFilling{}.solve(s);
  return s.value(v);
}

// A variable with this bound using each listed constraint once per unit.
MaxMinSystem::Id var(MaxMinSystem& s, double bound, std::initializer_list<MaxMinSystem::Id> uses) {
  const auto v = s.add_variable(bound);
  for (auto c : uses) s.add_use(v, c);
  return v;
}

// One constraint of capacity 10, demands 2, 3, 100.
// L rises to 2: x0 = 2 frozen (bound); 8 left for two -> level 4 would exceed x1's bound 3:
// at L = 3, x1 = 3 frozen; 5 left for x2 alone -> x2 = 5 (constraint full).
TEST(MaxMinSharing, OneConstraintMeetsSmallDemandsAndSplitsTheRest) {
  MaxMinSystem s;
  const auto c = s.add_constraint(10);
  std::vector<MaxMinSystem::Id> x;
  for (double bound : {2.0, 3.0, 100.0}) {
    x.push_back(s.add_variable(bound));
    s.add_use(x.back(), c);
  }
  ProgressiveFilling{}.solve(s);
  EXPECT_NEAR(s.value(x[0]), 2, kTol);
  EXPECT_NEAR(s.value(x[1]), 3, kTol);
  EXPECT_NEAR(s.value(x[2]), 5, kTol);
  EXPECT_NEAR(s.usage(c), 10, kTol);
}

// The order of adding variables does not change the answer (same system, reversed).
TEST(MaxMinSharing, OrderOfVariablesDoesNotMatter) {
  MaxMinSystem s;
  const auto c = s.add_constraint(10);
  std::vector<MaxMinSystem::Id> x;
  for (double bound : {100.0, 3.0, 2.0}) {
    x.push_back(s.add_variable(bound));
    s.add_use(x.back(), c);
  }
  ProgressiveFilling{}.solve(s);
  EXPECT_NEAR(s.value(x[0]), 5, kTol);
  EXPECT_NEAR(s.value(x[1]), 3, kTol);
  EXPECT_NEAR(s.value(x[2]), 2, kTol);
}

// The SM case of the GPU model: 40 SMs; process A capped at 10 SMs runs two kernels of demand 40;
// process B (uncapped) runs one kernel of demand 40.
// L rises together; at L = 5 A's cap (2 x 5 = 10) fills: A's kernels freeze at 5 each. B alone
// continues: 30 SMs left, x_B = 30 (GPU full at 40).
TEST(MaxMinSharing, GroupCapFreezesAProcessAndTheOthersTakeTheRest) {
  MaxMinSystem s;
  const auto gpu = s.add_constraint(40);
  const auto cap_a = s.add_constraint(10);
  const auto a1 = var(s, 40, {gpu, cap_a});
  const auto a2 = var(s, 40, {gpu, cap_a});
  const auto b = var(s, 40, {gpu});
  ProgressiveFilling{}.solve(s);
  EXPECT_NEAR(s.value(a1), 5, kTol);
  EXPECT_NEAR(s.value(a2), 5, kTol);
  EXPECT_NEAR(s.value(b), 30, kTol);
  EXPECT_NEAR(s.usage(gpu), 40, kTol);
  EXPECT_NEAR(s.usage(cap_a), 10, kTol);
}

// Two independent constraints in one system (the two PCIe directions): h2d capacity 11 shared by
// copies of solo bandwidth 11 and 11 -> 5.5 each; d2h capacity 12, one copy of solo 6 -> 6.
TEST(MaxMinSharing, IndependentConstraintsDoNotInteract) {
  MaxMinSystem s;
  const auto h2d = s.add_constraint(11);
  const auto d2h = s.add_constraint(12);
  const auto up1 = var(s, 11, {h2d});
  const auto up2 = var(s, 11, {h2d});
  const auto down = var(s, 6, {d2h});
  ProgressiveFilling{}.solve(s);
  EXPECT_NEAR(s.value(up1), 5.5, kTol);
  EXPECT_NEAR(s.value(up2), 5.5, kTol);
  EXPECT_NEAR(s.value(down), 6, kTol);
}

// Usages other than 1 (stage for kernels using several resources): constraint "issue" capacity
// 1; kernel P uses 0.8 of it per unit rate, kernel Q 0.4; both bounded by 1 (their solo rate).
// Common level L: 0.8 L + 0.4 L = 1.2 L <= 1 -> L = 1/1.2 = 0.8333...; both below bound 1, so
// the constraint freezes both at 5/6.
TEST(MaxMinSharing, WeightedUsagesShareACapacity) {
  MaxMinSystem s;
  const auto issue = s.add_constraint(1);
  const auto p = s.add_variable(1);
  s.add_use(p, issue, 0.8);
  const auto q = s.add_variable(1);
  s.add_use(q, issue, 0.4);
  ProgressiveFilling{}.solve(s);
  EXPECT_NEAR(s.value(p), 5.0 / 6.0, kTol);
  EXPECT_NEAR(s.value(q), 5.0 / 6.0, kTol);
  EXPECT_NEAR(s.usage(issue), 1, kTol);
}

// The bottleneck moves: x0 uses constraints A (cap 1) and B (cap 4); x1 and x2 use B only; all
// unbounded. A allows L = 1, B allows 4 / 3: A fills first, at L = 1 (x0 = 1); B then has 3 left
// for x1 and x2 -> 1.5 each.
TEST(MaxMinSharing, AVariableFrozenByOneConstraintLeavesRoomOnAnother) {
  MaxMinSystem s;
  const auto a = s.add_constraint(1);
  const auto b = s.add_constraint(4);
  const auto x0 = var(s, MaxMinSystem::kUnbounded, {a, b});
  const auto x1 = var(s, MaxMinSystem::kUnbounded, {b});
  const auto x2 = var(s, MaxMinSystem::kUnbounded, {b});
  ProgressiveFilling{}.solve(s);
  EXPECT_NEAR(s.value(x0), 1, kTol);
  EXPECT_NEAR(s.value(x1), 1.5, kTol);
  EXPECT_NEAR(s.value(x2), 1.5, kTol);
}

// Weights: x0 weight 2, x1 weight 1, one constraint of 9, unbounded: levels equal, x0 = 2 L,
// x1 = L, 3 L = 9 -> x0 = 6, x1 = 3.
TEST(MaxMinSharing, WeightsScaleTheShares) {
  MaxMinSystem s;
  const auto c = s.add_constraint(9);
  const auto x0 = s.add_variable(MaxMinSystem::kUnbounded, 2.0);
  s.add_use(x0, c);
  const auto x1 = s.add_variable(MaxMinSystem::kUnbounded, 1.0);
  s.add_use(x1, c);
  ProgressiveFilling{}.solve(s);
  EXPECT_NEAR(s.value(x0), 6, kTol);
  EXPECT_NEAR(s.value(x1), 3, kTol);
}

// Precision is relative: the same system in units a billion times larger gives the same
// allocation scaled (bytes per second instead of bytes per ns).
TEST(MaxMinSharing, PrecisionIsRelative) {
  for (double scale : {1e-9, 1.0, 1e9}) {
    MaxMinSystem s;
    const auto c = s.add_constraint(236.2 * scale);
    const auto x0 = s.add_variable(70.0 * scale);
    s.add_use(x0, c);
    const auto x1 = s.add_variable(300.0 * scale);
    s.add_use(x1, c);
    ProgressiveFilling{}.solve(s);
    EXPECT_NEAR(s.value(x0) / scale, 70.0, 1e-6);
    EXPECT_NEAR(s.value(x1) / scale, 166.2, 1e-6);
  }
}

// Edge cases: a zero capacity gives zero; a variable that uses nothing gets its bound; a zero
// bound stays zero; a system solved twice after clear() is the new system's answer.
TEST(MaxMinSharing, EdgeCases) {
  MaxMinSystem s;
  const auto none = s.add_constraint(0);
  const auto x0 = var(s, 5, {none});
  const auto x1 = s.add_variable(7);  // uses nothing
  const auto x2 = var(s, 0, {none});
  ProgressiveFilling{}.solve(s);
  EXPECT_EQ(s.value(x0), 0);
  EXPECT_EQ(s.value(x1), 7);
  EXPECT_EQ(s.value(x2), 0);
  s.clear();
  const auto c = s.add_constraint(4);
  const auto y = var(s, 10, {c});
  EXPECT_NEAR(solve_one(s, y), 4, kTol);
}

// ---- DenseMaxMinSystem: the same allocation as the general system, bit for bit -----------------

// Hand-derived, on the dense layout: capacity 10, bounds 2, 3, 100 -> 2, 3, 5 (as above); a second
// constraint of capacity 4 used twice per unit by x2 only -> x2 <= 2, so x2 = 2 and the first
// constraint keeps room (2 + 3 + 2 = 7 < 10).
TEST(DenseMaxMin, HandDerivedAllocations) {
  DenseMaxMinSystem s;
  const double one[] = {10.0};
  s.reset(one);
  for (double bound : {2.0, 3.0, 100.0}) s.add_variable(bound, 1.0, {1.0, 0.0, 0.0});
  s.solve();
  EXPECT_NEAR(s.value(0), 2, kTol);
  EXPECT_NEAR(s.value(1), 3, kTol);
  EXPECT_NEAR(s.value(2), 5, kTol);
  const double two[] = {10.0, 4.0};
  s.reset(two);
  s.add_variable(2.0, 1.0, {1.0, 0.0, 0.0});
  s.add_variable(3.0, 1.0, {1.0, 0.0, 0.0});
  s.add_variable(100.0, 1.0, {1.0, 2.0, 0.0});
  s.solve();
  EXPECT_NEAR(s.value(0), 2, kTol);
  EXPECT_NEAR(s.value(1), 3, kTol);
  EXPECT_NEAR(s.value(2), 2, kTol);
  // Weights 1 and 3 on capacity 8, unbounded demands: levels equal, x = w L, 4 L = 8 -> 2 and 6.
  s.reset(one);
  s.add_variable(MaxMinSystem::kUnbounded, 1.0, {1.0, 0.0, 0.0});
  s.add_variable(MaxMinSystem::kUnbounded, 3.0, {1.0, 0.0, 0.0});
  s.solve();
  EXPECT_NEAR(s.value(0), 2.5, kTol);
  EXPECT_NEAR(s.value(1), 7.5, kTol);
  // Nothing binds (1 + 2 <= 10): every variable gets its bound, exactly.
  s.reset(one);
  s.add_variable(1.0, 0.5, {1.0, 0.0, 0.0});
  s.add_variable(2.0, 7.0, {1.0, 0.0, 0.0});
  s.solve();
  EXPECT_EQ(s.value(0), 1.0);
  EXPECT_EQ(s.value(1), 2.0);
}

// Random systems of 1 to 3 constraints and 0 to 60 variables (zero, finite and unbounded
// bounds; usages absent or spread over nine orders of magnitude; ties of levels, which exercise
// the relative precision): DenseMaxMinSystem must give exactly ProgressiveFilling's values. The
// GPU model relies on this to use the dense system without changing any result.
TEST(DenseMaxMin, MatchesProgressiveFillingOnRandomSystems) {
  std::mt19937_64 rng(19);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto pick = [&](std::initializer_list<double> values) {
    return *(values.begin() + static_cast<std::ptrdiff_t>(rng() % values.size()));
  };
  MaxMinSystem general;
  DenseMaxMinSystem dense;
  int binding_cases = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    const size_t m = 1 + rng() % DenseMaxMinSystem::kMaxConstraints;
    const size_t n = rng() % 61;
    const double scale = pick({1e-9, 1.0, 40.0, 1e9});
    general.clear();
    std::vector<double> capacities;
    for (size_t c = 0; c < m; ++c) {
      capacities.push_back(
          pick({0.0, 1.0, 40.0, 2.0 + 3e-9, 40.0 * (1 - 2e-9), 3.0 * unit(rng) * static_cast<double>(n)}) *
          scale);
      general.add_constraint(capacities.back());
    }
    dense.reset(capacities);
    for (size_t i = 0; i < n; ++i) {
      const double bound = pick({0.0, 1.0, 0.5, 1.0 + 2e-9, 1.0 - 1.5e-9, unit(rng), MaxMinSystem::kUnbounded,
                                 1.0 / (1 + unit(rng))}) *
                           scale;
      const double weight = pick({1.0, 0.5, unit(rng) + 1e-3, 1.0 / (0.05 + unit(rng))});
      DenseMaxMinSystem::Usages usage{};
      const auto v = general.add_variable(bound, weight);
      for (size_t c = 0; c < m; ++c) {
        usage[c] = pick({0.0, 1.0, 2.0, unit(rng), 40.0 * unit(rng), 1e-3});
        if (usage[c] > 0) general.add_use(v, static_cast<MaxMinSystem::Id>(c), usage[c]);
      }
      dense.add_variable(bound, weight, usage);
    }
    ProgressiveFilling{}.solve(general);
    dense.solve();
    bool binds = false;
    for (size_t c = 0; c < m; ++c) {
      binds = binds || general.usage(static_cast<MaxMinSystem::Id>(c)) > capacities[c] * (1 - 1e-6);
    }
    binding_cases += binds ? 1 : 0;
    for (size_t i = 0; i < n; ++i) {
      const auto id = static_cast<MaxMinSystem::Id>(i);
      ASSERT_EQ(dense.value(id), general.value(id)) << "trial " << trial << " variable " << i;
    }
  }
  EXPECT_GT(binding_cases, 1000);  // the rounds are exercised, not only the bounds
}

}  // namespace
}  // namespace sharesim::models
