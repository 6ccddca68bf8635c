#include "sharesim/reports/expectations.h"

#include <cassert>
#include <set>
#include <string>

namespace sharesim::reports {

namespace {

// The workload names and gpu[...] selectors present in the metrics, for "no such metric" errors.
std::string known_owners(const std::vector<MetricValue>& metrics) {
  std::set<std::string> owners;
  for (const MetricValue& m : metrics) {
    const size_t dot = m.path.rfind('.');
    if (dot != std::string::npos) owners.insert(m.path.substr(0, dot));
  }
  std::string out;
  for (const std::string& o : owners) out += (out.empty() ? "" : ", ") + o;
  return out.empty() ? "none" : out;
}

}  // namespace

Result<std::vector<ExpectationOutcome>> evaluate_expectations(
    const std::vector<scenarios::Expectation>& expectations, const std::vector<MetricValue>& metrics) {
  std::vector<ExpectationOutcome> outcomes;
  outcomes.reserve(expectations.size());
  for (size_t i = 0; i < expectations.size(); ++i) {
    const scenarios::Expectation& e = expectations[i];
    const MetricValue* metric = find_metric(metrics, e.metric);
    if (metric == nullptr) {
      return Error{.file = e.file,
                   .line = e.line,
                   .column = e.column,
                   .field = "expect[" + std::to_string(i) + "]",
                   .message = "no metric '" + e.metric +
                              "' in this scenario's results (workloads and GPUs: " + known_owners(metrics) +
                              ")"};
    }
    // The kind comes from the leaf on both sides; a difference is a bug, not an input error.
    assert(metric->kind == e.kind);
    outcomes.push_back(
        ExpectationOutcome{.expectation = e,
                           .measured = metric->value,
                           .passed = scenarios::comparison_holds(e.comparison, metric->value, e.value)});
  }
  return outcomes;
}

}  // namespace sharesim::reports
