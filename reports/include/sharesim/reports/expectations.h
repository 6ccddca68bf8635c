// Evaluating a scenario's expectations (scenarios/expect_spec.h) against the metrics of its run.
#pragma once

#include <vector>

#include "sharesim/reports/metrics.h"
#include "sharesim/scenarios/expect_spec.h"
#include "sharesim/sim/result.h"

namespace sharesim::reports {

struct ExpectationOutcome {
  scenarios::Expectation expectation;
  double measured = 0;  // the metric's value, in the kind's canonical unit
  bool passed = false;
};

// One outcome per expectation, in the given order. An expectation naming a metric the run does not
// have (a workload or GPU that does not exist) is an input Error at the expectation's location,
// listing what exists. `metrics` must be sorted as collect_metrics returns them.
Result<std::vector<ExpectationOutcome>> evaluate_expectations(
    const std::vector<scenarios::Expectation>& expectations, const std::vector<MetricValue>& metrics);

}  // namespace sharesim::reports
