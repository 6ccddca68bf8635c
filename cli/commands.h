// The `sharesim` subcommands. Each takes the arguments after its name and returns the process exit
// code: 0 success, 1 the run worked but found a failure (an SLO, a regression), 2 bad input.
#pragma once

#include <string>
#include <vector>

#include "sharesim/sim/result.h"
#include "sharesim/sim/stop_token.h"

namespace sharesim::cli {

using Args = std::vector<std::string>;

int run_bench_command(const Args& args);
int run_run_command(const Args& args);
int run_plan_command(const Args& args);
int run_merge_command(const Args& args);
int run_check_command(const Args& args);
int run_smi_command(const Args& args);
int run_models_command(const Args& args);

// SIGINT and SIGTERM from now on request a stop on the returned token (a second signal exits at
// once, status 128 + signal); cli/main.cpp. docs/hardening.md, "Stopping".
sim::StopToken& stop_on_signals();
// The exit status of work that `stop` stopped: 124 for the deadline (as timeout(1)), 128 + the
// signal for a signal (130 SIGINT, 143 SIGTERM); 0 when it did not stop.
int stopped_exit_code(const sim::StopToken& stop);
// Why `stop` stopped, for "sharesim: stopped: <why> ..." ("" when it did not).
std::string stop_reason(const sim::StopToken& stop, const std::string& time_budget_text);
// --time-budget DURATION: sets the deadline on `stop` (the budget counts from now). Returns 0, or
// the exit status of a usage error (printed).
int set_time_budget(sim::StopToken& stop, const std::string& time_budget_text);

// Prints "sharesim: error: <message>" on stderr and returns 2.
int usage_error(const std::string& message);
// Prints "sharesim: error: file:line:column: field: message" on stderr and returns 2.
int input_error(const Error& error);

}  // namespace sharesim::cli
