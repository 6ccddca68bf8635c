// The parts of a request's path outside the GPU: a pool of server CPU workers and a network link.
//
// Both are plain resources for the workload driver (workload.h), each solvable by hand:
//  - CpuPool: `workers` identical workers serve jobs first come, first served; a job holds one
//    worker for its duration (with Poisson arrivals and exponential jobs: M/M/c).
//  - SharedLink: one direction of a network link. A transfer first spends the one-way latency
//    (propagation, no bandwidth), then moves its bytes at bytes_per_s / n while n transfers move
//    bytes (egalitarian processor sharing, as TCP flows on one bottleneck share it in the long
//    run). Alone, a transfer takes latency + bytes / bytes_per_s.
// Completions are scheduled (never called synchronously), at the instant the job ends.
// Not thread-safe; each belongs to one Simulator and must outlive its pending work.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "sharesim/models/gpu_work.h"
#include "sharesim/sim/simulator.h"
#include "sharesim/sim/time.h"

namespace sharesim::models {

class CpuPool {
 public:
  // REQUIRES: workers >= 1.
  CpuPool(sim::Simulator& sim, int workers);
  CpuPool(const CpuPool&) = delete;
  CpuPool& operator=(const CpuPool&) = delete;

  // Runs a job of `duration` on the first free worker (after every earlier job started).
  void submit(sim::Time duration, Completion done);

  [[nodiscard]] int busy() const { return busy_; }
  [[nodiscard]] size_t waiting() const { return waiting_.size(); }

 private:
  struct Job {
    sim::Time duration;
    Completion done;
  };
  void start(Job job);
  void on_job_end(uint64_t slot);

  sim::Simulator& sim_;
  int workers_;
  int busy_ = 0;  // invariant: busy_ <= workers_, and waiting_ is empty unless busy_ == workers_
  std::deque<Job> waiting_;
  std::vector<Completion> running_;  // by slot; slots recycled through free_slots_
  std::vector<uint64_t> free_slots_;
  sim::HandlerId end_handler_ = 0;
};

class SharedLink {
 public:
  // REQUIRES: bytes_per_s > 0, latency >= 0.
  SharedLink(sim::Simulator& sim, double bytes_per_s, sim::Time latency);
  SharedLink(const SharedLink&) = delete;
  SharedLink& operator=(const SharedLink&) = delete;

  void transfer(int64_t bytes, Completion done);

  [[nodiscard]] size_t in_flight() const { return moving_.size(); }

 private:
  struct Moving {
    double remaining = 0;  // bytes
    Completion done;
  };
  void on_latency_over(uint64_t slot);
  void on_rate_event();
  void advance(sim::Time now);
  void reschedule(sim::Time now);

  sim::Simulator& sim_;
  double bytes_per_ns_;
  sim::Time latency_;
  std::vector<Moving> moving_;   // transfers moving bytes, in the order they started moving
  std::vector<Moving> delayed_;  // by slot: transfers spending their latency
  std::vector<uint64_t> free_delayed_;
  sim::Time last_update_;
  sim::EventHandle next_event_;
  sim::HandlerId latency_handler_ = 0;
  sim::HandlerId rate_handler_ = 0;
};

}  // namespace sharesim::models
