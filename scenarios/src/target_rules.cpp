// The target's rules checked against a configuration, and applied to what its clients get.
#include "sharesim/scenarios/target_rules.h"

#include <algorithm>
#include <set>
#include <variant>

#include "sharesim/models/gpu_profile.h"
#include "sharesim/scenarios/loader.h"

namespace sharesim::scenarios {

using models::DeployTarget;

namespace {

constexpr int64_t kMiB = 1024 * 1024;

std::string mib(int64_t bytes) {
  return std::to_string(bytes / kMiB) + " MiB";
}

// The memory the plugin divides: what NVML reports as the GPU's memory, which the profile's
// usable memory stands for (nvidia-smi shows it as the total). 0 when the profile does not load.
int64_t plugin_total_memory(const Scenario& s, const DeviceSpec& device) {
  auto profile = models::resolve_gpu_profile(device.gpu_profile, scenario_base_dir(s.file));
  return profile ? profile->memory_usable_bytes : 0;
}

Finding finding(Finding::Severity severity, std::string rule, std::string message, SourceLocation where) {
  return Finding{severity, std::move(rule), std::move(message), std::move(where)};
}

void check_plugin(const Scenario& s, std::vector<Finding>& out) {
  constexpr auto kError = Finding::Severity::kError;
  constexpr auto kWarning = Finding::Severity::kWarning;
  for (const DeviceSpec& device : s.devices) {
    for (const SetupStep& step : device.setup) {
      if (const auto* vm = std::get_if<VmSetup>(&step)) {
        out.push_back(finding(kError, "kubernetes-device-plugin.no-vms",
                              "GPU VM '" + vm->name +
                                  "': a Kubernetes node with the NVIDIA device plugin has no GPU VMs (target "
                                  "azure-stack-edge has them)",
                              vm->where));
      } else if (const auto* iot = std::get_if<IotEdgeSetup>(&step)) {
        out.push_back(
            finding(kError, "kubernetes-device-plugin.no-iot-edge",
                    "device '" + device.name +
                        "': IoT Edge modules are an Azure Stack Edge runtime (target azure-stack-edge)",
                    iot->where));
      }
    }
  }
  for (const WorkloadSpec& w : s.workloads) {
    if (w.runtime == RuntimeKind::kIotEdge) {
      out.push_back(finding(kError, "kubernetes-device-plugin.no-iot-edge",
                            "workload '" + w.name +
                                "' runs as an IoT Edge module; the stock plugin target has "
                                "Kubernetes deployments only",
                            w.where));
    }
    if (w.runtime != RuntimeKind::kVm && w.env.count("NVIDIA_VISIBLE_DEVICES") != 0) {
      out.push_back(
          finding(kWarning, "kubernetes-device-plugin.visible-devices",
                  "workload '" + w.name +
                      "' sets NVIDIA_VISIBLE_DEVICES, but the plugin sets it itself for the replica it "
                      "allocates: the value places only the simulation, and the manifests leave it out",
                  w.where));
    }
  }
  for (const DeviceLayout& dl : layout(s)) {
    const DeviceSpec& device = s.devices[dl.device];
    const int n = dl.container_replicas();
    // The plugin picks each pod's GPU (distributed allocation: the least-allocated GPU first), so
    // which workload lands on which GPU of a multi-GPU node is its choice, not the scenario's.
    std::set<size_t> node_workloads;
    int used = 0, lo = n, hi = 0;
    for (const GpuLayout& g : dl.gpus) {
      if (!g.vm.empty() || !g.kubernetes) continue;
      for (size_t w : g.workloads) node_workloads.insert(w);
      used += g.processes > 0 ? 1 : 0;
      lo = std::min(lo, g.processes);
      hi = std::max(hi, g.processes);
    }
    if (used >= 1 && dl.gpus.size() >= 2 && (node_workloads.size() > 1 || hi - lo > 1)) {
      out.push_back(
          finding(kWarning, "kubernetes-device-plugin.gpu-choice",
                  "device '" + device.name +
                      "': the plugin chooses each pod's GPU (least-allocated first), so it may place "
                      "the pods on this node's GPUs differently from the scenario",
                  device.where));
    }
    if (!dl.mps) continue;
    const int64_t total = plugin_total_memory(s, device);
    for (const GpuLayout& g : dl.gpus) {
      if (!g.vm.empty()) continue;
      for (size_t wi : g.workloads) {
        const WorkloadSpec& w = s.workloads[wi];
        if (n < models::device_plugin::kMinReplicas) {
          if (w.mps_active_thread_percentage) {
            out.push_back(
                finding(kWarning, "kubernetes-device-plugin.replicas",
                        "workload '" + w.name + "' on device '" + device.name +
                            "': one process per GPU needs no sharing config (replicas must be >= 2), so no "
                            "MPS daemon runs and CUDA_MPS_ACTIVE_THREAD_PERCENTAGE has no effect",
                        w.where));
          }
          continue;
        }
        const int limit = models::device_plugin::mps_thread_percentage(n);
        if (w.mps_active_thread_percentage && *w.mps_active_thread_percentage > limit) {
          out.push_back(finding(kWarning, "kubernetes-device-plugin.mps-percentage",
                                "workload '" + w.name + "' asks CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=" +
                                    std::to_string(*w.mps_active_thread_percentage) + ", but with replicas " +
                                    std::to_string(n) + " the plugin's MPS daemon gives every client 100/" +
                                    std::to_string(n) + " = " + std::to_string(limit) +
                                    " % and a client can only lower it: simulated at " +
                                    std::to_string(limit) + " %",
                                w.where));
        }
        const int64_t mem_limit = models::device_plugin::mps_memory_limit_bytes(total, n);
        if (total > 0 && w.memory_bytes > mem_limit) {
          out.push_back(
              finding(kWarning, "kubernetes-device-plugin.mps-memory",
                      "workload '" + w.name + "' needs " + mib(w.memory_bytes) +
                          " per process, above the plugin's MPS memory limit total/N = " + mib(total) + "/" +
                          std::to_string(n) + " = " + mib(mem_limit) + ": each of its processes fails",
                      w.where));
        }
      }
    }
  }
}

}  // namespace

std::vector<Finding> check_target(const Scenario& scenario, DeployTarget target) {
  std::vector<Finding> out;
  if (target == DeployTarget::kKubernetesDevicePlugin) check_plugin(scenario, out);
  // azure-stack-edge realises every configuration the loader accepts: unequal MPS percentages (set
  // per deployment), NVIDIA_VISIBLE_DEVICES per module, GPU VMs in creation order (the loader
  // already rejects an order in which a VM cannot get its GPU).
  return out;
}

std::string finding_text(const Finding& f) {
  std::string where = f.where.file;
  if (f.where.line > 0) where += ":" + std::to_string(f.where.line) + ":" + std::to_string(f.where.column);
  if (!f.where.field.empty()) where += ": " + f.where.field;
  return where + ": " + (f.severity == Finding::Severity::kError ? "error" : "warning") + " [" + f.rule +
         "]: " + f.message;
}

void apply_target_rules(Scenario& s, DeployTarget target) {
  if (target != DeployTarget::kKubernetesDevicePlugin) return;
  for (const DeviceLayout& dl : layout(s)) {
    if (!dl.mps) continue;
    const int n = dl.container_replicas();
    const int64_t total = plugin_total_memory(s, s.devices[dl.device]);
    for (const GpuLayout& g : dl.gpus) {
      if (!g.vm.empty()) continue;
      for (size_t wi : g.workloads) {
        WorkloadSpec& w = s.workloads[wi];
        if (n < models::device_plugin::kMinReplicas) {
          // No sharing config, no MPS daemon: the process has the GPU to itself.
          w.mps_active_thread_percentage.reset();
          w.mps_pinned_mem_limit_bytes.reset();
          w.env.erase("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE");
          w.env.erase("CUDA_MPS_PINNED_DEVICE_MEM_LIMIT");
          continue;
        }
        const int pct = models::device_plugin::effective_mps_percentage(n, w.mps_active_thread_percentage);
        w.mps_active_thread_percentage = pct;
        w.env["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"] = std::to_string(pct);
        if (total > 0) {
          const int64_t limit = models::device_plugin::mps_memory_limit_bytes(total, n);
          w.mps_pinned_mem_limit_bytes = std::min(limit, w.mps_pinned_mem_limit_bytes.value_or(limit));
        }
      }
    }
  }
}

}  // namespace sharesim::scenarios
