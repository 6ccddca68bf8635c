// `sharesim run SCENARIO -o OUT/`: load, validate, simulate, write results.json, print a summary.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "options.h"
#include "sharesim/reports/atomic_file.h"
#include "sharesim/reports/results.h"
#include "sharesim/scenarios/loader.h"
#include "sharesim/scenarios/simulation.h"

namespace sharesim::cli {
namespace {

std::atomic<bool> g_stop_requested{false};
extern "C" void on_stop_signal(int) { g_stop_requested = true; }

std::string seconds_text(sim::Time t) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9f", t.seconds());
  return buffer;
}

}  // namespace

int input_error(const Error& error) {
  std::fprintf(stderr, "sharesim: error: %s\n", error.to_string().c_str());
  return 2;
}

int run_run_command(const Args& args) {
  po::options_description options("run options");
  std::string scenario_path, out_dir, requests_path;
  std::vector<std::string> overrides;
  options.add_options()
      ("scenario", po::value(&scenario_path)->required(), "the scenario YAML file")
      ("out,o", po::value(&out_dir)->default_value("out"), "folder for results.json")
      ("set", po::value(&overrides)->composing(), "override a scenario value: key.path=value (repeatable)")
      ("requests", po::value(&requests_path), "also write one CSV line per request to this file")
      ("quiet,q", "print nothing but errors");
  po::positional_options_description positional;
  positional.add("scenario", 1);
  po::variables_map vm;
  if (auto code = parse_options("run", "SCENARIO [-o OUT] [--set key=value]...", options, positional, args, vm)) {
    return *code;
  }
  for (const std::string& o : overrides) {
    if (auto split = scenarios::split_override(o); !split) return input_error(split.error());
  }
  auto scenario = scenarios::load_scenario(scenario_path, scenarios::default_load_options(overrides));
  if (!scenario) return input_error(scenario.error());

  std::string requests_csv;
  scenarios::RunOptions run_options;
  if (!requests_path.empty()) {
    requests_csv = "workload,id,replica,batch_size,arrival_s,start_s,end_s,failed,measured\n";
    run_options.request_observer = [&](const std::string& workload, const models::RequestRecord& r) {
      requests_csv += workload + "," + std::to_string(r.id) + "," + std::to_string(r.replica) + "," +
                      std::to_string(r.batch_size) + "," + seconds_text(r.arrival) + "," + seconds_text(r.start) +
                      "," + seconds_text(r.end) + "," + (r.failed ? "1" : "0") + "," + (r.measured ? "1" : "0") +
                      "\n";
    };
  }
  // Ctrl-C or SIGTERM stops the simulation cleanly: the results so far are written, marked interrupted.
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  run_options.should_stop = [] { return g_stop_requested.load(); };

  auto report = scenarios::run_scenario(*scenario, run_options);
  if (!report) return input_error(report.error());

  const std::string results_path = out_dir + "/results.json";
  if (auto written = reports::write_file_atomically(results_path, reports::results_json(*report)); !written) {
    std::fprintf(stderr, "sharesim: error: %s\n", written.error().to_string().c_str());
    return 1;
  }
  if (!requests_path.empty()) {
    if (auto written = reports::write_file_atomically(requests_path, requests_csv); !written) {
      std::fprintf(stderr, "sharesim: error: %s\n", written.error().to_string().c_str());
      return 1;
    }
  }
  if (!vm.count("quiet")) {
    std::fputs(reports::summary_text(*report).c_str(), stdout);
    std::printf("\nwrote %s\n", results_path.c_str());
  }
  return report->interrupted ? 130 : 0;
}

}  // namespace sharesim::cli
