// The max-min fair solver alone (sharing.h): every expected allocation is derived by hand in the
// comment above its test, by progressive filling (raise a common level L; x_i = w_i L until x_i
// reaches its bound or a constraint it uses is full).
#include "sharesim/models/sharing.h"

#include <gtest/gtest.h>

#include <initializer_list>
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

}  // namespace
}  // namespace sharesim::models
