// What a run of a scenario produced, as plain data for reports/ (results.json, the summary,
// report.html, `sharesim check`'s metrics) and for the planner: per-GPU metrics, processes and
// faults, per-workload statistics. Nothing here knows how the scenario was written or loaded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sharesim/models/gpu.h"
#include "sharesim/models/workload.h"
#include "sharesim/sim/time.h"

namespace sharesim::run {

struct ProcessReport {
  std::string workload;
  int replica = 0;
  int64_t memory_bytes = 0;
  std::optional<int> mps_active_thread_percentage;
  int sm_cap = 0;  // SMs its kernels may use together
  bool failed = false;
  std::string failure;  // why (start refused, or the fault)
};

struct GpuReport {
  std::string device;
  int index = 0;
  std::string claimed_by;          // consumer name ("analytics-vm", "kubernetes"), or "" when free
  std::string policy;              // "passthrough", "time-slicing", "mps", or "" when nothing runs on it
  std::string profile;             // the GPU profile's name
  int sm_count = 0;                // the profile's SMs
  int64_t memory_total_bytes = 0;  // the profile's usable device memory (what nvidia-smi shows as total)
  bool in_use = false;             // a GpuModel ran (at least one process)
  models::GpuMetrics metrics;
  std::vector<ProcessReport> processes;
  std::vector<models::FaultRecord> faults;
};

struct RunReport {
  std::string scenario_name;
  std::string scenario_file;
  uint64_t seed = 0;
  sim::Time duration;  // as configured
  sim::Time warmup;
  sim::Time ended_at;    // simulated time when the run ended (<= duration)
  uint64_t events = 0;   // events the engine executed
  uint64_t kernels = 0;  // kernels completed (all GPUs, measured window)
  std::vector<models::WorkloadStats> workloads;
  std::vector<GpuReport> gpus;
  std::vector<std::string> warnings;  // e.g. an untested VM OS
  bool slo_met = true;                // every workload's SLOs
  bool interrupted = false;           // stopped early by a signal or a budget
  std::string stopped_by_limit;       // why a resource limit stopped the run early, or ""
};

}  // namespace sharesim::run
