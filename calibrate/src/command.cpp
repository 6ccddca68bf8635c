#include "sharesim/calibrate/command.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "sharesim/calibrate/compare.h"
#include "sharesim/calibrate/fit.h"
#include "sharesim/calibrate/observations.h"
#include "sharesim/calibrate/plan.h"
#include "sharesim/calibrate/raw_reader.h"
#include "sharesim/calibrate/simulate.h"
#include "sharesim/models/gpu_profile.h"
#include "sharesim/sim/atomic_file.h"
#include "sharesim/sim/units.h"

namespace sharesim::calibrate {
namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kBadInput = 2;

// Assumed cost of starting one CUDA child process (context creation, allocation, warm-up) for the
// run-time estimate of the sharing suite: a guess, typical of a T4 server.
constexpr double kChildStartSeconds = 1.5;

const char* const kUsage =
    "usage: sharesim calibrate <action> ...\n"
    "  fit RAW.csv [MORE.csv ...] -o OUT.yaml [--base t4|FILE] [--name NAME]\n"
    "      fit a GPU profile to measurements of sharesim-calibrate (several files: e.g. runs without and\n"
    "      with MPS); unfitted parameters come from --base\n"
    "  compare RAW.csv --profile t4|FILE [--detail]\n"
    "      the model's error against the measurements, per suite (mean and max relative error)\n"
    "  simulate --profile t4|FILE -o SIM.csv [--suite LIST] [--mps on|off|both] [--fp32-lanes N]\n"
    "      run the calibration suites against the model; writes the raw CSV format\n"
    "  plan [--sm-count N] [--profile t4|FILE]\n"
    "      the cases of each suite and an estimate of how long sharesim-calibrate takes to run them\n";

struct Parsed {
  std::string action;
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> options;  // --name value (flags get "")
  [[nodiscard]] std::optional<std::string> get(const std::string& name) const {
    for (const auto& [k, v] : options) {
      if (k == name) return v;
    }
    return std::nullopt;
  }
};

int usage_error(std::ostream& err, const std::string& message) {
  err << "sharesim: error: " << message << "\n";
  return kBadInput;
}

int input_error(std::ostream& err, const Error& error) {
  err << "sharesim: error: " << error.to_string() << "\n";
  return kBadInput;
}

// Options taking a value, and flags, per action.
bool takes_value(const std::string& option) {
  return option == "-o" || option == "--output" || option == "--base" || option == "--name" ||
         option == "--profile" || option == "--suite" || option == "--mps" || option == "--fp32-lanes" ||
         option == "--sm-count";
}

std::optional<Parsed> parse_args(const std::vector<std::string>& args, std::ostream& err, int& code) {
  Parsed parsed;
  if (args.empty()) {
    err << kUsage;
    code = kBadInput;
    return std::nullopt;
  }
  parsed.action = args[0];
  const std::vector<std::string> allowed = [&]() -> std::vector<std::string> {
    if (parsed.action == "fit") return {"-o", "--output", "--base", "--name"};
    if (parsed.action == "compare") return {"--profile", "--detail"};
    if (parsed.action == "simulate")
      return {"--profile", "-o", "--output", "--suite", "--mps", "--fp32-lanes"};
    if (parsed.action == "plan") return {"--sm-count", "--profile"};
    return {};
  }();
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      err << kUsage;
      code = kOk;
      return std::nullopt;
    }
    if (!a.empty() && a[0] == '-' && a != "-") {
      if (std::find(allowed.begin(), allowed.end(), a) == allowed.end()) {
        code = usage_error(err, "calibrate " + parsed.action + ": unknown option '" + a +
                                    "' (see 'sharesim calibrate --help')");
        return std::nullopt;
      }
      std::string key = a == "--output" ? "-o" : a;
      if (takes_value(a)) {
        if (i + 1 >= args.size()) {
          code = usage_error(err, "calibrate " + parsed.action + ": " + a + " needs a value");
          return std::nullopt;
        }
        parsed.options.emplace_back(key, args[++i]);
      } else {
        parsed.options.emplace_back(key, "");
      }
    } else {
      parsed.positional.push_back(a);
    }
  }
  return parsed;
}

Result<models::GpuProfile> load_profile(const std::string& name_or_path, const std::string& option) {
  auto profile = models::resolve_gpu_profile(name_or_path, ".");
  if (!profile) {
    Error e = profile.error();
    if (e.file.empty() && e.field.empty()) e.field = option;
    return e;
  }
  return profile;
}

// Temporary file + rename: an interrupted calibration never leaves a truncated profile or CSV.
Status write_text_file(const std::string& path, const std::string& text) {
  return sim::write_file_atomically(path, text);
}

std::string format_fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

// Several raw files (e.g. one run without MPS and one with it) become one data set; they must
// describe the same GPU model (same SM count).
Result<RawData> read_and_merge(const std::vector<std::string>& files) {
  RawData merged;
  for (size_t i = 0; i < files.size(); ++i) {
    auto raw = read_raw_csv_file(files[i]);
    if (!raw) return raw.error();
    if (i == 0) {
      merged = std::move(*raw);
      continue;
    }
    const std::string sms = raw->header_value(kHeaderSmCount);
    if (sms != merged.header_value(kHeaderSmCount)) {
      return Error{.file = files[i],
                   .line = 0,
                   .column = 0,
                   .field = kHeaderSmCount,
                   .message = "expected the same SM count as " + files[0] + " (" +
                              merged.header_value(kHeaderSmCount) + "), found '" + sms +
                              "': fit measurements of one GPU model at a time"};
    }
    if (raw->header_value(kHeaderMps) != merged.header_value(kHeaderMps))
      merged.set_header(kHeaderMps, "both");
    for (Measurement& m : raw->rows) merged.rows.push_back(std::move(m));
  }
  return merged;
}

int run_fit(const Parsed& p, std::ostream& out, std::ostream& err) {
  if (p.positional.empty()) {
    return usage_error(
        err, "calibrate fit: expected a raw CSV file (calibrate fit RAW.csv [MORE.csv ...] -o OUT.yaml)");
  }
  const auto output = p.get("-o");
  if (!output) return usage_error(err, "calibrate fit: -o OUT.yaml is required");
  std::string raw_file = p.positional[0];
  for (size_t i = 1; i < p.positional.size(); ++i) raw_file += " + " + p.positional[i];
  auto raw = read_and_merge(p.positional);
  if (!raw) return input_error(err, raw.error());
  auto base = load_profile(p.get("--base").value_or("t4"), "--base");
  if (!base) return input_error(err, base.error());
  auto outcome = fit_profile(*raw, *base, raw_file);
  if (!outcome) return input_error(err, outcome.error());
  const std::string name = p.get("--name").value_or(std::filesystem::path(*output).stem().string());
  const std::string yaml = fitted_profile_yaml(*base, *outcome, *raw, name, raw_file);
  // The written profile must load: a fit that produced an invalid profile is a bug to report.
  auto check = models::parse_gpu_profile(yaml, *output);
  if (!check) {
    err << "sharesim: error: the fitted profile does not load: " << check.error().to_string() << "\n";
    return kFailed;
  }
  if (auto s = write_text_file(*output, yaml); !s) {  // an unwritable -o is bad input, as in every command
    return input_error(err, s.error());
  }
  out << "fitted " << outcome->fitted.size() << " parameters from " << raw_file << " -> " << *output << "\n";
  for (const FittedParameter& f : outcome->fitted) {
    char line[256];
    if (f.suite == "device") {
      std::snprintf(line, sizeof line, "  %-26s %14.6g %-6s %-10s from the device query\n", f.name.c_str(),
                    f.value, f.unit.c_str(), f.suite.c_str());
    } else if (!f.text.empty()) {
      std::snprintf(line, sizeof line, "  %-26s %14s %-6s %-10s residual %6.2f%% (%d points)\n",
                    f.name.c_str(), f.text.c_str(), f.unit.c_str(), f.suite.c_str(), f.residual * 100.0,
                    f.points);
    } else {
      std::snprintf(line, sizeof line, "  %-26s %14.6g %-6s %-10s residual %6.2f%% (%d points)\n",
                    f.name.c_str(), f.value, f.unit.c_str(), f.suite.c_str(), f.residual * 100.0, f.points);
    }
    out << line;
  }
  for (const std::string& s : outcome->skipped) out << "  not fitted: " << s << "\n";
  for (const std::string& f : outcome->findings) out << "  measured: " << f << "\n";
  return kOk;
}

SimulateOptions options_for_raw(const RawData& raw) {
  SimulateOptions options;
  const std::string mps = raw.header_value(kHeaderMps);
  options.mps = mps != "off";
  options.timeslice = mps != "on";
  const std::string lanes = raw.header_value(kHeaderFp32LanesPerSm);
  if (!lanes.empty() && std::atoi(lanes.c_str()) > 0) options.fp32_lanes_per_sm = std::atoi(lanes.c_str());
  options.suites.clear();
  for (SuiteId suite : all_suites()) {
    for (const Measurement& m : raw.rows) {
      if (m.suite == suite_name(suite)) {
        options.suites.push_back(suite);
        break;
      }
    }
  }
  return options;
}

int run_compare(const Parsed& p, std::ostream& out, std::ostream& err) {
  if (p.positional.size() != 1)
    return usage_error(
        err, "calibrate compare: expected one raw CSV file (calibrate compare RAW.csv --profile P)");
  const auto profile_name = p.get("--profile");
  if (!profile_name) return usage_error(err, "calibrate compare: --profile t4|FILE is required");
  const std::string raw_file = p.positional[0];
  auto raw = read_raw_csv_file(raw_file);
  if (!raw) return input_error(err, raw.error());
  auto profile = load_profile(*profile_name, "--profile");
  if (!profile) return input_error(err, profile.error());
  int sm_count = profile->sm_count;
  const std::string sm_text = raw->header_value(kHeaderSmCount);
  if (!sm_text.empty()) {
    const int header_sms = std::atoi(sm_text.c_str());
    if (header_sms < 1) {
      return input_error(err, Error{.file = raw_file,
                                    .line = 0,
                                    .column = 0,
                                    .field = kHeaderSmCount,
                                    .message = "expected a positive SM count, found '" + sm_text + "'"});
    }
    sm_count = header_sms;
  }
  const SimulateOptions options = options_for_raw(*raw);
  auto simulated = simulate_plan(make_plan(sm_count), *profile, options);
  if (!simulated) {
    err << "sharesim: error: " << simulated.error().to_string() << "\n";
    return kFailed;
  }
  const AccuracyReport report = compare_observations(summarize(*raw), summarize(*simulated));
  out << "model " << profile->name << " (" << profile->origin << ") against " << raw_file;
  if (!raw->header_value(kHeaderDeviceName).empty())
    out << " (" << raw->header_value(kHeaderDeviceName) << ")";
  out << "\n";
  print_accuracy_report(out, report, p.get("--detail").has_value());
  return kOk;
}

int run_simulate(const Parsed& p, std::ostream& out, std::ostream& err) {
  if (!p.positional.empty())
    return usage_error(err, "calibrate simulate: unexpected argument '" + p.positional[0] + "'");
  const auto profile_name = p.get("--profile");
  if (!profile_name) return usage_error(err, "calibrate simulate: --profile t4|FILE is required");
  const auto output = p.get("-o");
  if (!output) return usage_error(err, "calibrate simulate: -o SIM.csv is required");
  auto profile = load_profile(*profile_name, "--profile");
  if (!profile) return input_error(err, profile.error());
  SimulateOptions options;
  if (auto suites = p.get("--suite")) {
    std::string error;
    if (!parse_suite_list(*suites, options.suites, error)) return usage_error(err, "--suite: " + error);
  }
  if (auto mps = p.get("--mps")) {
    if (*mps == "on") {
      options.mps = true;
      options.timeslice = false;
    } else if (*mps == "off") {
      options.mps = false;
      options.timeslice = true;
    } else if (*mps != "both") {
      return usage_error(err, "--mps: expected on, off or both, found '" + *mps + "'");
    }
  }
  if (auto lanes = p.get("--fp32-lanes")) {
    auto v = sim::parse_number(*lanes);
    if (!v || *v < 1 || *v > 1024 || *v != std::floor(*v)) {
      return usage_error(
          err, "--fp32-lanes: expected a whole number of FP32 lanes per SM (T4: 64), found '" + *lanes + "'");
    }
    options.fp32_lanes_per_sm = static_cast<int>(*v);
  }
  auto simulated = simulate_plan(make_plan(profile->sm_count), *profile, options);
  if (!simulated) {
    err << "sharesim: error: " << simulated.error().to_string() << "\n";
    return kFailed;
  }
  std::ostringstream text;
  write_raw_csv(text, *simulated);
  if (auto s = write_text_file(*output, text.str());
      !s) {  // an unwritable -o is bad input, as in every command
    return input_error(err, s.error());
  }
  out << "simulated " << simulated->rows.size() << " measurements with profile " << profile->name << " -> "
      << *output << "\n";
  return kOk;
}

// Seconds of GPU work per suite, from the model's durations and the plan's repetitions, plus a
// guessed start-up cost per child process. An estimate: host overheads are not counted.
int run_plan(const Parsed& p, std::ostream& out, std::ostream& err) {
  auto profile = load_profile(p.get("--profile").value_or("t4"), "--profile");
  if (!profile) return input_error(err, profile.error());
  int sm_count = profile->sm_count;
  if (auto text = p.get("--sm-count")) {
    auto v = sim::parse_number(*text);
    if (!v || *v < 1 || *v > 100000 || *v != std::floor(*v)) {
      return usage_error(err, "--sm-count: expected a whole number of SMs, found '" + *text + "'");
    }
    sm_count = static_cast<int>(*v);
  }
  const Plan plan = make_plan(sm_count);
  const models::GpuProfile& g = *profile;
  const int lanes = 64;
  auto seconds = [](sim::Time t) { return t.seconds(); };
  const double launch_gap = seconds(g.kernel_launch_overhead) + seconds(kEmptyKernelSolo);
  // copies
  double copies = 0;
  int copy_cases = 0;
  for (bool h2d : {true, false}) {
    for (bool pinned : {true, false}) {
      for (int64_t bytes : plan.copies.sizes_bytes) {
        copies += (plan.copies.warmup + plan.copies.reps) *
                  (seconds(g.copy_latency) + static_cast<double>(bytes) / g.pcie_bandwidth(h2d, pinned));
        ++copy_cases;
      }
    }
  }
  // launch
  const double launch =
      (plan.launch.host_reps + 1) * plan.launch.host_launches * launch_gap +
      (plan.launch.gap_reps + 1) * plan.launch.gap_kernels * launch_gap +
      (plan.launch.event_reps + 3) * launch_gap +
      plan.launch.ahead_kernels * (static_cast<double>(plan.launch.spin_ns) * 1e-9 + launch_gap) +
      (plan.launch.sync_reps + 1) * plan.launch.sync_kernels * launch_gap;
  // sm-scaling
  double scaling = 0;
  for (int grid : plan.sm_scaling.grids) {
    ComputeKernelShape c{.blocks = grid, .iterations = plan.sm_scaling.compute_iterations};
    MemoryKernelShape m{.blocks = grid, .bytes_per_block = plan.sm_scaling.memory_bytes_per_block};
    scaling += (plan.sm_scaling.reps + 1) * (seconds(compute_kernel_work(c, g, lanes).solo_duration) +
                                             seconds(memory_kernel_work(m, g).solo_duration));
  }
  // overlap: alone (3) and together (about the longest of the three)
  const double kernel_s = seconds(compute_kernel_work(plan.overlap.kernel, g, lanes).solo_duration);
  const double h2d_s = static_cast<double>(plan.overlap.copy_bytes) / g.pcie_h2d_pinned;
  const double d2h_s = static_cast<double>(plan.overlap.copy_bytes) / g.pcie_d2h_pinned;
  const double overlap =
      (plan.overlap.reps + 1) * (kernel_s + h2d_s + d2h_s + std::max({kernel_s, h2d_s, d2h_s}));
  // sharing: child start-up, time-slice windows, share and pair kernels (worst case: serialized)
  const SharingPlan& s = plan.sharing;
  double sharing = 0;
  int children = 0;
  for (int procs : s.timeslice_processes) {
    sharing += static_cast<double>(s.timeslice_window_ns) * 1e-9 + kChildStartSeconds;
    children += procs;
  }
  const double share_kernel = seconds(compute_kernel_work(plan.share_kernel(), g, lanes).solo_duration);
  for (const auto& c : s.share_cases) {
    sharing += kChildStartSeconds + c.processes * s.share_kernels * share_kernel * (100.0 / c.percentage);
    children += c.processes;
  }
  const double sweep_kernel = seconds(compute_kernel_work(plan.sweep_kernel(), g, lanes).solo_duration);
  for (int pct : s.sweep_percentages) {
    sharing += kChildStartSeconds + s.sweep_kernels * sweep_kernel * (100.0 / pct);
    children += 1;
  }
  const double pair_c = seconds(compute_kernel_work(plan.pair_compute_kernel(), g, lanes).solo_duration);
  const double pair_m = seconds(memory_kernel_work(plan.pair_memory_kernel(), g).solo_duration);
  sharing += 5 * kChildStartSeconds +
             s.pair_kernels * (pair_c + pair_m + 2 * pair_c + (pair_c + pair_m) + 2 * pair_m);
  children += 8;
  // Memory sweep, latency-bound clients, launching clients, compute beside memory clients
  // (worst case: the clients' kernels serialized).
  for (int pct : s.memory_sweep_percentages) {
    sharing += kChildStartSeconds + s.memory_sweep_kernels * pair_m * (100.0 / pct);
    children += 1;
  }
  const double latency_kernel = seconds(latency_kernel_work(plan.latency_kernel(), g, lanes).solo_duration);
  for (int n : s.latency_clients) {
    sharing += kChildStartSeconds + n * s.latency_kernels * latency_kernel;
    children += n;
  }
  for (int n : s.launch_clients) {
    sharing += kChildStartSeconds + n * s.launch_client_kernels * launch_gap;
    children += n;
  }
  for (int warps : s.issue_warps) {  // at the issue percentage (at most 4x slower) and at 100 %
    const double issue_kernel = seconds(issue_kernel_work(plan.issue_kernel(), warps, g).solo_duration);
    sharing += 2 * kChildStartSeconds + 5 * s.issue_kernels * issue_kernel;
    children += 2;
  }
  for (int m : s.beside_memory_clients) {
    sharing += kChildStartSeconds + s.pair_kernels * (pair_c + m * pair_m);
    children += m + 1;
  }
  const size_t runs = s.timeslice_processes.size() + s.share_cases.size() + s.sweep_percentages.size() + 5 +
                      s.memory_sweep_percentages.size() + s.latency_clients.size() + s.launch_clients.size() +
                      s.beside_memory_clients.size() + 2 * s.issue_warps.size();

  out << "calibration plan for " << sm_count << " SMs (durations from profile " << g.name
      << "; an estimate: host overheads are not counted, " << format_fixed(kChildStartSeconds, 1)
      << " s assumed per child-process start)\n";
  char line[256];
  auto row = [&](const char* suite, const std::string& cases, double secs) {
    std::snprintf(line, sizeof line, "  %-11s %-58s ~%7.1f s\n", suite, cases.c_str(), secs);
    out << line;
  };
  row("copies",
      std::to_string(copy_cases) + " cases (4 kinds x " + std::to_string(plan.copies.sizes_bytes.size()) +
          " sizes) x " + std::to_string(plan.copies.warmup + plan.copies.reps) + " copies",
      copies);
  row("launch",
      std::to_string(plan.launch.host_launches) + " launches x " + std::to_string(plan.launch.host_reps) +
          ", " + std::to_string(plan.launch.gap_kernels) + " stamped kernels x " +
          std::to_string(plan.launch.gap_reps),
      launch);
  row("sm-scaling",
      std::to_string(plan.sm_scaling.grids.size()) + " grids x 2 kernels x " +
          std::to_string(plan.sm_scaling.reps + 1) + " runs",
      scaling);
  row("overlap", "3 alone + 1 together x " + std::to_string(plan.overlap.reps + 1) + " runs", overlap);
  row("sharing",
      std::to_string(children) + " child processes in " + std::to_string(runs) + " runs (MPS on and off)",
      sharing);
  out << "  total       ~" << format_fixed(copies + launch + scaling + overlap + sharing, 0) << " s\n";
  return kOk;
}

}  // namespace

int run_calibrate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  int code = kOk;
  auto parsed = parse_args(args, err, code);
  if (!parsed) return code;
  if (parsed->action == "fit") return run_fit(*parsed, out, err);
  if (parsed->action == "compare") return run_compare(*parsed, out, err);
  if (parsed->action == "simulate") return run_simulate(*parsed, out, err);
  if (parsed->action == "plan") return run_plan(*parsed, out, err);
  return usage_error(
      err, "calibrate: unknown action '" + parsed->action + "' (expected fit, compare, simulate or plan)");
}

}  // namespace sharesim::calibrate
