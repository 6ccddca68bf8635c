// run_scenario: the steps of run_steps.h in order, on one simulator.
#include "sharesim/run/run_scenario.h"

#include <string>

#include "run_steps.h"

namespace sharesim::run {

Result<RunReport> run_scenario(const scenarios::Scenario& scenario, const RunOptions& options) {
  RunReport report;
  report.scenario_name = scenario.name;
  report.scenario_file = scenario.file;
  report.seed = scenario.seed;
  report.duration = scenario.duration;
  report.warmup = scenario.warmup;

  // Declared first so that it is destroyed last: the GPUs and workloads below refer to it.
  sim::Simulator sim(options.max_pending_events);

  auto claimed = detail::claim_devices(scenario, report.warnings);
  if (!claimed) return claimed.error();
  detail::DeviceGpus gpus = std::move(*claimed);
  auto placements = detail::place_replicas(scenario, gpus);
  if (!placements) return placements.error();
  for (const Error& warning : detail::placement_warnings(scenario, gpus)) {
    if (options.on_load_warning) options.on_load_warning(warning);
    report.warnings.push_back(warning.to_string());
  }
  auto stopped_in_start_up = detail::start_processes(sim, scenario, gpus, options);
  if (!stopped_in_start_up) return stopped_in_start_up.error();
  detail::WiredWorkloads wired;
  detail::wire_workloads(sim, scenario, *placements, options, wired);

  try {
    report.interrupted = *stopped_in_start_up ||
                         detail::run_to_horizon(sim, scenario, gpus, wired, options, report.stopped_by_limit);
  } catch (const sim::EventQueueFull& full) {
    // The event that did not fit was not scheduled, so the simulation cannot go on; what was
    // measured until now is reported, marked interrupted, as for the other limits.
    report.interrupted = true;
    report.stopped_by_limit = std::string(full.what()) + " (lower --max-in-flight, default 1e7, or the load)";
  }
  report.ended_at = sim.now();
  report.events = sim.events_executed();

  detail::collect(gpus, wired, report);
  return report;
}

}  // namespace sharesim::run
