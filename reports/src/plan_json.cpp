// plan.json: the search's counts, the chosen plan (devices, GPUs, processes, deployments, SLO
// checks), the best alternative per cost level and policy, and why the problem is infeasible.
#include <cstdint>

#include "plan_text.h"
#include "sharesim/reports/json_writer.h"
#include "sharesim/reports/plan_outputs.h"

namespace sharesim::reports {

using planner::Candidate;
using planner::CheckOutcome;
using planner::Deployment;
using planner::DevicePlan;
using planner::Evaluation;
using planner::GpuPlan;
using planner::LevelResult;
using planner::PlanInput;
using planner::PlanResult;
using planner::Tenant;
using scenarios::Scenario;

namespace {

void write_candidate(JsonWriter& j, const PlanInput& input, const Candidate& c, const Evaluation& e) {
  j.begin_object();
  j.field("level", static_cast<uint64_t>(c.level)).field("index", static_cast<uint64_t>(c.index));
  j.field("cost", c.cost).field("policy", c.policy_label()).field("description", c.describe(input.scenario));
  j.field("state", detail::state_name(e.state)).field("feasible", e.feasible);
  if (e.state == Evaluation::State::kSimulated) j.field("margin", e.margin);
  if (!e.reason.empty()) j.field("reason", e.reason);
  j.key("checks").begin_array();
  for (const CheckOutcome& o : e.checks) {
    j.begin_object().field("workload", o.workload).field("metric", o.metric).field("target", o.target);
    j.field("measured", o.measured).field("margin", o.margin).field("met", o.met).end_object();
  }
  j.end_array();
  j.end_object();
}

}  // namespace

std::string plan_json(const PlanInput& input, const PlanResult& r) {
  const Scenario& base = input.scenario;
  const auto [chosen, chosen_eval] = detail::chosen_of(r);
  const auto alts = detail::alternatives(r);
  JsonWriter j;
  j.begin_object();
  j.field("scenario", base.name).field("file", base.file).field("seed", base.seed);
  // No plan from an inconclusive search is not a proof that none exists.
  j.field("status", chosen ? "found" : (r.complete ? "infeasible" : "inconclusive"));
  j.field("target", std::string(models::deploy_target_name(input.spec->target)));
  j.key("search").begin_object();
  j.field("status", r.complete ? "complete" : "inconclusive");
  j.field("levels_evaluated", static_cast<uint64_t>(r.levels.size()));
  j.field("candidates", static_cast<uint64_t>(r.candidates));
  j.field("screened_out", static_cast<uint64_t>(r.screened_out));
  j.field("simulated", static_cast<uint64_t>(r.simulated));
  // Of the simulated: proven infeasible without the full run of one of their GPUs.
  j.field("proven_by_dominance", static_cast<uint64_t>(r.proven_by_dominance));
  j.field("proven_by_short_run", static_cast<uint64_t>(r.proven_by_short_run));
  if (r.rejected_by_confidence > 0)
    j.field("rejected_by_confidence", static_cast<uint64_t>(r.rejected_by_confidence));
  uint64_t truncated = 0;
  for (const LevelResult& level : r.levels) truncated += level.truncated ? 1 : 0;
  j.field("truncated_levels", truncated);
  j.key("skipped").begin_array();
  for (const std::string& s : r.skipped) j.value(s);
  j.end_array();
  // A stopped search (--time-budget, a signal) is a partial plan: why it stopped; `skipped` says
  // what it did not search.
  j.field("interrupted", !r.interrupted.empty());
  if (!r.interrupted.empty()) j.field("stopped_by", r.interrupted);
  // Each level's count, made before the level was simulated: the levels the search reached.
  if (r.search_space_levels > 0) {
    j.key("search_space").begin_object();
    j.field("cost_levels", static_cast<uint64_t>(r.search_space_levels));
    j.key("levels_counted").begin_array();
    for (const auto& c : r.search_space) {
      j.begin_object();
      j.field("cost", c.cost)
          .field("candidates", static_cast<uint64_t>(c.candidates))
          .field("to_simulate", static_cast<uint64_t>(c.to_simulate))
          .field("truncated", c.truncated);
      j.end_object();
    }
    j.end_array();
    j.end_object();
  }
  j.end_object();
  if (chosen) {
    j.key("plan").begin_object();
    j.field("cost", chosen->cost)
        .field("policy", chosen->policy_label())
        .field("margin", chosen_eval->margin);
    j.field("description", chosen->describe(base));
    j.key("devices").begin_array();
    const auto parts = planner::deployments(input, *chosen);
    for (const DevicePlan& d : chosen->devices) {
      const auto& option = input.spec->device_options[d.option];
      j.begin_object().field("name", d.name).field("option", option.name).field("gpu_count", option.gpus);
      j.field("gpu_profile", option.gpu_profile).field("cost", option.cost);
      j.field("container_sharing", d.has_containers() ? (d.mps ? "mps" : "time-slicing") : "none");
      j.key("setup").begin_array();
      for (size_t g = 0; g < d.gpus.size(); ++g)
        if (d.gpus[g].passthrough)
          j.begin_object().field("vm", d.name + "-vm" + std::to_string(g)).end_object();
      if (d.has_containers()) j.begin_object().field("kubernetes", true).end_object();
      j.end_array();
      j.key("gpus").begin_array();
      for (size_t g = 0; g < d.gpus.size(); ++g) {
        const GpuPlan& gpu = d.gpus[g];
        j.begin_object().field("index", static_cast<uint64_t>(g));
        j.field("policy", gpu.tenants.empty()
                              ? "unused"
                              : (gpu.passthrough ? "passthrough" : (d.mps ? "mps" : "time-slicing")));
        j.key("processes").begin_array();
        for (const Tenant& t : gpu.tenants) {
          j.begin_object().field("workload", base.workloads[t.workload].name).field("replicas", t.processes);
          if (t.mps_percentage > 0) j.field("cuda_mps_active_thread_percentage", t.mps_percentage);
          j.end_object();
        }
        j.end_array().end_object();
      }
      j.end_array();
      j.end_object();
    }
    j.end_array();
    j.key("deployments").begin_array();
    for (const Deployment& p : parts) {
      j.begin_object().field("name", p.part).field("device", p.device).field("replicas", p.replicas);
      if (p.passthrough) j.field("vm", p.vm);
      j.key("env").begin_object();
      for (const auto& [k, v] : p.env) j.field(k, v);
      j.end_object().end_object();
    }
    j.end_array();
    j.key("slo").begin_array();
    for (const CheckOutcome& o : chosen_eval->checks) {
      j.begin_object().field("workload", o.workload).field("metric", o.metric).field("target", o.target);
      j.field("measured", o.measured).field("margin", o.margin).field("met", o.met).end_object();
    }
    j.end_array();
    if (r.explanation) {
      const planner::ChoiceExplanation& x = *r.explanation;
      j.key("explanation").begin_object();
      j.field("binding_workload", x.binding_workload).field("binding_metric", x.binding_metric);
      j.field("binding_margin", x.binding_margin).field("headroom", x.headroom);
      j.field("offered_rate_per_s", x.offered_rate_per_s);
      if (x.max_rate_per_s) j.field("max_rate_per_s", *x.max_rate_per_s);
      if (x.fails_above_per_s) j.field("fails_above_per_s", *x.fails_above_per_s);
      if (!x.max_rate_note.empty()) j.field("max_rate_note", x.max_rate_note);
      j.key("decided_by").begin_array();
      for (const std::string& why : x.decided_by) j.value(why);
      j.end_array();
      j.key("alternatives").begin_array();
      for (const auto& alt : x.alternatives) {
        j.begin_object()
            .field("level", static_cast<uint64_t>(alt.level))
            .field("index", static_cast<uint64_t>(alt.index));
        j.field("workload", alt.workload).field("metric", alt.metric).field("margin", alt.margin);
        j.field("offered_rate_per_s", alt.offered_rate_per_s);
        if (alt.holds_up_to_per_s) j.field("holds_up_to_per_s", *alt.holds_up_to_per_s);
        j.end_object();
      }
      j.end_array().end_object();
    }
    j.end_object();
  }
  j.key("alternatives").begin_array();
  for (const auto& [l, i] : alts)
    write_candidate(j, input, r.levels[l].candidates[i], r.levels[l].evaluations[i]);
  j.end_array();
  j.key("infeasible").begin_array();
  for (const std::string& why : r.infeasible) j.value(why);
  j.end_array();
  j.end_object();
  return j.str() + "\n";
}

}  // namespace sharesim::reports
