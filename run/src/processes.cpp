// Starting the GPUs that have work and one CUDA process per placed replica. A process that cannot
// start under time-slicing or MPS (the MPS client limit, memory) is reported as failed; under
// passthrough it is an input error. A --trace observer is attached before any work is submitted.
#include <string>

#include "run_steps.h"
#include "sharesim/models/workload.h"

namespace sharesim::run::detail {

namespace {

GpuReport report_so_far(const GpuSlot& slot) {
  GpuReport so_far;
  so_far.device = slot.device;
  so_far.index = slot.index;
  so_far.claimed_by = slot.claimed_by;
  so_far.policy = std::string(models::sharing_policy_name(*slot.policy));
  so_far.profile = slot.profile->name;
  so_far.sm_count = slot.profile->sm_count;
  so_far.memory_total_bytes = slot.profile->memory_usable_bytes;
  so_far.in_use = true;
  so_far.processes = slot.processes;
  return so_far;
}

}  // namespace

Status start_processes(sim::Simulator& sim, const scenarios::Scenario& scenario, DeviceGpus& gpus,
                       const RunOptions& options) {
  for (auto& device_slots : gpus.slots) {
    for (GpuSlot& slot : device_slots) {
      if (!slot.policy) continue;
      slot.model = std::make_unique<models::GpuModel>(sim, *slot.profile, *slot.policy,
                                                      slot.device + "/" + std::to_string(slot.index));
      slot.model->set_sample_window(scenario.utilization_window);
      for (ProcessReport& p : slot.processes) {
        const scenarios::WorkloadSpec* spec = nullptr;
        for (const auto& ws : scenario.workloads) {
          if (ws.name == p.workload) spec = &ws;
        }
        models::ProcessSpec ps;
        ps.name = p.workload + "/" + std::to_string(p.replica);
        ps.memory_bytes = p.memory_bytes;
        ps.mps_active_thread_percentage = p.mps_active_thread_percentage;
        // One stream per model instance and copy stream of the serving process (workload.h).
        ps.streams = models::Workload::process_streams(spec->server);
        if (*slot.policy == models::SharingPolicy::kMps)
          ps.mps_pinned_mem_limit = spec->mps_pinned_mem_limit_bytes;
        auto id = slot.model->start_process(ps);
        if (!id) {
          if (*slot.policy == models::SharingPolicy::kPassthrough) {
            return error_at(spec->where, "cannot start '" + ps.name + "' on GPU " +
                                             std::to_string(slot.index) + " of device '" + slot.device +
                                             "': " + id.error().message);
          }
          p.failed = true;
          p.failure = id.error().message;
          slot.process_ids.emplace_back();
        } else {
          slot.process_ids.emplace_back(*id);
          p.sm_cap = slot.model->sm_cap(*id);
        }
      }
      if (options.gpu_observer) {
        if (models::GpuObserver* observer = options.gpu_observer(report_so_far(slot), slot.process_ids)) {
          slot.model->set_observer(observer);
        }
      }
    }
  }
  return Ok{};
}

}  // namespace sharesim::run::detail
