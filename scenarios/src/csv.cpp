// The generic CSV reader and the arrival-trace parser. Kernel profiles and Nsight Systems exports
// are in profile_csv.cpp.
#include "sharesim/scenarios/csv.h"

#include <cassert>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "sharesim/sim/input_file.h"
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

namespace {

// Reads a CSV text one row at a time, reusing the row's buffers, so that a large file (a trace of
// 20 million rows) is parsed without holding every row: parse_csv keeps them, parse_trace_csv keeps
// only each row's arrival time.
class CsvRowReader {
 public:
  CsvRowReader(std::string_view text, std::string source, int first_line)
      : text_(text), source_(std::move(source)), line_(first_line), first_line_(first_line) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") i_ = 3;  // UTF-8 byte order mark
  }

  // The next non-blank row into `row`; false at the end of the text.
  Result<bool> next(CsvTable::Row& row) {
    const std::string_view text = text_;
    const size_t n = text.size();
    size_t& i = i_;
    int& line = line_;
    int& col = col_;
    // Blank lines (also "\r\n" alone) are skipped.
    while (i < n && (text[i] == '\n' || text[i] == '\r')) {
      if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
      ++i;
      ++line;
      col = 1;
    }
    if (i >= n) return false;
    row.line = line;
    size_t count = 0;
    for (;;) {
      if (row.fields.size() <= count) {
        row.fields.emplace_back();
        row.columns.push_back(0);
      }
      std::string& field = row.fields[count];
      field.clear();
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
          return Error{source_, row.line, field_col, "",
                       "expected a closing double quote for the field that starts here, found "
                       "the end of the file"};
        }
        if (i < n && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
          return Error{source_, line, col, "",
                       "expected a comma or the end of the line after a quoted field, found '" +
                           std::string(1, text[i]) + "'"};
        }
      } else {
        const size_t begin = i;
        while (i < n && text[i] != ',' && text[i] != '\r' && text[i] != '\n') ++i;
        col += static_cast<int>(i - begin);
        field.assign(trim(text.substr(begin, i - begin)));
      }
      row.columns[count] = field_col;
      ++count;
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
    row.fields.resize(count);
    row.columns.resize(count);
    return true;
  }

  // Reads the header into table (source, header, header_line).
  Status read_header(CsvTable& table) {
    table.source = source_;
    CsvTable::Row row;
    auto more = next(row);
    if (!more) return more.error();
    if (!*more) {
      return Error{source_, first_line_, 0, "",
                   "expected a header line with column names, found an empty file"};
    }
    table.header = std::move(row.fields);
    table.header_line = row.line;
    return Ok{};
  }

  // The next data row, checked against the header's field count; false at the end.
  Result<bool> next_data_row(const CsvTable& table, CsvTable::Row& row) {
    auto more = next(row);
    if (!more || !*more) return more;
    if (row.fields.size() != table.header.size()) {
      return Error{source_, row.line, 1, "",
                   "expected " + std::to_string(table.header.size()) +
                       " comma-separated fields (as in the header at line " +
                       std::to_string(table.header_line) + "), found " + std::to_string(row.fields.size())};
    }
    return true;
  }

 private:
  std::string_view text_;
  std::string source_;
  size_t i_ = 0;
  int line_;
  int first_line_;
  int col_ = 1;
};

}  // namespace

Result<CsvTable> parse_csv(std::string_view text, const std::string& source, int first_line) {
  CsvRowReader reader(text, source, first_line);
  CsvTable table;
  if (auto header = reader.read_header(table); !header) return header.error();
  for (;;) {
    CsvTable::Row row;
    auto more = reader.next_data_row(table, row);
    if (!more) return more.error();
    if (!*more) break;
    table.rows.push_back(std::move(row));
  }
  return table;
}

Result<std::string> read_text_file(const std::string& path) {
  return sim::read_input_file(path, "a CSV file", sim::kMaxCsvInputBytes);
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
  // Streamed row by row: only each replayed row's offset (and scale) is kept. Two passes, so that
  // errors come in the order of a whole-table parse: the file's CSV structure (every row), then
  // the columns, the row count, and the replayed rows' values.
  CsvTable table;
  int64_t total = 0;  // data rows
  {
    CsvRowReader structure(text, source, 1);
    if (auto header = structure.read_header(table); !header) return header.error();
    CsvTable::Row row;
    for (;; ++total) {
      auto more = structure.next_data_row(table, row);
      if (!more) return more.error();
      if (!*more) break;
    }
  }
  const auto time_col = table.column(options.time_column);
  if (!time_col) return table.missing_column(options.time_column);
  std::optional<size_t> scale_col;
  if (!options.scale_column.empty()) {
    scale_col = table.column(options.scale_column);
    if (!scale_col) return table.missing_column(options.scale_column);
  }
  if (total == 0) {
    return Error{source, table.header_line, 1, "",
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
  std::vector<double> scale_values;
  int64_t first = 0;
  int64_t previous = 0;
  int previous_line = 0;
  int start_line = 0;
  bool first_absolute = false;
  out.offsets.reserve(static_cast<size_t>(end - options.start));
  CsvRowReader reader(text, source, 1);
  if (auto header = reader.read_header(table); !header) return header.error();
  CsvTable::Row row;
  for (int64_t r = 0; r < end; ++r) {
    auto more = reader.next_data_row(table, row);
    assert(more && *more);  // the first pass read every row without an error
    if (!more || !*more) break;
    if (r < options.start) continue;
    bool absolute = false;
    auto ts = parse_trace_timestamp_ns(row.fields[*time_col], &absolute);
    if (!ts) return table.error_at(row, *time_col, ts.error().message);
    if (r == options.start) {
      first = *ts;
      previous = *ts;
      first_absolute = absolute;
      start_line = row.line;
    } else {
      if (absolute != first_absolute) {
        return table.error_at(row, *time_col,
                              std::string("expected ") +
                                  (first_absolute ? "an absolute timestamp" : "relative seconds") +
                                  " like the first replayed row (line " + std::to_string(start_line) +
                                  "), found '" + row.fields[*time_col] + "'");
      }
      if (*ts < previous) {
        return table.error_at(row, *time_col,
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
        return table.error_at(row, *time_col, "arrival time times time_scale is too large");
      }
      out.offsets.push_back(sim::Time::ns(offset_ns).scaled(options.time_scale));
    } else {
      out.offsets.push_back(sim::Time::ns(offset_ns));
    }
    if (scale_col) {
      auto v = sim::parse_number(row.fields[*scale_col]);
      if (!v) return table.error_at(row, *scale_col, v.error().message);
      if (*v < 0) {
        return table.error_at(row, *scale_col,
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
      return Error{source, table.header_line, 0, "column '" + options.scale_column + "'",
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
