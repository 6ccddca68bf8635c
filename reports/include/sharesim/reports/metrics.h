// The flat metric namespace of a run: every number `sharesim check` can state an expectation
// about or compare with a baseline, named by a path (docs/check.md):
//
//   <workload>.<leaf>               detector.p99, detector.throughput, detector.failed, ...
//   gpu[<device>/<index>].<leaf>    gpu[edge-1/0].utilization_gpu, gpu[edge-1/0].faults, ...
//   <leaf>                          faults, failed, kernels_completed, slo_met (whole scenario)
//
// The leaves and their kinds are listed once, in scenarios::metric_leaves(). Values are the same
// numbers results.json carries (latency quantiles of completed requests, as there), in the kind's
// canonical unit (scenarios::MetricKind: milliseconds, per second, fraction, bytes, count, 0/1).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sharesim/run/run_report.h"
#include "sharesim/scenarios/expect_spec.h"

namespace sharesim::reports {

struct MetricValue {
  std::string path;
  scenarios::MetricKind kind = scenarios::MetricKind::kNumber;
  double value = 0;
};

// Every metric of the report, sorted by path (byte order), one per path.
std::vector<MetricValue> collect_metrics(const run::RunReport& report);

// The metric at `path` in a sorted list from collect_metrics, or nullptr.
const MetricValue* find_metric(const std::vector<MetricValue>& metrics, std::string_view path);

// A value written so that scenarios::parse_metric_value reads it back, with a fixed precision
// (stable and diffable): durations "13.766655ms" (6 decimals of ms: exact nanoseconds), rates
// "114.000000/s", fractions "0.548996", bytes "4294967296B", counts "900", numbers "1.000000",
// flags "true"/"false". Non-finite values are written "inf", "-inf" or "nan" (they do not parse
// back: they are reported, never stored in a baseline as a valid number).
std::string format_metric_value(scenarios::MetricKind kind, double value);

}  // namespace sharesim::reports
