#include "sharesim/calibrate/raw_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <vector>

#include "sharesim/calibrate/plan.h"
#include "sharesim/calibrate/raw_schema.h"

namespace sharesim::calibrate {
namespace {

Error csv_error(const std::string& file, int line, int column, std::string field, std::string message) {
  return Error{
      .file = file, .line = line, .column = column, .field = std::move(field), .message = std::move(message)};
}

// A field of a row and the 1-based column it starts at.
struct Field {
  std::string_view text;
  int column = 0;
};

std::vector<Field> split_fields(std::string_view line, int first_column) {
  std::vector<Field> fields;
  size_t start = 0;
  for (;;) {
    size_t comma = line.find(',', start);
    const int column = first_column + static_cast<int>(start);
    if (comma == std::string_view::npos) {
      fields.push_back(Field{line.substr(start), column});
      return fields;
    }
    fields.push_back(Field{line.substr(start, comma - start), column});
    start = comma + 1;
  }
}

bool known_suite(std::string_view name) {
  for (SuiteId suite : all_suites()) {
    if (suite_name(suite) == name) return true;
  }
  return false;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// Trims `field` and moves its column past the leading blanks.
Field trim(Field field) {
  while (!field.text.empty() && is_space(field.text.front())) {
    field.text.remove_prefix(1);
    ++field.column;
  }
  while (!field.text.empty() && is_space(field.text.back())) field.text.remove_suffix(1);
  return field;
}

std::string_view trim(std::string_view s) {
  return trim(Field{s, 0}).text;
}

// Checks the row's params against its case: every key known, present once, within its range
// (sizes and counts are positive, proc < procs). Returns the error or nothing.
std::optional<Error> check_params(const CaseSpec& spec, Field param, const std::string& file, int line) {
  std::vector<std::string_view> seen;
  int64_t procs = -1, proc = -1;
  int proc_column = param.column;
  size_t start = 0;
  while (!param.text.empty() && start <= param.text.size()) {
    size_t semi = param.text.find(';', start);
    if (semi == std::string_view::npos) semi = param.text.size();
    const std::string_view item = param.text.substr(start, semi - start);
    const int column = param.column + static_cast<int>(start);
    const size_t eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    int64_t value = 0;
    std::from_chars(item.data() + eq + 1, item.data() + item.size(), value);  // validated before
    const ParamSpec* ps = nullptr;
    for (const ParamSpec& p : spec.params) {
      if (p.key == key) ps = &p;
    }
    const std::string where = std::string(spec.suite) + " " + std::string(spec.case_name);
    if (ps == nullptr) {
      std::string keys;
      for (const ParamSpec& p : spec.params) keys += (keys.empty() ? "" : ", ") + std::string(p.key);
      return csv_error(file, line, column, "param",
                       "expected the keys " + keys + " for " + where + ", found '" + std::string(key) + "'");
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return csv_error(file, line, column, "param", "key '" + std::string(key) + "' given twice");
    }
    seen.push_back(key);
    if (value < ps->min || value > ps->max) {
      const std::string range = ps->max == std::numeric_limits<int64_t>::max()
                                    ? "at least " + std::to_string(ps->min)
                                    : "from " + std::to_string(ps->min) + " to " + std::to_string(ps->max);
      return csv_error(file, line, column, "param",
                       "expected " + std::string(key) + " " + range + " for " + where + ", found " +
                           std::to_string(value));
    }
    if (key == "procs") procs = value;
    if (key == "proc") {
      proc = value;
      proc_column = column;
    }
    start = semi + 1;
  }
  for (const ParamSpec& p : spec.params) {
    if (std::find(seen.begin(), seen.end(), p.key) == seen.end()) {
      return csv_error(file, line, param.column, "param",
                       "expected a key '" + std::string(p.key) + "' for " + std::string(spec.suite) + " " +
                           std::string(spec.case_name) + ", found '" + std::string(param.text) + "'");
    }
  }
  if (procs >= 0 && proc >= procs) {
    return csv_error(
        file, line, proc_column, "param",
        "expected proc below procs=" + std::to_string(procs) + ", found proc=" + std::to_string(proc));
  }
  return std::nullopt;
}

bool in_domain(double value, ValueDomain domain) {
  if (std::fpclassify(value) == FP_SUBNORMAL) return false;
  switch (domain) {
    case ValueDomain::kDuration:
      return value >= 1.0;
    case ValueDomain::kTimestamp:
    case ValueDomain::kCount:
      return value >= 0.0;
  }
  return false;
}

}  // namespace

Result<RawData> parse_raw_csv(std::string_view text, const std::string& file) {
  RawData data;
  bool have_columns = false;
  int line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const Field whole = trim(Field{text.substr(pos, end - pos), 1});
    const std::string_view line = whole.text;
    pos = end + 1;
    ++line_number;
    if (line.empty()) continue;
    if (line.front() == '#') {
      std::string_view body = trim(line.substr(1));
      size_t colon = body.find(": ");
      if (colon == std::string_view::npos) continue;  // a free comment
      if (have_columns) {
        return csv_error(file, line_number, whole.column, "header",
                         "a '# key: value' header line after the column line (the device block comes first)");
      }
      data.set_header(std::string(trim(body.substr(0, colon))), std::string(trim(body.substr(colon + 2))));
      continue;
    }
    if (!have_columns) {
      if (line != kCsvColumns) {
        return csv_error(
            file, line_number, whole.column, "columns",
            std::string("expected the column line '") + kCsvColumns + "', found '" + std::string(line) + "'");
      }
      have_columns = true;
      continue;
    }
    std::vector<Field> f = split_fields(line, whole.column);
    if (f.size() != 7) {
      return csv_error(
          file, line_number, whole.column, "row",
          "expected 7 fields (" + std::string(kCsvColumns) + "), found " + std::to_string(f.size()));
    }
    for (Field& field : f) field = trim(field);
    auto error = [&](int index, std::string field, std::string message) {
      return csv_error(file, line_number, f[static_cast<size_t>(index)].column, std::move(field),
                       std::move(message));
    };
    Measurement m;
    m.origin = RowOrigin{
        .file = file, .line = line_number, .param_column = f[2].column, .value_column = f[4].column};
    m.suite = std::string(f[0].text);
    if (!known_suite(m.suite)) {
      return error(0, "suite",
                   "expected copies, launch, sm-scaling, overlap or sharing, found '" + m.suite + "'");
    }
    m.case_name = std::string(f[1].text);
    const CaseSpec* spec = find_case_spec(m.suite, m.case_name);
    if (spec == nullptr) {
      return error(1, "case",
                   "expected a case of the " + m.suite + " suite (" + case_names(m.suite) + "), found '" +
                       m.case_name + "'");
    }
    m.param = std::string(f[2].text);
    std::vector<std::pair<std::string, int64_t>> params;
    if (!parse_param_string(m.param, params)) {
      return error(2, "param", "expected key=integer pairs separated by ';', found '" + m.param + "'");
    }
    if (auto e = check_params(*spec, f[2], file, line_number)) return *e;
    m.metric = std::string(f[3].text);
    const MetricSpec* metric = find_metric_spec(*spec, m.metric);
    if (metric == nullptr) {
      return error(3, "metric",
                   "expected a metric of " + m.suite + " " + m.case_name + " (" + metric_names(*spec) +
                       "), found '" + m.metric + "'");
    }
    const std::string_view value_text = f[4].text;
    double value = 0;
    auto [vend, vec] = std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
    if (value_text.empty() || vec != std::errc() || vend != value_text.data() + value_text.size() ||
        !std::isfinite(value)) {
      return error(4, "value", "expected a finite number, found '" + std::string(value_text) + "'");
    }
    if (!in_domain(value, metric->domain)) {
      return error(4, "value",
                   "expected " + std::string(domain_text(metric->domain)) + " for " + m.suite + " " +
                       m.case_name + " " + m.metric + ", found '" + std::string(value_text) + "'" +
                       (std::fpclassify(value) == FP_SUBNORMAL ? " (a subnormal number)" : ""));
    }
    m.value = value;
    m.unit = std::string(f[5].text);
    if (m.unit != metric->unit) {
      return error(5, "unit",
                   "expected '" + std::string(metric->unit) + "' for " + m.suite + " " + m.case_name + " " +
                       m.metric + ", found '" + m.unit + "'");
    }
    const std::string_view rep_text = f[6].text;
    int64_t rep = 0;
    auto [rend, rec] = std::from_chars(rep_text.data(), rep_text.data() + rep_text.size(), rep);
    if (rep_text.empty() || rec != std::errc() || rend != rep_text.data() + rep_text.size() || rep < 0) {
      return error(6, "rep", "expected a non-negative integer, found '" + std::string(rep_text) + "'");
    }
    m.rep = rep;
    data.rows.push_back(std::move(m));
  }
  if (!have_columns) {
    return csv_error(
        file, line_number, 0, "columns",
        std::string("no column line '") + kCsvColumns + "' (is this a sharesim calibration CSV?)");
  }
  return data;
}

Result<RawData> read_raw_csv_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Error{
        .file = path, .line = 0, .column = 0, .field = "", .message = "cannot open the file for reading"};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_raw_csv(text.str(), path);
}

}  // namespace sharesim::calibrate
