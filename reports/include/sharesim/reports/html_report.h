// report.html: one self-contained page (inline CSS and SVG, no script, no network) that a person
// opens in a browser after `sharesim run` (and, later, `sharesim plan`).
//
// Element ids the page guarantees (tests and users can rely on them; <slug> is the name in lower
// case with every run of other characters than [a-z0-9] turned into one '-'):
//   svg#cdf-<workload slug>        per workload: latency CDF, log-scale x axis in ms, SLO targets
//   section#workload-<slug>        per workload: throughput, quantiles and SLO status
//   svg#gpu-<device slug>-<index>-util    per GPU in use: utilization.gpu, SM occupancy, memory
//                                         controller and copy-engine busy per sample window
//   svg#gpu-<device slug>-<index>-memory  per GPU in use: memory per process against the total
//   table#workloads, table#gpus    the summary tables
// Idle GPUs (claimed by nobody that runs work) appear in the GPU table only.
// The bytes are deterministic for identical reports.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sharesim/run/run_report.h"

namespace sharesim::reports {

// "Edge Box #1" -> "edge-box-1".
std::string html_slug(const std::string& name);

std::string html_report(const run::RunReport& report);

// ---- Plan comparison (for `sharesim plan`) ----------------------------------------------------------
struct PlanWorkloadResult {
  std::string workload;
  std::optional<double> p99_ms;     // nullopt: unbounded (failures) or not measured
  std::optional<double> target_ms;  // the workload's p99 target, if it has one
  bool slo_met = false;             // every SLO of this workload
};

struct PlanCandidateRow {
  std::string label;   // e.g. "1 x edge (2 T4), mps 50%"
  std::string policy;  // "passthrough", "time-slicing", "mps", or a mix
  double cost = 0;     // in PlanComparison::cost_unit
  bool feasible = false;
  bool chosen = false;  // the recommended plan (at most one row)
  std::string why_not;  // for infeasible rows: the first reason
  std::vector<PlanWorkloadResult> workloads;
};

struct PlanComparison {
  std::string title = "sharesim plan";
  std::string cost_unit = "cost";
  std::vector<PlanCandidateRow> rows;  // shown in this order
};

// A page with the candidates table (cost bar, feasibility, per-workload p99 against its target);
// ids: table#plan-candidates, svg#plan-cost.
std::string plan_comparison_html(const PlanComparison& plan);

}  // namespace sharesim::reports
