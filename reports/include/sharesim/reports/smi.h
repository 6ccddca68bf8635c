// `sharesim smi`: nvidia-smi style views of the simulated GPUs, read back from results.json.
//
//  - smi_table: the default `nvidia-smi` screen (one box per GPU: name, memory usage,
//    GPU-Util, compute mode; then the Processes box with each process's GPU memory). Without a
//    time it shows the means over the measured interval (results.json's utilization_gpu); with
//    one, the sample window containing that instant (utilization_gpu_series).
//  - smi_dmon: `nvidia-smi dmon` style rows, one per GPU per second of measured time: sm %
//    (utilization.gpu), mem % (memory controller), copy % (copy engines busy), smocc % (SM
//    occupancy, a sharesim addition), fb MB (memory used). Windows shorter or longer than 1 s are
//    resampled to seconds by time-weighted averaging.
//  - smi_query_csv / dmon csv: the same numbers as CSV (like --query-gpu ... --format=csv,nounits).
// Not simulated, so not shown: power, temperatures, clocks, fan, ECC, PIDs (printed as N/A or -).
// Memory used is the value at the end of the run (results.json has no memory series).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sharesim/sim/result.h"

namespace sharesim::reports {

struct SmiProcess {
  std::string name;  // workload/replica
  int64_t memory_bytes = 0;
  std::optional<int> mps_active_thread_percentage;
  int sm_cap = 0;
  bool failed = false;
};

struct SmiGpu {
  std::string device;
  int index = 0;
  std::string profile;
  std::string policy;  // "" when idle
  std::string claimed_by;
  double utilization_gpu = 0;  // fractions of 1, means over the measured interval
  double utilization_memory = 0;
  double sm_occupancy = 0;
  double copy_busy = 0;
  int64_t memory_used_bytes = 0;
  int64_t memory_total_bytes = 0;
  double sample_window_s = 1;
  std::vector<double> utilization_gpu_series;  // per window (fractions)
  std::vector<double> utilization_memory_series;
  std::vector<double> sm_occupancy_series;
  std::vector<double> copy_busy_series;
  uint64_t context_switches = 0;
  uint64_t faults = 0;
  std::vector<SmiProcess> processes;
};

struct SmiSnapshot {
  std::string scenario;
  double warmup_s = 0;
  double simulated_s = 0;  // the end of the run
  std::vector<SmiGpu> gpus;
};

// Reads results.json (written by `sharesim run`). A missing, unreadable or garbled file, or one
// without the keys the views need, is an Error naming the file and what is wrong.
Result<SmiSnapshot> load_smi_snapshot(const std::string& path);

// `at_s`: an instant of simulated time in seconds (>= warm-up, <= end), or nullopt for the means.
// Fails when at_s is outside the measured interval.
Result<std::string> smi_table(const SmiSnapshot& snapshot, std::optional<double> at_s);
Result<std::string> smi_query_csv(const SmiSnapshot& snapshot, std::optional<double> at_s);
std::string smi_dmon(const SmiSnapshot& snapshot, bool csv);

// A per-window series resampled to whole seconds from the start of measurement: element k is the
// time-weighted mean over [k, k+1) s (the last second may be partial: its mean over the covered
// part). `total_s` is the measured length.
std::vector<double> resample_per_second(const std::vector<double>& series, double window_s, double total_s);

}  // namespace sharesim::reports
