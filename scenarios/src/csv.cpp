// The generic CSV reader and the arrival-trace parser. Kernel profiles and Nsight Systems exports
// are in profile_csv.cpp.
#include "sharesim/scenarios/csv.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "sharesim/sim/text_util.h"
#include "sharesim/sim/time.h"
#include "sharesim/sim/units.h"

namespace sharesim::scenarios {

using sim::trim;

// ---- Generic reader ---------------------------------------------------------------------------

std::optional<size_t> CsvTable::column(std::string_view name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  for (size_t i = 0; i < header.size(); ++i) {
    if (sim::iequals(header[i], name)) return i;
  }
  return std::nullopt;
}

Error CsvTable::error_at(const Row& row, size_t column_index, std::string message) const {
  Error e{source, row.line, 0, "", std::move(message)};
  if (column_index < row.columns.size()) e.column = row.columns[column_index];
  if (column_index < header.size()) e.field = "column '" + header[column_index] + "'";
  return e;
}

Error CsvTable::missing_column(std::string_view name) const {
  std::string names;
  for (const auto& h : header) names += (names.empty() ? "" : ", ") + h;
  return Error{source, header_line, 1, "",
               "expected a column named '" + std::string(name) + "', found only: " + names};
}

Result<CsvTable> parse_csv(std::string_view text, const std::string& source, int first_line) {
  CsvTable table;
  table.source = source;
  size_t i = 0;
  const size_t n = text.size();
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // UTF-8 byte order mark
  int line = first_line;
  int col = 1;
  bool have_header = false;

  while (i < n) {
    // Blank lines (also "\r\n" alone) are skipped.
    if (text[i] == '\n' || text[i] == '\r') {
      if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
      ++i;
      ++line;
      col = 1;
      continue;
    }
    CsvTable::Row row;
    row.line = line;
    for (;;) {
      std::string field;
      // Blanks before an unquoted field are not part of it: the field "starts" after them.
      size_t lookahead = i;
      while (lookahead < n && (text[lookahead] == ' ' || text[lookahead] == '\t')) ++lookahead;
      if (lookahead < n && text[lookahead] != '"') {
        col += static_cast<int>(lookahead - i);
        i = lookahead;
      }
      const int field_col = col;
      if (i < n && text[i] == '"') {
        ++i;
        ++col;
        bool closed = false;
        while (i < n) {
          const char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field += '"';
              i += 2;
              col += 2;
              continue;
            }
            ++i;
            ++col;
            closed = true;
            break;
          }
          if (c == '\n') {
            ++line;
            col = 1;
          } else {
            ++col;
          }
          field += c;
          ++i;
        }
        if (!closed) {
          return Error{source, row.line, field_col, "",
                       "expected a closing double quote for the field that starts here, found "
                       "the end of the file"};
        }
        if (i < n && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
          return Error{source, line, col, "",
                       "expected a comma or the end of the line after a quoted field, found '" +
                           std::string(1, text[i]) + "'"};
        }
      } else {
        while (i < n && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
          field += text[i];
          ++i;
          ++col;
        }
        field = std::string(trim(field));
      }
      row.fields.push_back(std::move(field));
      row.columns.push_back(field_col);
      if (i < n && text[i] == ',') {
        ++i;
        ++col;
        continue;
      }
      if (i < n && text[i] == '\r') ++i;
      if (i < n && text[i] == '\n') ++i;
      ++line;
      col = 1;
      break;
    }
    if (!have_header) {
      table.header = std::move(row.fields);
      table.header_line = row.line;
      have_header = true;
      continue;
    }
    if (row.fields.size() != table.header.size()) {
      return Error{source, row.line, 1, "",
                   "expected " + std::to_string(table.header.size()) +
                       " comma-separated fields (as in the header at line " +
                       std::to_string(table.header_line) + "), found " + std::to_string(row.fields.size())};
    }
    table.rows.push_back(std::move(row));
  }
  if (!have_header) {
    return Error{source, first_line, 0, "", "expected a header line with column names, found an empty file"};
  }
  return table;
}

Result<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{path, 0, 0, "", std::string("cannot open file: ") + std::strerror(errno)};
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return Error{path, 0, 0, "", "cannot read file"};
  return out.str();
}

// ---- Timestamps --------------------------------------------------------------------------------

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int64_t y, int64_t m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int64_t digits_value(std::string_view s) {
  int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// ".1234567" -> nanoseconds (exact; up to 9 digits).
Result<int64_t> fraction_ns(std::string_view digits, std::string_view shown) {
  if (digits.size() > 9) {
    return make_error("expected at most 9 fractional digits of a second (nanoseconds), found '" +
                      std::string(shown) + "'");
  }
  int64_t ns = digits_value(digits);
  for (size_t k = digits.size(); k < 9; ++k) ns *= 10;
  return ns;
}

}  // namespace

Result<int64_t> parse_trace_timestamp_ns(std::string_view text, bool* absolute) {
  const std::string_view t = trim(text);
  const std::string shown(t);
  const std::string expected =
      "expected a timestamp such as '2023-11-16 18:15:46.6805900' or seconds such as '1.25', found '" +
      shown + "'";
  // Absolute: YYYY-MM-DD HH:MM:SS[.f]
  if (t.size() >= 19 && t[4] == '-' && t[7] == '-' && (t[10] == ' ' || t[10] == 'T') && t[13] == ':' &&
      t[16] == ':') {
    const std::string_view ys = t.substr(0, 4), ms = t.substr(5, 2), ds = t.substr(8, 2);
    const std::string_view hs = t.substr(11, 2), mins = t.substr(14, 2), ss = t.substr(17, 2);
    if (!all_digits(ys) || !all_digits(ms) || !all_digits(ds) || !all_digits(hs) || !all_digits(mins) ||
        !all_digits(ss)) {
      return make_error(expected);
    }
    int64_t frac = 0;
    if (t.size() > 19) {
      if (t[19] != '.' || !all_digits(t.substr(20))) return make_error(expected);
      auto f = fraction_ns(t.substr(20), t);
      if (!f) return f.error();
      frac = *f;
    }
    const int64_t y = digits_value(ys), mo = digits_value(ms), d = digits_value(ds);
    const int64_t h = digits_value(hs), mi = digits_value(mins), s = digits_value(ss);
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59) {
      return make_error("expected a valid date and time, found '" + shown + "'");
    }
    if (absolute) *absolute = true;
    const int64_t seconds = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    // 64-bit nanoseconds since 1970 reach about 292 years either way.
    if (seconds > 9'000'000'000 || seconds < -9'000'000'000) {
      return make_error("timestamp '" + shown + "' is out of range (years 1685 to 2255)");
    }
    return seconds * 1'000'000'000 + frac;
  }
  // Relative: decimal seconds "12", "12.5", ".5".
  const size_t dot = t.find('.');
  const std::string_view int_part = t.substr(0, dot);
  const std::string_view frac_part = dot == std::string_view::npos ? std::string_view() : t.substr(dot + 1);
  if ((int_part.empty() && frac_part.empty()) || (!int_part.empty() && !all_digits(int_part)) ||
      (!frac_part.empty() && !all_digits(frac_part))) {
    return make_error(expected);
  }
  if (int_part.size() > 10 || digits_value(int_part) > 9'000'000'000) {
    return make_error("timestamp '" + shown + "' is too large (at most 9e9 seconds)");
  }
  int64_t frac = 0;
  if (!frac_part.empty()) {
    auto f = fraction_ns(frac_part, t);
    if (!f) return f.error();
    frac = *f;
  }
  if (absolute) *absolute = false;
  return digits_value(int_part) * 1'000'000'000 + frac;
}

// ---- Arrival traces ----------------------------------------------------------------------------

Result<models::TraceArrivals> parse_trace_csv(std::string_view text, const std::string& source,
                                              const TraceCsvOptions& options) {
  if (!(options.time_scale > 0) || !std::isfinite(options.time_scale)) {
    return Error{source, 0, 0, "time_scale",
                 "expected a finite number > 0, found " + sim::format_double(options.time_scale)};
  }
  if (options.start < 0) {
    return Error{source, 0, 0, "start", "expected a row index >= 0, found " + std::to_string(options.start)};
  }
  if (options.limit && *options.limit < 1) {
    return Error{source, 0, 0, "limit", "expected a row count >= 1, found " + std::to_string(*options.limit)};
  }
  auto table = parse_csv(text, source);
  if (!table) return table.error();
  const auto time_col = table->column(options.time_column);
  if (!time_col) return table->missing_column(options.time_column);
  std::optional<size_t> scale_col;
  if (!options.scale_column.empty()) {
    scale_col = table->column(options.scale_column);
    if (!scale_col) return table->missing_column(options.scale_column);
  }
  const auto total = static_cast<int64_t>(table->rows.size());
  if (total == 0) {
    return Error{source, table->header_line, 1, "",
                 "expected at least one data row below the header, found none (a trace needs arrivals)"};
  }
  if (options.start >= total) {
    return Error{source, 0, 0, "start",
                 "expected a start row below the trace's " + std::to_string(total) + " data rows, found " +
                     std::to_string(options.start)};
  }
  const int64_t end = options.limit ? std::min(total, options.start + *options.limit) : total;

  models::TraceArrivals out;
  out.source = source;
  out.offsets.reserve(static_cast<size_t>(end - options.start));
  std::vector<double> scale_values;
  int64_t first = 0;
  int64_t previous = 0;
  int previous_line = 0;
  bool first_absolute = false;
  for (int64_t r = options.start; r < end; ++r) {
    const auto& row = table->rows[static_cast<size_t>(r)];
    bool absolute = false;
    auto ts = parse_trace_timestamp_ns(row.fields[*time_col], &absolute);
    if (!ts) return table->error_at(row, *time_col, ts.error().message);
    if (r == options.start) {
      first = *ts;
      previous = *ts;
      first_absolute = absolute;
    } else {
      if (absolute != first_absolute) {
        return table->error_at(row, *time_col,
                               std::string("expected ") +
                                   (first_absolute ? "an absolute timestamp" : "relative seconds") +
                                   " like the first replayed row (line " +
                                   std::to_string(table->rows[static_cast<size_t>(options.start)].line) +
                                   "), found '" + row.fields[*time_col] + "'");
      }
      if (*ts < previous) {
        return table->error_at(row, *time_col,
                               "timestamps must not go backwards: '" + row.fields[*time_col] +
                                   "' is earlier than the row at line " + std::to_string(previous_line) +
                                   " (sort the trace, or check time_column)");
      }
    }
    previous = *ts;
    previous_line = row.line;
    const int64_t offset_ns = *ts - first;
    if (options.time_scale != 1.0) {
      const double scaled = static_cast<double>(offset_ns) * options.time_scale;
      if (scaled >= 9.0e18) {
        return table->error_at(row, *time_col, "arrival time times time_scale is too large");
      }
      out.offsets.push_back(sim::Time::ns(offset_ns).scaled(options.time_scale));
    } else {
      out.offsets.push_back(sim::Time::ns(offset_ns));
    }
    if (scale_col) {
      auto v = sim::parse_number(row.fields[*scale_col]);
      if (!v) return table->error_at(row, *scale_col, v.error().message);
      if (*v < 0) {
        return table->error_at(row, *scale_col,
                               "expected a work size >= 0, found '" + row.fields[*scale_col] + "'");
      }
      scale_values.push_back(*v);
    }
  }
  if (scale_col) {
    double sum = 0;
    for (double v : scale_values) sum += v;
    const double mean = sum / static_cast<double>(scale_values.size());
    if (!(mean > 0)) {
      return Error{source, table->header_line, 0, "column '" + options.scale_column + "'",
                   "expected values with a mean > 0 (the work scale is value / mean), found all zero"};
    }
    out.work_scale.reserve(scale_values.size());
    for (double v : scale_values) out.work_scale.push_back(v / mean);
  }
  return out;
}

Result<models::TraceArrivals> load_trace_csv(const std::string& path, const TraceCsvOptions& options) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return parse_trace_csv(*text, path, options);
}

}  // namespace sharesim::scenarios
