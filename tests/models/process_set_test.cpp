// ProcessSet (gpu_policy.h): the set behind time-slicing's round robin and a GPU-wide fault's
// victims, checked against a plain scan on sizes around its word (64) and summary (4096) edges.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "sharesim/models/gpu_policy.h"

namespace sharesim::models {
namespace {

ProcessId scan(const std::vector<bool>& members, ProcessId from) {
  for (ProcessId p = from; p < members.size(); ++p)
    if (members[p]) return p;
  return ProcessSet::kNone;
}

TEST(ProcessSet, FirstAtOrAfterIsThePlainScanAcrossWordAndSummaryEdges) {
  std::mt19937 random(7);
  for (const ProcessId n : {1u, 63u, 64u, 65u, 4095u, 4096u, 4097u, 9000u}) {
    for (const double density : {0.0, 0.001, 0.05, 0.5, 1.0}) {
      ProcessSet set;
      std::vector<bool> members(n, false);
      std::bernoulli_distribution coin(density);
      for (ProcessId p = 0; p < n; ++p) {
        set.add_process();
        const bool in = coin(random);
        set.set(p, in);
        members[p] = in;
      }
      // Some removals, and a member set twice (no double count).
      for (ProcessId p = 0; p < n; p += 7) {
        set.set(p, false);
        members[p] = false;
      }
      if (n > 3) {
        set.set(3, true);
        set.set(3, true);
        members[3] = true;
      }
      ASSERT_EQ(set.size(), n);
      bool any = false;
      for (ProcessId p = 0; p < n; ++p) {
        ASSERT_EQ(set.contains(p), members[p]) << "n " << n << " p " << p;
        any = any || members[p];
      }
      EXPECT_EQ(set.none(), !any);
      for (ProcessId from = 0; from <= n; ++from)
        ASSERT_EQ(set.first_at_or_after(from), scan(members, from)) << "n " << n << " from " << from;
    }
  }
}

}  // namespace
}  // namespace sharesim::models
