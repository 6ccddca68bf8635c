// simulate_plan against hand calculations from the T4 profile (models/profiles/t4.yaml):
// copy_latency 10 us, pcie_h2d_pinned 11 GB/s, kernel_launch_overhead 5 us, boost 1590 MHz x
// sustained 0.85, dram_bandwidth_effective 220 GiB/s, time_slice 2 ms, context_switch_cost 25 us,
// mps_interference_penalty 0.05, 40 SMs.
#include "sharesim/calibrate/simulate.h"

#include <gtest/gtest.h>

#include "sharesim/calibrate/observations.h"
#include "sharesim/models/gpu_profile.h"

namespace sharesim::calibrate {
namespace {

// The full plan simulated once for every test of the suite (about 0.1 s).
const Observations& t4_observations() {
  static const Observations observations = [] {
    auto p = models::builtin_gpu_profile("t4");
    EXPECT_TRUE(p.ok());
    // The hand calculations below predate the count- and DRAM-dependent MPS terms: leave them out.
    p->mps_launch_gap_per_client = sim::Time::zero();
    p->mps_interference_per_client = 0;
    p->mps_interference_memory = 0;
    auto data = simulate_plan(make_plan(40), *p, SimulateOptions{});
    EXPECT_TRUE(data.ok()) << data.error().to_string();
    return data.ok() ? summarize(*data) : Observations{};
  }();
  return observations;
}

class SimulateT4 : public testing::Test {
 protected:
  static double value(const std::string& key) {
    const Observations& obs = t4_observations();
    auto it = obs.find(key);
    EXPECT_NE(it, obs.end()) << key;
    return it == obs.end() ? -1 : it->second.value;
  }
};

// One wave of the compute kernel: 327,680,000 flops / (64 x 2 x 1.5900 x 0.85 flops/ns) =
// 327,680,000 / 172.992 = 1,894,191.6 ns.
constexpr double kWaveNs = 327'680'000.0 / 172.992;

TEST_F(SimulateT4, CopyIsLatencyPlusBytesOverBandwidth) {
  // 10,000 ns + 4,194,304 B / 11 B/ns = 391,300.4 ns (the model rounds to whole ns).
  EXPECT_NEAR(value("copies/h2d_pinned/bytes=4194304/time"), 391'300.4, 1.0);
}

TEST_F(SimulateT4, LaunchGapIsTheProfilesLaunchOverhead) {
  EXPECT_NEAR(value("launch/back_to_back/kernels=201/gap"), 5000.0, 1.0);
}

TEST_F(SimulateT4, ComputeKernelDurationStepsWithWholeWaves) {
  // Launch gap + waves x one wave: 40 blocks is one wave, 41 is two.
  EXPECT_NEAR(value("sm-scaling/compute/blocks=1;iterations=20000/time"), 5000 + kWaveNs, 2.0);
  EXPECT_NEAR(value("sm-scaling/compute/blocks=40;iterations=20000/time"), 5000 + kWaveNs, 2.0);
  EXPECT_NEAR(value("sm-scaling/compute/blocks=41;iterations=20000/time"), 5000 + 2 * kWaveNs, 2.0);
  EXPECT_NEAR(value("sm-scaling/compute/blocks=640;iterations=20000/time"), 5000 + 16 * kWaveNs, 4.0);
}

TEST_F(SimulateT4, MemoryKernelMovesBytesAtTheEffectiveBandwidth) {
  // 640 x 2 MiB = 1,342,177,280 B at 220 GiB/s = 236.223 B/ns: 5,681,818.2 ns, + 5,000 ns gap.
  EXPECT_NEAR(value("sm-scaling/memory/blocks=640;bytes_per_block=2097152/time"), 5'686'818.2, 2.0);
}

TEST_F(SimulateT4, KernelAndCopiesOverlapInOneProcess) {
  const std::string p = "bytes=67108864;blocks=160;iterations=20000";
  const double kernel_alone = value("overlap/kernel_alone/" + p + "/time");
  const double h2d_alone = value("overlap/h2d_alone/" + p + "/time");
  EXPECT_NEAR(value("overlap/together/" + p + "/kernel_time"), kernel_alone, 2.0);
  EXPECT_NEAR(value("overlap/together/" + p + "/h2d_time"), h2d_alone, 2.0);
  EXPECT_NEAR(value("overlap/together/" + p + "/total_time"), std::max(kernel_alone, h2d_alone), 2.0);
}

TEST_F(SimulateT4, TimeSliceProbeSeesTheProfilesSliceAndSwitch) {
  for (int n : {2, 3, 4}) {
    const std::string p = "procs=" + std::to_string(n);
    EXPECT_NEAR(value("sharing/timeslice/" + p + "/slice"), 2'000'000.0, 1.0) << n;
    EXPECT_NEAR(value("sharing/timeslice/" + p + "/switch"), 25'000.0, 1.0) << n;
  }
}

TEST_F(SimulateT4, MpsPercentageCapsSms) {
  // 50% of 40 SMs = 20 SMs for a 40-SM kernel: half the rate, twice the time.
  EXPECT_NEAR(value("sharing/share/procs=1;pct=100;mps=1/kernel_time"), kWaveNs, 2.0);
  EXPECT_NEAR(value("sharing/share/procs=1;pct=50;mps=1/kernel_time"), 2 * kWaveNs, 4.0);
  // 25%: 10 SMs, four times the time.
  EXPECT_NEAR(value("sharing/share/procs=1;pct=25;mps=1/kernel_time"), 4 * kWaveNs, 8.0);
  // Two uncapped clients share the SMs (20 each) and pay the 5% penalty: 2 x 1.05.
  EXPECT_NEAR(value("sharing/share/procs=2;pct=100;mps=1/kernel_time"), 2.1 * kWaveNs, 8.0);
}

TEST_F(SimulateT4, HalfGpuPairPaysOnlyThePenalty) {
  // 20 blocks: each client's kernel holds its own 20 SMs, so only the penalty slows it: x 1.05.
  EXPECT_NEAR(value("sharing/pair/kind=2;procs=2;proc=0/kernel_time"), 1.05 * kWaveNs, 4.0);
  EXPECT_NEAR(value("sharing/pair/kind=0;procs=1;proc=0/kernel_time"), kWaveNs, 2.0);
}

TEST(Simulate, HeaderDescribesTheModeledDevice) {
  auto p = models::builtin_gpu_profile("t4");
  ASSERT_TRUE(p.ok());
  SimulateOptions options;
  options.suites = {SuiteId::kCopies};
  options.mps = false;
  auto data = simulate_plan(make_plan(40), *p, options);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->header_value(kHeaderSmCount), "40");
  EXPECT_EQ(data->header_value(kHeaderClockMhz), "1590");
  EXPECT_EQ(data->header_value(kHeaderMps), "off");
  for (const Measurement& m : data->rows) EXPECT_EQ(m.suite, "copies");
  EXPECT_EQ(data->rows.size(), 36u);  // 4 cases x 9 sizes, one repetition each
}

}  // namespace
}  // namespace sharesim::calibrate
