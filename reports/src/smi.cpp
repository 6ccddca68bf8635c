#include "sharesim/reports/smi.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sharesim/sim/input_file.h"
#include "sharesim/sim/text_format.h"

namespace sharesim::reports {

using sim::fmt;

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

std::string fit(std::string text, size_t width, bool right) {
  if (text.size() > width) text = text.substr(0, width);
  const std::string padding(width - text.size(), ' ');
  return right ? padding + text : text + padding;
}

long percent(double fraction) {
  return std::lround(100 * fraction);
}
long mib(int64_t bytes) {
  return std::lround(static_cast<double>(bytes) / kMiB);
}

// The value of a series at an instant `since_start_s` into the measurement.
double at_window(const std::vector<double>& series, double window_s, double since_start_s) {
  if (series.empty() || window_s <= 0) return 0;
  auto i = static_cast<size_t>(std::floor(since_start_s / window_s));
  if (i >= series.size()) i = series.size() - 1;  // the end instant belongs to the last window
  return series[i];
}

struct Reader {
  std::string path;
  std::string problem;
  template <class T>
  T get(const YAML::Node& node, const char* key, T fallback, bool required = false) {
    const YAML::Node v = node[key];
    if (!v || v.IsNull()) {
      if (required && problem.empty()) problem = std::string("missing '") + key + "'";
      return fallback;
    }
    try {
      return v.as<T>();
    } catch (const YAML::Exception&) {
      if (problem.empty()) problem = std::string("'") + key + "' has the wrong type";
      return fallback;
    }
  }
  std::vector<double> series(const YAML::Node& node, const char* key) {
    std::vector<double> out;
    const YAML::Node v = node[key];
    if (!v || !v.IsSequence()) return out;
    for (const auto& e : v) {
      try {
        out.push_back(e.IsNull() ? 0.0 : e.as<double>());
      } catch (const YAML::Exception&) {
        if (problem.empty()) problem = std::string("'") + key + "' holds a value that is not a number";
      }
    }
    return out;
  }
};

Error file_error(const std::string& path, const std::string& message) {
  return Error{.file = path, .message = message};
}

Result<double> check_at(const SmiSnapshot& s, double at_s) {
  if (!(at_s >= s.warmup_s - 1e-12) || !(at_s <= s.simulated_s + 1e-12)) {
    return Error{.field = "--at",
                 .message = "expected a time within the measured interval " + fmt("%gs", s.warmup_s) +
                            " to " + fmt("%gs", s.simulated_s) + ", found " + fmt("%gs", at_s)};
  }
  return at_s - s.warmup_s;
}

std::string compute_mode(const std::string& policy) {
  // MPS is normally run with the GPU in EXCLUSIVE_PROCESS mode (NVIDIA MPS documentation).
  return policy == "mps" ? "E. Process" : "Default";
}

}  // namespace

Result<SmiSnapshot> load_smi_snapshot(const std::string& path) {
  auto text = sim::read_input_file(path, "a results.json from 'sharesim run'", sim::kMaxResultsInputBytes);
  if (!text) return text.error();
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return file_error(path, "not valid JSON: " + std::string(e.what()));
  }
  if (!root.IsMap() || !root["gpus"] || !root["gpus"].IsSequence()) {
    return file_error(path, "not a sharesim results.json: expected an object with a 'gpus' array");
  }
  Reader r{path, ""};
  SmiSnapshot s;
  s.scenario = r.get<std::string>(root, "scenario", "");
  s.simulated_s = r.get<double>(root, "simulated_seconds", 0, true);
  if (root["config"]) s.warmup_s = r.get<double>(root["config"], "warmup_s", 0);
  for (const auto& g : root["gpus"]) {
    if (!g.IsMap()) return file_error(path, "an entry of 'gpus' is not an object");
    SmiGpu gpu;
    gpu.device = r.get<std::string>(g, "device", "", true);
    gpu.index = r.get<int>(g, "index", 0, true);
    gpu.profile = r.get<std::string>(g, "profile", "");
    gpu.policy = r.get<std::string>(g, "policy", "");
    gpu.claimed_by = r.get<std::string>(g, "claimed_by", "");
    gpu.utilization_gpu = r.get<double>(g, "utilization_gpu", 0, true);
    gpu.utilization_memory = r.get<double>(g, "utilization_memory", 0);
    gpu.sm_occupancy = r.get<double>(g, "sm_occupancy", 0);
    gpu.copy_busy = r.get<double>(g, "copy_any_busy_fraction", 0);
    gpu.memory_used_bytes = r.get<int64_t>(g, "memory_used_bytes", 0, true);
    gpu.memory_total_bytes = r.get<int64_t>(g, "memory_total_bytes", 0);
    gpu.sample_window_s = r.get<double>(g, "sample_window_s", 1);
    gpu.context_switches = r.get<uint64_t>(g, "context_switches", 0);
    gpu.faults = r.get<uint64_t>(g, "faults", 0);
    gpu.utilization_gpu_series = r.series(g, "utilization_gpu_series");
    gpu.utilization_memory_series = r.series(g, "utilization_memory_series");
    gpu.sm_occupancy_series = r.series(g, "sm_occupancy_series");
    gpu.copy_busy_series = r.series(g, "copy_busy_series");
    if (g["processes"] && g["processes"].IsSequence()) {
      for (const auto& p : g["processes"]) {
        SmiProcess process;
        process.name =
            r.get<std::string>(p, "workload", "") + "/" + std::to_string(r.get<int>(p, "replica", 0));
        process.memory_bytes = r.get<int64_t>(p, "memory_bytes", 0);
        if (p["mps_active_thread_percentage"] && !p["mps_active_thread_percentage"].IsNull()) {
          process.mps_active_thread_percentage = r.get<int>(p, "mps_active_thread_percentage", 0);
        }
        process.sm_cap = r.get<int>(p, "sm_cap", 0);
        process.failed = r.get<bool>(p, "failed", false);
        gpu.processes.push_back(std::move(process));
      }
    }
    if (!(gpu.sample_window_s > 0)) return file_error(path, "'sample_window_s' must be > 0");
    s.gpus.push_back(std::move(gpu));
  }
  if (!r.problem.empty()) return file_error(path, "not a sharesim results.json: " + r.problem);
  return s;
}

Result<std::string> smi_table(const SmiSnapshot& s, std::optional<double> at_s) {
  std::optional<double> since;
  if (at_s) {
    auto checked = check_at(s, *at_s);
    if (!checked) return checked.error();
    since = *checked;
  }
  const std::string rule =
      "+-----------------------------------------+------------------------+----------------------+\n";
  const std::string wide =
      "+-----------------------------------------------------------------------------------------+\n";
  const auto line = [](const std::string& a, const std::string& b, const std::string& c) {
    return "|" + fit(a, 41, false) + "|" + fit(b, 24, false) + "|" + fit(c, 22, false) + "|\n";
  };
  std::string out;
  out += wide;
  const std::string when = at_s ? "at t = " + fmt("%.3f s", *at_s)
                                : "mean " + fmt("%.3f", s.warmup_s) + "-" + fmt("%.3f s", s.simulated_s);
  out += "|" + fit(" sharesim smi (SIMULATED)  scenario: " + s.scenario + "  " + when, 89, false) + "|\n";
  out += "|-----------------------------------------+------------------------+----------------------+\n";
  out += line(" GPU  Name                 Persistence-M", " Bus-Id          Disp.A", " Volatile Uncorr. ECC");
  out += line(" Fan  Temp   Perf          Pwr:Usage/Cap", "           Memory-Usage", " GPU-Util  Compute M.");
  out += line("", "", "               MIG M.");
  out += "|=========================================+========================+======================|\n";
  for (size_t i = 0; i < s.gpus.size(); ++i) {
    const SmiGpu& g = s.gpus[i];
    const double util =
        since ? at_window(g.utilization_gpu_series, g.sample_window_s, *since) : g.utilization_gpu;
    const std::string name = g.profile + " " + g.device + "/" + std::to_string(g.index);
    out += line(fit(std::to_string(i), 4, true) + "  " + fit(name, 30, false) + fit("Off", 4, true) + " ",
                "   N/A              Off", fit("N/A", 21, true));
    out += line(fit(" N/A   N/A    N/A", 30, false) + fit("N/A /  N/A", 10, true) + " ",
                fit(std::to_string(mib(g.memory_used_bytes)) + "MiB / " +
                        std::to_string(mib(g.memory_total_bytes)) + "MiB",
                    23, true),
                fit(std::to_string(percent(util)) + "%", 9, true) + fit(compute_mode(g.policy), 12, true));
    out += line("", "", fit("N/A", 21, true));
    out += rule;
  }
  out += "\n" + wide;
  out += "|" + fit(" Processes:", 89, false) + "|\n";
  out += "|" +
         fit("  GPU   GI   CI        PID   Type   Process name                              GPU Memory", 89,
             false) +
         "|\n";
  out +=
      "|" +
      fit("        ID   ID                                                               Usage", 89, false) +
      "|\n";
  out += "|=========================================================================================|\n";
  bool any = false;
  for (size_t i = 0; i < s.gpus.size(); ++i) {
    for (const SmiProcess& p : s.gpus[i].processes) {
      if (p.failed) continue;  // a failed process no longer holds a context
      any = true;
      const std::string type = s.gpus[i].policy == "mps" ? "M+C" : "C";
      out += "|" + fit(std::to_string(i), 5, true) + "   N/A  N/A        N/A" + fit(type, 7, true) + "   " +
             fit(p.name, 39, false) + fit(std::to_string(mib(p.memory_bytes)) + "MiB", 12, true) + " |\n";
    }
  }
  if (!any) out += "|" + fit("  No running processes found", 89, false) + "|\n";
  out += wide;
  out += "sharesim: simulated device; power, temperature, clocks and PIDs are not modeled (N/A).\n";
  return out;
}

Result<std::string> smi_query_csv(const SmiSnapshot& s, std::optional<double> at_s) {
  std::optional<double> since;
  if (at_s) {
    auto checked = check_at(s, *at_s);
    if (!checked) return checked.error();
    since = *checked;
  }
  std::string out =
      "index, name, policy, utilization.gpu [%], utilization.memory [%], sm.occupancy [%], memory.used "
      "[MiB], "
      "memory.total [MiB]\n";
  for (size_t i = 0; i < s.gpus.size(); ++i) {
    const SmiGpu& g = s.gpus[i];
    const auto pick = [&](const std::vector<double>& series, double mean) {
      return since ? at_window(series, g.sample_window_s, *since) : mean;
    };
    out += std::to_string(i) + ", " + g.profile + " " + g.device + "/" + std::to_string(g.index) + ", " +
           (g.policy.empty() ? "idle" : g.policy) + ", " +
           std::to_string(percent(pick(g.utilization_gpu_series, g.utilization_gpu))) + ", " +
           std::to_string(percent(pick(g.utilization_memory_series, g.utilization_memory))) + ", " +
           std::to_string(percent(pick(g.sm_occupancy_series, g.sm_occupancy))) + ", " +
           std::to_string(mib(g.memory_used_bytes)) + ", " + std::to_string(mib(g.memory_total_bytes)) + "\n";
  }
  return out;
}

std::vector<double> resample_per_second(const std::vector<double>& series, double window_s, double total_s) {
  std::vector<double> out;
  if (series.empty() || !(window_s > 0) || !(total_s > 0)) return out;
  const auto seconds = static_cast<size_t>(std::ceil(total_s - 1e-9));
  out.reserve(seconds);
  // Second k overlaps the samples [first, ...) that start before its end: one sweep over both,
  // O(seconds + samples) (was seconds x samples: 43 s for a 100,000 s run).
  const auto window_start = [&](size_t i) { return static_cast<double>(i) * window_s; };
  const auto window_end = [&](size_t i) { return std::min(window_start(i) + window_s, total_s); };
  size_t first = 0;
  for (size_t k = 0; k < seconds; ++k) {
    const double a = static_cast<double>(k);
    const double b = std::min(a + 1, total_s);
    while (first < series.size() && window_end(first) <= a) ++first;
    double weighted = 0;
    for (size_t i = first; i < series.size() && window_start(i) < b; ++i) {
      const double overlap = std::min(b, window_end(i)) - std::max(a, window_start(i));
      if (overlap > 0) weighted += overlap * series[i];
    }
    out.push_back(b > a ? weighted / (b - a) : 0);
  }
  return out;
}

std::string smi_dmon(const SmiSnapshot& s, bool csv) {
  const double total = s.simulated_s - s.warmup_s;
  std::string out;
  if (csv) {
    out = "time_s,gpu,sm,mem,copy,smocc,fb_mib\n";
  } else {
    out = fit("#Time", 9, false) + fit("gpu", 8, true) + fit("sm", 7, true) + fit("mem", 7, true) +
          fit("copy", 7, true) + fit("smocc", 7, true) + fit("fb", 8, true) + "\n";
    out += fit("#s", 9, false) + fit("Idx", 8, true) + fit("%", 7, true) + fit("%", 7, true) +
           fit("%", 7, true) + fit("%", 7, true) + fit("MB", 8, true) + "\n";
  }
  struct Columns {
    std::vector<double> sm, mem, copy, occ;
  };
  std::vector<Columns> columns;
  size_t rows = 0;
  for (const SmiGpu& g : s.gpus) {
    Columns c{resample_per_second(g.utilization_gpu_series, g.sample_window_s, total),
              resample_per_second(g.utilization_memory_series, g.sample_window_s, total),
              resample_per_second(g.copy_busy_series, g.sample_window_s, total),
              resample_per_second(g.sm_occupancy_series, g.sample_window_s, total)};
    rows = std::max(rows, c.sm.size());
    columns.push_back(std::move(c));
  }
  const auto value = [](const std::vector<double>& v, size_t k) { return k < v.size() ? v[k] : 0.0; };
  for (size_t k = 0; k < rows; ++k) {
    // The row is printed at the end of its second, as dmon prints each sample when it is taken.
    const double t = s.warmup_s + std::min(static_cast<double>(k + 1), total);
    for (size_t i = 0; i < s.gpus.size(); ++i) {
      const Columns& c = columns[i];
      const long fb = mib(s.gpus[i].memory_used_bytes);
      if (csv) {
        out += fmt("%.3f", t) + "," + std::to_string(i) + "," + std::to_string(percent(value(c.sm, k))) +
               "," + std::to_string(percent(value(c.mem, k))) + "," +
               std::to_string(percent(value(c.copy, k))) + "," + std::to_string(percent(value(c.occ, k))) +
               "," + std::to_string(fb) + "\n";
      } else {
        out += fit(fmt("%.3f", t), 9, false) + fit(std::to_string(i), 8, true) +
               fit(std::to_string(percent(value(c.sm, k))), 7, true) +
               fit(std::to_string(percent(value(c.mem, k))), 7, true) +
               fit(std::to_string(percent(value(c.copy, k))), 7, true) +
               fit(std::to_string(percent(value(c.occ, k))), 7, true) + fit(std::to_string(fb), 8, true) +
               "\n";
      }
    }
  }
  return out;
}

}  // namespace sharesim::reports
