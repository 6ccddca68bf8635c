// The accuracy report: how far the model's predictions are from the measurements, per suite.
//
// Both sides are summarized (observations.h) and matched by key (suite/case/param/metric); for
// each observation present in both, the relative error is |model - measured| / |measured|.
// Observations whose measured value is 0 are left out (no relative error exists).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "sharesim/calibrate/observations.h"

namespace sharesim::calibrate {

struct ObservationError {
  std::string key;
  double measured = 0;
  double model = 0;
  double relative_error = 0;
};

struct SuiteAccuracy {
  std::string suite;
  int points = 0;
  double mean_relative_error = 0;
  double max_relative_error = 0;
  std::string worst_key;
  std::vector<ObservationError> errors;  // every matched observation, in key order
};

struct AccuracyReport {
  std::vector<SuiteAccuracy> suites;  // suites with at least one matched observation, in plan order
  int unmatched_measured = 0;         // measured observations the model does not produce
};

AccuracyReport compare_observations(const Observations& measured, const Observations& model);

// A table: suite, points, mean and max relative error, worst observation; with `detail`, every
// observation (measured, model, error) under its suite.
void print_accuracy_report(std::ostream& out, const AccuracyReport& report, bool detail);

}  // namespace sharesim::calibrate
