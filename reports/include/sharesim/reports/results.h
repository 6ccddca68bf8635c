// What `sharesim run` writes and prints: results.json (the stable, machine-read contract, documented
// in docs/reports.md) and the terminal summary.
#pragma once

#include <string>

#include "sharesim/run/run_report.h"

namespace sharesim::reports {

// results.json: deterministic bytes for identical reports (fixed key order and number format).
std::string results_json(const run::RunReport& report);

// The readable summary: one table of workloads (throughput, latency quantiles, SLO) and one of GPUs
// (policy, utilization, SM occupancy, memory, switches, faults), plus warnings and failures.
std::string summary_text(const run::RunReport& report);

}  // namespace sharesim::reports
