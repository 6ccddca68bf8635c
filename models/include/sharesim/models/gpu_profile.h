// A GPU profile: every hardware and model parameter the execution model reads, as data.
//
// Profiles are YAML files (models/profiles/*.yaml; the built-in ones are compiled into the library,
// so "t4" works without an install path). Each parameter carries its value, its unit and its
// source; parameters that are estimates (not published, or not yet calibrated) say so with
// `estimate: true` and a note. The loader converts every value to the unit used here (named in
// each field's comment) and rejects unknown keys, missing parameters, wrong units and values out
// of range with an Error naming the file, line, column and parameter.
//
// File format (one entry per parameter under `parameters`):
//
//   name: t4
//   description: NVIDIA T4 (Turing TU104, compute capability 7.5)
//   parameters:
//     sm_count: {value: 40, unit: count, source: "NVIDIA T4 datasheet"}
//     time_slice: {value: 2, unit: ms, source: "not published", estimate: true, note: "..."}
//
// Units accepted per kind: count; MHz, GHz; ratio; bool; enum (a word); B, KiB, MiB, GiB, KB, MB,
// GB; B/s, KB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s; ns, us, ms, s.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sharesim/sim/result.h"
#include "sharesim/sim/time.h"

namespace sharesim::models {

// How CUDA_MPS_ACTIVE_THREAD_PERCENTAGE becomes a number of SMs.
enum class SmCapRounding { kFloor, kNearest, kCeil };

// Where one parameter's value came from (kept for reports and `sharesim check`).
struct ParameterProvenance {
  std::string name;    // the parameter's key, e.g. "dram_bandwidth_effective"
  std::string unit;    // the unit as written in the file
  std::string value;   // the value as written in the file
  std::string source;  // datasheet, whitepaper, measurement, or why it is an estimate
  bool estimate = false;
  std::string note;
};

struct GpuProfile {
  std::string name;         // e.g. "t4"
  std::string description;  // free text
  std::string origin;       // "builtin:t4" or the file path it was loaded from

  // ---- Compute -----------------------------------------------------------------------------------
  int sm_count = 0;            // streaming multiprocessors (>= 1)
  int max_threads_per_sm = 0;  // resident threads per SM (informational: for SM-demand helpers)
  int max_blocks_per_sm = 0;   // resident blocks per SM (informational: for SM-demand helpers)
  // Residency limits per SM (CUDA programming guide, per compute capability), for kernels with a
  // launch configuration (KernelWork::blocks > 0).
  int registers_per_sm = 65536;
  int register_allocation_unit = 256;  // registers are allocated per warp in units of this many
  int64_t shared_memory_per_sm = 64 * 1024;
  // Resident warps per SM at which its issue throughput saturates (Little's law: schedulers x
  // dependent-issue latency in cycles, 4 x 4 on Volta and Turing). A kernel at warp occupancy o of
  // an SM uses min(1, o / o_sat) of its issue, o_sat = this / (max_threads_per_sm / 32), when no
  // measured throughput says otherwise. 0: not modeled (issue in proportion to residency, and a
  // simple kernel fills its `sm_demand` SMs, as before this parameter existed).
  int issue_saturation_warps = 0;
  double base_clock_mhz = 0;
  double boost_clock_mhz = 0;
  // Sustained SM clock under continuous load, as a fraction of the boost clock, in (0, 1].
  // Kernel solo durations given to the model are at the sustained clock already; this factor
  // converts durations measured at the boost clock (see boost_to_sustained()).
  double sustained_clock_factor = 1.0;

  // ---- Memory ------------------------------------------------------------------------------------
  double dram_bandwidth_nominal = 0;    // bytes per second, datasheet peak
  double dram_bandwidth_effective = 0;  // bytes per second, achievable (what the model shares)
  int64_t memory_total_bytes = 0;       // physical device memory
  int64_t memory_usable_bytes = 0;      // what processes can allocate in total
  int64_t l2_cache_bytes = 0;           // informational
  // DRAM bandwidth one SM can draw (bytes per second; Little's law: bytes in flight per SM /
  // loaded DRAM latency): a memory-bound kernel restricted to c SMs reaches at most c x this.
  double dram_bandwidth_per_sm = 0;

  // ---- Copies ------------------------------------------------------------------------------------
  int copy_engines = 1;        // asynchronous copy engines: copies in flight at once
  double pcie_h2d_pinned = 0;  // bytes per second, one copy alone
  double pcie_h2d_pageable = 0;
  double pcie_d2h_pinned = 0;
  double pcie_d2h_pageable = 0;
  sim::Time copy_latency;  // fixed cost of each copy, before bytes flow

  // ---- Kernels -----------------------------------------------------------------------------------
  sim::Time kernel_launch_overhead;  // fixed gap before each kernel of a stream starts

  // ---- Time-slicing ------------------------------------------------------------------------------
  sim::Time time_slice;                   // longest turn of one context while others wait
  sim::Time context_switch_cost;          // idle GPU time to switch contexts
  bool timeslice_copies_overlap = false;  // copies of a waiting context run during another's slice

  // ---- MPS ---------------------------------------------------------------------------------------
  int mps_max_clients = 48;
  SmCapRounding mps_sm_rounding = SmCapRounding::kFloor;
  int mps_sm_granularity = 1;  // SMs are given to an MPS client in multiples of this (TPC = 2)
  // Interference of MPS co-execution beyond the shared SMs and bandwidth: a kernel of a client
  // while kernels of `n` other clients hold SMs runs slower by the factor
  //   1 + penalty x min(1, n) + per_client x max(0, n - 1) + memory x (sum of their DRAM use)
  // (DRAM use: each co-running kernel's DRAM bytes per second alone / dram_bandwidth_effective).
  double mps_interference_penalty = 0;     // the pair term, >= 0
  double mps_interference_per_client = 0;  // each further co-running client, >= 0
  double mps_interference_memory = 0;      // per unit of co-runners' DRAM use, >= 0
  // Extra launch gap of each kernel per other MPS client with work on the GPU (the MPS server
  // and the GPU's work queues serialise submissions of many clients).
  sim::Time mps_launch_gap_per_client;

  std::vector<ParameterProvenance> provenance;  // one per parameter, in file order

  // SMs a client with this CUDA_MPS_ACTIVE_THREAD_PERCENTAGE may use: sm_count * pct / 100 in
  // units of mps_sm_granularity SMs, rounded by mps_sm_rounding, at least one unit and at most
  // sm_count. REQUIRES: 1 <= pct <= 100.
  [[nodiscard]] int mps_sm_cap(int active_thread_percentage) const;
  // The duration of work measured at the boost clock, at the sustained clock (compute-bound
  // work scales with the clock: duration / sustained_clock_factor).
  [[nodiscard]] sim::Time boost_to_sustained(sim::Time at_boost) const;
  // Solo PCIe bandwidth (bytes per second) of one copy.
  [[nodiscard]] double pcie_bandwidth(bool host_to_device, bool pinned) const;
};

// Loads a profile from a YAML file.
Result<GpuProfile> load_gpu_profile_file(const std::string& path);
// Parses profile YAML text; `file` names it in errors.
Result<GpuProfile> parse_gpu_profile(std::string_view yaml_text, const std::string& file);
// A profile compiled into the library: "t4" (the default), "v100-16gb", "a100-80gb-pcie".
Result<GpuProfile> builtin_gpu_profile(std::string_view name);
// The names builtin_gpu_profile accepts.
std::vector<std::string> builtin_gpu_profile_names();
// A built-in name, or else a path to a YAML file (relative paths resolve against base_dir, e.g.
// the folder of the scenario that names it).
Result<GpuProfile> resolve_gpu_profile(const std::string& name_or_path, const std::string& base_dir);

}  // namespace sharesim::models
