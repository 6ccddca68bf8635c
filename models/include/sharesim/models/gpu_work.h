// The work a process hands to a GPU: kernels and memory copies.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "sharesim/sim/event_queue.h"
#include "sharesim/sim/time.h"

namespace sharesim::models {

// A kernel, described by how it runs alone on the whole GPU.
struct KernelWork {
  std::string_view name;    // for timelines; must outlive the simulation (owned by the scenario)
  sim::Time solo_duration;  // duration alone on the full GPU at the profile's sustained clock
  int sm_demand = 0;        // SMs its grid can occupy; <= 0 or more than the GPU has means "all"
  double memory_bound = 0;  // fraction of its solo time bound by DRAM bandwidth, in [0, 1]
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
