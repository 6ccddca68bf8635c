// The edge device's GPU claim rules.
#include "sharesim/models/device.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>

namespace sharesim::models {
namespace {

constexpr std::array<std::string_view, 4> kTestedOs = {"Windows Server 2019", "Windows Server 2016 Core",
                                                       "Ubuntu 18.04 LTS", "Red Hat Enterprise Linux 7.4"};

constexpr std::array<std::string_view, 4> kT4VmSizes = {"Standard_NC4as_T4_v3", "Standard_NC8as_T4_v3",
                                                        "Standard_NC16as_T4_v3", "Standard_NC64as_T4_v3"};

std::string gpu_list(const std::vector<int>& gpus) {
  std::string s;
  for (int g : gpus) {
    if (!s.empty()) s.append(", ");
    s.append(std::to_string(g));
  }
  return s.empty() ? std::string("none") : s;
}

// Takes every free GPU (Kubernetes at creation).
std::vector<int> take_all(std::vector<int>& free) {
  std::vector<int> taken = free;
  free.clear();
  return taken;
}

}  // namespace

const GpuConsumerClaim* DeviceClaims::find(const std::string& name) const {
  for (const auto& c : consumers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool gpu_extension_tested_os(const std::string& os) {
  return std::find(kTestedOs.begin(), kTestedOs.end(), os) != kTestedOs.end();
}

int gpus_of_vm_size(const std::string& size) {
  return std::find(kT4VmSizes.begin(), kT4VmSizes.end(), size) != kT4VmSizes.end() ? 1 : 0;
}

Result<DeviceClaims> claim_gpus(int gpu_count, const std::vector<GpuConsumerRequest>& requests) {
  if (gpu_count != 1 && gpu_count != 2) {
    return make_error("a device has 1 or 2 GPUs, found " + std::to_string(gpu_count));
  }
  DeviceClaims claims;
  claims.gpu_count = gpu_count;
  std::vector<int> free(static_cast<size_t>(gpu_count));
  for (int g = 0; g < gpu_count; ++g) free[static_cast<size_t>(g)] = g;
  std::optional<size_t> kubernetes_step;  // the Kubernetes consumer, once created

  for (size_t step = 0; step < requests.size(); ++step) {
    GpuConsumerClaim claim;
    claim.step = step;
    const GpuConsumerClaim* kubernetes = kubernetes_step ? &claims.consumers[*kubernetes_step] : nullptr;
    if (const auto* vm = std::get_if<GpuVmRequest>(&requests[step])) {
      claim.kind = GpuConsumerKind::kVm;
      claim.name = vm->name;
      const int wanted = gpus_of_vm_size(vm->size);
      if (wanted == 0) {
        claim.gpu_usable = false;
        claim.gpu_unusable =
            "VM size '" + vm->size + "' has no GPU (GPU VMs use an NC T4 v3 size, e.g. Standard_NC4as_T4_v3)";
      } else if (free.empty()) {
        claim.created = false;
        std::ostringstream why;
        why << "VM creation fails: no free GPU on this " << gpu_count
            << "-GPU device (a GPU maps to exactly one VM";
        if (kubernetes != nullptr && !kubernetes->gpus.empty()) {
          why << "; Kubernetes, created earlier, claimed GPU " << gpu_list(kubernetes->gpus);
        } else {
          why << "; earlier VMs hold every GPU";
        }
        why << ")";
        claim.failure = why.str();
        claim.gpu_usable = false;
        claim.gpu_unusable = claim.failure;
      } else {
        claim.gpus.push_back(free.front());
        free.erase(free.begin());
        if (!gpu_extension_tested_os(vm->os)) {
          claim.warnings.push_back(
              "OS '" + vm->os +
              "' is not on the GPU driver extension's tested list (Windows Server 2019, "
              "Windows Server 2016 Core, Ubuntu 18.04 LTS, Red Hat Enterprise Linux 7.4): "
              "it may work but was not tested");
        }
        if (!vm->gpu_extension) {
          claim.gpu_usable = false;
          claim.gpu_unusable = "VM '" + vm->name +
                               "' has a GPU but no GPU driver extension: it cannot run GPU work "
                               "(install the GPU extension)";
        }
      }
    } else if (const auto* k8s = std::get_if<KubernetesRequest>(&requests[step])) {
      claim.kind = GpuConsumerKind::kKubernetes;
      claim.name = k8s->name;
      claim.gpus = take_all(free);
      if (claim.gpus.empty()) {
        claim.warnings.push_back("Kubernetes gets no GPU: every GPU of the device is already held by a VM");
      }
    } else {
      const auto& iot = std::get<IotEdgeRequest>(requests[step]);
      claim.kind = GpuConsumerKind::kIotEdge;
      claim.name = iot.name;
      if (kubernetes != nullptr) {
        claim.gpus = kubernetes->gpus;  // modules run on the Kubernetes cluster
      } else {
        claim.gpus = take_all(free);  // IoT Edge brings the cluster up: it claims as Kubernetes does
      }
      if (claim.gpus.empty()) claim.warnings.push_back("IoT Edge modules have no GPU on this device");
    }
    const bool is_cluster = claim.kind == GpuConsumerKind::kKubernetes ||
                            (claim.kind == GpuConsumerKind::kIotEdge && !kubernetes_step);
    claims.consumers.push_back(std::move(claim));
    if (is_cluster && !kubernetes_step) kubernetes_step = step;
  }
  claims.free_gpus = free;
  return claims;
}

Result<std::optional<int>> assign_module_gpu(const ModuleGpuRequest& request,
                                             const GpuConsumerClaim& consumer, int device_gpus) {
  std::vector<int> wanted;
  bool any = false;  // "one GPU, whichever": a count of 1
  if (request.gpu_count) {
    const double n = *request.gpu_count;
    if (!(n >= 0) || n != std::floor(n)) {
      std::ostringstream msg;
      msg << "a module gets whole GPUs only: a fraction of a GPU (" << n
          << ") is not supported; share a GPU with time-slicing or MPS (CUDA_MPS_ACTIVE_THREAD_PERCENTAGE)";
      return make_error(msg.str());
    }
    if (n > device_gpus) {
      return make_error("the module asks for " + std::to_string(static_cast<int>(n)) +
                        " GPUs but the device has " + std::to_string(device_gpus));
    }
    if (n >= 2) return make_error("one module cannot span two GPUs: give it one GPU (or run two modules)");
    if (n == 0) return std::optional<int>{};
    any = true;
  }
  if (request.visible_devices) {
    const std::string& v = *request.visible_devices;
    if (v == "none" || v == "void" || v.empty()) return std::optional<int>{};
    if (v == "all") {
      if (device_gpus >= 2) {
        return make_error("NVIDIA_VISIBLE_DEVICES=all on a 2-GPU device: one module cannot span two GPUs");
      }
      wanted.push_back(0);
    } else {
      std::stringstream parts(v);
      std::string part;
      while (std::getline(parts, part, ',')) {
        if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos || part.size() > 3) {
          return make_error("NVIDIA_VISIBLE_DEVICES: expected a GPU index (0 or 1), all or none, found '" +
                            v + "'");
        }
        const int g = std::stoi(part);
        if (g >= device_gpus) {
          return make_error("NVIDIA_VISIBLE_DEVICES=" + v + ": GPU " + part +
                            " does not exist (the device has " + std::to_string(device_gpus) + " GPU" +
                            (device_gpus == 1 ? "" : "s") + ")");
        }
        wanted.push_back(g);
      }
      if (wanted.size() > 1) {
        return make_error("NVIDIA_VISIBLE_DEVICES=" + v + ": one module cannot span two GPUs");
      }
    }
  }
  if (wanted.empty() && !any) return std::optional<int>{};
  if (consumer.gpus.empty()) {
    return make_error("'" + consumer.name + "' holds no GPU on this device, so its modules cannot use one");
  }
  if (wanted.empty()) return std::optional<int>{consumer.gpus.front()};
  const int g = wanted.front();
  if (std::find(consumer.gpus.begin(), consumer.gpus.end(), g) == consumer.gpus.end()) {
    return make_error("GPU " + std::to_string(g) + " is not held by '" + consumer.name + "' (it holds GPU " +
                      gpu_list(consumer.gpus) + ")");
  }
  return std::optional<int>{g};
}

Status check_vm_gpu_use(const GpuConsumerClaim& vm) {
  if (!vm.created) return make_error("VM '" + vm.name + "' was not created: " + vm.failure);
  if (!vm.gpu_usable) return make_error(vm.gpu_unusable);
  if (vm.gpus.empty()) return make_error("VM '" + vm.name + "' has no GPU");
  return Ok{};
}

}  // namespace sharesim::models
