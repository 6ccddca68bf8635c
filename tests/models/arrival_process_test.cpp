// Open arrival processes against their definitions: rates, gap distributions, exact instants.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <vector>

#include "sharesim/models/arrival.h"
#include "sharesim/sim/random.h"

namespace sharesim::models {
namespace {

using sim::Time;

std::vector<Time> draw(const ArrivalSpec& spec, Time origin, size_t count, uint64_t seed = 42,
                       const char* name = "w/arrivals") {
  OpenArrivalProcess process(spec, origin);
  sim::RandomStream rng(seed, name);
  std::vector<Time> times;
  times.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const auto a = process.next(rng);
    if (!a) break;
    times.push_back(a->at);
  }
  return times;
}

struct GapMoments {
  double mean_s = 0;
  double cv = 0;
  double fraction_below = 0;  // of gaps below `below_s`
};

GapMoments gap_moments(const std::vector<Time>& times, Time origin, double below_s) {
  double sum = 0, sum_sq = 0, below = 0;
  Time prev = origin;
  for (const Time t : times) {
    const double gap = (t - prev).seconds();
    sum += gap;
    sum_sq += gap * gap;
    if (gap < below_s) below += 1;
    prev = t;
  }
  const auto n = static_cast<double>(times.size());
  const double mean = sum / n;
  const double var = sum_sq / n - mean * mean;
  return {mean, std::sqrt(var) / mean, below / n};
}

TEST(PoissonArrivals, RateAndExponentialGaps) {
  // 200,000 gaps of an exponential with mean 1 ms. The sample mean has relative standard error
  // 1/sqrt(n) = 0.22%, the sample CV about sqrt(2/n) = 0.32%: 1.5% is over 4 standard errors.
  // The median of an exponential is mean * ln 2, so half the gaps fall below it (se 0.11%).
  const auto times = draw(PoissonArrivals{.rate_per_s = 1000}, Time::zero(), 200'000);
  ASSERT_EQ(times.size(), 200'000u);
  const GapMoments m = gap_moments(times, Time::zero(), 1e-3 * std::log(2.0));
  EXPECT_NEAR(m.mean_s, 1e-3, 1e-3 * 0.015);
  EXPECT_NEAR(m.cv, 1.0, 0.015);
  EXPECT_NEAR(m.fraction_below, 0.5, 0.005);
  EXPECT_GT(times.front(), Time::zero());  // the first arrival is one gap after the origin
}

TEST(PoissonArrivals, ZeroRateNeverArrives) {
  OpenArrivalProcess process(PoissonArrivals{.rate_per_s = 0}, Time::zero());
  sim::RandomStream rng(1, "w");
  EXPECT_FALSE(process.next(rng).has_value());
}

TEST(ConstantArrivals, ExactInstantsFromTheOrigin) {
  // Rate 3/s from origin 5 s: arrival k at 5 s + k/3 s rounded to the nanosecond:
  // 5.000000000, 5.333333333, 5.666666667 (0.6666666666... rounds up), 6.000000000.
  const auto times = draw(ConstantArrivals{.rate_per_s = 3}, Time::s(5), 4);
  ASSERT_EQ(times.size(), 4u);
  EXPECT_EQ(times[0], Time::ns(5'000'000'000));
  EXPECT_EQ(times[1], Time::ns(5'333'333'333));
  EXPECT_EQ(times[2], Time::ns(5'666'666'667));
  EXPECT_EQ(times[3], Time::ns(6'000'000'000));
}

TEST(ConstantArrivals, NoDriftAfterManyArrivals) {
  // Arrival 3,000,000 at rate 3/s is at exactly 1,000,000 s: computed from k, never accumulated.
  OpenArrivalProcess process(ConstantArrivals{.rate_per_s = 3}, Time::zero());
  sim::RandomStream rng(1, "c/arrivals");
  std::optional<Arrival> last;
  for (int k = 0; k <= 3'000'000; ++k) last = process.next(rng);
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->at, Time::s(1'000'000));
}

TEST(OnOffArrivals, LongRunRateIsTheTimeWeightedMeanOfTheRates) {
  // on 1000/s for mean 50 ms, off 100/s for mean 150 ms:
  //   (1000 * 0.05 + 100 * 0.15) / (0.05 + 0.15) = (50 + 15) / 0.2 = 325 per second.
  // Over 2,000 s (10,000 on/off cycles) the count per cycle has mean 65 and standard deviation
  // about sqrt(50^2 + 15^2 + 65) = 53 (period lengths dominate), so the total's relative standard
  // error is 53 / (65 * sqrt(10,000)) = 0.8%; 3% is over 3.5 of them.
  const OnOffArrivals spec{
      .on_rate_per_s = 1000, .off_rate_per_s = 100, .mean_on = Time::ms(50), .mean_off = Time::ms(150)};
  OpenArrivalProcess process(spec, Time::zero());
  sim::RandomStream rng(7, "bursty/arrivals");
  const Time horizon = Time::s(2000);
  uint64_t count = 0;
  double sum_gap = 0, sum_gap_sq = 0;
  Time prev = Time::zero();
  for (;;) {
    const auto a = process.next(rng);
    ASSERT_TRUE(a.has_value());
    ASSERT_GE(a->at, prev);
    if (a->at > horizon) break;
    const double gap = (a->at - prev).seconds();
    sum_gap += gap;
    sum_gap_sq += gap * gap;
    prev = a->at;
    ++count;
  }
  const double rate = static_cast<double>(count) / horizon.seconds();
  EXPECT_NEAR(rate, 325.0, 325.0 * 0.03);
  // An MMPP with distinct rates is burstier than Poisson: the gaps' CV exceeds 1. Roughly, 50 of
  // each cycle's 65 arrivals have gaps of mean 1 ms and 15 of mean 10 ms; that hyperexponential
  // mix has mean 3.07 ms, E[X^2] = 2 (0.77 * 1 + 0.23 * 100) = 47.5 ms^2, so CV about 2.0.
  const auto n = static_cast<double>(count);
  const double mean = sum_gap / n;
  const double cv = std::sqrt(sum_gap_sq / n - mean * mean) / mean;
  EXPECT_GT(cv, 1.3);
}

TEST(OnOffArrivals, SilentOffPeriods) {
  // off rate 0: (1000 * 0.01 + 0) / (0.01 + 0.09) = 100 per second. 4,000 s = 40,000 cycles, per
  // cycle mean 10 and sd about sqrt(10^2 + 10) = 10.5, relative se 10.5/(10*200) = 0.5%.
  const OnOffArrivals spec{
      .on_rate_per_s = 1000, .off_rate_per_s = 0, .mean_on = Time::ms(10), .mean_off = Time::ms(90)};
  OpenArrivalProcess process(spec, Time::zero());
  sim::RandomStream rng(3, "edge/arrivals");
  uint64_t count = 0;
  while (true) {
    const auto a = process.next(rng);
    ASSERT_TRUE(a.has_value());
    if (a->at > Time::s(4000)) break;
    ++count;
  }
  EXPECT_NEAR(static_cast<double>(count) / 4000.0, 100.0, 100.0 * 0.025);
}

TEST(TraceArrivals, ReplaysOffsetsExactlyWithScales) {
  TraceArrivals trace{
      .source = "t.csv",
      .offsets = {Time::zero(), Time::ns(1), Time::ns(1), Time::ms(250), Time::ns(7'000'000'123)},
      .work_scale = {1.0, 0.5, 2.0, 3.25, 1.0}};
  OpenArrivalProcess process(trace, Time::s(10));
  sim::RandomStream rng(1, "trace/arrivals");
  for (size_t i = 0; i < trace.offsets.size(); ++i) {
    const auto a = process.next(rng);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->at, Time::s(10) + trace.offsets[i]);
    EXPECT_EQ(a->work_scale, trace.work_scale[i]);
  }
  EXPECT_FALSE(process.next(rng).has_value());
}

TEST(TraceArrivals, ScaleDefaultsToOne) {
  TraceArrivals trace{.source = "t.csv", .offsets = {Time::zero(), Time::ms(3)}, .work_scale = {}};
  OpenArrivalProcess process(trace, Time::zero());
  sim::RandomStream rng(1, "trace/arrivals");
  EXPECT_EQ(process.next(rng)->work_scale, 1.0);
  const auto second = process.next(rng);
  EXPECT_EQ(second->at, Time::ms(3));
  EXPECT_EQ(second->work_scale, 1.0);
}

TEST(ArrivalDeterminism, SameSeedAndNameSameArrivals) {
  const PoissonArrivals spec{.rate_per_s = 50};
  EXPECT_EQ(draw(spec, Time::zero(), 1000, 9, "a/arrivals"), draw(spec, Time::zero(), 1000, 9, "a/arrivals"));
  EXPECT_NE(draw(spec, Time::zero(), 1000, 9, "a/arrivals"), draw(spec, Time::zero(), 1000, 9, "b/arrivals"));
  EXPECT_NE(draw(spec, Time::zero(), 1000, 9, "a/arrivals"),
            draw(spec, Time::zero(), 1000, 10, "a/arrivals"));
}

}  // namespace
}  // namespace sharesim::models
