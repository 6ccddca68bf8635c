// The target's rules and the user's constraints as the search applies them (docs/planner.md,
// "Targets" and "Constraints"). Private to the planner library. Each check returns the name of the
// rule or constraint a candidate breaks, so the search can count what each one removed and
// plan.md can say which constraint decided the choice.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sharesim/models/gpu_profile.h"
#include "sharesim/planner/planner.h"
#include "sharesim/scenarios/plan_spec.h"
#include "sharesim/scenarios/scenario.h"
#include "sharesim/sim/result.h"

namespace sharesim::planner::detail {

struct PlanConstraints {
  models::DeployTarget target = models::DeployTarget::kAzureStackEdge;
  std::vector<bool> pinned;          // per workload: must run in a GPU VM
  std::vector<std::string> vm_name;  // per workload: the required VM name (empty: any)
  std::vector<bool> exclusive;       // per workload: must not share a GPU with another workload
};

// Resolves the names in the plan section against the scenario's workloads and checks that the
// target can honour them. Errors are located at the plan key.
Result<PlanConstraints> resolve_constraints(const scenarios::Scenario& base, const scenarios::PlanSpec& spec);

// Names of the rules, as counted in LevelResult::pruned and shown in plan.md.
inline constexpr const char* kRuleExclusive = "plan.exclusive";
inline constexpr const char* kRulePassthrough = "plan.passthrough";
inline constexpr const char* kRuleOptionPolicies = "plan.device_options[].policies";
inline constexpr const char* kRulePluginGpuChoice = "kubernetes-device-plugin.gpu-choice";
inline constexpr const char* kRulePluginNoVms = "kubernetes-device-plugin.no-vms";

// A placement (tenants on GPUs, before policies) that breaks a constraint: exclusive workloads
// alone on their GPU, pinned processes alone on theirs, and on the stock plugin only placements
// its allocator produces whatever the order pods arrive in (per node: GPU process counts differ
// by at most one, and a node using several GPUs holds one workload or one process per GPU).
std::optional<std::string> placement_rule_broken(const PlanConstraints& constraints, const Candidate& c);

// A device's policy choice that breaks a constraint: pinned processes on passthrough, no VMs on
// the plugin, each option's allowed policies.
std::optional<std::string> policy_rule_broken(const PlanConstraints& constraints,
                                              const scenarios::PlanSpec& spec, const DevicePlan& device);

// The device-plugin replicas N of a device: the most container processes on one of its GPUs.
int device_replicas(const DevicePlan& device);

// Every vector of n values drawn from `values` (at most 4,096, in odometer order).
std::vector<std::vector<int>> percentage_vectors(const std::vector<int>& values, size_t n);

// On the stock plugin the MPS daemon fixes every client's share at 100/N and a client can only
// lower it: the vectors the search may try on one GPU (auto: only the default; a list: its values
// <= 100/N, or the default when none is).
std::vector<std::vector<int>> plugin_mps_vectors(const scenarios::PlanSpec& spec, const GpuPlan& gpu,
                                                 int node_replicas);

// The plugin's MPS memory limit against each client's memory (the rule's name leads the reason).
std::optional<std::string> target_screen(const scenarios::Scenario& base, const scenarios::PlanSpec& spec,
                                         const std::vector<models::GpuProfile>& profiles, const Candidate& c);

// Whether a device multiset stays within the owned hardware (always, when nothing is owned).
bool within_owned(const scenarios::PlanSpec& spec, const std::vector<size_t>& multiset);

// The chosen plan explained: the binding SLO check, its margin against the headroom, the rate of
// the binding workload at which the chosen configuration stops meeting its SLOs (max_rate), and
// which constraint decided the choice when one did. Fills result.explanation.
void explain_choice(const PlanInput& input, PlanResult& result);

}  // namespace sharesim::planner::detail
