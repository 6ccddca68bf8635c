#include "sharesim/calibrate/raw_schema.h"

#include <limits>

namespace sharesim::calibrate {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

std::vector<CaseSpec> build_schema() {
  using D = ValueDomain;
  const std::vector<ParamSpec> bytes{{"bytes", 1, kMax}};
  const std::vector<ParamSpec> kernels{{"kernels", 1, kMax}};
  const std::vector<MetricSpec> time{{"time", "ns", D::kDuration}};
  const std::vector<MetricSpec> kernel_stamps{{"kernel_start", "ns", D::kTimestamp},
                                              {"kernel_end", "ns", D::kTimestamp}};
  const std::vector<ParamSpec> overlap{{"bytes", 1, kMax}, {"blocks", 1, kMax}, {"iterations", 1, kMax}};
  std::vector<CaseSpec> s;
  for (const char* c : {"h2d_pinned", "h2d_pageable", "d2h_pinned", "d2h_pageable"})
    s.push_back({"copies", c, bytes, time});
  s.push_back({"launch",
               "host_launch",
               kernels,
               {{"time_per_launch", "ns", D::kDuration}, {"time_per_kernel", "ns", D::kDuration}}});
  s.push_back({"launch", "back_to_back", kernels, {{"gap", "ns", D::kTimestamp}}});
  s.push_back({"launch", "empty_kernel", kernels, time});
  s.push_back({"launch",
               "ahead",
               {{"kernels", 1, kMax}, {"spin_ns", 1, kMax}},
               {{"gap", "ns", D::kTimestamp}, {"call_time", "ns", D::kDuration}}});
  s.push_back({"launch", "sync", kernels, {{"gap", "ns", D::kTimestamp}}});
  s.push_back({"sm-scaling", "compute", {{"blocks", 1, kMax}, {"iterations", 1, kMax}}, time});
  s.push_back({"sm-scaling", "memory", {{"blocks", 1, kMax}, {"bytes_per_block", 1, kMax}}, time});
  for (const char* c : {"kernel_alone", "h2d_alone", "d2h_alone"}) s.push_back({"overlap", c, overlap, time});
  s.push_back({"overlap",
               "together",
               overlap,
               {{"kernel_time", "ns", D::kDuration},
                {"h2d_time", "ns", D::kDuration},
                {"d2h_time", "ns", D::kDuration},
                {"total_time", "ns", D::kDuration}}});
  s.push_back({"sharing",
               "timeslice",
               {{"procs", 1, kMax}, {"proc", 0, kMax}},
               {{"window_start", "ns", D::kTimestamp},
                {"window_end", "ns", D::kTimestamp},
                {"gap_start", "ns", D::kTimestamp},
                {"gap_end", "ns", D::kTimestamp}}});
  s.push_back({"sharing",
               "share",
               {{"procs", 1, kMax}, {"pct", 1, 100}, {"mps", 0, 1}, {"proc", 0, kMax}},
               kernel_stamps});
  s.push_back({"sharing", "pair", {{"kind", 0, 4}, {"procs", 1, kMax}, {"proc", 0, kMax}}, kernel_stamps});
  s.push_back(
      {"sharing", "mps_pct", {{"pct", 1, 100}, {"blocks", 1, kMax}, {"iterations", 1, kMax}}, kernel_stamps});
  s.push_back({"sharing",
               "mps_pct_memory",
               {{"pct", 1, 100}, {"blocks", 1, kMax}, {"bytes_per_block", 1, kMax}},
               kernel_stamps});
  const std::vector<ParamSpec> clients{{"procs", 1, kMax}, {"proc", 0, kMax}};
  s.push_back({"sharing", "latency", clients, kernel_stamps});
  s.push_back({"sharing", "launch_clients", clients, kernel_stamps});
  s.push_back({"sharing", "issue", {{"warps", 1, kMax}, {"pct", 1, 100}}, kernel_stamps});
  s.push_back({"sharing",
               "beside_memory",
               {{"streams", 0, kMax}, {"procs", 1, kMax}, {"proc", 0, kMax}},
               kernel_stamps});
  return s;
}

std::string join(const std::vector<std::string_view>& words) {
  std::string text;
  for (std::string_view w : words) {
    if (!text.empty()) text += ", ";
    text += w;
  }
  return text;
}

}  // namespace

const std::vector<CaseSpec>& raw_schema() {
  static const std::vector<CaseSpec> schema = build_schema();
  return schema;
}

const CaseSpec* find_case_spec(std::string_view suite, std::string_view case_name) {
  for (const CaseSpec& c : raw_schema()) {
    if (c.suite == suite && c.case_name == case_name) return &c;
  }
  return nullptr;
}

const MetricSpec* find_metric_spec(const CaseSpec& spec, std::string_view metric) {
  for (const MetricSpec& m : spec.metrics) {
    if (m.metric == metric) return &m;
  }
  return nullptr;
}

std::string case_names(std::string_view suite) {
  std::vector<std::string_view> names;
  for (const CaseSpec& c : raw_schema()) {
    if (c.suite == suite) names.push_back(c.case_name);
  }
  return join(names);
}

std::string metric_names(const CaseSpec& spec) {
  std::vector<std::string_view> names;
  for (const MetricSpec& m : spec.metrics) names.push_back(m.metric);
  return join(names);
}

std::string_view domain_text(ValueDomain domain) {
  switch (domain) {
    case ValueDomain::kDuration:
      return "a duration of at least 1 ns";
    case ValueDomain::kTimestamp:
      return "a time of 0 ns or more";
    case ValueDomain::kCount:
      return "a number of 0 or more";
  }
  return "?";
}

}  // namespace sharesim::calibrate
