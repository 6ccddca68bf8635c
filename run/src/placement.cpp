// Claims and placement: each device's GPU profile and claim rules give one slot per GPU; each
// workload replica becomes a process on one of its consumer's GPUs (run_scenario.h states the
// rules).
#include <string>

#include "run_steps.h"
#include "sharesim/scenarios/loader.h"

namespace sharesim::run::detail {

using scenarios::DeviceSpec;
using scenarios::RuntimeKind;
using scenarios::WorkloadSpec;

namespace {

models::SharingPolicy container_policy(scenarios::ContainerSharing sharing) {
  return sharing == scenarios::ContainerSharing::kMps ? models::SharingPolicy::kMps
                                                      : models::SharingPolicy::kTimeSlicing;
}

}  // namespace

Result<DeviceGpus> claim_devices(const scenarios::Scenario& scenario, std::vector<std::string>& warnings) {
  const std::string base_dir = scenarios::scenario_base_dir(scenario.file);
  DeviceGpus out;
  for (const DeviceSpec& device : scenario.devices) {
    auto profile = models::resolve_gpu_profile(device.gpu_profile, base_dir);
    if (!profile) {
      // An error inside the profile file keeps that file's own location (a scenario line next to
      // the profile's file name would point nowhere); a missing or unknown profile is located at
      // the scenario's gpu_profile key.
      if (!profile.error().file.empty() && profile.error().file != device.where.file) return profile.error();
      return profile.error().at(device.where.file, device.where.line, device.where.column,
                                device.where.field + ".gpu_profile");
    }
    out.profiles.push_back(std::make_unique<models::GpuProfile>(std::move(*profile)));
    auto claim = claim_device(device, &warnings);
    if (!claim) return claim.error();
    out.device_index[device.name] = out.claims.size();
    std::vector<GpuSlot> gpus(static_cast<size_t>(device.gpus));
    for (int g = 0; g < device.gpus; ++g) {
      gpus[static_cast<size_t>(g)].device = device.name;
      gpus[static_cast<size_t>(g)].index = g;
      gpus[static_cast<size_t>(g)].profile = out.profiles.back().get();
    }
    for (const models::GpuConsumerClaim& c : claim->consumers) {
      // IoT Edge uses the Kubernetes GPUs: the GPU stays claimed by the first consumer holding it.
      for (int g : c.gpus) {
        if (gpus[static_cast<size_t>(g)].claimed_by.empty()) gpus[static_cast<size_t>(g)].claimed_by = c.name;
      }
    }
    out.claims.push_back(std::move(*claim));
    out.slots.push_back(std::move(gpus));
  }
  return out;
}

Result<Placements> place_replicas(const scenarios::Scenario& scenario, DeviceGpus& gpus) {
  Placements placements(scenario.workloads.size());
  for (size_t w = 0; w < scenario.workloads.size(); ++w) {
    const WorkloadSpec& spec = scenario.workloads[w];
    const auto located = [&](const std::string& message) { return error_at(spec.where, message); };
    const size_t d = gpus.device_index.at(spec.device);
    const DeviceSpec& device = scenario.devices[d];
    const models::DeviceClaims& claim = gpus.claims[d];
    models::SharingPolicy policy;
    std::vector<int> candidate_gpus;
    if (spec.runtime == RuntimeKind::kVm) {
      const models::GpuConsumerClaim* vm = claim.find(spec.vm);
      if (!vm) return located("no VM named '" + spec.vm + "' in the setup of device '" + device.name + "'");
      if (auto usable = models::check_vm_gpu_use(*vm); !usable) return located(usable.error().message);
      policy = models::SharingPolicy::kPassthrough;
      candidate_gpus = vm->gpus;
    } else {
      const bool iot = spec.runtime == RuntimeKind::kIotEdge;
      const models::GpuConsumerClaim* consumer = nullptr;
      for (const auto& c : claim.consumers) {
        if ((c.kind == models::GpuConsumerKind::kKubernetes) ||
            (iot && c.kind == models::GpuConsumerKind::kIotEdge)) {
          if (!consumer || (iot && c.kind == models::GpuConsumerKind::kIotEdge)) consumer = &c;
        }
      }
      if (!consumer) {
        return located(std::string("runtime '") + (iot ? "iot-edge" : "kubernetes") + "' but device '" +
                       device.name + "' has no " + (iot ? "IoT Edge or Kubernetes" : "Kubernetes") +
                       " step in its setup");
      }
      models::ModuleGpuRequest request;
      if (auto it = spec.env.find("NVIDIA_VISIBLE_DEVICES"); it != spec.env.end()) {
        request.visible_devices = it->second;
      } else {
        request.gpu_count = 1.0;  // a GPU workload asks for one GPU (the deployment's GPU count)
      }
      auto gpu = models::assign_module_gpu(request, *consumer, device.gpus);
      if (!gpu) return located(gpu.error().message);
      if (!*gpu) {
        return located("NVIDIA_VISIBLE_DEVICES gives this module no GPU, but its requests run GPU work");
      }
      policy = container_policy(device.sharing);
      if (request.visible_devices) {
        candidate_gpus = {**gpu};
      } else {
        candidate_gpus = consumer->gpus;
      }
    }
    for (int r = 0; r < spec.replicas; ++r) {
      // The candidate GPU with the fewest processes so far; ties to the lowest index.
      GpuSlot* best = nullptr;
      for (int g : candidate_gpus) {
        GpuSlot& slot = gpus.slots[d][static_cast<size_t>(g)];
        if (!best || slot.process_count < best->process_count) best = &slot;
      }
      if (best->policy && *best->policy != policy) {
        return located("GPU " + std::to_string(best->index) + " of device '" + device.name +
                       "' already runs " + std::string(models::sharing_policy_name(*best->policy)) +
                       " work; a GPU has one sharing mode");
      }
      best->policy = policy;
      ++best->process_count;
      ProcessReport process;
      process.workload = spec.name;
      process.replica = r;
      process.memory_bytes = spec.memory_bytes;
      process.mps_active_thread_percentage =
          policy == models::SharingPolicy::kMps ? spec.mps_active_thread_percentage : std::nullopt;
      best->processes.push_back(process);
      placements[w].push_back({best, best->processes.size() - 1});
    }
  }
  return placements;
}

}  // namespace sharesim::run::detail
