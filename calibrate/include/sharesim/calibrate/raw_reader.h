// Reading the raw-measurement CSV (format in raw_csv.h) with errors that name file and line.
#pragma once

#include <string>
#include <string_view>

#include "sharesim/calibrate/raw_csv.h"
#include "sharesim/sim/result.h"

namespace sharesim::calibrate {

// Parses CSV text; `file` names it in errors. Rejects: a missing or different column line, rows
// with the wrong number of fields, unknown suites, empty case/metric/unit, malformed params,
// values that are not finite numbers, reps that are not non-negative integers, and "# key: value"
// header lines after the column line. Each error names the file, the 1-based line and the column.
Result<RawData> parse_raw_csv(std::string_view text, const std::string& file);
Result<RawData> read_raw_csv_file(const std::string& path);

}  // namespace sharesim::calibrate
