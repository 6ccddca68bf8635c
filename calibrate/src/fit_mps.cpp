// The MPS parameters, fitted by simulation: the model runs the sharing suite's MPS cases with a
// candidate value, and the value whose predicted ratios (together / alone, pct / 100 %) are
// closest to the measured ones is kept. This stays right whatever the model computes for
// co-running kernels, and the simulate -> fit round trip recovers the value exactly.
#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>

#include "fit_detail.h"
#include "sharesim/calibrate/plan.h"
#include "sharesim/calibrate/simulate.h"
#include "sharesim/sim/time.h"

namespace sharesim::calibrate::fit_detail {
namespace {

// A measured ratio: the median kernel_time of `key` over that of `solo_key`.
struct Ratio {
  std::string label;  // for the note: "compute+memory (memory)", "share 2 x 100 %", "33 %"
  std::string key;
  std::string solo_key;
  double measured = 0;
  int samples = 0;
};

std::string kernel_time_key(const std::string& case_name, const std::string& param) {
  return observation_key("sharing", case_name, param, "kernel_time");
}

// The co-run cases of the pairs and of the share probe at 100 %, with their solo references.
std::vector<Ratio> co_run_cases(const Plan& plan) {
  std::vector<Ratio> cases;
  auto pair_key = [](int kind, int procs, int proc) {
    return kernel_time_key("pair", param_string({{"kind", kind}, {"procs", procs}, {"proc", proc}}));
  };
  const std::string compute_solo = pair_key(static_cast<int>(PairKind::kComputeSolo), 1, 0);
  const std::string memory_solo = pair_key(static_cast<int>(PairKind::kMemorySolo), 1, 0);
  const int cc = static_cast<int>(PairKind::kComputeCompute);
  const int cm = static_cast<int>(PairKind::kComputeMemory);
  const int mm = static_cast<int>(PairKind::kMemoryMemory);
  for (int proc = 0; proc < 2; ++proc) {
    cases.push_back({"compute+compute", pair_key(cc, 2, proc), compute_solo});
    cases.push_back({"memory+memory", pair_key(mm, 2, proc), memory_solo});
  }
  cases.push_back({"compute+memory (compute)", pair_key(cm, 2, 0), compute_solo});
  cases.push_back({"compute+memory (memory)", pair_key(cm, 2, 1), memory_solo});
  const std::string share_solo =
      kernel_time_key("share", param_string({{"procs", 1}, {"pct", 100}, {"mps", 1}}));
  for (const SharingPlan::ShareCase& c : plan.sharing.share_cases) {
    if (c.processes < 2 || c.percentage != 100) continue;
    cases.push_back(
        {"share " + std::to_string(c.processes) + " x 100 %",
         kernel_time_key("share", param_string({{"procs", c.processes}, {"pct", 100}, {"mps", 1}})),
         share_solo});
  }
  return cases;
}

std::vector<Ratio> sweep_cases(const Plan& plan) {
  std::vector<Ratio> cases;
  const ComputeKernelShape k = plan.sweep_kernel();
  auto key = [&](int pct) {
    return kernel_time_key("mps_pct",
                           param_string({{"pct", pct}, {"blocks", k.blocks}, {"iterations", k.iterations}}));
  };
  for (int pct : plan.sharing.sweep_percentages) {
    if (pct != 100) cases.push_back({std::to_string(pct) + " %", key(pct), key(100)});
  }
  return cases;
}

// The cases the MPS co-execution parameters of issue 19 need (the model of this branch has no
// parameter for them yet: they are reported as findings), each against its one-client reference:
// N latency-bound clients against 1; the compute kernel beside M DRAM-streaming clients against
// alone; the memory kernel at pct against 100 %.
std::vector<Ratio> latency_cases(const Plan& plan) {
  std::vector<Ratio> cases;
  const std::string one = kernel_time_key("latency", param_string({{"procs", 1}, {"proc", 0}}));
  for (int n : plan.sharing.latency_clients) {
    if (n > 1)
      cases.push_back({std::to_string(n) + " clients",
                       kernel_time_key("latency", param_string({{"procs", n}, {"proc", 0}})), one});
  }
  return cases;
}

std::vector<Ratio> beside_memory_cases(const Plan& plan) {
  std::vector<Ratio> cases;
  auto key = [](int m) {
    return kernel_time_key("beside_memory", param_string({{"streams", m}, {"procs", m + 1}, {"proc", 0}}));
  };
  for (int m : plan.sharing.beside_memory_clients) {
    if (m > 0) cases.push_back({std::to_string(m) + " memory client(s)", key(m), key(0)});
  }
  return cases;
}

// The launch gap of one client among N launching empty kernels at once, against one client.
std::vector<Ratio> launch_clients_cases(const Plan& plan) {
  std::vector<Ratio> cases;
  auto key = [](int n) {
    return observation_key("sharing", "launch_clients", param_string({{"procs", n}, {"proc", 0}}), "gap");
  };
  for (int n : plan.sharing.launch_clients) {
    if (n > 1) cases.push_back({std::to_string(n) + " clients", key(n), key(1)});
  }
  return cases;
}

// The issue kernel at the issue percentage against 100 %, per warps per block.
std::vector<Ratio> issue_cases(const Plan& plan) {
  std::vector<Ratio> cases;
  auto key = [](int warps, int pct) {
    return kernel_time_key("issue", param_string({{"warps", warps}, {"pct", pct}}));
  };
  for (int warps : plan.sharing.issue_warps) {
    cases.push_back({std::to_string(warps) + " warps per block", key(warps, plan.sharing.issue_percentage),
                     key(warps, 100)});
  }
  return cases;
}

std::vector<Ratio> memory_sweep_cases(const Plan& plan) {
  std::vector<Ratio> cases;
  const MemoryKernelShape k = plan.pair_memory_kernel();
  auto key = [&](int pct) {
    return kernel_time_key(
        "mps_pct_memory",
        param_string({{"pct", pct}, {"blocks", k.blocks}, {"bytes_per_block", k.bytes_per_block}}));
  };
  for (int pct : plan.sharing.memory_sweep_percentages) {
    if (pct != 100) cases.push_back({std::to_string(pct) + " %", key(pct), key(100)});
  }
  return cases;
}

// Keeps the cases measured, with their ratio; a case or its reference with fewer than
// kMinSamples kernels is an error naming its first row.
Result<std::vector<Ratio>> measured(std::vector<Ratio> cases, const Observations& obs,
                                    const std::string& raw_file) {
  std::vector<Ratio> present;
  for (Ratio& r : cases) {
    auto it = obs.find(r.key);
    if (it == obs.end()) continue;
    auto solo = obs.find(r.solo_key);
    for (const Observation* o : {&it->second, solo == obs.end() ? nullptr : &solo->second}) {
      if (o == nullptr) {
        return data_error(it->second.origin, raw_file, false,
                          "sharing " + it->second.case_name + " " + r.label + ": no reference run alone (" +
                              r.solo_key + ") to compare it with");
      }
      if (o->samples < kMinSamples || !(o->value > 0)) {
        return data_error(o->origin, raw_file, false,
                          "sharing " + o->case_name + ": " + std::to_string(o->samples) +
                              " kernel(s) with a median of " + format_number(o->value) +
                              " ns cannot give a ratio with a spread: expected at least " +
                              std::to_string(kMinSamples) + " kernels of positive duration");
      }
    }
    r.measured = it->second.value / solo->second.value;
    r.samples = it->second.samples;
    present.push_back(std::move(r));
  }
  return present;
}

// The model's ratios for `cases` with `profile`, and their rms relative error against the
// measured ones; per-case signed errors in `errors`.
Result<double> model_error(const Plan& plan, const models::GpuProfile& profile, int lanes,
                           const std::vector<Ratio>& cases, std::vector<double>* errors) {
  SimulateOptions options;
  options.suites = {SuiteId::kSharing};
  options.timeslice = false;
  options.mps = true;
  for (const Ratio& r : cases) {  // keys are "sharing/<case>/<param>/<metric>"
    for (const std::string* key : {&r.key, &r.solo_key}) {
      const size_t a = key->find('/') + 1;
      options.sharing_cases.insert(key->substr(a, key->find('/', a) - a));
    }
  }
  options.fp32_lanes_per_sm = lanes;
  auto simulated = simulate_plan(plan, profile, options);
  if (!simulated) return simulated.error();
  const Observations model = summarize(*simulated);
  double sum = 0;
  if (errors != nullptr) errors->clear();
  for (const Ratio& r : cases) {
    auto it = model.find(r.key);
    auto solo = model.find(r.solo_key);
    if (it == model.end() || solo == model.end() || !(solo->second.value > 0)) {
      return make_error("the model produced no " + r.key + " to fit against");
    }
    const double e = it->second.value / solo->second.value / r.measured - 1.0;
    if (errors != nullptr) errors->push_back(e);
    sum += e * e;
  }
  return std::sqrt(sum / static_cast<double>(cases.size()));
}

std::string per_case_errors(const std::vector<Ratio>& cases, const std::vector<double>& errors) {
  std::string text;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (!text.empty()) text += ", ";
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "%s %+.1f%%", cases[i].label.c_str(), errors[i] * 100.0);
    text += buffer;
  }
  return text;
}

// A scalar profile parameter fitted by simulation: the value in [lo, hi] whose simulated ratios
// are closest (least squares of relative errors) to the measured ones.
struct ScalarFit {
  std::string name;
  std::string unit;
  double lo = 0;
  double hi = 1;
  double step = 0.01;  // the grid before the golden-section search
  std::function<void(models::GpuProfile&, double)> set;
  std::string ratios;    // what the ratios are, for the note
  bool integer = false;  // a count: the best grid point (step 1), no golden-section refinement
};

// On success `model` takes the fitted value (the fits after it build on it).
Status fit_scalar(const ScalarFit& spec, const Plan& plan, models::GpuProfile& model, int lanes,
                  const std::vector<Ratio>& cases, FitOutcome& out) {
  models::GpuProfile candidate = model;
  auto error_at = [&](double value) -> Result<double> {
    spec.set(candidate, value);
    return model_error(plan, candidate, lanes, cases, nullptr);
  };
  double best = spec.lo, best_error = std::numeric_limits<double>::infinity();
  double first_error = 0, last_error = 0;
  const int steps = static_cast<int>(std::lround((spec.hi - spec.lo) / spec.step));
  for (int i = 0; i <= steps; ++i) {
    const double value = spec.lo + i * spec.step;
    auto e = error_at(value);
    if (!e) return e.error();
    if (i == 0) first_error = *e;
    last_error = *e;
    if (*e < best_error) {
      best_error = *e;
      best = value;
    }
  }
  if (std::abs(first_error - last_error) < 1e-12) {
    const std::string why = spec.name + ": the model's predictions for these cases do not depend on it";
    if (std::find(out.skipped.begin(), out.skipped.end(), why) == out.skipped.end())
      out.skipped.push_back(why);
    return Ok{};
  }
  // Golden-section search around the best grid point (a count keeps the grid point).
  double lo = std::max(spec.lo, best - spec.step), hi = std::min(spec.hi, best + spec.step);
  if (spec.integer) lo = hi = best;
  const double g = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
  auto ea = error_at(a), eb = error_at(b);
  if (!ea || !eb) return (!ea ? ea : eb).error();
  double fa = *ea, fb = *eb;
  const double tolerance = 1e-7 * std::max(1.0, std::abs(spec.hi));
  while (hi - lo > tolerance) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      auto e = error_at(a);
      if (!e) return e.error();
      fa = *e;
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      auto e = error_at(b);
      if (!e) return e.error();
      fb = *e;
    }
  }
  double value = 0.5 * (lo + hi);
  if (best_error < std::min(fa, fb)) value = best;
  spec.set(candidate, value);
  spec.set(model, value);
  std::vector<double> errors;
  auto residual = model_error(plan, candidate, lanes, cases, &errors);
  if (!residual) return residual.error();
  int samples = 0;
  for (const Ratio& r : cases) samples += r.samples;
  std::string note = "least squares over " + std::to_string(cases.size()) + " " + spec.ratios +
                     ", each predicted by simulating its case with the candidate value in [" +
                     format_number(spec.lo) + ", " + format_number(spec.hi) +
                     "]; model error per case: " + per_case_errors(cases, errors);
  if (value >= spec.hi - tolerance) note += "; at the upper bound of the search";
  std::erase_if(out.fitted,
                [&](const FittedParameter& f) { return f.name == spec.name; });  // an earlier round's
  out.fitted.push_back(FittedParameter{.name = spec.name,
                                       .value = value,
                                       .text = "",
                                       .unit = spec.unit,
                                       .suite = "sharing",
                                       .points = samples,
                                       .residual = *residual,
                                       .note = note});
  return Ok{};
}

Status fit_rounding(const Plan& plan, models::GpuProfile& model, int lanes, const std::vector<Ratio>& cases,
                    FitOutcome& out) {
  const std::array<std::pair<models::SmCapRounding, const char*>, 3> rules{
      {{models::SmCapRounding::kFloor, "floor"},
       {models::SmCapRounding::kNearest, "nearest"},
       {models::SmCapRounding::kCeil, "ceil"}}};
  // Granularity 1 (any SM count) or 2 (whole TPCs), jointly with the rounding: 6 candidates.
  const std::array<int, 2> granularities{1, 2};
  models::GpuProfile candidate = model;
  std::array<double, 6> error{};
  size_t best = 0;
  std::string per_rule;
  for (size_t i = 0; i < error.size(); ++i) {
    candidate.mps_sm_rounding = rules[i % 3].first;
    candidate.mps_sm_granularity = granularities[i / 3];
    auto e = model_error(plan, candidate, lanes, cases, nullptr);
    if (!e) return e.error();
    error[i] = *e;
    if (error[i] < error[best] - 1e-12) best = i;
    per_rule += std::string(per_rule.empty() ? "" : ", ") + rules[i % 3].second + " by " +
                std::to_string(granularities[i / 3]) + " " + percent(error[i]);
  }
  const bool granularity_matters = std::abs(error[best % 3] - error[3 + best % 3]) > 1e-12;
  if (*std::max_element(error.begin(), error.end()) - *std::min_element(error.begin(), error.end()) < 1e-12) {
    out.skipped.push_back(
        "mps_sm_rounding: floor, nearest and ceil give the same SM counts at the sweep's "
        "percentages on " +
        std::to_string(model.sm_count) + " SMs");
    return Ok{};
  }
  // The SMs each percentage behaved as: sm_count x t(100 %) / t(pct).
  std::string effective;
  int samples = 0;
  for (const Ratio& r : cases) {
    samples += r.samples;
    effective += std::string(effective.empty() ? "" : ", ") + r.label + " " +
                 format_number(model.sm_count / r.measured);
  }
  out.fitted.push_back(FittedParameter{
      .name = "mps_sm_rounding",
      .value = static_cast<double>(best),
      .text = rules[best % 3].second,
      .unit = "enum",
      .suite = "sharing",
      .points = samples,
      .residual = error[best],
      .note = "the rounding (with the granularity) whose simulated percentage sweep (" +
              std::to_string(cases.size()) + " percentages, t(pct) / t(100 %) of a " +
              std::to_string(plan.sharing.sweep_waves) + "-wave kernel) is closest: rms error " + per_rule +
              "; SMs each percentage behaved as (sm_count x "
              "t(100 %) / t(pct)): " +
              effective});
  model.mps_sm_rounding = rules[best % 3].first;
  if (granularity_matters) {
    model.mps_sm_granularity = granularities[best / 3];
    out.fitted.push_back(FittedParameter{
        .name = "mps_sm_granularity",
        .value = static_cast<double>(granularities[best / 3]),
        .text = "",
        .unit = "count",
        .suite = "sharing",
        .points = samples,
        .residual = error[best],
        .note = "SMs per unit an MPS client is given (2: whole TPCs), chosen with mps_sm_rounding from the "
                "percentage sweep; rms error " +
                per_rule});
  } else {
    out.skipped.push_back(
        "mps_sm_granularity: 1 and 2 SMs per unit give the same SM counts at the sweep's "
        "percentages");
  }
  return Ok{};
}

}  // namespace

Status fit_mps(const Observations& obs, const models::GpuProfile& base_model, int lanes,
               const std::string& raw_file, FitOutcome& out) {
  models::GpuProfile model = base_model;  // takes each fitted value in turn
  const Plan plan = make_plan(model.sm_count);
  // The SM cap first: the percentage sweep runs one client, so no interference term enters it.
  auto sweep = measured(sweep_cases(plan), obs, raw_file);
  if (!sweep) return sweep.error();
  if (sweep->empty()) {
    out.skipped.push_back("mps_sm_rounding: no MPS percentage sweep (run the sharing suite with MPS on)");
  } else if (auto s = fit_rounding(plan, model, lanes, *sweep, out); !s) {
    return s;
  }
  // The interference terms and the per-SM DRAM limit act together on the co-run cases (the pair
  // term in every one): coordinate descent, kRounds passes over the terms in turn, each fitted
  // with the others at their latest values.
  const double effective_gbps = model.dram_bandwidth_effective / 1e9;
  const std::vector<std::pair<ScalarFit, std::vector<Ratio>>> terms{
      {ScalarFit{.name = "mps_interference_penalty",
                 .unit = "ratio",
                 .lo = 0.0,
                 .hi = 2.0,
                 .step = 0.05,
                 .set = [](models::GpuProfile& p, double v) { p.mps_interference_penalty = v; },
                 .ratios = "co-run ratios (kernel_time together / alone)"},
       co_run_cases(plan)},
      {ScalarFit{.name = "mps_interference_per_client",
                 .unit = "ratio",
                 .lo = 0.0,
                 .hi = 2.0,
                 .step = 0.02,
                 .set = [](models::GpuProfile& p, double v) { p.mps_interference_per_client = v; },
                 .ratios = "latency-bound client ratios (kernel_time with N clients / with 1)"},
       latency_cases(plan)},
      {ScalarFit{
           .name = "mps_interference_memory",
           .unit = "ratio",
           .lo = 0.0,
           .hi = 4.0,
           .step = 0.04,
           .set = [](models::GpuProfile& p, double v) { p.mps_interference_memory = v; },
           .ratios = "compute-beside-memory ratios (kernel_time beside M DRAM-streaming clients / alone)"},
       beside_memory_cases(plan)},
      {ScalarFit{
           .name = "mps_launch_gap_per_client",
           .unit = "us",
           .lo = 0.0,
           .hi = 20.0,
           .step = 0.1,
           .set = [](models::GpuProfile& p,
                     double v) { p.mps_launch_gap_per_client = sim::Time::ns(std::llround(v * 1000.0)); },
           .ratios = "launch-gap ratios (gap of one client among N / alone)"},
       launch_clients_cases(plan)},
      {ScalarFit{.name = "dram_bandwidth_per_sm",
                 .unit = "GB/s",
                 .lo = effective_gbps / model.sm_count,
                 .hi = effective_gbps,
                 .step = (effective_gbps - effective_gbps / model.sm_count) / 200.0,
                 .set = [](models::GpuProfile& p, double v) { p.dram_bandwidth_per_sm = v * 1e9; },
                 .ratios = "memory sweep ratios (kernel_time at pct / at 100 %)"},
       memory_sweep_cases(plan)},
      {ScalarFit{.name = "issue_saturation_warps",
                 .unit = "count",
                 .lo = 1.0,
                 .hi = std::max(1.0, static_cast<double>(model.max_threads_per_sm / 32)),
                 .step = 1.0,
                 .set = [](models::GpuProfile& p,
                           double v) { p.issue_saturation_warps = static_cast<int>(std::lround(v)); },
                 .ratios = "issue-kernel ratios (kernel_time at the issue percentage / at 100 %)",
                 .integer = true},
       issue_cases(plan)}};
  std::vector<std::pair<const ScalarFit*, std::vector<Ratio>>> present;
  for (const auto& [spec, cases] : terms) {
    auto found = measured(cases, obs, raw_file);
    if (!found) return found.error();
    if (found->empty()) {
      out.skipped.push_back(spec.name +
                            ": no measurement of its MPS case (run the sharing suite with MPS on)");
    } else {
      present.emplace_back(&spec, std::move(*found));
    }
  }
  constexpr int kRounds = 4;
  for (int round = 0; round < (present.size() > 1 ? kRounds : 1); ++round) {
    for (const auto& [spec, cases] : present) {
      if (auto s = fit_scalar(*spec, plan, model, lanes, cases, out); !s) return s;
    }
  }
  return Ok{};
}

}  // namespace sharesim::calibrate::fit_detail
