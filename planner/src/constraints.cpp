// The target's rules and the user's constraints in the search, and the explanation of the choice.
#include "constraints.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "sharesim/scenarios/target_rules.h"
#include "sharesim/sim/text_format.h"

namespace sharesim::planner::detail {

using models::DeployTarget;
using scenarios::PlanPolicy;
using scenarios::PlanSpec;
using scenarios::Scenario;
using sim::fmt;

Result<PlanConstraints> resolve_constraints(const Scenario& base, const PlanSpec& spec) {
  PlanConstraints c;
  c.target = spec.target;
  const size_t n = base.workloads.size();
  c.pinned.assign(n, false);
  c.vm_name.assign(n, "");
  c.exclusive.assign(n, false);
  auto index_of = [&](const std::string& name) -> std::optional<size_t> {
    for (size_t w = 0; w < n; ++w)
      if (base.workloads[w].name == name) return w;
    return std::nullopt;
  };
  auto names = [&] {
    std::string out;
    for (const auto& w : base.workloads) out += (out.empty() ? "" : ", ") + w.name;
    return out;
  };
  auto located = [](const scenarios::SourceLocation& at, std::string message) {
    return Error{at.file, at.line, at.column, at.field, std::move(message)};
  };
  for (const scenarios::PassthroughPin& pin : spec.passthrough) {
    const auto w = index_of(pin.workload);
    if (!w)
      return located(pin.where,
                     "expected a workload of the scenario (" + names() + "), found '" + pin.workload + "'");
    if (!models::target_capabilities(spec.target).gpu_vms) {
      return located(pin.where,
                     "[kubernetes-device-plugin.no-vms] workload '" + pin.workload +
                         "' must run in a GPU VM, but target kubernetes-device-plugin has no GPU VMs "
                         "(azure-stack-edge has them)");
    }
    c.pinned[*w] = true;
    c.vm_name[*w] = pin.vm;
  }
  for (const std::string& name : spec.exclusive) {
    const auto w = index_of(name);
    if (!w)
      return located(spec.exclusive_where,
                     "expected workloads of the scenario (" + names() + "), found '" + name + "'");
    c.exclusive[*w] = true;
  }
  if (spec.target == DeployTarget::kKubernetesDevicePlugin) {
    bool containers = false;
    for (size_t o = 0; o < spec.device_options.size(); ++o)
      containers = containers || spec.allows(o, PlanPolicy::kTimeSlicing) || spec.allows(o, PlanPolicy::kMps);
    if (!containers) {
      return located(spec.where,
                     "[kubernetes-device-plugin.no-vms] the plan allows only passthrough, but target "
                     "kubernetes-device-plugin has no GPU VMs: allow time-slicing or mps (one process "
                     "per GPU needs no sharing config)");
    }
    for (const auto& w : base.workloads) {
      if (w.runtime == scenarios::RuntimeKind::kIotEdge) {
        return located(w.where, "[kubernetes-device-plugin.no-iot-edge] workload '" + w.name +
                                    "' is an IoT Edge module; target kubernetes-device-plugin has Kubernetes "
                                    "deployments only (azure-stack-edge has IoT Edge)");
      }
    }
  }
  return c;
}

std::optional<std::string> placement_rule_broken(const PlanConstraints& constraints, const Candidate& c) {
  for (const DevicePlan& d : c.devices) {
    for (const GpuPlan& g : d.gpus) {
      for (const Tenant& t : g.tenants) {
        if (constraints.exclusive[t.workload] && g.tenants.size() > 1) return std::string(kRuleExclusive);
        if (constraints.pinned[t.workload] && (g.tenants.size() > 1 || t.processes > 1))
          return std::string(kRulePassthrough);
      }
    }
    if (constraints.target != DeployTarget::kKubernetesDevicePlugin || d.gpus.size() < 2) continue;
    // The plugin gives each pod the least-allocated GPU of the node: counts come out balanced, and
    // which workload lands where depends on the order the pods arrive in.
    int lo = 1 << 30, hi = 0, used = 0;
    bool single_process_gpus = true;
    std::set<size_t> workloads;
    for (const GpuPlan& g : d.gpus) {
      int processes = 0;
      for (const Tenant& t : g.tenants) {
        processes += t.processes;
        workloads.insert(t.workload);
      }
      lo = std::min(lo, processes);
      hi = std::max(hi, processes);
      used += processes > 0 ? 1 : 0;
      single_process_gpus = single_process_gpus && processes <= 1;
    }
    if (hi - lo > 1) return std::string(kRulePluginGpuChoice);
    if (used >= 2 && workloads.size() > 1 && !single_process_gpus) return std::string(kRulePluginGpuChoice);
  }
  return std::nullopt;
}

std::optional<std::string> policy_rule_broken(const PlanConstraints& constraints, const PlanSpec& spec,
                                              const DevicePlan& d) {
  for (const GpuPlan& g : d.gpus) {
    if (g.tenants.empty()) continue;
    const bool pinned = std::any_of(g.tenants.begin(), g.tenants.end(),
                                    [&](const Tenant& t) { return constraints.pinned[t.workload]; });
    if (pinned && !g.passthrough) return std::string(kRulePassthrough);
    if (g.passthrough && !models::target_capabilities(constraints.target).gpu_vms)
      return std::string(kRulePluginNoVms);
    if (g.passthrough && !pinned && !spec.allows(d.option, PlanPolicy::kPassthrough))
      return std::string(kRuleOptionPolicies);
  }
  if (d.has_containers() && !spec.allows(d.option, d.mps ? PlanPolicy::kMps : PlanPolicy::kTimeSlicing))
    return std::string(kRuleOptionPolicies);
  return std::nullopt;
}

int device_replicas(const DevicePlan& d) {
  int n = 0;
  for (const GpuPlan& g : d.gpus) {
    if (g.passthrough) continue;
    int processes = 0;
    for (const Tenant& t : g.tenants) processes += t.processes;
    n = std::max(n, processes);
  }
  return n;
}

std::vector<std::vector<int>> percentage_vectors(const std::vector<int>& values, size_t n) {
  std::vector<std::vector<int>> out;
  std::vector<size_t> digit(n, 0);
  const size_t kMaxVectors = 4096;
  while (out.size() < kMaxVectors) {
    std::vector<int> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = values[digit[i]];
    out.push_back(v);
    size_t i = 0;
    while (i < n && ++digit[i] == values.size()) digit[i++] = 0;
    if (i == n) break;
  }
  return out;
}

std::vector<std::vector<int>> plugin_mps_vectors(const PlanSpec& spec, const GpuPlan& gpu,
                                                 int node_replicas) {
  const size_t n = gpu.tenants.size();
  const int limit = models::device_plugin::mps_thread_percentage(std::max(1, node_replicas));
  std::vector<int> allowed;
  if (spec.mps_percentages)
    for (int v : *spec.mps_percentages)
      if (v <= limit) allowed.push_back(v);
  if (allowed.empty()) return {std::vector<int>(n, limit)};
  return percentage_vectors(allowed, n);
}

std::optional<std::string> target_screen(const Scenario& base, const PlanSpec& spec,
                                         const std::vector<models::GpuProfile>& profiles,
                                         const Candidate& c) {
  if (spec.target != DeployTarget::kKubernetesDevicePlugin) return std::nullopt;
  for (const DevicePlan& d : c.devices) {
    const int n = device_replicas(d);
    if (!d.mps || n < models::device_plugin::kMinReplicas) continue;
    const int64_t limit =
        models::device_plugin::mps_memory_limit_bytes(profiles[d.option].memory_usable_bytes, n);
    for (size_t g = 0; g < d.gpus.size(); ++g) {
      for (const Tenant& t : d.gpus[g].tenants) {
        const auto& w = base.workloads[t.workload];
        if (d.gpus[g].passthrough || w.memory_bytes <= limit) continue;
        return "kubernetes-device-plugin.mps-memory: " + d.name + "/gpu" + std::to_string(g) + ": '" +
               w.name + "' needs " + std::to_string(w.memory_bytes >> 20) +
               " MiB per process, above the plugin's MPS limit total/" + std::to_string(n) + " = " +
               std::to_string(limit >> 20) + " MiB";
      }
    }
  }
  return std::nullopt;
}

bool within_owned(const PlanSpec& spec, const std::vector<size_t>& multiset) {
  if (spec.owned.empty()) return true;
  std::map<size_t, int> count;
  for (size_t o : multiset) ++count[o];
  for (const auto& [option, k] : count) {
    const auto it = std::find_if(spec.owned.begin(), spec.owned.end(),
                                 [&](const scenarios::OwnedDevices& od) { return od.option == option; });
    if (it == spec.owned.end() || k > it->count) return false;
  }
  return true;
}

namespace {

const CheckOutcome* worst(const Evaluation& e) {
  const CheckOutcome* w = nullptr;
  for (const CheckOutcome& c : e.checks)
    if (w == nullptr || c.margin < w->margin) w = &c;
  return w;
}

}  // namespace

void explain_choice(const PlanInput& input, PlanResult& result) {
  result.explanation.reset();
  if (!result.chosen || !input.spec) return;
  const PlanSpec& spec = *input.spec;
  const Candidate& chosen = result.levels[result.chosen->first].candidates[result.chosen->second];
  const Evaluation& e = result.levels[result.chosen->first].evaluations[result.chosen->second];
  ChoiceExplanation x;
  x.headroom = spec.headroom;
  if (const CheckOutcome* w = worst(e)) {
    x.binding_workload = w->workload;
    x.binding_metric = w->metric;
    x.binding_margin = w->margin;
  }
  // The binding workload's rate at which the chosen configuration stops meeting its SLOs.
  if (!x.binding_workload.empty()) {
    const Scenario s = candidate_scenario(input.scenario, spec, chosen);
    const auto part = std::find_if(s.workloads.begin(), s.workloads.end(),
                                   [&](const auto& w) { return w.name == x.binding_workload; });
    const auto rate = part == s.workloads.end() ? std::nullopt : arrival_rate(part->arrivals);
    if (rate) x.offered_rate_per_s = *rate;
    auto found = max_rate(s, x.binding_workload, 0.02);
    if (!found) {
      x.max_rate_note = found.error().message;
    } else if (found->found) {
      x.max_rate_per_s = found->rate_per_s;
      x.fails_above_per_s = found->infeasible_above;
    } else {
      x.max_rate_note = "no rate of '" + x.binding_workload + "' found that holds every SLO";
    }
  }
  // What would change the decision for each rejected alternative: the rate of its worst workload
  // at which it would hold every SLO.
  for (const auto& [l, i] : best_alternatives(result)) {
    const Evaluation& ev = result.levels[l].evaluations[i];
    if (ev.feasible || ev.state != Evaluation::State::kSimulated) continue;
    const CheckOutcome* w = worst(ev);
    if (w == nullptr) continue;
    ChoiceExplanation::Alternative alt{l, i, w->workload, w->metric, w->margin, 0, std::nullopt};
    const Scenario s = candidate_scenario(input.scenario, spec, result.levels[l].candidates[i]);
    const auto part = std::find_if(s.workloads.begin(), s.workloads.end(),
                                   [&](const auto& sw) { return sw.name == w->workload; });
    if (part != s.workloads.end()) {
      if (const auto rate = arrival_rate(part->arrivals)) alt.offered_rate_per_s = *rate;
      if (auto found = max_rate(s, w->workload, 0.02); found && found->found)
        alt.holds_up_to_per_s = found->rate_per_s;
    }
    x.alternatives.push_back(std::move(alt));
  }
  // Constraints that decided: they removed candidates at this cost or cheaper, or a cheaper
  // candidate met every SLO but not with the headroom.
  // Rules that removed candidates at cheaper levels may have decided the cost; those that removed
  // candidates only at the chosen cost may have decided the configuration at that cost.
  std::map<std::string, size_t> cheaper, same;
  for (size_t l = 0; l <= result.chosen->first && l < result.levels.size(); ++l)
    for (const auto& [rule, k] : result.levels[l].pruned)
      (l < result.chosen->first ? cheaper : same)[rule] += k;
  for (const auto& [rule, k] : cheaper)
    x.decided_by.push_back(rule + ": removed " + std::to_string(k) + " candidate(s) cheaper than " +
                           fmt("%.6g", chosen.cost) + " (and " +
                           std::to_string(same.count(rule) ? same[rule] : 0) +
                           " at that cost): without it a cheaper plan may exist");
  for (const auto& [rule, k] : same)
    if (cheaper.count(rule) == 0)
      x.decided_by.push_back(rule + ": removed " + std::to_string(k) + " candidate(s) at cost " +
                             fmt("%.6g", chosen.cost) +
                             ": without it another configuration at this cost may win");
  if (spec.headroom > 0) {
    for (size_t l = 0; l < result.chosen->first; ++l) {  // cheaper levels: the chosen one had a plan
      const LevelResult& level = result.levels[l];
      for (size_t i = 0; i < level.evaluations.size(); ++i) {
        const Evaluation& ev = level.evaluations[i];
        if (ev.feasible || ev.state != Evaluation::State::kSimulated || ev.checks.empty()) continue;
        if (!std::all_of(ev.checks.begin(), ev.checks.end(),
                         [](const CheckOutcome& c) { return c.margin >= 0; }))
          continue;
        if (ev.reason.rfind("process", 0) == 0) continue;  // a failed process is not a headroom miss
        x.decided_by.push_back("plan.headroom: " + level.candidates[i].describe(input.scenario) + " (cost " +
                               fmt("%.6g", level.candidates[i].cost) +
                               ") meets every SLO, but with a margin of " + fmt("%.1f", ev.margin * 100) +
                               " % < the headroom of " + fmt("%.0f", spec.headroom * 100) + " %");
        break;
      }
      if (x.decided_by.size() > 8) break;
    }
  }
  if (!spec.owned.empty()) {
    std::string owned;
    for (const auto& od : spec.owned)
      owned += (owned.empty() ? "" : ", ") + std::to_string(od.count) + " x " +
               spec.device_options[od.option].name;
    x.decided_by.push_back("plan.owned: only the owned devices (" + owned + ") were searched");
  }
  result.explanation = std::move(x);
}

}  // namespace sharesim::planner::detail
