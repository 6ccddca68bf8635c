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
// A measured service-time curve S(B): the time of a batch of B items at each measured batch size.
// Between points S is linear; below the first point it follows the first segment (never below 0),
// above the last it follows the last segment; one point is a constant. Points ascend by batch.
struct BatchCurvePoint {
  double batch = 1;  // items
  sim::Time time;
};
using BatchCurve = std::vector<BatchCurvePoint>;
// S(items) of a curve (0 for an empty curve).
[[nodiscard]] sim::Time batch_curve_at(const BatchCurve& curve, double items);

struct KernelOpSpec {
  std::string name;
  sim::DurationDistribution duration = sim::DurationDistribution::deterministic(sim::Time::zero());
  sim::Time per_item;
  // Added to duration + per_item * B when not empty (a model-library or perf_analyzer curve).
  BatchCurve batch_curve;
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
  // A measured duration to keep (an nsys import "as measured"): the run replaces `bytes` by the
  // bytes this copy moves in that time alone on the GPU's profile (keep_measured_copies), so alone
  // it takes exactly this long and under contention it shares the copy engines as modeled.
  std::optional<sim::Time> measured;
};
// Work on the host CPU between GPU operations (pre/post-processing); it holds the request but
// uses no GPU resource.
struct HostOpSpec {
  std::string name;
  sim::Time duration;
  sim::Time per_item;
  BatchCurve batch_curve;  // added when not empty (a perf_analyzer compute input/output curve)
};
using OpSpec = std::variant<KernelOpSpec, CopyOpSpec, HostOpSpec>;

struct RequestSpec {
  std::vector<OpSpec> ops;  // run in order, on one stream of the serving process
  // How the host issues a request's kernels: synchronously (each after the previous finished)
  // or all at once ahead of the GPU (gpu_work.h).
  LaunchMode launch = LaunchMode::kSynchronous;
};

struct GpuProfile;
// Gives every copy with a `measured` duration the bytes it moves in that time alone on `profile`:
// (measured - copy_latency) x its solo bandwidth (0 when the measurement is below copy_latency).
void keep_measured_copies(RequestSpec& request, const GpuProfile& profile);

// Dynamic batching as inference servers do it (Triton's dynamic batcher; workload.h has the rule):
// a batch is dispatched when an instance is free and max_batch requests wait, or a preferred size
// can be formed, or the oldest has waited max_delay. MLPerf's server harness maps onto it:
// gpu_batch_size = max_batch, deque_timeout_us = max_delay.
struct BatchingSpec {
  int max_batch = 1;
  sim::Time max_delay;
  std::vector<int> preferred;  // Triton preferred_batch_size: ascending, each in [1, max_batch]
  // Triton queue policy (timeout_action REJECT): a request still waiting after queue_timeout is
  // rejected when the batcher next forms a batch; zero = no timeout (default_timeout_microseconds 0).
  sim::Time queue_timeout;
  // A request that finds max_queue_size requests waiting is rejected at once; 0 = no limit.
  int max_queue_size = 0;
};

// How one serving process runs the model (Triton instance_group, MLPerf harness streams). Every
// instance is a CUDA stream of the same process, fed by the process's one batcher; they overlap
// as streams of one context do (no MPS needed). Replicas stay separate processes.
struct ServerSpec {
  int instances = 1;     // Triton instance_group count / MLPerf gpu_inference_streams (>= 1)
  int copy_streams = 0;  // MLPerf gpu_copy_streams: 0 = a batch's copies run on its instance
  // Server CPU stages per request (pre- and post-processing, e.g. decode and top-k), on a pool of
  // cpu_workers threads of this process, first come first served; they hold no GPU stream.
  int cpu_workers = 0;  // 0 = no CPU stages
  sim::Time preprocess;
  sim::Time postprocess;
};

// Time outside the server (what perf_analyzer's latency includes): client CPU to serialize the
// request and deserialize the response, and a network link of a bandwidth shared by every
// transfer in flight in that direction (full duplex), plus a one-way latency.
struct ClientSpec {
  sim::Time serialize;
  sim::Time deserialize;
  int64_t request_bytes = 0;
  int64_t response_bytes = 0;
  double link_bytes_per_s = 0;  // 0 = no network stage
  sim::Time link_latency;       // one way
};

struct SloSpec {
  std::optional<sim::Time> p50, p90, p99, p999, max, mean;
  std::optional<double> min_throughput_per_s;
};

}  // namespace sharesim::models
