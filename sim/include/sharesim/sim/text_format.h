// printf-style formatting of one number, for tables and reports (C locale, deterministic).
#pragma once

#include <string>

namespace sharesim::sim {

// fmt("%.1f", 2.25) == "2.2". REQUIRES: `format` takes exactly one double and prints < 96 chars.
std::string fmt(const char* format, double value);

}  // namespace sharesim::sim
