// What the placement already tells before anything runs (issue 12 item 4): processes that will
// fail when they start, for reasons known from the scenario alone: declared memory above the GPU's
// usable memory (per process, and all the processes of a GPU together), above a process's MPS
// memory limit (CUDA_MPS_PINNED_DEVICE_MEM_LIMIT, as written or set by a target's device plugin
// rule), and more MPS clients on one GPU than MPS allows. The run still simulates them (they fail
// at start-up, as they would on the GPU): these are warnings, at the workload's line.
#include <cstdio>
#include <map>
#include <string>
#include <utility>

#include "run_steps.h"

namespace sharesim::run::detail {
namespace {

std::string gib(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
  return text;
}

Error located(const scenarios::WorkloadSpec& w, const std::string& key, std::string message) {
  Error e = error_at(w.where, std::move(message));
  e.field += "." + key;
  return e;
}

}  // namespace

std::vector<Error> placement_warnings(const scenarios::Scenario& scenario, const DeviceGpus& gpus) {
  std::map<std::string_view, const scenarios::WorkloadSpec*> spec_of;
  for (const auto& w : scenario.workloads) spec_of[w.name] = &w;
  std::vector<Error> out;
  std::map<std::string, bool> said;  // one warning per workload and kind
  auto once = [&said](const std::string& workload, const char* kind) {
    return !std::exchange(said[workload + "|" + kind], true);
  };
  for (const auto& device_slots : gpus.slots) {
    for (const GpuSlot& slot : device_slots) {
      if (!slot.policy) continue;
      const models::GpuProfile& profile = *slot.profile;
      const std::string gpu = "GPU " + std::to_string(slot.index) + " of device '" + slot.device + "'";
      const bool mps = *slot.policy == models::SharingPolicy::kMps;
      int64_t total = 0;
      bool total_said = false;
      for (size_t i = 0; i < slot.processes.size(); ++i) {
        const ProcessReport& p = slot.processes[i];
        const scenarios::WorkloadSpec& w = *spec_of.at(p.workload);
        const std::string who = p.workload + "/" + std::to_string(p.replica);
        if (p.memory_bytes > profile.memory_usable_bytes && once(p.workload, "memory")) {
          out.push_back(located(w, "memory",
                                "each process declares " + gib(p.memory_bytes) + ", more than the " +
                                    gib(profile.memory_usable_bytes) + " usable on " + gpu + " (profile '" +
                                    profile.name +
                                    "', after its reservations): its processes fail at start-up "
                                    "(out of memory)"));
        }
        if (mps && w.mps_pinned_mem_limit_bytes && p.memory_bytes > *w.mps_pinned_mem_limit_bytes &&
            once(p.workload, "pinned")) {
          out.push_back(
              located(w, "memory",
                      "each process declares " + gib(p.memory_bytes) +
                          ", more than its MPS memory "
                          "limit CUDA_MPS_PINNED_DEVICE_MEM_LIMIT " +
                          gib(*w.mps_pinned_mem_limit_bytes) +
                          " (as written, or set by the target's device plugin rule): each such client "
                          "fails at start-up"));
        }
        total += p.memory_bytes;
        if (!total_said && total > profile.memory_usable_bytes &&
            p.memory_bytes <= profile.memory_usable_bytes) {
          total_said = true;
          out.push_back(located(
              w, "memory",
              "the processes placed on " + gpu + " declare " + gib(total) + " together once '" + who +
                  "' starts, more than the " + gib(profile.memory_usable_bytes) + " usable (profile '" +
                  profile.name + "'): '" + who + "' runs out of memory at start-up" +
                  (mps || *slot.policy == models::SharingPolicy::kTimeSlicing
                       ? std::string(", and with no memory isolation every process of the GPU fails")
                       : std::string())));
        }
        if (mps && static_cast<int>(i) == profile.mps_max_clients) {
          out.push_back(located(w, "replicas",
                                std::to_string(slot.processes.size()) + " MPS clients are placed on " + gpu +
                                    ", more than the " + std::to_string(profile.mps_max_clients) +
                                    " MPS allows per GPU (profile '" + profile.name + "'): '" + who +
                                    "' and the ones after it fail to start"));
        }
      }
    }
  }
  return out;
}

}  // namespace sharesim::run::detail
