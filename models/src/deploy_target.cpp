#include "sharesim/models/deploy_target.h"

#include <algorithm>
#include <cassert>

namespace sharesim::models {

std::string_view deploy_target_name(DeployTarget target) {
  switch (target) {
    case DeployTarget::kAzureStackEdge:
      return "azure-stack-edge";
    case DeployTarget::kKubernetesDevicePlugin:
      return "kubernetes-device-plugin";
  }
  return "?";
}

std::optional<DeployTarget> parse_deploy_target(std::string_view name) {
  for (DeployTarget t : {DeployTarget::kAzureStackEdge, DeployTarget::kKubernetesDevicePlugin})
    if (name == deploy_target_name(t)) return t;
  return std::nullopt;
}

TargetCapabilities target_capabilities(DeployTarget target) {
  switch (target) {
    case DeployTarget::kAzureStackEdge:
      return {.gpu_vms = true,
              .iot_edge_modules = true,
              .pins_visible_devices = true,
              .per_client_mps_percentage = true};
    case DeployTarget::kKubernetesDevicePlugin:
      // The plugin allocates a replica of some GPU to each pod and sets NVIDIA_VISIBLE_DEVICES
      // itself; its MPS daemon fixes every client's share at 100/N.
      return {.gpu_vms = false,
              .iot_edge_modules = false,
              .pins_visible_devices = false,
              .per_client_mps_percentage = false};
  }
  return {};
}

namespace device_plugin {

int mps_thread_percentage(int replicas) {
  assert(replicas >= 1);
  return 100 / replicas;
}

int64_t mps_memory_limit_bytes(int64_t total_memory_bytes, int replicas) {
  assert(replicas >= 1 && total_memory_bytes >= 0);
  constexpr int64_t kMiB = 1024 * 1024;
  return total_memory_bytes / replicas / kMiB * kMiB;
}

int effective_mps_percentage(int replicas, std::optional<int> requested) {
  const int limit = mps_thread_percentage(replicas);
  return requested ? std::min(*requested, limit) : limit;
}

}  // namespace device_plugin

}  // namespace sharesim::models
