#include "sharesim/reports/junit.h"

#include <string>

namespace sharesim::reports {

namespace {

struct Case {
  std::string name;
  std::string classname;
  std::string file;
  int line = 0;
  std::string failure_type;  // "" when it passed
  std::string message;
  std::string detail;
};

void write_case(std::string& out, const Case& c) {
  out += "    <testcase name=\"" + xml_escape(c.name) + "\" classname=\"" + xml_escape(c.classname) + "\"";
  if (!c.file.empty()) out += " file=\"" + xml_escape(c.file) + "\"";
  if (c.line > 0) out += " line=\"" + std::to_string(c.line) + "\"";
  if (c.failure_type.empty()) {
    out += "/>\n";
    return;
  }
  const char* element = c.failure_type == "error" ? "error" : "failure";
  out += ">\n      <" + std::string(element) + " message=\"" + xml_escape(c.message) + "\" type=\"" +
         xml_escape(c.failure_type) + "\">" + xml_escape(c.detail) + "</" + element + ">\n    </testcase>\n";
}

}  // namespace

std::string junit_xml(const std::vector<ScenarioCheck>& checks) {
  std::string suites;
  size_t tests_total = 0, failures_total = 0, errors_total = 0;
  for (const ScenarioCheck& check : checks) {
    std::vector<Case> cases;
    size_t failures = 0, errors = 0;
    if (check.error) {
      cases.push_back(Case{.name = "load",
                           .classname = check.scenario_name,
                           .file = check.error->file.empty() ? check.scenario_file : check.error->file,
                           .line = check.error->line,
                           .failure_type = "error",
                           .message = check.error->to_string(),
                           .detail = check.error->to_string()});
      ++errors;
    }
    for (const auto& e : check.expectations) {
      const auto& x = e.expectation;
      Case c{.name = "expect " + x.text,
             .classname = check.scenario_name + ".expect",
             .file = x.file,
             .line = x.line};
      if (!e.passed) {
        c.failure_type = "expectation";
        c.message = x.metric + " = " + format_metric_value(x.kind, e.measured) + ", expected " +
                    std::string(scenarios::comparison_symbol(x.comparison)) + " " + x.value_text;
        c.detail = x.file + ":" + std::to_string(x.line) + ":" + std::to_string(x.column) + ": " + c.message;
        ++failures;
      }
      cases.push_back(std::move(c));
    }
    for (const auto& m : check.comparisons) {
      Case c{.name = "baseline " + m.path,
             .classname = check.scenario_name + ".baseline",
             .file = check.baseline_file};
      if (!m.passed) {
        const std::string old_text =
            m.old_value ? format_metric_value(m.kind, *m.old_value) : "(not in the baseline)";
        const std::string new_text =
            m.new_value ? format_metric_value(m.kind, *m.new_value) : "(not in the results)";
        c.failure_type = "regression";
        c.message = m.path + " moved " + change_text(m) + ": " + old_text + " -> " + new_text +
                    " (tolerance " + tolerance_text(m.kind, m.tolerance) + ")";
        c.detail = "old " + old_text + "\nnew " + new_text +
                   "\nUpdate the baseline with 'sharesim check --baseline DIR "
                   "--update-baseline " +
                   check.scenario_file + "' if the change is intended.";
        ++failures;
      }
      cases.push_back(std::move(c));
    }
    if (check.baseline == ScenarioCheck::BaselineUse::kWritten) {
      cases.push_back(Case{.name = "baseline written",
                           .classname = check.scenario_name + ".baseline",
                           .file = check.baseline_file});
    }
    tests_total += cases.size();
    failures_total += failures;
    errors_total += errors;
    suites += "  <testsuite name=\"" + xml_escape(check.scenario_name) + "\" tests=\"" +
              std::to_string(cases.size()) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
              std::to_string(errors) + "\" skipped=\"0\" file=\"" + xml_escape(check.scenario_file) + "\">\n";
    for (const Case& c : cases) write_case(suites, c);
    suites += "  </testsuite>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sharesim check\" tests=\"" +
         std::to_string(tests_total) + "\" failures=\"" + std::to_string(failures_total) + "\" errors=\"" +
         std::to_string(errors_total) + "\">\n" + suites + "</testsuites>\n";
}

}  // namespace sharesim::reports
