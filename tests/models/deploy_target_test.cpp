// The target rules (models/deploy_target.h). Expected values are worked by hand from the stock
// plugin's code (NVIDIA/k8s-device-plugin cmd/mps-control-daemon/mps/daemon.go): the default
// percentage is the Go expression 100/replicasPerDevice on ints, the memory limit
// totalMemory/replicas/1024/1024 MiB.
#include "sharesim/models/deploy_target.h"

#include <gtest/gtest.h>

namespace sharesim::models {
namespace {

constexpr int64_t kMiB = 1024 * 1024;

TEST(DeployTarget, NamesRoundTrip) {
  for (DeployTarget t : {DeployTarget::kAzureStackEdge, DeployTarget::kKubernetesDevicePlugin})
    EXPECT_EQ(parse_deploy_target(deploy_target_name(t)), t);
  EXPECT_EQ(parse_deploy_target("azure-stack-edge"), DeployTarget::kAzureStackEdge);
  EXPECT_EQ(parse_deploy_target("kubernetes-device-plugin"), DeployTarget::kKubernetesDevicePlugin);
  EXPECT_FALSE(parse_deploy_target("kubernetes"));
  EXPECT_FALSE(parse_deploy_target(""));
}

TEST(DeployTarget, PluginPercentageIsIntegerDivisionOfHundred) {
  EXPECT_EQ(device_plugin::mps_thread_percentage(1), 100);
  EXPECT_EQ(device_plugin::mps_thread_percentage(2), 50);
  EXPECT_EQ(device_plugin::mps_thread_percentage(3), 33);  // 100/3 = 33.3 -> 33
  EXPECT_EQ(device_plugin::mps_thread_percentage(7), 14);  // 14.28 -> 14
  EXPECT_EQ(device_plugin::mps_thread_percentage(48), 2);  // 2.08 -> 2
  // Never above 100/N for any N: N clients at the default together stay within the GPU.
  for (int n = 1; n <= 48; ++n) EXPECT_LE(device_plugin::mps_thread_percentage(n) * n, 100) << n;
}

TEST(DeployTarget, PluginMemoryLimitIsWholeMebibytesOfTotalOverN) {
  const int64_t t4_total = 15079 * kMiB;  // models/profiles/t4.yaml memory_usable
  EXPECT_EQ(device_plugin::mps_memory_limit_bytes(t4_total, 1), 15079 * kMiB);
  EXPECT_EQ(device_plugin::mps_memory_limit_bytes(t4_total, 2), 7539 * kMiB);  // 7539.5 -> 7539
  EXPECT_EQ(device_plugin::mps_memory_limit_bytes(t4_total, 3), 5026 * kMiB);  // 5026.33 -> 5026
  EXPECT_EQ(device_plugin::mps_memory_limit_bytes(kMiB - 1, 1), 0);
  for (int n = 1; n <= 48; ++n) EXPECT_LE(device_plugin::mps_memory_limit_bytes(t4_total, n) * n, t4_total);
}

TEST(DeployTarget, ClientPercentageCanOnlyLowerThePluginDefault) {
  EXPECT_EQ(device_plugin::effective_mps_percentage(3, std::nullopt), 33);
  EXPECT_EQ(device_plugin::effective_mps_percentage(3, 20), 20);
  EXPECT_EQ(device_plugin::effective_mps_percentage(3, 48), 33);  // the 48 % cannot happen
  EXPECT_EQ(device_plugin::effective_mps_percentage(2, 100), 50);
}

TEST(DeployTarget, Capabilities) {
  const TargetCapabilities ase = target_capabilities(DeployTarget::kAzureStackEdge);
  EXPECT_TRUE(ase.gpu_vms && ase.iot_edge_modules && ase.pins_visible_devices &&
              ase.per_client_mps_percentage);
  const TargetCapabilities plugin = target_capabilities(DeployTarget::kKubernetesDevicePlugin);
  EXPECT_FALSE(plugin.gpu_vms || plugin.iot_edge_modules || plugin.pins_visible_devices ||
               plugin.per_client_mps_percentage);
  EXPECT_EQ(device_plugin::kMinReplicas, 2);
}

}  // namespace
}  // namespace sharesim::models
