// Evaluating a candidate by simulation: its scenario run with run_scenario, every workload's SLO
// checks with their margins, and why it is infeasible when it is; and the same from per-GPU
// simulations, memoised (GpuMemo), which is how the search evaluates.
#include <algorithm>
#include <limits>
#include <map>
#include <string>

#include "search_steps.h"
#include "sharesim/planner/planner.h"
#include "sharesim/run/run_scenario.h"
#include "sharesim/sim/text_format.h"

namespace sharesim::planner::detail {

// The SLO checks of one workload's statistics (CheckOutcome::workload left to the caller).
std::vector<CheckOutcome> checks_of_stats(const models::WorkloadStats& ws) {
  std::vector<CheckOutcome> out;
  for (const models::SloCheck& check : ws.slo) {
    CheckOutcome o;
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
    out.push_back(std::move(o));
  }
  return out;
}

namespace {

// Feasibility, margin and reason from the checks (and a reason already set by a failed process).
// plan.headroom applies here, after the memo: a check holds only with at least that margin.
void conclude(Evaluation& e, const scenarios::PlanSpec& spec) {
  double margin = std::numeric_limits<double>::infinity();
  for (CheckOutcome& o : e.checks) {
    o.met = o.met && (spec.headroom <= 0 || o.margin >= spec.headroom);
    if (!o.met) e.feasible = false;
    margin = std::min(margin, o.margin);
  }
  e.margin = e.checks.empty() ? 0 : margin;
  if (!e.feasible && e.reason.empty()) {
    for (const CheckOutcome& o : e.checks) {
      if (!o.met) {
        e.reason = "'" + o.workload + "' misses " + o.metric +
                   (o.margin >= 0 ? " by the headroom (margin " + sim::fmt("%.1f", o.margin * 100) + " % < " +
                                        sim::fmt("%.0f", spec.headroom * 100) + " %)"
                                  : "");
        break;
      }
    }
  }
}

}  // namespace

namespace {

Evaluation simulate_whole(const scenarios::Scenario& whole, const scenarios::PlanSpec& spec,
                          const sim::StopToken* stop = nullptr) {
  Evaluation e;
  run::RunOptions options;
  options.stop = stop;
  auto report = run::run_scenario(whole, options);
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
  for (const models::WorkloadStats& ws : report->workloads) {
    for (CheckOutcome& o : checks_of_stats(ws)) {
      o.workload = ws.name;
      e.checks.push_back(std::move(o));
    }
  }
  conclude(e, spec);
  return e;
}

}  // namespace

Evaluation simulate(const scenarios::Scenario& base, const scenarios::PlanSpec& spec, const Candidate& c) {
  return simulate_whole(candidate_scenario(base, spec, c), spec);
}

Evaluation assemble(const scenarios::Scenario& base, const scenarios::PlanSpec& spec, const Candidate& c,
                    const std::vector<size_t>& entries, GpuMemo& memo, bool use_proofs) {
  // Flat GPU index of each (device, gpu), as `entries` lists them.
  std::vector<size_t> first_gpu(c.devices.size(), 0);
  for (size_t d = 1; d < c.devices.size(); ++d)
    first_gpu[d] = first_gpu[d - 1] + c.devices[d - 1].gpus.size();
  const std::vector<PartRef> order = parts_in_order(base, c);
  const std::vector<int> parts = parts_per_workload(base, c);
  auto name_of = [&](const PartRef& part) {
    return part_name(base.workloads[part.workload].name, c.devices[part.device], part.gpu,
                     parts[part.workload]);
  };
  // The candidate's proof is the strongest of its GPUs' (dominance, then short run, then
  // confidence: each is tried on every GPU of a candidate no stronger proof dooms, so which one a
  // candidate counts under does not depend on the shards); the first such GPU names it.
  std::vector<const GpuEntry*> gpus(entries.size(), nullptr);
  const GpuEntry* proven = nullptr;
  size_t proven_at = 0;
  double bound = std::numeric_limits<double>::infinity();
  for (size_t k = 0; k < entries.size(); ++k) {
    if (entries[k] == SIZE_MAX) continue;
    gpus[k] = &memo.entry(entries[k]);
    if (gpus[k]->proof == Evaluation::Proof::kNone) continue;
    if (proven == nullptr || gpus[k]->proof < proven->proof) {
      proven = gpus[k];
      proven_at = k;
    }
    bound = std::min(bound, gpus[k]->margin_bound);
  }
  if (proven != nullptr && use_proofs) {
    Evaluation e;
    e.state = Evaluation::State::kSimulated;
    e.proof = proven->proof;
    e.margin = bound;
    for (const PartRef& part : order)
      if (first_gpu[part.device] + part.gpu == proven_at && part.tenant == proven->proof_tenant)
        e.reason = "'" + name_of(part) + "' " + proven->proof_reason;
    return e;
  }
  for (const GpuEntry* g : gpus) {
    if (g != nullptr && (!g->full_done || !g->full.exact)) {
      Evaluation whole = simulate_whole(candidate_scenario(base, spec, c), spec, memo.stop());
      whole.proof = proven != nullptr ? proven->proof : Evaluation::Proof::kNone;
      return whole;
    }
  }
  Evaluation e;
  e.state = Evaluation::State::kSimulated;
  e.feasible = true;
  e.proof = proven != nullptr ? proven->proof : Evaluation::Proof::kNone;
  for (const PartRef& part : order) {
    const std::string name = name_of(part);
    for (CheckOutcome o : gpus[first_gpu[part.device] + part.gpu]->full.tenant_checks[part.tenant]) {
      o.workload = name;
      e.checks.push_back(std::move(o));
    }
  }
  conclude(e, spec);
  return e;
}

}  // namespace sharesim::planner::detail
