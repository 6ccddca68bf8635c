// Evaluating a candidate by simulation: its scenario run with run_scenario, every workload's SLO
// checks with their margins, and why it is infeasible when it is; and the same from per-GPU
// simulations, memoised (GpuMemo), which is how the search evaluates.
#include <algorithm>
#include <limits>
#include <map>
#include <mutex>
#include <string>

#include "search_steps.h"
#include "sharesim/planner/planner.h"
#include "sharesim/run/run_scenario.h"
#include "sharesim/sim/text_format.h"

namespace sharesim::planner::detail {

namespace {

// The SLO checks of one workload's statistics (CheckOutcome::workload left to the caller).
std::vector<CheckOutcome> checks_of(const models::WorkloadStats& ws) {
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

run::RunOptions stoppable(const sim::StopToken* stop) {
  run::RunOptions options;
  options.stop = stop;
  return options;
}

GpuOutcome simulate_gpu(const scenarios::Scenario& whole, const scenarios::Scenario& base, const Candidate& c,
                        size_t device, size_t gpu, const sim::StopToken* stop) {
  GpuOutcome out;
  const scenarios::Scenario alone = gpu_scenario(whole, base, c, device, gpu);
  auto report = run::run_scenario(alone, stoppable(stop));
  if (!report || report->interrupted || report->ended_at < alone.duration) return out;
  for (const auto& g : report->gpus)
    for (const auto& p : g.processes)
      if (p.failed) return out;
  for (const models::WorkloadStats& ws : report->workloads) out.tenant_checks.push_back(checks_of(ws));
  out.exact = out.tenant_checks.size() == alone.workloads.size();
  return out;
}

}  // namespace

namespace {

Evaluation simulate_whole(const scenarios::Scenario& whole, const scenarios::PlanSpec& spec,
                          const sim::StopToken* stop = nullptr) {
  Evaluation e;
  auto report = run::run_scenario(whole, stoppable(stop));
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
    for (CheckOutcome& o : checks_of(ws)) {
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

std::string gpu_memo_key(const scenarios::Scenario& whole, const scenarios::Scenario& base,
                         const scenarios::PlanSpec& spec, const Candidate& c, size_t device, size_t gpu) {
  const DevicePlan& plan = c.devices[device];
  const GpuPlan& g = plan.gpus[gpu];
  const std::vector<int> total = processes_per_workload(base, c);
  const std::vector<int> parts = parts_per_workload(base, c);
  // The profile as the option names it (options naming one profile share entries), the policy,
  // then per tenant: workload, processes, its workload's processes when split (the arrival share
  // and the streams), MPS percentage.
  std::string key = spec.device_options[plan.option].gpu_profile;
  key += g.passthrough ? "|vm|" : (plan.mps ? "|mps|" : "|ts|");
  for (const Tenant& t : g.tenants) {
    key += std::to_string(t.workload) + "x" + std::to_string(t.processes);
    if (parts[t.workload] > 1) key += "/" + std::to_string(total[t.workload]);
    key += ",";
  }
  // What the workload specs carry after the target's rules (the stock plugin's percentage and
  // memory limit depend on the whole device), in tenant order.
  const std::vector<PartRef> order = parts_in_order(base, c);
  for (size_t k = 0; k < order.size(); ++k) {
    if (order[k].device != device || order[k].gpu != gpu) continue;
    const scenarios::WorkloadSpec& w = whole.workloads[k];
    key += "|" + std::to_string(static_cast<int>(w.runtime)) + ":" +
           std::to_string(w.mps_active_thread_percentage.value_or(-1)) + ":" +
           std::to_string(w.mps_pinned_mem_limit_bytes.value_or(-1));
  }
  return key;
}

struct GpuMemo::State {
  struct Entry {
    std::once_flag once;
    GpuOutcome outcome;
  };
  const sim::StopToken* stop = nullptr;
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<Entry>> entries;  // node-based: entries never move
};

GpuMemo::GpuMemo() : state_(std::make_unique<State>()) {}
GpuMemo::~GpuMemo() = default;

const GpuOutcome& GpuMemo::outcome(const scenarios::Scenario& whole, const scenarios::Scenario& base,
                                   const scenarios::PlanSpec& spec, const Candidate& c, size_t device,
                                   size_t gpu) {
  const std::string key = gpu_memo_key(whole, base, spec, c, device, gpu);
  State::Entry* entry = nullptr;
  {
    const std::lock_guard<std::mutex> lock(state_->mutex);
    auto& slot = state_->entries[key];
    if (!slot) slot = std::make_unique<State::Entry>();
    entry = slot.get();
  }
  std::call_once(entry->once,
                 [&] { entry->outcome = simulate_gpu(whole, base, c, device, gpu, state_->stop); });
  return entry->outcome;
}

void GpuMemo::set_stop(const sim::StopToken* stop) {
  state_->stop = stop;
}

const sim::StopToken* GpuMemo::stop() const {
  return state_->stop;
}

size_t GpuMemo::simulations() const {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->entries.size();
}

Evaluation evaluate(const scenarios::Scenario& base, const scenarios::PlanSpec& spec, const Candidate& c,
                    GpuMemo& memo) {
  const scenarios::Scenario whole = candidate_scenario(base, spec, c);
  // Outcomes per (device, gpu), looked up once each.
  std::vector<std::vector<const GpuOutcome*>> outcomes(c.devices.size());
  for (size_t d = 0; d < c.devices.size(); ++d) {
    outcomes[d].resize(c.devices[d].gpus.size(), nullptr);
    for (size_t g = 0; g < c.devices[d].gpus.size(); ++g) {
      if (c.devices[d].gpus[g].tenants.empty()) continue;
      outcomes[d][g] = &memo.outcome(whole, base, spec, c, d, g);
      if (!outcomes[d][g]->exact) return simulate_whole(whole, spec, memo.stop());
    }
  }
  Evaluation e;
  e.state = Evaluation::State::kSimulated;
  e.feasible = true;
  const std::vector<PartRef> order = parts_in_order(base, c);
  for (size_t k = 0; k < order.size(); ++k) {
    const PartRef& part = order[k];
    const std::string& name = whole.workloads[k].name;
    for (CheckOutcome o : outcomes[part.device][part.gpu]->tenant_checks[part.tenant]) {
      o.workload = name;
      e.checks.push_back(std::move(o));
    }
  }
  conclude(e, spec);
  return e;
}

}  // namespace sharesim::planner::detail
