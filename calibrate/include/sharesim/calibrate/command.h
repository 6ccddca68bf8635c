// `sharesim calibrate ...`: the command-line front end of calibration (cli/calibrate_command.cpp
// forwards to it with std::cout and std::cerr).
//
//   sharesim calibrate fit RAW.csv [MORE.csv ...] -o OUT.yaml [--base t4|FILE] [--name NAME]
//   sharesim calibrate compare RAW.csv --profile t4|FILE [--detail]
//   sharesim calibrate simulate --profile t4|FILE -o SIM.csv [--suite LIST] [--mps on|off|both]
//                               [--fp32-lanes N]
//   sharesim calibrate plan [--sm-count N] [--profile t4|FILE]
//
// Exit codes: 0 success; 1 the command ran but could not produce its result (e.g. an output file
// cannot be written, the model cannot run a case); 2 bad input (arguments, CSV, profile). Errors
// are one line on `err`: "sharesim: error: file:line: field: message".
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace sharesim::calibrate {

int run_calibrate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sharesim::calibrate
