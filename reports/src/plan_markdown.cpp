// plan.md: the chosen plan as tables a person reads (GPUs and processes, simulated SLOs, creation
// order), or why there is none, and the best alternative per cost level and policy.
#include <sstream>

#include "plan_text.h"
#include "sharesim/deploy/deploy_files.h"
#include "sharesim/reports/plan_outputs.h"
#include "sharesim/sim/text_format.h"

namespace sharesim::reports {

using planner::Candidate;
using planner::CheckOutcome;
using planner::DevicePlan;
using planner::Evaluation;
using planner::GpuPlan;
using planner::LevelResult;
using planner::PlanInput;
using planner::PlanResult;
using planner::Tenant;
using scenarios::Scenario;
using sim::fmt;

std::string plan_markdown(const PlanInput& input, const PlanResult& r) {
  const Scenario& base = input.scenario;
  const auto [chosen, chosen_eval] = detail::chosen_of(r);
  const auto alts = detail::alternatives(r);
  std::ostringstream md;
  md << "# Capacity plan for '" << base.name << "'\n\n";
  md << "Searched " << r.levels.size() << " cost level(s): " << r.candidates << " candidates, "
     << r.screened_out << " rejected by the cheap bounds, " << r.simulated << " simulated (" << base.file
     << ", seed " << base.seed << ").";
  // Proven infeasible without a full-length run of one of their GPUs (docs/planner.md).
  if (r.proven_by_dominance + r.proven_by_short_run + r.rejected_by_confidence > 0) {
    md << " Of the simulated, " << r.proven_by_dominance << " proven to miss by dominance and "
       << r.proven_by_short_run << " by short runs";
    if (r.rejected_by_confidence > 0) md << ", " << r.rejected_by_confidence << " rejected by confidence";
    md << ", without the full run of a GPU.";
  }
  md << "\n\n";
  if (r.search_space_levels > 0) {
    md << "Search space: " << r.search_space_levels
       << " cost level(s); each level searched, counted before it was "
       << "simulated:";
    for (size_t l = 0; l < r.search_space.size(); ++l) {
      const auto& c = r.search_space[l];
      md << (l == 0 ? " " : "; ") << "level " << l + 1 << " (cost " << fmt("%.6g", c.cost) << ") "
         << c.candidates << " candidates" << (c.truncated ? " (cut at the bound)" : "") << ", "
         << c.to_simulate << " to simulate";
    }
    md << ".\n\n";
  }
  if (r.complete) {
    md << "Search: **complete**: every candidate of every cost level up to the decision was evaluated"
       << (chosen
               ? ", so no cheaper plan exists in the search space and none of this cost has a larger margin"
               : "")
       << ".\n\n";
  } else {
    if (!r.interrupted.empty())
      md << "Search: **interrupted** (" << r.interrupted << "): this is a partial plan.\n\n";
    md << "Search: **inconclusive**: not every candidate was evaluated, so "
       << (chosen ? "a cheaper plan, or one of this cost with a larger margin, may exist"
                  : "no plan found does not prove that none exists")
       << ". Skipped:\n\n";
    for (const std::string& s : r.skipped) md << "- " << s << "\n";
    md << "\n";
  }
  for (const LevelResult& level : r.levels) {
    if (level.truncated) {
      md << "**Note:** the level of cost " << fmt("%.6g", level.cost)
         << " had more candidates than the search evaluates per level; only the first ones (in search order) "
            "were tried.\n\n";
    }
  }
  if (chosen) {
    md << "## Chosen plan: cost " << fmt("%.6g", chosen->cost) << " (" << chosen->policy_label() << ")\n\n";
    md << "Smallest SLO margin: " << fmt("%.1f", chosen_eval->margin * 100)
       << " %. Target: " << models::deploy_target_name(input.spec->target) << ".\n\n";
    const auto why = detail::explanation_lines(r);
    if (!why.empty()) {
      md << "### Why this plan\n\n";
      for (const std::string& line : why) md << "- " << line << "\n";
      md << "\n";
    }
    md << "| device | GPU | policy | processes |\n|---|---|---|---|\n";
    for (const DevicePlan& d : chosen->devices) {
      for (size_t g = 0; g < d.gpus.size(); ++g) {
        const GpuPlan& gpu = d.gpus[g];
        std::string procs;
        for (const Tenant& t : gpu.tenants) {
          procs += (procs.empty() ? "" : ", ") + base.workloads[t.workload].name + " x" +
                   std::to_string(t.processes);
          if (t.mps_percentage > 0) procs += " at " + std::to_string(t.mps_percentage) + " %";
        }
        md << "| " << d.name << " (" << input.spec->device_options[d.option].name << ") | " << g << " | "
           << (gpu.tenants.empty()
                   ? "unused"
                   : (gpu.passthrough ? "passthrough (VM)" : (d.mps ? "MPS" : "time-slicing")))
           << " | " << (procs.empty() ? "-" : procs) << " |\n";
      }
    }
    md << "\n### SLOs (simulated)\n\n| workload | metric | target | measured | margin "
          "|\n|---|---|---|---|---|\n";
    for (const CheckOutcome& o : chosen_eval->checks) {
      md << "| " << o.workload << " | " << o.metric << " | " << detail::value_text(o, o.target) << " | "
         << detail::value_text(o, o.measured) << " | " << fmt("%+.1f", o.margin * 100) << " % |\n";
    }
    md << "\n### Creation order\n\n";
    const scenarios::Scenario planned = planner::candidate_scenario(base, *input.spec, *chosen);
    for (const scenarios::DeviceSpec& d : planned.devices) md << "```\n" << deploy::setup_order(d) << "```\n";
    md << "\nDeployment files: `deploy/` (`deploy/README.md` says how to apply them).\n";
  } else {
    md << (r.complete ? "## No plan: infeasible\n\n" : "## No plan found: inconclusive\n\n");
    for (const std::string& why : r.infeasible) md << "- " << why << "\n";
  }
  md << "\n## Best alternative per cost level and policy\n\n| policy | cost | configuration | result | worst "
        "SLO |\n|---|---|---|---|---|\n";
  for (const auto& [l, i] : alts) {
    const Candidate& c = r.levels[l].candidates[i];
    const Evaluation& e = r.levels[l].evaluations[i];
    std::string result = e.feasible
                             ? "meets every SLO"
                             : (e.state == Evaluation::State::kScreenedOut ? "rejected by bound" : "misses");
    std::string worst = "-";
    if (const CheckOutcome* w = detail::worst_check(e)) {
      worst = w->workload + " " + w->metric + ": " + detail::value_text(*w, w->measured) + " vs " +
              detail::value_text(*w, w->target) + " (" + fmt("%+.1f", w->margin * 100) + " %)";
    }
    if (!e.reason.empty() && !e.feasible) worst = e.reason + (worst == "-" ? "" : "; " + worst);
    md << "| " << c.policy_label() << " | " << fmt("%.6g", c.cost) << " | " << c.describe(base) << " | "
       << result << " | " << worst << " |\n";
  }
  return md.str();
}

}  // namespace sharesim::reports
