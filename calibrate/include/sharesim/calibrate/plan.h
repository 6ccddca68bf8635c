// The calibration plan: which cases each benchmark suite runs, as data.
//
// One description serves both sides: the CUDA program `sharesim-calibrate` runs these cases on a
// real GPU, and `sharesim calibrate simulate` runs the same cases against the GPU model, so raw
// measurements and simulated ones line up case by case (same suite, case, param and metric).
//
// This header and raw_csv.h use only the standard library, because the CUDA program includes them.
//
// Kernels of the plan (the CUDA program implements them in calibrate/cuda/kernels.cu):
//   compute kernel  each thread runs `iterations` loop trips of kFmasPerIteration independent FP32
//                   FMAs (2 flops each); one block of 1024 threads fills one Turing SM, so a grid of
//                   g blocks runs in ceil(g / sm_count) waves of equal length.
//   memory kernel   each thread streams `float4` loads and stores: a block moves bytes_per_block
//                   bytes (half read, half written), so the kernel is DRAM-bound at large grids.
//   empty kernel    does nothing but record %globaltimer at its start and end.
//   sampler kernel  one thread that reads %globaltimer in a loop for a window and records every jump
//                   longer than a threshold: the intervals during which its context did not own the
//                   GPU (time-slicing).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sharesim::calibrate {

enum class SuiteId { kCopies, kLaunch, kSmScaling, kOverlap, kSharing };

// Names as written on the command line and in the CSV: copies, launch, sm-scaling, overlap, sharing.
std::string_view suite_name(SuiteId suite);
// All suites, in the order they run.
std::vector<SuiteId> all_suites();
// Parses a comma-separated list of suite names, or "all". Duplicates are dropped; order follows
// all_suites(). Returns false and sets `error` ("unknown suite 'x' (expected ...)") on bad input.
bool parse_suite_list(std::string_view text, std::vector<SuiteId>& suites, std::string& error);

// FP32 FMAs per loop trip of the compute kernel (independent chains, enough ILP to saturate an SM).
inline constexpr int kFmasPerIteration = 8;
// Threads per block of the compute and memory kernels: 1024 threads is one block per SM on Turing.
inline constexpr int kThreadsPerBlock = 1024;
// The latency kernel: one warp per block, each thread one chain of dependent FP32 FMAs, so an SM
// issues one FMA per FMA latency from one of its schedulers (a latency-bound kernel that leaves
// most of the SM's issue slots to co-resident work of other clients).
inline constexpr int kLatencyThreadsPerBlock = 32;
// Cycles from one dependent FP32 FMA to the next on Volta, Turing, Ampere and Hopper (4), as
// measured by Jia et al., "Dissecting the NVIDIA Volta GPU architecture via microbenchmarking"
// (2018) and "... Turing T4 GPU ..." (2019); simulate uses it for the latency kernel's duration.
inline constexpr int kFmaLatencyCycles = 4;
// The issue kernel: `warps` warps per block, each thread one chain of dependent instructions
// alternating an FP32 FMA and an integer XOR (two pipes, no instruction-level parallelism), so an
// SM's issue saturates at schedulers x latency resident warps (the profile's
// issue_saturation_warps) rather than at the FP32 pipe's limit.
inline constexpr int kIssueInstructionsPerIteration = 2;

struct ComputeKernelShape {
  int blocks = 1;
  int iterations = 1;  // loop trips per thread
  // flops = blocks * kThreadsPerBlock * iterations * kFmasPerIteration * 2
  [[nodiscard]] double flops() const;
  [[nodiscard]] double flops_per_block() const;
};

struct MemoryKernelShape {
  int blocks = 1;
  int64_t bytes_per_block = 0;  // read + written; multiple of 2 * 16 * kThreadsPerBlock
  [[nodiscard]] double bytes() const {
    return static_cast<double>(blocks) * static_cast<double>(bytes_per_block);
  }
};

struct CopiesPlan {
  std::vector<int64_t> sizes_bytes;  // 4 KiB to 256 MiB, factors of 4
  int warmup = 3;                    // untimed copies per size and case
  int reps = 15;                     // timed copies per size and case
};

struct LaunchPlan {
  int host_launches = 2000;  // empty kernels launched back to back, timed on the host
  int host_reps = 5;
  int gap_kernels = 201;  // back-to-back timestamped kernels: gap_kernels - 1 gaps per rep
  int gap_reps = 5;
  int event_reps = 50;  // single empty kernels timed with cudaEvents
  // Host ahead of the GPU: ahead_kernels kernels that each spin spin_ns on the GPU, launched back
  // to back. The host enqueues faster than the GPU runs them, so the gaps between kernels are the
  // launch cost the GPU does not hide behind the previous kernel, and each launch call's host
  // time shows when the launch queue is full (calls start waiting for the GPU: the queue depth is
  // the number of launches before that).
  int ahead_kernels = 2000;
  int64_t spin_ns = 20'000;
  // A synchronising host: one stamped kernel, cudaStreamSynchronize, the next; every gap exposed.
  int sync_kernels = 51;
  int sync_reps = 3;
};

struct SmScalingPlan {
  std::vector<int> grids;          // blocks: 1 up to many waves (depends on the SM count)
  int compute_iterations = 20000;  // 328 Mflop per block: about 2.1 ms per wave on a T4 at 1.2 GHz
  int64_t memory_bytes_per_block = 2 * 1024 * 1024;
  int reps = 7;
  // The DRAM bandwidth fit uses memory-kernel grids of at least this many waves.
  int memory_fit_min_waves = 4;
};

struct OverlapPlan {
  ComputeKernelShape kernel;        // about 10 ms on a T4
  int64_t copy_bytes = 64ll << 20;  // each direction, pinned
  int reps = 5;
};

struct SharingPlan {
  // Time-slicing probe: N processes each run the sampler kernel for `window_ns`.
  std::vector<int> timeslice_processes{2, 3, 4};
  int64_t timeslice_window_ns = 300'000'000;
  int64_t timeslice_gap_threshold_ns = 8'000;  // timer jumps above this are lost turns
  int timeslice_max_gaps = 4096;
  // MPS share probe: N processes each run `kernels` one-wave compute kernels back to back with
  // CUDA_MPS_ACTIVE_THREAD_PERCENTAGE = pct. (procs, pct) pairs; (1, 100) is the solo reference.
  struct ShareCase {
    int processes = 1;
    int percentage = 100;
  };
  // 30 % and 33 % give no whole SM count on most GPUs (40 x 0.33 = 13.2; 132 x 0.30 = 39.6).
  std::vector<ShareCase> share_cases{{1, 100}, {2, 100}, {1, 50}, {2, 50}, {1, 25},
                                     {4, 25},  {1, 30},  {1, 33}, {3, 33}};
  int share_kernels = 30;
  int share_iterations = 20000;
  // MPS interference pairs: two processes each run `kernels` kernels of half the GPU (compute) or
  // many waves (memory); "solo" runs are the reference.
  std::vector<std::string> pairs{"compute+compute", "compute+memory", "memory+memory"};
  int pair_kernels = 30;
  int pair_compute_iterations = 20000;
  int64_t pair_memory_bytes_per_block = 2 * 1024 * 1024;
  int pair_memory_waves = 8;
  // MPS percentage sweep (MPS only): one process per percentage runs `sweep_kernels` compute
  // kernels of `sweep_waves` full-GPU waves each. Many waves make the duration follow the SMs the
  // percentage grants (t(pct) / t(100 %) = sm_count / SMs, to within one wave in sweep_waves)
  // rather than the rounding of one wave; the percentages separate floor, nearest and ceil
  // rounding on most SM counts (40 SMs: 33 % -> 13, 13, 14; 34 % -> 13, 14, 14).
  std::vector<int> sweep_percentages{10, 20, 25, 30, 33, 34, 40, 50, 60, 67, 75, 90, 100};
  int sweep_kernels = 5;
  int sweep_waves = 16;
  int sweep_iterations = 2000;  // 1/10 of the sm-scaling kernel: about 0.2 ms per wave on a T4
  // MPS memory sweep: the pair memory kernel alone at low percentages, where too few SMs may not
  // pull the whole DRAM bandwidth (identifies a per-SM bandwidth limit).
  std::vector<int> memory_sweep_percentages{5, 10, 20, 30, 40, 50, 100};
  int memory_sweep_kernels = 5;
  // N identical latency-bound clients at once (the latency kernel, below): slowdown against N.
  std::vector<int> latency_clients{1, 2, 4, 8};
  int latency_kernels = 20;
  int latency_iterations = 200'000;  // about 0.5 ms at 1.5 GHz and 4 cycles per dependent FMA
  // A half-GPU compute kernel (the pair one) beside M clients streaming DRAM (the pair memory
  // kernel): slowdown against M.
  std::vector<int> beside_memory_clients{0, 1, 2};
  // N clients launching stamped empty kernels back to back at once: the launch gap against N.
  std::vector<int> launch_clients{1, 2, 4};
  int launch_client_kernels = 101;
  // Issue saturation (MPS only): one client runs the issue kernel (sm_count blocks of `warps`
  // warps) at issue_percentage and at 100 %. At 25 % its blocks pile up 4 to an SM: 4 x warps
  // resident warps, so t(25 %) / t(100 %) = max(1, 4 x warps / issue_saturation_warps).
  std::vector<int> issue_warps{1, 2, 4, 8};
  int issue_percentage = 25;
  int issue_kernels = 5;
  int issue_iterations = 50'000;  // about 0.27 ms at 1.5 GHz and 2 x 4 cycles per iteration
};

// The whole plan for a GPU with `sm_count` SMs (grids are chosen relative to the SM count, so the
// CSV header's sm_count reproduces the plan exactly).
struct Plan {
  int sm_count = 0;
  CopiesPlan copies;
  LaunchPlan launch;
  SmScalingPlan sm_scaling;
  OverlapPlan overlap;
  SharingPlan sharing;

  // The compute-kernel grid of the MPS share probe (one block per SM: one wave) and of the pair
  // probe (half the SMs).
  [[nodiscard]] ComputeKernelShape share_kernel() const;
  [[nodiscard]] ComputeKernelShape pair_compute_kernel() const;
  [[nodiscard]] MemoryKernelShape pair_memory_kernel() const;
  // The compute kernel of the MPS percentage sweep: sweep_waves x sm_count blocks.
  [[nodiscard]] ComputeKernelShape sweep_kernel() const;
  // The latency-bound kernel: one block of kLatencyThreadsPerBlock threads per SM.
  [[nodiscard]] ComputeKernelShape latency_kernel() const;
  // The issue kernel: sm_count blocks (of SharingPlan::issue_warps warps each).
  [[nodiscard]] ComputeKernelShape issue_kernel() const;
};

// REQUIRES: sm_count >= 1.
Plan make_plan(int sm_count);

// ---- Case and parameter names, shared by the writer, the reader, simulate, fit and compare ----
// Copy cases: "h2d_pinned", "h2d_pageable", "d2h_pinned", "d2h_pageable".
std::string copy_case_name(bool host_to_device, bool pinned);
// "key=value;key=value" parameter strings.
std::string param_string(const std::vector<std::pair<std::string, int64_t>>& params);
// Parses a param string back; returns false on malformed text.
bool parse_param_string(std::string_view text, std::vector<std::pair<std::string, int64_t>>& params);

}  // namespace sharesim::calibrate
