// Evaluating a candidate by simulation: its scenario run with run_scenario, every workload's SLO
// checks with their margins, and why it is infeasible when it is.
#include <algorithm>
#include <limits>
#include <string>

#include "search_steps.h"
#include "sharesim/planner/planner.h"
#include "sharesim/run/run_scenario.h"

namespace sharesim::planner::detail {

Evaluation simulate(const scenarios::Scenario& base, const scenarios::PlanSpec& spec, const Candidate& c) {
  Evaluation e;
  auto report = run::run_scenario(candidate_scenario(base, spec, c));
  if (!report) {
    e.state = Evaluation::State::kError;
    e.reason = report.error().to_string();
    e.margin = -std::numeric_limits<double>::infinity();
    return e;
  }
  e.state = Evaluation::State::kSimulated;
  e.feasible = !report->interrupted;
  for (const auto& gpu : report->gpus) {
    for (const auto& p : gpu.processes) {
      if (p.failed && e.reason.empty()) {
        e.reason = "process of '" + p.workload + "' failed: " + p.failure;
        e.feasible = false;
      }
    }
  }
  double margin = std::numeric_limits<double>::infinity();
  for (const models::WorkloadStats& ws : report->workloads) {
    for (const models::SloCheck& check : ws.slo) {
      CheckOutcome o;
      o.workload = ws.name;
      o.metric = std::string(models::slo_metric_name(check.metric));
      if (check.metric == models::SloMetric::kMinThroughput) {
        o.target = check.throughput_target_per_s;
        o.measured = check.throughput_measured_per_s;
        o.margin = o.target > 0 ? (o.measured - o.target) / o.target : 0;
      } else {
        o.target = check.latency_target.seconds();
        o.measured = check.latency_measured == sim::Time::max() ? std::numeric_limits<double>::infinity()
                                                                : check.latency_measured.seconds();
        o.margin = o.target > 0 ? (o.target - o.measured) / o.target : 0;
      }
      o.met = check.met;
      if (!o.met) e.feasible = false;
      margin = std::min(margin, o.margin);
      e.checks.push_back(std::move(o));
    }
  }
  e.margin = e.checks.empty() ? 0 : margin;
  if (!e.feasible && e.reason.empty()) {
    for (const CheckOutcome& o : e.checks) {
      if (!o.met) {
        e.reason = "'" + o.workload + "' misses " + o.metric;
        break;
      }
    }
  }
  return e;
}

}  // namespace sharesim::planner::detail
