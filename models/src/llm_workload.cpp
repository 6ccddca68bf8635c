// The LLM endpoint driver: arrivals, routing, one continuous-batching engine per replica, steps
// as GPU work, and token-level measurement (llm_workload.h).
#include "sharesim/models/llm_workload.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <utility>

namespace sharesim::models {
namespace {

// A step's kernel names (views into static storage: they outlive any timeline).
constexpr std::string_view kPrefillStepName = "llm step (prefill+decode)";
constexpr std::string_view kDecodeStepName = "llm step (decode)";

uint64_t pack(size_t replica, uint32_t seq) {
  return (uint64_t{seq} << 32) | replica;
}

}  // namespace

LlmWorkload::LlmWorkload(sim::Simulator& sim, LlmWorkloadOptions options, std::vector<GpuEndpoint*> replicas)
    : sim_(sim),
      options_(std::move(options)),
      arrival_rng_(options_.seed,
                   (options_.stream_name.empty() ? options_.name : options_.stream_name) + "/arrivals"),
      token_rng_(options_.seed,
                 (options_.stream_name.empty() ? options_.name : options_.stream_name) + "/tokens"),
      arrivals_(sim_, options_.arrivals, arrival_rng_) {
  assert(!replicas.empty());
  replicas_.reserve(replicas.size());
  for (GpuEndpoint* endpoint : replicas) {
    replicas_.push_back(Replica{.endpoint = endpoint, .engine = LlmEngine(options_.serving.scheduler)});
  }
  arrival_handler_ = sim_.add_handler([this](uint64_t) { on_open_arrival(); });
  client_handler_ = sim_.add_handler([this](uint64_t client) { on_client_request(client); });
  submit_handler_ = sim_.add_handler([this](uint64_t payload) { submit_step(payload); });
  step_done_handler_ = sim_.add_handler([this](uint64_t payload) { on_step_done(payload); });

  const LlmModel& model = options_.serving.model;
  llm_.model = model.arch.name;
  llm_.weight_dtype = model.weight_dtype;
  llm_.kv_dtype = model.kv_dtype;
  llm_.weight_bytes = model.weight_bytes();
  llm_.kv_bytes_per_token = model.kv_bytes_per_token();
  llm_.kv_cache_blocks = options_.serving.scheduler.kv_cache_blocks;
  llm_.block_size = options_.serving.scheduler.block_size;
  llm_.parameters = options_.serving.cost.provenance;
}

void LlmWorkload::start() {
  assert(!started_);
  started_ = true;
  arrivals_.start(arrival_handler_, client_handler_);
}

void LlmWorkload::set_request_observer(std::function<void(const RequestRecord&)> observer) {
  observer_ = std::move(observer);
}

void LlmWorkload::on_open_arrival() {
  admit(arrivals_.due().at, -1);
  arrivals_.advance();
}

void LlmWorkload::on_client_request(uint64_t client) {
  admit(sim_.now(), static_cast<int>(client));
}

int64_t LlmWorkload::draw(const TokenCountDistribution& d) {
  if (d.lognormal_mean > 0) {
    const double v = std::round(token_rng_.lognormal(d.lognormal_mean, d.lognormal_cv));
    return std::clamp(static_cast<int64_t>(std::min(v, 1e12)), d.lo, d.hi);
  }
  if (d.hi <= d.lo) return d.lo;
  const auto span = static_cast<uint64_t>(d.hi - d.lo) + 1;
  return d.lo + static_cast<int64_t>(token_rng_.next_u64() % span);
}

uint32_t LlmWorkload::allocate_request() {
  if (free_head_ != kNone) {
    const uint32_t slot = free_head_;
    free_head_ = requests_[slot].next_free;
    return slot;
  }
  requests_.emplace_back();
  return static_cast<uint32_t>(requests_.size() - 1);
}

std::optional<size_t> LlmWorkload::choose_replica() {
  std::optional<size_t> best;
  for (size_t r = 0; r < replicas_.size(); ++r) {
    Replica& rep = replicas_[r];
    if (!rep.failed && rep.endpoint->failed()) fail_replica(r);
    if (rep.failed) continue;
    if (!best || rep.engine.outstanding() < replicas_[*best].engine.outstanding()) best = r;
  }
  return best;
}

void LlmWorkload::admit(sim::Time arrival, int client) {
  const LlmRequestTokens& tokens = options_.serving.tokens;
  int64_t prompt = 0;
  int64_t output = 0;
  if (!tokens.trace_prompt.empty() && trace_index_ < tokens.trace_prompt.size()) {
    prompt = tokens.trace_prompt[trace_index_];
    output = tokens.trace_output[trace_index_];
    ++trace_index_;
  } else {
    prompt = draw(tokens.prompt);
    output = draw(tokens.output);
  }
  prompt = std::max<int64_t>(prompt, 1);
  output = std::max<int64_t>(output, 1);

  const uint32_t slot = allocate_request();
  Request& req = requests_[slot];
  req = Request{};
  req.id = next_id_++;
  req.arrival = arrival;
  req.prompt = prompt;
  req.output = output;
  req.client = client;
  req.measured = arrival >= options_.warmup;
  req.live = true;
  if (req.measured) ++arrived_;

  const std::optional<size_t> r = choose_replica();
  if (!r) {
    finish_request(slot, true);
    return;
  }
  req.replica = static_cast<int>(*r);
  Replica& rep = replicas_[*r];
  if (req.measured) ++rep.routed_measured;
  if (!rep.engine.admissible(prompt, output)) {
    if (req.measured) ++llm_.rejected;
    finish_request(slot, true);
    return;
  }
  rep.engine.add(slot, prompt, output);
  if (!rep.busy) start_step(*r);
}

void LlmWorkload::start_step(size_t r) {
  Replica& rep = replicas_[r];
  assert(!rep.busy && !rep.failed);
  rep.plan = rep.engine.plan_step();
  // An idle engine with work always schedules something (a request is admissible only if it fits
  // the whole cache and, without chunking, the token budget), so an empty plan means no work.
  assert(!rep.plan.empty() || rep.engine.outstanding() == 0);
  if (rep.plan.empty()) return;
  rep.busy = true;
  const sim::Time now = sim_.now();
  const bool measured = now >= options_.warmup;
  rep.peak_blocks = std::max(rep.peak_blocks, rep.engine.config().kv_cache_blocks - rep.engine.free_blocks());
  if (measured) {
    ++llm_.steps;
    llm_.preemptions += rep.plan.preempted;
    if (rep.plan.prefill_tokens > 0) ++llm_.prefill_steps;
    step_sequences_ += rep.plan.scheduled.size();
    step_tokens_ += static_cast<uint64_t>(rep.plan.prefill_tokens + rep.plan.decode_tokens);
  }
  for (const ScheduledSequence& sc : rep.plan.scheduled) {
    Request& req = requests_[static_cast<uint32_t>(sc.request)];
    if (req.start == sim::Time::max()) req.start = now;
  }
  ++rep.step_seq;
  if (options_.serving.step_overhead > sim::Time::zero()) {
    sim_.schedule_in(options_.serving.step_overhead, submit_handler_, pack(r, rep.step_seq));
  } else {
    submit_step(pack(r, rep.step_seq));
  }
}

void LlmWorkload::submit_step(uint64_t payload) {
  const size_t r = payload & 0xFFFFFFFFu;
  Replica& rep = replicas_[r];
  if (rep.failed || static_cast<uint32_t>(payload >> 32) != rep.step_seq) return;
  if (rep.endpoint->failed()) {
    fail_replica(r);
    return;
  }
  shares_scratch_.clear();
  for (const ScheduledSequence& sc : rep.plan.scheduled) shares_scratch_.push_back(sc.share);
  const StepCost cost = llm_step_cost(options_.serving.model, options_.serving.cost, shares_scratch_);
  KernelWork kernel{.name = rep.plan.prefill_tokens > 0 ? kPrefillStepName : kDecodeStepName,
                    .solo_duration = cost.gpu_time,
                    .sm_demand = 0,
                    .memory_bound = cost.memory_bound};
  std::vector<GpuOp> ops;
  ops.emplace_back(kernel);
  rep.endpoint->submit(0, std::move(ops), Completion{step_done_handler_, payload});
}

void LlmWorkload::on_step_done(uint64_t payload) {
  const size_t r = payload & 0xFFFFFFFFu;
  Replica& rep = replicas_[r];
  if (rep.failed || static_cast<uint32_t>(payload >> 32) != rep.step_seq) return;
  const sim::Time now = sim_.now();
  rep.engine.finish_step(rep.plan, tokens_scratch_);
  rep.busy = false;
  for (const TokenEvent& t : tokens_scratch_) {
    const auto slot = static_cast<uint32_t>(t.request);
    Request& req = requests_[slot];
    if (now >= options_.warmup) ++llm_.tokens_generated;
    if (t.generated == 1) {
      req.first_token = now;
    } else if (req.measured) {
      llm_.itl.record(now - req.last_token);
    }
    req.last_token = now;
    if (t.finished) finish_request(slot, false);
  }
  start_step(r);
}

void LlmWorkload::fail_replica(size_t r) {
  Replica& rep = replicas_[r];
  if (rep.failed) return;
  rep.failed = true;
  rep.busy = false;
  ++rep.step_seq;  // a completion still in flight is stale
  for (const uint64_t request : rep.engine.clear()) finish_request(static_cast<uint32_t>(request), true);
}

void LlmWorkload::on_replica_failed(size_t replica) {
  if (replica < replicas_.size()) fail_replica(replica);
}

void LlmWorkload::finish_request(uint32_t slot, bool failed) {
  Request& req = requests_[slot];
  const sim::Time now = sim_.now();
  if (req.measured) {
    if (failed) {
      ++failed_;
    } else {
      ++completed_;
      latency_.record(now - req.arrival);
      queueing_.record(req.start - req.arrival);
      llm_.ttft.record(req.first_token - req.arrival);
      if (req.output > 1)
        llm_.tpot.record(
            (req.last_token - req.first_token).scaled(1.0 / static_cast<double>(req.output - 1)));
      llm_.prompt_tokens += static_cast<uint64_t>(req.prompt);
      llm_.output_tokens += static_cast<uint64_t>(req.output);
    }
  }
  if (observer_) {
    RequestRecord record;
    record.id = req.id;
    record.arrival = req.arrival;
    record.start = req.start == sim::Time::max() ? now : req.start;
    record.end = now;
    record.replica = req.replica;
    record.batch_size = 0;
    record.client = req.client;
    record.failed = failed;
    record.measured = req.measured;
    observer_(record);
  }
  const int client = req.client;
  req.live = false;
  req.next_free = free_head_;
  free_head_ = slot;
  if (client >= 0) {
    const bool any_alive =
        std::any_of(replicas_.begin(), replicas_.end(), [](const Replica& rep) { return !rep.failed; });
    if (failed && !any_alive) return;  // a dead endpoint: the client stops
    arrivals_.schedule_next_request(client);
  }
}

WorkloadStats LlmWorkload::collect() {
  for (size_t r = 0; r < replicas_.size(); ++r) {
    if (!replicas_[r].failed && replicas_[r].endpoint->failed()) fail_replica(r);
  }
  WorkloadStats stats;
  stats.name = options_.name;
  stats.measured_from = options_.warmup;
  stats.measured_until = sim_.now();
  stats.arrived = arrived_;
  stats.completed = completed_;
  stats.failed = failed_;
  stats.outstanding = arrived_ - completed_ - failed_;
  const sim::Time measured = sim_.now() - options_.warmup;
  const double seconds = measured > sim::Time::zero() ? measured.seconds() : 0.0;
  stats.throughput_per_s = seconds > 0 ? static_cast<double>(completed_) / seconds : 0.0;
  stats.latency = latency_;
  stats.queueing_delay = queueing_;
  stats.batches = llm_.steps;
  stats.mean_batch_size =
      llm_.steps > 0 ? static_cast<double>(step_sequences_) / static_cast<double>(llm_.steps) : 0.0;
  for (const Replica& rep : replicas_) stats.requests_per_replica.push_back(rep.routed_measured);

  LlmStats llm = llm_;
  llm.output_tokens_per_s = seconds > 0 ? static_cast<double>(llm.tokens_generated) / seconds : 0.0;
  llm.mean_step_sequences = stats.mean_batch_size;
  llm.mean_step_tokens =
      llm_.steps > 0 ? static_cast<double>(step_tokens_) / static_cast<double>(llm_.steps) : 0.0;
  int64_t peak = 0;
  for (const Replica& rep : replicas_) peak = std::max(peak, rep.peak_blocks);
  llm.kv_peak_fraction = static_cast<double>(peak) / static_cast<double>(llm.kv_cache_blocks);

  // Outstanding measured requests at their age (see the header comment).
  sim::LatencyHistogram latency_with_outstanding = latency_;
  sim::LatencyHistogram ttft_with_outstanding = llm.ttft;
  for (const Request& req : requests_) {
    if (!req.live || !req.measured) continue;
    latency_with_outstanding.record(sim_.now() - req.arrival);
    if (req.first_token == sim::Time::max()) ttft_with_outstanding.record(sim_.now() - req.arrival);
  }
  stats.slo = evaluate_slo(options_.slo, latency_with_outstanding, failed_, stats.throughput_per_s);
  const SloSpec& token_slo = options_.slo;
  const auto check = [&](SloMetric metric, const std::optional<sim::Time>& target,
                         const sim::LatencyHistogram& histogram) {
    if (!target) return;
    SloCheck c;
    c.metric = metric;
    c.latency_target = *target;
    c.latency_measured = histogram.count() + failed_ == 0
                             ? sim::Time::zero()
                             : quantile_with_failures(histogram, failed_, *slo_quantile(metric));
    c.met = c.latency_measured <= *target;
    stats.slo.push_back(c);
  };
  check(SloMetric::kTtftP50, token_slo.ttft_p50, ttft_with_outstanding);
  check(SloMetric::kTtftP90, token_slo.ttft_p90, ttft_with_outstanding);
  check(SloMetric::kTtftP99, token_slo.ttft_p99, ttft_with_outstanding);
  check(SloMetric::kTpotP50, token_slo.tpot_p50, llm.tpot);
  check(SloMetric::kTpotP90, token_slo.tpot_p90, llm.tpot);
  check(SloMetric::kTpotP99, token_slo.tpot_p99, llm.tpot);
  stats.slo_met = std::all_of(stats.slo.begin(), stats.slo.end(), [](const SloCheck& c) { return c.met; });
  stats.llm = std::move(llm);
  return stats;
}

}  // namespace sharesim::models
