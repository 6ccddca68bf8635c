// Baselines: the stored metrics of a scenario's run, compared with a new run by `sharesim check`
// so that a change of the model's results fails CI until the baseline is updated (and reviewed).
//
// One small text file per scenario, `<dir>/<scenario file stem>.baseline`, sorted by metric path,
// one metric a line, values at a fixed precision in the units expectations use (format_metric_value),
// so a model change shows up as a readable diff:
//
//   # sharesim check baseline: scenarios/examples/one-t4-time-slicing.yaml (seed 42)
//   tolerance detector.p99 = 10%
//   tolerance count = 0% + 2
//   classifier.completed = 900
//   classifier.p99 = 4.323327ms
//   gpu[edge-1/0].utilization_gpu = 0.548996
//
// A metric passes when |new - old| <= max(relative x |old|, absolute). Tolerances by kind default
// to default_tolerance(); `tolerance` lines (kept when the file is rewritten) and --tolerance flags
// override them for one metric path or for a whole kind. Precedence, first match wins: a flag for
// the path, a file line for the path, a flag for the kind, a file line for the kind, the default.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sharesim/reports/metrics.h"
#include "sharesim/sim/result.h"

namespace sharesim::reports {

struct Tolerance {
  double relative = 0;  // fraction of |old|: 0.05 = 5%
  double absolute = 0;  // in the kind's canonical unit (ms, 1/s, fraction, bytes, count)
};

// Defaults: duration 5% (+ 1 us: quantiles have bucket resolution), rate 2%, fraction 2%
// (+ 0.001), number 2%, count 0.5% (so 0 stays exactly 0), bytes and flags exact.
Tolerance default_tolerance(scenarios::MetricKind kind);

struct ToleranceOverride {
  std::string selector;  // a metric path ("detector.p99") or a kind name ("duration")
  scenarios::MetricKind kind = scenarios::MetricKind::kNumber;  // the selector's kind
  Tolerance tolerance;
  std::string text;  // the tolerance as written: "10% + 0.5ms"
};

// `selector` is a metric path or a kind name; `spec` is "<relative>%" optionally followed by
// "+ <absolute>" in the kind's units: "10%", "0% + 2", "5% + 0.5ms". Errors carry only the message.
Result<ToleranceOverride> parse_tolerance(std::string_view selector, std::string_view spec);
// A --tolerance flag: "<selector>=<spec>".
Result<ToleranceOverride> parse_tolerance_flag(std::string_view text);

struct Baseline {
  std::vector<MetricValue> metrics;           // sorted by path, unique
  std::vector<ToleranceOverride> tolerances;  // in file order
};

// Reads a baseline file's text. Errors name `file`, the line and column.
Result<Baseline> parse_baseline(std::string_view text, const std::string& file);

// The file's text: a header comment naming the scenario, the tolerance lines, then the metrics.
// Deterministic: the same baseline gives the same bytes.
std::string baseline_text(const Baseline& baseline, const std::string& scenario_file, uint64_t seed);

// The baseline file for a scenario file: `<dir>/<stem>.baseline` ("a/b/x.yaml" -> "<dir>/x.baseline").
std::string baseline_path(const std::string& dir, const std::string& scenario_file);

// The tolerance that applies to one metric (see the precedence above).
Tolerance tolerance_for(const std::string& path, scenarios::MetricKind kind,
                        const std::vector<ToleranceOverride>& file_overrides,
                        const std::vector<ToleranceOverride>& flag_overrides);

struct MetricComparison {
  std::string path;
  scenarios::MetricKind kind = scenarios::MetricKind::kNumber;
  std::optional<double> old_value;  // absent: the metric is new (not in the baseline)
  std::optional<double> new_value;  // absent: the metric disappeared from the run
  Tolerance tolerance;
  bool passed = false;
};

// Rounds a value to the precision a baseline stores it at (format_metric_value), so that an
// unchanged result compares exactly equal to its stored value.
double round_as_stored(scenarios::MetricKind kind, double value);

// One comparison per path in the union of both lists (in any order), sorted by path. A metric only on one
// side fails (the baseline must be updated to add or drop it).
std::vector<MetricComparison> compare_with_baseline(const Baseline& baseline,
                                                    const std::vector<MetricValue>& current,
                                                    const std::vector<ToleranceOverride>& flag_overrides);

// "+9.3%", "-2.0%", "0.0%", or for an old value of 0 the absolute change "+3" / "+0.5ms".
std::string change_text(const MetricComparison& comparison);

}  // namespace sharesim::reports
