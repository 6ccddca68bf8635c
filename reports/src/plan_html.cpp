// A plan's report.html: the chosen plan and the best alternative per cost level and policy, with each
// workload's simulated p99 against its target (reports/html_report.h).
#include <algorithm>
#include <cmath>

#include "plan_text.h"
#include "sharesim/reports/html_report.h"
#include "sharesim/reports/plan_outputs.h"

namespace sharesim::reports {

using planner::Candidate;
using planner::CheckOutcome;
using planner::Evaluation;
using planner::PlanInput;
using planner::PlanResult;

std::string plan_report_html(const PlanInput& input, const PlanResult& r) {
  const auto alternatives = detail::alternatives(r);
  const scenarios::Scenario& base = input.scenario;
  PlanComparison page;
  page.title = "sharesim plan: " + base.name;
  page.notes = detail::explanation_lines(r);
  if (!r.interrupted.empty()) {
    std::vector<std::string> stopped = {"Search interrupted (" + r.interrupted +
                                        "): a partial plan. Not searched:"};
    for (const std::string& s : r.skipped) stopped.push_back("- " + s);
    page.notes.insert(page.notes.begin(), stopped.begin(), stopped.end());
  }
  std::vector<std::pair<size_t, size_t>> rows;
  if (r.chosen) rows.push_back(*r.chosen);
  for (const auto& alt : alternatives) {
    if (!r.chosen || alt != *r.chosen) rows.push_back(alt);
  }
  for (const auto& [l, i] : rows) {
    const Candidate& c = r.levels[l].candidates[i];
    const Evaluation& e = r.levels[l].evaluations[i];
    PlanCandidateRow row;
    row.label = c.describe(base);
    row.policy = c.policy_label();
    row.cost = c.cost;
    row.feasible = e.feasible;
    row.chosen = r.chosen && *r.chosen == std::make_pair(l, i);
    if (!e.feasible) {
      row.why_not = e.reason;
      if (const CheckOutcome* w = detail::worst_check(e); w != nullptr && row.why_not.empty()) {
        row.why_not = w->workload + " " + w->metric + ": " + detail::value_text(*w, w->measured) + " vs " +
                      detail::value_text(*w, w->target);
      }
    }
    for (const auto& workload : base.workloads) {
      PlanWorkloadResult result;
      result.workload = workload.name;
      if (workload.slo.p99) result.target_ms = workload.slo.p99->milliseconds();
      result.slo_met = e.state == Evaluation::State::kSimulated;
      bool measured = false;
      for (const CheckOutcome& o : e.checks) {
        // Split workloads are checked per part ("name@device/gpuN"): the worst part stands for it.
        if (o.workload != workload.name && o.workload.rfind(workload.name + "@", 0) != 0) continue;
        result.slo_met = result.slo_met && o.met;
        if (o.metric == "p99" && std::isfinite(o.measured)) {
          result.p99_ms = std::max(result.p99_ms.value_or(0.0), o.measured * 1e3);
          measured = true;
        }
      }
      if (!measured) result.p99_ms.reset();
      row.workloads.push_back(result);
    }
    page.rows.push_back(std::move(row));
  }
  return plan_comparison_html(page);
}

}  // namespace sharesim::reports
