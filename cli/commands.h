// The `sharesim` subcommands. Each takes the arguments after its name and returns the process exit
// code: 0 success, 1 the run worked but found a failure (an SLO, a regression), 2 bad input.
#pragma once

#include <string>
#include <vector>

#include "sharesim/sim/result.h"

namespace sharesim::cli {

using Args = std::vector<std::string>;

int run_bench_command(const Args& args);
int run_run_command(const Args& args);
int run_plan_command(const Args& args);
int run_merge_command(const Args& args);
int run_check_command(const Args& args);
int run_smi_command(const Args& args);
int run_models_command(const Args& args);

// Prints "sharesim: error: <message>" on stderr and returns 2.
int usage_error(const std::string& message);
// Prints "sharesim: error: file:line:column: field: message" on stderr and returns 2.
int input_error(const Error& error);

}  // namespace sharesim::cli
