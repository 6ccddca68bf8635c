// The raw-measurement CSV: one long format for real measurements (sharesim-calibrate) and simulated
// ones (sharesim calibrate simulate).
//
//   # sharesim calibration measurements, format 1
//   # device.name: Tesla T4
//   # device.sm_count: 40
//   # ... (one "# key: value" line per device fact; see kHeader* below)
//   suite,case,param,metric,value,unit,rep
//   copies,h2d_pinned,bytes=4096,time,10250,ns,0
//
// Columns: suite (plan.h suite name), case (see below), param ("key=value;..." of integers), metric,
// value (a finite decimal number), unit (ns, B, count), rep (0-based repetition or item index).
// Durations are in ns; timestamps of the sharing suite are ns since the earliest start of that case.
//
// Cases and metrics by suite:
//   copies      h2d_pinned | h2d_pageable | d2h_pinned | d2h_pageable; param bytes=N; metric time
//   launch      host_launch (kernels=N; metric time_per_launch), back_to_back (kernels=N; metric gap),
//               empty_kernel (metric time: one launch timed with cudaEvents), ahead (kernels=N;
//               spin_ns=S; metrics gap and call_time: host time of each launch call, rep = index),
//               sync (kernels=N; metric gap: launch after the previous kernel's synchronize)
//   sm-scaling  compute (blocks=G;iterations=I; metric time), memory (blocks=G;bytes_per_block=B;
//               metric time)
//   overlap     kernel_alone | h2d_alone | d2h_alone | together (bytes=N;blocks=G;iterations=I);
//               metrics time (alone), kernel_time | h2d_time | d2h_time | total_time (together)
//   sharing     timeslice (procs=N;proc=P): window_start, window_end, gap_start, gap_end (rep = gap)
//               share (procs=N;pct=Q;mps=0/1;proc=P): kernel_start, kernel_end (rep = kernel index)
//               pair (kind=K;procs=N;proc=P; K: 0 compute solo, 1 memory solo, 2 compute+compute,
//               3 compute+memory, 4 memory+memory): kernel_start, kernel_end
//               mps_pct (pct=Q;blocks=G;iterations=I): kernel_start, kernel_end of the percentage
//               sweep (one process, MPS on); mps_pct_memory (pct=Q;blocks=G;bytes_per_block=B)
//               the same for the memory kernel; latency (procs=N;proc=P): N latency-bound clients;
//               beside_memory (streams=M;procs=M+1;proc=P): proc 0 a half-GPU compute kernel, the
//               others memory kernels; launch_clients (procs=N;proc=P): stamped empty kernels
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace sharesim::calibrate {

inline constexpr const char* kCsvColumns = "suite,case,param,metric,value,unit,rep";

// Header keys ("# key: value" lines).
inline constexpr const char* kHeaderDeviceName = "device.name";
inline constexpr const char* kHeaderSmCount = "device.sm_count";
inline constexpr const char* kHeaderComputeCapability = "device.compute_capability";
inline constexpr const char* kHeaderFp32LanesPerSm = "device.fp32_lanes_per_sm";
inline constexpr const char* kHeaderClockMhz = "device.clock_mhz";
inline constexpr const char* kHeaderMemoryClockMhz = "device.memory_clock_mhz";
inline constexpr const char* kHeaderMemoryBusBits = "device.memory_bus_bits";
inline constexpr const char* kHeaderMemoryBytes = "device.memory_bytes";
// 2 x memory clock x bus width: the nominal DRAM bandwidth, GB/s.
inline constexpr const char* kHeaderDramPeakGbps = "device.dram_peak_gbps";
// Clocks during a suite, read through NVML (sharesim-calibrate; absent without NVML):
// "clock.<suite>.sm_mhz_median" and _min, _max, memory_mhz_median, throttle_reasons, samples.
inline constexpr const char* kHeaderClockPrefix = "clock.";
inline constexpr const char* kHeaderAsyncEngines = "device.async_engines";
inline constexpr const char* kHeaderDriverVersion = "device.driver_version";
inline constexpr const char* kHeaderRuntimeVersion = "device.runtime_version";
inline constexpr const char* kHeaderMps = "device.mps";  // "on" or "off" ("both" for merged/simulated data)
inline constexpr const char* kHeaderComputeMode =
    "device.compute_mode";  // default, exclusive_process, prohibited
inline constexpr const char* kHeaderTool = "tool";
inline constexpr const char* kHeaderSuites = "suites";

// Pair kinds of the sharing suite's "pair" case (param kind=K).
enum class PairKind : int {
  kComputeSolo = 0,
  kMemorySolo = 1,
  kComputeCompute = 2,
  kComputeMemory = 3,
  kMemoryMemory = 4
};

// Where a row came from, for errors that point at it (empty file and 0s for rows made in memory).
// Columns are 1-based character positions of the param and value fields in their line.
struct RowOrigin {
  std::string file;
  int line = 0;
  int param_column = 0;
  int value_column = 0;
};

struct Measurement {
  std::string suite;
  std::string case_name;
  std::string param;
  std::string metric;
  double value = 0;
  std::string unit;
  int64_t rep = 0;
  RowOrigin origin;  // set by the reader
};

struct RawData {
  std::vector<std::pair<std::string, std::string>> header;  // in file order
  std::vector<Measurement> rows;

  // The header value for `key`, or "" when absent.
  [[nodiscard]] std::string header_value(const std::string& key) const;
  void set_header(const std::string& key, const std::string& value);
  void add(std::string suite, std::string case_name, std::string param, std::string metric, double value,
           std::string unit, int64_t rep);
};

// Writes the header block, the column line and every row. Values use the shortest decimal form
// that reads back to the same double.
void write_raw_csv(std::ostream& out, const RawData& data);

// The number of FP32 lanes per SM for a compute capability (major, minor), from NVIDIA's
// architecture whitepapers; 0 when unknown. 7.0/7.5/8.0/9.0(FP32 128)... see raw_csv.cpp.
int fp32_lanes_per_sm(int major, int minor);

}  // namespace sharesim::calibrate
