// The work a process hands to a GPU: kernels and memory copies.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "sharesim/sim/event_queue.h"
#include "sharesim/sim/time.h"

namespace sharesim::models {

// A kernel, described by how it runs alone on the whole GPU.
//
// Two descriptions (gpu.h, "Kernels", has what the model makes of each):
//  - simple: sm_demand and memory_bound only. The kernel fills the SMs it holds (all their
//    residency, their issue slots while it computes) and is DRAM-bound for memory_bound of its time.
//  - launch configuration (blocks > 0): blocks, threads_per_block, registers_per_thread and
//    shared_memory_per_block give its residency on each SM (CUDA occupancy rules) and the SMs it
//    spans; sm_throughput and dram_throughput (Nsight Compute's "Compute (SM) Throughput" and
//    "DRAM Throughput" of the kernel alone, as fractions of peak) say how much of the GPU's issue
//    throughput and DRAM bandwidth it uses. Kernels of other processes share what it leaves.
struct KernelWork {
  std::string_view name;    // for timelines; must outlive the simulation (owned by the scenario)
  sim::Time solo_duration;  // duration alone on the full GPU at the profile's sustained clock
  int sm_demand = 0;        // simple: SMs its grid can occupy; <= 0 or more than the GPU has means "all"
  double memory_bound = 0;  // simple: fraction of its solo time bound by DRAM bandwidth, in [0, 1]
  // Launch configuration (all 0 = simple description).
  int blocks = 0;                       // grid size (blocks in the grid)
  int threads_per_block = 0;            // block size (0 with blocks > 0: one warp)
  int registers_per_thread = 0;         // 0: not limiting
  int64_t shared_memory_per_block = 0;  // bytes, static + dynamic
  // Achieved alone, fractions of peak in [0, 1]; < 0: unknown (see gpu.h for the defaults).
  double sm_throughput = -1;
  double dram_throughput = -1;
};

// When the host issues the launches of one submission.
enum class LaunchMode {
  // Each kernel is launched after the previous op of its stream finished (a client that
  // synchronises after every kernel): every kernel waits its full launch gap.
  kSynchronous,
  // The host enqueues the whole submission at once (TensorRT enqueue, CUDA graphs, eager
  // frameworks without syncs): kernel j of the submission is issued at submit + (j + 1) x the
  // launch overhead, so its gap overlaps the kernels before it and is exposed only when the GPU
  // catches up with the host.
  kAsynchronous,
};

enum class CopyDirection { kHostToDevice, kDeviceToHost };

// A cudaMemcpyAsync between host and device.
struct CopyWork {
  std::string_view name;
  CopyDirection direction = CopyDirection::kHostToDevice;
  int64_t bytes = 0;
  bool pinned = true;  // page-locked host memory (pageable copies are slower and staged)
};

using GpuOp = std::variant<KernelWork, CopyWork>;

// Where a GPU (or any executor of GPU work) reports that a piece of work finished: it schedules
// this handler with this payload at the completion time.
struct Completion {
  sim::HandlerId handler = 0;
  uint64_t payload = 0;
};

}  // namespace sharesim::models
