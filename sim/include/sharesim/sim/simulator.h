// The discrete-event simulator: a clock and an event queue, nothing about GPUs.
//
// Components register a handler once (a callable taking the event's 64-bit payload) and schedule
// events that name it; running an event is one indirect call, with no allocation per event.
//
//   Simulator sim;
//   HandlerId arrive = sim.add_handler([&](uint64_t client) { ... sim.schedule_in(d, depart, client); });
//   sim.schedule_at(Time::ms(1), arrive, 7);
//   sim.run_until(Time::s(10));
//
// Invariants (asserted): time never goes backwards; events never run before their time.
// Not thread-safe: one simulator per thread; parallelism comes from running many simulations.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "sharesim/sim/event_queue.h"
#include "sharesim/sim/time.h"

namespace sharesim::sim {

class Simulator {
 public:
  using Handler = std::function<void(uint64_t payload)>;

  // `max_pending_events`: the event queue's capacity (EventQueue; lowered only by tests). An
  // insertion past it throws EventQueueFull out of run()/run_until().
  explicit Simulator(uint32_t max_pending_events = EventQueue::kMaxPending) : queue_(max_pending_events) {}

  // Handlers live as long as the simulator; ids are dense and stable.
  HandlerId add_handler(Handler handler);

  // REQUIRES: at >= now().
  EventHandle schedule_at(Time at, HandlerId handler, uint64_t payload = 0);
  // REQUIRES: delay >= 0.
  EventHandle schedule_in(Time delay, HandlerId handler, uint64_t payload = 0);
  // Cancels a pending event; does nothing for an event that already ran or was cancelled.
  bool cancel(EventHandle handle) { return queue_.cancel(handle); }
  [[nodiscard]] bool is_pending(EventHandle handle) const { return queue_.is_pending(handle); }

  // Runs events in (time, insertion) order until none is left or stop() is called.
  void run();
  // Runs every event with time <= end, then sets now() to end (unless stopped earlier). Events
  // after end stay pending, so a later call continues.
  void run_until(Time end);
  // Called from inside a handler: the current run returns after this event.
  void stop() { stop_requested_ = true; }
  [[nodiscard]] bool stopped() const { return stop_requested_; }

  [[nodiscard]] Time now() const { return now_; }
  [[nodiscard]] uint64_t events_executed() const { return events_executed_; }
  [[nodiscard]] size_t pending() const { return queue_.size(); }
  void reserve(size_t pending) { queue_.reserve(pending); }
  [[nodiscard]] size_t queue_memory_bytes() const { return queue_.memory_bytes(); }

 private:
  void execute_next();

  EventQueue queue_;
  std::vector<Handler> handlers_;
  Time now_ = Time::zero();
  uint64_t events_executed_ = 0;
  bool stop_requested_ = false;
};

}  // namespace sharesim::sim
