// The cheap bounds: a candidate screened out without simulating it (memory, MPS client limit,
// GPU, SM, DRAM and PCIe load, per-process load at its SM cap), and the workloads no candidate can
// serve (the problem is infeasible). docs/planner.md gives the reasons.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "search_steps.h"
#include "sharesim/planner/planner.h"
#include "sharesim/sim/text_format.h"

namespace sharesim::planner {

using scenarios::PlanPolicy;
using scenarios::PlanSpec;
using scenarios::Scenario;
using scenarios::WorkloadSpec;
using sim::fmt;

namespace detail {

std::optional<std::string> screen_with(const Scenario& base, const PlanSpec& spec,
                                       const std::vector<models::GpuProfile>& profiles, const Candidate& c) {
  const std::vector<int> total = processes_per_workload(base, c);
  for (const DevicePlan& d : c.devices) {
    const models::GpuProfile& profile = profiles[d.option];
    const std::string_view container_policy = d.mps ? "mps" : "time-slicing";
    for (size_t g = 0; g < d.gpus.size(); ++g) {
      const GpuPlan& gpu = d.gpus[g];
      if (gpu.tenants.empty()) continue;
      const std::string where = d.name + "/gpu" + std::to_string(g);
      const bool mps = !gpu.passthrough && d.mps;
      int processes = 0;
      double memory = 0, gpu_load = 0, sm_load = 0, dram_load = 0, h2d_load = 0, d2h_load = 0;
      for (const Tenant& t : gpu.tenants) {
        const WorkloadSpec& w = base.workloads[t.workload];
        processes += t.processes;
        memory += static_cast<double>(w.memory_bytes) * t.processes;
        const std::optional<double> rate = arrival_rate(w.arrivals);
        if (!rate) continue;  // closed loop: no offered rate to bound
        const double per_process_rate = *rate / total[t.workload];
        const double part_rate = per_process_rate * t.processes;
        const RequestWork full = work_on(w, profile, 0);
        const int cap = mps ? profile.mps_sm_cap(t.mps_percentage) : 0;
        const RequestWork capped = mps ? work_on(w, profile, cap) : full;
        // Each process serves one batch at a time: a single server.
        if (per_process_rate * capped.serial_s() > 1) {
          return where + ": each process of '" + w.name + "' is a single server needing " +
                 fmt("%.3g", capped.serial_s() * 1e3) + " ms per request" +
                 (mps ? " at " + std::to_string(cap) + " SMs" : std::string()) + ", offered " +
                 fmt("%.4g", per_process_rate) + "/s: load " +
                 fmt("%.3f", per_process_rate * capped.serial_s()) + " > 1";
        }
        gpu_load += part_rate * (profile.timeslice_copies_overlap && !gpu.passthrough ? full.kernel_s
                                                                                      : full.gpu_serial_s());
        sm_load += part_rate * full.sm_seconds;
        dram_load += part_rate * full.dram_s;
        h2d_load += part_rate * full.h2d_s;
        d2h_load += part_rate * full.d2h_s;
      }
      if (memory > static_cast<double>(profile.memory_usable_bytes)) {
        return where + ": processes need " + bytes_text(memory) + " of device memory, more than the " +
               bytes_text(static_cast<double>(profile.memory_usable_bytes)) + " usable";
      }
      if (mps && processes > profile.mps_max_clients) {
        return where + ": " + std::to_string(processes) + " MPS clients, more than the limit of " +
               std::to_string(profile.mps_max_clients);
      }
      // Passthrough and time-slicing run one context's work at a time (kernels and copies of one
      // stream in order): the GPU work per second cannot exceed 1. MPS overlaps clients, so only
      // the SM-time, DRAM and PCIe bounds hold.
      if (!mps && gpu_load > 1) {
        return where + " (" + std::string(gpu.passthrough ? "passthrough" : container_policy) +
               "): offered GPU load " + fmt("%.3f", gpu_load) +
               " > 1 (arrival rate x solo kernel and copy time)";
      }
      if (sm_load > 1) return where + ": offered SM load " + fmt("%.3f", sm_load) + " > 1";
      if (dram_load > 1) return where + ": offered DRAM load " + fmt("%.3f", dram_load) + " > 1";
      if (h2d_load > 1) return where + ": offered host-to-device PCIe load " + fmt("%.3f", h2d_load) + " > 1";
      if (d2h_load > 1) return where + ": offered device-to-host PCIe load " + fmt("%.3f", d2h_load) + " > 1";
    }
  }
  (void)spec;
  return std::nullopt;
}

// Why the problem cannot be solved whatever the search does, one line per workload.
std::vector<std::string> hopeless_workloads(const Scenario& base, const PlanSpec& spec,
                                            const std::vector<models::GpuProfile>& profiles) {
  std::vector<std::string> out;
  int max_gpus_per_device = 0;
  int64_t most_memory = 0;
  std::string most_memory_profile;
  for (size_t o = 0; o < profiles.size(); ++o) {
    max_gpus_per_device = std::max(max_gpus_per_device, spec.device_options[o].gpus);
    if (profiles[o].memory_usable_bytes > most_memory) {
      most_memory = profiles[o].memory_usable_bytes;
      most_memory_profile = profiles[o].name;
    }
  }
  const int gpus_reachable = std::min(spec.replicas.max, spec.max_devices * max_gpus_per_device);
  for (const WorkloadSpec& w : base.workloads) {
    if (w.memory_bytes > most_memory) {
      out.push_back("workload '" + w.name + "': its memory (" +
                    bytes_text(static_cast<double>(w.memory_bytes)) +
                    " per process) exceeds a GPU's usable memory (" +
                    bytes_text(static_cast<double>(most_memory)) + " on '" + most_memory_profile + "')");
      continue;
    }
    const auto rate = arrival_rate(w.arrivals);
    if (!rate) continue;
    if (w.slo.min_throughput_per_s && *w.slo.min_throughput_per_s > *rate * 1.000001) {
      out.push_back("workload '" + w.name + "': its SLO asks for " +
                    fmt("%.6g", *w.slo.min_throughput_per_s) + " requests/s but its arrivals offer only " +
                    fmt("%.6g", *rate) + "/s");
      continue;
    }
    // The weakest bound any allowed policy on any option gives.
    double best_gpu = std::numeric_limits<double>::infinity(), best_serial = best_gpu;
    for (const auto& profile : profiles) {
      const RequestWork full = work_on(w, profile, 0);
      best_serial = std::min(best_serial, full.serial_s());
      if (spec.allows(PlanPolicy::kMps)) {
        best_gpu = std::min(best_gpu, std::max({full.sm_seconds, full.dram_s, full.h2d_s, full.d2h_s}));
      }
      if (spec.allows(PlanPolicy::kPassthrough) || spec.allows(PlanPolicy::kTimeSlicing)) {
        best_gpu =
            std::min(best_gpu, profile.timeslice_copies_overlap && !spec.allows(PlanPolicy::kPassthrough)
                                   ? full.kernel_s
                                   : full.gpu_serial_s());
      }
    }
    const double load = *rate * best_gpu;
    // Arrivals that cannot be split keep every replica on one GPU.
    const int reachable = splittable(w.arrivals) ? gpus_reachable : 1;
    if (load > reachable) {
      out.push_back("workload '" + w.name + "': its offered load alone (" + fmt("%.6g", *rate) +
                    " requests/s x " + fmt("%.4g", best_gpu * 1e3) +
                    " ms of GPU work = " + fmt("%.3f", load) + " GPUs) exceeds the " +
                    std::to_string(reachable) + " GPU(s) its at most " + std::to_string(spec.replicas.max) +
                    " replica(s) on at most " + std::to_string(spec.max_devices) + " device(s) can use" +
                    (splittable(w.arrivals) ? "" : " (its arrivals cannot be split across GPUs)"));
      continue;
    }
    if (*rate / spec.replicas.max * best_serial > 1) {
      out.push_back("workload '" + w.name + "': each of its at most " + std::to_string(spec.replicas.max) +
                    " replica(s) serves one request at a time taking " + fmt("%.4g", best_serial * 1e3) +
                    " ms, so they serve at most " + fmt("%.6g", spec.replicas.max / best_serial) +
                    " requests/s, less than the " + fmt("%.6g", *rate) + "/s offered");
    }
  }
  return out;
}

}  // namespace detail

std::optional<std::string> screen(const Scenario& base, const PlanSpec& spec, const Candidate& candidate) {
  auto profiles = detail::option_profiles(base, spec);
  if (!profiles) return profiles.error().to_string();
  return detail::screen_with(base, spec, *profiles, candidate);
}

}  // namespace sharesim::planner
