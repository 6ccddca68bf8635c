// Test doubles for the workload layer: a GPU endpoint simple enough to be solved by hand or by
// queueing theory, so workload tests do not depend on the GPU model.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <variant>
#include <vector>

#include "sharesim/models/workload.h"
#include "sharesim/sim/simulator.h"
#include "sharesim/sim/time.h"

namespace sharesim::models::testing {

// One FIFO server: a submit is served after every earlier submit (whatever its stream); its
// service time is the sum of its kernels' solo durations plus its copies' bytes at
// `copy_bytes_per_s`. With Poisson arrivals and exponential kernels this is exactly an M/M/1 queue.
class FifoEndpoint final : public GpuEndpoint {
 public:
  explicit FifoEndpoint(sim::Simulator& sim, double copy_bytes_per_s = 1e9)
      : sim_(sim), copy_bytes_per_s_(copy_bytes_per_s) {}

  void submit(int stream, std::vector<GpuOp> ops, Completion done) override {
    streams_used.push_back(stream);
    sim::Time service = sim::Time::zero();
    for (const GpuOp& op : ops) {
      if (const auto* k = std::get_if<KernelWork>(&op)) {
        service += k->solo_duration;
      } else {
        const auto& c = std::get<CopyWork>(op);
        service += sim::Time::from_seconds(static_cast<double>(c.bytes) / copy_bytes_per_s_);
      }
    }
    ++submits;
    ops_per_submit.push_back(ops.size());
    all_ops.insert(all_ops.end(), ops.begin(), ops.end());
    last_ops = std::move(ops);
    const sim::Time begin = std::max(sim_.now(), busy_until_);
    busy_until_ = begin + service;
    busy_time += service;
    // Cancelling a handle whose event already ran does nothing, so old handles may stay.
    pending_.push_back(sim_.schedule_at(busy_until_, done.handler, done.payload));
  }

  [[nodiscard]] bool failed() const override { return failed_; }

  // The process faults now: work in flight never completes.
  void fail() {
    failed_ = true;
    for (const sim::EventHandle h : pending_) sim_.cancel(h);
    pending_.clear();
  }

  uint64_t submits = 0;
  std::vector<int> streams_used;  // per submit
  std::vector<size_t> ops_per_submit;
  std::vector<GpuOp> last_ops;
  std::vector<GpuOp> all_ops;  // every op submitted, in submit order
  sim::Time busy_time;

 private:
  sim::Simulator& sim_;
  double copy_bytes_per_s_;
  sim::Time busy_until_;
  bool failed_ = false;
  std::vector<sim::EventHandle> pending_;
};

// Independent FIFO servers, one per stream: what streams of one process would be if they never
// contended for the GPU (each stream's submits are served in order, streams in parallel; kernels
// take their solo duration, copies their bytes at 1e9 B/s). With `streams` instances fed by one
// queue this is an M/G/c queue.
class PerStreamEndpoint final : public GpuEndpoint {
 public:
  PerStreamEndpoint(sim::Simulator& sim, int streams)
      : sim_(sim), busy_until_(static_cast<size_t>(streams)) {}

  void submit(int stream, std::vector<GpuOp> ops, Completion done) override {
    sim::Time service = sim::Time::zero();
    for (const GpuOp& op : ops) {
      if (const auto* k = std::get_if<KernelWork>(&op)) {
        service += k->solo_duration;
      } else {
        service += sim::Time::ns(std::get<CopyWork>(op).bytes);  // 1e9 B/s
      }
    }
    sim::Time& until = busy_until_.at(static_cast<size_t>(stream));
    until = std::max(sim_.now(), until) + service;
    streams_used.push_back(stream);
    sim_.schedule_at(until, done.handler, done.payload);
  }
  [[nodiscard]] bool failed() const override { return false; }

  std::vector<int> streams_used;

 private:
  sim::Simulator& sim_;
  std::vector<sim::Time> busy_until_;
};

// Arrivals replayed at these offsets (with these work scales, if any).
inline TraceArrivals trace_of(std::vector<sim::Time> offsets, std::vector<double> scales = {}) {
  return TraceArrivals{.source = "test", .offsets = std::move(offsets), .work_scale = std::move(scales)};
}

// A request of one kernel.
inline RequestSpec one_kernel(sim::DurationDistribution duration, sim::Time per_item = sim::Time::zero()) {
  RequestSpec spec;
  spec.ops.push_back(KernelOpSpec{.name = "k", .duration = std::move(duration), .per_item = per_item});
  return spec;
}

}  // namespace sharesim::models::testing
