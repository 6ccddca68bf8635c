// What `sharesim check` found for each scenario, and the terminal report of it: one status line per
// scenario, then a table of every failed expectation and every metric that moved beyond its
// tolerance, then a total. Deterministic: the text depends only on the checks, in their order.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sharesim/reports/baseline.h"
#include "sharesim/reports/expectations.h"
#include "sharesim/sim/result.h"

namespace sharesim::reports {

struct ScenarioCheck {
  std::string scenario_file;
  std::string scenario_name;  // from the run; the file's stem when it never ran
  uint64_t seed = 0;
  // Bad input (the scenario, an expectation, the baseline file): the check could not be done.
  std::optional<Error> error;
  // Failures the placement showed before the run (run::RunOptions::on_load_warning): printed as
  // warnings, so that a check never passes them silently.
  std::vector<Error> load_warnings;
  std::vector<ExpectationOutcome> expectations;
  // The baseline: compared (comparisons filled), written (--update-baseline), or not used.
  enum class BaselineUse { kNone, kCompared, kWritten } baseline = BaselineUse::kNone;
  std::string baseline_file;
  std::vector<MetricComparison> comparisons;
};

enum class CheckStatus { kPassed, kFailed, kError };
CheckStatus check_status(const ScenarioCheck& check);
// The process exit code for a whole check: 2 if any scenario is an error, else 1 if any failed,
// else 0.
int check_exit_code(const std::vector<ScenarioCheck>& checks);

// "5%", "0% + 2", "5% + 0.001000ms".
std::string tolerance_text(scenarios::MetricKind kind, const Tolerance& tolerance);

std::string check_report_text(const std::vector<ScenarioCheck>& checks);

}  // namespace sharesim::reports
