// The GPU model's lifecycle: processes, memory and faults, streams and their ops, the event loop.
// Rates and sharing are in gpu_rates.cpp, statistics in gpu_statistics.cpp; the formulas are in
// gpu.h and docs/model.md.
#include "sharesim/models/gpu.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "gpu_levels.h"

namespace sharesim::models {

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
      levels_(std::make_unique<detail::LevelState>()) {
  integrals_.start = sim.now();
  assert(profile_.sm_count >= 1 && profile_.copy_engines >= 1);
  handler_ = sim_.add_handler([this](uint64_t /*payload*/) { on_event(); });
  solver_ = std::make_unique<ProgressiveFilling>();
  ops_.reserve(16);
  active_.reserve(16);
  shared_ops_.reserve(16);
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
  settle(now);
  if (levels_->active) leave_levels(now);
  const auto id = static_cast<ProcessId>(processes_.size());
  Process process;
  process.spec = spec;
  process.sm_cap = policy_->sm_cap(spec);
  process.first_stream = static_cast<uint32_t>(streams_.size());
  processes_.push_back(std::move(process));
  streams_.resize(streams_.size() + static_cast<size_t>(spec.streams));
  for (size_t s = processes_.back().first_stream; s < streams_.size(); ++s) streams_[s].process = id;
  wants_turn_.add_process();
  healthy_.add_process();
  healthy_.set(id, true);
  cap_of_.push_back(kNoConstraint);
  client_dram_.push_back(0.0);
  levels_->process_kernels.push_back(0);
  levels_->process_dram.push_back(0.0);
  ++live_processes_;
  if (spec.memory_bytes > 0) handle_memory_request(id, spec.memory_bytes, now);
  recompute(now);
  return id;
}

void GpuModel::drop_work(ProcessId process) {
  Process& p = processes_[process];
  for (int s = 0; s < p.spec.streams; ++s) {
    Stream& stream = streams_[p.first_stream + static_cast<uint32_t>(s)];
    if (stream.active_op >= 0) {
      const auto op = static_cast<uint32_t>(stream.active_op);
      const auto at = std::find(active_.begin(), active_.end(), op);
      assert(at != active_.end());
      active_.erase(at);
      count_in_flight(ops_[op], -1);
      release_op(op);
      stream.active_op = -1;
    }
    stream.queue.clear();
  }
  assert(p.ops_in_flight == 0 && p.kernels_in_flight == 0);
}

void GpuModel::end_process(ProcessId process) {
  assert(process < processes_.size());
  Process& p = processes_[process];
  if (p.ended) return;
  const sim::Time now = sim_.now();
  settle(now);
  if (levels_->active) leave_levels(now);
  drop_work(process);
  p.ended = true;
  healthy_.set(process, false);
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
  settle(now);
  if (levels_->active) leave_levels(now);
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
      for (ProcessId q = healthy_.first_at_or_after(0); q != ProcessSet::kNone;
           q = healthy_.first_at_or_after(q + 1))
        victims.push_back(q);
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
    healthy_.set(q, false);
    ++failed_processes_;
    fault_log_.push_back({now, q, reason});
    if (observer_ != nullptr) observer_->process_failed(now, q, reason);
    if (p.fault_listener) sim_.schedule_at(now, p.fault_listener->handler, p.fault_listener->payload);
  }
}

// ---- Work ---------------------------------------------------------------------------------------
void GpuModel::submit(ProcessId process, int stream, std::vector<GpuOp> ops, Completion done,
                      LaunchMode launch) {
  assert(process < processes_.size());
  Process& p = processes_[process];
  assert(stream >= 0 && stream < p.spec.streams);
  if (p.failed || p.ended) return;  // its work never completes
  const sim::Time now = sim_.now();
  settle(now);
  const uint32_t stream_index = p.first_stream + static_cast<uint32_t>(stream);
  streams_[stream_index].queue.push(Submission{std::move(ops), 0, done, launch, now, 0});
  if (streams_[stream_index].active_op < 0) start_next_op(stream_index, now);
  recompute(now);
}

uint32_t GpuModel::allocate_op() {
  if (!free_ops_.empty()) {
    const uint32_t i = free_ops_.back();
    free_ops_.pop_back();
    return i;
  }
  ops_.emplace_back();
  return static_cast<uint32_t>(ops_.size() - 1);
}

void GpuModel::release_op(uint32_t op) {
  ops_[op].in_use = false;
  free_ops_.push_back(op);
}

// Keeps the per-process counts of ops in flight, and wants_turn_ (I4), up to date.
void GpuModel::count_in_flight(const InFlightOp& op, int delta) {
  Process& p = processes_[op.process];
  const bool capped = p.sm_cap < profile_.sm_count;
  if (capped && p.kernels_in_flight > 1) --grouped_processes_;
  if (p.ops_in_flight == 0 && delta > 0) ++busy_processes_;
  p.ops_in_flight = static_cast<uint32_t>(static_cast<int>(p.ops_in_flight) + delta);
  if (p.ops_in_flight == 0 && delta < 0) --busy_processes_;
  if (op.is_kernel()) {
    p.kernels_in_flight = static_cast<uint32_t>(static_cast<int>(p.kernels_in_flight) + delta);
    kernels_in_flight_ += delta;
  } else {
    copies_in_flight_ = static_cast<uint32_t>(static_cast<int>(copies_in_flight_) + delta);
  }
  if (capped && p.kernels_in_flight > 1) ++grouped_processes_;
  const bool copies_wait = policy_->copies_need_a_turn() && p.ops_in_flight > p.kernels_in_flight;
  wants_turn_.set(op.process, p.kernels_in_flight > 0 || copies_wait);
}

void GpuModel::start_next_op(uint32_t stream_index, sim::Time now) {
  Stream& stream = streams_[stream_index];
  assert(stream.active_op < 0);
  while (stream.queue.size > 0) {
    Submission& sub = stream.queue.front();
    if (sub.next_op >= sub.ops.size()) {  // an empty submission: done at once
      sim_.schedule_at(now, sub.done.handler, sub.done.payload);
      stream.queue.pop();
      continue;
    }
    const GpuOp& work = sub.ops[sub.next_op++];
    const uint32_t index = allocate_op();
    InFlightOp& op = ops_[index];
    // Every field of a fresh InFlightOp, one by one (a whole-object reset costs a rep stos per
    // op); name and work are set below for both kinds.
    op.in_use = true;
    op.seq = next_seq_++;
    op.may_run = false;
    op.observed_running = false;
    op.next_at = sim::Time::max();
    op.stream = stream_index;
    op.process = stream.process;
    if (const auto* kernel = std::get_if<KernelWork>(&work)) {
      op.name = kernel->name;
      op.work = describe_kernel(*kernel);
      KernelState& k = op.kernel();
      const double cap = processes_[op.process].sm_cap;
      k.alone = alone_slowdown(k, cap);
      k.space = resident_fraction(k, cap) * std::min(cap, k.span) * k.alone;
      k.dram_use = k.dram_demand / (profile_.dram_bandwidth_effective * 1e-9);
      // The launch gap: the host's launch cost, hidden behind earlier kernels when the host issued
      // the submission ahead, plus under MPS the GPU-side wait behind other clients' work (iGniter
      // measured it as idle between a process's kernels on the GPU: the host running ahead does
      // not hide it).
      const int others = std::max(0, busy_processes_ - (processes_[op.process].ops_in_flight > 0 ? 1 : 0));
      const sim::Time host = profile_.kernel_launch_overhead;
      const int64_t dispatch_ns = policy_->launch_gap_extra(others).count_ns();
      ++sub.kernels_launched;
      if (sub.launch == LaunchMode::kAsynchronous) {
        const sim::Time issued = sub.submitted_at + host * sub.kernels_launched;
        k.launch_gap_left_ns = std::max<int64_t>(0, (issued - now).count_ns()) + dispatch_ns;
      } else {
        k.launch_gap_left_ns = host.count_ns() + dispatch_ns;
      }
    } else {
      const auto& copy = std::get<CopyWork>(work);
      CopyState c;
      op.name = copy.name;
      c.latency_left_ns = profile_.copy_latency.count_ns();
      c.bytes_left = static_cast<double>(std::max<int64_t>(0, copy.bytes));
      c.host_to_device = copy.direction == CopyDirection::kHostToDevice;
      c.solo_bandwidth = profile_.pcie_bandwidth(c.host_to_device, copy.pinned) * 1e-9;
      op.work = c;
    }
    stream.active_op = static_cast<int32_t>(index);
    if (!levels_->active) {
      active_.push_back(index);
    } else if (!op.is_kernel()) {
      op.may_run = policy_->copy_may_run(op.process);  // (what the general path's pass would set)
      levels_->copies.push_back(index);
    } else {
      KernelState& k = op.kernel();
      k.phase = detail::LevelState::kGap;
      k.ref_ns = now.count_ns() + k.launch_gap_left_ns;
      levels_->gaps.push(index, k.ref_ns, op.seq);
    }
    count_in_flight(op, +1);
    if (observer_ != nullptr) {
      observer_->op_started(now, op.process,
                            static_cast<int>(stream_index - processes_[op.process].first_stream),
                            op.is_kernel(), op.name);
    }
    return;
  }
}

void GpuModel::finish_op(uint32_t index, sim::Time now) {
  InFlightOp& op = ops_[index];
  (op.is_kernel() ? kernels_completed_ : copies_completed_) += 1;
  if (observer_ != nullptr) {
    observer_->op_finished(now, op.process, static_cast<int>(op.stream - processes_[op.process].first_stream),
                           op.is_kernel(), op.name);
  }
  const uint32_t stream_index = op.stream;
  count_in_flight(op, -1);
  release_op(index);
  Stream& stream = streams_[stream_index];
  stream.active_op = -1;
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
  settle(now);
  recompute(now);
}

// I1: what is due at `now` completes before anything else changes at `now`. One pass integrates
// every op's progress and picks out the ops that are done (advance_to, then complete_due).
void GpuModel::settle(sim::Time now) {
  assert(now >= last_update_);
  if (levels_->active) {
    settle_levels(now);
    return;
  }
  due_.clear();
  size_t kept = 0;
  auto sort_out = [&](uint32_t index) {
    if (ops_[index].running() && ops_[index].next_at <= now) {
      due_.push_back(index);
    } else {
      active_[kept++] = index;
    }
  };
  if (now == last_update_) {
    for (uint32_t index : active_) sort_out(index);
  } else {
    integrals_.add(last_update_, now, usage_, profile_.sm_count);
    const int64_t dt_ns = (now - last_update_).count_ns();
    const auto dt = static_cast<double>(dt_ns);
    for (uint32_t index : active_) {
      ops_[index].advance(dt_ns, dt);
      sort_out(index);
    }
    last_update_ = now;
  }
  active_.resize(kept);
  for (uint32_t index : due_) finish_op(index, now);
}

// Integrates the statistics and every op's progress from the last change to now.
void GpuModel::advance_to(sim::Time now) {
  assert(now >= last_update_);
  if (levels_->active) {
    advance_levels(now);
    return;
  }
  if (now == last_update_) return;
  integrals_.add(last_update_, now, usage_, profile_.sm_count);
  const int64_t dt_ns = (now - last_update_).count_ns();
  const auto dt = static_cast<double>(dt_ns);
  for (uint32_t index : active_) ops_[index].advance(dt_ns, dt);
  last_update_ = now;
}

void GpuModel::InFlightOp::advance(int64_t dt_ns, double dt) {
  if (auto* k = std::get_if<KernelState>(&work)) {
    if (k->launch_gap_left_ns > 0) {
      k->launch_gap_left_ns = std::max<int64_t>(0, k->launch_gap_left_ns - dt_ns);
    } else if (k->rate > 0) {
      k->solo_ns_left = std::max(0.0, k->solo_ns_left - k->rate * dt);
    }
  } else {
    CopyState& c = copy();
    if (c.latency_left_ns > 0) {
      if (c.holds_engine) c.latency_left_ns = std::max<int64_t>(0, c.latency_left_ns - dt_ns);
    } else if (c.rate > 0) {
      c.bytes_left = std::max(0.0, c.bytes_left - c.rate * dt);
    }
  }
}

bool GpuModel::InFlightOp::running() const {
  if (const auto* k = std::get_if<KernelState>(&work)) return k->launch_gap_left_ns == 0 && k->rate > 0;
  const CopyState& c = copy();
  return c.latency_left_ns == 0 && c.rate > 0;
}

void GpuModel::check_invariants() const {
#ifndef NDEBUG
  if (levels_->active) {
    check_level_invariants();
    return;
  }
  // I2: active_ and the streams and per-process counts agree.
  std::vector<uint32_t> ops(processes_.size(), 0), kernels(processes_.size(), 0);
  for (uint32_t index : active_) {
    const InFlightOp& op = ops_[index];
    assert(op.in_use && streams_[op.stream].active_op == static_cast<int32_t>(index));
    ++ops[op.process];
    if (op.is_kernel()) ++kernels[op.process];
  }
  for (ProcessId p = 0; p < processes_.size(); ++p) {
    assert(ops[p] == processes_[p].ops_in_flight && kernels[p] == processes_[p].kernels_in_flight);
    const Process& q = processes_[p];
    const bool wants = q.kernels_in_flight > 0 || (policy_->copies_need_a_turn() && q.ops_in_flight > 0);
    assert(wants_turn_.contains(p) == wants);                 // I4
    assert(healthy_.contains(p) == (!q.failed && !q.ended));  // I5
  }
  // I3: the grants are within the capacities.
  constexpr double kTolerance = 1e-6;
  double sms = 0;
  std::vector<double> process_sms(processes_.size(), 0.0);
  int engines = 0;
  for (uint32_t index : active_) {
    const InFlightOp& op = ops_[index];
    if (const auto* k = std::get_if<KernelState>(&op.work)) {
      assert(k->sms == 0 || (k->launch_gap_left_ns == 0 && op.may_run));
      sms += k->sms;
      process_sms[op.process] += k->sms;
    } else if (op.copy().holds_engine) {
      ++engines;
    }
  }
  assert(sms <= profile_.sm_count * (1 + kTolerance));
  for (ProcessId p = 0; p < processes_.size(); ++p) {
    assert(process_sms[p] <= processes_[p].sm_cap * (1 + kTolerance));
  }
  assert(engines <= profile_.copy_engines);
#endif
}

}  // namespace sharesim::models
