// Starting the GPUs that have work and one CUDA process per placed replica. A process that cannot
// start under time-slicing or MPS (the MPS client limit, memory) is reported as failed; under
// passthrough it is an input error. A --trace observer is attached before any work is submitted.
#include <map>
#include <string>
#include <string_view>

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

Result<bool> start_processes(sim::Simulator& sim, const scenarios::Scenario& scenario, DeviceGpus& gpus,
                             const RunOptions& options) {
  // Each process's workload spec by name, looked up once per process (was a scan of every
  // workload per process).
  std::map<std::string_view, const scenarios::WorkloadSpec*> spec_of;
  for (const auto& ws : scenario.workloads) spec_of[ws.name] = &ws;
  sim::StopPoll stop(options.stop, 256);
  bool stopped = false;
  for (auto& device_slots : gpus.slots) {
    for (GpuSlot& slot : device_slots) {
      if (!slot.policy) continue;
      slot.model = std::make_unique<models::GpuModel>(sim, *slot.profile, *slot.policy,
                                                      slot.device + "/" + std::to_string(slot.index));
      slot.model->set_sample_window(scenario.utilization_window);
      for (ProcessReport& p : slot.processes) {
        stopped = stopped || stop();
        if (stopped) {
          p.failed = true;
          p.failure = "not started: the run was stopped during start-up";
          slot.process_ids.emplace_back();
          continue;
        }
        const scenarios::WorkloadSpec* spec = spec_of.at(p.workload);
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
  return stopped;
}

}  // namespace sharesim::run::detail
