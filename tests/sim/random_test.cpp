#include "sharesim/sim/random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace sharesim::sim {
namespace {

struct Moments {
  double mean = 0;
  double cv = 0;
};
template <class Draw>
Moments moments(int n, Draw draw) {
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double x = draw();
    sum += x;
    sum2 += x * x;
  }
  const double mean = sum / n;
  return {mean, std::sqrt(sum2 / n - mean * mean) / mean};
}

TEST(RandomStream, SameSeedAndNameGiveTheSameDraws) {
  RandomStream a(42, "detector"), b(42, "detector");
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next_u64(), b.next_u64());
}

TEST(RandomStream, NamesAndSeedsGiveDifferentStreams) {
  RandomStream a(42, "detector"), b(42, "classifier"), c(43, "detector");
  int same_ab = 0, same_ac = 0;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = a.next_u64();
    same_ab += x == b.next_u64();
    same_ac += x == c.next_u64();
  }
  EXPECT_EQ(same_ab, 0);
  EXPECT_EQ(same_ac, 0);
}

TEST(RandomStream, UniformIsStrictlyInsideTheUnitInterval) {
  RandomStream r(1, "u");
  double lo = 1, hi = 0;
  for (int i = 0; i < 1'000'000; ++i) {
    const double u = r.uniform01();
    lo = std::min(lo, u);
    hi = std::max(hi, u);
  }
  EXPECT_GT(lo, 0.0);
  EXPECT_LT(hi, 1.0);
  EXPECT_LT(lo, 1e-5);  // and it does cover the interval
  EXPECT_GT(hi, 1 - 1e-5);
}

// With n = 10^6 draws the standard error of a mean is sigma/1000: the tolerances below are >= 5 of those.
TEST(RandomStream, ExponentialHasTheRightMeanAndUnitCv) {
  RandomStream r(3, "exp");
  const Moments m = moments(1'000'000, [&] { return r.exponential(2.0); });
  EXPECT_NEAR(m.mean, 2.0, 2.0 * 0.005);
  EXPECT_NEAR(m.cv, 1.0, 0.01);
}

TEST(RandomStream, NormalHasZeroMeanAndUnitVariance) {
  RandomStream r(4, "normal");
  double sum = 0, sum2 = 0;
  const int n = 1'000'000;
  for (int i = 0; i < n; ++i) {
    const double x = r.standard_normal();
    sum += x;
    sum2 += x * x;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.005);
  EXPECT_NEAR(sum2 / n, 1.0, 0.01);
}

TEST(RandomStream, LognormalMatchesTheRequestedMeanAndCv) {
  RandomStream r(5, "lognormal");
  const Moments m = moments(1'000'000, [&] { return r.lognormal(3.0, 0.5); });
  EXPECT_NEAR(m.mean, 3.0, 3.0 * 0.005);
  EXPECT_NEAR(m.cv, 0.5, 0.01);
}

TEST(DurationDistribution, EachKindSamplesAroundItsMean) {
  RandomStream r(6, "durations");
  const auto mean_of = [&](const DurationDistribution& d) {
    return moments(200'000, [&] { return static_cast<double>(d.sample(r).count_ns()); });
  };
  EXPECT_EQ(DurationDistribution::deterministic(Time::ms(2)).sample(r), Time::ms(2));
  const Moments e = mean_of(DurationDistribution::exponential(Time::ms(2)));
  EXPECT_NEAR(e.mean, 2e6, 2e6 * 0.01);
  EXPECT_NEAR(e.cv, 1.0, 0.02);
  // Uniform on [1, 3] ms: mean 2 ms, sd (3-1)/sqrt(12) ms, cv = 0.57735/2.
  const Moments u = mean_of(DurationDistribution::uniform(Time::ms(1), Time::ms(3)));
  EXPECT_NEAR(u.mean, 2e6, 2e6 * 0.005);
  EXPECT_NEAR(u.cv, 2.0 / std::sqrt(12.0) / 2.0, 0.005);
  const Moments l = mean_of(DurationDistribution::lognormal(Time::ms(2), 0.5));
  EXPECT_NEAR(l.mean, 2e6, 2e6 * 0.01);
  EXPECT_NEAR(l.cv, 0.5, 0.02);
  EXPECT_EQ(DurationDistribution::uniform(Time::ms(1), Time::ms(3)).mean(), Time::ms(2));
}

TEST(DurationDistribution, EmpiricalDrawsEachSampleEquallyOften) {
  RandomStream r(8, "empirical");
  const auto d = DurationDistribution::empirical({Time::ms(1), Time::ms(2), Time::ms(6)});
  EXPECT_EQ(d.mean(), Time::ms(3));
  int counts[7] = {};
  const int n = 300'000;
  for (int i = 0; i < n; ++i) ++counts[d.sample(r).count_ns() / 1'000'000];
  for (int ms : {1, 2, 6}) EXPECT_NEAR(counts[ms], n / 3, n / 3 * 0.02) << ms;
  EXPECT_EQ(counts[1] + counts[2] + counts[6], n);
}

// Issue 12 item 5: `exponential: 2000000h` (7.2e18 ns) draws past 2^63 about a quarter of the
// time (P(X > 9.22e18) = exp(-9.22 / 7.2) = 0.28). Those saturate to Time::max() ("never
// finishes within any run"); none may wrap to a zero or negative duration.
TEST(DurationDistribution, DrawsPast64BitsSaturateInsteadOfWrapping) {
  RandomStream r(1, "huge");
  const auto huge = DurationDistribution::exponential(Time::s(2'000'000LL * 3600));
  int saturated = 0;
  for (int i = 0; i < 10'000; ++i) {
    const Time t = huge.sample(r);
    ASSERT_GE(t, Time::zero());
    if (t == Time::max()) ++saturated;
  }
  EXPECT_GT(saturated, 2'500);  // 28 % of 10,000 expected, standard deviation 45
  EXPECT_LT(saturated, 3'100);
  // The mean of a uniform near the limit does not overflow either (was (a + b) / 2).
  EXPECT_EQ(DurationDistribution::uniform(Time::max() - Time::ns(2), Time::max()).mean(),
            Time::max() - Time::ns(1));
}

}  // namespace
}  // namespace sharesim::sim
