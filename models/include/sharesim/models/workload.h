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
//    processes behind a load balancer, not instances inside one server. A request reaching the
//    servers joins the replica with the fewest outstanding requests (routed to it and not yet
//    answered by it: in its CPU stages, waiting, or in a running batch); ties go to the lowest
//    index. (So below saturation the low-index replicas get somewhat more: a request that finds
//    all replicas idle goes to replica 0; e.g. 52%/48% for two replicas at 90% load. At
//    saturation the split is even.)
//  - Instances (ServerSpec). A replica runs `instances` model instances (Triton instance_group
//    count, MLPerf gpu_inference_streams), each a CUDA stream of the replica's one process, all
//    fed by the replica's one batcher: a batch goes to the lowest-numbered free instance and runs
//    there to its end. So up to `instances` batches of one process are in flight and overlap as
//    streams of one context do (kernel || copy, copies of both directions, concurrent kernels),
//    with no MPS. With copy_streams C > 0 (MLPerf gpu_copy_streams), up to max(instances, C)
//    batches are in flight: batch slot k copies its inputs and outputs on copy stream k mod C and
//    runs its kernels on inference stream k mod instances, so the copy of batch n+1 overlaps the
//    compute of batch n. A process has instances + C streams: 0..instances-1 infer, then copies.
//  - Phases of a batch, as perf_analyzer names them: the ops before the first kernel are "compute
//    input", first to last kernel "compute infer", the ops after the last "compute output" (no
//    kernel: all infer). On one stream the phases are submitted together, so the GPU sees no gap
//    between them; across streams a phase is submitted when the previous one ends (as a stream
//    waiting on the other's event).
//  - Dynamic batching, as Triton's dynamic batcher does it (triton-inference-server/server @
//    06151b8b : docs/user_guide/batcher.md: "When a model instance becomes available for
//    inferencing, the dynamic batcher will attempt to create batches from the requests that are
//    available in the scheduler. Requests are added to the batch in the order the requests were
//    received. If the dynamic batcher can form a batch of a preferred size(s) it will create a
//    batch of the largest possible preferred size and send it"; with a delay "the dynamic batcher
//    will delay sending the batch as long as no request is delayed longer than the configured
//    max_queue_delay_microseconds value"): whenever an instance is free and requests wait, a
//    batch of the oldest n is dispatched, where n = max_batch if that many wait, else the largest
//    preferred size that can be formed, else (when max_delay is 0 or the oldest has waited
//    max_delay) all that wait. Otherwise a timer fires when the oldest has waited max_delay.
//    Queue policy (triton-inference-server/common @ d5ff696d : protobuf/model_config.proto):
//    a request that finds max_queue_size waiting "will be rejected immediately"; one waiting
//    longer than queue_timeout is rejected (timeout_action REJECT) when the batcher next forms a
//    batch. Rejected and timed-out requests are counted apart from failures. Without batching:
//    max_batch 1, no delay. The wait is counted from when the request reached the batcher.
//  - Time outside the GPU (ClientSpec, ServerSpec CPU stages). A request's path is: client
//    serialization (client CPU, no contention: each client has its own), the uplink
//    (SharedLink), routing, pre-processing on the replica's CpuPool, the batcher, the batch's
//    GPU work, post-processing on the CpuPool, the downlink, client deserialization. Each stage
//    of zero length is skipped in place (no event), so a workload without them runs exactly as
//    a bare one. CPU stages hold a CPU worker, never a GPU stream or an instance.
//  - Work of a batch of B requests (from RequestSpec): kernel duration = a draw of the op's
//    duration distribution (one draw per op per batch, from "<name>/work") + per_item * E; copy
//    bytes = bytes + per_item_bytes * E; host op = duration + per_item * E, where E, the batch's
//    item count, is B, or for trace replay with work scales the SUM of the batch's scales (a
//    request of scale 2 costs as much per-item work as two of scale 1); a kernel with a
//    batch_curve adds S(E). Consecutive GPU ops of a phase go to the endpoint in one submit; a
//    host op is a delay that holds the batch (and its instance) but no GPU resource.
//  - Failures. A replica is failed once its endpoint reports failed(), noticed when a request is
//    routed, when a batch is started or continued, when on_replica_failed() is called (the GPU
//    model's fault listener should call it), and in collect(). Its waiting and running requests
//    then fail at that instant, and requests in its CPU stages fail when their stage ends; later
//    requests go to the surviving replicas; with none left a request fails on reaching them. A closed-loop
//    client continues `think` after a failure, or stops when no replica is left (so a dead workload cannot
//    loop at one instant).
//  - Measurement. A request is measured when it arrives (is issued by its client) at or after the
//    warm-up instant (an absolute simulated time); it counts in the window in which it arrives,
//    however late it ends. Latency = arrival to the end of its last stage (without client and
//    CPU stages: the completion of its batch's last op); queueing delay = reaching the batcher
//    to the dispatch of its batch (as the serving process sees it: waiting for the GPU itself,
//    e.g. for another context's time slice, is latency, not queueing delay). The breakdown
//    (LatencyBreakdown) splits each completed request's latency into stages that add up to it
//    exactly. Throughput = measured requests completed per second of measured time (warm-up to
//    the collect() instant).
//  - SLOs. Failed, rejected and timed-out requests miss every latency target: a latency quantile q is taken
//  over
//    completed + failed measured requests with failures ranked last, so it is unbounded
//    (Time::max()) once failures exceed a 1-q share; mean and max are unbounded with any failure.
//    Requests still outstanding at the end count in latency SLOs at their age (now - arrival, a lower
//    bound of their latency), as LlmWorkload's do; `outstanding` reports how many.
//
// Not thread-safe; one Workload belongs to one Simulator, and must outlive every later run of it
// (its handlers, registered with the simulator, refer to it). The op names in the GpuOps it
// submits are views of the strings in its own WorkloadOptions: whatever keeps them (a GPU
// timeline) must not outlive the Workload.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sharesim/models/arrival.h"
#include "sharesim/models/gpu_work.h"
#include "sharesim/models/llm_stats.h"
#include "sharesim/models/server_stages.h"
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
  // Enqueues ops on one of the process's streams (0 <= stream < Workload::process_streams()),
  // to run in order after the stream's earlier submits; `done` is scheduled (never called
  // synchronously) when the last op ends. REQUIRES: ops not empty.
  virtual void submit(int stream, std::vector<GpuOp> ops, Completion done) = 0;
  // True once the process has failed (a fault): its submitted work never completes.
  [[nodiscard]] virtual bool failed() const = 0;
};

// Everything a Workload needs, already validated (scenarios/ validates user input).
struct WorkloadOptions {
  std::string name;  // stable: names the random streams unless stream_name is set
  // When not empty, names the random streams instead of `name` (the planner gives a workload's
  // split parts streams that do not depend on the device they land on).
  std::string stream_name;
  uint64_t seed = 1;  // the scenario seed
  ArrivalSpec arrivals = PoissonArrivals{};
  RequestSpec request;
  BatchingSpec batching;  // max_batch >= 1; max_batch 1 = no batching
  ServerSpec server;      // instances >= 1, copy_streams >= 0, cpu_workers >= 0
  ClientSpec client;
  SloSpec slo;
  sim::Time warmup;  // absolute instant from which requests are measured
};

// One request, reported when it completes or fails (for a per-request CSV). Times are absolute.
struct RequestRecord {
  uint64_t id = 0;  // arrival order within the workload, from 0
  sim::Time arrival;
  sim::Time start;        // dispatch of its batch; == end for a request that failed unqueued
  sim::Time end;          // completion or failure
  int replica = -1;       // -1 when no replica was alive
  int batch_size = 0;     // requests in its batch (0 when it never started)
  int client = -1;        // closed-loop client, -1 for open arrivals
  bool failed = false;    // no answer: a failure, or a rejection (then `rejected` is set too)
  bool rejected = false;  // refused by the queue policy (queue full or timed out)
  bool measured = false;  // arrived at or after warm-up
};

// kTtft*/kTpot*: token-latency targets of an LLM endpoint (llm_workload.h).
enum class SloMetric {
  kP50,
  kP90,
  kP99,
  kP999,
  kMax,
  kMean,
  kMinThroughput,
  kTtftP50,
  kTtftP90,
  kTtftP99,
  kTpotP50,
  kTpotP90,
  kTpotP99
};
[[nodiscard]] std::string_view slo_metric_name(SloMetric metric);  // "p50", ..., "throughput", "ttft_p99"
// The quantile a quantile metric targets (0.5 for p50, ttft_p50 and tpot_p50, ..., 0.999 for p99.9);
// nullopt for max, mean and throughput. One mapping for the SLO checks and the planner's proofs.
[[nodiscard]] std::optional<double> slo_quantile(SloMetric metric);

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

// Where completed requests' latency went, as perf_analyzer reports it: totals over the measured
// completed requests (divide by `completed` for means). The fields add up to the total latency
// exactly: client_send + network + server_queue + server_cpu + compute_input + compute_infer +
// compute_output + client_recv == latency_total.
struct LatencyBreakdown {
  sim::Time client_send;     // client serialization
  sim::Time network;         // uplink + downlink, latency and transfer
  sim::Time server_queue;    // waiting for a CPU worker (pre and post) and in the batcher
  sim::Time server_cpu;      // pre- and post-processing on a CPU worker
  sim::Time compute_input;   // batch dispatch to the end of the input phase
  sim::Time compute_infer;   // the kernels' phase
  sim::Time compute_output;  // the output phase, to the batch's end
  sim::Time client_recv;     // client deserialization
  sim::Time latency_total;
};

struct WorkloadStats {
  std::string name;
  sim::Time measured_from;   // warm-up instant
  sim::Time measured_until;  // the collect() instant
  // Requests that arrived in the measured window, by their state at measured_until.
  uint64_t arrived = 0;
  uint64_t completed = 0;
  uint64_t failed = 0;
  uint64_t rejected = 0;     // the batcher's queue was full (max_queue_size)
  uint64_t timed_out = 0;    // waited longer than the queue timeout
  uint64_t outstanding = 0;  // arrived - completed - failed - rejected - timed_out
  double throughput_per_s = 0;
  sim::LatencyHistogram latency;         // completed requests: arrival to completion
  sim::LatencyHistogram queueing_delay;  // completed requests: reaching the batcher to batch dispatch
  LatencyBreakdown breakdown;            // completed requests
  // Batches dispatched at or after warm-up, and their mean size.
  uint64_t batches = 0;
  double mean_batch_size = 0;
  std::vector<uint64_t> requests_per_replica;  // measured requests routed to each replica
  std::vector<SloCheck> slo;                   // one per target present in the SloSpec
  bool slo_met = true;                         // every check met (true when there is none)
  std::optional<LlmStats> llm;                 // set for an LLM endpoint (llm_workload.h)
};

// The q-quantile of completed requests' latencies with `failed` requests ranked last (beyond
// every completed one): Time::max() once failures exceed a 1 - q share.
[[nodiscard]] sim::Time quantile_with_failures(const sim::LatencyHistogram& latency, uint64_t failed,
                                               double q);
// The checks of every target present in `slo` (the rules in the header comment).
[[nodiscard]] std::vector<SloCheck> evaluate_slo(const SloSpec& slo, const sim::LatencyHistogram& latency,
                                                 uint64_t failed, double throughput_per_s);

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
  // The CUDA streams each replica's process needs for this server: instances + copy_streams.
  [[nodiscard]] static int process_streams(const ServerSpec& server);

 private:
  [[nodiscard]] const std::string& stream_base() const {
    return options_.stream_name.empty() ? options_.name : options_.stream_name;
  }
  static constexpr uint32_t kNoRequest = ~uint32_t{0};

  // Where a request is on its path (header comment); each stage's end is recorded below.
  enum class Stage : uint8_t {
    kIssued,         // next: client serialization
    kSerialized,     // next: uplink
    kAtServer,       // next: routing and pre-processing
    kPreprocessed,   // next: the batcher
    kInBatcher,      // waiting or in a running batch
    kBatchDone,      // next: post-processing
    kPostprocessed,  // next: downlink
    kAtClient,       // next: deserialization
    kDone,
  };
  enum class Outcome : uint8_t { kCompleted, kFailed, kRejected, kTimedOut };

  struct Request {
    uint64_t id = 0;
    sim::Time arrival;                        // issued by the client
    sim::Time sent;                           // serialized
    sim::Time at_server;                      // uplink done
    sim::Time enqueued;                       // reached the batcher (pre-processing done)
    sim::Time start;                          // batch dispatched
    sim::Time input_end, infer_end, gpu_end;  // the batch's phases
    sim::Time post_end;                       // post-processing done
    sim::Time at_client;                      // downlink done
    double work_scale = 1.0;
    int client = -1;
    int replica = -1;
    int batch_size = 0;
    uint32_t next_free = kNoRequest;
    Stage stage = Stage::kIssued;
    bool measured = false;
  };

  enum class Phase : uint8_t { kInput = 0, kInfer = 1, kOutput = 2 };
  // A maximal run of GPU ops [first, last) of one phase of the RequestSpec, or one host op
  // (first + 1 == last). `ends_phase`: the last step of its phase.
  struct Step {
    size_t first = 0;
    size_t last = 0;
    bool host = false;
    Phase phase = Phase::kInfer;
    bool ends_phase = false;
  };

  // One batch in flight: a model instance (copy_streams 0) or a copy-stream buffer.
  struct BatchSlot {
    std::vector<uint32_t> batch;  // request slots
    size_t step = 0;              // the step whose completion is awaited next
    size_t submitted = 0;         // steps submitted so far; step <= submitted
    double items = 0;             // the batch's item count E
    bool items_integral = true;   // E == batch.size() (no trace scales), kept exact
    uint32_t seq = 0;             // tags completions, so a stale one is ignored
    bool busy = false;
    sim::Time phase_end[3];
  };

  struct Replica {
    GpuEndpoint* endpoint = nullptr;
    std::deque<uint32_t> waiting;  // request slots, oldest first
    std::vector<BatchSlot> slots;
    size_t outstanding = 0;  // routed here, not yet answered or failed by this replica
    bool failed = false;
    sim::EventHandle delay_timer;  // fires when the oldest waiting request reaches max_delay
    uint64_t routed_measured = 0;
    std::unique_ptr<CpuPool> cpu;  // when the server has CPU stages
  };

  void on_open_arrival();
  void on_client_request(uint64_t client);
  void admit(sim::Time arrival, double work_scale, int client);
  // Runs the request's next stages until one takes time (then an event resumes it) or it ends.
  void advance_request(uint32_t slot);
  void enqueue(size_t r, uint32_t slot);
  // Index of the replica to join, or nullopt when none is alive.
  std::optional<size_t> choose_replica();
  void try_dispatch(size_t r);
  // Requests to dispatch now (0: wait). REQUIRES: requests wait.
  size_t batch_size_now(const Replica& rep) const;
  void arm_delay_timer(size_t r);
  void cancel_delay_timer(Replica& rep);
  void dispatch(size_t r, size_t s, size_t count);
  void run_step(size_t r, size_t s);
  [[nodiscard]] int stream_of(const Step& step, size_t s) const;
  std::vector<GpuOp> gpu_ops(const Step& step, const BatchSlot& slot);
  void on_step_done(uint64_t payload);
  void on_delay_timer(uint64_t replica);
  void complete_batch(size_t r, size_t s);
  void fail_replica(size_t r);
  void check_failed();
  void finish_request(uint32_t slot, Outcome outcome);
  uint32_t allocate_request();
  void after_client_request(int client, bool failed);

  sim::Simulator& sim_;
  WorkloadOptions options_;
  std::vector<Replica> replicas_;
  std::vector<Step> steps_;
  bool has_phase_[3] = {false, false, false};
  size_t batch_slots_ = 1;  // per replica
  std::unique_ptr<SharedLink> uplink_;
  std::unique_ptr<SharedLink> downlink_;
  sim::RandomStream arrival_rng_;
  sim::RandomStream work_rng_;
  ArrivalDriver arrivals_;  // after options_ and arrival_rng_, which it refers to

  std::vector<Request> requests_;  // slab of live requests, recycled through a free list
  uint32_t free_head_ = kNoRequest;
  size_t requests_in_flight_ = 0;  // slots in use: requests_.size() minus the free list
  uint64_t next_request_id_ = 0;

  sim::HandlerId open_arrival_handler_ = 0;
  sim::HandlerId client_handler_ = 0;
  sim::HandlerId step_done_handler_ = 0;
  sim::HandlerId delay_timer_handler_ = 0;
  sim::HandlerId stage_handler_ = 0;

  std::function<void(const RequestRecord&)> observer_;

  // Measured-window statistics, updated as requests finish.
  uint64_t arrived_ = 0;
  uint64_t completed_ = 0;
  uint64_t failed_ = 0;
  uint64_t rejected_ = 0;
  uint64_t timed_out_ = 0;
  uint64_t batches_ = 0;
  uint64_t batched_requests_ = 0;
  sim::LatencyHistogram latency_;
  sim::LatencyHistogram queueing_delay_;
  LatencyBreakdown breakdown_;
  bool started_ = false;
};

}  // namespace sharesim::models
