// JUnit XML (reports/junit.h) and the terminal report (reports/check_report.h) of `sharesim check`.
// The XML is checked with a small well-formedness parser written here (no XML library is a
// dependency): elements nest and close, attributes are quoted, every '&' starts a valid entity,
// and no raw '<' or control character appears in text or attributes.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "sharesim/reports/check_report.h"
#include "sharesim/reports/junit.h"

namespace sharesim::reports {
namespace {

struct Element {
  std::string name;
  std::map<std::string, std::string> attributes;  // values as written (escaped)
  std::string text;                               // direct character data, escaped
  int depth = 0;
};

bool valid_entity(const std::string& xml, size_t amp) {
  const size_t semi = xml.find(';', amp);
  if (semi == std::string::npos) return false;
  const std::string name = xml.substr(amp + 1, semi - amp - 1);
  if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos") return true;
  if (name.size() < 2 || name[0] != '#') return false;
  for (size_t i = 1; i < name.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return false;
  }
  return true;
}

// Returns the elements in document order, or fails the test with the reason.
std::vector<Element> parse_xml(const std::string& xml) {
  std::vector<Element> elements;
  std::vector<std::string> open;
  const std::string prolog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  EXPECT_EQ(xml.rfind(prolog, 0), 0U) << "no XML declaration";
  size_t i = prolog.size();
  int roots = 0;
  while (i < xml.size()) {
    const char c = xml[i];
    if (c == '<') {
      const bool closing = xml[i + 1] == '/';
      size_t j = i + (closing ? 2 : 1);
      std::string name;
      while (j < xml.size() &&
             (std::isalnum(static_cast<unsigned char>(xml[j])) || xml[j] == '-' || xml[j] == '_')) {
        name += xml[j++];
      }
      if (name.empty()) {
        ADD_FAILURE() << "bad tag at " << i;
        return {};
      }
      if (closing) {
        if (open.empty() || open.back() != name || xml[j] != '>') {
          ADD_FAILURE() << "mismatched </" << name << "> at " << i;
          return {};
        }
        open.pop_back();
        i = j + 1;
        continue;
      }
      Element e{.name = name, .depth = static_cast<int>(open.size())};
      if (open.empty()) ++roots;
      while (true) {
        while (xml[j] == ' ') ++j;
        if (xml[j] == '>' || (xml[j] == '/' && xml[j + 1] == '>')) break;
        std::string attr;
        while (j < xml.size() && xml[j] != '=' && xml[j] != ' ' && xml[j] != '>') attr += xml[j++];
        if (xml[j] != '=' || xml[j + 1] != '"') {
          ADD_FAILURE() << "unquoted attribute " << attr << " in <" << name << ">";
          return {};
        }
        j += 2;
        std::string value;
        while (j < xml.size() && xml[j] != '"') {
          if (xml[j] == '<' || static_cast<unsigned char>(xml[j]) < 0x20 ||
              (xml[j] == '&' && !valid_entity(xml, j))) {
            ADD_FAILURE() << "bad character in attribute " << attr << " of <" << name << ">";
            return {};
          }
          value += xml[j++];
        }
        if (e.attributes.count(attr)) ADD_FAILURE() << "duplicate attribute " << attr;
        e.attributes[attr] = value;
        ++j;
      }
      const bool empty = xml[j] == '/';
      i = j + (empty ? 2 : 1);
      if (!empty) open.push_back(name);
      elements.push_back(e);
      continue;
    }
    if (c == '&' && !valid_entity(xml, i)) {
      ADD_FAILURE() << "bare '&' at " << i;
      return {};
    }
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') {
      ADD_FAILURE() << "control character in text at " << i;
      return {};
    }
    if (!open.empty() && !elements.empty()) elements.back().text += c;
    ++i;
  }
  EXPECT_TRUE(open.empty()) << "unclosed <" << (open.empty() ? "" : open.back()) << ">";
  EXPECT_EQ(roots, 1);
  return elements;
}

ScenarioCheck failing_check() {
  ScenarioCheck check;
  check.scenario_file = "s<&>.yaml";
  check.scenario_name = "edge \"A\" & 'B' <1>";
  auto holds = scenarios::parse_expectation("detector.p99 <= 50ms", "s.yaml", 40, 5, 0);
  auto fails = scenarios::parse_expectation("faults == 0", "s.yaml", 41, 5, 1);
  EXPECT_TRUE(holds.ok() && fails.ok());
  check.expectations = {ExpectationOutcome{.expectation = *holds, .measured = 13.5, .passed = true},
                        ExpectationOutcome{.expectation = *fails, .measured = 2, .passed = false}};
  check.baseline = ScenarioCheck::BaselineUse::kCompared;
  check.baseline_file = "b/s.baseline";
  Baseline b;
  b.metrics = {MetricValue{.path = "detector.p99", .kind = scenarios::MetricKind::kDuration, .value = 10},
               MetricValue{.path = "faults", .kind = scenarios::MetricKind::kCount, .value = 2}};
  check.comparisons = compare_with_baseline(
      b,
      {MetricValue{.path = "detector.p99", .kind = scenarios::MetricKind::kDuration, .value = 13.5},
       MetricValue{.path = "faults", .kind = scenarios::MetricKind::kCount, .value = 2}},
      {});
  return check;
}

TEST(CheckJunit, EscapesEverythingXmlCannotCarry) {
  EXPECT_EQ(xml_escape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
  EXPECT_EQ(xml_escape("x\ny\tz"), "x&#10;y&#9;z");
  EXPECT_EQ(xml_escape(std::string("bell\x07")), "bell\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape("µs"), "µs");  // UTF-8 passes through
}

TEST(CheckJunit, OneSuitePerScenarioOneCasePerCheckWellFormed) {
  ScenarioCheck error_check;
  error_check.scenario_file = "bad.yaml";
  error_check.scenario_name = "bad";
  error_check.error =
      Error{.file = "bad.yaml", .line = 3, .column = 7, .field = "expect[0]", .message = "x < y & z"};
  const std::string xml = junit_xml({failing_check(), error_check});
  const std::vector<Element> elements = parse_xml(xml);
  ASSERT_FALSE(elements.empty()) << xml;
  EXPECT_EQ(elements[0].name, "testsuites");
  EXPECT_EQ(elements[0].attributes.at("tests"), "5");     // 2 expectations + 2 metrics + 1 load error
  EXPECT_EQ(elements[0].attributes.at("failures"), "2");  // faults == 0, detector.p99 moved +35%
  EXPECT_EQ(elements[0].attributes.at("errors"), "1");
  std::vector<const Element*> suites, cases, failures, errors;
  for (const Element& e : elements) {
    if (e.name == "testsuite") suites.push_back(&e);
    if (e.name == "testcase") cases.push_back(&e);
    if (e.name == "failure") failures.push_back(&e);
    if (e.name == "error") errors.push_back(&e);
    if (e.name == "testsuite") {
      EXPECT_EQ(e.depth, 1);
    }
    if (e.name == "testcase") {
      EXPECT_EQ(e.depth, 2);
    }
  }
  ASSERT_EQ(suites.size(), 2U);
  EXPECT_EQ(suites[0]->attributes.at("name"), "edge &quot;A&quot; &amp; &apos;B&apos; &lt;1&gt;");
  EXPECT_EQ(suites[0]->attributes.at("tests"), "4");
  EXPECT_EQ(suites[0]->attributes.at("failures"), "2");
  EXPECT_EQ(suites[1]->attributes.at("errors"), "1");
  ASSERT_EQ(cases.size(), 5U);
  EXPECT_EQ(cases[0]->attributes.at("name"), "expect detector.p99 &lt;= 50ms");
  EXPECT_EQ(cases[0]->attributes.at("line"), "40");
  EXPECT_EQ(cases[2]->attributes.at("name"), "baseline detector.p99");
  EXPECT_EQ(cases[4]->attributes.at("name"), "load");
  ASSERT_EQ(failures.size(), 2U);
  EXPECT_EQ(failures[0]->attributes.at("type"), "expectation");
  EXPECT_NE(failures[0]->attributes.at("message").find("faults = 2, expected == 0"), std::string::npos);
  EXPECT_EQ(failures[1]->attributes.at("type"), "regression");
  EXPECT_NE(failures[1]->attributes.at("message").find("+35.0%"), std::string::npos);  // 10 -> 13.5 ms
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_NE(errors[0]->attributes.at("message").find("bad.yaml:3:7: expect[0]: x &lt; y &amp; z"),
            std::string::npos);
}

TEST(CheckReport, TableListsEveryFailureWithOldNewAndChange) {
  const std::vector<ScenarioCheck> checks = {failing_check()};
  const std::string text = check_report_text(checks);
  EXPECT_NE(text.find("FAIL  edge"), std::string::npos) << text;
  // The failed expectation's row: what was expected and what was measured.
  EXPECT_NE(text.find("expect faults == 0 (line 41)  == 0"), std::string::npos) << text;
  // The moved metric's row: old, new, change and the tolerance (default 5% + 1 us).
  EXPECT_NE(text.find("baseline detector.p99"), std::string::npos) << text;
  EXPECT_NE(text.find("10.000000ms"), std::string::npos) << text;
  EXPECT_NE(text.find("13.500000ms"), std::string::npos) << text;
  EXPECT_NE(text.find("+35.0% (tolerance 5% + 0.001000ms)"), std::string::npos) << text;
  // The expectation and the metric that passed have no row.
  EXPECT_EQ(text.find("detector.p99 <= 50ms"), std::string::npos) << text;
  EXPECT_EQ(text.find("baseline faults"), std::string::npos) << text;
  EXPECT_EQ(check_exit_code(checks), 1);
}

TEST(CheckReport, ExitCodesZeroOneTwo) {
  ScenarioCheck ok;
  ok.scenario_name = "ok";
  EXPECT_EQ(check_exit_code({ok}), 0);
  EXPECT_EQ(check_exit_code({ok, failing_check()}), 1);
  ScenarioCheck bad;
  bad.error = Error{.message = "bad"};
  EXPECT_EQ(check_exit_code({ok, failing_check(), bad}), 2);
  EXPECT_NE(check_report_text({ok}).find("1 passed, 0 failed, 0 with errors"), std::string::npos);
}

}  // namespace
}  // namespace sharesim::reports
