#include "sharesim/calibrate/raw_reader.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include "sharesim/calibrate/plan.h"

namespace sharesim::calibrate {
namespace {

Error csv_error(const std::string& file, int line, std::string field, std::string message) {
  return Error{
      .file = file, .line = line, .column = 0, .field = std::move(field), .message = std::move(message)};
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (;;) {
    size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, comma - start));
    start = comma + 1;
  }
}

bool known_suite(std::string_view name) {
  for (SuiteId suite : all_suites()) {
    if (suite_name(suite) == name) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
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
    std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_number;
    if (line.empty()) continue;
    if (line.front() == '#') {
      std::string_view body = trim(line.substr(1));
      size_t colon = body.find(": ");
      if (colon == std::string_view::npos) continue;  // a free comment
      if (have_columns) {
        return csv_error(file, line_number, "header",
                         "a '# key: value' header line after the column line (the device block comes first)");
      }
      data.set_header(std::string(trim(body.substr(0, colon))), std::string(trim(body.substr(colon + 2))));
      continue;
    }
    if (!have_columns) {
      if (line != kCsvColumns) {
        return csv_error(
            file, line_number, "columns",
            std::string("expected the column line '") + kCsvColumns + "', found '" + std::string(line) + "'");
      }
      have_columns = true;
      continue;
    }
    std::vector<std::string_view> f = split_fields(line);
    if (f.size() != 7) {
      return csv_error(
          file, line_number, "row",
          "expected 7 fields (" + std::string(kCsvColumns) + "), found " + std::to_string(f.size()));
    }
    Measurement m;
    m.line = line_number;
    m.suite = std::string(trim(f[0]));
    if (!known_suite(m.suite)) {
      return csv_error(file, line_number, "suite",
                       "expected copies, launch, sm-scaling, overlap or sharing, found '" + m.suite + "'");
    }
    m.case_name = std::string(trim(f[1]));
    if (m.case_name.empty())
      return csv_error(file, line_number, "case", "expected a case name, found nothing");
    m.param = std::string(trim(f[2]));
    std::vector<std::pair<std::string, int64_t>> params;
    if (!parse_param_string(m.param, params)) {
      return csv_error(file, line_number, "param",
                       "expected key=integer pairs separated by ';', found '" + m.param + "'");
    }
    m.metric = std::string(trim(f[3]));
    if (m.metric.empty())
      return csv_error(file, line_number, "metric", "expected a metric name, found nothing");
    std::string_view value_text = trim(f[4]);
    double value = 0;
    auto [vend, vec] = std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
    if (value_text.empty() || vec != std::errc() || vend != value_text.data() + value_text.size() ||
        !std::isfinite(value)) {
      return csv_error(file, line_number, "value",
                       "expected a finite number, found '" + std::string(value_text) + "'");
    }
    m.value = value;
    m.unit = std::string(trim(f[5]));
    if (m.unit.empty())
      return csv_error(file, line_number, "unit", "expected a unit (ns, B, count), found nothing");
    std::string_view rep_text = trim(f[6]);
    int64_t rep = 0;
    auto [rend, rec] = std::from_chars(rep_text.data(), rep_text.data() + rep_text.size(), rep);
    if (rep_text.empty() || rec != std::errc() || rend != rep_text.data() + rep_text.size() || rep < 0) {
      return csv_error(file, line_number, "rep",
                       "expected a non-negative integer, found '" + std::string(rep_text) + "'");
    }
    m.rep = rep;
    data.rows.push_back(std::move(m));
  }
  if (!have_columns) {
    return csv_error(
        file, line_number, "columns",
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
