// sharesim: simulate and plan the sharing of NVIDIA T4 GPUs.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "calibrate_command.h"
#include "commands.h"

namespace sharesim::cli {
namespace {

struct Subcommand {
  const char* name;
  const char* summary;
  int (*run)(const Args&);
};

constexpr Subcommand kSubcommands[] = {
    {"run", "simulate a scenario: results.json and a summary", run_run_command},
    {"plan", "the cheapest devices, placement, sharing and MPS shares that meet every SLO", run_plan_command},
    {"merge", "combine the shards of 'sharesim plan --shard i/N' into one plan", run_merge_command},
    {"calibrate", "fit a GPU profile to sharesim-calibrate measurements; compare, simulate, plan",
     run_calibrate_command},
    {"check", "regression checks for CI: expectations and baselines, JUnit XML", run_check_command},
    {"smi", "nvidia-smi style views of a run's simulated GPUs (table, --dmon, --csv)", run_smi_command},
    {"models", "the model library: published service curves by model, precision and engine",
     run_models_command},
    {"bench", "measure the simulator's own speed (bench engine)", run_bench_command},
};

void print_help() {
  std::printf(
      "sharesim %s: a discrete-event simulator and capacity planner for sharing NVIDIA T4 GPUs\n"
      "\n"
      "usage: sharesim <command> [options]\n"
      "       sharesim --help | --version\n"
      "\n"
      "commands:\n",
      SHARESIM_VERSION);
  for (const auto& sub : kSubcommands) std::printf("  %-10s %s\n", sub.name, sub.summary);
  std::printf("\n'sharesim <command> --help' describes a command's options.\n");
}

// The stop request that SIGINT and SIGTERM make (stop_on_signals).
sim::StopToken g_stop;

// The first signal asks the work to stop at its next check (it then writes what it has, marked
// interrupted); a second one leaves at once without writing anything. Only async-signal-safe
// calls: one lock-free atomic store, or _exit.
extern "C" void on_stop_signal(int signal_number) {
  if (g_stop.signal_number() != 0) _exit(128 + signal_number);
  g_stop.request_stop(signal_number);
}

}  // namespace

sim::StopToken& stop_on_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // writes in progress go on rather than fail with EINTR
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  return g_stop;
}

int stopped_exit_code(const sim::StopToken& stop) {
  switch (stop.cause()) {
    case sim::StopToken::Cause::kSignal:
      return 128 + stop.signal_number();
    case sim::StopToken::Cause::kDeadline:
      return 124;
    case sim::StopToken::Cause::kNone:
      break;
  }
  return 0;
}

std::string stop_reason(const sim::StopToken& stop, const std::string& time_budget_text) {
  if (stop.cause() == sim::StopToken::Cause::kDeadline)
    return "the wall-clock budget (--time-budget " + time_budget_text + ") ran out";
  return stop.description();
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "sharesim: error: %s\n", message.c_str());
  return 2;
}

}  // namespace sharesim::cli

int main(int argc, char** argv) {
  using namespace sharesim::cli;
  if (argc < 2) {
    print_help();
    return 2;
  }
  const std::string first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    print_help();
    return 0;
  }
  if (first == "--version") {
    std::printf("sharesim %s\n", SHARESIM_VERSION);
    return 0;
  }
  for (const auto& sub : kSubcommands) {
    if (first == sub.name) return sub.run(Args(argv + 2, argv + argc));
  }
  if (!first.empty() && first[0] == '-')
    return usage_error("unknown option '" + first + "' (try 'sharesim --help')");
  return usage_error("unknown command '" + first + "' (try 'sharesim --help')");
}
