#include "sharesim/models/server_stages.h"

#include <cassert>
#include <cmath>
#include <limits>
#include <utility>

namespace sharesim::models {

CpuPool::CpuPool(sim::Simulator& sim, int workers) : sim_(sim), workers_(workers) {
  assert(workers >= 1);
  end_handler_ = sim_.add_handler([this](uint64_t slot) { on_job_end(slot); });
}

void CpuPool::submit(sim::Time duration, Completion done) {
  if (busy_ < workers_) {
    start(Job{duration, done});
  } else {
    waiting_.push_back(Job{duration, done});
  }
}

void CpuPool::start(Job job) {
  assert(busy_ < workers_);
  ++busy_;
  uint64_t slot = 0;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    running_[slot] = job.done;
  } else {
    slot = running_.size();
    running_.push_back(job.done);
  }
  sim_.schedule_in(job.duration, end_handler_, slot);
}

void CpuPool::on_job_end(uint64_t slot) {
  const Completion done = running_[slot];
  free_slots_.push_back(slot);
  --busy_;
  sim_.schedule_at(sim_.now(), done.handler, done.payload);
  if (!waiting_.empty()) {
    const Job next = waiting_.front();
    waiting_.pop_front();
    start(next);
  }
}

SharedLink::SharedLink(sim::Simulator& sim, double bytes_per_s, sim::Time latency)
    : sim_(sim), bytes_per_ns_(bytes_per_s * 1e-9), latency_(latency) {
  assert(bytes_per_s > 0 && latency >= sim::Time::zero());
  latency_handler_ = sim_.add_handler([this](uint64_t slot) { on_latency_over(slot); });
  rate_handler_ = sim_.add_handler([this](uint64_t) { on_rate_event(); });
}

void SharedLink::transfer(int64_t bytes, Completion done) {
  uint64_t slot = 0;
  const Moving m{static_cast<double>(std::max<int64_t>(bytes, 0)), done};
  if (!free_delayed_.empty()) {
    slot = free_delayed_.back();
    free_delayed_.pop_back();
    delayed_[slot] = m;
  } else {
    slot = delayed_.size();
    delayed_.push_back(m);
  }
  sim_.schedule_in(latency_, latency_handler_, slot);
}

void SharedLink::on_latency_over(uint64_t slot) {
  const sim::Time now = sim_.now();
  advance(now);
  moving_.push_back(delayed_[slot]);
  free_delayed_.push_back(slot);
  reschedule(now);
}

void SharedLink::advance(sim::Time now) {
  if (!moving_.empty() && now > last_update_) {
    const double moved = static_cast<double>((now - last_update_).count_ns()) * bytes_per_ns_ /
                         static_cast<double>(moving_.size());
    for (Moving& m : moving_) m.remaining -= moved;
  }
  last_update_ = now;
}

void SharedLink::on_rate_event() {
  next_event_ = sim::EventHandle{};
  const sim::Time now = sim_.now();
  advance(now);
  reschedule(now);
}

void SharedLink::reschedule(sim::Time now) {
  // Finished transfers leave first (in the order they started moving), then the next end is
  // timed at the new share. A residue below a millionth of a byte is rounding, not work.
  constexpr double kDone = 1e-6;
  size_t kept = 0;
  for (const Moving& m : moving_) {
    if (m.remaining <= kDone) {
      sim_.schedule_at(now, m.done.handler, m.done.payload);
    } else {
      moving_[kept++] = m;
    }
  }
  moving_.resize(kept);
  if (next_event_.is_set()) {
    sim_.cancel(next_event_);
    next_event_ = sim::EventHandle{};
  }
  if (moving_.empty()) return;
  double least = std::numeric_limits<double>::max();
  for (const Moving& m : moving_) least = std::min(least, m.remaining);
  // Rounded up, so the least transfer has really finished at the event.
  const double ns = std::ceil(least * static_cast<double>(moving_.size()) / bytes_per_ns_);
  next_event_ = sim_.schedule_at(now + sim::Time::ns(static_cast<int64_t>(ns)), rate_handler_);
}

}  // namespace sharesim::models
