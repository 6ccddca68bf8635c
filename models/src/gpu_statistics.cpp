// Statistics: the time integrals of the GPU's use (utilization.gpu, memory-controller
// utilization, SM occupancy, copy engines) since the last reset, and metrics().
#include <algorithm>
#include <cassert>

#include "sharesim/models/gpu.h"

namespace sharesim::models {

// Moves the sums of the window being filled into its slot of each series.
void GpuModel::UsageIntegrals::flush_window() {
  const auto idx = static_cast<size_t>(window_index);
  auto move = [idx](std::vector<double>& series, double& sum) {
    if (sum <= 0) return;
    if (series.size() <= idx) series.resize(idx + 1, 0.0);
    series[idx] += sum;
    sum = 0;
  };
  move(busy_series_ns, busy_in_window);
  move(sm_series_ns, sm_in_window);
  move(dram_series_ns, dram_in_window);
  move(copy_series_ns, copy_in_window);
}

// Adds `usage`, constant over [from, to), to the integrals: to the totals, and per window, split
// at the window boundaries it crosses.
void GpuModel::UsageIntegrals::add(sim::Time from, sim::Time to, const Usage& usage, int sm_count) {
  if (to <= from) return;
  const auto dt = static_cast<double>((to - from).count_ns());
  if (usage.kernel_busy) busy_ns += dt;
  sm_ns += usage.sms_used * dt;
  if (usage.dram_fraction > 0) dram_ns += usage.dram_fraction * dt;
  if (usage.copies_in_flight > 0) {
    copy_engine_ns += usage.copies_in_flight * dt;
    copy_any_ns += dt;
  }
  const double sm_weight = usage.sms_used / static_cast<double>(sm_count);
  const int64_t w = window.count_ns();
  int64_t t = (from - start).count_ns();
  const int64_t end = (to - start).count_ns();
  while (t < end) {
    if (t >= (window_index + 1) * w) {  // past the window being filled
      flush_window();
      window_index = t / w;
    }
    const int64_t seg_end = std::min(end, (window_index + 1) * w);
    const auto seg = static_cast<double>(seg_end - t);
    if (usage.kernel_busy) busy_in_window += 1.0 * seg;
    if (usage.sms_used > 0) sm_in_window += sm_weight * seg;
    if (usage.dram_fraction > 0) dram_in_window += usage.dram_fraction * seg;
    if (usage.copies_in_flight > 0) copy_in_window += 1.0 * seg;
    t = seg_end;
  }
}

void GpuModel::set_sample_window(sim::Time window) {
  assert(window > sim::Time::zero());
  next_sample_window_ = window;
  if (sim_.now() == integrals_.start && integrals_.busy_series_ns.empty() &&
      integrals_.dram_series_ns.empty())
    integrals_.window = window;
}

void GpuModel::reset_statistics() {
  const sim::Time now = sim_.now();
  advance_to(now);
  reset_stats_at(now);
}

void GpuModel::reset_stats_at(sim::Time now) {
  integrals_ = UsageIntegrals{};
  integrals_.start = now;
  integrals_.window = next_sample_window_;
  memory_peak_ = memory_used_;
  kernels_completed_ = copies_completed_ = 0;
  policy_->reset_counters();
}

GpuMetrics GpuModel::metrics() const {
  const sim::Time now = sim_.now();
  // The interval since the last change has not been integrated yet: add it to a copy.
  UsageIntegrals in = integrals_;
  in.add(last_update_, now, usage_, profile_.sm_count);
  in.flush_window();
  GpuMetrics m;
  m.start = in.start;
  m.end = now;
  m.sample_window = in.window;
  const int64_t elapsed = (now - in.start).count_ns();
  const int64_t w = in.window.count_ns();
  const auto windows = static_cast<size_t>((elapsed + w - 1) / w);
  for (auto* series : {&in.busy_series_ns, &in.dram_series_ns, &in.sm_series_ns, &in.copy_series_ns}) {
    series->resize(windows, 0.0);
    for (size_t i = 0; i < windows; ++i) {
      (*series)[i] /= static_cast<double>(std::min<int64_t>(w, elapsed - static_cast<int64_t>(i) * w));
    }
  }
  m.utilization_gpu = std::move(in.busy_series_ns);
  m.utilization_memory = std::move(in.dram_series_ns);
  m.sm_occupancy_series = std::move(in.sm_series_ns);
  m.copy_busy_series = std::move(in.copy_series_ns);
  if (elapsed > 0) {
    const auto e = static_cast<double>(elapsed);
    m.utilization_gpu_mean = in.busy_ns / e;
    m.utilization_memory_mean = in.dram_ns / e;
    m.sm_occupancy = in.sm_ns / (e * profile_.sm_count);
    m.copy_any_busy_fraction = in.copy_any_ns / e;
  }
  m.copy_engine_busy_seconds = in.copy_engine_ns * 1e-9;
  m.memory_used_bytes = memory_used_;
  m.memory_peak_bytes = std::max(memory_peak_, memory_used_);
  m.context_switches = policy_->context_switches();
  m.faults = faults_;
  m.failed_processes = failed_processes_;
  m.kernels_completed = kernels_completed_;
  m.copies_completed = copies_completed_;
  return m;
}

}  // namespace sharesim::models
