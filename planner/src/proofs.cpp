// Lower bounds on a run's reported statistics from a related run (proofs.h; the reasons are in
// docs/planner.md, "Cutting the space without losing the optimum").
#include "sharesim/planner/proofs.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "sharesim/sim/stats.h"

namespace sharesim::planner::proofs {

std::optional<LatencyStatistic> latency_statistic(models::SloMetric metric) {
  switch (metric) {
    case models::SloMetric::kP50:
    case models::SloMetric::kP90:
    case models::SloMetric::kP99:
    case models::SloMetric::kP999:
      return LatencyStatistic{false, *models::slo_quantile(metric)};
    case models::SloMetric::kMax:
      return LatencyStatistic{false, 1.0};
    case models::SloMetric::kMean:
      return LatencyStatistic{true, 1.0};
    default:
      return std::nullopt;
  }
}

uint64_t rank_lower_bound(double q, uint64_t n) {
  if (q >= 1) return std::max<uint64_t>(n, 1);  // max: the largest value, exactly
  const double r = std::ceil(q * static_cast<double>(n) - 1e-6);
  return std::max<uint64_t>(1, r <= 0 ? 0 : static_cast<uint64_t>(r));
}

int64_t reported_floor_ns(int64_t ns) {
  // A bucket of LatencyHistogram spans less than 2^-kSubBucketBits of its low edge, so the low
  // edge is above ns - ns / 2^kSubBucketBits - 1; reported values are at least the low edge
  // (a midpoint, clamped to [min, max] with max >= ns).
  return std::max<int64_t>(0, ns - (ns >> sim::LatencyHistogram::kSubBucketBits) - 1);
}

namespace {

// The floor of the mean of the first `count` answered values (count >= 1).
int64_t mean_floor_ns(const std::vector<int64_t>& sorted, uint64_t count, uint64_t divisor) {
  __extension__ unsigned __int128 sum = 0;
  for (uint64_t i = 0; i < count; ++i) sum += static_cast<uint64_t>(sorted[i]);
  // llround of the model's mean is at least the floor of the true mean.
  return static_cast<int64_t>(sum / divisor);
}

}  // namespace

std::optional<int64_t> prefix_lower_bound_ns(const Witness& prefix, uint64_t full_arrivals,
                                             LatencyStatistic s) {
  const uint64_t answered = prefix.answered_ns.size();
  const uint64_t measured = answered + prefix.unanswered;
  if (measured == 0) return std::nullopt;
  if (s.mean) {
    // A failure makes the mean unbounded; otherwise the full run's answers include the prefix's,
    // and there are at most full_arrivals of them.
    if (prefix.unanswered > 0) return kUnbounded;
    return mean_floor_ns(prefix.answered_ns, answered, std::max(full_arrivals, answered));
  }
  // The full run ranks N <= full_arrivals values (answers and failures, failures last); at least
  // measured - j + 1 of them are >= the prefix's j-th smallest value z_j (failures as infinite).
  // Its rank-r value is >= z_j when measured - j + 1 >= N - r + 1; N - r grows with N, so the
  // worst case is N = full_arrivals.
  const uint64_t n = std::max(full_arrivals, measured);
  const uint64_t gap = n - rank_lower_bound(s.q, n);
  if (gap >= measured) return std::nullopt;
  const uint64_t j = measured - gap;  // 1-based
  if (j > answered) return kUnbounded;
  return reported_floor_ns(prefix.answered_ns[j - 1]);
}

std::optional<int64_t> dominated_lower_bound_ns(const Witness& dominating, uint64_t min_answered,
                                                LatencyStatistic s) {
  assert(dominating.unanswered == 0);
  const uint64_t answered = dominating.answered_ns.size();
  if (min_answered == 0 || min_answered > answered || dominating.unanswered > 0) return std::nullopt;
  // The dominated run answers a subset S' (|S'| >= min_answered) of these requests, each no
  // faster. Worst case: S' is the smallest min_answered of them.
  if (s.mean) return mean_floor_ns(dominating.answered_ns, min_answered, min_answered);
  // With N' >= |S'| values ranked (failures last), at least |S'| - j + 1 are >= the j-th smallest
  // answer here; the rank-r value is >= it when j <= r, and r >= rank_lower_bound(q, min_answered).
  const uint64_t j = rank_lower_bound(s.q, min_answered);
  return reported_floor_ns(dominating.answered_ns[j - 1]);
}

double binomial_upper_tail(uint64_t n, uint64_t k, double p) {
  if (k == 0) return 1.0;
  if (k > n || p <= 0) return 0.0;
  if (p >= 1) return 1.0;
  const double lp = std::log(p), lq = std::log1p(-p);
  const double lnf = std::lgamma(static_cast<double>(n) + 1);
  double sum = 0;
  for (uint64_t i = k; i <= n; ++i) {
    const auto di = static_cast<double>(i);
    const double log_term = lnf - std::lgamma(di + 1) - std::lgamma(static_cast<double>(n - i) + 1) +
                            di * lp + static_cast<double>(n - i) * lq;
    const double term = std::exp(log_term);
    sum += term;
    // Past the mode the terms shrink geometrically: stop once they no longer add anything.
    if (di > static_cast<double>(n) * p && term < sum * 1e-17) break;
  }
  return std::min(1.0, sum);
}

bool binomial_miss(uint64_t n, uint64_t exceed, double q, double confidence) {
  if (confidence >= 1 || n == 0) return false;
  return binomial_upper_tail(n, exceed, 1 - q) <= 1 - confidence;
}

}  // namespace sharesim::planner::proofs
