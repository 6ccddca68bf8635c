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
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sharesim/scenarios/source_location.h"
#include "sharesim/sim/result.h"

namespace sharesim::scenarios {

enum class PlanPolicy { kPassthrough, kTimeSlicing, kMps };
std::string_view plan_policy_name(PlanPolicy policy);  // "passthrough", "time-slicing", "mps"

struct DeviceOption {
  std::string name;                // label used for planned device names; default "<gpus>gpu"
  int gpus = 1;                    // 1 or 2 (the devices the claim rules model)
  double cost = 1.0;               // any unit, >= 0; plans compare by the sum of their devices' costs
  std::string gpu_profile = "t4";  // built-in profile name or a path (relative to the scenario)
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
  SourceLocation where;

  [[nodiscard]] bool allows(PlanPolicy policy) const;
};

// Reads the `plan:` section from scenario YAML text. Returns nullopt when the document has no
// top-level `plan` key. Errors name `file`, line, column and the key path ("plan.max_devices").
Result<std::optional<PlanSpec>> read_plan_spec_text(std::string_view yaml_text, const std::string& file);

}  // namespace sharesim::scenarios
