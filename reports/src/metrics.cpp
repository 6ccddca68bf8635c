#include "sharesim/reports/metrics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <string>

namespace sharesim::reports {

namespace {

using scenarios::MetricKind;

double ms(sim::Time t) {
  return t.milliseconds();
}

}  // namespace

std::vector<MetricValue> collect_metrics(const run::RunReport& report) {
  std::vector<MetricValue> out;
  auto add = [&out](std::string path, MetricKind kind, double value) {
    out.push_back(MetricValue{.path = std::move(path), .kind = kind, .value = value});
  };
  uint64_t failed_total = 0;
  for (const models::WorkloadStats& w : report.workloads) {
    const std::string p = w.name + ".";
    add(p + "p50", MetricKind::kDuration, ms(w.latency.quantile(0.50)));
    add(p + "p90", MetricKind::kDuration, ms(w.latency.quantile(0.90)));
    add(p + "p99", MetricKind::kDuration, ms(w.latency.quantile(0.99)));
    add(p + "p999", MetricKind::kDuration, ms(w.latency.quantile(0.999)));
    add(p + "max", MetricKind::kDuration, ms(w.latency.max()));
    add(p + "mean", MetricKind::kDuration, w.latency.mean_ns() * 1e-6);
    add(p + "queue_mean", MetricKind::kDuration, w.queueing_delay.mean_ns() * 1e-6);
    add(p + "queue_p99", MetricKind::kDuration, ms(w.queueing_delay.quantile(0.99)));
    add(p + "throughput", MetricKind::kRate, w.throughput_per_s);
    add(p + "arrived", MetricKind::kCount, static_cast<double>(w.arrived));
    add(p + "completed", MetricKind::kCount, static_cast<double>(w.completed));
    add(p + "failed", MetricKind::kCount, static_cast<double>(w.failed));
    add(p + "outstanding", MetricKind::kCount, static_cast<double>(w.outstanding));
    add(p + "batches", MetricKind::kCount, static_cast<double>(w.batches));
    add(p + "mean_batch_size", MetricKind::kNumber, w.mean_batch_size);
    add(p + "slo_met", MetricKind::kFlag, w.slo_met ? 1.0 : 0.0);
    failed_total += w.failed;
  }
  uint64_t faults_total = 0;
  uint64_t kernels_total = 0;
  for (const run::GpuReport& g : report.gpus) {
    const models::GpuMetrics& m = g.metrics;
    const std::string p = "gpu[" + g.device + "/" + std::to_string(g.index) + "].";
    add(p + "utilization_gpu", MetricKind::kFraction, m.utilization_gpu_mean);
    add(p + "utilization_memory", MetricKind::kFraction, m.utilization_memory_mean);
    add(p + "sm_occupancy", MetricKind::kFraction, m.sm_occupancy);
    add(p + "copy_engine_busy", MetricKind::kDuration, m.copy_engine_busy_seconds * 1e3);
    add(p + "memory_used", MetricKind::kBytes, static_cast<double>(m.memory_used_bytes));
    add(p + "memory_peak", MetricKind::kBytes, static_cast<double>(m.memory_peak_bytes));
    add(p + "context_switches", MetricKind::kCount, static_cast<double>(m.context_switches));
    add(p + "faults", MetricKind::kCount, static_cast<double>(m.faults));
    add(p + "kernels_completed", MetricKind::kCount, static_cast<double>(m.kernels_completed));
    add(p + "copies_completed", MetricKind::kCount, static_cast<double>(m.copies_completed));
    faults_total += m.faults;
    kernels_total += m.kernels_completed;
  }
  add("faults", MetricKind::kCount, static_cast<double>(faults_total));
  add("failed", MetricKind::kCount, static_cast<double>(failed_total));
  add("kernels_completed", MetricKind::kCount, static_cast<double>(kernels_total));
  add("slo_met", MetricKind::kFlag, report.slo_met ? 1.0 : 0.0);
  std::stable_sort(out.begin(), out.end(),
                   [](const MetricValue& a, const MetricValue& b) { return a.path < b.path; });
  // Two workloads or GPUs cannot share a name (the loader rejects it), so paths are unique; a
  // duplicate would be a bug in this function.
  assert(std::adjacent_find(out.begin(), out.end(), [](const MetricValue& a, const MetricValue& b) {
           return a.path == b.path;
         }) == out.end());
  return out;
}

const MetricValue* find_metric(const std::vector<MetricValue>& metrics, std::string_view path) {
  auto it = std::lower_bound(metrics.begin(), metrics.end(), path,
                             [](const MetricValue& m, std::string_view p) { return m.path < p; });
  return (it != metrics.end() && it->path == path) ? &*it : nullptr;
}

std::string format_metric_value(MetricKind kind, double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  switch (kind) {
    case MetricKind::kDuration:
      std::snprintf(buffer, sizeof buffer, "%.6fms", value);
      break;
    case MetricKind::kRate:
      std::snprintf(buffer, sizeof buffer, "%.6f/s", value);
      break;
    case MetricKind::kFraction:
    case MetricKind::kNumber:
      std::snprintf(buffer, sizeof buffer, "%.6f", value);
      break;
    case MetricKind::kBytes:
      std::snprintf(buffer, sizeof buffer, "%.0fB", value);
      break;
    case MetricKind::kCount:
      std::snprintf(buffer, sizeof buffer, "%.0f", value);
      break;
    case MetricKind::kFlag:
      return value != 0 ? "true" : "false";
  }
  return buffer;
}

}  // namespace sharesim::reports
