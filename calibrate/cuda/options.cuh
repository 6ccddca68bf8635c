// The command line of sharesim-calibrate, parsed.
#pragma once

#include <string>
#include <vector>

#include "sharesim/calibrate/plan.h"

namespace sharesim::calibrate::cuda {

struct Options {
  std::vector<SuiteId> suites = all_suites();
  std::string output = "sharesim-calibration.csv";
  int device = 0;
  std::string mps = "auto";
  bool quick = false;
};

}  // namespace sharesim::calibrate::cuda
