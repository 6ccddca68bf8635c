// An up-front, cheap estimate of how much work a scenario asks of the engine, so that a scenario
// that would run for days (e.g. 10^12 requests) is refused before it starts instead of filling
// the machine. docs/hardening.md explains the formula and the --max-events flag.
//
// Expected requests of a workload over the run's duration D (not counting the warm-up apart: it
// is simulated like the rest):
//   poisson, constant   rate x D
//   onoff               (on_rate x mean_on + off_rate x mean_off) / (mean_on + mean_off) x D
//   trace               the replayed rows whose offset is <= D
//   closed_loop         clients x D / max(1 ns, think + the request's own work), where the
//                       request's work is the sum of its kernel (mean) and host durations: a
//                       client cannot send faster than one request per think + service time
//                       (copies and queueing only slow it down further, so this is an upper bound)
// Events per request = ops + 2 (one completion per op, the arrival, the request's completion).
// Batching merges requests, so this over-counts batched workloads: the estimate is an upper
// bound there. Each GPU in use adds D / utilization_window sampling events (one per GPU of every
// device, an upper bound).
// Everything is computed in double precision (the products can exceed 2^63); the cost is
// O(workloads + ops + log(trace rows)).
#pragma once

#include <string>
#include <vector>

#include "sharesim/scenarios/scenario.h"
#include "sharesim/sim/result.h"

namespace sharesim::scenarios {

struct WorkloadEstimate {
  std::string name;
  double requests = 0;            // expected requests over the duration
  double events_per_request = 0;  // ops + 2
  double events = 0;              // requests x events_per_request
};

struct EventEstimate {
  std::vector<WorkloadEstimate> workloads;  // in scenario order
  double sampling_events = 0;               // utilization samples of every GPU
  double events = 0;                        // total: sum of the workloads' events + sampling_events
};

// The default of `sharesim run --max-events`: 2e9 events is tens of minutes of wall-clock time at
// the engine's few million events per second; larger runs must say so explicitly.
inline constexpr double kDefaultMaxEvents = 2e9;

EventEstimate estimate_events(const Scenario& scenario);

// Ok when the estimate is at most `max_events`; otherwise an input error at the workload that
// contributes most (its file, line and key path), giving the estimate, its terms and the flag
// that raises the limit. REQUIRES: max_events > 0.
Status check_event_limit(const Scenario& scenario, double max_events);

}  // namespace sharesim::scenarios
