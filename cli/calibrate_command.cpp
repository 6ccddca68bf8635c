#include "calibrate_command.h"

#include <iostream>

#include "sharesim/calibrate/command.h"

namespace sharesim::cli {

int run_calibrate_command(const std::vector<std::string>& args) {
  return calibrate::run_calibrate_command(args, std::cout, std::cerr);
}

}  // namespace sharesim::cli
