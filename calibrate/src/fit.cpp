#include "sharesim/calibrate/fit.h"

#include <yaml-cpp/yaml.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "fit_detail.h"
#include "sharesim/calibrate/plan.h"

namespace sharesim::calibrate {

namespace fit_detail {

Error data_error(const RowOrigin& origin, const std::string& raw_file, bool at_value, std::string message) {
  return Error{.file = origin.file.empty() ? raw_file : origin.file,
               .line = origin.line,
               .column = at_value ? origin.value_column : origin.param_column,
               .field = at_value ? "value" : "param",
               .message = std::move(message)};
}

std::string format_number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

std::string percent(double fraction) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.3f%%", fraction * 100.0);
  return buffer;
}

}  // namespace fit_detail

const FittedParameter* FitOutcome::find(const std::string& name) const {
  for (const FittedParameter& p : fitted) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<double> bounded_least_squares(const std::vector<std::vector<double>>& a,
                                          const std::vector<double>& b, const std::vector<double>& w,
                                          const std::vector<double>& lower,
                                          const std::vector<double>& upper) {
  const size_t rows = a.size();
  assert(rows == b.size() && rows == w.size());
  const size_t cols = lower.size();
  assert(upper.size() == cols);
  std::vector<double> x(cols, 0.0);
  std::vector<bool> fixed(cols, false);
  for (size_t round = 0; round <= cols; ++round) {
    std::vector<size_t> free_cols;
    for (size_t j = 0; j < cols; ++j) {
      if (!fixed[j]) free_cols.push_back(j);
    }
    if (free_cols.empty()) break;
    Eigen::MatrixXd m(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(free_cols.size()));
    Eigen::VectorXd rhs(static_cast<Eigen::Index>(rows));
    for (size_t i = 0; i < rows; ++i) {
      assert(a[i].size() == cols);
      double target = b[i];
      for (size_t j = 0; j < cols; ++j) {
        if (fixed[j]) target -= a[i][j] * x[j];
      }
      rhs(static_cast<Eigen::Index>(i)) = w[i] * target;
      for (size_t k = 0; k < free_cols.size(); ++k) {
        m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(k)) = w[i] * a[i][free_cols[k]];
      }
    }
    Eigen::VectorXd solution = m.colPivHouseholderQr().solve(rhs);
    bool violated = false;
    for (size_t k = 0; k < free_cols.size(); ++k) {
      const size_t j = free_cols[k];
      x[j] = solution(static_cast<Eigen::Index>(k));
      if (x[j] < lower[j]) {
        x[j] = lower[j];
        fixed[j] = true;
        violated = true;
      } else if (x[j] > upper[j]) {
        x[j] = upper[j];
        fixed[j] = true;
        violated = true;
      }
    }
    if (!violated) break;
  }
  return x;
}

namespace {

using fit_detail::data_error;
using fit_detail::format_number;
using fit_detail::kMinSamples;
using fit_detail::percent;

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Point {
  double x = 0;                         // the regressor (bytes, or waves x flops)
  double t = 0;                         // measured duration, ns
  const Observation* source = nullptr;  // where it came from (for errors)
};

// Fits t = intercept + slope * x on relative error with intercept >= min_intercept, slope >= min_slope.
std::pair<double, double> fit_line(const std::vector<Point>& points, double min_slope,
                                   double min_intercept = 0.0) {
  if (points.size() == 1) return {0.0, std::max(min_slope, points[0].t / points[0].x)};
  std::vector<std::vector<double>> a;
  std::vector<double> b, w;
  for (const Point& p : points) {
    a.push_back({1.0, p.x});
    b.push_back(p.t);
    w.push_back(1.0 / p.t);
  }
  std::vector<double> x = bounded_least_squares(a, b, w, {min_intercept, min_slope}, {kInf, kInf});
  return {x[0], x[1]};
}

// A line t = a + s x identifies s only from at least 3 distinct x (2 unknowns and one degree of
// freedom left to measure the residual: through 1 or 2 points any line fits with 0 %) and when
// the durations grow with x (the unconstrained slope is > 0; a bound would otherwise turn a
// decreasing series into an "infinite" bandwidth or clock). Returns why it cannot, or nothing.
std::optional<Error> unidentifiable_line(const std::vector<Point>& points, const std::string& what,
                                         const std::string& x_name, const std::string& raw_file) {
  assert(!points.empty());
  std::vector<double> xs;
  for (const Point& p : points) xs.push_back(p.x);
  std::sort(xs.begin(), xs.end());
  const auto distinct = std::unique(xs.begin(), xs.end()) - xs.begin();
  if (distinct < 3) {
    const Point* first = &points.front();  // the earliest row in the file
    for (const Point& p : points) {
      if (p.source->origin.line < first->source->origin.line) first = &p;
    }
    return data_error(first->source->origin, raw_file, false,
                      what + ": " + std::to_string(distinct) + " distinct " + x_name +
                          " cannot identify t = a + x / rate (2 unknowns): expected at least 3, so that a "
                          "residual remains to judge the fit");
  }
  const double slope = fit_line(points, -kInf, -kInf).second;
  if (!(slope > 0)) {
    const Point* small = &points.front();
    const Point* large = &points.front();
    for (const Point& p : points) {
      if (p.x < small->x) small = &p;
      if (p.x > large->x) large = &p;
    }
    return data_error(large->source->origin, raw_file, true,
                      what + ": the duration does not grow with the " + x_name + " (" +
                          format_number(large->t) + " ns at the largest, " + format_number(small->t) +
                          " ns at the smallest; fitted slope " + format_number(slope) +
                          " ns per unit): no rate can be fitted from decreasing data");
  }
  return std::nullopt;
}

double rms_relative(const std::vector<Point>& points, double intercept, double slope) {
  if (points.empty()) return 0;
  double sum = 0;
  for (const Point& p : points) {
    const double r = (intercept + slope * p.x - p.t) / p.t;
    sum += r * r;
  }
  return std::sqrt(sum / static_cast<double>(points.size()));
}

std::optional<int64_t> header_int(const RawData& raw, const std::string& key) {
  const std::string text = raw.header_value(key);
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(v);
}

Error header_error(const std::string& file, const std::string& key, const std::string& why) {
  return Error{.file = file,
               .line = 0,
               .column = 0,
               .field = key,
               .message = "expected a header line '# " + key + ": <integer>' " + why};
}

Status fit_copies(const Observations& obs, const models::GpuProfile& base, const std::string& raw_file,
                  FitOutcome& out) {
  // Points per case.
  std::map<std::string, std::vector<Point>> cases;
  for (const auto& [key, o] : obs) {
    if (o.suite != "copies" || o.metric != "time") continue;
    const int64_t bytes = param_value(o.params, "bytes", 0);
    if (bytes <= 0 || o.value <= 0) continue;
    cases[o.case_name].push_back(Point{static_cast<double>(bytes), o.value, &o});
  }
  const std::vector<std::pair<std::string, std::string>> names{{"h2d_pinned", "pcie_h2d_pinned"},
                                                               {"d2h_pinned", "pcie_d2h_pinned"},
                                                               {"h2d_pageable", "pcie_h2d_pageable"},
                                                               {"d2h_pageable", "pcie_d2h_pageable"}};
  std::vector<std::string> present;
  for (const auto& [c, p] : names) {
    if (cases.count(c) && !cases[c].empty()) present.push_back(c);
  }
  if (present.empty()) {
    out.skipped.push_back("copy_latency, pcie_*: no copies suite data");
    return Ok{};
  }
  for (const std::string& c : present) {
    if (auto e = unidentifiable_line(cases[c], "copies " + c, "sizes", raw_file)) return *e;
  }
  // The latency comes from the pinned cases (what inference servers use), or from all cases.
  std::vector<std::string> group;
  for (const std::string& c : present) {
    if (c.find("pinned") != std::string::npos) group.push_back(c);
  }
  if (group.empty()) group = present;
  std::vector<std::vector<double>> a;
  std::vector<double> b, w;
  std::vector<Point> group_points;
  for (size_t k = 0; k < group.size(); ++k) {
    for (const Point& p : cases[group[k]]) {
      std::vector<double> row(1 + group.size(), 0.0);
      row[0] = 1.0;
      row[1 + k] = p.x;
      a.push_back(row);
      b.push_back(p.t);
      w.push_back(1.0 / p.t);
      group_points.push_back(p);
    }
  }
  std::vector<double> lower(1 + group.size(), 1e-9), upper(1 + group.size(), kInf);
  lower[0] = 0.0;
  std::vector<double> x = bounded_least_squares(a, b, w, lower, upper);
  const double latency = x[0];
  std::map<std::string, double> slope;  // ns per byte
  for (size_t k = 0; k < group.size(); ++k) slope[group[k]] = x[1 + k];
  for (const std::string& c : present) {
    if (slope.count(c)) continue;
    // Slope with the latency fixed: minimise sum (w (t - L - B s))^2.
    double num = 0, den = 0;
    for (const Point& p : cases[c]) {
      const double wi = 1.0 / p.t;
      num += wi * wi * p.x * (p.t - latency);
      den += wi * wi * p.x * p.x;
    }
    if (!(den > 0 && num / den > 0)) {
      return data_error(cases[c].back().source->origin, raw_file, true,
                        "copies " + c + ": with copy_latency " + format_number(latency * 1e-3) +
                            " us (from the pinned copies) the times leave no positive bytes / bandwidth "
                            "term: expected copies slower than the pinned latency");
    }
    slope[c] = num / den;
  }
  // Per-case two-parameter fits, for the notes.
  std::string per_case = "per-case fits (latency + bandwidth):";
  for (const std::string& c : present) {
    auto [l, s] = fit_line(cases[c], 1e-9);
    per_case += " " + c + " " + format_number(l * 1e-3) + " us + " + format_number(1.0 / s) + " GB/s;";
  }
  double total_residual = 0;
  int total_points = 0;
  for (const std::string& c : present) {
    for (const Point& p : cases[c]) {
      const double r = (latency + slope[c] * p.x - p.t) / p.t;
      total_residual += r * r;
      ++total_points;
    }
  }
  std::string latency_from;
  for (const std::string& c : group) {
    if (!latency_from.empty()) latency_from += ", ";
    latency_from += c;
  }
  out.fitted.push_back(FittedParameter{
      .name = "copy_latency",
      .value = latency * 1e-3,
      .unit = "us",
      .suite = "copies",
      .points = static_cast<int>(group_points.size()),
      .residual = std::sqrt(total_residual / std::max(1, total_points)),
      .note = "intercept of t = latency + bytes / bandwidth, fitted jointly over " + latency_from +
              (latency <= 0 ? " (bound latency >= 0 reached)" : "") + "; " + per_case});
  for (const auto& [c, param] : names) {
    if (!slope.count(c)) continue;
    double gbps = 1.0 / slope[c];  // bytes per ns = GB/s
    std::string note = "slope of t = copy_latency + bytes / bandwidth over " +
                       std::to_string(cases[c].size()) + " sizes (medians of the repetitions)";
    if (c.find("pageable") != std::string::npos) {
      const std::string pinned = c.substr(0, 3) + "_pinned";
      double limit = slope.count(pinned) ? 1.0 / slope[pinned]
                                         : base.pcie_bandwidth(c.substr(0, 3) == "h2d", true) / 1e9;
      if (gbps > limit) {
        note += "; measured " + format_number(gbps) + " GB/s exceeds the pinned bandwidth, capped at " +
                format_number(limit) + " GB/s (the profile requires pageable <= pinned)";
        gbps = limit;
      }
    }
    out.fitted.push_back(FittedParameter{.name = param,
                                         .value = gbps,
                                         .unit = "GB/s",
                                         .suite = "copies",
                                         .points = static_cast<int>(cases[c].size()),
                                         .residual = rms_relative(cases[c], latency, slope[c]),
                                         .note = note});
  }
  return Ok{};
}

Status fit_launch(const Observations& obs, const std::string& raw_file, FitOutcome& out) {
  for (const auto& [key, o] : obs) {
    if (o.suite == "launch" && o.case_name == "back_to_back" && o.metric == "gap") {
      if (o.samples < kMinSamples) {
        return data_error(o.origin, raw_file, true,
                          "launch back_to_back: " + std::to_string(o.samples) +
                              " gap(s) cannot give kernel_launch_overhead with a spread: expected at least " +
                              std::to_string(kMinSamples));
      }
      out.fitted.push_back(FittedParameter{
          .name = "kernel_launch_overhead",
          .value = std::max(0.0, o.value) * 1e-3,
          .unit = "us",
          .suite = "launch",
          .points = o.samples,
          .residual = o.spread,
          .note = "median gap between back-to-back kernels of one stream (%globaltimer); residual is the "
                  "median absolute deviation relative to the median"});
      return Ok{};
    }
  }
  out.skipped.push_back("kernel_launch_overhead: no launch suite back_to_back data");
  return Ok{};
}

Status fit_sm_scaling(const RawData& raw, const Observations& obs, double dram_nominal, int sm_count,
                      int64_t lanes, double boost_mhz, const std::string& raw_file, FitOutcome& out) {
  const Plan plan = make_plan(sm_count);
  // DRAM bandwidth from the memory kernel at many waves.
  std::vector<Point> memory_all, memory_fit;
  for (const auto& [key, o] : obs) {
    if (o.suite != "sm-scaling" || o.case_name != "memory" || o.metric != "time" || o.value <= 0) continue;
    const int64_t blocks = param_value(o.params, "blocks", 0);
    const int64_t per_block = param_value(o.params, "bytes_per_block", 0);
    if (blocks <= 0 || per_block <= 0) continue;
    Point p{static_cast<double>(blocks) * static_cast<double>(per_block), o.value, &o};
    memory_all.push_back(p);
    if (blocks >= static_cast<int64_t>(plan.sm_scaling.memory_fit_min_waves) * sm_count)
      memory_fit.push_back(p);
  }
  if (memory_fit.size() < 3) {  // too few grids of many waves: take every grid of one wave or more
    memory_fit.clear();
    for (const Point& p : memory_all) {
      if (p.x >=
          static_cast<double>(sm_count) * static_cast<double>(plan.sm_scaling.memory_bytes_per_block)) {
        memory_fit.push_back(p);
      }
    }
  }
  if (!memory_all.empty()) {
    if (auto e =
            unidentifiable_line(memory_fit.empty() ? memory_all : memory_fit,
                                "sm-scaling memory (grids of one wave or more)", "byte counts", raw_file)) {
      return *e;
    }
    auto [a, s] = fit_line(memory_fit, 1e-12);
    double bytes_per_s = 1e9 / s;
    std::string note = "slope of t = a + bytes / bandwidth for the memory kernel at >= " +
                       std::to_string(plan.sm_scaling.memory_fit_min_waves) +
                       " waves (a = " + format_number(a * 1e-3) + " us)";
    if (dram_nominal > 0) {
      note += "; " + percent(bytes_per_s / dram_nominal) + " of the nominal " +
              format_number(dram_nominal / 1e9) + " GB/s";
      // The kernel keeps enough bytes in flight for every GPU we know (calibrate/cuda/kernels.cu);
      // far below the nominal figure, say so rather than trust it silently.
      if (bytes_per_s < 0.5 * dram_nominal)
        note += " (below half: the memory kernel may not saturate this GPU's DRAM)";
    }
    if (bytes_per_s > dram_nominal && dram_nominal > 0) {
      note += "; measured " + format_number(bytes_per_s / 1e9) +
              " GB/s exceeds the nominal bandwidth (L2 hits?), capped at the nominal value";
      bytes_per_s = dram_nominal;
    }
    out.fitted.push_back(FittedParameter{.name = "dram_bandwidth_effective",
                                         .value = bytes_per_s / double(1ll << 30),
                                         .unit = "GiB/s",
                                         .suite = "sm-scaling",
                                         .points = static_cast<int>(memory_fit.size()),
                                         .residual = rms_relative(memory_fit, a, s),
                                         .note = note});
  } else {
    out.skipped.push_back("dram_bandwidth_effective: no sm-scaling memory-kernel data");
  }
  // Sustained clock from the compute kernel: t = a + waves * flops_per_block / (lanes * 2 * f).
  std::vector<Point> compute;
  for (const auto& [key, o] : obs) {
    if (o.suite != "sm-scaling" || o.case_name != "compute" || o.metric != "time" || o.value <= 0) continue;
    const int64_t blocks = param_value(o.params, "blocks", 0);
    const int64_t iterations = param_value(o.params, "iterations", 0);
    if (blocks <= 0 || iterations <= 0) continue;
    const double waves = std::ceil(static_cast<double>(blocks) / sm_count);
    const ComputeKernelShape shape{.blocks = static_cast<int>(blocks),
                                   .iterations = static_cast<int>(iterations)};
    compute.push_back(Point{waves * shape.flops_per_block(), o.value, &o});
  }
  if (compute.empty()) {
    out.skipped.push_back("sustained_clock_factor: no sm-scaling compute-kernel data");
    return Ok{};
  }
  if (lanes <= 0) {
    out.skipped.push_back("sustained_clock_factor: the CSV header has no device.fp32_lanes_per_sm");
    return Ok{};
  }
  if (auto e = unidentifiable_line(compute, "sm-scaling compute", "work amounts (waves x flops per block)",
                                   raw_file)) {
    return *e;
  }
  auto [a, s] = fit_line(compute, 1e-15);
  const double clock_ghz = 1.0 / (static_cast<double>(lanes) * 2.0 * s);
  double factor = clock_ghz * 1000.0 / boost_mhz;
  std::string note = "t = a + ceil(blocks / " + std::to_string(sm_count) + " SMs) x flops_per_block / (" +
                     std::to_string(lanes) + " FP32 lanes x 2 x clock) over " +
                     std::to_string(compute.size()) + " grids: effective clock " +
                     format_number(clock_ghz * 1000.0) + " MHz over boost " + format_number(boost_mhz) +
                     " MHz (a = " + format_number(a * 1e-3) +
                     " us); the residual measures how well duration follows whole waves of SMs";
  if (auto nvml = header_int(raw, std::string(kHeaderClockPrefix) + "sm-scaling.sm_mhz_median");
      nvml && *nvml > 0) {
    const auto lo =
        header_int(raw, std::string(kHeaderClockPrefix) + "sm-scaling.sm_mhz_min").value_or(*nvml);
    const auto hi =
        header_int(raw, std::string(kHeaderClockPrefix) + "sm-scaling.sm_mhz_max").value_or(*nvml);
    note += "; the suite ran at an SM clock of " + std::to_string(*nvml) + " MHz median (" +
            std::to_string(lo) + " to " + std::to_string(hi) + ", NVML), so the kernel reached " +
            percent(clock_ghz * 1000.0 / static_cast<double>(*nvml)) + " of the FP32 peak at that clock";
  } else {
    note += "; the SM clock during the suite was not recorded (no NVML)";
  }
  if (factor > 1.0) {
    note += "; measured factor " + format_number(factor) + " capped at 1";
    factor = 1.0;
  }
  out.fitted.push_back(FittedParameter{.name = "sustained_clock_factor",
                                       .value = factor,
                                       .unit = "ratio",
                                       .suite = "sm-scaling",
                                       .points = static_cast<int>(compute.size()),
                                       .residual = rms_relative(compute, a, s),
                                       .note = note});
  return Ok{};
}

// The first row of a sharing case, or nullptr.
const Measurement* first_sharing_row(const RawData& raw, const std::string& case_name) {
  for (const Measurement& m : raw.rows) {
    if (m.suite == "sharing" && m.case_name == case_name) return &m;
  }
  return nullptr;
}

Status fit_sharing(const RawData& raw, const Observations& obs, const std::string& raw_file,
                   FitOutcome& out) {
  std::vector<double> turns, switches;
  std::vector<int64_t> procs;
  for (const auto& [key, o] : obs) {
    if (o.suite == "sharing" && o.case_name == "timeslice" && o.metric == "slice") {
      procs.push_back(param_value(o.params, "procs", 0));
    }
  }
  for (int64_t n : procs) {
    TimesliceAnalysis a = analyze_timeslice(raw, n);
    turns.insert(turns.end(), a.turns.begin(), a.turns.end());
    switches.insert(switches.end(), a.switches.begin(), a.switches.end());
  }
  const auto min_samples = static_cast<size_t>(kMinSamples);
  if (const Measurement* first = first_sharing_row(raw, "timeslice");
      first != nullptr && (turns.size() < min_samples || switches.size() < min_samples)) {
    return data_error(first->origin, raw_file, false,
                      "sharing timeslice: " + std::to_string(turns.size()) + " whole turn(s) and " +
                          std::to_string(switches.size()) +
                          " switch(es) between contexts cannot identify time_slice and context_switch_cost: "
                          "expected at least " +
                          std::to_string(kMinSamples) +
                          " of each (did the contexts take turns? the probe needs MPS off)");
  }
  if (!turns.empty()) {
    out.fitted.push_back(
        FittedParameter{.name = "time_slice",
                        .value = median_of(turns) * 1e-3,
                        .unit = "us",
                        .suite = "sharing",
                        .points = static_cast<int>(turns.size()),
                        .residual = relative_spread(turns),
                        .note = "median length of the turns of saturating contexts (time-slice probe, " +
                                std::to_string(procs.size()) +
                                " process counts); residual is the relative median absolute deviation"});
    out.fitted.push_back(FittedParameter{
        .name = "context_switch_cost",
        .value = median_of(switches) * 1e-3,
        .unit = "us",
        .suite = "sharing",
        .points = static_cast<int>(switches.size()),
        .residual = relative_spread(switches),
        .note =
            "median idle time between the end of one context's turn and the start of the next context's turn "
            "(global timer); residual is the relative median absolute deviation"});
  } else {
    out.skipped.push_back("time_slice, context_switch_cost: no time-slice probe (it needs MPS off)");
  }
  return Ok{};
}

// The first observation of suite/case/metric (any param), or nullptr.
const Observation* first_of(const Observations& obs, const std::string& suite, const std::string& case_name,
                            const std::string& metric) {
  for (const auto& [key, o] : obs) {
    if (o.suite == suite && o.case_name == case_name && o.metric == metric) return &o;
  }
  return nullptr;
}

std::string us(double ns) {
  return format_number(ns * 1e-3) + " us";
}

void add_findings(const RawData& raw, const Observations& obs, const Plan& plan, FitOutcome& out) {
  // Launch: host cost, exposed and hidden gaps, queue depth.
  std::string launch;
  auto add = [](std::string& text, const std::string& part) { text += (text.empty() ? "" : "; ") + part; };
  if (const Observation* o = first_of(obs, "launch", "host_launch", "time_per_launch"))
    add(launch, "host enqueue cost " + us(o->value) + " per launch (host_launch)");
  if (const Observation* o = first_of(obs, "launch", "empty_kernel", "time"))
    add(launch, "one launch from an idle stream " + us(o->value) + " (empty_kernel, cudaEvents)");
  if (const Observation* o = first_of(obs, "launch", "sync", "gap"))
    add(launch, "gap after a synchronising host " + us(o->value) + " (sync)");
  if (const Observation* o = first_of(obs, "launch", "ahead", "gap"))
    add(launch,
        "gap behind a running kernel " + us(o->value) + " (ahead: the launch cost the GPU does not hide)");
  std::map<int64_t, double> calls;  // launch index -> host time of the call
  int64_t spin_ns = 0;
  for (const Measurement& m : raw.rows) {
    if (m.suite != "launch" || m.case_name != "ahead" || m.metric != "call_time") continue;
    calls[m.rep] = m.value;
    std::vector<std::pair<std::string, int64_t>> params;
    if (parse_param_string(m.param, params)) spin_ns = param_value(params, "spin_ns", 0);
  }
  if (!calls.empty() && spin_ns > 0) {
    // The queue is full from the first call that waits at least half a kernel's length for the
    // GPU and after which the median of the 16 calls from it does too (one slow call is noise).
    std::vector<double> times;
    for (const auto& [k, t] : calls) times.push_back(t);
    int64_t depth = -1;
    for (size_t k = 0; k + 16 <= times.size(); ++k) {
      if (times[k] >= 0.5 * static_cast<double>(spin_ns) &&
          median_of(std::vector<double>(times.begin() + static_cast<std::ptrdiff_t>(k),
                                        times.begin() + static_cast<std::ptrdiff_t>(k + 16))) >=
              0.5 * static_cast<double>(spin_ns)) {
        depth = static_cast<int64_t>(k);
        break;
      }
    }
    add(launch, depth >= 0 ? "launch queue depth about " + std::to_string(depth) +
                                 " kernels (launch calls wait for the GPU from then on)"
                           : "no launch call waited for the GPU: the launch queue holds more than " +
                                 std::to_string(times.size()) + " kernels");
  }
  if (!launch.empty()) out.findings.push_back("launch: " + launch);
  // Overlap of a kernel and copies in both directions within one process.
  if (const Observation* together = first_of(obs, "overlap", "together", "total_time")) {
    double longest = 0, sum = 0;
    for (const char* c : {"kernel_alone", "h2d_alone", "d2h_alone"}) {
      if (const Observation* o = first_of(obs, "overlap", c, "time")) {
        longest = std::max(longest, o->value);
        sum += o->value;
      }
    }
    if (longest > 0) {
      out.findings.push_back("overlap: a kernel, an H2D and a D2H copy together took " +
                             format_number(together->value / longest) +
                             " x the longest alone (1 = they overlap fully, " + format_number(sum / longest) +
                             " = serialized)");
    }
  }
  // MPS: the launch gap of one client among N launching at once (absolute: a coarse timer may
  // read the one-client gap as 0); the co-run ratios are fit_mps's findings.
  std::string launching;
  for (int n : plan.sharing.launch_clients) {
    auto it = obs.find(
        observation_key("sharing", "launch_clients", param_string({{"procs", n}, {"proc", 0}}), "gap"));
    if (it != obs.end()) add(launching, std::to_string(n) + " client(s) " + us(it->second.value));
  }
  if (!launching.empty())
    out.findings.push_back("launch gap of one MPS client among N launching at once: " + launching);
}

}  // namespace

Result<FitOutcome> fit_profile(const RawData& raw, const models::GpuProfile& base,
                               const std::string& raw_file) {
  FitOutcome out;
  const Observations obs = summarize(raw);
  bool has_sm_scaling = false;
  for (const Measurement& m : raw.rows) has_sm_scaling = has_sm_scaling || m.suite == "sm-scaling";

  std::optional<int64_t> sm_count = header_int(raw, kHeaderSmCount);
  if (sm_count && *sm_count >= 1) {
    out.fitted.push_back(FittedParameter{.name = "sm_count",
                                         .value = static_cast<double>(*sm_count),
                                         .unit = "count",
                                         .suite = "device",
                                         .points = 1,
                                         .residual = 0,
                                         .note = "cudaGetDeviceProperties: multiProcessorCount"});
  } else if (has_sm_scaling) {
    return header_error(raw_file, kHeaderSmCount, "(the sm-scaling fit needs the SM count)");
  }
  double boost_mhz = base.boost_clock_mhz;
  if (auto clock = header_int(raw, kHeaderClockMhz);
      clock && static_cast<double>(*clock) >= base.base_clock_mhz && *clock > 0) {
    boost_mhz = static_cast<double>(*clock);
    out.fitted.push_back(
        FittedParameter{.name = "boost_clock",
                        .value = boost_mhz,
                        .unit = "MHz",
                        .suite = "device",
                        .points = 1,
                        .residual = 0,
                        .note = "cudaDevAttrClockRate (peak SM clock) of the measured device"});
  }
  if (auto engines = header_int(raw, kHeaderAsyncEngines); engines && *engines >= 1) {
    out.fitted.push_back(FittedParameter{.name = "copy_engines",
                                         .value = static_cast<double>(*engines),
                                         .unit = "count",
                                         .suite = "device",
                                         .points = 1,
                                         .residual = 0,
                                         .note = "cudaGetDeviceProperties: asyncEngineCount"});
  }
  double dram_nominal = base.dram_bandwidth_nominal;
  if (auto peak = header_int(raw, kHeaderDramPeakGbps); peak && *peak >= 1) {
    dram_nominal = static_cast<double>(*peak) * 1e9;
    out.fitted.push_back(FittedParameter{
        .name = "dram_bandwidth_nominal",
        .value = static_cast<double>(*peak),
        .unit = "GB/s",
        .suite = "device",
        .points = 1,
        .residual = 0,
        .note = "2 x cudaDevAttrMemoryClockRate x memoryBusWidth / 8 of the measured device"});
  }
  const size_t device_facts = out.fitted.size();
  if (auto s = fit_copies(obs, base, raw_file, out); !s) return s.error();
  if (auto s = fit_launch(obs, raw_file, out); !s) return s.error();
  if (has_sm_scaling) {
    if (auto s = fit_sm_scaling(raw, obs, dram_nominal, static_cast<int>(*sm_count),
                                header_int(raw, kHeaderFp32LanesPerSm).value_or(0), boost_mhz, raw_file, out);
        !s) {
      return s.error();
    }
  } else {
    out.skipped.push_back("dram_bandwidth_effective, sustained_clock_factor: no sm-scaling suite data");
  }
  if (auto s = fit_sharing(raw, obs, raw_file, out); !s) return s.error();
  bool has_mps = false;
  for (const Measurement& m : raw.rows)
    has_mps = has_mps || (m.suite == "sharing" && m.case_name != "timeslice");
  if (has_mps) {
    if (!sm_count || *sm_count < 1)
      return header_error(raw_file, kHeaderSmCount, "(the MPS fits simulate the cases on that many SMs)");
    // The model the MPS cases are simulated with: the base profile with the SM count and what the
    // other suites fitted (ratios cancel most of them, not all: a per-SM DRAM limit is judged
    // against the effective bandwidth, a per-client launch gap against the launch overhead).
    models::GpuProfile model = base;
    model.sm_count = static_cast<int>(*sm_count);
    if (const FittedParameter* f = out.find("dram_bandwidth_effective"))
      model.dram_bandwidth_effective = f->value * double(1ll << 30);
    if (const FittedParameter* f = out.find("kernel_launch_overhead"))
      model.kernel_launch_overhead = sim::Time::ns(std::llround(f->value * 1000.0));
    if (const FittedParameter* f = out.find("sustained_clock_factor"))
      model.sustained_clock_factor = f->value;
    if (const FittedParameter* f = out.find("boost_clock")) model.boost_clock_mhz = f->value;
    const int64_t lanes = header_int(raw, kHeaderFp32LanesPerSm).value_or(64);
    if (auto s = fit_detail::fit_mps(obs, model, static_cast<int>(lanes > 0 ? lanes : 64), raw_file, out); !s)
      return s.error();
  }
  add_findings(raw, obs, make_plan(static_cast<int>(sm_count.value_or(1))), out);
  if (out.fitted.size() == device_facts) {
    return Error{
        .file = raw_file,
        .line = 0,
        .column = 0,
        .field = "",
        .message =
            "no measurement the fitter uses (expected rows of the copies, launch, sm-scaling or sharing "
            "suites)"};
  }
  return out;
}

std::string fitted_profile_yaml(const models::GpuProfile& base, const FitOutcome& outcome, const RawData& raw,
                                const std::string& name, const std::string& raw_file) {
  const std::string device = raw.header_value(kHeaderDeviceName);
  std::string device_text = device.empty() ? "unknown device" : device;
  if (!raw.header_value(kHeaderDriverVersion).empty()) {
    device_text += ", driver " + raw.header_value(kHeaderDriverVersion);
  }
  YAML::Emitter y;
  y << YAML::BeginMap;
  y << YAML::Key << "name" << YAML::Value << name;
  y << YAML::Key << "description" << YAML::Value
    << (device.empty() ? base.description
                       : device + " calibrated by sharesim (base profile: " + base.name + ")");
  y << YAML::Key << "parameters" << YAML::Value << YAML::BeginMap;
  for (const models::ParameterProvenance& prov : base.provenance) {
    y << YAML::Key << prov.name << YAML::Value << YAML::BeginMap;
    if (const FittedParameter* f = outcome.find(prov.name)) {
      y << YAML::Key << "value" << YAML::Value << (f->text.empty() ? format_number(f->value) : f->text);
      y << YAML::Key << "unit" << YAML::Value << f->unit;
      const std::string source =
          f->suite == "device"
              ? "device query by sharesim-calibrate (" + raw_file + ": " + device_text + ")"
              : "sharesim calibrate fit: " + f->suite + " suite of " + raw_file + " (" + device_text + ")";
      y << YAML::Key << "source" << YAML::Value << YAML::DoubleQuoted << source;
      y << YAML::Key << "note" << YAML::Value << YAML::DoubleQuoted
        << (f->suite == "device" ? f->note
                                 : f->note + "; rms relative residual " + percent(f->residual) + " over " +
                                       std::to_string(f->points) + " points");
    } else {
      y << YAML::Key << "value" << YAML::Value << prov.value;
      y << YAML::Key << "unit" << YAML::Value << prov.unit;
      y << YAML::Key << "source" << YAML::Value << YAML::DoubleQuoted
        << ("base profile " + base.name + ": " + prov.source);
      if (prov.estimate) y << YAML::Key << "estimate" << YAML::Value << "true";
      if (!prov.note.empty()) y << YAML::Key << "note" << YAML::Value << YAML::DoubleQuoted << prov.note;
    }
    y << YAML::EndMap;
  }
  y << YAML::EndMap << YAML::EndMap;
  std::ostringstream text;
  text << "# GPU profile fitted by `sharesim calibrate fit` from " << raw_file << " (" << device_text
       << ").\n"
       << "# Fitted parameters name their suite in `source` and their residual in `note`; the others are "
          "copied\n"
       << "# from the base profile '" << base.name
       << "'. Use it in a scenario with: gpu_profile: ./<this file>\n";
  for (const std::string& s : outcome.skipped) text << "# not fitted: " << s << '\n';
  for (const std::string& f : outcome.findings) text << "# measured: " << f << '\n';
  text << y.c_str() << '\n';
  return text.str();
}

}  // namespace sharesim::calibrate
