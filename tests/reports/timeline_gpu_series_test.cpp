// The per-window SM-occupancy and copy-engine series GpuMetrics carries for dmon and the charts.
#include <gtest/gtest.h>

#include "sharesim/models/gpu.h"
#include "sharesim/sim/simulator.h"

namespace sharesim::reports {
namespace {

using models::GpuModel;
using sim::Time;

// One kernel holding 20 of 40 SMs for 0.5 s, then a 120 MB device-to-host copy, measured over
// 2 s in 1 s windows. By the definitions in gpu.h:
//   SM occupancy, window 0: (20 / 40) x 0.5 s / 1 s = 0.25; window 1: 0.
//   copy busy, window 0: (copy_latency + bytes / pinned D2H bandwidth) / 1 s, since the copy
//   starts at 0.5 s and ends well within the first second; window 1: 0.
TEST(GpuSeriesTest, SmOccupancyAndCopyBusyPerWindow) {
  models::GpuProfile profile = models::builtin_gpu_profile("t4").value();
  profile.kernel_launch_overhead = Time::zero();
  sim::Simulator sim;
  GpuModel gpu(sim, profile, models::SharingPolicy::kPassthrough, "gpu0");
  gpu.set_sample_window(Time::s(1));
  auto p = gpu.start_process({.name = "app"});
  const sim::HandlerId done = sim.add_handler([](uint64_t) {});
  constexpr int64_t kBytes = 120'000'000;
  gpu.submit(*p, 0,
             {models::KernelWork{"k", Time::ms(500), 20, 0},
              models::CopyWork{"out", models::CopyDirection::kDeviceToHost, kBytes, true}},
             {done, 0});
  sim.run_until(Time::s(2));
  const models::GpuMetrics m = gpu.metrics();
  ASSERT_EQ(m.sm_occupancy_series.size(), 2u);
  ASSERT_EQ(m.copy_busy_series.size(), 2u);
  EXPECT_NEAR(m.sm_occupancy_series[0], 0.25, 1e-9);
  EXPECT_NEAR(m.sm_occupancy_series[1], 0.0, 1e-12);
  const double copy_s =
      profile.copy_latency.seconds() + static_cast<double>(kBytes) / profile.pcie_bandwidth(false, true);
  EXPECT_NEAR(m.copy_busy_series[0], copy_s, 1e-6);
  EXPECT_NEAR(m.copy_busy_series[1], 0.0, 1e-12);
  // The series agree with the interval means (equal windows: the mean of the windows).
  EXPECT_NEAR((m.sm_occupancy_series[0] + m.sm_occupancy_series[1]) / 2, m.sm_occupancy, 1e-9);
  EXPECT_NEAR((m.copy_busy_series[0] + m.copy_busy_series[1]) / 2, m.copy_any_busy_fraction, 1e-9);
}

// The series restart with the statistics (the end of a warm-up).
TEST(GpuSeriesTest, ResetClearsTheSeries) {
  models::GpuProfile profile = models::builtin_gpu_profile("t4").value();
  profile.kernel_launch_overhead = Time::zero();
  sim::Simulator sim;
  GpuModel gpu(sim, profile, models::SharingPolicy::kPassthrough, "gpu0");
  auto p = gpu.start_process({.name = "app"});
  const sim::HandlerId done = sim.add_handler([](uint64_t) {});
  gpu.submit(*p, 0, {models::KernelWork{"k", Time::ms(500), 40, 0}}, {done, 0});
  sim.run_until(Time::s(1));
  gpu.reset_statistics();
  sim.run_until(Time::s(2));
  const models::GpuMetrics m = gpu.metrics();
  ASSERT_EQ(m.sm_occupancy_series.size(), 1u);
  EXPECT_EQ(m.sm_occupancy_series[0], 0.0);
}

}  // namespace
}  // namespace sharesim::reports
