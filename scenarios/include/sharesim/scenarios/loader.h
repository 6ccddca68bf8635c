// Loading a scenario file: YAML -> overrides -> validation -> Scenario.
//
// Everything that can be checked without simulating is checked here, before anything runs:
// types, units, ranges, unknown keys (with a "did you mean" suggestion), duplicate keys, names
// that must exist or be unique, the env variables of each workload, and the trace and profile
// files a scenario names (they are read and parsed now). The first problem found is returned as
// an Error naming the file, line and column, the key path (e.g. "workloads[0].arrivals.poisson.rate")
// and what was expected and what was found. The loader never throws and never asserts on input.
//
// The schema (every key, type, unit, default and rule) is documented in docs/scenarios.md.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sharesim/scenarios/csv.h"
#include "sharesim/scenarios/scenario.h"
#include "sharesim/sim/result.h"

namespace sharesim::scenarios {

struct LoadOptions {
  // Overrides applied to the YAML tree before validation, as given to `--set`:
  //   "workloads[0].replicas=3"                       (by index)
  //   "workloads.detector.arrivals.poisson.rate=300/s" (a list item by its `name`)
  // The value is YAML ("3", "300/s", "{poisson: {rate: 300/s}}"). Every key on the path must exist,
  // except the last one, which may be added to an existing mapping (then validation checks it like
  // any other key). Errors name the override ("--set <text>") in place of the file.
  std::vector<std::string> overrides;

  // Throughput figures of a GPU by name or profile path, for `measured_on` rescaling of kernel
  // profiles: `gpu_throughput(name, base_dir)`. When unset, or when it returns nullopt, the
  // figures compiled into builtin_gpu_throughput() are used. (The lead wires this to the GPU
  // profiles of models/.)
  std::function<std::optional<GpuThroughput>(const std::string& name_or_path, const std::string& base_dir)>
      gpu_throughput;

  // Per-SM limits of a GPU by name or profile path, for the SM demand of kernels read from an
  // Nsight Systems export (`format: nsys`). When unset, or when it returns nullopt, the T4's
  // limits (SmLimits' defaults) are used.
  std::function<std::optional<SmLimits>(const std::string& name_or_path, const std::string& base_dir)>
      sm_limits;

  // Hook for rules that need the device model, such as the order in which VMs and Kubernetes
  // claim GPUs (DESIGN.md): called once per device after every static check passed. An Error
  // it returns without a file/line gets the device's location in the scenario file.
  std::function<Status(const DeviceSpec& device)> check_device;
};

// The folder relative paths in a scenario file resolve against: its parent folder, or ".".
std::string scenario_base_dir(const std::string& scenario_file);

// Loads and validates the scenario at `path`. Relative paths inside it (traces, profiles, GPU
// profile files) resolve against the folder that contains it.
Result<Scenario> load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});
Result<Scenario> load_scenario(const std::string& path, const LoadOptions& options);

// The same from YAML text: `file` names it in errors and becomes Scenario::file; relative paths
// resolve against `base_dir`.
Result<Scenario> load_scenario_text(std::string_view yaml, const std::string& file,
                                    const std::string& base_dir, const LoadOptions& options = {});

// One override "key.path=value" split and checked for form (used by the CLI to report a malformed
// --set early). Returns {path, value}.
Result<std::pair<std::string, std::string>> split_override(std::string_view text);

}  // namespace sharesim::scenarios
