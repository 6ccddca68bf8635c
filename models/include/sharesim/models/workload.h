// The workload driver: requests arrive, are balanced across replicas, batched, sent to the GPU as
// work, and measured.
//
// Model (each rule is a choice; the reason is beside it):
//  - Arrivals. Open kinds come from an OpenArrivalProcess (arrival.h); closed loop: each of N
//    clients issues its first request at start() and its next one `think` after the response to
//    the previous one (exponential or constant think). One pending arrival event per source.
//  - Random streams. Two streams per workload, both seeded from (scenario seed, workload name):
//    "<name>/arrivals" (arrival gaps, on/off periods, think times) and "<name>/work" (kernel
//    durations). Separate streams keep arrival times identical when only the work or the batching
//    changes (common random numbers across the planner's candidates), and other workloads never
//    touch either stream.
//  - Replicas. Each replica is one serving process (a Kubernetes pod replica, an IoT Edge module,
//    a VM's server) with its own queue and its own dynamic batcher, because replicas are separate
//    processes behind a load balancer, not instances inside one server. An arriving request joins
//    the replica with the fewest outstanding requests (waiting + in its running batch); ties go to
//    the lowest index. (So below saturation the low-index replicas get somewhat more: a request
//    that finds all replicas idle goes to replica 0; e.g. 52%/48% for two replicas at 90% load.
//    At saturation the split is even.) A replica runs one batch at a time (an inference server
//    instance): the next batch starts when the previous batch's last op ends.
//  - Dynamic batching, as Triton's dynamic batcher does it (docs.nvidia.com/deeplearning/
//    triton-inference-server/user-guide/docs/batcher.html: "When a model instance becomes
//    available for inferencing, the dynamic batcher will attempt to create batches from the
//    requests that are available in the scheduler. Requests are added to the batch in the order
//    the requests were received"; max_queue_delay_microseconds is "the maximum time ... a request
//    will be delayed in the scheduling queue to wait for additional requests for batching"):
//    when the replica is free, a batch of the oldest min(waiting, max_batch) requests is
//    dispatched as soon as max_batch requests wait, or the oldest has waited max_delay, or
//    max_delay is 0. Otherwise a timer fires when the oldest has waited max_delay. Preferred batch
//    sizes are not modeled. Without batching: max_batch 1, no delay.
//  - Work of a batch of B requests (from RequestSpec): kernel duration = a draw of the op's
//    duration distribution (one draw per op per batch, from "<name>/work") + per_item * E; copy
//    bytes = bytes + per_item_bytes * E; host op = duration + per_item * E, where E, the batch's
//    item count, is B, or for trace replay with work scales the SUM of the batch's scales (a
//    request of scale 2 costs as much per-item work as two of scale 1). Consecutive GPU ops go to
//    the replica's GpuEndpoint in one submit; a host op ends that submit and is a delay that holds
//    the batch (and the replica) but no GPU resource.
//  - Failures. A replica is failed once its endpoint reports failed(), noticed when a request is
//    routed, when a batch is started or continued, when on_replica_failed() is called (the GPU
//    model's fault listener should call it), and in collect(). Its waiting and running requests
//    then fail at that instant; later requests go to the surviving replicas; with none left a
//    request fails on arrival. A closed-loop client continues `think` after a failure, or stops
//    when no replica is left (so a dead workload cannot loop at one instant).
//  - Measurement. A request is measured when it arrives at or after the warm-up instant (an
//    absolute simulated time); it counts in the window in which it arrives, however late it ends.
//    Latency = arrival to completion of its batch's last op; queueing delay = arrival to the
//    dispatch of its batch (the start of its first op, as the serving process sees it: waiting
//    for the GPU itself, e.g. for another context's time slice, is latency, not queueing delay). Throughput =
//    measured requests completed per second of measured time (warm-up to the collect() instant).
//  - SLOs. Failed requests miss every latency target: a latency quantile q is taken over
//    completed + failed measured requests with failures ranked last, so it is unbounded
//    (Time::max()) once failures exceed a 1-q share; mean and max are unbounded with any failure.
//    Requests still outstanding at the end are not counted in latency SLOs (reported separately).
//
// Not thread-safe; one Workload belongs to one Simulator, and must outlive every later run of it
// (its handlers, registered with the simulator, refer to it). The op names in the GpuOps it
// submits are views of the strings in its own WorkloadOptions: whatever keeps them (a GPU
// timeline) must not outlive the Workload.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sharesim/models/arrival.h"
#include "sharesim/models/gpu_work.h"
#include "sharesim/models/workload_spec.h"
#include "sharesim/sim/random.h"
#include "sharesim/sim/simulator.h"
#include "sharesim/sim/stats.h"
#include "sharesim/sim/time.h"

namespace sharesim::models {

// Where one replica (a CUDA process) of a workload sends its GPU work.
class GpuEndpoint {
 public:
  virtual ~GpuEndpoint() = default;
  // Enqueues ops on the replica's stream, to run in order; `done` is scheduled (never called
  // synchronously) when the last op ends. REQUIRES: ops not empty.
  virtual void submit(std::vector<GpuOp> ops, Completion done) = 0;
  // True once the process has failed (a fault): its submitted work never completes.
  [[nodiscard]] virtual bool failed() const = 0;
};

// Everything a Workload needs, already validated (scenarios/ validates user input).
struct WorkloadOptions {
  std::string name;   // stable: names the random streams
  uint64_t seed = 1;  // the scenario seed
  ArrivalSpec arrivals = PoissonArrivals{};
  RequestSpec request;
  BatchingSpec batching;  // max_batch >= 1; max_batch 1 = no batching
  SloSpec slo;
  sim::Time warmup;  // absolute instant from which requests are measured
};

// One request, reported when it completes or fails (for a per-request CSV). Times are absolute.
struct RequestRecord {
  uint64_t id = 0;  // arrival order within the workload, from 0
  sim::Time arrival;
  sim::Time start;     // dispatch of its batch; == end for a request that failed unqueued
  sim::Time end;       // completion or failure
  int replica = -1;    // -1 when no replica was alive
  int batch_size = 0;  // requests in its batch (0 when it never started)
  int client = -1;     // closed-loop client, -1 for open arrivals
  bool failed = false;
  bool measured = false;  // arrived at or after warm-up
};

enum class SloMetric { kP50, kP90, kP99, kP999, kMax, kMean, kMinThroughput };
[[nodiscard]] std::string_view slo_metric_name(SloMetric metric);  // "p50", ..., "throughput"

// One target of the SloSpec with its measured value.
struct SloCheck {
  SloMetric metric = SloMetric::kP99;
  // Latency metrics: target and measured value; measured is Time::max() when failed requests make
  // it unbounded, Time::zero() when nothing was measured.
  sim::Time latency_target;
  sim::Time latency_measured;
  // kMinThroughput only, requests per second.
  double throughput_target_per_s = 0;
  double throughput_measured_per_s = 0;
  bool met = false;
};

struct WorkloadStats {
  std::string name;
  sim::Time measured_from;   // warm-up instant
  sim::Time measured_until;  // the collect() instant
  // Requests that arrived in the measured window, by their state at measured_until.
  uint64_t arrived = 0;
  uint64_t completed = 0;
  uint64_t failed = 0;
  uint64_t outstanding = 0;  // arrived - completed - failed
  double throughput_per_s = 0;
  sim::LatencyHistogram latency;         // completed requests: arrival to completion
  sim::LatencyHistogram queueing_delay;  // completed requests: arrival to batch dispatch
  // Batches dispatched at or after warm-up, and their mean size.
  uint64_t batches = 0;
  double mean_batch_size = 0;
  std::vector<uint64_t> requests_per_replica;  // measured requests routed to each replica
  std::vector<SloCheck> slo;                   // one per target present in the SloSpec
  bool slo_met = true;                         // every check met (true when there is none)
};

class Workload {
 public:
  // `replicas` are not owned and must outlive the Workload. REQUIRES: at least one replica,
  // batching.max_batch >= 1, closed-loop clients >= 0.
  Workload(sim::Simulator& sim, WorkloadOptions options, std::vector<GpuEndpoint*> replicas);
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;

  // Starts the arrivals at sim.now() (trace offsets and constant arrivals count from here).
  // Call once.
  void start();

  // Tells the workload that a replica's process failed (from the GPU model's fault listener).
  // Idempotent; also noticed without this call (see the header comment).
  void on_replica_failed(size_t replica);

  // Called for every request when it completes or fails, measured or not (a `--requests` CSV).
  // Pass an empty function to disable. One call per request, not per event.
  void set_request_observer(std::function<void(const RequestRecord&)> observer);

  // The statistics at sim.now(). Notices failed replicas first, so it may fail requests; may be
  // called more than once.
  [[nodiscard]] WorkloadStats collect();

  // Requests admitted and not yet completed or failed (queued, batching or running): what the
  // workload holds in memory. The run loop bounds it (scenarios::RunOptions).
  [[nodiscard]] size_t requests_in_flight() const { return requests_in_flight_; }

  [[nodiscard]] const WorkloadOptions& options() const { return options_; }
  [[nodiscard]] size_t replica_count() const { return replicas_.size(); }

 private:
  static constexpr uint32_t kNoRequest = ~uint32_t{0};

  struct Request {
    uint64_t id = 0;
    sim::Time arrival;
    sim::Time start;
    double work_scale = 1.0;
    int client = -1;
    uint32_t next_free = kNoRequest;
    bool measured = false;
  };

  // A maximal run of GPU ops [first, last) of the RequestSpec, or one host op (first + 1 == last).
  struct Segment {
    size_t first = 0;
    size_t last = 0;
    bool host = false;
  };

  struct Replica {
    GpuEndpoint* endpoint = nullptr;
    std::deque<uint32_t> waiting;  // request slots, oldest first
    std::vector<uint32_t> batch;   // the running batch's request slots
    size_t segment = 0;            // next segment of the running batch
    double items = 0;              // the running batch's item count E
    bool items_integral = true;    // E == batch.size() (no trace scales), kept exact
    uint32_t batch_seq = 0;        // tags completions, so a stale one is ignored
    bool busy = false;
    bool failed = false;
    sim::EventHandle delay_timer;  // fires when the oldest waiting request reaches max_delay
    uint64_t routed_measured = 0;
  };

  void on_open_arrival();
  void on_client_request(uint64_t client);
  void admit(sim::Time arrival, double work_scale, int client);
  // Index of the replica to join, or nullopt when none is alive.
  std::optional<size_t> choose_replica();
  void try_dispatch(size_t r);
  void dispatch(size_t r, size_t count);
  void run_segment(size_t r);
  void on_segment_done(uint64_t payload);
  void on_delay_timer(uint64_t replica);
  void complete_batch(size_t r);
  void fail_replica(size_t r);
  void check_failed();
  void finish_request(uint32_t slot, int replica, int batch_size, bool failed);
  uint32_t allocate_request();
  void after_client_request(int client, bool failed);

  sim::Simulator& sim_;
  WorkloadOptions options_;
  std::vector<Replica> replicas_;
  std::vector<Segment> segments_;
  std::vector<size_t> segment_gpu_ops_;  // GPU op count per segment (for reserve)
  sim::RandomStream arrival_rng_;
  sim::RandomStream work_rng_;
  std::optional<OpenArrivalProcess> open_arrivals_;
  std::optional<Arrival> pending_arrival_;
  bool closed_loop_ = false;
  ClosedLoopArrivals closed_;

  std::vector<Request> requests_;  // slab of live requests, recycled through a free list
  uint32_t free_head_ = kNoRequest;
  size_t requests_in_flight_ = 0;  // slots in use: requests_.size() minus the free list
  uint64_t next_request_id_ = 0;

  sim::HandlerId open_arrival_handler_ = 0;
  sim::HandlerId client_handler_ = 0;
  sim::HandlerId segment_done_handler_ = 0;
  sim::HandlerId delay_timer_handler_ = 0;

  std::function<void(const RequestRecord&)> observer_;

  // Measured-window statistics, updated as requests finish.
  uint64_t arrived_ = 0;
  uint64_t completed_ = 0;
  uint64_t failed_ = 0;
  uint64_t batches_ = 0;
  uint64_t batched_requests_ = 0;
  sim::LatencyHistogram latency_;
  sim::LatencyHistogram queueing_delay_;
  bool started_ = false;
};

}  // namespace sharesim::models
