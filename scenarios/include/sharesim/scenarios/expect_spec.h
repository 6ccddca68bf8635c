// Expectations a scenario states about its own results (the top-level `expect:` list), checked by
// `sharesim check`. The grammar, the metric namespace and the units are documented in docs/check.md.
//
//   expect:
//     - detector.p99 <= 50ms
//     - detector.throughput >= 190/s
//     - gpu[edge-1/0].utilization_gpu <= 0.9
//     - faults == 0
//
// One expectation is `<metric> <comparison> <value>`:
//  - <metric> is a path in the flat metric namespace: `<workload>.<leaf>`, `gpu[<device>/<index>].<leaf>`
//    or a scenario-wide `<leaf>`. The leaf alone fixes the metric's kind (metric_leaves() below), so
//    the value's unit is checked when the expectation is read, before anything runs. Whether the
//    workload or GPU exists is checked against the run's results.
//  - <comparison> is one of <= < >= > == != (flags only == and !=).
//  - <value> is written in the kind's units (MetricKind); a value in another kind's unit is an
//    error ("unit mismatch"), never a silent conversion.
// Parsing never throws or asserts on input: errors name file, line, column and what was expected.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sharesim/sim/result.h"

namespace sharesim::scenarios {

// What a metric measures, which fixes the units its values are written in. Values are held as a
// double in the canonical unit named beside each kind.
enum class MetricKind {
  kDuration,  // milliseconds; written with a time unit: "50ms", "1.5s", "800us" ("0" alone is 0)
  kRate,      // per second; written "190/s", "600/m", "3600/h"
  kFraction,  // 0..1; written "0.9" or "90%"
  kBytes,     // bytes; written "2GiB", "600KiB", "1.5GB", "4096B" or a bare "4096"
  kCount,     // an integer count; written as a plain number "0", "900"
  kNumber,    // a plain real number "1.5"
  kFlag,      // true (1) or false (0); written "true" / "false"
};

// "duration", "rate", "fraction", "bytes", "count", "number", "flag".
[[nodiscard]] std::string_view metric_kind_name(MetricKind kind);
// Inverse of metric_kind_name; nullopt for any other text.
[[nodiscard]] std::optional<MetricKind> metric_kind_from_name(std::string_view name);

enum class Comparison { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual, kNotEqual };

// "<", "<=", ">", ">=", "==", "!=".
[[nodiscard]] std::string_view comparison_symbol(Comparison comparison);
// Whether `measured <comparison> expected` holds (plain IEEE comparison: NaN fails all but !=).
[[nodiscard]] bool comparison_holds(Comparison comparison, double measured, double expected);

// Where a metric lives in the namespace: a workload's, a GPU's, or the scenario's.
enum class MetricScope { kWorkload, kGpu, kScenario };

struct MetricLeaf {
  std::string_view name;  // "p99", "utilization_gpu", ...
  MetricScope scope;
  MetricKind kind;
  std::string_view meaning;  // one line for docs and error messages
};

// Every leaf of the namespace (the single source of truth for docs/check.md and reports/metrics.h).
[[nodiscard]] const std::vector<MetricLeaf>& metric_leaves();

// The kind of the metric at `path` ("detector.p99" -> kDuration), or an error saying what is wrong
// with the path (unknown leaf with a suggestion, malformed gpu[...] selector). Does not check that
// the workload or GPU exists.
Result<MetricKind> metric_kind_of_path(std::string_view path);

// Parses a value written for a metric of `kind` (see MetricKind) into the canonical unit. A value
// in another kind's unit is a "unit mismatch" error naming both. Errors carry only the message.
Result<double> parse_metric_value(MetricKind kind, std::string_view text);

// One expectation as read from the scenario file.
struct Expectation {
  std::string text;    // as written, trimmed: "detector.p99 <= 50ms"
  std::string metric;  // "detector.p99"
  MetricKind kind = MetricKind::kNumber;
  Comparison comparison = Comparison::kLessEqual;
  double value = 0;        // in the kind's canonical unit
  std::string value_text;  // the value as written: "50ms"
  // Where it was written (the sequence item), 1-based.
  std::string file;
  int line = 0;
  int column = 0;
};

// Parses one expectation text. `file`, `line`, `column` locate the text; errors point at it and
// name the field "expect[<index>]".
Result<Expectation> parse_expectation(std::string_view text, const std::string& file, int line, int column,
                                      size_t index);

// The `expect:` list of a whole scenario file's YAML text: an empty list when the key is absent.
// (The scenario loader reads the same section into Scenario::expectations; this reads only that
// section, for tools and tests that need no full scenario.)
Result<std::vector<Expectation>> read_expectations_text(std::string_view yaml, const std::string& file);
// The same from a file on disk.
Result<std::vector<Expectation>> read_expectations_file(const std::string& path);

}  // namespace sharesim::scenarios
