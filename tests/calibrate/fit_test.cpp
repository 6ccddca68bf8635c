// The fitter on synthetic measurements built from the documented formulas (fit.h), so every
// expected value is known exactly.
#include "sharesim/calibrate/fit.h"

#include <gtest/gtest.h>

#include <cmath>

#include "sharesim/calibrate/observations.h"
#include "sharesim/calibrate/plan.h"
#include "sharesim/models/gpu_profile.h"

namespace sharesim::calibrate {
namespace {

models::GpuProfile t4() {
  auto p = models::builtin_gpu_profile("t4");
  EXPECT_TRUE(p.ok());
  return *p;
}

double fitted(const FitOutcome& out, const std::string& name) {
  const FittedParameter* p = out.find(name);
  EXPECT_NE(p, nullptr) << name;
  return p == nullptr ? std::nan("") : p->value;
}

TEST(BoundedLeastSquares, SolvesAnExactLine) {
  // t = 3 + 2 x at x = 1, 2, 3.
  auto x = bounded_least_squares({{1, 1}, {1, 2}, {1, 3}}, {5, 7, 9}, {1, 1, 1}, {0, 0}, {100, 100});
  EXPECT_NEAR(x[0], 3.0, 1e-12);
  EXPECT_NEAR(x[1], 2.0, 1e-12);
}

TEST(BoundedLeastSquares, ClampsAnInterceptBelowItsBoundAndRefitsTheSlope) {
  // Points of t = -1 + 2 x at x = 1, 2, 3; with intercept >= 0 the best slope through the origin
  // minimises (2s-1... ): sum x (t - s x) = 0 -> s = sum(x t) / sum(x^2) = (1 + 6 + 15) / 14 = 22/14.
  auto x = bounded_least_squares({{1, 1}, {1, 2}, {1, 3}}, {1, 3, 5}, {1, 1, 1}, {0, 0}, {100, 100});
  EXPECT_EQ(x[0], 0.0);
  EXPECT_NEAR(x[1], 22.0 / 14.0, 1e-12);
}

RawData with_device() {
  RawData raw;
  raw.set_header(kHeaderDeviceName, "Tesla T4");
  raw.set_header(kHeaderSmCount, "40");
  raw.set_header(kHeaderFp32LanesPerSm, "64");
  raw.set_header(kHeaderClockMhz, "1590");
  raw.set_header(kHeaderAsyncEngines, "3");
  return raw;
}

TEST(Fit, CopiesRecoverLatencyAndBandwidthPerCase) {
  // t = 8 us + bytes / bandwidth with 12.5 GB/s (h2d pinned), 13 GB/s (d2h pinned), 5 and 4 GB/s
  // (pageable). A GB/s is one byte per ns, so t_ns = 8000 + bytes / GBps.
  RawData raw = with_device();
  const std::vector<std::pair<std::string, double>> cases{
      {"h2d_pinned", 12.5}, {"d2h_pinned", 13.0}, {"h2d_pageable", 5.0}, {"d2h_pageable", 4.0}};
  for (const auto& [c, gbps] : cases) {
    for (int64_t bytes : make_plan(40).copies.sizes_bytes) {
      for (int rep = 0; rep < 3; ++rep) {
        // Repetition 2 is a slow outlier (+50%) that the median must ignore.
        const double t = (8000.0 + static_cast<double>(bytes) / gbps) * (rep == 2 ? 1.5 : 1.0);
        raw.add("copies", c, param_string({{"bytes", bytes}}), "time", t, "ns", rep);
      }
    }
  }
  auto out = fit_profile(raw, t4(), "raw.csv");
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  // With three repetitions the median is the one of the two equal, exact values.
  EXPECT_NEAR(fitted(*out, "copy_latency"), 8.0, 1e-6);
  EXPECT_NEAR(fitted(*out, "pcie_h2d_pinned"), 12.5, 1e-6);
  EXPECT_NEAR(fitted(*out, "pcie_d2h_pinned"), 13.0, 1e-6);
  EXPECT_NEAR(fitted(*out, "pcie_h2d_pageable"), 5.0, 1e-6);
  EXPECT_NEAR(fitted(*out, "pcie_d2h_pageable"), 4.0, 1e-6);
  EXPECT_EQ(out->find("pcie_h2d_pinned")->suite, "copies");
  EXPECT_EQ(out->find("pcie_h2d_pinned")->points, 9);
  EXPECT_LT(out->find("copy_latency")->residual, 1e-9);
}

TEST(Fit, PageableFasterThanPinnedIsCappedToKeepTheProfileValid) {
  RawData raw = with_device();
  for (int64_t bytes : make_plan(40).copies.sizes_bytes) {
    raw.add("copies", "h2d_pinned", param_string({{"bytes", bytes}}), "time",
            8000.0 + static_cast<double>(bytes) / 10.0, "ns", 0);
    raw.add("copies", "h2d_pageable", param_string({{"bytes", bytes}}), "time",
            8000.0 + static_cast<double>(bytes) / 11.0, "ns", 0);
  }
  auto out = fit_profile(raw, t4(), "raw.csv");
  ASSERT_TRUE(out.ok());
  EXPECT_NEAR(fitted(*out, "pcie_h2d_pageable"), 10.0, 1e-6);
  EXPECT_NE(out->find("pcie_h2d_pageable")->note.find("capped"), std::string::npos);
}

TEST(Fit, LaunchOverheadIsTheMedianBackToBackGap) {
  RawData raw = with_device();
  // Gaps 3000, 3100, 3200, 3300, 90000 ns: median 3200 ns = 3.2 us.
  const double gaps[] = {3000, 3100, 3200, 3300, 90000};
  for (int i = 0; i < 5; ++i) raw.add("launch", "back_to_back", "kernels=6", "gap", gaps[i], "ns", i);
  auto out = fit_profile(raw, t4(), "raw.csv");
  ASSERT_TRUE(out.ok());
  EXPECT_DOUBLE_EQ(fitted(*out, "kernel_launch_overhead"), 3.2);
}

TEST(Fit, SmScalingGivesDramBandwidthAndSustainedClock) {
  // Compute kernel: flops_per_block = 1024 x 20000 x 16 = 327,680,000; at a 1.2 GHz effective clock
  // with 64 lanes one SM does 64 x 2 x 1.2 = 153.6 flops/ns, so a wave takes 2,133,333.3 ns; plus
  // 4 us of launch. Memory kernel: bytes / (200 GiB/s) + 4 us.
  RawData raw = with_device();
  const Plan plan = make_plan(40);
  const double wave_ns = 327'680'000.0 / 153.6;
  const double bytes_per_ns = 200.0 * 1073741824.0 / 1e9;
  for (int grid : plan.sm_scaling.grids) {
    const double waves = std::ceil(grid / 40.0);
    raw.add("sm-scaling", "compute", param_string({{"blocks", grid}, {"iterations", 20000}}), "time",
            4000.0 + waves * wave_ns, "ns", 0);
    const double bytes = grid * 2097152.0;
    raw.add("sm-scaling", "memory", param_string({{"blocks", grid}, {"bytes_per_block", 2097152}}), "time",
            4000.0 + bytes / bytes_per_ns, "ns", 0);
  }
  auto out = fit_profile(raw, t4(), "raw.csv");
  ASSERT_TRUE(out.ok());
  EXPECT_NEAR(fitted(*out, "dram_bandwidth_effective"), 200.0, 1e-6);
  // 1200 MHz / 1590 MHz boost.
  EXPECT_NEAR(fitted(*out, "sustained_clock_factor"), 1200.0 / 1590.0, 1e-9);
  EXPECT_EQ(out->find("sustained_clock_factor")->points, static_cast<int>(plan.sm_scaling.grids.size()));
}

TEST(Fit, TheClockTheSuiteRanAtIsInTheNote) {
  // As above at 1.2 GHz effective, and NVML saw the SM clock at 1200 MHz median during the suite:
  // the kernel reached the whole FP32 peak at that clock.
  RawData raw = with_device();
  raw.set_header("clock.sm-scaling.sm_mhz_median", "1200");
  raw.set_header("clock.sm-scaling.sm_mhz_min", "1185");
  raw.set_header("clock.sm-scaling.sm_mhz_max", "1215");
  const double wave_ns = 327'680'000.0 / 153.6;
  for (int grid : make_plan(40).sm_scaling.grids) {
    raw.add("sm-scaling", "compute", param_string({{"blocks", grid}, {"iterations", 20000}}), "time",
            4000.0 + std::ceil(grid / 40.0) * wave_ns, "ns", 0);
  }
  auto out = fit_profile(raw, t4(), "raw.csv");
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  const std::string& note = out->find("sustained_clock_factor")->note;
  EXPECT_NE(note.find("an SM clock of 1200 MHz median (1185 to 1215, NVML)"), std::string::npos) << note;
  EXPECT_NE(note.find("reached 100.000% of the FP32 peak"), std::string::npos) << note;
}

TEST(Fit, DramBandwidthIsJudgedAgainstTheMeasuredGpusNominalFigure) {
  // An H200-like GPU: nominal 4800 GB/s in the header, the memory kernel at 4000 GB/s (a GB/s is
  // a byte per ns: t = bytes / 4000 ns). Judged against the base T4's 320 GB/s it would be capped.
  RawData raw = with_device();
  raw.set_header(kHeaderDramPeakGbps, "4800");
  for (int grid : make_plan(40).sm_scaling.grids) {
    const double bytes = grid * 2097152.0;
    raw.add("sm-scaling", "memory", param_string({{"blocks", grid}, {"bytes_per_block", 2097152}}), "time",
            4000.0 + bytes / 4000.0, "ns", 0);
  }
  auto out = fit_profile(raw, t4(), "raw.csv");
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_NEAR(fitted(*out, "dram_bandwidth_effective"), 4000e9 / 1073741824.0, 1e-6);
  EXPECT_DOUBLE_EQ(fitted(*out, "dram_bandwidth_nominal"), 4800);
  EXPECT_NE(out->find("dram_bandwidth_effective")->note.find("83.333% of the nominal 4800 GB/s"),
            std::string::npos)
      << out->find("dram_bandwidth_effective")->note;
}

TEST(Fit, SmScalingWithoutSmCountInTheHeaderIsAnInputError) {
  RawData raw;
  raw.add("sm-scaling", "compute", "blocks=1;iterations=10", "time", 1000, "ns", 0);
  auto out = fit_profile(raw, t4(), "raw.csv");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().file, "raw.csv");
  EXPECT_EQ(out.error().field, kHeaderSmCount);
}

// Two saturating contexts, slice S = 1.8 ms, switch C = 30 us: A runs [0, S), switch, B runs
// [S + C, 2S + C), switch, A runs [2S + 2C, 3S + 2C), ... The sampler of each sees a gap from the end
// of its turn to the start of its next: S + 2C long.
RawData timeslice_rows(int turns_each) {
  const double s = 1.8e6, c = 30e3;
  RawData raw = with_device();
  for (int proc = 0; proc < 2; ++proc) {
    const std::string param = param_string({{"procs", 2}, {"proc", proc}});
    // Turn k of proc p starts at (2k + p)(S + C).
    auto start = [&](int k) { return (2 * k + proc) * (s + c); };
    raw.add("sharing", "timeslice", param, "window_start", start(0), "ns", 0);
    for (int k = 0; k + 1 < turns_each; ++k) {
      raw.add("sharing", "timeslice", param, "gap_start", start(k) + s, "ns", k);
      raw.add("sharing", "timeslice", param, "gap_end", start(k + 1), "ns", k);
    }
    raw.add("sharing", "timeslice", param, "window_end", start(turns_each - 1) + s, "ns", 0);
  }
  return raw;
}

TEST(Timeslice, TurnsAndSwitchesFromTheSamplerGaps) {
  const TimesliceAnalysis a = analyze_timeslice(timeslice_rows(6), 2);
  // 6 turns each, first and last cut by the window: 4 interior turns per process.
  ASSERT_EQ(a.turns.size(), 8u);
  for (double t : a.turns) EXPECT_DOUBLE_EQ(t, 1.8e6);
  // 12 turns alternate A B A B ...: 11 switches.
  ASSERT_EQ(a.switches.size(), 11u);
  for (double c : a.switches) EXPECT_NEAR(c, 30e3, 1e-6);
}

TEST(Fit, TimeSliceAndSwitchCost) {
  auto out = fit_profile(timeslice_rows(6), t4(), "raw.csv");
  ASSERT_TRUE(out.ok());
  EXPECT_NEAR(fitted(*out, "time_slice"), 1800.0, 1e-6);         // us
  EXPECT_NEAR(fitted(*out, "context_switch_cost"), 30.0, 1e-6);  // us
}

// The T4 profile with the MPS terms that a test does not measure set to 0 (no per-client launch
// gap, no per-client or DRAM interference, no per-SM DRAM limit), so its figures follow from the
// pair term alone.
models::GpuProfile t4_pair_term_only() {
  models::GpuProfile p = t4();
  p.mps_interference_per_client = 0;
  p.mps_interference_memory = 0;
  p.mps_launch_gap_per_client = sim::Time::zero();
  p.dram_bandwidth_per_sm = 0;
  return p;
}

// Eight kernels of one pair-probe process, each `duration` ns, 5 us apart.
void add_pair_kernels(RawData& raw, const std::string& param, double duration) {
  for (int k = 0; k < 8; ++k) {
    raw.add("sharing", "pair", param, "kernel_start", k * (duration + 5000), "ns", k);
    raw.add("sharing", "pair", param, "kernel_end", k * (duration + 5000) + duration, "ns", k);
  }
}

TEST(Fit, MpsPenaltyFromEveryCoRunPair) {
  // By the rate rule of models/gpu.h, with penalty p:
  //  - compute+compute: two half-GPU compute kernels get all their SMs (20 + 20 of 40): rate
  //    1 / (1 + p), so 2 ms alone become 2.2 ms with p = 0.1;
  //  - memory+memory: two fully memory-bound kernels (m = 1) each get half the DRAM bandwidth:
  //    1 / rate = b / g = 2, divided by 1 / (1 + p): 3 ms alone become 3 x 2 x 1.1 = 6.6 ms.
  // Both say p = 0.1; the fit simulates both cases and must find it.
  RawData raw = with_device();
  add_pair_kernels(raw, "kind=0;procs=1;proc=0", 2e6);
  add_pair_kernels(raw, "kind=2;procs=2;proc=0", 2.2e6);
  add_pair_kernels(raw, "kind=2;procs=2;proc=1", 2.2e6);
  add_pair_kernels(raw, "kind=1;procs=1;proc=0", 3e6);
  add_pair_kernels(raw, "kind=4;procs=2;proc=0", 6.6e6);
  add_pair_kernels(raw, "kind=4;procs=2;proc=1", 6.6e6);
  auto out = fit_profile(raw, t4_pair_term_only(), "raw.csv");
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  // The golden-section search stops at an interval of 1e-7.
  EXPECT_NEAR(fitted(*out, "mps_interference_penalty"), 0.1, 1e-6);
  EXPECT_LT(out->find("mps_interference_penalty")->residual, 1e-5);
  // The middle half of 8 kernels per process: 4 each, 16 co-run kernels in all.
  EXPECT_EQ(out->find("mps_interference_penalty")->points, 16);
  EXPECT_NE(out->find("mps_interference_penalty")->note.find("memory+memory"), std::string::npos);
}

TEST(Fit, MpsPenaltyThatFitsOnePairAndNotTheOtherShowsInTheResidual) {
  // compute+compute says p = 0.1 (2.2 / 2), memory+memory says p = 0.5 (3 / (1 x 2)): no single
  // penalty fits both; the least-squares value lies between and the residual says so.
  RawData raw = with_device();
  add_pair_kernels(raw, "kind=0;procs=1;proc=0", 2e6);
  add_pair_kernels(raw, "kind=2;procs=2;proc=0", 2.2e6);
  add_pair_kernels(raw, "kind=1;procs=1;proc=0", 1e6);
  add_pair_kernels(raw, "kind=4;procs=2;proc=0", 3e6);
  auto out = fit_profile(raw, t4_pair_term_only(), "raw.csv");
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  const double p = fitted(*out, "mps_interference_penalty");
  EXPECT_GT(p, 0.1);
  EXPECT_LT(p, 0.5);
  EXPECT_GT(out->find("mps_interference_penalty")->residual, 0.05);
}

TEST(Fit, LaunchQueueDepthAndOverlapAreReportedAsFindings) {
  // 300 launches of 20 us kernels: the first 100 calls return in 2 us (the queue takes them),
  // then each waits about a kernel (20 us): the queue held 100. Three back-to-back gaps keep the
  // launch fit itself satisfied.
  RawData raw = with_device();
  for (int k = 0; k < 300; ++k)
    raw.add("launch", "ahead", "kernels=300;spin_ns=20000", "call_time", k < 100 ? 2000 : 20000, "ns", k);
  for (int k = 0; k < 3; ++k) raw.add("launch", "back_to_back", "kernels=4", "gap", 3000, "ns", k);
  // A 10 ms kernel and two 5 ms copies, together in 10 ms: full overlap; serialized 20 / 10 = 2.
  const std::string param = "bytes=67108864;blocks=160;iterations=20000";
  raw.add("overlap", "kernel_alone", param, "time", 10e6, "ns", 0);
  raw.add("overlap", "h2d_alone", param, "time", 5e6, "ns", 0);
  raw.add("overlap", "d2h_alone", param, "time", 5e6, "ns", 0);
  raw.add("overlap", "together", param, "total_time", 10e6, "ns", 0);
  auto out = fit_profile(raw, t4(), "raw.csv");
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  std::string all;
  for (const std::string& f : out->findings) all += f + "\n";
  EXPECT_NE(all.find("launch queue depth about 100 kernels"), std::string::npos) << all;
  EXPECT_NE(all.find("together took 1 x the longest alone (1 = they overlap fully, 2 = serialized)"),
            std::string::npos)
      << all;
}

TEST(Fit, PerClientInterferenceFromLatencyBoundClients) {
  // models/gpu_profile.h: with n other clients co-running, a kernel runs slower by
  //   1 + penalty x min(1, n) + per_client x max(0, n - 1)   (+ a DRAM term, 0 here: no DRAM use).
  // Latency-bound clients (1/8 of an SM's issue each, one warp per SM) leave each other room, so
  // nothing else slows them: with penalty 0.05 and per_client 0.1, 1 ms alone becomes 1.05 ms with
  // 2 clients (n = 1) and 1.05 + 2 x 0.1 = 1.25 ms with 4 (n = 3).
  RawData raw = with_device();
  auto add = [&](const std::string& param, double duration) {
    for (int k = 0; k < 8; ++k) {
      raw.add("sharing", "latency", param, "kernel_start", k * (duration + 5000), "ns", k);
      raw.add("sharing", "latency", param, "kernel_end", k * (duration + 5000) + duration, "ns", k);
    }
  };
  add("procs=1;proc=0", 1e6);
  add("procs=2;proc=0", 1.05e6);
  add("procs=4;proc=0", 1.25e6);
  models::GpuProfile base = t4_pair_term_only();
  base.mps_interference_penalty = 0.05;
  auto out = fit_profile(raw, base, "raw.csv");
  ASSERT_TRUE(out.ok()) << out.error().to_string();
  EXPECT_NEAR(fitted(*out, "mps_interference_per_client"), 0.1, 1e-4)
      << out->find("mps_interference_per_client")->note;
}

TEST(Fit, NothingToFitIsAnError) {
  RawData raw;
  raw.add("overlap", "kernel_alone", "bytes=1;blocks=1;iterations=1", "time", 1000, "ns", 0);
  auto out = fit_profile(raw, t4(), "raw.csv");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.error().message.find("no measurement the fitter uses"), std::string::npos);
}

TEST(FittedProfile, LoadsBackWithTheFittedValuesAndTheBaseForTheRest) {
  auto out = fit_profile(timeslice_rows(6), t4(), "raw.csv");
  ASSERT_TRUE(out.ok());
  const std::string yaml = fitted_profile_yaml(t4(), *out, timeslice_rows(6), "my-gpu", "raw.csv");
  auto profile = models::parse_gpu_profile(yaml, "my-gpu.yaml");
  ASSERT_TRUE(profile.ok()) << profile.error().to_string() << "\n" << yaml;
  EXPECT_EQ(profile->name, "my-gpu");
  EXPECT_EQ(profile->time_slice, sim::Time::us(1800));
  EXPECT_EQ(profile->context_switch_cost, sim::Time::us(30));
  EXPECT_EQ(profile->copy_latency, t4().copy_latency);  // not fitted: from the base
  for (const auto& prov : profile->provenance) {
    if (prov.name == "time_slice") {
      EXPECT_NE(prov.source.find("sharing suite of raw.csv"), std::string::npos) << prov.source;
      EXPECT_NE(prov.note.find("residual"), std::string::npos) << prov.note;
      EXPECT_FALSE(prov.estimate);
    }
    if (prov.name == "copy_latency") {
      EXPECT_NE(prov.source.find("base profile t4"), std::string::npos);
      EXPECT_TRUE(prov.estimate);
    }
  }
}

}  // namespace
}  // namespace sharesim::calibrate
