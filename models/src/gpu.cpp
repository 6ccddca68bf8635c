// The GPU execution model: fluid sharing of SMs, DRAM bandwidth, copy engines and PCIe.
// The formulas are in gpu.h and docs/model.md.
#include "sharesim/models/gpu.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <utility>

namespace sharesim::models {
namespace {

constexpr double kEps = 1e-9;

// Nanoseconds until `remaining` work is done at `rate` (rounded up, so work never finishes early
// by rounding), or Time::max() when the rate is zero.
sim::Time time_to_finish(sim::Time now, double remaining, double rate) {
  if (rate <= 0) return sim::Time::max();
  const double ns = remaining / rate;
  if (ns <= kEps) return now;
  const double limit = static_cast<double>(sim::Time::max().count_ns() - now.count_ns());
  if (ns >= limit) return sim::Time::max();
  return now + sim::Time::ns(static_cast<int64_t>(std::ceil(ns - kEps)));
}

}  // namespace

// ---- SubmissionRing -----------------------------------------------------------------------------
void GpuModel::SubmissionRing::push(Submission s) {
  if (size == slots.size()) {
    // Grow, keeping FIFO order; happens only while the backlog reaches a new maximum.
    std::vector<Submission> grown(std::max<size_t>(4, slots.size() * 2));
    for (size_t i = 0; i < size; ++i) grown[i] = std::move(slots[(head + i) % slots.size()]);
    slots = std::move(grown);
    head = 0;
  }
  slots[(head + size) % slots.size()] = std::move(s);
  ++size;
}

void GpuModel::SubmissionRing::pop() {
  assert(size > 0);
  slots[head].ops.clear();  // keep nothing alive for the finished request
  head = (head + 1) % slots.size();
  --size;
}

void GpuModel::SubmissionRing::clear() {
  while (size > 0) pop();
}

// ---- Construction -------------------------------------------------------------------------------
GpuModel::GpuModel(sim::Simulator& sim, const GpuProfile& profile, SharingPolicy policy, std::string name)
    : sim_(sim),
      profile_(profile),
      policy_(make_sharing_policy(policy, profile)),
      name_(std::move(name)),
      last_update_(sim.now()),
      stats_start_(sim.now()) {
  assert(profile_.sm_count >= 1 && profile_.copy_engines >= 1);
  handler_ = sim_.add_handler([this](uint64_t /*payload*/) { on_event(); });
  items_.reserve(16);
  active_.reserve(16);
  scratch_.reserve(16);
  due_.reserve(16);
}

GpuModel::~GpuModel() {
  sim_.cancel(next_event_);
}

// ---- Processes ----------------------------------------------------------------------------------
Result<ProcessId> GpuModel::start_process(const ProcessSpec& spec) {
  const std::string who = "GPU '" + name_ + "': process '" + spec.name + "' cannot start: ";
  if (spec.streams < 1) {
    return make_error(who + "expected streams >= 1, found " + std::to_string(spec.streams));
  }
  if (spec.memory_bytes < 0) {
    return make_error(who + "expected memory >= 0 bytes, found " + std::to_string(spec.memory_bytes));
  }
  if (spec.mps_active_thread_percentage &&
      (*spec.mps_active_thread_percentage < 1 || *spec.mps_active_thread_percentage > 100)) {
    return make_error(who + "expected CUDA_MPS_ACTIVE_THREAD_PERCENTAGE in 1..100, found " +
                      std::to_string(*spec.mps_active_thread_percentage));
  }
  if (spec.mps_pinned_mem_limit && *spec.mps_pinned_mem_limit < 0) {
    return make_error(who + "expected CUDA_MPS_PINNED_DEVICE_MEM_LIMIT >= 0 bytes");
  }
  if (auto admitted = policy_->admit(spec, live_processes_); !admitted) {
    return make_error(who + admitted.error().message);
  }
  const sim::Time now = sim_.now();
  advance_to(now);
  const auto id = static_cast<ProcessId>(processes_.size());
  Process process;
  process.spec = spec;
  process.sm_cap = policy_->sm_cap(spec);
  process.first_stream = static_cast<uint32_t>(streams_.size());
  processes_.push_back(std::move(process));
  streams_.resize(streams_.size() + static_cast<size_t>(spec.streams));
  for (size_t s = processes_.back().first_stream; s < streams_.size(); ++s) streams_[s].process = id;
  runnable_.push_back(0);
  group_used_.resize(processes_.size(), 0.0);
  group_unfrozen_.resize(processes_.size(), 0);
  ++live_processes_;
  if (spec.memory_bytes > 0) handle_memory_request(id, spec.memory_bytes, now);
  recompute(now);
  return id;
}

void GpuModel::drop_work(ProcessId process) {
  Process& p = processes_[process];
  for (int s = 0; s < p.spec.streams; ++s) {
    Stream& stream = streams_[p.first_stream + static_cast<uint32_t>(s)];
    if (stream.active_item >= 0) {
      const auto item = static_cast<uint32_t>(stream.active_item);
      const auto at = std::find(active_.begin(), active_.end(), item);
      assert(at != active_.end());
      active_.erase(at);
      release_item(item);
      stream.active_item = -1;
    }
    stream.queue.clear();
  }
  p.active_items = 0;
  runnable_[process] = 0;
}

void GpuModel::end_process(ProcessId process) {
  assert(process < processes_.size());
  Process& p = processes_[process];
  if (p.ended) return;
  const sim::Time now = sim_.now();
  advance_to(now);
  drop_work(process);
  p.ended = true;
  memory_used_ -= p.memory;
  p.memory = 0;
  --live_processes_;
  recompute(now);
}

void GpuModel::set_fault_listener(ProcessId process, Completion listener) {
  assert(process < processes_.size());
  Process& p = processes_[process];
  p.fault_listener = listener;
  // A fault during start_process happened before anyone could listen: report it now (same time).
  if (p.failed) sim_.schedule_at(sim_.now(), listener.handler, listener.payload);
}

bool GpuModel::failed(ProcessId process) const {
  assert(process < processes_.size());
  return processes_[process].failed;
}

int GpuModel::sm_cap(ProcessId process) const {
  assert(process < processes_.size());
  return processes_[process].sm_cap;
}

void GpuModel::allocate(ProcessId process, int64_t bytes) {
  assert(process < processes_.size() && bytes >= 0);
  const Process& p = processes_[process];
  if (p.failed || p.ended || bytes == 0) return;
  const sim::Time now = sim_.now();
  advance_to(now);
  handle_memory_request(process, bytes, now);
  recompute(now);
}

void GpuModel::handle_memory_request(ProcessId process, int64_t bytes, sim::Time now) {
  Process& p = processes_[process];
  const MemoryCheck check = policy_->check_memory(p.spec, p.memory, bytes, memory_used_);
  switch (check.scope) {
    case FaultScope::kNone:
      p.memory += bytes;
      memory_used_ += bytes;
      memory_peak_ = std::max(memory_peak_, memory_used_);
      return;
    case FaultScope::kProcess:
      fail_processes({process}, check.reason, now);
      return;
    case FaultScope::kGpu: {
      std::vector<ProcessId> victims;
      for (ProcessId q = 0; q < processes_.size(); ++q) {
        if (!processes_[q].failed && !processes_[q].ended) victims.push_back(q);
      }
      fail_processes(victims, check.reason, now);
      return;
    }
  }
}

void GpuModel::fail_processes(const std::vector<ProcessId>& victims, const std::string& reason,
                              sim::Time now) {
  ++faults_;
  for (ProcessId q : victims) {
    Process& p = processes_[q];
    if (p.failed || p.ended) continue;
    drop_work(q);
    p.failed = true;
    fault_log_.push_back({now, q, reason});
    if (observer_ != nullptr) observer_->process_failed(now, q, reason);
    if (p.fault_listener) sim_.schedule_at(now, p.fault_listener->handler, p.fault_listener->payload);
  }
}

// ---- Work ---------------------------------------------------------------------------------------
void GpuModel::submit(ProcessId process, int stream, std::vector<GpuOp> ops, Completion done) {
  assert(process < processes_.size());
  Process& p = processes_[process];
  assert(stream >= 0 && stream < p.spec.streams);
  if (p.failed || p.ended) return;  // its work never completes
  const sim::Time now = sim_.now();
  advance_to(now);
  const uint32_t stream_index = p.first_stream + static_cast<uint32_t>(stream);
  streams_[stream_index].queue.push(Submission{std::move(ops), 0, done});
  if (streams_[stream_index].active_item < 0) start_next_op(stream_index, now);
  recompute(now);
}

uint32_t GpuModel::allocate_item() {
  if (!free_items_.empty()) {
    const uint32_t i = free_items_.back();
    free_items_.pop_back();
    return i;
  }
  items_.emplace_back();
  return static_cast<uint32_t>(items_.size() - 1);
}

void GpuModel::release_item(uint32_t item) {
  items_[item].in_use = false;
  free_items_.push_back(item);
}

void GpuModel::start_next_op(uint32_t stream_index, sim::Time now) {
  Stream& stream = streams_[stream_index];
  assert(stream.active_item < 0);
  while (stream.queue.size > 0) {
    Submission& sub = stream.queue.front();
    if (sub.next_op >= sub.ops.size()) {  // an empty submission: done at once
      sim_.schedule_at(now, sub.done.handler, sub.done.payload);
      stream.queue.pop();
      continue;
    }
    const GpuOp& op = sub.ops[sub.next_op++];
    const uint32_t index = allocate_item();
    Item& it = items_[index];
    it = Item{};
    it.in_use = true;
    it.seq = next_seq_++;
    it.stream = stream_index;
    const ProcessId owner = stream.process;
    it.process = owner;
    if (const auto* kernel = std::get_if<KernelWork>(&op)) {
      it.is_kernel = true;
      it.name = kernel->name;
      it.gap_left_ns = profile_.kernel_launch_overhead.count_ns();
      it.remaining = static_cast<double>(std::max<int64_t>(0, kernel->solo_duration.count_ns()));
      const int d = (kernel->sm_demand <= 0 || kernel->sm_demand > profile_.sm_count) ? profile_.sm_count
                                                                                      : kernel->sm_demand;
      it.sm_demand = d;
      it.memory_bound = std::clamp(kernel->memory_bound, 0.0, 1.0);
      it.bw_demand = it.memory_bound * profile_.dram_bandwidth_effective * 1e-9;
    } else {
      const auto& copy = std::get<CopyWork>(op);
      it.is_kernel = false;
      it.name = copy.name;
      it.gap_left_ns = profile_.copy_latency.count_ns();
      it.remaining = static_cast<double>(std::max<int64_t>(0, copy.bytes));
      it.host_to_device = copy.direction == CopyDirection::kHostToDevice;
      it.solo_bw = profile_.pcie_bandwidth(it.host_to_device, copy.pinned) * 1e-9;
    }
    stream.active_item = static_cast<int32_t>(index);
    active_.push_back(index);
    Process& p = processes_[owner];
    ++p.active_items;
    runnable_[owner] = 1;
    if (observer_ != nullptr) {
      observer_->op_started(now, owner, static_cast<int>(stream_index - p.first_stream), it.is_kernel,
                            it.name);
    }
    return;
  }
}

void GpuModel::finish_item(uint32_t index, sim::Time now) {
  Item& it = items_[index];
  (it.is_kernel ? kernels_completed_ : copies_completed_) += 1;
  if (observer_ != nullptr) {
    observer_->op_finished(now, it.process, static_cast<int>(it.stream - processes_[it.process].first_stream),
                           it.is_kernel, it.name);
  }
  const uint32_t stream_index = it.stream;
  const ProcessId owner = it.process;
  release_item(index);
  Stream& stream = streams_[stream_index];
  stream.active_item = -1;
  Process& p = processes_[owner];
  --p.active_items;
  runnable_[owner] = p.active_items > 0 ? 1 : 0;
  Submission& sub = stream.queue.front();
  if (sub.next_op >= sub.ops.size()) {
    sim_.schedule_at(now, sub.done.handler, sub.done.payload);
    stream.queue.pop();
  }
  start_next_op(stream_index, now);
}

// ---- The event loop of the GPU ------------------------------------------------------------------
void GpuModel::on_event() {
  const sim::Time now = sim_.now();
  next_event_ = sim::EventHandle{};
  next_event_at_ = sim::Time::max();
  advance_to(now);
  complete_due(now);
  recompute(now);
}

void GpuModel::advance_to(sim::Time now) {
  assert(now >= last_update_);
  if (now == last_update_) return;
  const auto dt = static_cast<double>((now - last_update_).count_ns());
  if (kernel_busy_) {
    busy_ns_ += dt;
    accumulate_window(busy_series_ns_, last_update_, now, 1.0);
  }
  sm_ns_ += sms_used_ * dt;
  if (sms_used_ > 0) {
    accumulate_window(sm_series_ns_, last_update_, now, sms_used_ / static_cast<double>(profile_.sm_count));
  }
  if (dram_fraction_ > 0) {
    dram_ns_ += dram_fraction_ * dt;
    accumulate_window(dram_series_ns_, last_update_, now, dram_fraction_);
  }
  if (copies_in_flight_ > 0) {
    copy_engine_ns_ += copies_in_flight_ * dt;
    copy_any_ns_ += dt;
    accumulate_window(copy_series_ns_, last_update_, now, 1.0);
  }
  const int64_t dt_ns = (now - last_update_).count_ns();
  for (uint32_t index : active_) {
    Item& it = items_[index];
    if (it.gap_left_ns > 0) {
      if (it.is_kernel || it.holds_engine) it.gap_left_ns = std::max<int64_t>(0, it.gap_left_ns - dt_ns);
    } else if (it.rate > 0) {
      it.remaining = std::max(0.0, it.remaining - it.rate * dt);
    }
  }
  last_update_ = now;
}

void GpuModel::complete_due(sim::Time now) {
  due_.clear();
  size_t kept = 0;
  for (uint32_t index : active_) {
    const Item& it = items_[index];
    if (it.gap_left_ns == 0 && it.rate > 0 && it.next_at <= now) {
      due_.push_back(index);
    } else {
      active_[kept++] = index;
    }
  }
  active_.resize(kept);
  for (uint32_t index : due_) finish_item(index, now);
}

void GpuModel::policy_update(sim::Time now) {
  policy_->update(now, runnable_);
}

// Max-min fair SMs among the kernels that may run, each up to its demand and each process's
// kernels together up to the process's cap (progressive filling: raise every unfrozen kernel's
// share equally until a kernel reaches its demand, a process its cap, or the GPU its SM count).
void GpuModel::share_sms(sim::Time /*now*/) {
  scratch_.clear();
  for (uint32_t index : active_) {
    Item& it = items_[index];
    it.sms = 0;
    if (it.is_kernel && it.gap_left_ns == 0 && it.may_run) scratch_.push_back(index);
  }
  if (scratch_.empty()) return;
  for (uint32_t index : scratch_) group_used_[items_[index].process] = 0;
  double used = 0;
  const auto capacity = static_cast<double>(profile_.sm_count);
  size_t unfrozen = scratch_.size();  // scratch_[0, unfrozen) are still growing
  while (unfrozen > 0) {
    for (size_t k = 0; k < unfrozen; ++k) group_unfrozen_[items_[scratch_[k]].process] = 0;
    for (size_t k = 0; k < unfrozen; ++k) ++group_unfrozen_[items_[scratch_[k]].process];
    double delta = (capacity - used) / static_cast<double>(unfrozen);
    for (size_t k = 0; k < unfrozen; ++k) {
      const Item& it = items_[scratch_[k]];
      delta = std::min(delta, it.sm_demand - it.sms);
      const Process& p = processes_[it.process];
      delta = std::min(delta, (p.sm_cap - group_used_[it.process]) / group_unfrozen_[it.process]);
    }
    delta = std::max(delta, 0.0);
    for (size_t k = 0; k < unfrozen; ++k) {
      Item& it = items_[scratch_[k]];
      it.sms += delta;
      group_used_[it.process] += delta;
    }
    used += delta * static_cast<double>(unfrozen);
    if (used >= capacity - kEps) break;  // the GPU is full: everyone stops growing
    size_t keep = 0;
    for (size_t k = 0; k < unfrozen; ++k) {
      const Item& it = items_[scratch_[k]];
      const bool at_demand = it.sms >= it.sm_demand - kEps;
      const bool at_cap = group_used_[it.process] >= processes_[it.process].sm_cap - kEps;
      if (!at_demand && !at_cap) std::swap(scratch_[keep++], scratch_[k]);
    }
    unfrozen = keep;
  }
}

// Max-min fair water-filling of `capacity` among scratch_ items, each up to demand(item);
// writes the grant with set(item, grant).
template <class Demand, class Set>
static void water_fill(std::vector<uint32_t>& ids, double capacity, Demand demand, Set set) {
  // Ascending demand: the smallest demands are met in full first.
  std::sort(ids.begin(), ids.end(), [&](uint32_t a, uint32_t b) {
    return demand(a) < demand(b) || (demand(a) == demand(b) && a < b);
  });
  double left = capacity;
  size_t n = ids.size();
  for (uint32_t id : ids) {
    const double share = left / static_cast<double>(n);
    const double grant = std::min(demand(id), share);
    set(id, grant);
    left -= grant;
    --n;
  }
}

void GpuModel::share_dram() {
  scratch_.clear();
  for (uint32_t index : active_) {
    Item& it = items_[index];
    if (!it.is_kernel) continue;
    it.bw = 0;
    if (it.sms > 0 && it.bw_demand > 0) scratch_.push_back(index);
  }
  if (scratch_.empty()) return;
  water_fill(
      scratch_, profile_.dram_bandwidth_effective * 1e-9, [this](uint32_t i) { return items_[i].bw_demand; },
      [this](uint32_t i, double g) { items_[i].bw = g; });
}

void GpuModel::share_copies() {
  int engines_left = profile_.copy_engines;
  for (uint32_t index : active_) {  // start order: first come, first served
    Item& it = items_[index];
    if (it.is_kernel) continue;
    it.bw = 0;
    it.holds_engine = it.may_run && engines_left > 0;
    if (it.holds_engine) --engines_left;
  }
  for (const bool h2d : {true, false}) {
    scratch_.clear();
    for (uint32_t index : active_) {
      const Item& it = items_[index];
      if (!it.is_kernel && it.holds_engine && it.gap_left_ns == 0 && it.host_to_device == h2d)
        scratch_.push_back(index);
    }
    if (scratch_.empty()) continue;
    water_fill(
        scratch_, profile_.pcie_bandwidth(h2d, /*pinned=*/true) * 1e-9,
        [this](uint32_t i) { return items_[i].solo_bw; }, [this](uint32_t i, double g) { items_[i].bw = g; });
  }
}

void GpuModel::recompute(sim::Time now) {
  policy_update(now);
  for (uint32_t index : active_) {
    Item& it = items_[index];
    it.may_run = it.is_kernel ? policy_->kernel_may_run(it.process) : policy_->copy_may_run(it.process);
  }
  share_sms(now);
  share_dram();
  share_copies();

  // Interference: while kernels of two or more processes hold SMs, the policy's slowdown applies.
  bool several_processes = false;
  ProcessId first = TimeSlicingPolicy::kNobody;
  for (uint32_t index : active_) {
    const Item& it = items_[index];
    if (!it.is_kernel || it.sms <= 0) continue;
    if (first == TimeSlicingPolicy::kNobody) {
      first = it.process;
    } else if (it.process != first) {
      several_processes = true;
      break;
    }
  }
  const double slowdown = several_processes ? policy_->co_run_slowdown() : 1.0;

  sim::Time next = policy_->next_event();
  kernel_busy_ = false;
  sms_used_ = 0;
  double dram_bytes_per_ns = 0;
  copies_in_flight_ = 0;
  for (uint32_t index : active_) {
    Item& it = items_[index];
    it.rate = 0;
    it.next_at = sim::Time::max();
    if (it.is_kernel) {
      if (it.gap_left_ns > 0) {
        it.next_at = now + sim::Time::ns(it.gap_left_ns);
      } else if (it.sms > 0) {
        const double m = it.memory_bound;
        double time_per_work = 0;  // 1 / rate
        if (m < 1) time_per_work += (1 - m) * it.sm_demand / it.sms;
        if (m > 0)
          time_per_work += it.bw > 0 ? m * it.bw_demand / it.bw : std::numeric_limits<double>::infinity();
        it.rate = std::isfinite(time_per_work) && time_per_work > 0 ? 1.0 / (time_per_work * slowdown) : 0.0;
        if (it.rate > 0) {
          kernel_busy_ = true;
          sms_used_ += it.sms;
          dram_bytes_per_ns += it.rate * it.bw_demand;
        }
        it.next_at = time_to_finish(now, it.remaining, it.rate);
      }
    } else if (it.holds_engine) {
      ++copies_in_flight_;
      if (it.gap_left_ns > 0) {
        it.next_at = now + sim::Time::ns(it.gap_left_ns);
      } else {
        it.rate = it.bw;
        it.next_at = time_to_finish(now, it.remaining, it.rate);
        if (it.remaining <= 0) {
          it.rate = std::max(it.rate, kEps);  // a zero-byte copy is done once its latency is over
          it.next_at = now;
        }
      }
    }
    next = std::min(next, it.next_at);
  }
  dram_fraction_ = dram_bytes_per_ns / (profile_.dram_bandwidth_effective * 1e-9);

  if (next != next_event_at_) {
    sim_.cancel(next_event_);
    next_event_ = sim::EventHandle{};
    next_event_at_ = next;
    if (next != sim::Time::max()) next_event_ = sim_.schedule_at(next, handler_, 0);
  }
  if (observer_ != nullptr) notify_observer(now);
}

void GpuModel::notify_observer(sim::Time now) {
  for (uint32_t index : active_) {
    Item& it = items_[index];
    const bool running = it.is_kernel ? (it.gap_left_ns == 0 && it.rate > 0) : it.holds_engine;
    if (running == it.observed_running) continue;
    it.observed_running = running;
    observer_->op_running(now, it.process, static_cast<int>(it.stream - processes_[it.process].first_stream),
                          it.is_kernel, it.name, running);
  }
  if (policy_->kind() != SharingPolicy::kTimeSlicing) return;
  const auto& slicing = static_cast<const TimeSlicingPolicy&>(*policy_);
  const ProcessId owner = slicing.owner();
  const bool switching = slicing.switching();
  const sim::Time phase_end = slicing.next_event();
  // The same owner with a new phase end after the old one passed: it started a new slice.
  const bool new_slice = owner != GpuObserver::kNoOwner && owner == observed_owner_ &&
                         observed_phase_end_ <= now && phase_end != observed_phase_end_;
  if (owner != observed_owner_ || switching != observed_switching_ || new_slice) {
    observer_->time_slice(now, owner, switching);
  }
  observed_owner_ = owner;
  observed_switching_ = switching;
  observed_phase_end_ = phase_end;
}

// ---- Statistics ---------------------------------------------------------------------------------
void GpuModel::accumulate_window(std::vector<double>& series, sim::Time from, sim::Time to,
                                 double weight) const {
  const int64_t w = sample_window_.count_ns();
  int64_t t = (from - stats_start_).count_ns();
  const int64_t end = (to - stats_start_).count_ns();
  while (t < end) {
    const auto idx = static_cast<size_t>(t / w);
    const int64_t window_end = (static_cast<int64_t>(idx) + 1) * w;
    const int64_t seg_end = std::min(end, window_end);
    if (series.size() <= idx) series.resize(idx + 1, 0.0);
    series[idx] += weight * static_cast<double>(seg_end - t);
    t = seg_end;
  }
}

void GpuModel::set_sample_window(sim::Time window) {
  assert(window > sim::Time::zero());
  next_sample_window_ = window;
  if (sim_.now() == stats_start_ && busy_series_ns_.empty() && dram_series_ns_.empty())
    sample_window_ = window;
}

void GpuModel::reset_statistics() {
  const sim::Time now = sim_.now();
  advance_to(now);
  reset_stats_at(now);
}

void GpuModel::reset_stats_at(sim::Time now) {
  stats_start_ = now;
  sample_window_ = next_sample_window_;
  busy_ns_ = sm_ns_ = dram_ns_ = copy_engine_ns_ = copy_any_ns_ = 0;
  busy_series_ns_.clear();
  dram_series_ns_.clear();
  sm_series_ns_.clear();
  copy_series_ns_.clear();
  memory_peak_ = memory_used_;
  faults_ = 0;
  kernels_completed_ = copies_completed_ = 0;
  policy_->reset_counters();
}

GpuMetrics GpuModel::metrics() const {
  const sim::Time now = sim_.now();
  GpuMetrics m;
  m.start = stats_start_;
  m.end = now;
  m.sample_window = sample_window_;
  // The interval since the last change has not been integrated yet: add it here.
  std::vector<double> busy = busy_series_ns_;
  std::vector<double> dram = dram_series_ns_;
  std::vector<double> sm = sm_series_ns_;
  std::vector<double> copy = copy_series_ns_;
  double busy_ns = busy_ns_, sm_ns = sm_ns_, dram_ns = dram_ns_, engine_ns = copy_engine_ns_,
         any_ns = copy_any_ns_;
  if (now > last_update_) {
    const auto dt = static_cast<double>((now - last_update_).count_ns());
    if (kernel_busy_) {
      busy_ns += dt;
      accumulate_window(busy, last_update_, now, 1.0);
    }
    sm_ns += sms_used_ * dt;
    if (sms_used_ > 0)
      accumulate_window(sm, last_update_, now, sms_used_ / static_cast<double>(profile_.sm_count));
    if (dram_fraction_ > 0) {
      dram_ns += dram_fraction_ * dt;
      accumulate_window(dram, last_update_, now, dram_fraction_);
    }
    if (copies_in_flight_ > 0) {
      engine_ns += copies_in_flight_ * dt;
      any_ns += dt;
      accumulate_window(copy, last_update_, now, 1.0);
    }
  }
  const int64_t elapsed = (now - stats_start_).count_ns();
  const int64_t w = sample_window_.count_ns();
  const auto windows = static_cast<size_t>((elapsed + w - 1) / w);
  busy.resize(windows, 0.0);
  dram.resize(windows, 0.0);
  sm.resize(windows, 0.0);
  copy.resize(windows, 0.0);
  for (size_t i = 0; i < windows; ++i) {
    const auto len = static_cast<double>(std::min<int64_t>(w, elapsed - static_cast<int64_t>(i) * w));
    busy[i] /= len;
    dram[i] /= len;
    sm[i] /= len;
    copy[i] /= len;
  }
  m.utilization_gpu = std::move(busy);
  m.utilization_memory = std::move(dram);
  m.sm_occupancy_series = std::move(sm);
  m.copy_busy_series = std::move(copy);
  if (elapsed > 0) {
    const auto e = static_cast<double>(elapsed);
    m.utilization_gpu_mean = busy_ns / e;
    m.utilization_memory_mean = dram_ns / e;
    m.sm_occupancy = sm_ns / (e * profile_.sm_count);
    m.copy_any_busy_fraction = any_ns / e;
  }
  m.copy_engine_busy_seconds = engine_ns * 1e-9;
  m.memory_used_bytes = memory_used_;
  m.memory_peak_bytes = std::max(memory_peak_, memory_used_);
  m.context_switches = policy_->context_switches();
  m.faults = faults_;
  m.kernels_completed = kernels_completed_;
  m.copies_completed = copies_completed_;
  return m;
}

}  // namespace sharesim::models
