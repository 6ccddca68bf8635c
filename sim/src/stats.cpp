#include "sharesim/sim/stats.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <utility>

#include "sharesim/sim/kept_vectors.h"

namespace sharesim::sim {

namespace {
constexpr uint64_t kSubBuckets = uint64_t{1} << LatencyHistogram::kSubBucketBits;  // 1024
constexpr uint64_t kExactLimit = 2 * kSubBuckets;  // values below 2048 have a bucket each

// Bucket arrays of destroyed histograms, kept per thread for the next histograms. Bounded, so a
// thread that destroys many at once keeps only a few.
using KeptBuckets = KeptVectors<uint64_t, 64>;
}  // namespace

LatencyHistogram::LatencyHistogram(const LatencyHistogram& other)
    : count_(other.count_), min_(other.min_), max_(other.max_), sum_(other.sum_) {
  if (!other.counts_.empty()) counts_ = KeptBuckets::take(other.counts_.size());
  counts_.assign(other.counts_.begin(), other.counts_.end());
  first_ = other.first_;
}

LatencyHistogram& LatencyHistogram::operator=(const LatencyHistogram& other) {
  if (this == &other) return *this;
  if (counts_.capacity() < other.counts_.size()) {
    KeptBuckets::give_back(counts_);
    counts_ = KeptBuckets::take(other.counts_.size());
  }
  counts_.assign(other.counts_.begin(), other.counts_.end());
  first_ = other.first_;
  count_ = other.count_;
  min_ = other.min_;
  max_ = other.max_;
  sum_ = other.sum_;
  return *this;
}

LatencyHistogram::LatencyHistogram(LatencyHistogram&& other) noexcept
    : counts_(std::move(other.counts_)),
      first_(std::exchange(other.first_, 0)),
      count_(std::exchange(other.count_, 0)),
      min_(std::exchange(other.min_, UINT64_MAX)),
      max_(std::exchange(other.max_, 0)),
      sum_(std::exchange(other.sum_, 0)) {
  other.counts_.clear();
}

LatencyHistogram& LatencyHistogram::operator=(LatencyHistogram&& other) noexcept {
  if (this == &other) return *this;
  KeptBuckets::give_back(counts_);
  counts_ = std::move(other.counts_);
  other.counts_.clear();
  first_ = std::exchange(other.first_, 0);
  count_ = std::exchange(other.count_, 0);
  min_ = std::exchange(other.min_, UINT64_MAX);
  max_ = std::exchange(other.max_, 0);
  sum_ = std::exchange(other.sum_, 0);
  return *this;
}

LatencyHistogram::~LatencyHistogram() {
  KeptBuckets::give_back(counts_);
}

void LatencyHistogram::cover(size_t b) {
  if (counts_.empty()) {
    if (counts_.capacity() == 0) counts_ = KeptBuckets::take(kSubBuckets);
    first_ = b;
    counts_.push_back(0);
    return;
  }
  if (b >= first_ + counts_.size()) {
    counts_.resize(b - first_ + 1, 0);  // geometric growth by the vector
    return;
  }
  if (b >= first_) return;
  // Downwards: extend by at least the current size (geometric), never below bucket 0.
  const size_t grow = std::max(first_ - b, std::min(first_, counts_.size()));
  std::vector<uint64_t> wider = KeptBuckets::take(counts_.size() + grow);
  wider.assign(grow, 0);
  wider.insert(wider.end(), counts_.begin(), counts_.end());
  KeptBuckets::give_back(counts_);
  counts_ = std::move(wider);
  first_ -= grow;
}

size_t LatencyHistogram::bucket_of(uint64_t v) {
  if (v < kExactLimit) return static_cast<size_t>(v);
  const int exponent = 63 - std::countl_zero(v);  // >= 11
  const int shift = exponent - kSubBucketBits;
  const uint64_t sub = (v >> shift) - kSubBuckets;  // [0, 1024)
  return static_cast<size_t>(kExactLimit +
                             static_cast<uint64_t>(exponent - kSubBucketBits - 1) * kSubBuckets + sub);
}

uint64_t LatencyHistogram::bucket_low(size_t b) {
  if (b < kExactLimit) return b;
  const uint64_t k = b - kExactLimit;
  const int shift = static_cast<int>(k / kSubBuckets) + 1;
  return (kSubBuckets + k % kSubBuckets) << shift;
}

uint64_t LatencyHistogram::bucket_high(size_t b) {
  if (b < kExactLimit) return b;
  const int shift = static_cast<int>((b - kExactLimit) / kSubBuckets) + 1;
  return bucket_low(b) + (uint64_t{1} << shift) - 1;
}

void LatencyHistogram::record(Time value) {
  assert(value >= Time::zero());
  const auto v = static_cast<uint64_t>(value.count_ns());
  const size_t b = bucket_of(v);
  if (b < first_ || b - first_ >= counts_.size()) cover(b);
  ++counts_[b - first_];
  ++count_;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
  sum_ += v;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (!other.counts_.empty()) {
    cover(other.first_);
    cover(other.first_ + other.counts_.size() - 1);
    for (size_t i = 0; i < other.counts_.size(); ++i) counts_[other.first_ - first_ + i] += other.counts_[i];
  }
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

Time LatencyHistogram::min() const {
  return count_ ? Time::ns(static_cast<int64_t>(min_)) : Time::zero();
}
Time LatencyHistogram::max() const {
  return count_ ? Time::ns(static_cast<int64_t>(max_)) : Time::zero();
}

double LatencyHistogram::mean_ns() const {
  if (count_ == 0) return 0.0;
  return static_cast<double>(static_cast<long double>(sum_) / static_cast<long double>(count_));
}

Time LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return Time::zero();
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const size_t b = first_ + i;
      const uint64_t mid = bucket_low(b) + (bucket_high(b) - bucket_low(b)) / 2;
      return Time::ns(static_cast<int64_t>(std::clamp(mid, min_, max_)));
    }
  }
  return max();
}

double LatencyHistogram::fraction_at_most(Time limit) const {
  if (count_ == 0 || limit < Time::zero()) return 0.0;
  const auto v = static_cast<uint64_t>(limit.count_ns());
  if (v >= max_) return 1.0;
  const size_t b = bucket_of(v);
  if (b < first_) return 0.0;
  const size_t last = std::min(b - first_, counts_.size() - 1);
  uint64_t at_most = 0;
  for (size_t i = 0; i <= last; ++i) at_most += counts_[i];
  return static_cast<double>(at_most) / static_cast<double>(count_);
}

void TimeWeightedAverage::set(Time at, double value) {
  assert(at >= last_change_);
  integral_ += value_ * (at - last_change_).seconds();
  last_change_ = at;
  value_ = value;
}

void TimeWeightedAverage::reset(Time at) {
  assert(at >= last_change_);
  integral_ = 0.0;
  last_change_ = at;
  start_ = at;
}

double TimeWeightedAverage::integral(Time until) const {
  assert(until >= last_change_);
  return integral_ + value_ * (until - last_change_).seconds();
}

double TimeWeightedAverage::average(Time until) const {
  const double span = (until - start_).seconds();
  return span > 0 ? integral(until) / span : value_;
}

}  // namespace sharesim::sim
