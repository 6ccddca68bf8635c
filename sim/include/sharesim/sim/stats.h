// Statistics: latency histograms, time-weighted averages, counters.
#pragma once

#include <cstdint>
#include <vector>

#include "sharesim/sim/time.h"

namespace sharesim::sim {

// A log-linear histogram of non-negative nanosecond values (as HdrHistogram): each power of two is
// split into 1,024 equal sub-buckets, so a quantile is reported with relative error below 0.05%
// (the bucket midpoint is within half a bucket, 1/2048, of every value in it). Values below 2,048 ns
// are exact. Count, min, max and mean are exact. Histograms merge by adding counts, so per-thread or
// per-replica histograms combine into exactly the histogram of all values.
//
// Storage: only the buckets from `first_` up to the largest used one are kept (a latency histogram
// of 1-500 ms spans about 9,000 of the 20,000 buckets below it), and the bucket arrays of
// destroyed histograms are kept by the thread for the next ones (a planner worker runs thousands
// of short simulations, each with a few histograms: without reuse every one allocates, grows by
// copying and frees its arrays). Neither changes a count or a result.
class LatencyHistogram {
 public:
  LatencyHistogram() = default;
  LatencyHistogram(const LatencyHistogram& other);
  LatencyHistogram& operator=(const LatencyHistogram& other);
  LatencyHistogram(LatencyHistogram&& other) noexcept;  // leaves `other` empty
  LatencyHistogram& operator=(LatencyHistogram&& other) noexcept;
  ~LatencyHistogram();

  void record(Time value);  // REQUIRES: value >= 0
  void merge(const LatencyHistogram& other);

  [[nodiscard]] uint64_t count() const { return count_; }
  [[nodiscard]] Time min() const;        // Time::zero() when empty
  [[nodiscard]] Time max() const;        // Time::zero() when empty
  [[nodiscard]] double mean_ns() const;  // 0 when empty
  // The q-quantile (0 <= q <= 1) by the nearest-rank definition: the smallest recorded value v
  // such that at least ceil(q * count) values are <= v, reported as its bucket's midpoint
  // (clamped to [min, max]). 0 when empty.
  [[nodiscard]] Time quantile(double q) const;
  // Fraction of recorded values <= limit (for SLO attainment; bucket resolution).
  [[nodiscard]] double fraction_at_most(Time limit) const;

  static constexpr int kSubBucketBits = 10;

 private:
  static size_t bucket_of(uint64_t v);
  static uint64_t bucket_low(size_t b);
  static uint64_t bucket_high(size_t b);  // inclusive

  // Makes buckets [b, b + 1) addressable, growing the kept range geometrically in either direction.
  void cover(size_t b);

  // counts_[i] is the count of bucket first_ + i. Invariant: every recorded value's bucket is in
  // [first_, first_ + counts_.size()); buckets outside the range have count 0.
  std::vector<uint64_t> counts_;
  size_t first_ = 0;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  __extension__ unsigned __int128 sum_ = 0;  // exact (GCC/Clang extension)
};

// The time-weighted average of a piecewise-constant signal (queue length, busy SMs, ...).
class TimeWeightedAverage {
 public:
  explicit TimeWeightedAverage(Time start = Time::zero()) : last_change_(start), start_(start) {}
  // The signal takes `value` from `at` on. REQUIRES: at >= the previous change.
  void set(Time at, double value);
  // Restarts the integration at `at`, keeping the current value (to drop a warm-up period).
  void reset(Time at);
  [[nodiscard]] double average(Time until) const;
  [[nodiscard]] double integral(Time until) const;  // value x seconds
  [[nodiscard]] double current() const { return value_; }

 private:
  double value_ = 0.0;
  double integral_ = 0.0;  // value x seconds up to last_change_
  Time last_change_;
  Time start_;
};

struct Counter {
  uint64_t value = 0;
  void add(uint64_t n = 1) { value += n; }
};

}  // namespace sharesim::sim
