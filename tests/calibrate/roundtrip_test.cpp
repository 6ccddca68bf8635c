// The round trip the calibration must survive: simulate every suite with a profile whose
// parameters were changed by known amounts, add deterministic noise, fit, and recover each
// parameter within 2%.
#include <gtest/gtest.h>

#include <cmath>

#include "sharesim/calibrate/fit.h"
#include "sharesim/calibrate/simulate.h"
#include "sharesim/models/gpu_profile.h"
#include "sharesim/sim/random.h"

namespace sharesim::calibrate {
namespace {

// Repetitions of each simulated row, with noise: durations x (1 + 1% N(0,1)); timestamps
// (sharing suite) + 300 ns N(0,1), about the jitter of reading %globaltimer. Each row draws from
// its own stream (named by the row), so adding a case to the plan leaves the others' noise as it was.
RawData with_noise(const RawData& exact, int reps, uint64_t seed) {
  RawData noisy;
  noisy.header = exact.header;
  for (const Measurement& m : exact.rows) {
    sim::RandomStream rng(
        seed, m.suite + "/" + m.case_name + "/" + m.param + "/" + m.metric + "/" + std::to_string(m.rep));
    const bool timestamp = m.suite == "sharing";
    const int copies = timestamp ? 1 : reps;
    for (int r = 0; r < copies; ++r) {
      const double v = timestamp ? m.value + 300.0 * rng.standard_normal()
                                 : m.value * (1.0 + 0.01 * rng.standard_normal());
      noisy.add(m.suite, m.case_name, m.param, m.metric, v, m.unit, timestamp ? m.rep : r);
    }
  }
  return noisy;
}

TEST(RoundTrip, FitRecoversChangedParametersWithinTwoPercent) {
  auto base = models::builtin_gpu_profile("t4");
  ASSERT_TRUE(base.ok());
  models::GpuProfile truth = *base;
  // Every fitted parameter moved away from the T4 defaults by a known amount.
  truth.copy_latency = sim::Time::ns(12'500);               // 10 us -> 12.5 us
  truth.pcie_h2d_pinned = 9.9e9;                            // 11 GB/s -> 9.9
  truth.pcie_d2h_pinned = 13.2e9;                           // 12 -> 13.2
  truth.pcie_h2d_pageable = 5.1e9;                          // 6 -> 5.1
  truth.pcie_d2h_pageable = 6.6e9;                          // 6 -> 6.6
  truth.kernel_launch_overhead = sim::Time::ns(3'600);      // 5 us -> 3.6 us
  truth.dram_bandwidth_effective = 198.0 * 1073741824.0;    // 220 GiB/s -> 198
  truth.sustained_clock_factor = 0.78;                      // 0.85 -> 0.78
  truth.time_slice = sim::Time::us(2'600);                  // 2 ms -> 2.6 ms
  truth.context_switch_cost = sim::Time::us(40);            // 25 us -> 40 us
  truth.mps_interference_penalty = 0.12;                    // 0.05 -> 0.12
  truth.mps_sm_rounding = models::SmCapRounding::kNearest;  // ceil -> nearest
  truth.mps_sm_granularity = 1;                             // 2 (TPC) -> 1
  truth.mps_interference_per_client = 0.03;                 // 0.01 -> 0.03
  truth.mps_interference_memory = 0.3;                      // 0.22 -> 0.3
  truth.mps_launch_gap_per_client = sim::Time::us(2);       // 3.3 us -> 2 us
  truth.dram_bandwidth_per_sm = 11e9;                       // 13.7 GB/s -> 11
  truth.issue_saturation_warps = 12;                        // 16 -> 12

  auto exact = simulate_plan(make_plan(truth.sm_count), truth, SimulateOptions{});
  ASSERT_TRUE(exact.ok()) << exact.error().to_string();
  const RawData noisy = with_noise(*exact, 5, 42);
  auto out = fit_profile(noisy, *base, "roundtrip.csv");
  ASSERT_TRUE(out.ok()) << out.error().to_string();

  const std::vector<std::pair<std::string, double>> expected{
      {"copy_latency", 12.5},    // us
      {"pcie_h2d_pinned", 9.9},  // GB/s
      {"pcie_d2h_pinned", 13.2},
      {"pcie_h2d_pageable", 5.1},
      {"pcie_d2h_pageable", 6.6},
      {"kernel_launch_overhead", 3.6},      // us
      {"dram_bandwidth_effective", 198.0},  // GiB/s
      {"sustained_clock_factor", 0.78},
      {"time_slice", 2600.0},         // us
      {"context_switch_cost", 40.0},  // us
      {"mps_interference_penalty", 0.12},
      {"mps_interference_per_client", 0.03},
      {"mps_interference_memory", 0.3},
      {"mps_launch_gap_per_client", 2.0},  // us
      {"dram_bandwidth_per_sm", 11.0},     // GB/s
      {"mps_sm_granularity", 1},
      {"issue_saturation_warps", 12},
      {"sm_count", 40},
      {"boost_clock", 1590},
  };
  for (const auto& [name, want] : expected) {
    const FittedParameter* f = out->find(name);
    ASSERT_NE(f, nullptr) << name << " was not fitted";
    EXPECT_NEAR(f->value, want, 0.02 * want) << name;
  }
  const FittedParameter* rounding = out->find("mps_sm_rounding");
  ASSERT_NE(rounding, nullptr);
  EXPECT_EQ(rounding->text, "nearest") << rounding->note;
  EXPECT_TRUE(out->skipped.empty()) << out->skipped.front();

  // The fitted profile loads and carries the recovered values.
  const std::string yaml = fitted_profile_yaml(*base, *out, noisy, "roundtrip", "roundtrip.csv");
  auto loaded = models::parse_gpu_profile(yaml, "roundtrip.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  EXPECT_NEAR(loaded->time_slice.seconds(), 2.6e-3, 0.02 * 2.6e-3);
  EXPECT_NEAR(loaded->pcie_h2d_pinned, 9.9e9, 0.02 * 9.9e9);
  EXPECT_EQ(loaded->mps_sm_rounding, models::SmCapRounding::kNearest);
}

}  // namespace
}  // namespace sharesim::calibrate
