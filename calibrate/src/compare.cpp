#include "sharesim/calibrate/compare.h"

#include <cmath>
#include <cstdio>

#include "sharesim/calibrate/plan.h"

namespace sharesim::calibrate {

AccuracyReport compare_observations(const Observations& measured, const Observations& model) {
  AccuracyReport report;
  for (SuiteId suite_id : all_suites()) {
    const std::string suite(suite_name(suite_id));
    SuiteAccuracy acc;
    acc.suite = suite;
    double sum = 0;
    for (const auto& [key, m] : measured) {
      if (m.suite != suite) continue;
      auto it = model.find(key);
      if (it == model.end()) {
        ++report.unmatched_measured;
        continue;
      }
      if (m.value == 0) continue;
      const double err = std::abs(it->second.value - m.value) / std::abs(m.value);
      acc.errors.push_back(ObservationError{
          .key = key, .measured = m.value, .model = it->second.value, .relative_error = err});
      sum += err;
      if (err >= acc.max_relative_error) {
        acc.max_relative_error = err;
        acc.worst_key = key;
      }
    }
    acc.points = static_cast<int>(acc.errors.size());
    if (acc.points == 0) continue;
    acc.mean_relative_error = sum / acc.points;
    report.suites.push_back(std::move(acc));
  }
  return report;
}

void print_accuracy_report(std::ostream& out, const AccuracyReport& report, bool detail) {
  char line[512];
  std::snprintf(line, sizeof line, "%-11s %6s %11s %11s  %s\n", "suite", "points", "mean error", "max error",
                "worst observation");
  out << line;
  for (const SuiteAccuracy& s : report.suites) {
    std::snprintf(line, sizeof line, "%-11s %6d %10.2f%% %10.2f%%  %s\n", s.suite.c_str(), s.points,
                  s.mean_relative_error * 100.0, s.max_relative_error * 100.0, s.worst_key.c_str());
    out << line;
    if (!detail) continue;
    for (const ObservationError& e : s.errors) {
      std::snprintf(line, sizeof line, "    %-60s measured %14.1f  model %14.1f  error %7.2f%%\n",
                    e.key.c_str(), e.measured, e.model, e.relative_error * 100.0);
      out << line;
    }
  }
  if (report.unmatched_measured > 0) {
    out << report.unmatched_measured
        << " measured observation(s) have no model counterpart (not modeled, e.g. host-side launch cost)\n";
  }
}

}  // namespace sharesim::calibrate
