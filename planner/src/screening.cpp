// Short screening runs: a GPU runs first for a fraction of the duration; when that prefix proves
// a tenant misses a latency target of the full-length run (proofs::prefix_lower_bound_ns), the
// full run is not needed (docs/planner.md, "Short runs before full-length runs").
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <variant>

#include "search_steps.h"
#include "sharesim/models/arrival.h"
#include "sharesim/run/run_scenario.h"
#include "sharesim/sim/random.h"
#include "sharesim/sim/stats.h"
#include "sharesim/sim/text_format.h"

namespace sharesim::planner::detail {

std::vector<std::optional<proofs::Witness>> witnesses_of(
    const scenarios::Scenario& s, const std::vector<std::vector<models::RequestRecord>>& records,
    const run::RunReport& report) {
  std::vector<std::optional<proofs::Witness>> out(s.workloads.size());
  for (size_t k = 0; k < s.workloads.size() && k < report.workloads.size(); ++k) {
    const models::WorkloadStats& ws = report.workloads[k];
    if (s.workloads[k].llm || ws.name != s.workloads[k].name) continue;
    proofs::Witness w;
    w.arrived = ws.arrived;
    for (const models::RequestRecord& r : records[k]) {
      if (!r.measured) continue;
      if (r.failed)
        ++w.unanswered;
      else
        w.answered_ns.push_back((r.end - r.arrival).count_ns());
    }
    std::sort(w.answered_ns.begin(), w.answered_ns.end());
    // The records must be what the statistics were made of (else the bounds would not be about
    // the reported values): the same counts, minimum and maximum.
    const bool same = w.answered_ns.size() == ws.latency.count() &&
                      w.unanswered == ws.failed + ws.rejected + ws.timed_out &&
                      (w.answered_ns.empty() || (w.answered_ns.front() == ws.latency.min().count_ns() &&
                                                 w.answered_ns.back() == ws.latency.max().count_ns()));
    if (same) out[k] = std::move(w);
  }
  return out;
}

std::optional<uint64_t> measured_arrivals(const scenarios::Scenario& s, size_t workload) {
  const scenarios::WorkloadSpec& w = s.workloads[workload];
  if (w.llm || std::holds_alternative<models::ClosedLoopArrivals>(w.arrivals)) return std::nullopt;
  // The workload's own arrival process and stream (models::Workload: "<stream>/arrivals" from the
  // scenario seed, started at time 0): open arrivals do not depend on the service.
  sim::RandomStream rng(s.seed, (w.stream_name.empty() ? w.name : w.stream_name) + "/arrivals");
  const auto* trace = std::get_if<models::TraceArrivals>(&w.arrivals);
  std::optional<models::OpenArrivalProcess> process;
  if (trace != nullptr)
    process.emplace(*trace, sim::Time::zero());
  else
    process.emplace(models::ArrivalSpec(w.arrivals), sim::Time::zero());
  uint64_t measured = 0;
  while (auto a = process->next(rng)) {
    if (a->at > s.duration) break;
    if (a->at >= s.warmup) ++measured;
  }
  return measured;
}

namespace {

std::string ms_text(int64_t ns) {
  return ns == proofs::kUnbounded ? std::string("unbounded")
                                  : sim::fmt("%.3g ms", static_cast<double>(ns) * 1e-6);
}

}  // namespace

void prove_by_short_run(GpuEntry& e, GpuMemo& memo, const scenarios::Scenario& gpu_alone,
                        const scenarios::PlanSpec& spec, const ProofSettings& settings) {
  (void)spec;
  const double f = settings.screen_fraction;
  if (!(f > 0 && f < 1)) return;
  scenarios::Scenario prefix = gpu_alone;
  prefix.duration = gpu_alone.duration.scaled(f);
  if (prefix.duration <= prefix.warmup) return;
  std::map<std::string, size_t> index;
  for (size_t k = 0; k < prefix.workloads.size(); ++k) index[prefix.workloads[k].name] = k;
  std::vector<std::vector<models::RequestRecord>> records(prefix.workloads.size());
  run::RunOptions options;
  options.stop = memo.stop();
  options.request_observer = [&](const std::string& name, const models::RequestRecord& r) {
    if (!r.measured) return;
    if (auto it = index.find(name); it != index.end()) records[it->second].push_back(r);
  };
  memo.count_short_run();
  auto report = run::run_scenario(prefix, options);
  if (!report || report->interrupted || report->ended_at < prefix.duration) return;
  const std::vector<std::optional<proofs::Witness>> witnesses = witnesses_of(prefix, records, *report);
  // Every check a prefix proves missed tightens the bound; the first one names the reason.
  constexpr double kInf = std::numeric_limits<double>::infinity();
  struct Found {
    bool found = false;
    size_t tenant = 0;
    std::string reason;
    double bound = kInf;
  } exact, confident;
  for (size_t k = 0; k < witnesses.size(); ++k) {
    if (!witnesses[k]) continue;
    const std::optional<uint64_t> full_arrivals = measured_arrivals(gpu_alone, k);
    // The arrival process must be the one the run drew (same count over the prefix).
    if (!full_arrivals || measured_arrivals(prefix, k) != witnesses[k]->arrived) continue;
    const proofs::Witness& w = *witnesses[k];
    for (const models::SloCheck& check : report->workloads[k].slo) {
      const auto statistic = proofs::latency_statistic(check.metric);
      const int64_t target = check.latency_target.count_ns();
      if (!statistic || target <= 0) continue;
      const double target_s = check.latency_target.seconds();
      const std::string metric(models::slo_metric_name(check.metric));
      const auto floor = proofs::prefix_lower_bound_ns(w, *full_arrivals, *statistic);
      if (floor && *floor > target) {
        const double margin =
            *floor == proofs::kUnbounded ? -kInf : (target_s - static_cast<double>(*floor) * 1e-9) / target_s;
        if (!exact.found) {
          exact =
              Found{true, k,
                    "misses " + metric + ": the first " + sim::fmt("%g", f * 100) + " % of its run proves " +
                        metric + " >= " + ms_text(*floor) + " > " + ms_text(target),
                    margin};
        }
        exact.bound = std::min(exact.bound, margin);
        continue;
      }
      // Not proven: the opt-in binomial rule, on the quantiles only (not max, not mean).
      if (confident.found || settings.screen_confidence >= 1 || statistic->mean || statistic->q >= 1)
        continue;
      const auto above = static_cast<uint64_t>(
          w.answered_ns.end() - std::upper_bound(w.answered_ns.begin(), w.answered_ns.end(), target));
      const uint64_t n = w.answered_ns.size() + w.unanswered;
      if (proofs::binomial_miss(n, above + w.unanswered, statistic->q, settings.screen_confidence)) {
        // Not a bound: the short run's own margin stands for it.
        const double measured =
            check.latency_measured == sim::Time::max() ? kInf : check.latency_measured.seconds();
        confident =
            Found{true, k,
                  "misses " + metric + " with confidence " + sim::fmt("%g", settings.screen_confidence) +
                      ": " + std::to_string(above + w.unanswered) + " of " + std::to_string(n) +
                      " requests of the first " + sim::fmt("%g", f * 100) + " % of its run above " +
                      ms_text(target),
                  (target_s - measured) / target_s};
      }
    }
  }
  const Found& use = exact.found ? exact : confident;
  if (!use.found) return;
  e.proof = exact.found ? Evaluation::Proof::kShortRun : Evaluation::Proof::kConfidence;
  e.proof_tenant = use.tenant;
  e.proof_reason = use.reason;
  e.margin_bound = use.bound;
}

}  // namespace sharesim::planner::detail
