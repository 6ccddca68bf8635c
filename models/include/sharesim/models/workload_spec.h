// What a workload is, as data: arrivals, the work of one request, batching, targets.
//
// These are plain values filled by the scenario loader (scenarios/) and consumed by the workload
// driver (models/workload.h). Every field is already validated when it reaches models.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sharesim/models/gpu_work.h"
#include "sharesim/sim/random.h"
#include "sharesim/sim/time.h"

namespace sharesim::models {

// ---- Arrivals -----------------------------------------------------------------------------------
struct PoissonArrivals {
  double rate_per_s = 0;
};
struct ConstantArrivals {
  double rate_per_s = 0;
};
// Alternating bursts: exponentially distributed ON and OFF periods (mean on/off), Poisson arrivals
// at on_rate during ON and at off_rate (often 0) during OFF: a two-state MMPP.
struct OnOffArrivals {
  double on_rate_per_s = 0;
  double off_rate_per_s = 0;
  sim::Time mean_on;
  sim::Time mean_off;
};
// N clients, each sends a request, waits for its response, thinks, sends the next.
struct ClosedLoopArrivals {
  int clients = 1;
  sim::Time think;  // mean think time; exponential when think_exponential, else constant
  bool think_exponential = false;
};
// Replay of recorded arrival times (seconds from the first arrival, already sorted and scaled).
// work_scale[i], when present, multiplies the per-item work of request i (e.g. a token count
// divided by its mean), so long prompts cost more.
struct TraceArrivals {
  std::string source;              // file name, for messages
  std::vector<sim::Time> offsets;  // non-decreasing, first = 0
  std::vector<double> work_scale;  // empty, or one per offset
};
using ArrivalSpec =
    std::variant<PoissonArrivals, ConstantArrivals, OnOffArrivals, ClosedLoopArrivals, TraceArrivals>;

// ---- Request work -------------------------------------------------------------------------------
// One operation of a request. Durations and sizes grow with the batch size B as
//   value(B) = fixed + per_item * B
// (per_item = 0 means the op costs the same for any batch). A kernel's fixed duration may be
// random (drawn per batch from the workload's stream).
struct KernelOpSpec {
  std::string name;
  sim::DurationDistribution duration = sim::DurationDistribution::deterministic(sim::Time::zero());
  sim::Time per_item;
  int sms = 0;              // SM demand; 0 = the whole GPU
  double memory_bound = 0;  // [0, 1]
  // Launch configuration and throughputs alone (KernelWork; 0 / -1 = not given).
  int blocks = 0;
  int threads_per_block = 0;
  int registers_per_thread = 0;
  int64_t shared_memory_per_block = 0;
  double sm_throughput = -1;
  double dram_throughput = -1;
};
struct CopyOpSpec {
  std::string name;
  CopyDirection direction = CopyDirection::kHostToDevice;
  int64_t bytes = 0;
  int64_t per_item_bytes = 0;
  bool pinned = true;
};
// Work on the host CPU between GPU operations (pre/post-processing); it holds the request but
// uses no GPU resource.
struct HostOpSpec {
  std::string name;
  sim::Time duration;
  sim::Time per_item;
};
using OpSpec = std::variant<KernelOpSpec, CopyOpSpec, HostOpSpec>;

struct RequestSpec {
  std::vector<OpSpec> ops;  // run in order, on one stream of the serving process
  // How the host issues a request's kernels: synchronously (each after the previous finished)
  // or all at once ahead of the GPU (gpu_work.h).
  LaunchMode launch = LaunchMode::kSynchronous;
};

// Dynamic batching as inference servers do it (Triton's dynamic batcher): a batch is dispatched
// when max_batch requests wait or when the oldest has waited max_delay, whichever comes first,
// and only when the serving process is free.
struct BatchingSpec {
  int max_batch = 1;
  sim::Time max_delay;
};

struct SloSpec {
  std::optional<sim::Time> p50, p90, p99, p999, max, mean;
  std::optional<double> min_throughput_per_s;
};

}  // namespace sharesim::models
