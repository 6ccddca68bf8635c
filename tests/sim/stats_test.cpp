#include "sharesim/sim/stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <thread>
#include <utility>
#include <vector>

#include "sharesim/sim/kept_vectors.h"
#include "sharesim/sim/random.h"

namespace sharesim::sim {
namespace {

// Nearest-rank quantile of the exact values, the definition the histogram approximates.
int64_t exact_quantile(std::vector<int64_t> sorted, double q) {
  const auto rank =
      std::max<size_t>(1, static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size()))));
  return sorted[rank - 1];
}

TEST(LatencyHistogram, QuantilesWithinPointOnePercent) {
  RandomStream r(11, "histogram");
  LatencyHistogram h;
  std::vector<int64_t> values;
  for (int i = 0; i < 200'000; ++i) {
    // Lognormal latencies spanning several decades, from microseconds to seconds.
    const auto v = static_cast<int64_t>(r.lognormal(5e6, 3.0));
    values.push_back(v);
    h.record(Time::ns(v));
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999, 0.0, 1.0}) {
    const double exact = static_cast<double>(exact_quantile(values, q));
    const double got = static_cast<double>(h.quantile(q).count_ns());
    EXPECT_LE(std::fabs(got - exact) / exact, 0.001) << "q=" << q;
  }
}

TEST(LatencyHistogram, CountMinMaxMeanAreExact) {
  LatencyHistogram h;
  const std::vector<int64_t> v = {3, 1'000'001, 7'777'777'777, 5000};
  for (auto x : v) h.record(Time::ns(x));
  EXPECT_EQ(h.count(), 4u);
  EXPECT_EQ(h.min(), Time::ns(3));
  EXPECT_EQ(h.max(), Time::ns(7'777'777'777));
  EXPECT_DOUBLE_EQ(h.mean_ns(), (3.0 + 1'000'001.0 + 7'777'777'777.0 + 5000.0) / 4.0);
  EXPECT_EQ(h.quantile(0.0), Time::ns(3)) << "small values are exact";
  EXPECT_EQ(h.quantile(1.0), Time::ns(7'777'777'777)) << "clamped to the exact max";
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int64_t i = 1; i <= 2000; ++i) h.record(Time::ns(i));
  EXPECT_EQ(h.quantile(0.5), Time::ns(1000));
  EXPECT_EQ(h.quantile(0.999), Time::ns(1998));
}

TEST(LatencyHistogram, EmptyIsAllZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.quantile(0.99), Time::zero());
  EXPECT_EQ(h.min(), Time::zero());
  EXPECT_EQ(h.mean_ns(), 0.0);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  RandomStream r(12, "merge");
  LatencyHistogram a, b, all;
  for (int i = 0; i < 50'000; ++i) {
    const Time v = Time::ns(static_cast<int64_t>(r.exponential(1e6)));
    (i % 3 == 0 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_DOUBLE_EQ(a.mean_ns(), all.mean_ns());
  for (double q : {0.1, 0.5, 0.9, 0.99, 0.999}) EXPECT_EQ(a.quantile(q), all.quantile(q));
}

TEST(LatencyHistogram, FractionAtMost) {
  LatencyHistogram h;
  for (int64_t ms = 1; ms <= 100; ++ms) h.record(Time::ms(ms));
  EXPECT_NEAR(h.fraction_at_most(Time::ms(50)), 0.50, 1e-9);
  EXPECT_NEAR(h.fraction_at_most(Time::ms(99)), 0.99, 1e-9);
  EXPECT_EQ(h.fraction_at_most(Time::s(1)), 1.0);
  EXPECT_EQ(h.fraction_at_most(Time::us(1)), 0.0);
}

// The kept range of buckets grows in both directions and arrays are reused between histograms:
// whatever the order of the values and the history of the thread, every statistic is that of the
// same values recorded into one fresh histogram in increasing order.
TEST(LatencyHistogram, RangeGrowsDownAndUpAndReusedArraysChangeNothing) {
  std::vector<int64_t> values;
  RandomStream r(13, "range");
  for (int i = 0; i < 20'000; ++i) values.push_back(static_cast<int64_t>(r.lognormal(2e6, 2.5)));
  values.push_back(0);               // bucket 0
  values.push_back(90'000'000'000);  // 90 s
  std::vector<int64_t> increasing = values;
  std::sort(increasing.begin(), increasing.end());
  LatencyHistogram reference;
  for (int64_t v : increasing) reference.record(Time::ns(v));

  auto same = [&](const LatencyHistogram& h, const char* what) {
    EXPECT_EQ(h.count(), reference.count()) << what;
    EXPECT_EQ(h.min(), reference.min()) << what;
    EXPECT_EQ(h.max(), reference.max()) << what;
    EXPECT_DOUBLE_EQ(h.mean_ns(), reference.mean_ns()) << what;
    for (double q : {0.0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0}) {
      EXPECT_EQ(h.quantile(q), reference.quantile(q)) << what << " q=" << q;
    }
    for (int64_t limit : {int64_t{0}, int64_t{1'000}, int64_t{2'000'000}, int64_t{50'000'000}}) {
      EXPECT_DOUBLE_EQ(h.fraction_at_most(Time::ns(limit)), reference.fraction_at_most(Time::ns(limit)))
          << what << " limit=" << limit;
    }
  };
  for (int round = 0; round < 3; ++round) {  // later rounds get arrays kept from earlier ones
    LatencyHistogram decreasing;
    for (auto it = increasing.rbegin(); it != increasing.rend(); ++it) decreasing.record(Time::ns(*it));
    same(decreasing, "decreasing");
    LatencyHistogram shuffled;
    for (int64_t v : values) shuffled.record(Time::ns(v));
    same(shuffled, "random order");
    LatencyHistogram copy(shuffled);
    same(copy, "copy");
    LatencyHistogram assigned;
    assigned.record(Time::ns(5));
    assigned = decreasing;
    same(assigned, "copy-assigned");
    LatencyHistogram moved(std::move(copy));
    same(moved, "moved");
    EXPECT_EQ(copy.count(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(copy.quantile(0.5), Time::zero());
    // Two halves with disjoint ranges, merged both ways.
    LatencyHistogram low, high;
    for (size_t i = 0; i < increasing.size(); ++i)
      (i < increasing.size() / 2 ? low : high).record(Time::ns(increasing[i]));
    LatencyHistogram high_then_low = high;
    high_then_low.merge(low);
    same(high_then_low, "high.merge(low)");
    low.merge(high);
    same(low, "low.merge(high)");
  }
}

TEST(KeptVectors, KeepsTheLargestStorageAndGivesTheSmallestThatFits) {
  std::thread([] {  // a new thread starts with nothing kept
    using Kept = KeptVectors<int, 2>;
    auto with_capacity = [](size_t n) {
      std::vector<int> v;
      v.reserve(n);
      v.push_back(1);
      return v;
    };
    std::vector<int> a = with_capacity(10), b = with_capacity(100), c = with_capacity(50);
    Kept::give_back(a);
    Kept::give_back(b);
    Kept::give_back(c);  // two kept already: 50 replaces the smaller 10
    EXPECT_EQ(a.capacity(), 0u);
    EXPECT_EQ(c.capacity(), 0u);
    std::vector<int> fits = Kept::take(60);  // of 50 and 100, only 100 fits
    EXPECT_GE(fits.capacity(), 100u);
    EXPECT_TRUE(fits.empty());
    std::vector<int> largest = Kept::take(0);  // the largest kept: 50
    EXPECT_GE(largest.capacity(), 50u);
    EXPECT_LT(largest.capacity(), 100u);
    std::vector<int> fresh = Kept::take(5);  // nothing kept: a new one
    EXPECT_GE(fresh.capacity(), 5u);
  })
      .join();
}

TEST(TimeWeightedAverage, IntegratesAPiecewiseConstantSignal) {
  // 0 for 1 s, 2 for 2 s, 1 for 1 s: integral 5, average 5/4.
  TimeWeightedAverage avg;
  avg.set(Time::s(1), 2.0);
  avg.set(Time::s(3), 1.0);
  EXPECT_DOUBLE_EQ(avg.integral(Time::s(4)), 5.0);
  EXPECT_DOUBLE_EQ(avg.average(Time::s(4)), 1.25);
  // Dropping a warm-up: from t = 3 s only the value 1 counts.
  avg.reset(Time::s(3));
  EXPECT_DOUBLE_EQ(avg.average(Time::s(5)), 1.0);
}

}  // namespace
}  // namespace sharesim::sim
