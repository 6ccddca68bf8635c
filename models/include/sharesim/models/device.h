// The edge device (e.g. Azure Stack Edge Pro GPU): 1 or 2 GPUs, and the consumers that claim them
// in order of creation.
//
// CLAIM RULES (from the device documentation, DESIGN.md)
//  - A GPU VM (an NC T4 v3 size) takes one free GPU for itself: a GPU maps to exactly one VM.
//    When no GPU is free, the VM's creation fails.
//  - Kubernetes, when created, claims every GPU that is still free (possibly none: it is created
//    anyway, without GPUs). GPUs it holds are not free for later VMs.
//  - IoT Edge runs its modules on the device's Kubernetes cluster: it uses the Kubernetes GPUs.
//    (If IoT Edge is created with no Kubernetes step before it, it stands for that cluster and
//    claims the free GPUs itself.)
//  So: 1 GPU VM-then-K8s: both succeed, K8s has no GPU; 1 GPU K8s-then-VM: the VM fails;
//  2 GPUs VM-then-K8s: one each; 2 GPUs two VMs-then-K8s: K8s has none; 2 GPUs K8s-then-VM: K8s
//  holds both and the VM fails.
//
// A module (container) maps to exactly one GPU of its consumer (NVIDIA_VISIBLE_DEVICES or a GPU
// count of 1), or to none. A fraction of a GPU, more GPUs than the device has, or two GPUs (one
// module cannot span two) is rejected.
//
// Results are data (which GPUs each consumer got, failures and warnings with reasons) so the
// scenario loader can attach file/line to them.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sharesim/sim/result.h"

namespace sharesim::models {

struct GpuVmRequest {
  std::string name;
  std::string size = "Standard_NC4as_T4_v3";
  std::string os = "Ubuntu 18.04 LTS";
  bool gpu_extension = true;  // the GPU driver extension is installed
};
struct KubernetesRequest {
  std::string name = "kubernetes";
};
struct IotEdgeRequest {
  std::string name = "iot-edge";
};
using GpuConsumerRequest = std::variant<GpuVmRequest, KubernetesRequest, IotEdgeRequest>;

enum class GpuConsumerKind { kVm, kKubernetes, kIotEdge };

struct GpuConsumerClaim {
  GpuConsumerKind kind = GpuConsumerKind::kVm;
  std::string name;
  size_t step = 0;        // index of the request in creation order
  bool created = true;    // false: creation failed (see failure)
  std::vector<int> gpus;  // GPU indices it holds (IoT Edge: the Kubernetes GPUs it uses)
  std::string failure;    // why creation failed
  std::vector<std::string> warnings;
  // For a VM: whether GPU work can run in it (false without the GPU extension; see gpu_unusable).
  bool gpu_usable = true;
  std::string gpu_unusable;  // why GPU work cannot run in it
};

struct DeviceClaims {
  int gpu_count = 0;
  std::vector<GpuConsumerClaim> consumers;  // one per request, in creation order
  std::vector<int> free_gpus;               // GPUs nobody holds at the end
  // The claim of the first consumer with this name, or nullptr.
  [[nodiscard]] const GpuConsumerClaim* find(const std::string& name) const;
};

// The OS images the GPU driver extension is tested on: Windows Server 2019 and 2016 Core, Ubuntu
// 18.04 LTS, Red Hat Enterprise Linux 7.4. Others get a warning (may work, not tested).
bool gpu_extension_tested_os(const std::string& os);

// GPUs a VM size brings: 1 for every NC T4 v3 size (Standard_NC4as_T4_v3, _NC8as_, _NC16as_,
// _NC64as_: one T4 each on the device); 0 for other (CPU-only) sizes.
int gpus_of_vm_size(const std::string& size);

// Applies the claim rules to a device with gpu_count GPUs (1 or 2) and the consumers in creation
// order. Returns an error only for a device outside the rules (gpu_count not 1 or 2); consumer
// failures are data in the result.
Result<DeviceClaims> claim_gpus(int gpu_count, const std::vector<GpuConsumerRequest>& requests);

// How a module asks for a GPU: NVIDIA_VISIBLE_DEVICES ("0", "1", "all", "none", "0,1", a GPU
// UUID is not modeled) and/or a GPU count (the Kubernetes resource nvidia.com/gpu, or the
// deployment's GPU count). Unset fields are not requests.
struct ModuleGpuRequest {
  std::optional<std::string> visible_devices;
  std::optional<double> gpu_count;
};

// The one GPU index the module runs on (nullopt: none), given the GPUs its consumer holds and the
// device's GPU count; an Error (message only: the caller adds file/line/field) when the request
// is a fraction, more GPUs than the device has, two GPUs, or a GPU its consumer does not hold.
Result<std::optional<int>> assign_module_gpu(const ModuleGpuRequest& request,
                                             const GpuConsumerClaim& consumer, int device_gpus);

// Whether a workload may run GPU work in this VM (an Error with the reason when not: creation
// failed, no GPU, or no GPU extension).
Status check_vm_gpu_use(const GpuConsumerClaim& vm);

}  // namespace sharesim::models
