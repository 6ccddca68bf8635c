// The `plan:` section of a scenario: what the capacity planner (`sharesim plan`, planner/) may
// change and what things cost. Plain validated data; read by read_plan_section (scenarios/src/
// plan_section.h) and, for callers outside the scenarios library, by read_plan_spec_text below.
//
//   plan:
//     device_options:            # what can be bought (at least one)
//       - {gpus: 1, cost: 1.0}
//       - {gpus: 2, cost: 1.6, gpu_profile: t4, name: ase-2gpu}
//     max_devices: 8             # devices in one plan, 1..64 (default 4)
//     policies: [passthrough, time-slicing, mps]   # default: all three
//     mps_percentages: auto      # or a list of CUDA_MPS_ACTIVE_THREAD_PERCENTAGE values (1..100)
//     replicas: {min: 1, max: 4} # processes per workload (default {min: 1, max: 1})
//     target: azure-stack-edge   # or kubernetes-device-plugin: whose rules the plan obeys
//     owned: [{option: ase-2gpu, count: 2}]   # hardware already owned: never more than these
//     passthrough: [{workload: video, vm: analytics-vm}]  # must run in a (named) GPU VM
//     exclusive: [detector]      # workloads that must not share a GPU with another workload
//     headroom: 20%              # every SLO met with this margin (latency <= (1 - h) x target)
// and per device option `policies: [mps]` (the policies that device may use).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sharesim/models/deploy_target.h"
#include "sharesim/scenarios/source_location.h"
#include "sharesim/sim/result.h"

namespace sharesim::scenarios {

enum class PlanPolicy { kPassthrough, kTimeSlicing, kMps };
std::string_view plan_policy_name(PlanPolicy policy);  // "passthrough", "time-slicing", "mps"

struct DeviceOption {
  std::string name;                  // label used for planned device names; default "<gpus>gpu"
  int gpus = 1;                      // 1 or 2 (the devices the claim rules model)
  double cost = 1.0;                 // any unit, >= 0; plans compare by the sum of their devices' costs
  std::string gpu_profile = "t4";    // built-in profile name or a path (relative to the scenario)
  std::vector<PlanPolicy> policies;  // the policies its GPUs may use; empty = the plan's `policies`
  SourceLocation where;
};

// Devices already owned: the plan chooses only sharing and placement on at most `count` of them.
struct OwnedDevices {
  size_t option = 0;  // index into PlanSpec::device_options
  int count = 1;      // 1..64
  SourceLocation where;
};

// A workload that must run in a GPU VM (passthrough), named `vm` when given.
struct PassthroughPin {
  std::string workload;
  std::string vm;  // empty: any VM name
  SourceLocation where;
};

struct ReplicaRange {
  int min = 1;  // 1..48
  int max = 1;  // min..48
};

struct PlanSpec {
  std::vector<DeviceOption> device_options;  // non-empty, in file order
  int max_devices = 4;
  std::vector<PlanPolicy> policies = {PlanPolicy::kPassthrough, PlanPolicy::kTimeSlicing, PlanPolicy::kMps};
  // nullopt = auto (uniform 100/N, proportional to offered load, and neighbours); otherwise the
  // percentages a client may be given, ascending and unique, each 1..100.
  std::optional<std::vector<int>> mps_percentages;
  ReplicaRange replicas;
  models::DeployTarget target = models::DeployTarget::kAzureStackEdge;
  std::vector<OwnedDevices> owned;          // empty: devices are bought
  std::vector<PassthroughPin> passthrough;  // workloads pinned to GPU VMs
  std::vector<std::string> exclusive;       // workloads that must not share a GPU
  SourceLocation exclusive_where;
  double headroom = 0;  // 0 <= h < 1: a check holds when its margin is at least h
  SourceLocation where;

  [[nodiscard]] bool allows(PlanPolicy policy) const;
  // The policies device option `option` may use (its own list, else the plan's).
  [[nodiscard]] bool allows(size_t option, PlanPolicy policy) const;
};

// Reads the `plan:` section from scenario YAML text. Returns nullopt when the document has no
// top-level `plan` key. Errors name `file`, line, column and the key path ("plan.max_devices").
Result<std::optional<PlanSpec>> read_plan_spec_text(std::string_view yaml_text, const std::string& file);

}  // namespace sharesim::scenarios
