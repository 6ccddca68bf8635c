// The run loop: statistics restart at warmup; the engine runs in slices of simulated time so that
// a stop request (signal, budget) is seen promptly and a run whose work is all done ends early.
#include <algorithm>
#include <cstdio>

#include "run_steps.h"

namespace sharesim::run::detail {
namespace {

// "" while the workloads hold at most `limit` requests in flight; otherwise why the run stops,
// naming the workload that holds the most.
std::string requests_in_flight_limit(const std::vector<std::unique_ptr<WorkloadDriver>>& workloads,
                                     uint64_t limit) {
  uint64_t total = 0;
  size_t largest = 0;
  for (size_t i = 0; i < workloads.size(); ++i) {
    total += workloads[i]->requests_in_flight();
    if (workloads[i]->requests_in_flight() > workloads[largest]->requests_in_flight()) largest = i;
  }
  if (total <= limit) return "";
  char message[400];
  std::snprintf(message, sizeof message,
                "more than %.3g requests were in flight (workload '%s' holds %.3g: its arrivals outpace its "
                "service, so its queue grows without bound)",
                static_cast<double>(limit), workloads[largest]->name().c_str(),
                static_cast<double>(workloads[largest]->requests_in_flight()));
  return message;
}

}  // namespace

bool stop_requested(const RunOptions& options) {
  return (options.stop && options.stop->should_stop()) || (options.should_stop && options.should_stop());
}

bool run_to_horizon(sim::Simulator& sim, const scenarios::Scenario& scenario, DeviceGpus& gpus,
                    WiredWorkloads& wired, const RunOptions& options, std::string& stopped_by_limit) {
  const sim::HandlerId warmup_handler = sim.add_handler([&](uint64_t) {
    for (auto& device_slots : gpus.slots) {
      for (GpuSlot& slot : device_slots) {
        if (slot.model) slot.model->reset_statistics();
      }
    }
  });
  if (scenario.warmup > sim::Time::zero()) sim.schedule_at(scenario.warmup, warmup_handler);
  for (auto& workload : wired.workloads) workload->start();

  // Run in slices of simulated time so that a stop request (signal, budget) is seen promptly, and
  // so that a run whose work is all done (a trace that ended and drained) ends at the next slice
  // boundary instead of idling to `duration`.
  const sim::Time slice = std::max(sim::Time::ms(1), scenario.duration.scaled(1.0 / 1000.0));
  // A dense scenario can execute billions of events in one slice; so that a stop request is
  // still seen within about a second, each slice runs in sub-steps that shrink when one executes
  // more than kMaxEventsPerStep events and grow back when it executes few. Stopping between events
  // changes nothing (run_until only moves the clock), so results do not depend on the sub-steps.
  constexpr uint64_t kMaxEventsPerStep = 1'000'000;
  sim::Time step = std::max(sim::Time::us(1), slice.scaled(1.0 / 1024.0));
  bool interrupted = false;
  bool ended = false;
  while (!ended) {
    const sim::Time until = std::min(scenario.duration, sim.now() + slice);
    bool stop = false;
    while (sim.now() < until && !stop) {
      const uint64_t before = sim.events_executed();
      sim.run_until(std::min(until, sim.now() + step));
      const uint64_t executed = sim.events_executed() - before;
      if (executed > kMaxEventsPerStep) {
        step = std::max(sim::Time::us(1), step.scaled(0.5));
      } else if (executed < kMaxEventsPerStep / 8) {
        step = std::min(slice, step + step);
      }
      stop = sim.now() < until && stop_requested(options);
      if (!stop && sim.now() < scenario.duration) {
        stopped_by_limit = requests_in_flight_limit(wired.workloads, options.max_requests_in_flight);
        stop = !stopped_by_limit.empty();
      }
    }
    if (options.on_progress) options.on_progress(sim.now(), sim.events_executed());
    if (!stop && (sim.pending() == 0 || until >= scenario.duration)) ended = true;
    if (!ended && (stop || stop_requested(options))) {
      interrupted = true;
      ended = true;
    }
  }
  return interrupted;
}

}  // namespace sharesim::run::detail
