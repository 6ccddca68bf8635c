// Collecting a finished run: each workload's statistics and SLO verdict, and each GPU's metrics,
// faults and processes (a process that faulted during the run is marked failed with the reason).
#include <string>
#include <unordered_map>

#include "run_steps.h"

namespace sharesim::run::detail {

void collect(DeviceGpus& gpus, WiredWorkloads& wired, RunReport& report) {
  for (auto& workload : wired.workloads) {
    report.workloads.push_back(workload->collect());
    report.slo_met = report.slo_met && report.workloads.back().slo_met;
  }
  for (auto& device_slots : gpus.slots) {
    for (GpuSlot& slot : device_slots) {
      GpuReport g;
      g.device = slot.device;
      g.index = slot.index;
      g.claimed_by = slot.claimed_by;
      g.profile = slot.profile->name;
      g.sm_count = slot.profile->sm_count;
      g.memory_total_bytes = slot.profile->memory_usable_bytes;
      if (slot.model) {
        g.in_use = true;
        g.policy = std::string(models::sharing_policy_name(*slot.policy));
        g.metrics = slot.model->metrics();
        g.faults = slot.model->faults();
        report.kernels += g.metrics.kernels_completed;
        // Each process's last fault, in one pass over the faults (a GPU-wide fault of n processes
        // logs n faults: a scan of every fault per process was O(n^2)).
        std::unordered_map<models::ProcessId, const std::string*> last_fault;
        for (const auto& f : g.faults) last_fault[f.process] = &f.reason;
        for (size_t i = 0; i < slot.processes.size(); ++i) {
          ProcessReport& p = slot.processes[i];
          const auto& id = slot.process_ids[i];
          if (id && slot.model->failed(*id)) {
            p.failed = true;
            if (auto f = last_fault.find(*id); f != last_fault.end()) p.failure = *f->second;
          }
        }
      }
      g.processes = slot.processes;
      report.gpus.push_back(std::move(g));
    }
  }
}

}  // namespace sharesim::run::detail
