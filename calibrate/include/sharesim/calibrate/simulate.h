// Running the calibration plan against the GPU model: `sharesim calibrate simulate`.
//
// Each case of the plan (plan.h) becomes the same work on a fresh sim::Simulator and
// models::GpuModel, and produces rows in the raw CSV format (raw_csv.h) with the same suite, case,
// param and metric as the CUDA program writes, so measured and simulated files compare row by row.
//
// How the benchmark kernels become model work (KernelWork):
//   compute kernel  solo = ceil(blocks / sm_count) x flops_per_block /
//                          (fp32_lanes x 2 x boost_clock x sustained_clock_factor),
//                   sm_demand = min(blocks, sm_count), memory_bound = 0
//   memory kernel   solo = bytes / dram_bandwidth_effective, sm_demand = min(blocks, sm_count),
//                   memory_bound = 1
//   empty / stamp   solo = kEmptyKernelSolo (1 us, a guess at an empty kernel's own duration)
//   latency kernel  solo = iterations x kFmaLatencyCycles / clock (latency_kernel_work)
//   issue kernel    solo = iterations x 2 x kFmaLatencyCycles / clock, its launch configuration and
//                   no sm_throughput: the model's issue saturation decides (issue_kernel_work)
//   spin kernel     solo = spin_ns (the launch suite's host-ahead case)
// A kernel's start is its stream's previous completion plus kernel_launch_overhead (the model's
// launch gap; under MPS plus mps_launch_gap_per_client per other client); durations are
// completion minus submission (as cudaEvents around the work measure).
//
// The time-slice probe cannot read a timer inside the model, so it reads the GPU's own
// utilization series instead: each of the N contexts runs one long kernel with a distinct
// memory-bound fraction m_p; in each sample window of the model's utilization.gpu (busy
// fraction u) and memory utilization (v), the owner is the p whose m_p is closest to v / u, and
// turn boundaries inside a window are placed exactly from u. This yields the sampler kernel's
// view (turns and gaps per process) to within nanoseconds.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "sharesim/calibrate/plan.h"
#include "sharesim/calibrate/raw_csv.h"
#include "sharesim/models/gpu_profile.h"
#include "sharesim/models/gpu_work.h"
#include "sharesim/sim/result.h"
#include "sharesim/sim/time.h"

namespace sharesim::calibrate {

inline constexpr sim::Time kEmptyKernelSolo = sim::Time::us(1);

struct SimulateOptions {
  std::vector<SuiteId> suites = all_suites();
  // Whether the measured GPU ran an MPS daemon: share cases run under MPS (else time-slicing) and
  // the pair cases run only under MPS; the time-slice probe runs only without MPS. Default: both
  // probes (a simulated calibration of every parameter).
  bool mps = true;
  bool timeslice = true;
  // Which cases of the sharing suite to run besides the time-slice probe (share, pair, mps_pct,
  // mps_pct_memory, latency, launch_clients, beside_memory); empty: all. The fit simulates the
  // cases its ratios need with candidate values.
  std::set<std::string> sharing_cases;
  [[nodiscard]] bool runs(const std::string& case_name) const {
    return sharing_cases.empty() || sharing_cases.count(case_name) > 0;
  }
  int fp32_lanes_per_sm = 64;  // FP32 lanes per SM of the modeled GPU (Turing, Volta, A100: 64)
  sim::Time timeslice_work = sim::Time::ms(20);       // solo work of each time-slice probe kernel
  sim::Time utilization_window = sim::Time::ns(250);  // sample window used to read turns back
};

// REQUIRES: plan.sm_count >= 1. Fails when the model refuses a process (e.g. a profile whose MPS
// client limit is below the plan's process count) or a run does not finish.
Result<RawData> simulate_plan(const Plan& plan, const models::GpuProfile& profile,
                              const SimulateOptions& options);

// The model work for the plan's kernels (see the header comment).
models::KernelWork compute_kernel_work(const ComputeKernelShape& shape, const models::GpuProfile& profile,
                                       int fp32_lanes_per_sm);
models::KernelWork memory_kernel_work(const MemoryKernelShape& shape, const models::GpuProfile& profile);
// The latency kernel: solo = iterations x kFmaLatencyCycles / (boost_clock x sustained_clock_factor)
// (one dependent FMA per latency), with its launch configuration (one warp per block) and
// sm_throughput = 32 / kFmaLatencyCycles / fp32_lanes_per_sm, so the model lets others use the rest.
models::KernelWork latency_kernel_work(const ComputeKernelShape& shape, const models::GpuProfile& profile,
                                       int fp32_lanes_per_sm);
// The issue kernel with `warps` warps per block: solo = iterations x kIssueInstructionsPerIteration
// x kFmaLatencyCycles / (boost_clock x sustained_clock_factor) (one dependent instruction per
// latency), its launch configuration and no sm_throughput (the profile's issue_saturation_warps
// says how much of an SM it issues).
models::KernelWork issue_kernel_work(const ComputeKernelShape& shape, int warps,
                                     const models::GpuProfile& profile);

}  // namespace sharesim::calibrate
