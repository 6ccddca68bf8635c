// Running a scenario: the validated Scenario is wired into models (GPU profiles, the device claim
// rules, one GpuModel per GPU in use, one process per workload replica, one Workload per workload)
// on one sim::Simulator, run to its horizon, and reported as plain data (run_report.h).
//
// The steps, one file each in run/src/: placement.cpp (claims and placement), processes.cpp
// (starting GPUs and processes), workload_wiring.cpp, run_loop.cpp, collect.cpp; run_scenario.cpp
// runs them in order.
//
// Wiring rules (each a choice, documented in docs/scenarios.md):
//  - A device's setup steps claim GPUs in creation order (models/device.h). A VM whose creation
//    fails, a workload on a consumer that holds no GPU, or in a VM without the GPU extension, is
//    an input error (exit 2) with the step's or workload's file and line.
//  - A workload in a VM runs on the VM's GPU with the passthrough policy (one tenant: two
//    workloads, or two replicas, in one GPU VM share it as one process each, which passthrough
//    refuses; see the error). Container workloads (kubernetes, iot-edge) run on the GPU that
//    NVIDIA_VISIBLE_DEVICES names, or, when it is not set, each replica on the consumer's GPU with
//    the fewest processes so far (ties: the lowest index), under the device's `sharing` policy.
//  - Each replica is one CUDA process (ProcessSpec) with the workload's memory and MPS settings.
//    A process that cannot start (the MPS client limit) is reported as failed with the reason;
//    requests routed to it fail.
//  - Statistics restart at `warmup` (GPU metrics and workload measurement). The run ends at
//    `duration`, or earlier when nothing is left to happen (a trace that ended and drained).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sharesim/models/gpu.h"
#include "sharesim/models/workload.h"
#include "sharesim/run/run_report.h"
#include "sharesim/scenarios/scenario.h"
#include "sharesim/sim/result.h"
#include "sharesim/sim/stop_token.h"

namespace sharesim::run {

// The requests one run may hold in flight (queued, batching or running), all workloads together:
// about 60 bytes each, so 10^7 is about 600 MB. An overloaded workload (arrivals faster than its
// service) grows its queue without bound; past the limit the run stops early with the results so
// far (`sharesim run` exits 124). docs/hardening.md, "Limits".
inline constexpr uint64_t kDefaultMaxRequestsInFlight = 10'000'000;

struct RunOptions {
  uint64_t max_requests_in_flight = kDefaultMaxRequestsInFlight;
  // The engine's capacity of pending events (sim::EventQueue::kMaxPending; tests lower it). Past
  // it the run stops, interrupted, with its results so far and stopped_by_limit saying why.
  uint32_t max_pending_events = sim::EventQueue::kMaxPending;
  // Called for every request when it completes or fails (for --requests).
  std::function<void(const std::string& workload, const models::RequestRecord&)> request_observer;
  // Polled between slices of simulated time; returning true stops the run early (marked
  // interrupted). Used for limits the caller counts (--max-events).
  std::function<bool()> should_stop;
  // SIGINT/SIGTERM and the wall-clock budget: polled like should_stop, and also while the
  // processes start (every 256 processes), so that a stop acts before the first event. A run
  // stopped during start-up simulates nothing: the processes not started yet are reported failed
  // ("not started: ..."), and the run ends at time 0, marked interrupted. Not owned; may be null.
  const sim::StopToken* stop = nullptr;
  // Called, before anything runs, for each failure the placement already shows (processes whose
  // declared memory exceeds the GPU's usable memory or their MPS memory limit, more MPS clients
  // on a GPU than MPS allows), located at the workload. The run still simulates them (they fail at
  // start-up, reported FAILED); the same text is in RunReport::warnings. May be empty.
  std::function<void(const Error&)> on_load_warning;
  // Called after each slice of simulated time (about 1/1000 of the duration) with the simulated
  // time reached and the events executed so far (progress display).
  std::function<void(sim::Time reached, uint64_t events)> on_progress;
  // Attaches a timeline observer to each GPU that runs work (for --trace). Called once per such GPU,
  // after its processes started and before any work is submitted, with the GPU's report so far
  // (device, index, policy, profile, processes in start order) and, for each of those processes,
  // its ProcessId on the GPU (nullopt: it could not start). Returns the observer, or nullptr for
  // none; the observer is not owned and must outlive run_scenario.
  std::function<models::GpuObserver*(const GpuReport& gpu,
                                     const std::vector<std::optional<models::ProcessId>>& process_ids)>
      gpu_observer;
};

// Runs a loaded scenario. Errors are input errors found while wiring (they carry the location).
Result<RunReport> run_scenario(const scenarios::Scenario& scenario, const RunOptions& options = {});

}  // namespace sharesim::run
