// The edge device's GPU claim rules: the five orderings of DESIGN.md, module mapping, VM checks.
#include "sharesim/models/device.h"

#include <gtest/gtest.h>

namespace sharesim::models {
namespace {

GpuVmRequest vm(const std::string& name) {
  return GpuVmRequest{.name = name};
}

TEST(DeviceClaims, OneGpuVmThenKubernetes_BothSucceedKubernetesGetsNoGpu) {
  auto c = claim_gpus(1, {vm("vm1"), KubernetesRequest{}});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->consumers[0].created);
  EXPECT_EQ(c->consumers[0].gpus, std::vector<int>{0});
  EXPECT_TRUE(c->consumers[1].created);
  EXPECT_TRUE(c->consumers[1].gpus.empty());
  EXPECT_FALSE(c->consumers[1].warnings.empty());
}

TEST(DeviceClaims, OneGpuKubernetesThenVm_VmCreationFails) {
  auto c = claim_gpus(1, {KubernetesRequest{}, vm("vm1")});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->consumers[0].gpus, std::vector<int>{0});
  EXPECT_FALSE(c->consumers[1].created);
  EXPECT_NE(c->consumers[1].failure.find("VM creation fails"), std::string::npos);
  EXPECT_NE(c->consumers[1].failure.find("Kubernetes"), std::string::npos);
  EXPECT_FALSE(check_vm_gpu_use(c->consumers[1]).ok());
}

TEST(DeviceClaims, TwoGpusVmThenKubernetes_OneEach) {
  auto c = claim_gpus(2, {vm("vm1"), KubernetesRequest{}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->consumers[0].gpus, std::vector<int>{0});
  EXPECT_EQ(c->consumers[1].gpus, std::vector<int>{1});
  EXPECT_TRUE(c->free_gpus.empty());
}

TEST(DeviceClaims, TwoGpusTwoVmsThenKubernetes_KubernetesHasNone) {
  auto c = claim_gpus(2, {vm("vm1"), vm("vm2"), KubernetesRequest{}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->consumers[0].gpus, std::vector<int>{0});
  EXPECT_EQ(c->consumers[1].gpus, std::vector<int>{1});
  EXPECT_TRUE(c->consumers[2].created);
  EXPECT_TRUE(c->consumers[2].gpus.empty());
}

TEST(DeviceClaims, TwoGpusKubernetesThenVm_KubernetesClaimsBothVmFails) {
  auto c = claim_gpus(2, {KubernetesRequest{}, vm("vm1")});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->consumers[0].gpus, (std::vector<int>{0, 1}));
  EXPECT_FALSE(c->consumers[1].created);
}

TEST(DeviceClaims, IotEdgeUsesTheKubernetesGpus) {
  auto c = claim_gpus(2, {vm("vm1"), KubernetesRequest{}, IotEdgeRequest{}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->consumers[2].gpus, std::vector<int>{1});
  auto alone = claim_gpus(2, {IotEdgeRequest{}, vm("vm1")});
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(alone->consumers[0].gpus, (std::vector<int>{0, 1}));
  EXPECT_FALSE(alone->consumers[1].created);
}

TEST(DeviceClaims, DeviceMustHaveOneOrTwoGpus) {
  EXPECT_FALSE(claim_gpus(0, {}).ok());
  EXPECT_FALSE(claim_gpus(3, {}).ok());
}

TEST(DeviceClaims, UntestedOsWarnsAndMissingExtensionBlocksGpuWork) {
  auto c = claim_gpus(2, {GpuVmRequest{.name = "win", .os = "Windows Server 2019"},
                          GpuVmRequest{.name = "deb", .os = "Debian 12", .gpu_extension = false}});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->consumers[0].warnings.empty());
  EXPECT_TRUE(check_vm_gpu_use(c->consumers[0]).ok());
  ASSERT_EQ(c->consumers[1].warnings.size(), 1u);
  EXPECT_NE(c->consumers[1].warnings[0].find("may work but was not tested"), std::string::npos);
  auto use = check_vm_gpu_use(c->consumers[1]);
  ASSERT_FALSE(use.ok());
  EXPECT_NE(use.error().message.find("GPU driver extension"), std::string::npos);
}

TEST(DeviceClaims, NcT4SizesGetOneGpuOtherSizesNone) {
  EXPECT_EQ(gpus_of_vm_size("Standard_NC4as_T4_v3"), 1);
  EXPECT_EQ(gpus_of_vm_size("Standard_NC16as_T4_v3"), 1);
  EXPECT_EQ(gpus_of_vm_size("Standard_D2_v2"), 0);
  auto c = claim_gpus(1, {GpuVmRequest{.name = "cpu", .size = "Standard_D2_v2"}, KubernetesRequest{}});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->consumers[0].gpus.empty());
  EXPECT_FALSE(check_vm_gpu_use(c->consumers[0]).ok());
  EXPECT_EQ(c->consumers[1].gpus, std::vector<int>{0});  // a CPU VM leaves the GPU to Kubernetes
}

TEST(ModuleGpu, MapsToExactlyOneGpuOfItsConsumer) {
  auto c = claim_gpus(2, {KubernetesRequest{}}).value();
  const GpuConsumerClaim& k8s = c.consumers[0];
  EXPECT_EQ(assign_module_gpu({.visible_devices = "1"}, k8s, 2).value(), std::optional<int>(1));
  EXPECT_EQ(assign_module_gpu({.gpu_count = 1}, k8s, 2).value(), std::optional<int>(0));
  EXPECT_EQ(assign_module_gpu({.gpu_count = 0}, k8s, 2).value(), std::nullopt);
  EXPECT_EQ(assign_module_gpu({.visible_devices = "none"}, k8s, 2).value(), std::nullopt);
  EXPECT_EQ(assign_module_gpu({}, k8s, 2).value(), std::nullopt);
}

TEST(ModuleGpu, RejectsFractionsTooManyAndSpanning) {
  auto c = claim_gpus(2, {KubernetesRequest{}}).value();
  const GpuConsumerClaim& k8s = c.consumers[0];
  auto fraction = assign_module_gpu({.gpu_count = 0.5}, k8s, 2);
  ASSERT_FALSE(fraction.ok());
  EXPECT_NE(fraction.error().message.find("fraction"), std::string::npos);
  auto too_many = assign_module_gpu({.gpu_count = 3}, k8s, 2);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.error().message.find("device has 2"), std::string::npos);
  auto two = assign_module_gpu({.gpu_count = 2}, k8s, 2);
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.error().message.find("cannot span two GPUs"), std::string::npos);
  EXPECT_FALSE(assign_module_gpu({.visible_devices = "0,1"}, k8s, 2).ok());
  EXPECT_FALSE(assign_module_gpu({.visible_devices = "all"}, k8s, 2).ok());
  EXPECT_FALSE(assign_module_gpu({.visible_devices = "2"}, k8s, 2).ok());
  EXPECT_FALSE(assign_module_gpu({.visible_devices = "x"}, k8s, 2).ok());
}

TEST(ModuleGpu, RejectsAGpuItsConsumerDoesNotHold) {
  auto c = claim_gpus(2, {vm("vm1"), KubernetesRequest{}}).value();
  auto r = assign_module_gpu({.visible_devices = "0"}, c.consumers[1], 2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not held"), std::string::npos);
  auto none = claim_gpus(1, {vm("vm1"), KubernetesRequest{}}).value();
  EXPECT_FALSE(assign_module_gpu({.gpu_count = 1}, none.consumers[1], 1).ok());
}

}  // namespace
}  // namespace sharesim::models
