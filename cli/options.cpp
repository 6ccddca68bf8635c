#include "options.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "sharesim/sim/time.h"

namespace sharesim::cli {

std::optional<int> parse_options(const std::string& command, const std::string& usage,
                                 const po::options_description& options,
                                 const po::positional_options_description& positional, const Args& args,
                                 po::variables_map& vm) {
  po::options_description all(options);
  all.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: sharesim " << command << " " << usage << "\n\n" << all << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(command + ": " + e.what() + " (try 'sharesim " + command + " --help')");
  }
  return std::nullopt;
}

int max_jobs() {
  return static_cast<int>(std::max(64U, 4 * std::thread::hardware_concurrency()));
}

Status check_jobs(const std::string& command, int jobs) {
  if (jobs >= 1 && jobs <= max_jobs()) return Ok{};
  return Error{.field = command + ": --jobs",
               .message = "expected 1 to " + std::to_string(max_jobs()) +
                          " (4 per core, at least 64), found " + std::to_string(jobs)};
}

int set_time_budget(sim::StopToken& stop, const std::string& time_budget_text) {
  auto budget = sim::parse_duration(time_budget_text);
  if (!budget || *budget <= sim::Time::zero()) {
    return usage_error("--time-budget expects a duration > 0 with a unit (e.g. 30s, 10m), found '" +
                       time_budget_text + "'");
  }
  stop.set_deadline(sim::StopToken::Clock::now() + std::chrono::nanoseconds(budget->count_ns()));
  return 0;
}

int input_error(const Error& error) {
  std::fprintf(stderr, "sharesim: error: %s\n", error.to_string().c_str());
  return 2;
}

}  // namespace sharesim::cli
