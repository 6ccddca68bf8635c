// `sharesim smi OUT/results.json [--at TIME] [--dmon] [--csv]`: nvidia-smi style views of the
// simulated GPUs of a finished run (reports/smi.h describes the columns).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "commands.h"
#include "options.h"
#include "sharesim/reports/smi.h"
#include "sharesim/sim/time.h"

namespace sharesim::cli {
namespace {

// --dmon rows (GPUs x simulated seconds): 10^7 rows is about 600 MB of text.
constexpr double kMaxDmonRows = 1e7;

}  // namespace

int run_smi_command(const Args& args) {
  po::options_description options("smi options");
  std::string results_path, at_text;
  options.add_options()("results", po::value(&results_path)->required(),
                        "a results.json written by 'sharesim run', or the run's folder")(
      "at", po::value(&at_text),
      "show the sample window containing this simulated instant (e.g. 12s); "
      "default: means over the measured interval")(
      "dmon", "one row per GPU per second, like 'nvidia-smi dmon' (sm, mem, copy, smocc %, fb MB)")(
      "csv", "comma-separated values instead of the table");
  po::positional_options_description positional;
  positional.add("results", 1);
  po::variables_map vm;
  if (auto code = parse_options("smi", "OUT/results.json [--at TIME] [--dmon] [--csv]", options, positional,
                                args, vm)) {
    return *code;
  }
  std::optional<double> at_s;
  if (!at_text.empty()) {
    auto at = sim::parse_duration(at_text);
    if (!at) return input_error(at.error().at("", 0, 0, "--at"));
    at_s = at->seconds();
  }
  if (vm.count("dmon") && at_s)
    return usage_error("--at and --dmon do not go together (dmon prints every second)");
  // The run's folder (`sharesim run -o OUT`) names its results.json.
  std::error_code ec;
  if (std::filesystem::is_directory(results_path, ec)) results_path += "/results.json";
  auto snapshot = reports::load_smi_snapshot(results_path);
  if (!snapshot) return input_error(snapshot.error());
  if (vm.count("dmon")) {
    // One row per GPU per simulated second: checked before any is made.
    const double rows = std::ceil(snapshot->simulated_s - snapshot->warmup_s) *
                        static_cast<double>(std::max<size_t>(1, snapshot->gpus.size()));
    if (!(rows <= kMaxDmonRows)) {
      char message[200];
      std::snprintf(message, sizeof message,
                    "would print %.3g rows (one per GPU per simulated second), more than the limit of %.3g; "
                    "use --at TIME or the table",
                    rows, kMaxDmonRows);
      return input_error(Error{.file = results_path, .field = "--dmon", .message = message});
    }
    std::fputs(reports::smi_dmon(*snapshot, vm.count("csv") > 0).c_str(), stdout);
    return 0;
  }
  auto text = vm.count("csv") ? reports::smi_query_csv(*snapshot, at_s) : reports::smi_table(*snapshot, at_s);
  if (!text) return input_error(text.error());
  std::fputs(text->c_str(), stdout);
  return 0;
}

}  // namespace sharesim::cli
