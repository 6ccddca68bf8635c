// A configuration (a Scenario: devices with their creation order, workloads with their runtime,
// replicas and env) on its target platform: where each process runs, which of the target's rules
// the configuration breaks, and the target's rules applied to what the simulated clients get
// (docs/planner.md, "Targets"). The rules themselves are models/deploy_target.h; the files a person
// applies are deploy/manifests.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sharesim/models/deploy_target.h"
#include "sharesim/scenarios/scenario.h"
#include "sharesim/scenarios/source_location.h"

namespace sharesim::scenarios {

// ---- Where each process runs -----------------------------------------------------------------
struct GpuLayout {
  std::string vm;                 // the GPU VM holding this GPU by passthrough, or empty
  bool kubernetes = false;        // held by the device's Kubernetes (containers may use it)
  std::vector<size_t> workloads;  // indexes of the workloads whose processes run on it
  int processes = 0;              // their replicas added up
};
struct DeviceLayout {
  size_t device = 0;  // index into Scenario::devices
  bool mps = false;   // the device's container sharing mode
  std::vector<GpuLayout> gpus;
  // The device-plugin `replicas` the device's sharing needs: the most container processes on one
  // of its Kubernetes GPUs (the plugin gives every GPU of a node the same replicas).
  [[nodiscard]] int container_replicas() const;
};
// Follows the device claim rules (models/device.h): VMs and Kubernetes claim GPUs in creation
// order; a container workload without NVIDIA_VISIBLE_DEVICES runs on the first Kubernetes GPU.
std::vector<DeviceLayout> layout(const Scenario& scenario);

// ---- The target's rules against a configuration ----------------------------------------------
struct Finding {
  enum class Severity { kWarning, kError };
  Severity severity = Severity::kError;
  std::string rule;     // e.g. "kubernetes-device-plugin.mps-percentage"
  std::string message;  // one line: what the scenario asks, what the target does instead
  SourceLocation where;
};
// Everything in `scenario` that `target` cannot realise as written. Errors: the target has no such
// thing (a GPU VM or an IoT Edge module on the stock plugin). Warnings: the target realises it
// differently, and apply_target_rules() models what it does (an MPS share above 100/N, a client
// above total/N memory, a pinned NVIDIA_VISIBLE_DEVICES, replicas the plugin would spread).
std::vector<Finding> check_target(const Scenario& scenario, models::DeployTarget target);
std::string finding_text(const Finding& finding);  // "file:line:column: field: warning [rule]: message"

// What the target gives the simulated clients: on the stock plugin under MPS, every client's
// CUDA_MPS_ACTIVE_THREAD_PERCENTAGE becomes min(its own, 100/N) and its pinned memory limit
// total/N (N = the node's replicas; total = the profile's usable memory, which is what NVML
// reports as the device's memory). No change on azure-stack-edge.
void apply_target_rules(Scenario& scenario, models::DeployTarget target);

}  // namespace sharesim::scenarios
