// Quantities with units as users write them in scenario files and on the command line.
#pragma once

#include <cstdint>
#include <string_view>

#include "sharesim/sim/result.h"

namespace sharesim::sim {

// Bytes: "600KiB", "2GiB", "4096B", "1.5MB", "4096" (a bare number is bytes). Binary units
// (KiB, MiB, GiB, TiB) are powers of 1024, decimal ones (KB, MB, GB, TB) powers of 1000.
// Fractional results are rounded to the nearest byte.
Result<int64_t> parse_bytes(std::string_view text);

// A rate in events per second: "200/s", "50/m", "3600/h", "0.5/s".
Result<double> parse_rate_per_second(std::string_view text);

// A plain finite number (no unit): "0.3", "1e-3". Rejects NaN, inf and trailing garbage.
Result<double> parse_number(std::string_view text);

}  // namespace sharesim::sim
