#include "sharesim/calibrate/observations.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "sharesim/calibrate/plan.h"

namespace sharesim::calibrate {

std::string observation_key(const std::string& suite, const std::string& case_name, const std::string& param,
                            const std::string& metric) {
  return suite + "/" + case_name + "/" + param + "/" + metric;
}

double median_of(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double relative_spread(const std::vector<double>& values) {
  if (values.size() < 2) return 0;
  const double m = median_of(values);
  if (m == 0) return 0;
  std::vector<double> deviations;
  deviations.reserve(values.size());
  for (double v : values) deviations.push_back(std::abs(v - m));
  return median_of(deviations) / std::abs(m);
}

int64_t param_value(const std::vector<std::pair<std::string, int64_t>>& params, const std::string& key,
                    int64_t fallback) {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  return fallback;
}

namespace {

using Params = std::vector<std::pair<std::string, int64_t>>;

Params parsed(const std::string& text) {
  Params params;
  [[maybe_unused]] bool ok = parse_param_string(text, params);
  return params;
}

Params without(const Params& params, const std::string& key) {
  Params out;
  for (const auto& p : params) {
    if (p.first != key) out.push_back(p);
  }
  return out;
}

void add_observation(Observations& obs, const std::string& suite, const std::string& case_name,
                     const Params& params, const std::string& metric, std::vector<double> values,
                     const std::string& unit, const RowOrigin& origin) {
  if (values.empty()) return;
  Observation o;
  o.suite = suite;
  o.case_name = case_name;
  o.param = param_string(params);
  o.metric = metric;
  o.value = median_of(values);
  o.unit = unit;
  o.samples = static_cast<int>(values.size());
  o.spread = relative_spread(values);
  o.params = params;
  o.values = std::move(values);
  o.origin = origin;
  obs[observation_key(suite, case_name, o.param, metric)] = std::move(o);
}

// Kernel durations of the middle half of one process's kernels (by index).
std::vector<double> middle_kernel_durations(const std::vector<const Measurement*>& rows) {
  std::map<int64_t, std::pair<double, double>> kernels;  // index -> (start, end)
  std::set<int64_t> have_start, have_end;
  for (const Measurement* m : rows) {
    if (m->metric == "kernel_start") {
      kernels[m->rep].first = m->value;
      have_start.insert(m->rep);
    } else if (m->metric == "kernel_end") {
      kernels[m->rep].second = m->value;
      have_end.insert(m->rep);
    }
  }
  std::vector<double> durations;
  const auto n = static_cast<int64_t>(kernels.size());
  for (const auto& [index, se] : kernels) {
    if (!have_start.count(index) || !have_end.count(index)) continue;
    if (index < n / 4 || index >= n - n / 4) continue;
    durations.push_back(se.second - se.first);
  }
  return durations;
}

// Gaps between consecutive kernels (start of k minus end of k - 1) of the middle half.
std::vector<double> middle_kernel_gaps(const std::vector<const Measurement*>& rows) {
  std::map<int64_t, std::pair<double, double>> kernels;  // index -> (start, end)
  for (const Measurement* m : rows) {
    if (m->metric == "kernel_start") kernels[m->rep].first = m->value;
    if (m->metric == "kernel_end") kernels[m->rep].second = m->value;
  }
  std::vector<double> gaps;
  const auto n = static_cast<int64_t>(kernels.size());
  for (const auto& [index, se] : kernels) {
    if (index < std::max<int64_t>(1, n / 4) || index >= n - n / 4) continue;
    auto previous = kernels.find(index - 1);
    if (previous != kernels.end()) gaps.push_back(se.first - previous->second.second);
  }
  return gaps;
}

}  // namespace

TimesliceAnalysis analyze_timeslice(const RawData& data, int64_t processes) {
  // Per process: window and gaps.
  struct Proc {
    double window_start = 0, window_end = 0;
    std::map<int64_t, std::pair<double, double>> gaps;
  };
  std::map<int64_t, Proc> procs;
  for (const Measurement& m : data.rows) {
    if (m.suite != "sharing" || m.case_name != "timeslice") continue;
    Params params = parsed(m.param);
    if (param_value(params, "procs", -1) != processes) continue;
    Proc& p = procs[param_value(params, "proc", 0)];
    if (m.metric == "window_start")
      p.window_start = m.value;
    else if (m.metric == "window_end")
      p.window_end = m.value;
    else if (m.metric == "gap_start")
      p.gaps[m.rep].first = m.value;
    else if (m.metric == "gap_end")
      p.gaps[m.rep].second = m.value;
  }
  struct Turn {
    double start, end;
    int64_t proc;
    bool interior;
  };
  std::vector<Turn> turns;
  for (const auto& [id, p] : procs) {
    double start = p.window_start;
    bool first = true;
    for (const auto& [index, gap] : p.gaps) {
      turns.push_back(Turn{start, gap.first, id, !first});
      start = gap.second;
      first = false;
    }
    turns.push_back(Turn{start, p.window_end, id, false});
  }
  std::sort(turns.begin(), turns.end(), [](const Turn& a, const Turn& b) { return a.start < b.start; });
  TimesliceAnalysis out;
  for (const Turn& t : turns) {
    if (t.interior) out.turns.push_back(t.end - t.start);
  }
  // A switch: the idle time between a turn's end and the next turn (of another process).
  for (size_t i = 0; i + 1 < turns.size(); ++i) {
    const Turn& a = turns[i];
    const Turn& b = turns[i + 1];
    if (a.proc == b.proc) continue;
    const double gap = b.start - a.end;
    if (gap >= 0) out.switches.push_back(gap);
  }
  return out;
}

Observations summarize(const RawData& data) {
  Observations obs;
  // Group plain suites by (suite, case, param, metric).
  std::map<std::string, std::vector<const Measurement*>> groups;
  std::map<std::string, std::vector<const Measurement*>> sharing_groups;  // (case, param) -> rows
  std::map<int64_t, RowOrigin> timeslice_procs;                           // procs -> first row
  for (const Measurement& m : data.rows) {
    if (m.suite == "sharing") {
      if (m.case_name == "timeslice") {
        timeslice_procs.emplace(param_value(parsed(m.param), "procs", 0), m.origin);
      } else {
        sharing_groups[m.case_name + "\n" + m.param].push_back(&m);
      }
      continue;
    }
    groups[observation_key(m.suite, m.case_name, m.param, m.metric)].push_back(&m);
  }
  for (const auto& [key, rows] : groups) {
    std::vector<double> values;
    for (const Measurement* m : rows) values.push_back(m->value);
    const Measurement& first = *rows.front();
    add_observation(obs, first.suite, first.case_name, parsed(first.param), first.metric, values, first.unit,
                    first.origin);
  }
  for (const auto& [n, origin] : timeslice_procs) {
    TimesliceAnalysis a = analyze_timeslice(data, n);
    add_observation(obs, "sharing", "timeslice", {{"procs", n}}, "slice", a.turns, "ns", origin);
    add_observation(obs, "sharing", "timeslice", {{"procs", n}}, "switch", a.switches, "ns", origin);
  }
  // share: pooled over processes; pair: per process (the two may run different kernels).
  struct Pool {
    Params params;
    std::vector<double> durations;
    RowOrigin origin;
  };
  std::map<std::string, Pool> pooled;
  for (const auto& [key, rows] : sharing_groups) {
    const Measurement& first = *rows.front();
    Params params = parsed(first.param);
    if (first.case_name == "launch_clients") {
      add_observation(obs, "sharing", first.case_name, params, "gap", middle_kernel_gaps(rows), "ns",
                      first.origin);
      continue;
    }
    std::vector<double> durations = middle_kernel_durations(rows);
    if (first.case_name == "share") {
      Params p = without(params, "proc");
      auto [slot, fresh] = pooled.try_emplace(param_string(p), Pool{p, {}, first.origin});
      slot->second.durations.insert(slot->second.durations.end(), durations.begin(), durations.end());
    } else {
      add_observation(obs, "sharing", first.case_name, params, "kernel_time", durations, "ns", first.origin);
    }
  }
  for (auto& [key, pool] : pooled)
    add_observation(obs, "sharing", "share", pool.params, "kernel_time", pool.durations, "ns", pool.origin);
  return obs;
}

}  // namespace sharesim::calibrate
