// The platforms a plan is deployed on, and the rules each one imposes on how GPUs are shared.
// Pure functions of plain values: the planner's search, the target checks of a scenario and the
// manifest writer (deploy/) all ask these, so a plan never contains what its target cannot do.
//
// Sources (docs/planner.md, "Targets"):
//   azure-stack-edge: Microsoft Learn, "GPU sharing on your Azure Stack Edge Pro GPU device",
//     "Deploy a Kubernetes workload using GPU sharing" and "... an IoT Edge workload using GPU
//     sharing" (MicrosoftDocs/azure-docs, articles/databox-online/azure-stack-edge-gpu-*.md):
//     MPS is started on the device with Start-HcsGpuMPS, each deployment or module sets its own
//     CUDA_MPS_ACTIVE_THREAD_PERCENTAGE in `env` (so shares may differ), NVIDIA_VISIBLE_DEVICES picks
//     the GPU of a module (one, both or none: never a fraction), a GPU VM takes a GPU by passthrough
//     and VMs and Kubernetes claim GPUs in creation order.
//   kubernetes-device-plugin: NVIDIA/k8s-device-plugin @ 1b826acc, api/config/v1/replicas.go
//     (`replicas` must be >= 2; `devices` and `rename` are ignored: every GPU of a node gets the
//     same replicas), README "Shared Access to GPUs" (one sharing method for all GPUs of a node;
//     a node picks one of several named configs by the label nvidia.com/device-plugin.config), and
//     cmd/mps-control-daemon/mps/daemon.go (each client's default active-thread percentage is
//     100/replicas in integer division, its pinned memory limit total/replicas in whole MiB).
//     A client's own CUDA_MPS_ACTIVE_THREAD_PERCENTAGE can only lower its limit (NVIDIA MPS docs).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sharesim::models {

enum class DeployTarget {
  kAzureStackEdge,          // ASE Pro GPU: Kubernetes deployments, IoT Edge modules, GPU VMs
  kKubernetesDevicePlugin,  // any Kubernetes node with the stock NVIDIA k8s-device-plugin
};

std::string_view deploy_target_name(DeployTarget target);  // "azure-stack-edge", "kubernetes-device-plugin"
std::optional<DeployTarget> parse_deploy_target(std::string_view name);

// What a target lets a plan say.
struct TargetCapabilities {
  bool gpu_vms = false;                    // a GPU VM by passthrough
  bool iot_edge_modules = false;           // IoT Edge modules beside Kubernetes deployments
  bool pins_visible_devices = false;       // a workload's env may name its GPU (NVIDIA_VISIBLE_DEVICES)
  bool per_client_mps_percentage = false;  // each MPS client's percentage is the plan's to choose
};
TargetCapabilities target_capabilities(DeployTarget target);

// The stock k8s-device-plugin.
namespace device_plugin {

inline constexpr int kMinReplicas = 2;  // replicas.go: "number of replicas must be >= 2"

// The MPS control daemon's default active-thread percentage for every client: 100 / replicas
// (integer division, daemon.go activeThreadPercentage). REQUIRES: replicas >= 1.
int mps_thread_percentage(int replicas);

// Its default pinned device-memory limit per client: total / replicas rounded down to whole MiB
// (daemon.go perDevicePinnedDeviceMemoryLimits, "%vM" of totalMemory/replicas/1024/1024).
// REQUIRES: replicas >= 1, total_memory_bytes >= 0.
int64_t mps_memory_limit_bytes(int64_t total_memory_bytes, int replicas);

// The percentage a client runs at: its own CUDA_MPS_ACTIVE_THREAD_PERCENTAGE can only lower the
// daemon's default, never raise it. `requested` nullopt = the client sets none.
int effective_mps_percentage(int replicas, std::optional<int> requested);

}  // namespace device_plugin

}  // namespace sharesim::models
