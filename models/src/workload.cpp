#include "sharesim/models/workload.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>
#include <variant>

#include "sharesim/models/gpu_profile.h"

namespace sharesim::models {

std::optional<double> slo_quantile(SloMetric metric) {
  switch (metric) {
    case SloMetric::kP50:
    case SloMetric::kTtftP50:
    case SloMetric::kTpotP50:
      return 0.50;
    case SloMetric::kP90:
    case SloMetric::kTtftP90:
    case SloMetric::kTpotP90:
      return 0.90;
    case SloMetric::kP99:
    case SloMetric::kTtftP99:
    case SloMetric::kTpotP99:
      return 0.99;
    case SloMetric::kP999:
      return 0.999;
    default:
      return std::nullopt;
  }
}

std::string_view slo_metric_name(SloMetric metric) {
  switch (metric) {
    case SloMetric::kP50:
      return "p50";
    case SloMetric::kP90:
      return "p90";
    case SloMetric::kP99:
      return "p99";
    case SloMetric::kP999:
      return "p99.9";
    case SloMetric::kMax:
      return "max";
    case SloMetric::kMean:
      return "mean";
    case SloMetric::kMinThroughput:
      return "throughput";
    case SloMetric::kTtftP50:
      return "ttft_p50";
    case SloMetric::kTtftP90:
      return "ttft_p90";
    case SloMetric::kTtftP99:
      return "ttft_p99";
    case SloMetric::kTpotP50:
      return "tpot_p50";
    case SloMetric::kTpotP90:
      return "tpot_p90";
    case SloMetric::kTpotP99:
      return "tpot_p99";
  }
  return "?";
}

sim::Time batch_curve_at(const BatchCurve& curve, double items) {
  if (curve.empty()) return sim::Time::zero();
  if (curve.size() == 1) return curve.front().time;
  // The segment [lo, lo + 1] that covers `items`, or the first / last one beyond the ends.
  size_t lo = 0;
  while (lo + 2 < curve.size() && items > curve[lo + 1].batch) ++lo;
  const BatchCurvePoint& a = curve[lo];
  const BatchCurvePoint& b = curve[lo + 1];
  const double span = b.batch - a.batch;
  const double ta = static_cast<double>(a.time.count_ns());
  const double tb = static_cast<double>(b.time.count_ns());
  const double t = span > 0 ? ta + (tb - ta) * (items - a.batch) / span : ta;
  return sim::Time::ns(static_cast<int64_t>(std::llround(std::max(t, 0.0))));
}

void keep_measured_copies(RequestSpec& request, const GpuProfile& profile) {
  for (OpSpec& op : request.ops) {
    auto* copy = std::get_if<CopyOpSpec>(&op);
    if (copy == nullptr || !copy->measured) continue;
    const double moving_s = std::max(0.0, (*copy->measured - profile.copy_latency).seconds());
    const double bandwidth =
        profile.pcie_bandwidth(copy->direction == CopyDirection::kHostToDevice, copy->pinned);
    copy->bytes = static_cast<int64_t>(std::llround(moving_s * bandwidth));
    copy->per_item_bytes = 0;
  }
}

int Workload::process_streams(const ServerSpec& server) {
  return server.instances + server.copy_streams;
}

Workload::Workload(sim::Simulator& sim, WorkloadOptions options, std::vector<GpuEndpoint*> replicas)
    : sim_(sim),
      options_(std::move(options)),
      arrival_rng_(options_.seed, stream_base() + "/arrivals"),
      work_rng_(options_.seed, stream_base() + "/work"),
      arrivals_(sim_, options_.arrivals, arrival_rng_) {
  assert(!replicas.empty());
  assert(options_.batching.max_batch >= 1);
  const ServerSpec& server = options_.server;
  assert(server.instances >= 1 && server.copy_streams >= 0 && server.cpu_workers >= 0);
  // Payloads carry the replica and the slot in 16 bits each.
  assert(replicas.size() <= 0xffff);
  batch_slots_ = server.copy_streams > 0
                     ? static_cast<size_t>(std::max(server.instances, server.copy_streams))
                     : static_cast<size_t>(server.instances);
  assert(batch_slots_ <= 0xffff);
  replicas_.resize(replicas.size());
  for (size_t r = 0; r < replicas.size(); ++r) {
    assert(replicas[r] != nullptr);
    replicas_[r].endpoint = replicas[r];
    replicas_[r].slots.resize(batch_slots_);
    if (server.cpu_workers > 0) replicas_[r].cpu = std::make_unique<CpuPool>(sim_, server.cpu_workers);
  }
  const ClientSpec& net = options_.client;
  if (net.link_bytes_per_s > 0) {
    uplink_ = std::make_unique<SharedLink>(sim_, net.link_bytes_per_s, net.link_latency);
    downlink_ = std::make_unique<SharedLink>(sim_, net.link_bytes_per_s, net.link_latency);
  }

  const auto& ops = options_.request.ops;
  size_t first_kernel = ops.size();
  size_t last_kernel = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (std::holds_alternative<KernelOpSpec>(ops[i])) {
      first_kernel = std::min(first_kernel, i);
      last_kernel = i;
    }
  }
  const bool any_kernel = first_kernel < ops.size();
  const auto phase_of = [&](size_t i) {
    if (!any_kernel) return Phase::kInfer;
    if (i < first_kernel) return Phase::kInput;
    return i > last_kernel ? Phase::kOutput : Phase::kInfer;
  };
  for (size_t i = 0; i < ops.size(); ++i) {
    const bool host = std::holds_alternative<HostOpSpec>(ops[i]);
    const Phase phase = phase_of(i);
    if (host || steps_.empty() || steps_.back().host || steps_.back().phase != phase) {
      steps_.push_back(Step{.first = i, .last = i + 1, .host = host, .phase = phase});
    } else {
      steps_.back().last = i + 1;
    }
  }
  // A request without work still completes through an event (a zero-length host step), so that a
  // burst of empty requests never recurses dispatch -> complete -> dispatch on the C++ stack.
  if (steps_.empty()) steps_.push_back(Step{.first = 0, .last = 0, .host = true, .phase = Phase::kInfer});
  for (size_t k = 0; k < steps_.size(); ++k) {
    steps_[k].ends_phase = k + 1 == steps_.size() || steps_[k + 1].phase != steps_[k].phase;
    has_phase_[static_cast<int>(steps_[k].phase)] = true;
  }

  open_arrival_handler_ = sim_.add_handler([this](uint64_t) { on_open_arrival(); });
  client_handler_ = sim_.add_handler([this](uint64_t client) { on_client_request(client); });
  step_done_handler_ = sim_.add_handler([this](uint64_t payload) { on_step_done(payload); });
  delay_timer_handler_ = sim_.add_handler([this](uint64_t replica) { on_delay_timer(replica); });
  stage_handler_ = sim_.add_handler([this](uint64_t slot) { advance_request(static_cast<uint32_t>(slot)); });
}

void Workload::start() {
  assert(!started_);
  started_ = true;
  arrivals_.start(open_arrival_handler_, client_handler_);
}

void Workload::set_request_observer(std::function<void(const RequestRecord&)> observer) {
  observer_ = std::move(observer);
}

void Workload::on_open_arrival() {
  const Arrival arrival = arrivals_.due();
  admit(arrival.at, arrival.work_scale, -1);
  arrivals_.advance();
}

void Workload::on_client_request(uint64_t client) {
  admit(sim_.now(), 1.0, static_cast<int>(client));
}

uint32_t Workload::allocate_request() {
  ++requests_in_flight_;
  if (free_head_ != kNoRequest) {
    const uint32_t slot = free_head_;
    free_head_ = requests_[slot].next_free;
    return slot;
  }
  assert(requests_.size() < kNoRequest);
  requests_.emplace_back();
  return static_cast<uint32_t>(requests_.size() - 1);
}

void Workload::admit(sim::Time arrival, double work_scale, int client) {
  const uint32_t slot = allocate_request();
  Request& req = requests_[slot];
  req = Request{};
  req.id = next_request_id_++;
  req.arrival = arrival;
  req.work_scale = work_scale;
  req.client = client;
  req.measured = arrival >= options_.warmup;
  if (req.measured) ++arrived_;
  advance_request(slot);
}

void Workload::advance_request(uint32_t slot) {
  // Each case does its stage's work and either schedules the stage's end (an event brings the
  // request back here, to the next case) or falls through at once when the stage takes no time.
  const sim::Time now = sim_.now();
  const ClientSpec& client = options_.client;
  const ServerSpec& server = options_.server;
  Request& req = requests_[slot];  // no request is allocated below, so the reference stays valid
  switch (req.stage) {
    case Stage::kIssued:
      req.stage = Stage::kSerialized;
      if (client.serialize > sim::Time::zero()) {
        sim_.schedule_in(client.serialize, stage_handler_, slot);
        return;
      }
      [[fallthrough]];
    case Stage::kSerialized:
      req.sent = now;
      req.stage = Stage::kAtServer;
      if (uplink_) {
        uplink_->transfer(client.request_bytes, Completion{stage_handler_, slot});
        return;
      }
      [[fallthrough]];
    case Stage::kAtServer: {
      req.at_server = now;
      const std::optional<size_t> r = choose_replica();
      if (!r) {
        req.enqueued = req.start = req.gpu_end = now;
        finish_request(slot, Outcome::kFailed);
        return;
      }
      req.replica = static_cast<int>(*r);
      Replica& rep = replicas_[*r];
      ++rep.outstanding;
      if (req.measured) ++rep.routed_measured;
      req.stage = Stage::kPreprocessed;
      if (rep.cpu && server.preprocess > sim::Time::zero()) {
        rep.cpu->submit(server.preprocess, Completion{stage_handler_, slot});
        return;
      }
      [[fallthrough]];
    }
    case Stage::kPreprocessed: {
      req.enqueued = req.start = req.gpu_end = now;
      const auto r = static_cast<size_t>(req.replica);
      if (replicas_[r].failed) {
        finish_request(slot, Outcome::kFailed);
        return;
      }
      req.stage = Stage::kInBatcher;
      enqueue(r, slot);
      return;
    }
    case Stage::kInBatcher:
      assert(false && "a request in the batcher leaves it through complete_batch or a failure");
      return;
    case Stage::kBatchDone: {
      req.stage = Stage::kPostprocessed;
      Replica& rep = replicas_[static_cast<size_t>(req.replica)];
      if (rep.cpu && server.postprocess > sim::Time::zero()) {
        rep.cpu->submit(server.postprocess, Completion{stage_handler_, slot});
        return;
      }
      [[fallthrough]];
    }
    case Stage::kPostprocessed: {
      req.post_end = now;
      Replica& rep = replicas_[static_cast<size_t>(req.replica)];
      if (rep.failed) {  // the process died before it answered
        finish_request(slot, Outcome::kFailed);
        return;
      }
      assert(rep.outstanding > 0);
      --rep.outstanding;
      req.stage = Stage::kAtClient;
      if (downlink_) {
        downlink_->transfer(client.response_bytes, Completion{stage_handler_, slot});
        return;
      }
      [[fallthrough]];
    }
    case Stage::kAtClient:
      req.at_client = now;
      req.stage = Stage::kDone;
      if (client.deserialize > sim::Time::zero()) {
        sim_.schedule_in(client.deserialize, stage_handler_, slot);
        return;
      }
      [[fallthrough]];
    case Stage::kDone:
      finish_request(slot, Outcome::kCompleted);
      return;
  }
}

void Workload::enqueue(size_t r, uint32_t slot) {
  Replica& rep = replicas_[r];
  const int max_queue = options_.batching.max_queue_size;
  if (max_queue > 0 && rep.waiting.size() >= static_cast<size_t>(max_queue)) {
    finish_request(slot, Outcome::kRejected);
    return;
  }
  rep.waiting.push_back(slot);
  try_dispatch(r);
}

std::optional<size_t> Workload::choose_replica() {
  check_failed();
  std::optional<size_t> best;
  size_t best_outstanding = 0;
  for (size_t r = 0; r < replicas_.size(); ++r) {
    const Replica& rep = replicas_[r];
    if (rep.failed) continue;
    // Strictly fewer: ties stay with the lowest index.
    if (!best || rep.outstanding < best_outstanding) {
      best = r;
      best_outstanding = rep.outstanding;
    }
  }
  return best;
}

size_t Workload::batch_size_now(const Replica& rep) const {
  const BatchingSpec& b = options_.batching;
  const size_t waiting = rep.waiting.size();
  const auto max_batch = static_cast<size_t>(b.max_batch);
  if (waiting >= max_batch) return max_batch;
  for (auto p = b.preferred.rbegin(); p != b.preferred.rend(); ++p) {
    if (static_cast<size_t>(*p) <= waiting) return static_cast<size_t>(*p);
  }
  if (b.max_delay <= sim::Time::zero()) return waiting;
  const sim::Time oldest = requests_[rep.waiting.front()].enqueued;
  // A max_delay too long to add (a user's "wait forever") means no deadline, not an overflow.
  if (b.max_delay >= sim::Time::max() - oldest) return 0;
  return sim_.now() >= oldest + b.max_delay ? waiting : 0;
}

void Workload::cancel_delay_timer(Replica& rep) {
  if (rep.delay_timer.is_set()) {
    sim_.cancel(rep.delay_timer);
    rep.delay_timer = sim::EventHandle{};
  }
}

void Workload::arm_delay_timer(size_t r) {
  Replica& rep = replicas_[r];
  // The oldest waiting request only changes when requests leave the queue (which cancels the
  // timer), so an armed timer already names this deadline.
  if (rep.delay_timer.is_set() || rep.waiting.empty()) return;
  const sim::Time max_delay = options_.batching.max_delay;
  const sim::Time oldest = requests_[rep.waiting.front()].enqueued;
  if (max_delay <= sim::Time::zero() || max_delay >= sim::Time::max() - oldest) return;
  rep.delay_timer = sim_.schedule_at(oldest + max_delay, delay_timer_handler_, r);
}

void Workload::try_dispatch(size_t r) {
  Replica& rep = replicas_[r];
  if (rep.failed || rep.waiting.empty()) return;
  if (rep.endpoint->failed()) {
    fail_replica(r);
    return;
  }
  const sim::Time timeout = options_.batching.queue_timeout;
  while (!rep.waiting.empty()) {
    const auto free_slot =
        std::find_if(rep.slots.begin(), rep.slots.end(), [](const BatchSlot& s) { return !s.busy; });
    if (free_slot == rep.slots.end()) return;  // every instance busy: a completion calls again
    // The batcher is forming a batch: requests past their timeout leave first (oldest first, so
    // they are at the front).
    bool front_changed = false;
    while (timeout > sim::Time::zero() && !rep.waiting.empty() &&
           sim_.now() - requests_[rep.waiting.front()].enqueued > timeout) {
      const uint32_t slot = rep.waiting.front();
      rep.waiting.pop_front();
      front_changed = true;
      finish_request(slot, Outcome::kTimedOut);
    }
    if (front_changed) cancel_delay_timer(rep);
    if (rep.waiting.empty()) return;
    const size_t count = batch_size_now(rep);
    if (count == 0) break;
    cancel_delay_timer(rep);
    dispatch(r, static_cast<size_t>(free_slot - rep.slots.begin()), count);
    if (rep.failed) return;
  }
  arm_delay_timer(r);
}

void Workload::on_delay_timer(uint64_t replica) {
  Replica& rep = replicas_[replica];
  rep.delay_timer = sim::EventHandle{};
  try_dispatch(replica);
}

void Workload::dispatch(size_t r, size_t s, size_t count) {
  Replica& rep = replicas_[r];
  BatchSlot& slot = rep.slots[s];
  assert(!slot.busy && count >= 1 && count <= rep.waiting.size());
  slot.busy = true;
  ++slot.seq;
  slot.batch.clear();
  double items = 0;
  bool integral = true;
  const sim::Time now = sim_.now();
  for (size_t k = 0; k < count; ++k) {
    const uint32_t id = rep.waiting.front();
    rep.waiting.pop_front();
    slot.batch.push_back(id);
    Request& req = requests_[id];
    req.start = now;
    items += req.work_scale;
    if (req.work_scale != 1.0) integral = false;
  }
  slot.items_integral = integral;
  slot.items = integral ? static_cast<double>(count) : items;
  if (now >= options_.warmup) {
    ++batches_;
    batched_requests_ += count;
  }
  slot.step = 0;
  slot.submitted = 0;
  for (sim::Time& t : slot.phase_end) t = now;
  run_step(r, s);
}

int Workload::stream_of(const Step& step, size_t s) const {
  const ServerSpec& server = options_.server;
  if (server.copy_streams == 0) return static_cast<int>(s);
  if (step.phase == Phase::kInfer) return static_cast<int>(s % static_cast<size_t>(server.instances));
  return server.instances + static_cast<int>(s % static_cast<size_t>(server.copy_streams));
}

std::vector<GpuOp> Workload::gpu_ops(const Step& step, const BatchSlot& slot) {
  const auto batch_count = static_cast<int64_t>(slot.batch.size());
  // per_item * E, exact in integer nanoseconds / bytes when E is the plain request count; saturating
  // (sim/saturating.h): a product past 64 bits is "more than any run reaches", never wrapped.
  const auto per_item_time = [&](sim::Time per_item) {
    return slot.items_integral ? per_item * batch_count : per_item.scaled(slot.items);
  };
  const auto per_item_bytes = [&](int64_t per_item) {
    return slot.items_integral ? sim::saturating_mul(per_item, batch_count)
                               : sim::saturating_round(static_cast<double>(per_item) * slot.items);
  };
  const auto& ops = options_.request.ops;
  std::vector<GpuOp> work;
  work.reserve(step.last - step.first);
  for (size_t i = step.first; i < step.last; ++i) {
    if (const auto* kernel = std::get_if<KernelOpSpec>(&ops[i])) {
      const sim::Time solo = kernel->duration.sample(work_rng_) + per_item_time(kernel->per_item) +
                             batch_curve_at(kernel->batch_curve, slot.items);
      work.emplace_back(KernelWork{
          .name = kernel->name,
          .solo_duration = solo,
          // 0 = the whole GPU; KernelWork reads "more SMs than the GPU has" as all of them.
          .sm_demand = kernel->sms > 0 ? kernel->sms : std::numeric_limits<int>::max(),
          .memory_bound = kernel->memory_bound,
          .blocks = kernel->blocks,
          .threads_per_block = kernel->threads_per_block,
          .registers_per_thread = kernel->registers_per_thread,
          .shared_memory_per_block = kernel->shared_memory_per_block,
          .sm_throughput = kernel->sm_throughput,
          .dram_throughput = kernel->dram_throughput,
      });
    } else {
      const auto& copy = std::get<CopyOpSpec>(ops[i]);
      work.emplace_back(CopyWork{
          .name = copy.name,
          .direction = copy.direction,
          .bytes = sim::saturating_add(copy.bytes, per_item_bytes(copy.per_item_bytes)),
          .pinned = copy.pinned,
      });
    }
  }
  return work;
}

void Workload::run_step(size_t r, size_t s) {
  Replica& rep = replicas_[r];
  BatchSlot& slot = rep.slots[s];
  if (slot.step == steps_.size()) {
    complete_batch(r, s);
    return;
  }
  if (rep.endpoint->failed()) {
    fail_replica(r);
    return;
  }
  const uint64_t payload =
      (static_cast<uint64_t>(slot.seq) << 32) | (static_cast<uint64_t>(s) << 16) | static_cast<uint64_t>(r);
  const Step& step = steps_[slot.step];
  if (step.host) {
    sim::Time duration = sim::Time::zero();
    if (step.first < step.last) {
      const auto& host = std::get<HostOpSpec>(options_.request.ops[step.first]);
      duration = host.duration +
                 (slot.items_integral ? host.per_item * static_cast<int64_t>(slot.batch.size())
                                      : host.per_item.scaled(slot.items)) +
                 batch_curve_at(host.batch_curve, slot.items);
    }
    slot.submitted = slot.step + 1;
    sim_.schedule_in(duration, step_done_handler_, payload);
    return;
  }
  // This step and the GPU steps after it on the same stream go now, so the stream never idles
  // between phases; each has its own completion (for the phase times).
  const int stream = stream_of(step, s);
  size_t k = slot.step;
  do {
    rep.endpoint->submit(stream, gpu_ops(steps_[k], slot), Completion{step_done_handler_, payload});
    ++k;
  } while (k < steps_.size() && !steps_[k].host && stream_of(steps_[k], s) == stream);
  slot.submitted = k;
}

void Workload::on_step_done(uint64_t payload) {
  const auto r = static_cast<size_t>(payload & 0xffffu);
  const auto s = static_cast<size_t>((payload >> 16) & 0xffffu);
  const auto seq = static_cast<uint32_t>(payload >> 32);
  assert(r < replicas_.size() && s < batch_slots_);
  Replica& rep = replicas_[r];
  BatchSlot& slot = rep.slots[s];
  // A completion of a batch abandoned by a failure is stale.
  if (rep.failed || !slot.busy || seq != slot.seq) return;
  if (rep.endpoint->failed()) {
    fail_replica(r);
    return;
  }
  assert(slot.step < slot.submitted);
  const Step& step = steps_[slot.step];
  if (step.ends_phase) slot.phase_end[static_cast<int>(step.phase)] = sim_.now();
  ++slot.step;
  if (slot.step < slot.submitted) return;  // a later step of this submit is still running
  run_step(r, s);
}

void Workload::complete_batch(size_t r, size_t s) {
  Replica& rep = replicas_[r];
  BatchSlot& slot = rep.slots[s];
  const int batch_size = static_cast<int>(slot.batch.size());
  slot.busy = false;
  const sim::Time now = sim_.now();
  const sim::Time input_end = has_phase_[0] ? slot.phase_end[0] : requests_[slot.batch.front()].start;
  const sim::Time infer_end = has_phase_[1] ? slot.phase_end[1] : input_end;
  const std::vector<uint32_t> batch = std::move(slot.batch);
  slot.batch.clear();
  // Post-processing and the way back only schedule (or finish, which only schedules closed-loop
  // clients), never re-enter this replica's batcher.
  for (const uint32_t id : batch) {
    Request& req = requests_[id];
    req.input_end = input_end;
    req.infer_end = infer_end;
    req.gpu_end = now;
    req.batch_size = batch_size;
    req.stage = Stage::kBatchDone;
    advance_request(id);
  }
  try_dispatch(r);
}

void Workload::on_replica_failed(size_t replica) {
  assert(replica < replicas_.size());
  fail_replica(replica);
}

void Workload::fail_replica(size_t r) {
  Replica& rep = replicas_[r];
  if (rep.failed) return;
  rep.failed = true;
  cancel_delay_timer(rep);
  const sim::Time now = sim_.now();
  for (BatchSlot& slot : rep.slots) {
    ++slot.seq;  // any completion still scheduled for the old batch is now stale
    if (!slot.busy) continue;
    slot.busy = false;
    const std::vector<uint32_t> batch = std::move(slot.batch);
    slot.batch.clear();
    for (const uint32_t id : batch) {
      requests_[id].batch_size = static_cast<int>(batch.size());
      requests_[id].gpu_end = now;
      finish_request(id, Outcome::kFailed);
    }
  }
  const std::deque<uint32_t> waiting = std::move(rep.waiting);
  rep.waiting.clear();
  for (const uint32_t id : waiting) {
    requests_[id].start = requests_[id].gpu_end = now;
    finish_request(id, Outcome::kFailed);
  }
}

void Workload::check_failed() {
  for (size_t r = 0; r < replicas_.size(); ++r) {
    if (!replicas_[r].failed && replicas_[r].endpoint->failed()) fail_replica(r);
  }
}

void Workload::finish_request(uint32_t slot, Outcome outcome) {
  const Request req = requests_[slot];
  const sim::Time now = sim_.now();
  if (outcome != Outcome::kCompleted && req.replica >= 0) {
    Replica& rep = replicas_[static_cast<size_t>(req.replica)];
    // Still counted as outstanding there unless it had already been answered (post-processing).
    if (req.stage != Stage::kAtClient && req.stage != Stage::kDone && rep.outstanding > 0) --rep.outstanding;
  }
  if (req.measured) {
    switch (outcome) {
      case Outcome::kCompleted: {
        ++completed_;
        latency_.record(now - req.arrival);
        queueing_delay_.record(req.start - req.enqueued);
        const sim::Time pre =
            replicas_[static_cast<size_t>(req.replica)].cpu ? options_.server.preprocess : sim::Time::zero();
        const sim::Time post =
            replicas_[static_cast<size_t>(req.replica)].cpu ? options_.server.postprocess : sim::Time::zero();
        LatencyBreakdown& b = breakdown_;
        b.client_send += req.sent - req.arrival;
        b.network += (req.at_server - req.sent) + (req.at_client - req.post_end);
        b.server_queue += (req.enqueued - req.at_server - pre) + (req.start - req.enqueued) +
                          (req.post_end - req.gpu_end - post);
        b.server_cpu += pre + post;
        b.compute_input += req.input_end - req.start;
        b.compute_infer += req.infer_end - req.input_end;
        b.compute_output += req.gpu_end - req.infer_end;
        b.client_recv += now - req.at_client;
        b.latency_total += now - req.arrival;
        break;
      }
      case Outcome::kFailed:
        ++failed_;
        break;
      case Outcome::kRejected:
        ++rejected_;
        break;
      case Outcome::kTimedOut:
        ++timed_out_;
        break;
    }
  }
  requests_[slot].next_free = free_head_;
  requests_[slot].measured = false;  // a free slot is never an outstanding measured request (collect)
  free_head_ = slot;
  --requests_in_flight_;
  const bool answered = outcome == Outcome::kCompleted;
  if (observer_) {
    observer_(RequestRecord{
        .id = req.id,
        .arrival = req.arrival,
        .start = req.start,
        .end = now,
        .replica = req.replica,
        .batch_size = req.batch_size,
        .client = req.client,
        .failed = !answered,
        .rejected = outcome == Outcome::kRejected || outcome == Outcome::kTimedOut,
        .measured = req.measured,
    });
  }
  if (req.client >= 0) after_client_request(req.client, !answered);
}

void Workload::after_client_request(int client, bool failed) {
  if (failed) {
    const bool any_alive =
        std::any_of(replicas_.begin(), replicas_.end(), [](const Replica& rep) { return !rep.failed; });
    if (!any_alive) return;  // the client stops: nothing could ever answer it
  }
  arrivals_.schedule_next_request(client);
}

// The q-quantile of latency over completed + failed requests, failures ranked above every
// completed one. Time::max() when the rank falls among the failures.
sim::Time quantile_with_failures(const sim::LatencyHistogram& latency, uint64_t failed, double q) {
  const uint64_t completed = latency.count();
  if (failed == 0) return latency.quantile(q);
  const uint64_t total = completed + failed;
  // Nearest rank, as LatencyHistogram defines it; the epsilon keeps 0.99 * 100 at rank 99.
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total) - 1e-9));
  rank = std::max<uint64_t>(rank, 1);
  if (rank > completed) return sim::Time::max();
  // The same rank among the completed requests alone: ceil(q' * completed) == rank.
  const double q_completed = (static_cast<double>(rank) - 0.5) / static_cast<double>(completed);
  return latency.quantile(q_completed);
}

std::vector<SloCheck> evaluate_slo(const SloSpec& slo, const sim::LatencyHistogram& latency, uint64_t failed,
                                   double throughput_per_s) {
  std::vector<SloCheck> checks;
  const bool nothing_measured = latency.count() + failed == 0;
  const auto check_latency = [&](SloMetric metric, const std::optional<sim::Time>& target, sim::Time value) {
    if (!target) return;
    SloCheck check;
    check.metric = metric;
    check.latency_target = *target;
    check.latency_measured = nothing_measured ? sim::Time::zero() : value;
    check.met = check.latency_measured <= *target;
    checks.push_back(check);
  };
  const auto quantile = [&](SloMetric metric) {
    return quantile_with_failures(latency, failed, *slo_quantile(metric));
  };
  check_latency(SloMetric::kP50, slo.p50, quantile(SloMetric::kP50));
  check_latency(SloMetric::kP90, slo.p90, quantile(SloMetric::kP90));
  check_latency(SloMetric::kP99, slo.p99, quantile(SloMetric::kP99));
  check_latency(SloMetric::kP999, slo.p999, quantile(SloMetric::kP999));
  check_latency(SloMetric::kMax, slo.max, failed > 0 ? sim::Time::max() : latency.max());
  check_latency(
      SloMetric::kMean, slo.mean,
      failed > 0 ? sim::Time::max() : sim::Time::ns(static_cast<int64_t>(std::llround(latency.mean_ns()))));
  if (slo.min_throughput_per_s) {
    SloCheck check;
    check.metric = SloMetric::kMinThroughput;
    check.throughput_target_per_s = *slo.min_throughput_per_s;
    check.throughput_measured_per_s = throughput_per_s;
    check.met = throughput_per_s >= *slo.min_throughput_per_s;
    checks.push_back(check);
  }
  return checks;
}

WorkloadStats Workload::collect() {
  check_failed();
  WorkloadStats stats;
  stats.name = options_.name;
  stats.measured_from = options_.warmup;
  stats.measured_until = sim_.now();
  stats.arrived = arrived_;
  stats.completed = completed_;
  stats.failed = failed_;
  stats.rejected = rejected_;
  stats.timed_out = timed_out_;
  stats.outstanding = arrived_ - completed_ - failed_ - rejected_ - timed_out_;
  const sim::Time measured = sim_.now() - options_.warmup;
  stats.throughput_per_s =
      measured > sim::Time::zero() ? static_cast<double>(completed_) / measured.seconds() : 0.0;
  stats.latency = latency_;
  stats.queueing_delay = queueing_delay_;
  stats.breakdown = breakdown_;
  stats.batches = batches_;
  stats.mean_batch_size =
      batches_ > 0 ? static_cast<double>(batched_requests_) / static_cast<double>(batches_) : 0.0;
  for (const Replica& rep : replicas_) stats.requests_per_replica.push_back(rep.routed_measured);

  // Requests that got no answer (failed, rejected, timed out) all miss every latency target.
  // Requests still outstanding count at their age, a lower bound of their latency: left out, a
  // run whose GPU answers nothing (starved, stuck behind another context) would meet every
  // latency target with the few requests it did answer, and a slower run could report a lower p99.
  // With them every quantile is a lower bound of the quantile over all measured requests, so a
  // reported miss is a miss whatever the unanswered requests' fate.
  sim::LatencyHistogram latency_with_outstanding = latency_;
  for (const Request& req : requests_) {
    if (req.measured) latency_with_outstanding.record(sim_.now() - req.arrival);
  }
  stats.slo = evaluate_slo(options_.slo, latency_with_outstanding, failed_ + rejected_ + timed_out_,
                           stats.throughput_per_s);
  stats.slo_met = std::all_of(stats.slo.begin(), stats.slo.end(), [](const SloCheck& c) { return c.met; });
  return stats;
}

}  // namespace sharesim::models
