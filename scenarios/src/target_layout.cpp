// Where each process of a configuration runs, by the device claim rules.
#include <algorithm>
#include <variant>

#include "sharesim/models/device.h"
#include "sharesim/scenarios/target_rules.h"

namespace sharesim::scenarios {

int DeviceLayout::container_replicas() const {
  int n = 0;
  for (const GpuLayout& g : gpus)
    if (g.vm.empty()) n = std::max(n, g.processes);
  return n;
}

namespace {

std::vector<models::GpuConsumerRequest> claim_requests(const DeviceSpec& device) {
  std::vector<models::GpuConsumerRequest> requests;
  for (const SetupStep& step : device.setup) {
    if (const auto* vm = std::get_if<VmSetup>(&step)) {
      requests.emplace_back(models::GpuVmRequest{vm->name, vm->size, vm->os, vm->gpu_extension});
    } else if (std::holds_alternative<KubernetesSetup>(step)) {
      requests.emplace_back(models::KubernetesRequest{});
    } else {
      requests.emplace_back(models::IotEdgeRequest{});
    }
  }
  return requests;
}

}  // namespace

std::vector<DeviceLayout> layout(const Scenario& scenario) {
  std::vector<DeviceLayout> out;
  for (size_t d = 0; d < scenario.devices.size(); ++d) {
    const DeviceSpec& device = scenario.devices[d];
    DeviceLayout dl;
    dl.device = d;
    dl.mps = device.sharing == ContainerSharing::kMps;
    dl.gpus.resize(static_cast<size_t>(std::max(0, device.gpus)));
    auto claims = models::claim_gpus(device.gpus, claim_requests(device));
    std::vector<int> container_gpus;
    if (claims) {
      for (const models::GpuConsumerClaim& c : claims->consumers) {
        for (int g : c.gpus) {
          if (g < 0 || static_cast<size_t>(g) >= dl.gpus.size()) continue;
          if (c.kind == models::GpuConsumerKind::kVm) {
            dl.gpus[static_cast<size_t>(g)].vm = c.name;
          } else {
            dl.gpus[static_cast<size_t>(g)].kubernetes = true;
            if (std::find(container_gpus.begin(), container_gpus.end(), g) == container_gpus.end())
              container_gpus.push_back(g);
          }
        }
      }
    }
    for (size_t w = 0; w < scenario.workloads.size(); ++w) {
      const WorkloadSpec& spec = scenario.workloads[w];
      if (spec.device != device.name) continue;
      std::optional<int> gpu;
      if (spec.runtime == RuntimeKind::kVm) {
        for (size_t g = 0; g < dl.gpus.size(); ++g)
          if (dl.gpus[g].vm == spec.vm) gpu = static_cast<int>(g);
      } else if (spec.visible_device) {
        gpu = *spec.visible_device;
      } else if (!container_gpus.empty()) {
        gpu = container_gpus.front();
      }
      if (!gpu || *gpu < 0 || static_cast<size_t>(*gpu) >= dl.gpus.size()) continue;
      GpuLayout& g = dl.gpus[static_cast<size_t>(*gpu)];
      g.workloads.push_back(w);
      g.processes += spec.replicas;
    }
    out.push_back(std::move(dl));
  }
  return out;
}

}  // namespace sharesim::scenarios
