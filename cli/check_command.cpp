// `sharesim check SCENARIO... [--baseline DIR] [--update-baseline] [--junit FILE] [--jobs N]`:
// regression checks of sharing policies for CI (docs/check.md). Each scenario is run, its
// `expect:` list is evaluated and its metrics are compared with the stored baseline. Scenarios run
// in parallel with --jobs; every result is kept in input order and printed only at the end, so the
// output does not depend on --jobs.
//
// Exit codes: 0 everything passed, 1 an expectation failed or a metric moved beyond its tolerance,
// 2 bad input (a flag, a scenario, an expectation, a baseline file, a missing baseline).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "commands.h"
#include "options.h"
#include "outputs.h"
#include "sharesim/reports/baseline.h"
#include "sharesim/reports/check_report.h"
#include "sharesim/reports/expectations.h"
#include "sharesim/reports/junit.h"
#include "sharesim/reports/metrics.h"
#include "sharesim/run/load_options.h"
#include "sharesim/run/run_scenario.h"
#include "sharesim/scenarios/loader.h"
#include "sharesim/sim/atomic_file.h"
#include "sharesim/sim/input_file.h"

namespace sharesim::cli {
namespace {

namespace fs = std::filesystem;

struct CheckOptions {
  std::string baseline_dir;  // "" = no baseline comparison
  bool update_baseline = false;
  std::vector<reports::ToleranceOverride> tolerances;  // from --tolerance
};

std::string file_stem(const std::string& path) {
  return fs::path(path).stem().string();
}

// Runs one scenario and checks it. Never throws; every problem ends up in the result.
reports::ScenarioCheck check_scenario(const std::string& path, const CheckOptions& options) {
  reports::ScenarioCheck check;
  check.scenario_file = path;
  check.scenario_name = file_stem(path);
  auto scenario = scenarios::load_scenario(path, run::default_load_options());
  if (!scenario) {
    check.error = scenario.error();
    return check;
  }
  run::RunOptions run_options;
  run_options.on_load_warning = [&check](const Error& warning) { check.load_warnings.push_back(warning); };
  auto report = run::run_scenario(*scenario, run_options);
  if (!report) {
    check.error = report.error();
    return check;
  }
  if (!report->stopped_by_limit.empty()) {  // partial metrics would be compared as if complete
    check.error = Error{.file = path, .message = "the run stopped early: " + report->stopped_by_limit};
    return check;
  }
  check.scenario_name = report->scenario_name;
  check.seed = report->seed;
  const std::vector<reports::MetricValue> metrics = reports::collect_metrics(*report);
  auto outcomes = reports::evaluate_expectations(scenario->expectations, metrics);
  if (!outcomes) {
    check.error = outcomes.error();
    return check;
  }
  check.expectations = std::move(*outcomes);
  if (options.baseline_dir.empty()) return check;

  check.baseline_file = reports::baseline_path(options.baseline_dir, path);
  const bool exists = fs::exists(check.baseline_file);
  if (!exists && !options.update_baseline) {
    check.error =
        Error{.file = check.baseline_file,
              .message = "no baseline for " + path + "; create it with: sharesim check --baseline " +
                         options.baseline_dir + " --update-baseline " + path};
    return check;
  }
  reports::Baseline stored;
  if (exists) {
    auto baseline_text =
        sim::read_input_file(check.baseline_file, "a baseline file", sim::kMaxResultsInputBytes);
    if (!baseline_text) {
      check.error = baseline_text.error();
      return check;
    }
    auto parsed = reports::parse_baseline(*baseline_text, check.baseline_file);
    if (!parsed) {
      check.error = parsed.error();
      return check;
    }
    stored = std::move(*parsed);
  }
  if (options.update_baseline) {
    // The tolerance lines are the reviewers' decisions: they survive an update.
    reports::Baseline updated{.metrics = metrics, .tolerances = stored.tolerances};
    auto written =
        sim::write_file_atomically(check.baseline_file, reports::baseline_text(updated, path, report->seed));
    if (!written) {
      check.error = written.error();
      return check;
    }
    check.baseline = reports::ScenarioCheck::BaselineUse::kWritten;
    return check;
  }
  check.baseline = reports::ScenarioCheck::BaselineUse::kCompared;
  check.comparisons = reports::compare_with_baseline(stored, metrics, options.tolerances);
  return check;
}

}  // namespace

int run_check_command(const Args& args) {
  po::options_description description("check options");
  std::vector<std::string> scenario_paths, tolerance_flags;
  std::string junit_path;
  CheckOptions options;
  int jobs = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  description.add_options()("scenario", po::value(&scenario_paths)->composing(), "scenario YAML files")(
      "baseline", po::value(&options.baseline_dir),
      "compare with the baselines in DIR (<DIR>/<scenario stem>.baseline)")(
      "update-baseline", "write the baselines in --baseline DIR from this run (keeps their tolerance lines)")(
      "tolerance", po::value(&tolerance_flags)->composing(),
      "override a tolerance: METRIC_OR_KIND=REL% [+ ABS], e.g. duration=10% or detector.p99=20% "
      "(repeatable)")("junit", po::value(&junit_path), "also write JUnit XML to FILE")(
      "jobs,j", po::value(&jobs)->default_value(jobs),
      "scenarios run at once (the output does not depend on it)");
  po::positional_options_description positional;
  positional.add("scenario", -1);
  po::variables_map vm;
  if (auto code = parse_options("check",
                                "SCENARIO... [--baseline DIR] [--update-baseline] [--junit FILE] [--jobs N] "
                                "[--tolerance METRIC_OR_KIND=TOLERANCE]...",
                                description, positional, args, vm)) {
    return *code;
  }
  options.update_baseline = vm.count("update-baseline") > 0;
  if (scenario_paths.empty()) return usage_error("check: no scenario given (try 'sharesim check --help')");
  if (auto ok = check_jobs("check", jobs); !ok) return input_error(ok.error());
  if (options.update_baseline && options.baseline_dir.empty()) {
    return usage_error("check: --update-baseline needs --baseline DIR (where to write the baselines)");
  }
  for (const std::string& flag : tolerance_flags) {
    auto parsed = reports::parse_tolerance_flag(flag);
    if (!parsed) return input_error(parsed.error());
    options.tolerances.push_back(std::move(*parsed));
  }
  if (!options.baseline_dir.empty()) {
    std::map<std::string, std::string> owner;  // baseline file -> scenario
    for (const std::string& path : scenario_paths) {
      const std::string file = reports::baseline_path(options.baseline_dir, path);
      auto [it, inserted] = owner.emplace(file, path);
      if (!inserted && it->second != path) {
        return usage_error("check: " + it->second + " and " + path + " would share the baseline " + file +
                           " (rename one scenario file)");
      }
    }
  }

  if (!junit_path.empty()) {
    std::vector<NamedPath> inputs;
    for (const std::string& path : scenario_paths) {
      inputs.push_back({"a scenario", path});
      if (!options.baseline_dir.empty())
        inputs.push_back({"a baseline", reports::baseline_path(options.baseline_dir, path)});
    }
    if (auto distinct = check_output_paths({{"--junit", junit_path}}, inputs); !distinct)
      return input_error(distinct.error());
  }
  if (options.update_baseline) {
    // Created once here rather than by concurrent writers.
    std::error_code ec;
    fs::create_directories(options.baseline_dir, ec);
    if (ec)
      return input_error(
          Error{.file = options.baseline_dir, .message = "cannot create the folder: " + ec.message()});
  }

  std::vector<reports::ScenarioCheck> checks(scenario_paths.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < scenario_paths.size(); i = next++)
      checks[i] = check_scenario(scenario_paths[i], options);
  };
  const size_t threads = std::min(static_cast<size_t>(jobs), scenario_paths.size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();

  for (const auto& check : checks) {
    for (const Error& warning : check.load_warnings)
      std::fprintf(stderr, "sharesim: warning: %s\n", warning.to_string().c_str());
    if (check.error) input_error(*check.error);
  }
  std::fputs(reports::check_report_text(checks).c_str(), stdout);
  if (!junit_path.empty()) {
    const std::string junit = reports::junit_xml(checks);
    if (int code = write_outputs({{junit_path, junit}})) return code;
  }
  return reports::check_exit_code(checks);
}

}  // namespace sharesim::cli
