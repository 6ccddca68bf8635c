// What one run proves about another without running it (docs/planner.md, "Cutting the space
// without losing the optimum"): lower bounds on the latency statistics and the throughput that
// sharesim reports for a run, from the requests of a related run that was simulated.
//
//  - A prefix run (the same scenario with a shorter duration, a fraction of the full one) is the
//    full run's first part, event for event: a request answered in the prefix is answered at the
//    same instant in the full run, and the full run has at most `full_arrivals` measured requests.
//  - A dominating run (the workload part alone on the GPU, at an SM cap no smaller, same arrival
//    and work streams) answers every request no later than the dominated run: the dominated run
//    answers a subset of its requests, each at a latency at least as large.
// Both give, for a latency statistic (nearest-rank quantile, max, mean; failed, rejected and
// timed-out requests ranked above every answer, as models::evaluate_slo does), a value the other
// run's statistic cannot be below, at the histogram's resolution (sim::LatencyHistogram reports a
// bucket midpoint clamped to [min, max], never below the bucket's low edge).
//
// And a confidence rule that proves nothing: a binomial tail for the short run's exceedances,
// which assumes independent requests (opt-in, `--screen-confidence`).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sharesim/models/workload.h"

namespace sharesim::planner::proofs {

// The measured requests of one workload (part) in one run.
struct Witness {
  std::vector<int64_t> answered_ns;  // latencies of the completed requests, sorted ascending
  uint64_t unanswered = 0;           // failed, rejected or timed out (each misses every latency target)
  uint64_t arrived = 0;              // measured arrivals (answered, unanswered and still outstanding)
};

// A latency statistic of models::SloMetric (p50, p90, p99, p999, max, mean); nullopt for the
// others (throughput, token latencies), which these bounds do not cover.
struct LatencyStatistic {
  bool mean = false;
  double q = 1;  // the quantile; 1 for max
};
std::optional<LatencyStatistic> latency_statistic(models::SloMetric metric);

// A lower bound on the nearest rank of a q-quantile over n values as the model computes it
// (LatencyHistogram::quantile ceil(q n); quantile_with_failures ceil(q n - 1e-9); at least 1):
// ceil(q n - 1e-6). n - rank_lower_bound(q, n) never decreases as n grows (q <= 1).
uint64_t rank_lower_bound(double q, uint64_t n);

// The lowest value the histogram can report for a recorded value of `ns` (its bucket's low edge,
// or below: LatencyHistogram keeps 2^kSubBucketBits sub-buckets per power of two).
int64_t reported_floor_ns(int64_t ns);

// Bounds are in nanoseconds as the model reports them (sim::Time), kUnbounded when unanswered
// requests decide the statistic (it is then reported as Time::max()).
inline constexpr int64_t kUnbounded = INT64_MAX;

// A value below which the full run's statistic cannot be, from its prefix run; nullopt when the
// prefix proves nothing. Holds because
// the full run answers at least the prefix's requests with the same latencies, fails at least the
// prefix's failures, and measures at most `full_arrivals` requests.
std::optional<int64_t> prefix_lower_bound_ns(const Witness& prefix, uint64_t full_arrivals,
                                             LatencyStatistic s);

// A value below which the statistic of a dominated run cannot be, given that the dominated run
// answers at least `min_answered` measured requests (else it misses its min_throughput, which
// is how min_answered is chosen); nullopt when nothing follows. REQUIRES: dominating.unanswered
// == 0. Holds for any subset of the dominating run's answers, each no faster.
std::optional<int64_t> dominated_lower_bound_ns(const Witness& dominating, uint64_t min_answered,
                                                LatencyStatistic s);

// P(X >= k) for X ~ Binomial(n, p), by summing the terms in log space (n up to millions).
double binomial_upper_tail(uint64_t n, uint64_t k, double p);
// The confidence rule: `exceed` of `n` answered-or-failed measured requests above the target of
// a q-quantile. With independent requests and a true q-quantile at or below the target, each
// exceeds it with probability at most 1 - q, so `exceed` or more happen with probability at most
// binomial_upper_tail(n, exceed, 1 - q); the miss is declared when that is <= 1 - confidence.
bool binomial_miss(uint64_t n, uint64_t exceed, double q, double confidence);

}  // namespace sharesim::planner::proofs
