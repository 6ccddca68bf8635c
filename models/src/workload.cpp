#include "sharesim/models/workload.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>
#include <variant>

namespace sharesim::models {

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
  }
  return "?";
}

Workload::Workload(sim::Simulator& sim, WorkloadOptions options, std::vector<GpuEndpoint*> replicas)
    : sim_(sim),
      options_(std::move(options)),
      arrival_rng_(options_.seed, options_.name + "/arrivals"),
      work_rng_(options_.seed, options_.name + "/work") {
  assert(!replicas.empty());
  assert(options_.batching.max_batch >= 1);
  replicas_.resize(replicas.size());
  for (size_t r = 0; r < replicas.size(); ++r) {
    assert(replicas[r] != nullptr);
    replicas_[r].endpoint = replicas[r];
  }

  const auto& ops = options_.request.ops;
  for (size_t i = 0; i < ops.size(); ++i) {
    const bool host = std::holds_alternative<HostOpSpec>(ops[i]);
    if (host || segments_.empty() || segments_.back().host) {
      segments_.push_back(Segment{i, i + 1, host});
    } else {
      segments_.back().last = i + 1;
    }
  }
  // A request without work still completes through an event (a zero-length host step), so that a
  // burst of empty requests never recurses dispatch -> complete -> dispatch on the C++ stack.
  if (segments_.empty()) segments_.push_back(Segment{0, 0, true});

  if (const auto* closed = std::get_if<ClosedLoopArrivals>(&options_.arrivals)) {
    assert(closed->clients >= 0);
    closed_loop_ = true;
    closed_ = *closed;
  }

  open_arrival_handler_ = sim_.add_handler([this](uint64_t) { on_open_arrival(); });
  client_handler_ = sim_.add_handler([this](uint64_t client) { on_client_request(client); });
  segment_done_handler_ = sim_.add_handler([this](uint64_t payload) { on_segment_done(payload); });
  delay_timer_handler_ = sim_.add_handler([this](uint64_t replica) { on_delay_timer(replica); });
}

void Workload::start() {
  assert(!started_);
  started_ = true;
  if (closed_loop_) {
    for (int c = 0; c < closed_.clients; ++c) {
      sim_.schedule_at(sim_.now(), client_handler_, static_cast<uint64_t>(c));
    }
    return;
  }
  open_arrivals_.emplace(options_.arrivals, sim_.now());
  pending_arrival_ = open_arrivals_->next(arrival_rng_);
  if (pending_arrival_) sim_.schedule_at(pending_arrival_->at, open_arrival_handler_);
}

void Workload::set_request_observer(std::function<void(const RequestRecord&)> observer) {
  observer_ = std::move(observer);
}

void Workload::on_open_arrival() {
  assert(pending_arrival_ && pending_arrival_->at == sim_.now());
  const Arrival arrival = *pending_arrival_;
  admit(arrival.at, arrival.work_scale, -1);
  // Lazily: the next arrival is drawn only now, so one event per source is pending.
  pending_arrival_ = open_arrivals_->next(arrival_rng_);
  if (pending_arrival_) sim_.schedule_at(pending_arrival_->at, open_arrival_handler_);
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
  req.id = next_request_id_++;
  req.arrival = arrival;
  req.start = arrival;
  req.work_scale = work_scale;
  req.client = client;
  req.next_free = kNoRequest;
  req.measured = arrival >= options_.warmup;
  if (req.measured) ++arrived_;

  const std::optional<size_t> r = choose_replica();
  if (!r) {
    finish_request(slot, -1, 0, /*failed=*/true);
    return;
  }
  Replica& rep = replicas_[*r];
  rep.waiting.push_back(slot);
  if (requests_[slot].measured) ++rep.routed_measured;
  try_dispatch(*r);
}

std::optional<size_t> Workload::choose_replica() {
  check_failed();
  std::optional<size_t> best;
  size_t best_outstanding = 0;
  for (size_t r = 0; r < replicas_.size(); ++r) {
    const Replica& rep = replicas_[r];
    if (rep.failed) continue;
    const size_t outstanding = rep.waiting.size() + rep.batch.size();
    // Strictly fewer: ties stay with the lowest index.
    if (!best || outstanding < best_outstanding) {
      best = r;
      best_outstanding = outstanding;
    }
  }
  return best;
}

void Workload::try_dispatch(size_t r) {
  Replica& rep = replicas_[r];
  if (rep.busy || rep.failed || rep.waiting.empty()) return;
  if (rep.endpoint->failed()) {
    fail_replica(r);
    return;
  }
  const size_t waiting = rep.waiting.size();
  const auto max_batch = static_cast<size_t>(options_.batching.max_batch);
  const sim::Time max_delay = options_.batching.max_delay;
  const sim::Time oldest = requests_[rep.waiting.front()].arrival;
  // A max_delay too long to add (a user's "wait forever") means no deadline, not an overflow.
  const bool no_deadline = max_delay >= sim::Time::max() - oldest;
  const sim::Time deadline = no_deadline ? sim::Time::max() : oldest + max_delay;
  if (waiting >= max_batch || max_delay <= sim::Time::zero() || sim_.now() >= deadline) {
    if (rep.delay_timer.is_set()) {
      sim_.cancel(rep.delay_timer);
      rep.delay_timer = sim::EventHandle{};
    }
    dispatch(r, std::min(waiting, max_batch));
    return;
  }
  // The oldest waiting request only changes on dispatch (which cancels the timer), so an armed
  // timer already names this deadline.
  if (!rep.delay_timer.is_set() && !no_deadline) {
    rep.delay_timer = sim_.schedule_at(deadline, delay_timer_handler_, r);
  }
}

void Workload::on_delay_timer(uint64_t replica) {
  Replica& rep = replicas_[replica];
  rep.delay_timer = sim::EventHandle{};
  try_dispatch(replica);
}

void Workload::dispatch(size_t r, size_t count) {
  Replica& rep = replicas_[r];
  assert(!rep.busy && count >= 1 && count <= rep.waiting.size());
  rep.busy = true;
  ++rep.batch_seq;
  rep.batch.clear();
  double items = 0;
  bool integral = true;
  const sim::Time now = sim_.now();
  for (size_t k = 0; k < count; ++k) {
    const uint32_t slot = rep.waiting.front();
    rep.waiting.pop_front();
    rep.batch.push_back(slot);
    Request& req = requests_[slot];
    req.start = now;
    items += req.work_scale;
    if (req.work_scale != 1.0) integral = false;
  }
  rep.items_integral = integral;
  rep.items = integral ? static_cast<double>(count) : items;
  if (now >= options_.warmup) {
    ++batches_;
    batched_requests_ += count;
  }
  rep.segment = 0;
  run_segment(r);
}

void Workload::run_segment(size_t r) {
  Replica& rep = replicas_[r];
  if (rep.segment == segments_.size()) {
    complete_batch(r);
    return;
  }
  if (rep.endpoint->failed()) {
    fail_replica(r);
    return;
  }
  const Segment& seg = segments_[rep.segment];
  const uint64_t payload = (static_cast<uint64_t>(rep.batch_seq) << 32) | static_cast<uint64_t>(r);
  const auto batch_count = static_cast<int64_t>(rep.batch.size());
  // per_item * E, exact in integer nanoseconds / bytes when E is the plain request count; saturating
  // (sim/saturating.h): a product past 64 bits is "more than any run reaches", never wrapped.
  const auto per_item_time = [&](sim::Time per_item) {
    return rep.items_integral ? per_item * batch_count : per_item.scaled(rep.items);
  };
  const auto per_item_bytes = [&](int64_t per_item) {
    return rep.items_integral ? sim::saturating_mul(per_item, batch_count)
                              : sim::saturating_round(static_cast<double>(per_item) * rep.items);
  };

  const auto& ops = options_.request.ops;
  if (seg.host) {
    sim::Time duration = sim::Time::zero();
    if (seg.first < seg.last) {
      const auto& host = std::get<HostOpSpec>(ops[seg.first]);
      duration = host.duration + per_item_time(host.per_item);
    }
    sim_.schedule_in(duration, segment_done_handler_, payload);
    return;
  }

  std::vector<GpuOp> work;
  work.reserve(seg.last - seg.first);
  for (size_t i = seg.first; i < seg.last; ++i) {
    if (const auto* kernel = std::get_if<KernelOpSpec>(&ops[i])) {
      const sim::Time solo = kernel->duration.sample(work_rng_) + per_item_time(kernel->per_item);
      work.emplace_back(KernelWork{
          .name = kernel->name,
          .solo_duration = solo,
          // 0 = the whole GPU; KernelWork reads "more SMs than the GPU has" as all of them.
          .sm_demand = kernel->sms > 0 ? kernel->sms : std::numeric_limits<int>::max(),
          .memory_bound = kernel->memory_bound,
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
  rep.endpoint->submit(std::move(work), Completion{segment_done_handler_, payload});
}

void Workload::on_segment_done(uint64_t payload) {
  const size_t r = static_cast<size_t>(payload & 0xffff'ffffu);
  const auto seq = static_cast<uint32_t>(payload >> 32);
  assert(r < replicas_.size());
  Replica& rep = replicas_[r];
  // A completion of a batch abandoned by a failure is stale.
  if (rep.failed || !rep.busy || seq != rep.batch_seq) return;
  if (rep.endpoint->failed()) {
    fail_replica(r);
    return;
  }
  ++rep.segment;
  run_segment(r);
}

void Workload::complete_batch(size_t r) {
  Replica& rep = replicas_[r];
  const int batch_size = static_cast<int>(rep.batch.size());
  rep.busy = false;
  // finish_request only schedules (closed-loop clients), never re-enters this replica.
  for (const uint32_t slot : rep.batch) finish_request(slot, static_cast<int>(r), batch_size, false);
  rep.batch.clear();
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
  rep.busy = false;
  ++rep.batch_seq;  // any completion still scheduled for the old batch is now stale
  if (rep.delay_timer.is_set()) {
    sim_.cancel(rep.delay_timer);
    rep.delay_timer = sim::EventHandle{};
  }
  const std::vector<uint32_t> batch = std::move(rep.batch);
  const std::deque<uint32_t> waiting = std::move(rep.waiting);
  rep.batch.clear();
  rep.waiting.clear();
  const int batch_size = static_cast<int>(batch.size());
  for (const uint32_t slot : batch) finish_request(slot, static_cast<int>(r), batch_size, true);
  for (const uint32_t slot : waiting) {
    requests_[slot].start = sim_.now();
    finish_request(slot, static_cast<int>(r), 0, true);
  }
}

void Workload::check_failed() {
  for (size_t r = 0; r < replicas_.size(); ++r) {
    if (!replicas_[r].failed && replicas_[r].endpoint->failed()) fail_replica(r);
  }
}

void Workload::finish_request(uint32_t slot, int replica, int batch_size, bool failed) {
  const Request req = requests_[slot];
  const sim::Time now = sim_.now();
  if (req.measured) {
    if (failed) {
      ++failed_;
    } else {
      ++completed_;
      latency_.record(now - req.arrival);
      queueing_delay_.record(req.start - req.arrival);
    }
  }
  requests_[slot].next_free = free_head_;
  free_head_ = slot;
  --requests_in_flight_;
  if (observer_) {
    observer_(RequestRecord{
        .id = req.id,
        .arrival = req.arrival,
        .start = req.start,
        .end = now,
        .replica = replica,
        .batch_size = batch_size,
        .client = req.client,
        .failed = failed,
        .measured = req.measured,
    });
  }
  if (req.client >= 0) after_client_request(req.client, failed);
}

void Workload::after_client_request(int client, bool failed) {
  if (failed) {
    const bool any_alive =
        std::any_of(replicas_.begin(), replicas_.end(), [](const Replica& rep) { return !rep.failed; });
    if (!any_alive) return;  // the client stops: nothing could ever answer it
  }
  sim::Time think = closed_.think;
  if (closed_.think_exponential && closed_.think > sim::Time::zero()) {
    think = sim::Time::from_seconds(arrival_rng_.exponential(closed_.think.seconds()));
  }
  sim_.schedule_in(think, client_handler_, static_cast<uint64_t>(client));
}

namespace {

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

}  // namespace

WorkloadStats Workload::collect() {
  check_failed();
  WorkloadStats stats;
  stats.name = options_.name;
  stats.measured_from = options_.warmup;
  stats.measured_until = sim_.now();
  stats.arrived = arrived_;
  stats.completed = completed_;
  stats.failed = failed_;
  stats.outstanding = arrived_ - completed_ - failed_;
  const sim::Time measured = sim_.now() - options_.warmup;
  stats.throughput_per_s =
      measured > sim::Time::zero() ? static_cast<double>(completed_) / measured.seconds() : 0.0;
  stats.latency = latency_;
  stats.queueing_delay = queueing_delay_;
  stats.batches = batches_;
  stats.mean_batch_size =
      batches_ > 0 ? static_cast<double>(batched_requests_) / static_cast<double>(batches_) : 0.0;
  for (const Replica& rep : replicas_) stats.requests_per_replica.push_back(rep.routed_measured);

  const SloSpec& slo = options_.slo;
  const bool nothing_measured = completed_ + failed_ == 0;
  const auto check_latency = [&](SloMetric metric, const std::optional<sim::Time>& target, sim::Time value) {
    if (!target) return;
    SloCheck check;
    check.metric = metric;
    check.latency_target = *target;
    check.latency_measured = nothing_measured ? sim::Time::zero() : value;
    check.met = check.latency_measured <= *target;
    stats.slo.push_back(check);
  };
  check_latency(SloMetric::kP50, slo.p50, quantile_with_failures(latency_, failed_, 0.50));
  check_latency(SloMetric::kP90, slo.p90, quantile_with_failures(latency_, failed_, 0.90));
  check_latency(SloMetric::kP99, slo.p99, quantile_with_failures(latency_, failed_, 0.99));
  check_latency(SloMetric::kP999, slo.p999, quantile_with_failures(latency_, failed_, 0.999));
  check_latency(SloMetric::kMax, slo.max, failed_ > 0 ? sim::Time::max() : latency_.max());
  check_latency(
      SloMetric::kMean, slo.mean,
      failed_ > 0 ? sim::Time::max() : sim::Time::ns(static_cast<int64_t>(std::llround(latency_.mean_ns()))));
  if (slo.min_throughput_per_s) {
    SloCheck check;
    check.metric = SloMetric::kMinThroughput;
    check.throughput_target_per_s = *slo.min_throughput_per_s;
    check.throughput_measured_per_s = stats.throughput_per_s;
    check.met = stats.throughput_per_s >= *slo.min_throughput_per_s;
    stats.slo.push_back(check);
  }
  stats.slo_met = std::all_of(stats.slo.begin(), stats.slo.end(), [](const SloCheck& c) { return c.met; });
  return stats;
}

}  // namespace sharesim::models
