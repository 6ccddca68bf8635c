// `sharesim run SCENARIO -o OUT/`: load, validate, simulate, write results.json and report.html,
// print a summary; optionally a per-request CSV (--requests) and a GPU timeline trace (--trace).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "commands.h"
#include "options.h"
#include "outputs.h"
#include "sharesim/reports/html_report.h"
#include "sharesim/reports/results.h"
#include "sharesim/reports/timeline.h"
#include "sharesim/run/load_options.h"
#include "sharesim/run/run_scenario.h"
#include "sharesim/scenarios/estimate.h"
#include "sharesim/scenarios/loader.h"
#include "sharesim/scenarios/target_rules.h"
#include "sharesim/sim/atomic_file.h"
#include "sharesim/sim/time.h"
#include "sharesim/sim/units.h"
#include "status_line.h"

namespace sharesim::cli {
namespace {

std::string seconds_text(sim::Time t) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9f", t.seconds());
  return buffer;
}

// The run's status line: simulated time reached, engine speed and an estimate of the wall-clock
// time left.
class ProgressLine {
 public:
  ProgressLine(bool wanted, sim::Time duration) : line_(wanted), duration_(duration) {}

  void update(sim::Time reached, uint64_t events) {
    if (!line_.due()) return;
    const double wall = line_.elapsed_s();
    const double done = duration_ > sim::Time::zero() ? reached.seconds() / duration_.seconds() : 1.0;
    const double rate = wall > 0 ? static_cast<double>(events) / wall : 0.0;
    char eta[32] = "?";
    if (done > 0) std::snprintf(eta, sizeof eta, "%.1f s", wall * (1 - done) / done);
    char text[200];
    std::snprintf(text, sizeof text, "  simulated %.3f s of %.3f s (%.1f%%), %.2f M events/s, ETA %s",
                  reached.seconds(), duration_.seconds(), 100 * done, rate * 1e-6, eta);
    line_.draw(text);
  }
  void finish() const { line_.finish(); }

 private:
  StatusLine line_;
  sim::Time duration_;
};

}  // namespace

int run_run_command(const Args& args) {
  po::options_description options("run options");
  std::string scenario_path, out_dir, requests_path, trace_path, trace_window_text;
  std::string max_events_text, time_budget_text, max_in_flight_text;
  std::vector<std::string> overrides;
  options.add_options()("scenario", po::value(&scenario_path)->required(), "the scenario YAML file")(
      "out,o", po::value(&out_dir)->default_value("out"), "folder for results.json and report.html")(
      "set", po::value(&overrides)->composing(), "override a scenario value: key.path=value (repeatable)")(
      "requests", po::value(&requests_path), "also write one CSV line per request to this file")(
      "trace", po::value(&trace_path),
      "also write the simulated GPU timeline to this file (Chrome trace JSON: open in ui.perfetto.dev)")(
      "trace-window", po::value(&trace_window_text),
      "simulated time span of the trace, START:END (e.g. 10s:12s); default: the first 2 s after warm-up")(
      "quiet,q", "print nothing but errors (no summary, no progress)")(
      "max-events", po::value(&max_events_text),
      "refuse a scenario whose estimated event count exceeds N, and stop a run that executes more "
      "(default 2e9; docs/hardening.md)")(
      "max-in-flight", po::value(&max_in_flight_text),
      "stop a run (exit 124, results so far) when more than N requests are in flight at once: an "
      "overloaded queue (default 1e7; docs/hardening.md)")(
      "time-budget", po::value(&time_budget_text),
      "wall-clock limit (e.g. 30s, 10m): when it runs out the run stops, writes the results so far "
      "marked interrupted, and exits 124");
  po::positional_options_description positional;
  positional.add("scenario", 1);
  po::variables_map vm;
  if (auto code =
          parse_options("run", "SCENARIO [-o OUT] [--set key=value]... [--requests FILE] [--trace FILE]",
                        options, positional, args, vm)) {
    return *code;
  }
  const bool quiet = vm.count("quiet") > 0;
  if (!trace_window_text.empty() && trace_path.empty())
    return usage_error("--trace-window needs --trace FILE");
  std::optional<reports::TraceWindow> trace_window;
  if (!trace_window_text.empty()) {
    auto window = reports::parse_trace_window(trace_window_text);
    if (!window) return input_error(window.error());
    trace_window = *window;
  }
  for (const std::string& o : overrides) {
    if (auto split = scenarios::split_override(o); !split) return input_error(split.error());
  }
  if (auto folder = check_output_folder("-o", out_dir); !folder) return input_error(folder.error());
  const std::string results_path = out_dir + "/results.json";
  const std::string html_path = out_dir + "/report.html";
  std::vector<NamedPath> output_paths = {{"results.json", results_path}, {"report.html", html_path}};
  if (!requests_path.empty()) output_paths.push_back({"--requests", requests_path});
  if (!trace_path.empty()) output_paths.push_back({"--trace", trace_path});
  if (auto distinct = check_output_paths(output_paths, {{"the scenario", scenario_path}}); !distinct)
    return input_error(distinct.error());
  // Resource limits (docs/hardening.md); the flags are checked before the scenario is read.
  double max_events = scenarios::kDefaultMaxEvents;
  if (vm.count("max-events")) {
    auto n = sim::parse_number(max_events_text);
    if (!n || !(*n >= 1))
      return usage_error("--max-events expects a number >= 1 (e.g. 5e9), found '" + max_events_text + "'");
    max_events = *n;
  }
  uint64_t max_in_flight = run::kDefaultMaxRequestsInFlight;
  if (vm.count("max-in-flight")) {
    auto n = sim::parse_number(max_in_flight_text);
    if (!n || !(*n >= 1 && *n <= 1e15)) {
      return usage_error("--max-in-flight expects a number from 1 to 1e15 (e.g. 1e6), found '" +
                         max_in_flight_text + "'");
    }
    max_in_flight = static_cast<uint64_t>(*n);
  }
  // Ctrl-C or SIGTERM stops the simulation cleanly, as a wall-clock budget does: the results so
  // far are written, marked interrupted. Both act during the processes' start-up too.
  sim::StopToken& stop = stop_on_signals();
  if (vm.count("time-budget")) {
    if (int code = set_time_budget(stop, time_budget_text)) return code;
  }
  auto scenario = scenarios::load_scenario(scenario_path, run::default_load_options(overrides));
  if (!scenario) return input_error(scenario.error());
  if (auto within = scenarios::check_event_limit(*scenario, max_events); !within)
    return input_error(within.error());
  if (trace_window && trace_window->start >= scenario->duration) {
    return input_error(Error{.field = "--trace-window",
                             .message = "expected a window that starts within the run (0 to " +
                                        sim::format_duration(scenario->duration) + "), found '" +
                                        trace_window_text + "': the trace would be empty"});
  }
  if (scenario->target) {
    // The target's rules: what it cannot do is an error, what it does differently a warning, and
    // the run simulates what the target really gives (e.g. the stock plugin's 100/N MPS shares).
    for (const scenarios::Finding& f : scenarios::check_target(*scenario, *scenario->target)) {
      if (f.severity == scenarios::Finding::Severity::kError)
        return input_error(Error{f.where.file, f.where.line, f.where.column, f.where.field,
                                 "[" + f.rule + "] " + f.message});
      std::cerr << "sharesim: " << scenarios::finding_text(f) << "\n";
    }
    scenarios::apply_target_rules(*scenario, *scenario->target);
  }

  std::string requests_csv;
  run::RunOptions run_options;
  run_options.max_requests_in_flight = max_in_flight;
  if (!requests_path.empty()) {
    requests_csv = "workload,id,replica,batch_size,arrival_s,start_s,end_s,failed,measured\n";
    run_options.request_observer = [&](const std::string& workload, const models::RequestRecord& r) {
      requests_csv += workload + "," + std::to_string(r.id) + "," + std::to_string(r.replica) + "," +
                      std::to_string(r.batch_size) + "," + seconds_text(r.arrival) + "," +
                      seconds_text(r.start) + "," + seconds_text(r.end) + "," + (r.failed ? "1" : "0") + "," +
                      (r.measured ? "1" : "0") + "\n";
    };
  }
  std::unique_ptr<reports::TimelineTrace> trace;
  if (!trace_path.empty()) {
    trace = std::make_unique<reports::TimelineTrace>(
        trace_window.value_or(reports::default_trace_window(scenario->warmup)));
    run_options.gpu_observer = [&trace](const run::GpuReport& gpu,
                                        const std::vector<std::optional<models::ProcessId>>& ids) {
      return trace->add_gpu(gpu, ids);
    };
  }
  std::string budget_exhausted;  // why a budget stopped the run, or ""
  uint64_t events_so_far = 0;    // as last reported by on_progress
  ProgressLine progress(!quiet, scenario->duration);
  run_options.on_progress = [&progress, &events_so_far](sim::Time reached, uint64_t events) {
    events_so_far = events;
    progress.update(reached, events);
  };
  run_options.stop = &stop;
  run_options.on_load_warning = [](const Error& warning) {
    std::cerr << "sharesim: warning: " << warning.to_string() << "\n";
  };
  // The event limit stops the run the same way, remembering why.
  run_options.should_stop = [&] {
    if (static_cast<double>(events_so_far) > max_events)
      budget_exhausted = "the run executed more events than --max-events allows";
    return !budget_exhausted.empty();
  };

  auto report = run::run_scenario(*scenario, run_options);
  progress.finish();
  if (!report) return input_error(report.error());
  if (!report->stopped_by_limit.empty()) budget_exhausted = report->stopped_by_limit;
  if (budget_exhausted.empty() && report->interrupted) budget_exhausted = stop_reason(stop, time_budget_text);

  // One unit: a failure part-way (a full disk) leaves every earlier output as it was.
  const std::string results_json = reports::results_json(*report);
  const std::string html = reports::html_report(*report);
  const std::string trace_json = trace ? trace->json(report->ended_at) : std::string();
  std::vector<sim::FileToWrite> outputs = {{results_path, results_json}, {html_path, html}};
  if (!requests_path.empty()) outputs.push_back({requests_path, requests_csv});
  if (trace) outputs.push_back({trace_path, trace_json});
  if (int code = write_outputs(outputs)) return code;
  if (!quiet) {
    std::fputs(reports::summary_text(*report).c_str(), stdout);
    std::printf("\nwrote %s and %s\n", results_path.c_str(), html_path.c_str());
    if (trace) {
      std::printf("wrote %s (simulated %.3f s to %.3f s; open in ui.perfetto.dev)\n", trace_path.c_str(),
                  trace->window().start.seconds(), std::min(trace->window().end, report->ended_at).seconds());
    }
  }
  if (!budget_exhausted.empty()) {
    // Not an error: the results so far were written. 124 as timeout(1) uses, so scripts can tell;
    // 128 + the signal after Ctrl-C or SIGTERM.
    std::fprintf(
        stderr,
        "sharesim: stopped: %s at simulated %.3f s of %.3f s; wrote the results so far, marked interrupted\n",
        budget_exhausted.c_str(), report->ended_at.seconds(), report->duration.seconds());
    return stop.cause() == sim::StopToken::Cause::kSignal ? stopped_exit_code(stop) : 124;
  }
  return 0;
}

}  // namespace sharesim::cli
