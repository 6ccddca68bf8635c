#include "sharesim/deploy/deploy_files.h"

#include <algorithm>

namespace sharesim::deploy {

using planner::Candidate;
using planner::Deployment;
using planner::DevicePlan;
using planner::GpuPlan;
using planner::PlanInput;
using planner::PlanResult;
using planner::Tenant;

std::string device_plugin_config(const DevicePlan& d) {
  int replicas = 0;
  for (const GpuPlan& g : d.gpus) {
    if (g.passthrough || g.tenants.empty()) continue;
    int processes = 0;
    for (const Tenant& t : g.tenants) processes += t.processes;
    replicas = std::max(replicas, processes);
  }
  std::string out = "# NVIDIA k8s-device-plugin configuration for device '" + d.name +
                    "' (the config file's format; one sharing mode per node).\n";
  if (replicas <= 1) {
    return out + "# One process per GPU: no sharing needed.\nversion: v1\n";
  }
  out += std::string("# Each Kubernetes GPU is advertised as ") + std::to_string(replicas) +
         " nvidia.com/gpu replicas, one per planned process.\n";
  if (d.mps) {
    out +=
        "# Under MPS the plugin gives each replica 100/N of the SMs by default; the planned\n"
        "# CUDA_MPS_ACTIVE_THREAD_PERCENTAGE of each deployment (its env file) replaces that share.\n";
  }
  out += "version: v1\nsharing:\n";
  out += d.mps ? "  mps:\n" : "  timeSlicing:\n";
  out += "    resources:\n      - name: nvidia.com/gpu\n        replicas: " + std::to_string(replicas) + "\n";
  return out;
}

std::string setup_order(const DevicePlan& d) {
  std::string out =
      "# Creation order on device '" + d.name +
      "': VMs claim GPUs in the order they are created,\n"
      "# so every GPU VM comes before Kubernetes (Kubernetes created first would claim every GPU).\n";
  int step = 0;
  for (size_t g = 0; g < d.gpus.size(); ++g) {
    if (d.gpus[g].passthrough)
      out += std::to_string(++step) + ". create VM '" + d.name + "-vm" + std::to_string(g) + "' (GPU " +
             std::to_string(g) + ", passthrough)\n";
  }
  if (d.has_containers())
    out += std::to_string(++step) + ". create Kubernetes (" + (d.mps ? "mps" : "time-slicing") + ")\n";
  return out;
}

std::string env_yaml(const Deployment& p) {
  std::string out = "# Deployment '" + p.part + "' on device '" + p.device + "' (" +
                    std::to_string(p.replicas) + " replica(s)).\n";
  if (p.passthrough) return out + "# Runs in GPU VM '" + p.vm + "' (passthrough): no env needed.\nenv: []\n";
  out += "env:\n";
  for (const auto& [k, v] : p.env) out += "  - name: " + k + "\n    value: \"" + v + "\"\n";
  return out;
}

std::vector<sim::OutputFile> deploy_files(const PlanInput& input, const PlanResult& r) {
  std::vector<sim::OutputFile> files;
  if (!r.chosen) return files;
  const Candidate* chosen = &r.levels[r.chosen->first].candidates[r.chosen->second];
  for (const DevicePlan& d : chosen->devices) {
    if (d.has_containers())
      files.push_back(
          sim::OutputFile{"deploy/" + d.name + "/device-plugin-config.yaml", device_plugin_config(d)});
    files.push_back(sim::OutputFile{"deploy/" + d.name + "/setup-order.txt", setup_order(d)});
  }
  for (const Deployment& p : planner::deployments(input, *chosen)) {
    std::string file = p.part;
    std::replace(file.begin(), file.end(), '/', '_');
    std::replace(file.begin(), file.end(), '@', '_');
    files.push_back(sim::OutputFile{"deploy/workloads/" + file + ".env.yaml", env_yaml(p)});
  }
  return files;
}

}  // namespace sharesim::deploy
