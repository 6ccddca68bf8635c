// The target rules applied to scenarios, and the deployment files (deploy/deploy.h). Expected
// values come from the targets' documented rules (models/deploy_target.h): the stock plugin's MPS
// daemon gives each of N replicas 100/N percent and total/N memory; on Azure Stack Edge each
// deployment's env sets its own percentage and NVIDIA_VISIBLE_DEVICES its GPU.
#include <gtest/gtest.h>

#include <regex>

#include "sharesim/deploy/manifests.h"
#include "sharesim/scenarios/loader.h"
#include "sharesim/scenarios/target_rules.h"

namespace sharesim::deploy {
namespace {

using models::DeployTarget;
using scenarios::apply_target_rules;
using scenarios::check_target;
using scenarios::Finding;
using scenarios::finding_text;
using scenarios::layout;

constexpr int64_t kMiB = 1024 * 1024;

scenarios::Scenario load(const std::string& yaml) {
  auto s = scenarios::load_scenario_text(yaml, "test.yaml", ".");
  EXPECT_TRUE(static_cast<bool>(s)) << (s ? "" : s.error().to_string());
  return s ? *s : scenarios::Scenario{};
}

std::string workload(const std::string& name, const std::string& device, const std::string& extra,
                     const std::string& memory = "1GiB", int replicas = 1) {
  return "  - name: " + name + "\n    device: " + device + "\n    replicas: " + std::to_string(replicas) +
         "\n    memory: " + memory + "\n" + extra +
         "    arrivals: {poisson: {rate: 10/s}}\n    request: {ops: [{kernel: {duration: 1ms}}]}\n";
}

// The issue's example: MPS at 48 %, 37 % and 15 % on one GPU with three replicas and a 9 GiB client.
const std::string kUnequalMps =
    "name: unequal\nduration: 1s\ndevices:\n  - {name: node-1, gpus: 1, sharing: mps, setup: [kubernetes: "
    "{}]}\n"
    "workloads:\n" +
    workload("detector", "node-1", "    env: {CUDA_MPS_ACTIVE_THREAD_PERCENTAGE: \"48\"}\n", "9GiB") +
    workload("classifier", "node-1", "    env: {CUDA_MPS_ACTIVE_THREAD_PERCENTAGE: \"37\"}\n") +
    workload("ocr", "node-1", "    env: {CUDA_MPS_ACTIVE_THREAD_PERCENTAGE: \"15\"}\n");

bool has_rule(const std::vector<Finding>& findings, const std::string& rule, const std::string& about) {
  for (const Finding& f : findings)
    if (f.rule == rule && f.message.find(about) != std::string::npos) return true;
  return false;
}

TEST(DeployRules, PluginNamesTheRulesAnUnequalMpsPlanBreaks) {
  const auto s = load(kUnequalMps);
  const auto findings = check_target(s, DeployTarget::kKubernetesDevicePlugin);
  EXPECT_TRUE(has_rule(findings, "kubernetes-device-plugin.mps-percentage", "'detector'"));
  EXPECT_TRUE(has_rule(findings, "kubernetes-device-plugin.mps-percentage", "'classifier'"));
  EXPECT_FALSE(has_rule(findings, "kubernetes-device-plugin.mps-percentage", "'ocr'"));  // 15 <= 33
  EXPECT_TRUE(has_rule(findings, "kubernetes-device-plugin.mps-memory", "'detector'"));  // 9 GiB > 5026 MiB
  for (const Finding& f : findings) EXPECT_NE(finding_text(f).find("[" + f.rule + "]"), std::string::npos);
  // Azure Stack Edge realises the same scenario as written.
  EXPECT_TRUE(check_target(s, DeployTarget::kAzureStackEdge).empty());
}

TEST(DeployRules, PluginRulesAppliedCapEveryClientAtTheDaemonDefault) {
  auto s = load(kUnequalMps);
  apply_target_rules(s, DeployTarget::kKubernetesDevicePlugin);
  // N = 3 replicas: 100/3 = 33 %, 15079 MiB / 3 = 5026 MiB (t4 profile memory_usable).
  EXPECT_EQ(s.workloads[0].mps_active_thread_percentage, 33);
  EXPECT_EQ(s.workloads[1].mps_active_thread_percentage, 33);
  EXPECT_EQ(s.workloads[2].mps_active_thread_percentage, 15);  // a client may lower its share
  for (const auto& w : s.workloads) EXPECT_EQ(w.mps_pinned_mem_limit_bytes, 5026 * kMiB) << w.name;
  auto ase = load(kUnequalMps);
  apply_target_rules(ase, DeployTarget::kAzureStackEdge);
  EXPECT_EQ(ase.workloads[0].mps_active_thread_percentage, 48);
  EXPECT_FALSE(ase.workloads[0].mps_pinned_mem_limit_bytes);
}

TEST(DeployRules, PluginHasNoVmsAndNoIotEdge) {
  const auto s = load(
      "name: vm\nduration: 1s\ndevices:\n  - {name: d, gpus: 2, setup: [vm: {name: v1}, kubernetes: {}, "
      "iot-edge: {}]}\nworkloads:\n" +
      workload("a", "d", "    runtime: vm:v1\n") + workload("b", "d", "    runtime: iot-edge\n"));
  const auto findings = check_target(s, DeployTarget::kKubernetesDevicePlugin);
  EXPECT_TRUE(has_rule(findings, "kubernetes-device-plugin.no-vms", "'v1'"));
  EXPECT_TRUE(has_rule(findings, "kubernetes-device-plugin.no-iot-edge", "'b'"));
  for (const Finding& f : findings)
    if (f.rule.find("no-") != std::string::npos) {
      EXPECT_EQ(f.severity, Finding::Severity::kError);
    }
}

TEST(DeployRules, LayoutFollowsTheClaimOrder) {
  // 2 GPUs, VM first: the VM takes GPU 0, Kubernetes GPU 1 (DESIGN.md claim rules).
  const auto s = load(
      "name: l\nduration: 1s\ndevices:\n  - {name: d, gpus: 2, setup: [vm: {name: v1}, kubernetes: {}]}\n"
      "workloads:\n" +
      workload("a", "d", "    runtime: vm:v1\n") + workload("b", "d", "", "1GiB", 3));
  const auto l = layout(s);
  ASSERT_EQ(l.size(), 1u);
  ASSERT_EQ(l[0].gpus.size(), 2u);
  EXPECT_EQ(l[0].gpus[0].vm, "v1");
  EXPECT_EQ(l[0].gpus[0].workloads, std::vector<size_t>{0});
  EXPECT_TRUE(l[0].gpus[1].kubernetes);
  EXPECT_EQ(l[0].gpus[1].processes, 3);
  EXPECT_EQ(l[0].container_replicas(), 3);
}

TEST(DeployNames, Dns1123Labels) {
  EXPECT_EQ(dns1123_label("detector@ase-2gpu-1/gpu0"), "detector-ase-2gpu-1-gpu0");
  EXPECT_EQ(dns1123_label("OCR_Model"), "ocr-model");
  EXPECT_EQ(dns1123_label("--a--b--"), "a-b");
  EXPECT_EQ(dns1123_label("@@"), "workload");
  const std::regex label("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  const std::string a(80, 'a'), b = a + "b";
  EXPECT_LE(dns1123_label(a).size(), 63u);
  EXPECT_TRUE(std::regex_match(dns1123_label(a), label));
  EXPECT_NE(dns1123_label(a), dns1123_label(b));  // long names stay distinct
}

std::string file(const std::vector<sim::OutputFile>& files, const std::string& path) {
  for (const sim::OutputFile& f : files)
    if (f.path == path) return f.content;
  ADD_FAILURE() << "no file " << path;
  return "";
}

TEST(DeployFiles, PluginManifestsNeverPinTheGpuNorRaiseAShare) {
  auto s = load(kUnequalMps);
  apply_target_rules(s, DeployTarget::kKubernetesDevicePlugin);
  const auto files = deploy_files(s, DeployTarget::kKubernetesDevicePlugin);
  const std::regex pct("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE\\s+value: \"([0-9]+)\"");
  int deployments = 0;
  for (const sim::OutputFile& f : files) {
    EXPECT_EQ(f.content.find("NVIDIA_VISIBLE_DEVICES\n"), std::string::npos) << f.path;
    EXPECT_EQ(f.content.find("name: NVIDIA_VISIBLE_DEVICES"), std::string::npos) << f.path;
    if (f.content.find("kind: Deployment") == std::string::npos) continue;
    ++deployments;
    EXPECT_NE(f.content.find("limits:\n              nvidia.com/gpu: 1"), std::string::npos) << f.path;
    for (std::sregex_iterator m(f.content.begin(), f.content.end(), pct), end; m != end; ++m)
      EXPECT_LE(std::stoi((*m)[1]), 33) << f.path;
  }
  EXPECT_EQ(deployments, 3);
  // ocr lowers its share to 15 %: written; the others run at the default 33 %: not written.
  EXPECT_NE(file(files, "deploy/kubernetes/ocr.yaml").find("value: \"15\""), std::string::npos);
  EXPECT_EQ(file(files, "deploy/kubernetes/detector.yaml").find("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"),
            std::string::npos);
  const std::string cm = file(files, "deploy/kubernetes/device-plugin-configmap.yaml");
  EXPECT_NE(cm.find("kind: ConfigMap"), std::string::npos);
  EXPECT_NE(cm.find("  mps-3: |\n    version: v1\n    sharing:\n      mps:\n        resources:\n"
                    "          - name: nvidia.com/gpu\n            replicas: 3\n"),
            std::string::npos)
      << cm;
  // One node, one config: no config label needed.
  EXPECT_EQ(file(files, "deploy/node-labels.sh").find("nvidia.com/device-plugin.config="), std::string::npos);
}

TEST(DeployFiles, PluginNodesWithDifferentConfigsAreLabelled) {
  const auto s = load(
      "name: two\nduration: 1s\ndevices:\n  - {name: n1, gpus: 1, sharing: mps, setup: [kubernetes: {}]}\n"
      "  - {name: n2, gpus: 1, sharing: time-slicing, setup: [kubernetes: {}]}\nworkloads:\n" +
      workload("a", "n1", "", "1GiB", 2) + workload("b", "n2", "", "1GiB", 4));
  const auto files = deploy_files(s, DeployTarget::kKubernetesDevicePlugin);
  const std::string labels = file(files, "deploy/node-labels.sh");
  EXPECT_NE(labels.find("sharesim.io/device=n1 nvidia.com/device-plugin.config=mps-2"), std::string::npos)
      << labels;
  EXPECT_NE(labels.find("sharesim.io/device=n2 nvidia.com/device-plugin.config=time-slicing-4"),
            std::string::npos);
  const std::string cm = file(files, "deploy/kubernetes/device-plugin-configmap.yaml");
  EXPECT_NE(cm.find("timeSlicing:"), std::string::npos);
  EXPECT_NE(cm.find("replicas: 4"), std::string::npos);
}

TEST(DeployFiles, AzureStackEdgeWritesEnvSharesCreationOrderAndPowerShell) {
  const auto s = load(
      "name: ase\nduration: 1s\ndevices:\n  - {name: ase-1, gpus: 2, sharing: mps, setup: [vm: {name: vm-a}, "
      "kubernetes: {}, iot-edge: {}]}\nworkloads:\n" +
      workload("a", "ase-1", "    runtime: vm:vm-a\n") +
      workload("b", "ase-1", "    env: {CUDA_MPS_ACTIVE_THREAD_PERCENTAGE: \"70\"}\n") +
      workload("c", "ase-1", "    runtime: iot-edge\n    env: {CUDA_MPS_ACTIVE_THREAD_PERCENTAGE: \"45\"}\n",
               "1GiB", 2));
  EXPECT_TRUE(check_target(s, DeployTarget::kAzureStackEdge).empty());
  const auto files = deploy_files(s, DeployTarget::kAzureStackEdge);
  const std::string b = file(files, "deploy/ase-1/kubernetes/b.yaml");
  // Kubernetes holds GPU 1 (the VM took GPU 0): the env names it; 70 % stays (unequal shares work).
  EXPECT_NE(b.find("- name: NVIDIA_VISIBLE_DEVICES\n              value: \"1\""), std::string::npos) << b;
  EXPECT_NE(b.find("- name: CUDA_MPS_ACTIVE_THREAD_PERCENTAGE\n              value: \"70\""),
            std::string::npos);
  EXPECT_EQ(b.find("nvidia.com/gpu"), std::string::npos);
  const std::string order = file(files, "deploy/ase-1/setup-order.txt");
  EXPECT_LT(order.find("create GPU VM 'vm-a'"), order.find("configure compute (Kubernetes)"));
  EXPECT_NE(order.find("GPU 0 by passthrough"), std::string::npos);
  EXPECT_NE(file(files, "deploy/ase-1/device-setup.ps1").find("Start-HcsGpuMPS\n"), std::string::npos);
  const std::string iot = file(files, "deploy/ase-1/iot-edge-deployment.json");
  EXPECT_NE(iot.find("\"$edgeAgent\""), std::string::npos);
  EXPECT_NE(iot.find("\"$edgeHub\""), std::string::npos);
  EXPECT_NE(iot.find("\"c-1\": {"), std::string::npos);  // one module per replica
  EXPECT_NE(iot.find("\"c-2\": {"), std::string::npos);
  EXPECT_NE(iot.find("\"CUDA_MPS_ACTIVE_THREAD_PERCENTAGE\": {\"value\": \"45\"}"), std::string::npos);
  EXPECT_EQ(files.end(), std::find_if(files.begin(), files.end(), [](const sim::OutputFile& f) {
              return f.path.find("/kubernetes/a.yaml") != std::string::npos;  // the VM workload has none
            }));
}

}  // namespace
}  // namespace sharesim::deploy
