// The enumeration: device multisets grouped into cost levels, and within a level the replica
// counts, canonical placements (interchangeable GPUs and devices are not tried twice), policies and
// MPS percentage vectors, in a deterministic order.
#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>

#include "search_steps.h"
#include "sharesim/planner/planner.h"

namespace sharesim::planner::detail {

using scenarios::PlanPolicy;
using scenarios::PlanSpec;
using scenarios::Scenario;
using scenarios::WorkloadSpec;

std::vector<Level> make_levels(const PlanSpec& spec, int max_useful_devices) {
  const size_t options = spec.device_options.size();
  const int max_devices = std::min(spec.max_devices, max_useful_devices);
  std::vector<std::vector<size_t>> all;
  std::vector<size_t> current;
  // Non-decreasing sequences of option indexes, length 1..max_devices.
  auto recurse = [&](auto&& self, size_t from) -> void {
    if (!current.empty()) all.push_back(current);
    if (static_cast<int>(current.size()) == max_devices) return;
    for (size_t o = from; o < options; ++o) {
      current.push_back(o);
      self(self, o);
      current.pop_back();
    }
  };
  recurse(recurse, 0);
  auto cost_of = [&](const std::vector<size_t>& m) {
    double c = 0;
    for (size_t o : m) c += spec.device_options[o].cost;
    return c;
  };
  auto gpus_of = [&](const std::vector<size_t>& m) {
    int g = 0;
    for (size_t o : m) g += spec.device_options[o].gpus;
    return g;
  };
  // Costs compare at a micro-unit so that 0.1 + 0.2 and 0.3 are one level.
  auto cost_key = [&](const std::vector<size_t>& m) { return std::llround(cost_of(m) * 1e6); };
  std::stable_sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
    if (cost_key(a) != cost_key(b)) return cost_key(a) < cost_key(b);
    if (gpus_of(a) != gpus_of(b)) return gpus_of(a) < gpus_of(b);
    if (a.size() != b.size()) return a.size() < b.size();
    return a < b;
  });
  std::vector<Level> levels;
  for (const auto& m : all) {
    if (levels.empty() || std::llround(levels.back().cost * 1e6) != cost_key(m))
      levels.push_back(Level{cost_of(m), {}});
    levels.back().multisets.push_back(m);
  }
  return levels;
}

namespace {

std::string tenants_key(const std::vector<Tenant>& tenants) {
  std::string key;
  for (const Tenant& t : tenants)
    key += std::to_string(t.workload) + "x" + std::to_string(t.processes) + "@" +
           std::to_string(t.mps_percentage) + ",";
  return key;
}

std::string gpu_key(const GpuPlan& g) {
  return std::string(g.passthrough ? "P" : "C") + tenants_key(g.tenants);
}

std::string device_key(const DevicePlan& d) {
  std::string key = std::to_string(d.option) + (d.mps ? "m" : "t") + "{";
  for (const GpuPlan& g : d.gpus) key += gpu_key(g) + "|";
  return key + "}";
}

// Puts interchangeable parts in one order: GPUs within a device (passthrough first, then by
// tenants, unused last) and devices of one option by content; names devices.
void canonicalize(Candidate& c, const PlanSpec& spec) {
  for (DevicePlan& d : c.devices) {
    std::stable_sort(d.gpus.begin(), d.gpus.end(), [](const GpuPlan& a, const GpuPlan& b) {
      auto rank = [](const GpuPlan& g) { return g.tenants.empty() ? 2 : (g.passthrough ? 0 : 1); };
      if (rank(a) != rank(b)) return rank(a) < rank(b);
      return gpu_key(a) < gpu_key(b);
    });
    if (!d.has_containers()) d.mps = false;
  }
  std::stable_sort(c.devices.begin(), c.devices.end(), [](const DevicePlan& a, const DevicePlan& b) {
    if (a.option != b.option) return a.option < b.option;
    return device_key(a) < device_key(b);
  });
  std::map<size_t, int> counter;
  for (DevicePlan& d : c.devices)
    d.name = spec.device_options[d.option].name + "-" + std::to_string(++counter[d.option]);
}

std::string candidate_key(const Candidate& c) {
  std::string key;
  for (const DevicePlan& d : c.devices) key += device_key(d) + ";";
  return key;
}

// MPS percentage vectors for the tenants of one GPU (one percentage per tenant, applying to each of
// its processes).
std::vector<std::vector<int>> mps_vectors(const Scenario& base, const PlanSpec& spec,
                                          const models::GpuProfile& profile, const GpuPlan& gpu,
                                          const std::vector<int>& total) {
  const size_t n = gpu.tenants.size();
  std::vector<std::vector<int>> out;
  if (spec.mps_percentages) {
    const std::vector<int>& values = *spec.mps_percentages;
    std::vector<size_t> digit(n, 0);
    const size_t kMaxVectors = 4096;
    while (out.size() < kMaxVectors) {
      std::vector<int> v(n);
      for (size_t i = 0; i < n; ++i) v[i] = values[digit[i]];
      out.push_back(v);
      size_t i = 0;
      while (i < n && ++digit[i] == values.size()) digit[i++] = 0;
      if (i == n) break;
    }
    return out;
  }
  int processes = 0;
  for (const Tenant& t : gpu.tenants) processes += t.processes;
  // The device plugin's default: each replica gets 100/N.
  out.push_back(std::vector<int>(n, std::max(1, 100 / processes)));
  // Proportional to each process's offered GPU load (solo kernel time x its arrival rate).
  std::vector<double> load(n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const WorkloadSpec& w = base.workloads[gpu.tenants[i].workload];
    const auto rate = arrival_rate(w.arrivals);
    const double kernel = work_on(w, profile, 0).kernel_s;
    load[i] = rate ? *rate / total[gpu.tenants[i].workload] * kernel : 0.5;  // closed loop: half a GPU
    sum += load[i] * gpu.tenants[i].processes;
  }
  if (n >= 2 && sum > 0) {
    std::vector<int> prop(n);
    for (size_t i = 0; i < n; ++i)
      prop[i] = std::clamp(static_cast<int>(std::lround(100 * load[i] / sum)), 1, 100);
    out.push_back(prop);
    const size_t heavy = static_cast<size_t>(std::max_element(load.begin(), load.end()) - load.begin());
    const size_t light = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    if (heavy != light) {
      for (int delta : {10, -10}) {
        std::vector<int> v = prop;
        v[heavy] = std::clamp(v[heavy] + delta, 1, 100);
        v[light] = std::clamp(v[light] - delta, 1, 100);
        out.push_back(v);
      }
    }
  } else if (processes > 1) {
    out.push_back(std::vector<int>(n, 100));  // one workload's replicas: also try them uncapped
  }
  std::vector<std::vector<int>> unique;
  for (auto& v : out)
    if (std::find(unique.begin(), unique.end(), v) == unique.end()) unique.push_back(v);
  return unique;
}

class Enumerator {
 public:
  Enumerator(const Scenario& base, const PlanSpec& spec, const std::vector<models::GpuProfile>& profiles,
             size_t max_candidates)
      : base_(base), spec_(spec), profiles_(profiles), max_candidates_(max_candidates) {}

  // Candidates of one level, at most max_candidates_ (then truncated() is true).
  std::vector<Candidate> level(const Level& level, size_t level_index) {
    std::vector<Candidate> out;
    std::set<std::string> seen;
    truncated_ = false;
    for (const auto& multiset : level.multisets) {
      std::vector<std::pair<size_t, size_t>> gpus;  // (device, gpu)
      for (size_t d = 0; d < multiset.size(); ++d)
        for (int g = 0; g < spec_.device_options[multiset[d]].gpus; ++g)
          gpus.emplace_back(d, static_cast<size_t>(g));
      const size_t n = base_.workloads.size();
      std::vector<int> replicas(n, spec_.replicas.min);
      while (true) {
        place(multiset, gpus, replicas, level, level_index, seen, out);
        size_t i = n;
        while (i > 0) {
          --i;
          if (replicas[i] < spec_.replicas.max) {
            ++replicas[i];
            for (size_t j = i + 1; j < n; ++j) replicas[j] = spec_.replicas.min;
            break;
          }
          if (i == 0) {
            i = n + 1;
            break;
          }
        }
        if (i == n + 1 || n == 0) break;
      }
    }
    for (size_t i = 0; i < out.size(); ++i) out[i].index = i;
    return out;
  }

 private:
  void place(const std::vector<size_t>& multiset, const std::vector<std::pair<size_t, size_t>>& gpus,
             const std::vector<int>& replicas, const Level& level, size_t level_index,
             std::set<std::string>& seen, std::vector<Candidate>& out) {
    const size_t n = base_.workloads.size();
    std::vector<std::vector<Tenant>> on_gpu(gpus.size());
    std::set<std::string> placements_seen;
    auto recurse = [&](auto&& self, size_t w) -> void {
      if (truncated_) return;
      if (w == n) {
        // Every device must host something: an idle device only adds cost.
        std::vector<bool> used(multiset.size(), false);
        for (size_t i = 0; i < gpus.size(); ++i)
          if (!on_gpu[i].empty()) used[gpus[i].first] = true;
        if (std::find(used.begin(), used.end(), false) != used.end()) return;
        Candidate base_candidate;
        base_candidate.level = level_index;
        base_candidate.cost = level.cost;
        for (size_t d = 0; d < multiset.size(); ++d) {
          DevicePlan plan;
          plan.option = multiset[d];
          plan.gpus.resize(static_cast<size_t>(spec_.device_options[multiset[d]].gpus));
          base_candidate.devices.push_back(std::move(plan));
        }
        for (size_t i = 0; i < gpus.size(); ++i)
          base_candidate.devices[gpus[i].first].gpus[gpus[i].second].tenants = on_gpu[i];
        Candidate canonical = base_candidate;
        canonicalize(canonical, spec_);
        if (!placements_seen.insert(candidate_key(canonical)).second) return;
        expand_policies(base_candidate, seen, out);
        return;
      }
      // Distribute replicas[w] processes over the GPUs (counts per GPU, lexicographically
      // largest first so that packed placements come first).
      const bool split_ok = splittable(base_.workloads[w].arrivals);
      std::vector<int> counts(gpus.size(), 0);
      auto distribute = [&](auto&& dself, size_t i, int left) -> void {
        if (i == gpus.size()) {
          if (left != 0) return;
          for (size_t k = 0; k < gpus.size(); ++k)
            if (counts[k] > 0) on_gpu[k].push_back(Tenant{w, counts[k], 0});
          self(self, w + 1);
          for (size_t k = 0; k < gpus.size(); ++k)
            if (counts[k] > 0) on_gpu[k].pop_back();
          return;
        }
        for (int c = left; c >= 0; --c) {
          if (c > 0 && c < replicas[w] && !split_ok) continue;
          counts[i] = c;
          dself(dself, i + 1, left - c);
        }
        counts[i] = 0;
      };
      distribute(distribute, 0, replicas[w]);
    };
    recurse(recurse, 0);
  }

  void expand_policies(const Candidate& placed, std::set<std::string>& seen, std::vector<Candidate>& out) {
    // Per device: the set of device plans (passthrough choice per single-process GPU x mode).
    std::vector<std::vector<DevicePlan>> per_device;
    for (const DevicePlan& d : placed.devices) {
      std::vector<DevicePlan> choices;
      std::vector<size_t> single;
      for (size_t g = 0; g < d.gpus.size(); ++g) {
        int processes = 0;
        for (const Tenant& t : d.gpus[g].tenants) processes += t.processes;
        if (processes == 1) single.push_back(g);
      }
      const bool may_pass = spec_.allows(PlanPolicy::kPassthrough);
      const size_t subsets = may_pass ? (size_t{1} << single.size()) : 1;
      for (size_t mask = 0; mask < subsets; ++mask) {
        DevicePlan p = d;
        for (size_t b = 0; b < single.size(); ++b) p.gpus[single[b]].passthrough = (mask >> b) & 1;
        if (!p.has_containers()) {
          choices.push_back(p);
          continue;
        }
        if (spec_.allows(PlanPolicy::kTimeSlicing)) {
          p.mps = false;
          choices.push_back(p);
        }
        if (spec_.allows(PlanPolicy::kMps)) {
          p.mps = true;
          choices.push_back(p);
        }
      }
      if (choices.empty()) return;
      per_device.push_back(std::move(choices));
    }
    const std::vector<int> total = processes_per_workload(base_, placed);
    std::vector<size_t> pick(per_device.size(), 0);
    while (true) {
      Candidate c = placed;
      for (size_t d = 0; d < per_device.size(); ++d) c.devices[d] = per_device[d][pick[d]];
      expand_mps(c, total, seen, out);
      size_t i = 0;
      while (i < pick.size() && ++pick[i] == per_device[i].size()) pick[i++] = 0;
      if (i == pick.size()) break;
    }
  }

  void expand_mps(const Candidate& c, const std::vector<int>& total, std::set<std::string>& seen,
                  std::vector<Candidate>& out) {
    std::vector<std::pair<size_t, size_t>> mps_gpus;
    std::vector<std::vector<std::vector<int>>> vectors;
    for (size_t d = 0; d < c.devices.size(); ++d) {
      const DevicePlan& dev = c.devices[d];
      if (!dev.mps) continue;
      for (size_t g = 0; g < dev.gpus.size(); ++g) {
        if (dev.gpus[g].passthrough || dev.gpus[g].tenants.empty()) continue;
        mps_gpus.emplace_back(d, g);
        vectors.push_back(mps_vectors(base_, spec_, profiles_[dev.option], dev.gpus[g], total));
      }
    }
    std::vector<size_t> pick(vectors.size(), 0);
    while (true) {
      Candidate v = c;
      for (size_t i = 0; i < mps_gpus.size(); ++i) {
        auto& tenants = v.devices[mps_gpus[i].first].gpus[mps_gpus[i].second].tenants;
        for (size_t t = 0; t < tenants.size(); ++t) tenants[t].mps_percentage = vectors[i][pick[i]][t];
      }
      canonicalize(v, spec_);
      if (seen.insert(candidate_key(v)).second) {
        if (out.size() >= max_candidates_) {
          truncated_ = true;
          return;
        }
        out.push_back(std::move(v));
      }
      size_t i = 0;
      while (i < pick.size() && ++pick[i] == vectors[i].size()) pick[i++] = 0;
      if (i == pick.size()) break;
    }
  }

  const Scenario& base_;
  const PlanSpec& spec_;
  const std::vector<models::GpuProfile>& profiles_;
  size_t max_candidates_;
  bool truncated_ = false;

 public:
  [[nodiscard]] bool truncated() const { return truncated_; }
};

}  // namespace

LevelCandidates enumerate_level(const Scenario& base, const PlanSpec& spec,
                                const std::vector<models::GpuProfile>& profiles, const Level& level,
                                size_t level_index, size_t max_candidates) {
  Enumerator enumerator(base, spec, profiles, max_candidates);
  LevelCandidates out;
  out.candidates = enumerator.level(level, level_index);
  out.truncated = enumerator.truncated();
  return out;
}

}  // namespace sharesim::planner::detail
