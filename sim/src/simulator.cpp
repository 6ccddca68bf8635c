#include "sharesim/sim/simulator.h"

#include <cassert>

namespace sharesim::sim {

HandlerId Simulator::add_handler(Handler handler) {
  assert(handler);
  handlers_.push_back(std::move(handler));
  return static_cast<HandlerId>(handlers_.size() - 1);
}

EventHandle Simulator::schedule_at(Time at, HandlerId handler, uint64_t payload) {
  assert(at >= now_ && "an event cannot be scheduled in the past");
  assert(handler < handlers_.size());
  return queue_.insert(at, handler, payload);
}

EventHandle Simulator::schedule_in(Time delay, HandlerId handler, uint64_t payload) {
  assert(delay >= Time::zero());
  return schedule_at(now_ + delay, handler, payload);
}

void Simulator::execute_next() {
  const PoppedEvent event = queue_.pop();
  assert(event.time >= now_ && "time went backwards");
  now_ = event.time;
  ++events_executed_;
  handlers_[event.handler](event.payload);
}

void Simulator::run() {
  stop_requested_ = false;
  while (!queue_.empty() && !stop_requested_) execute_next();
}

void Simulator::run_until(Time end) {
  assert(end >= now_);
  stop_requested_ = false;
  while (!queue_.empty() && !stop_requested_ && queue_.top_time() <= end) execute_next();
  if (!stop_requested_) now_ = end;
}

}  // namespace sharesim::sim
