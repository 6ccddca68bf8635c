// The files a person applies to realise a configuration on its target (deploy.h).
#include "sharesim/deploy/manifests.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <variant>

#include "sharesim/scenarios/target_rules.h"

namespace sharesim::deploy {

using models::DeployTarget;
using scenarios::DeviceLayout;
using scenarios::GpuLayout;
using scenarios::RuntimeKind;
using scenarios::Scenario;
using scenarios::WorkloadSpec;

std::string dns1123_label(const std::string& name) {
  std::string out;
  for (char c : name) {
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    const bool ok = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
    if (ok) {
      out.push_back(lower);
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 63) {
    // Keep the names of long parts distinct: the first 54 characters and an FNV-1a hash.
    uint32_t h = 2166136261u;
    for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    char hash[9];
    std::snprintf(hash, sizeof hash, "%08x", h);
    out.resize(54);
    while (!out.empty() && out.back() == '-') out.pop_back();
    out += "-" + std::string(hash);
  }
  return out.empty() ? "workload" : out;
}

namespace {

// YAML and JSON double-quoted scalars share these escapes for the characters names and env values
// can hold.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

// Unique DNS-1123 names for the scenario's workloads (a collision gets "-2", "-3", ...).
std::vector<std::string> deployment_names(const Scenario& s) {
  std::vector<std::string> names;
  std::set<std::string> used;
  for (const WorkloadSpec& w : s.workloads) {
    std::string base = dns1123_label(w.name), name = base;
    for (int k = 2; used.count(name) != 0; ++k) name = dns1123_label(base + "-" + std::to_string(k));
    used.insert(name);
    names.push_back(name);
  }
  return names;
}

struct Placement {
  size_t device = 0;
  int gpu = -1;
  bool mps = false;
  int node_replicas = 0;  // the device's container replicas (device-plugin N)
};

std::map<size_t, Placement> placements(const Scenario& s, const std::vector<DeviceLayout>& layouts) {
  std::map<size_t, Placement> out;
  for (const DeviceLayout& dl : layouts)
    for (size_t g = 0; g < dl.gpus.size(); ++g)
      for (size_t w : dl.gpus[g].workloads)
        out[w] = Placement{dl.device, static_cast<int>(g), dl.mps, dl.container_replicas()};
  (void)s;
  return out;
}

// The env a container is deployed with on `target`.
std::vector<std::pair<std::string, std::string>> container_env(const WorkloadSpec& w, const Placement& p,
                                                               DeployTarget target) {
  std::vector<std::pair<std::string, std::string>> env;
  const bool plugin = target == DeployTarget::kKubernetesDevicePlugin;
  if (!plugin) env.emplace_back("NVIDIA_VISIBLE_DEVICES", std::to_string(p.gpu));
  for (const auto& [k, v] : w.env) {
    if (k == "NVIDIA_VISIBLE_DEVICES") continue;  // the plugin sets it; on ASE written above
    if (k == "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE") {
      if (!p.mps) continue;
      // On the plugin the daemon's 100/N is the default: only a lower value needs writing.
      if (plugin && (p.node_replicas < models::device_plugin::kMinReplicas ||
                     w.mps_active_thread_percentage.value_or(100) >=
                         models::device_plugin::mps_thread_percentage(p.node_replicas)))
        continue;
    }
    if (k == "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT" && !p.mps) continue;
    env.emplace_back(k, v);
  }
  return env;
}

std::string kubernetes_deployment(const Scenario& s, size_t wi, const std::string& name, const Placement& p,
                                  DeployTarget target) {
  const WorkloadSpec& w = s.workloads[wi];
  const std::string& device = s.devices[p.device].name;
  const bool plugin = target == DeployTarget::kKubernetesDevicePlugin;
  std::string y;
  y += "# Workload '" + w.name + "' on device '" + device + "', GPU " + std::to_string(p.gpu) + " (" +
       (p.mps ? "MPS" : "time-slicing") + "), " + std::to_string(w.replicas) + " process(es).\n";
  y += "# Replace the image with the workload's own.\n";
  if (plugin) {
    y +=
        "# The device plugin allocates one nvidia.com/gpu replica per pod and sets NVIDIA_VISIBLE_DEVICES.\n";
  } else {
    y += "# Azure Stack Edge: NVIDIA_VISIBLE_DEVICES picks the GPU; hostIPC/hostPID as the device's "
         "GPU-sharing\n"
         "# examples use them, so the containers reach the device's MPS daemon when it runs.\n";
  }
  y += "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n  labels:\n";
  y += "    app.kubernetes.io/name: " + name + "\n    app.kubernetes.io/managed-by: sharesim\n";
  y += "spec:\n  replicas: " + std::to_string(w.replicas) + "\n";
  y += "  selector:\n    matchLabels:\n      app.kubernetes.io/name: " + name + "\n";
  y += "  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: " + name + "\n    spec:\n";
  if (plugin) y += "      nodeSelector:\n        sharesim.io/device: " + dns1123_label(device) + "\n";
  if (!plugin) y += "      hostIPC: true\n      hostPID: true\n";
  y += "      containers:\n        - name: " + name + "\n          image: " + quoted(name + ":latest") + "\n";
  const auto env = container_env(w, p, target);
  if (!env.empty()) {
    y += "          env:\n";
    for (const auto& [k, v] : env)
      y += "            - name: " + k + "\n              value: " + quoted(v) + "\n";
  }
  if (plugin) y += "          resources:\n            limits:\n              nvidia.com/gpu: 1\n";
  return y;
}

// ---- kubernetes-device-plugin ------------------------------------------------------------------
std::string plugin_config_name(const DeviceLayout& dl) {
  const int n = dl.container_replicas();
  if (n < models::device_plugin::kMinReplicas) return "exclusive";
  return std::string(dl.mps ? "mps-" : "time-slicing-") + std::to_string(n);
}

std::string plugin_config_body(const DeviceLayout& dl) {
  const int n = dl.container_replicas();
  if (n < models::device_plugin::kMinReplicas) return "version: v1\n";
  return std::string("version: v1\nsharing:\n  ") + (dl.mps ? "mps" : "timeSlicing") +
         ":\n    resources:\n      - name: nvidia.com/gpu\n        replicas: " + std::to_string(n) + "\n";
}

void plugin_files(const Scenario& s, const std::vector<DeviceLayout>& layouts,
                  std::vector<sim::OutputFile>& out) {
  const auto names = deployment_names(s);
  const auto where = placements(s, layouts);
  for (const auto& [wi, p] : where) {
    if (s.workloads[wi].runtime != RuntimeKind::kKubernetes) continue;
    out.push_back({"deploy/kubernetes/" + names[wi] + ".yaml",
                   kubernetes_deployment(s, wi, names[wi], p, DeployTarget::kKubernetesDevicePlugin)});
  }
  // One named config per distinct sharing setup; nodes choose theirs by label.
  std::map<std::string, std::string> configs;
  std::vector<std::pair<std::string, std::string>> node_config;  // device name, config name
  for (const DeviceLayout& dl : layouts) {
    bool used = false;
    for (const GpuLayout& g : dl.gpus) used = used || g.processes > 0;
    if (!used) continue;
    configs[plugin_config_name(dl)] = plugin_config_body(dl);
    node_config.emplace_back(s.devices[dl.device].name, plugin_config_name(dl));
  }
  std::string cm =
      "# NVIDIA k8s-device-plugin configs (api/config/v1), one per sharing setup of the planned nodes.\n"
      "# Install the plugin's helm chart with this ConfigMap (deploy/README.md); each node picks its config\n"
      "# by the label nvidia.com/device-plugin.config (deploy/node-labels.sh) when there are several.\n"
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nvidia-device-plugin-configs\n"
      "  namespace: nvidia-device-plugin\ndata:\n";
  for (const auto& [name, body] : configs) {
    cm += "  " + name + ": |\n";
    size_t pos = 0;
    while (pos < body.size()) {
      const size_t nl = body.find('\n', pos);
      cm += "    " + body.substr(pos, nl - pos) + "\n";
      pos = nl + 1;
    }
  }
  out.push_back({"deploy/kubernetes/device-plugin-configmap.yaml", cm});
  std::string labels =
      "#!/bin/sh\n"
      "# Labels the Kubernetes node that stands for each planned device: sharesim.io/device, which the\n"
      "# Deployments select on, and nvidia.com/device-plugin.config, which picks the node's device-plugin\n"
      "# config from the ConfigMap (needed only when the nodes' configs differ). Set NODE_<k> to the node "
      "names.\n"
      "set -eu\n";
  const bool differ = configs.size() > 1;
  for (size_t k = 0; k < node_config.size(); ++k) {
    const std::string var = "NODE_" + std::to_string(k + 1);
    labels += "kubectl label node \"${" + var + ":?set " + var + " to the node for planned device " +
              node_config[k].first +
              "}\" --overwrite sharesim.io/device=" + dns1123_label(node_config[k].first);
    if (differ) labels += " nvidia.com/device-plugin.config=" + node_config[k].second;
    labels += "\n";
  }
  out.push_back({"deploy/node-labels.sh", labels});
  const std::string default_config = node_config.empty() ? "exclusive" : node_config.front().second;
  std::string readme =
      "# Deploying this plan on Kubernetes with the NVIDIA device plugin\n\n"
      "1. Label the nodes: `NODE_1=<node> ... sh deploy/node-labels.sh`.\n"
      "2. Create the plugin's configs and install the plugin to use them:\n\n"
      "       kubectl create namespace nvidia-device-plugin\n"
      "       kubectl apply -f deploy/kubernetes/device-plugin-configmap.yaml\n"
      "       helm upgrade -i nvdp nvdp/nvidia-device-plugin --namespace nvidia-device-plugin \\\n"
      "         --set config.name=nvidia-device-plugin-configs --set config.default=" +
      default_config +
      "\n\n"
      "3. Replace each Deployment's image with the workload's own, then `kubectl apply -f "
      "deploy/kubernetes/`.\n\n"
      "Under `sharing.mps` the plugin's MPS daemon gives every client 100/N of the SMs and total/N of the "
      "memory\n"
      "(N = replicas); the Deployments set CUDA_MPS_ACTIVE_THREAD_PERCENTAGE only where the plan lowers a "
      "share.\n"
      "The plugin chooses each pod's GPU and sets NVIDIA_VISIBLE_DEVICES itself.\n";
  out.push_back({"deploy/README.md", readme});
}

// ---- azure-stack-edge --------------------------------------------------------------------------
std::string iot_edge_manifest(const Scenario& s, const std::vector<size_t>& modules,
                              const std::vector<std::string>& names,
                              const std::map<size_t, Placement>& where) {
  // The layout of the device's GPU-sharing example (MicrosoftDocs azure-docs,
  // azure-stack-edge-gpu-deploy-iot-edge-gpu-sharing.md): $edgeAgent with runtime, system modules
  // and modules; $edgeHub with routes; createOptions is a JSON document in a string.
  const std::string create_options = quoted(R"({"HostConfig":{"IpcMode":"host","PidMode":"host"}})");
  std::string j = "{\n  \"modulesContent\": {\n    \"$edgeAgent\": {\n      \"properties.desired\": {\n";
  j += "        \"schemaVersion\": \"1.1\",\n";
  j += "        \"runtime\": {\"type\": \"docker\", \"settings\": {\"minDockerVersion\": \"v1.25\"}},\n";
  j += "        \"systemModules\": {\n";
  j += "          \"edgeAgent\": {\"type\": \"docker\", \"settings\": {\"image\": "
       "\"mcr.microsoft.com/azureiotedge-agent:1.4\", \"createOptions\": \"\"}},\n";
  j +=
      "          \"edgeHub\": {\"type\": \"docker\", \"status\": \"running\", \"restartPolicy\": \"always\", "
      "\"settings\": {\"image\": \"mcr.microsoft.com/azureiotedge-hub:1.4\", \"createOptions\": " +
      quoted(
          R"({"HostConfig":{"PortBindings":{"443/tcp":[{"HostPort":"443"}],"5671/tcp":[{"HostPort":"5671"}],"8883/tcp":[{"HostPort":"8883"}]}}})") +
      "}}\n        },\n";
  j += "        \"modules\": {";
  std::vector<std::string> module_names;
  bool first = true;
  for (size_t wi : modules) {
    const WorkloadSpec& w = s.workloads[wi];
    const Placement& p = where.at(wi);
    // IoT Edge has no replicas: one module per process.
    for (int r = 1; r <= w.replicas; ++r) {
      const std::string name =
          w.replicas == 1 ? names[wi] : dns1123_label(names[wi] + "-" + std::to_string(r));
      module_names.push_back(name);
      j += std::string(first ? "\n" : ",\n") + "          " + quoted(name) + ": {\n";
      first = false;
      j += "            \"type\": \"docker\",\n            \"version\": \"1.0\",\n";
      j += "            \"status\": \"running\",\n            \"restartPolicy\": \"always\",\n";
      j += "            \"settings\": {\"image\": " + quoted(names[wi] + ":latest") +
           ", \"createOptions\": " + create_options + "},\n";
      j += "            \"env\": {";
      const auto env = container_env(w, p, DeployTarget::kAzureStackEdge);
      for (size_t e = 0; e < env.size(); ++e)
        j += std::string(e ? ", " : "") + quoted(env[e].first) + ": {\"value\": " + quoted(env[e].second) +
             "}";
      j += "}\n          }";
    }
  }
  j += "\n        }\n      }\n    },\n";
  j += "    \"$edgeHub\": {\n      \"properties.desired\": {\n        \"schemaVersion\": \"1.1\",\n";
  j += "        \"routes\": {\"upstream\": \"FROM /messages/* INTO $upstream\"},\n";
  j += "        \"storeAndForwardConfiguration\": {\"timeToLiveSecs\": 7200}\n      }\n    }";
  for (const std::string& m : module_names) j += ",\n    " + quoted(m) + ": {\"properties.desired\": {}}";
  j += "\n  }\n}\n";
  return j;
}

void ase_files(const Scenario& s, const std::vector<DeviceLayout>& layouts,
               std::vector<sim::OutputFile>& out) {
  const auto names = deployment_names(s);
  const auto where = placements(s, layouts);
  for (const DeviceLayout& dl : layouts) {
    const scenarios::DeviceSpec& device = s.devices[dl.device];
    const std::string dir = "deploy/" + dns1123_label(device.name) + "/";
    std::vector<size_t> modules, deployments, vms;
    for (const auto& [wi, p] : where) {
      if (p.device != dl.device) continue;
      const RuntimeKind r = s.workloads[wi].runtime;
      (r == RuntimeKind::kIotEdge ? modules : r == RuntimeKind::kVm ? vms : deployments).push_back(wi);
    }
    for (size_t wi : deployments)
      out.push_back({dir + "kubernetes/" + names[wi] + ".yaml",
                     kubernetes_deployment(s, wi, names[wi], where.at(wi), DeployTarget::kAzureStackEdge)});
    if (!modules.empty())
      out.push_back({dir + "iot-edge-deployment.json", iot_edge_manifest(s, modules, names, where)});

    // Creation order: what the device model simulated (VMs claim GPUs in the order created).
    std::string order = "# Creation order on Azure Stack Edge device '" + device.name +
                        "': GPU VMs and Kubernetes claim GPUs in the\n# order they are created; "
                        "Kubernetes created before a VM would take every GPU and the VM would fail.\n";
    int step = 0;
    for (const scenarios::SetupStep& st : device.setup) {
      if (const auto* vm = std::get_if<scenarios::VmSetup>(&st)) {
        std::string gpu = "?";
        for (size_t g = 0; g < dl.gpus.size(); ++g)
          if (dl.gpus[g].vm == vm->name) gpu = std::to_string(g);
        order += std::to_string(++step) + ". create GPU VM '" + vm->name + "' (size " + vm->size + ", " +
                 vm->os + (vm->gpu_extension ? ", with the GPU extension" : ", no GPU extension") +
                 "): GPU " + gpu + " by passthrough\n";
      } else if (std::holds_alternative<scenarios::KubernetesSetup>(st)) {
        order += std::to_string(++step) + ". configure compute (Kubernetes): it takes the GPUs still free\n";
      } else {
        order += std::to_string(++step) + ". enable IoT Edge (its modules run on the device's Kubernetes)\n";
      }
    }
    const bool has_containers = !modules.empty() || !deployments.empty();
    if (has_containers) {
      order += std::to_string(++step) + ". in the device's PowerShell interface: device-setup.ps1 (" +
               (dl.mps ? "Start-HcsGpuMPS" : "MPS off") + ")\n";
    }
    if (!deployments.empty())
      order += std::to_string(++step) + ". kubectl apply -n <namespace> -f kubernetes/\n";
    if (!modules.empty())
      order += std::to_string(++step) +
               ". set the IoT Edge device's modules from iot-edge-deployment.json (Azure portal or "
               "`az iot edge set-modules --content iot-edge-deployment.json`)\n";
    for (size_t wi : vms)
      order += "- workload '" + s.workloads[wi].name + "' runs inside GPU VM '" + s.workloads[wi].vm + "'\n";
    out.push_back({dir + "setup-order.txt", order});
    if (has_containers) {
      std::string ps =
          "# Azure Stack Edge device '" + device.name +
          "': run in the device's PowerShell interface\n# (Enter-PSSession -ComputerName <device IP> "
          "-ConfigurationName Minishell -Credential ~\\EdgeUser).\n";
      if (dl.mps) {
        ps +=
            "# Containers share the GPUs by MPS; each deployment's env sets its "
            "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE.\n"
            "Start-HcsGpuMPS\n";
      } else {
        ps +=
            "# Containers time-slice the GPUs (NVIDIA_VISIBLE_DEVICES per module): MPS must be off.\n"
            "Stop-HcsGpuMPS\n";
      }
      ps +=
          "# Check: the shared GPUs' compute mode reads 'E. Process' under MPS, 'Default' "
          "otherwise.\nGet-HcsGpuNvidiaSmi\n";
      out.push_back({dir + "device-setup.ps1", ps});
    }
  }
  out.push_back(
      {"deploy/README.md",
       "# Deploying this plan on Azure Stack Edge\n\n"
       "Per device, in deploy/<device>/: follow setup-order.txt (GPU VMs first, then Kubernetes), run\n"
       "device-setup.ps1 in the device's PowerShell interface (Start-HcsGpuMPS when the device shares its\n"
       "GPUs by MPS), replace each image with the workload's own, then apply kubernetes/ with kubectl and\n"
       "set the IoT Edge modules from iot-edge-deployment.json.\n\n"
       "Each container's GPU is its NVIDIA_VISIBLE_DEVICES (one GPU, never a fraction); under MPS its\n"
       "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE caps the SMs its kernels use (shares may differ and need not add\n"
       "up to 100). The Deployments request no nvidia.com/gpu resource: the device's documented way to "
       "share\n"
       "a GPU between containers is the environment variable.\n"});
}

}  // namespace

std::vector<sim::OutputFile> deploy_files(const Scenario& scenario, DeployTarget target) {
  std::vector<sim::OutputFile> out;
  const std::vector<DeviceLayout> layouts = scenarios::layout(scenario);
  if (target == DeployTarget::kKubernetesDevicePlugin) {
    plugin_files(scenario, layouts, out);
  } else {
    ase_files(scenario, layouts, out);
  }
  std::sort(out.begin(), out.end(),
            [](const sim::OutputFile& a, const sim::OutputFile& b) { return a.path < b.path; });
  return out;
}

}  // namespace sharesim::deploy
