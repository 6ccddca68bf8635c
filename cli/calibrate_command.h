// `sharesim calibrate ...`: fit a GPU profile to measurements of sharesim-calibrate, compare the
// model with them, simulate the calibration suites, print the plan. The actions and their options
// are documented in calibrate/include/sharesim/calibrate/command.h and docs/calibration.md.
#pragma once

#include <string>
#include <vector>

namespace sharesim::cli {

// `args` are the arguments after the word `calibrate`. Returns 0 on success, 1 when the command
// ran but could not produce its result, 2 for bad input; errors are one line on stderr:
// "sharesim: error: file:line: field: message".
int run_calibrate_command(const std::vector<std::string>& args);

}  // namespace sharesim::cli
