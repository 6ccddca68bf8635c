#include "sharesim/sim/text_format.h"

#include <cstdio>

namespace sharesim::sim {

std::string fmt(const char* format, double value) {
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

}  // namespace sharesim::sim
