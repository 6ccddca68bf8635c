#include "sharesim/reports/check_report.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

namespace sharesim::reports {

namespace {

using Row = std::array<std::string, 5>;

std::string pad_right(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

std::string count_text(size_t n, const char* singular, const char* plural) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

}  // namespace

CheckStatus check_status(const ScenarioCheck& check) {
  if (check.error) return CheckStatus::kError;
  for (const auto& e : check.expectations) {
    if (!e.passed) return CheckStatus::kFailed;
  }
  for (const auto& c : check.comparisons) {
    if (!c.passed) return CheckStatus::kFailed;
  }
  return CheckStatus::kPassed;
}

int check_exit_code(const std::vector<ScenarioCheck>& checks) {
  int code = 0;
  for (const auto& check : checks) {
    const CheckStatus status = check_status(check);
    if (status == CheckStatus::kError) return 2;
    if (status == CheckStatus::kFailed) code = 1;
  }
  return code;
}

std::string tolerance_text(scenarios::MetricKind kind, const Tolerance& tolerance) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g%%", 100.0 * tolerance.relative);
  std::string out = buffer;
  if (tolerance.absolute != 0) out += " + " + format_metric_value(kind, tolerance.absolute);
  return out;
}

std::string check_report_text(const std::vector<ScenarioCheck>& checks) {
  std::string out;
  std::vector<Row> rows;
  size_t expectations_total = 0, expectations_failed = 0, metrics_total = 0, metrics_moved = 0;
  size_t passed = 0, failed = 0, errors = 0;
  for (const ScenarioCheck& check : checks) {
    const CheckStatus status = check_status(check);
    std::string line;
    if (status == CheckStatus::kError) {
      ++errors;
      out += "ERROR " + check.scenario_file + ": " + check.error->to_string() + "\n";
      continue;
    }
    size_t e_failed = 0, m_moved = 0;
    for (const auto& e : check.expectations) {
      if (e.passed) continue;
      ++e_failed;
      const auto& x = e.expectation;
      rows.push_back(Row{check.scenario_name, "expect " + x.text + " (line " + std::to_string(x.line) + ")",
                         std::string(scenarios::comparison_symbol(x.comparison)) + " " + x.value_text,
                         format_metric_value(x.kind, e.measured), ""});
    }
    for (const auto& c : check.comparisons) {
      if (c.passed) continue;
      ++m_moved;
      rows.push_back(Row{check.scenario_name, "baseline " + c.path,
                         c.old_value ? format_metric_value(c.kind, *c.old_value) : "-",
                         c.new_value ? format_metric_value(c.kind, *c.new_value) : "-",
                         change_text(c) + (c.old_value && c.new_value
                                               ? " (tolerance " + tolerance_text(c.kind, c.tolerance) + ")"
                                               : "")});
    }
    expectations_total += check.expectations.size();
    expectations_failed += e_failed;
    metrics_total += check.comparisons.size();
    metrics_moved += m_moved;
    out += (status == CheckStatus::kPassed ? "ok    " : "FAIL  ") + check.scenario_name + " (" +
           check.scenario_file +
           "): " + count_text(check.expectations.size(), "expectation", "expectations") +
           (e_failed ? " (" + std::to_string(e_failed) + " failed)" : "");
    switch (check.baseline) {
      case ScenarioCheck::BaselineUse::kNone:
        out += ", no baseline";
        break;
      case ScenarioCheck::BaselineUse::kCompared:
        out += ", " + count_text(check.comparisons.size(), "metric", "metrics") + " against " +
               check.baseline_file + (m_moved ? " (" + std::to_string(m_moved) + " beyond tolerance)" : "");
        break;
      case ScenarioCheck::BaselineUse::kWritten:
        out += ", wrote " + check.baseline_file;
        break;
    }
    out += "\n";
    (status == CheckStatus::kPassed ? passed : failed) += 1;
  }
  if (!rows.empty()) {
    rows.insert(rows.begin(), Row{"scenario", "check", "expected/old", "measured/new", "change"});
    std::array<size_t, 5> width{};
    for (const Row& r : rows) {
      for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    }
    out += "\n";
    for (const Row& r : rows) {
      std::string line;
      for (size_t i = 0; i < r.size(); ++i)
        line += (i ? "  " : "") + pad_right(r[i], i + 1 < r.size() ? width[i] : 0);
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
  }
  out += "\ncheck: " + count_text(checks.size(), "scenario", "scenarios") + ": " + std::to_string(passed) +
         " passed, " + std::to_string(failed) + " failed, " + std::to_string(errors) + " with errors; " +
         count_text(expectations_total, "expectation", "expectations") + " (" +
         std::to_string(expectations_failed) + " failed), " +
         count_text(metrics_total, "baseline metric", "baseline metrics") + " (" +
         std::to_string(metrics_moved) + " beyond tolerance)\n";
  return out;
}

}  // namespace sharesim::reports
