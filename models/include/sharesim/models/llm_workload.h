// An LLM endpoint as a workload: token-level requests arrive, are routed to replicas (serving
// processes), and each replica runs the continuous-batching engine (llm_engine.h) whose steps
// are GPU work (llm_model.h) on the replica's GpuEndpoint, shared with every other tenant of the
// GPU like any kernel.
//
// Model (each rule a choice; docs/llm.md has the reasons):
//  - Arrivals as for any workload (arrival.h: Poisson, constant, on/off, trace; or closed-loop
//    chat clients that send the next request `think` after the previous response ends). Random
//    streams "<name>/arrivals" (gaps, think times) and "<name>/tokens" (token counts).
//  - Token counts: from the trace's columns (one per arrival, as written), or drawn uniformly
//    in [lo, hi] (lo == hi: fixed). Output counts below 1 are 1: every request gets the token
//    its prefill samples.
//  - Routing: a request joins the live replica with the fewest outstanding sequences (ties: the
//    lowest index), as the plain workload does.
//  - One step at a time per replica: plan (llm_engine.h), then `step_overhead` of host time
//    (scheduling, input preparation, sampling; serial with the GPU), then the step as one kernel
//    on the replica's endpoint; when it ends, tokens are emitted at that instant and the next
//    step is planned at once. An idle replica starts a step when a request arrives.
//  - Measurement as for workloads: a request counts when it arrives at or after warm-up.
//    latency = arrival to its last token (end to end); queueing delay = arrival to the start of
//    the first step that schedules it; TTFT = arrival to its first token; TPOT = (last - first
//    token) / (output - 1); ITL = each gap between its consecutive tokens (a preemption's
//    recompute shows up as one long gap).
//  - SLOs: the workload's SloSpec on end-to-end latency and throughput, and on TTFT and TPOT
//    quantiles; failed requests rank last (a quantile is unbounded once failures exceed
//    its 1 - q share), as for workloads.
//  - Failure: a replica whose endpoint failed drops its sequences (they fail) and gets no more.
//
// Not thread-safe; one LlmWorkload belongs to one Simulator and must outlive every run of it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sharesim/models/arrival.h"
#include "sharesim/models/llm_engine.h"
#include "sharesim/models/llm_model.h"
#include "sharesim/models/llm_stats.h"
#include "sharesim/models/workload.h"
#include "sharesim/sim/random.h"
#include "sharesim/sim/simulator.h"

namespace sharesim::models {

// An integer count: drawn uniformly in [lo, hi] (lo == hi: always lo), or, when lognormal_mean
// > 0, lognormal with that mean and coefficient of variation, rounded to the nearest integer and
// clamped to [lo, hi] (heavy-tailed prompt and output lengths).
struct TokenCountDistribution {
  int64_t lo = 1;
  int64_t hi = 1;
  double lognormal_mean = 0;
  double lognormal_cv = 0;
};

struct LlmRequestTokens {
  TokenCountDistribution prompt;
  TokenCountDistribution output;
  // One per trace arrival, in arrival order; when not empty they replace the distributions.
  std::vector<int64_t> trace_prompt;
  std::vector<int64_t> trace_output;
};

// Everything one replica's server needs, validated.
struct LlmServingSpec {
  LlmModel model;
  LlmCostParameters cost;
  LlmSchedulerConfig scheduler;  // kv_cache_blocks already sized
  sim::Time step_overhead;       // host time before each step
  LlmRequestTokens tokens;
};

struct LlmWorkloadOptions {
  std::string name;
  std::string stream_name;  // names the random streams when not empty (as WorkloadOptions)
  uint64_t seed = 1;
  ArrivalSpec arrivals = PoissonArrivals{};
  LlmServingSpec serving;
  SloSpec slo;  // end-to-end latency, throughput, TTFT and TPOT targets
  sim::Time warmup;
};

class LlmWorkload {
 public:
  // REQUIRES: at least one replica; the spec validated (scheduler limits >= 1, cost > 0).
  LlmWorkload(sim::Simulator& sim, LlmWorkloadOptions options, std::vector<GpuEndpoint*> replicas);
  LlmWorkload(const LlmWorkload&) = delete;
  LlmWorkload& operator=(const LlmWorkload&) = delete;

  void start();
  void on_replica_failed(size_t replica);
  void set_request_observer(std::function<void(const RequestRecord&)> observer);
  // Statistics at sim.now(); WorkloadStats::llm is set, and the token SLO checks (SloMetric
  // kTtft*, kTpot*) follow the end-to-end ones in WorkloadStats::slo.
  [[nodiscard]] WorkloadStats collect();

  [[nodiscard]] const LlmWorkloadOptions& options() const { return options_; }
  // Sequences admitted and not finished, over all replicas (running or waiting for the KV cache):
  // what the run's limit on requests in flight counts.
  [[nodiscard]] size_t requests_in_flight() const {
    size_t n = 0;
    for (const Replica& r : replicas_) n += r.engine.outstanding();
    return n;
  }

 private:
  static constexpr uint32_t kNone = ~uint32_t{0};
  struct Request {
    uint64_t id = 0;
    sim::Time arrival;
    sim::Time start = sim::Time::max();        // first step that scheduled it
    sim::Time first_token = sim::Time::max();  // max until its first token
    sim::Time last_token;
    int64_t prompt = 0;
    int64_t output = 0;
    int client = -1;
    int replica = -1;
    bool measured = false;
    bool live = false;  // arrived and not yet finished (the slot is in use)
    uint32_t next_free = kNone;
  };
  struct Replica {
    GpuEndpoint* endpoint = nullptr;
    LlmEngine engine;
    StepPlan plan;
    bool busy = false;
    bool failed = false;
    uint32_t step_seq = 0;
    int64_t peak_blocks = 0;
    uint64_t routed_measured = 0;
  };

  void on_open_arrival();
  void on_client_request(uint64_t client);
  void admit(sim::Time arrival, int client);
  void start_step(size_t r);
  void submit_step(uint64_t payload);
  void on_step_done(uint64_t payload);
  void fail_replica(size_t r);
  void finish_request(uint32_t slot, bool failed);
  std::optional<size_t> choose_replica();
  uint32_t allocate_request();
  int64_t draw(const TokenCountDistribution& d);

  sim::Simulator& sim_;
  LlmWorkloadOptions options_;
  std::vector<Replica> replicas_;
  sim::RandomStream arrival_rng_;
  sim::RandomStream token_rng_;
  ArrivalDriver arrivals_;  // after options_ and arrival_rng_, which it refers to
  uint64_t trace_index_ = 0;

  std::vector<Request> requests_;
  uint32_t free_head_ = kNone;
  uint64_t next_id_ = 0;
  std::vector<TokenEvent> tokens_scratch_;
  std::vector<StepSequence> shares_scratch_;

  sim::HandlerId arrival_handler_ = 0;
  sim::HandlerId client_handler_ = 0;
  sim::HandlerId submit_handler_ = 0;
  sim::HandlerId step_done_handler_ = 0;
  std::function<void(const RequestRecord&)> observer_;

  // Measured statistics.
  uint64_t arrived_ = 0;
  uint64_t completed_ = 0;
  uint64_t failed_ = 0;
  sim::LatencyHistogram latency_;
  sim::LatencyHistogram queueing_;
  LlmStats llm_;
  uint64_t step_sequences_ = 0;
  uint64_t step_tokens_ = 0;
  uint64_t preemptions_before_warmup_ = 0;
  bool started_ = false;
};

}  // namespace sharesim::models
