// The GPU execution model: durations, sharing of SMs, DRAM and PCIe, streams, copy engines.
// Expected values are derived by hand from the formulas in gpu.h (repeated in each comment).
#include <gtest/gtest.h>

#include "gpu_test_support.h"
#include "sharesim/models/gpu.h"
#include "sharesim/sim/random.h"

namespace sharesim::models {
namespace {

using sim::Time;
using testing::copy;
using testing::kernel;
using testing::Recorder;

class GpuModelTest : public ::testing::Test {
 protected:
  sim::Simulator sim;
  // These tests check the fluid sharing of simple kernels that fill their SMs (DESIGN.md's rules):
  // issue saturation, which spreads them over every SM, has its own tests (gpu_coexecution_test).
  GpuProfile profile = without_issue_saturation(testing::t4_without_launch_overhead());
  Recorder rec{sim};
  static GpuProfile without_issue_saturation(GpuProfile p) {
    p.issue_saturation_warps = 0;
    return p;
  }
};

TEST_F(GpuModelTest, KernelAloneTakesItsSoloDurationPlusLaunchOverhead) {
  profile.kernel_launch_overhead = Time::us(5);
  GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
  auto p = gpu.start_process({.name = "app"});
  ASSERT_TRUE(p.ok());
  gpu.submit(*p, 0, {kernel(Time::ms(1))}, rec.at(1));
  sim.run();
  // 5 us launch gap, then 1 ms of work at rate 1 (40 SMs demanded, 40 granted).
  EXPECT_EQ(rec.first(1), Time::us(1005));
}

TEST_F(GpuModelTest, OpsOfOneStreamRunInOrderAndStreamsOverlap) {
  GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
  auto p = gpu.start_process({.name = "app", .streams = 2});
  ASSERT_TRUE(p.ok());
  // Two 20-SM kernels on one stream: one after the other, 1 ms each -> 2 ms.
  gpu.submit(*p, 0, {kernel(Time::ms(1), 20), kernel(Time::ms(1), 20)}, rec.at(1));
  sim.run();
  EXPECT_EQ(rec.first(1), Time::ms(2));
  // The same two on two streams: 20 + 20 SMs fit in 40, both run at rate 1 -> both end at +1 ms.
  const Time t0 = sim.now();
  gpu.submit(*p, 0, {kernel(Time::ms(1), 20)}, rec.at(2));
  gpu.submit(*p, 1, {kernel(Time::ms(1), 20)}, rec.at(3));
  sim.run();
  EXPECT_EQ(rec.first(2), t0 + Time::ms(1));
  EXPECT_EQ(rec.first(3), t0 + Time::ms(1));
}

TEST_F(GpuModelTest, ConcurrentKernelsShareSmsMaxMinFairly) {
  GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
  auto p = gpu.start_process({.name = "app", .streams = 2});
  ASSERT_TRUE(p.ok());
  // A wants 40 SMs, B wants 10: max-min gives B its 10 and A the other 30.
  // B: rate 10/10 = 1 -> ends at 1 ms. A: rate 30/40 = 0.75 until 1 ms (0.75 ms of work done),
  // then alone at rate 1: 0.25 ms more -> ends at 1.25 ms.
  gpu.submit(*p, 0, {kernel(Time::ms(1), 40)}, rec.at(1));
  gpu.submit(*p, 1, {kernel(Time::ms(1), 10)}, rec.at(2));
  sim.run();
  EXPECT_EQ(rec.first(2), Time::ms(1));
  EXPECT_EQ(rec.first(1), Time::us(1250));
}

TEST_F(GpuModelTest, KernelDurationScalesWithItsMpsSmCap) {
  // Solo duration D = 1 ms on 40 SMs (m = 0). With a cap of c SMs: rate = c / 40, duration
  // D x 40 / c. 25% -> 10 SMs -> 4 ms; 50% -> 20 SMs -> 2 ms; 100% -> 1 ms.
  const std::pair<int, Time> cases[] = {{25, Time::ms(4)}, {50, Time::ms(2)}, {100, Time::ms(1)}};
  for (const auto& [pct, expected] : cases) {
    sim::Simulator s;
    Recorder r(s);
    GpuModel gpu(s, profile, SharingPolicy::kMps, "gpu0");
    auto p = gpu.start_process({.name = "c", .mps_active_thread_percentage = pct});
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(gpu.sm_cap(*p), 40 * pct / 100);
    gpu.submit(*p, 0, {kernel(Time::ms(1), 40)}, r.at(1));
    s.run();
    EXPECT_EQ(r.first(1), expected) << pct << "%";
  }
  // A kernel that only demands 10 SMs is not slowed by a 25% (10 SM) cap.
  sim::Simulator s;
  Recorder r(s);
  GpuModel gpu(s, profile, SharingPolicy::kMps, "gpu0");
  auto p = gpu.start_process({.name = "c", .mps_active_thread_percentage = 25});
  gpu.submit(*p, 0, {kernel(Time::ms(1), 10)}, r.at(1));
  s.run();
  EXPECT_EQ(r.first(1), Time::ms(1));
}

TEST_F(GpuModelTest, MpsCapLimitsAllKernelsOfAClientTogether) {
  GpuModel gpu(sim, profile, SharingPolicy::kMps, "gpu0");
  auto p = gpu.start_process({.name = "c", .mps_active_thread_percentage = 50, .streams = 2});
  ASSERT_TRUE(p.ok());
  // Two 20-SM kernels of one client with a 20-SM cap share those 20: 10 each, rate 0.5 -> 2 ms.
  gpu.submit(*p, 0, {kernel(Time::ms(1), 20)}, rec.at(1));
  gpu.submit(*p, 1, {kernel(Time::ms(1), 20)}, rec.at(2));
  sim.run();
  EXPECT_EQ(rec.first(1), Time::ms(2));
  EXPECT_EQ(rec.first(2), Time::ms(2));
}

TEST_F(GpuModelTest, MemoryBoundKernelsShareDramBandwidth) {
  GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
  auto p = gpu.start_process({.name = "app", .streams = 2});
  ASSERT_TRUE(p.ok());
  // Two fully memory-bound kernels (m = 1) on 10 SMs each: SMs are plentiful, but each demands
  // the whole effective bandwidth b = B. Each is granted B/2: rate = g / b = 0.5 -> 2 ms.
  gpu.submit(*p, 0, {kernel(Time::ms(1), 10, 1.0)}, rec.at(1));
  gpu.submit(*p, 1, {kernel(Time::ms(1), 10, 1.0)}, rec.at(2));
  sim.run();
  EXPECT_EQ(rec.first(1), Time::ms(2));
  EXPECT_EQ(rec.first(2), Time::ms(2));
}

TEST_F(GpuModelTest, MixedKernelsShareDramPerUnitOfProgress) {
  GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
  auto p = gpu.start_process({.name = "app", .streams = 2});
  ASSERT_TRUE(p.ok());
  // A: m = 0.5 on 20 SMs; B: m = 1 on 20 SMs. Residency: 20 + 20 SMs of 40, no limit. Issue:
  // A uses (1 - 0.5) x 20 = 10 of 40. DRAM per unit of rate: A moves B/2 (bytes per solo-ns),
  // B moves B: 0.5 x_A + 1 x_B <= 1. Both hold 20 SMs, so they get equal rates (the weights are
  // the SM-space they hold): 1.5 x = 1 -> x = 2/3 each; both end at 1 / (2/3) = 1.5 ms. (The
  // earlier two-step model gave A its bandwidth first: 1 ms and 1.5 ms; with DRAM shared per
  // unit of progress, a kernel waiting on memory half the time issues half the requests.)
  gpu.submit(*p, 0, {kernel(Time::ms(1), 20, 0.5)}, rec.at(1));
  gpu.submit(*p, 1, {kernel(Time::ms(1), 20, 1.0)}, rec.at(2));
  sim.run();
  EXPECT_EQ(rec.first(1), Time::us(1500));
  EXPECT_EQ(rec.first(2), Time::us(1500));
}

TEST_F(GpuModelTest, CopyTakesLatencyPlusBytesOverBandwidth) {
  GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
  auto p = gpu.start_process({.name = "app"});
  ASSERT_TRUE(p.ok());
  // Pinned H2D at 11 GB/s: 11 MB take 1 ms, after the 10 us latency.
  gpu.submit(*p, 0, {copy(CopyDirection::kHostToDevice, 11'000'000)}, rec.at(1));
  sim.run();
  EXPECT_EQ(rec.first(1), Time::us(1010));
  // Pageable D2H at 6 GB/s: 6 MB take 1 ms after the latency.
  const Time t0 = sim.now();
  gpu.submit(*p, 0, {copy(CopyDirection::kDeviceToHost, 6'000'000, false)}, rec.at(2));
  sim.run();
  EXPECT_EQ(rec.first(2), t0 + Time::us(1010));
}

TEST_F(GpuModelTest, CopiesInOneDirectionSerialiseAndDirectionsAreIndependent) {
  GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
  auto p = gpu.start_process({.name = "app", .streams = 3});
  ASSERT_TRUE(p.ok());
  // Two H2D copies of 11 MB on two engines: same-direction copies serialise, first come first
  // served: the first moves at 11 GB/s (10 us + 1 ms), the second waits (its latency overlaps)
  // and then moves at 11 GB/s: 10 us + 2 ms. A D2H copy of 12 MB at the same time has its own
  // direction, 12 GB/s -> 1 ms after the latency.
  gpu.submit(*p, 0, {copy(CopyDirection::kHostToDevice, 11'000'000)}, rec.at(1));
  gpu.submit(*p, 1, {copy(CopyDirection::kHostToDevice, 11'000'000)}, rec.at(2));
  gpu.submit(*p, 2, {copy(CopyDirection::kDeviceToHost, 12'000'000)}, rec.at(3));
  sim.run();
  EXPECT_EQ(rec.first(1), Time::us(1010));
  EXPECT_EQ(rec.first(2), Time::us(2010));
  EXPECT_EQ(rec.first(3), Time::us(1010));
}

TEST_F(GpuModelTest, AtMostCopyEnginesCopiesAreInFlight) {
  profile.copy_engines = 1;
  GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
  auto p = gpu.start_process({.name = "app", .streams = 2});
  ASSERT_TRUE(p.ok());
  // One engine: the D2H copy waits for the H2D one although the directions are independent.
  gpu.submit(*p, 0, {copy(CopyDirection::kHostToDevice, 11'000'000)}, rec.at(1));
  gpu.submit(*p, 1, {copy(CopyDirection::kDeviceToHost, 12'000'000)}, rec.at(2));
  sim.run();
  EXPECT_EQ(rec.first(1), Time::us(1010));
  EXPECT_EQ(rec.first(2), Time::us(2020));
}

TEST_F(GpuModelTest, CopyAndKernelOverlapInOneProcessWithTwoStreams) {
  GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
  auto p = gpu.start_process({.name = "app", .streams = 2});
  ASSERT_TRUE(p.ok());
  gpu.submit(*p, 0, {kernel(Time::ms(1))}, rec.at(1));
  gpu.submit(*p, 1, {copy(CopyDirection::kHostToDevice, 11'000'000)}, rec.at(2));
  sim.run();
  EXPECT_EQ(rec.first(1), Time::ms(1));
  EXPECT_EQ(rec.first(2), Time::us(1010));
}

TEST_F(GpuModelTest, CopyAndKernelOfDifferentClientsOverlapUnderMps) {
  profile.mps_interference_penalty = 0.05;
  GpuModel gpu(sim, profile, SharingPolicy::kMps, "gpu0");
  auto a = gpu.start_process({.name = "a"});
  auto b = gpu.start_process({.name = "b"});
  ASSERT_TRUE(a.ok() && b.ok());
  gpu.submit(*a, 0, {kernel(Time::ms(1))}, rec.at(1));
  gpu.submit(*b, 0, {copy(CopyDirection::kHostToDevice, 11'000'000)}, rec.at(2));
  sim.run();
  // Only one client has kernels, so no interference penalty: both end as if alone.
  EXPECT_EQ(rec.first(1), Time::ms(1));
  EXPECT_EQ(rec.first(2), Time::us(1010));
}

TEST_F(GpuModelTest, SubmissionCompletesWhenItsLastOpEnds) {
  GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
  auto p = gpu.start_process({.name = "app"});
  ASSERT_TRUE(p.ok());
  // H2D 11 MB (1.01 ms), kernel 2 ms, D2H 12 MB (1.01 ms): 4.02 ms in all.
  gpu.submit(*p, 0,
             {copy(CopyDirection::kHostToDevice, 11'000'000), kernel(Time::ms(2)),
              copy(CopyDirection::kDeviceToHost, 12'000'000)},
             rec.at(1));
  gpu.submit(*p, 0, {}, rec.at(2));  // an empty submission completes after the one before it
  sim.run();
  EXPECT_EQ(rec.count(1), 1u);
  EXPECT_EQ(rec.first(1), Time::us(4020));
  EXPECT_EQ(rec.first(2), Time::us(4020));
}

TEST_F(GpuModelTest, PassthroughAdmitsOneTenant) {
  GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
  ASSERT_TRUE(gpu.start_process({.name = "vm-app"}).ok());
  auto second = gpu.start_process({.name = "other"});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("exactly one VM"), std::string::npos);
}

TEST_F(GpuModelTest, RejectsOutOfRangeProcessSpecs) {
  GpuModel gpu(sim, profile, SharingPolicy::kMps, "gpu0");
  EXPECT_FALSE(gpu.start_process({.name = "x", .streams = 0}).ok());
  EXPECT_FALSE(gpu.start_process({.name = "x", .memory_bytes = -1}).ok());
  EXPECT_FALSE(gpu.start_process({.name = "x", .mps_active_thread_percentage = 0}).ok());
  EXPECT_FALSE(gpu.start_process({.name = "x", .mps_active_thread_percentage = 101}).ok());
}

TEST_F(GpuModelTest, ZeroWorkOpsCompleteWithoutStalling) {
  GpuModel gpu(sim, profile, SharingPolicy::kTimeSlicing, "gpu0");
  auto p = gpu.start_process({.name = "app"});
  ASSERT_TRUE(p.ok());
  // A zero-length kernel ends at once; a zero-byte copy costs only its 10 us latency.
  gpu.submit(*p, 0, {kernel(Time::zero()), copy(CopyDirection::kHostToDevice, 0)}, rec.at(1));
  sim.run();
  EXPECT_EQ(rec.first(1), Time::us(10));
}

TEST_F(GpuModelTest, EndedProcessDropsItsWorkAndFreesItsMemory) {
  GpuModel gpu(sim, profile, SharingPolicy::kMps, "gpu0");
  auto a = gpu.start_process({.name = "a", .memory_bytes = 1 << 20, .streams = 1});
  auto b = gpu.start_process({.name = "b"});
  ASSERT_TRUE(a.ok() && b.ok());
  gpu.submit(*a, 0, {kernel(Time::ms(2))}, rec.at(1));
  gpu.submit(*b, 0, {kernel(Time::ms(2))}, rec.at(2));
  sim.run_until(Time::ms(1));
  EXPECT_EQ(gpu.memory_used(), 1 << 20);
  gpu.end_process(*a);
  EXPECT_EQ(gpu.memory_used(), 0);
  sim.run();
  EXPECT_EQ(rec.count(1), 0u);
  // B shared the SMs with A for 1 ms (20 SMs each: rate 0.5 / 1.05), then ran alone at rate 1:
  // work done by 1 ms = 1 ms x 0.5 / 1.05 = 0.47619 ms; left 1.52381 ms -> ends at 2.52381 ms.
  const double expected_ms = 1.0 + (2.0 - 0.5 / 1.05);
  EXPECT_NEAR(rec.first(2).milliseconds(), expected_ms, 1e-6);
}

TEST_F(GpuModelTest, SameInputsGiveIdenticalTimes) {
  // Many rate changes and cancellations (random kernels on 3 clients under MPS): two runs must
  // produce the same completion times to the nanosecond.
  auto run = [&]() {
    sim::Simulator s;
    Recorder r(s);
    GpuModel gpu(s, profile, SharingPolicy::kMps, "gpu0");
    sim::RandomStream rng(7, "kernels");
    std::vector<ProcessId> ps;
    for (int i = 0; i < 3; ++i)
      ps.push_back(
          gpu.start_process({.name = "c", .mps_active_thread_percentage = 40, .streams = 2}).value());
    for (int k = 0; k < 300; ++k) {
      const auto c = static_cast<size_t>(k % 3);
      gpu.submit(ps[c], k % 2,
                 {kernel(Time::from_seconds(rng.exponential(1e-4)), 1 + static_cast<int>(rng.uniform(0, 40)),
                         rng.uniform01()),
                  copy(CopyDirection::kDeviceToHost, static_cast<int64_t>(rng.uniform(0, 1e6)))},
                 r.at(static_cast<uint64_t>(k)));
    }
    s.run();
    std::vector<Time> times;
    for (uint64_t k = 0; k < 300; ++k) times.push_back(r.first(k));
    return times;
  };
  const auto first = run();
  const auto second = run();
  EXPECT_EQ(first, second);
  for (const Time t : first) EXPECT_NE(t, Time::max());  // everything completed
}

TEST_F(GpuModelTest, ObserverSeesEachOpStartAndFinish) {
  struct Log : GpuObserver {
    std::vector<std::string> lines;
    void op_started(Time at, ProcessId p, int stream, bool is_kernel, std::string_view name) override {
      lines.push_back("start " + std::to_string(at.count_ns()) + " p" + std::to_string(p) + " s" +
                      std::to_string(stream) + (is_kernel ? " kernel " : " copy ") + std::string(name));
    }
    void op_finished(Time at, ProcessId p, int stream, bool is_kernel, std::string_view name) override {
      lines.push_back("end " + std::to_string(at.count_ns()) + " p" + std::to_string(p) + " s" +
                      std::to_string(stream) + (is_kernel ? " kernel " : " copy ") + std::string(name));
    }
  } log;
  GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
  gpu.set_observer(&log);
  auto p = gpu.start_process({.name = "app", .streams = 2});
  gpu.submit(
      *p, 1,
      {KernelWork{"gemm", Time::ms(1), 40, 0}, CopyWork{"out", CopyDirection::kDeviceToHost, 12'000, true}},
      rec.at(1));
  sim.run();
  // Copy of 12,000 bytes at 12 GB/s: 1 us after the 10 us latency.
  const std::vector<std::string> expected = {"start 0 p0 s1 kernel gemm", "end 1000000 p0 s1 kernel gemm",
                                             "start 1000000 p0 s1 copy out", "end 1011000 p0 s1 copy out"};
  EXPECT_EQ(log.lines, expected);
}

// Property tests: random concurrent kernels, checked against conservation laws that hold whatever
// the interleaving. A kernel with m = 0 and demand d running at rate s / d holds s SMs, so it
// consumes exactly D x d SM-nanoseconds in all; a kernel with m = 1 moves exactly
// D x effective bandwidth bytes. Integration or rescheduling errors break these sums.
TEST_F(GpuModelTest, RandomComputeBoundKernelsConsumeExactlyTheirSmTime) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    sim::Simulator s;
    Recorder r(s);
    GpuModel gpu(s, profile, SharingPolicy::kPassthrough, "gpu0");
    sim::RandomStream rng(seed, "property");
    auto p = gpu.start_process({.name = "app", .streams = 6});
    double expected_sm_ns = 0;
    for (int k = 0; k < 400; ++k) {
      const Time d = Time::ns(1 + static_cast<int64_t>(rng.uniform(0, 200'000)));
      const int sms = 1 + static_cast<int>(rng.uniform(0, 40));
      expected_sm_ns += static_cast<double>(d.count_ns()) * sms;
      gpu.submit(*p, k % 6, {kernel(d, sms)}, r.at(static_cast<uint64_t>(k)));
    }
    s.run();
    const GpuMetrics m = gpu.metrics();
    EXPECT_EQ(m.kernels_completed, 400u);
    const double used_sm_ns = m.sm_occupancy * 40 * static_cast<double>((m.end - m.start).count_ns());
    // Finish times are whole nanoseconds rounded up, so each kernel may hold its (<= 40) SMs for
    // up to 1 ns past its exact end: at most 400 x 40 SM-ns of excess in all.
    EXPECT_NEAR(used_sm_ns, expected_sm_ns, 400.0 * 40.0) << "seed " << seed;
  }
}

TEST_F(GpuModelTest, RandomMemoryBoundKernelsMoveExactlyTheirBytes) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    sim::Simulator s;
    Recorder r(s);
    GpuModel gpu(s, profile, SharingPolicy::kPassthrough, "gpu0");
    sim::RandomStream rng(seed, "property");
    auto p = gpu.start_process({.name = "app", .streams = 4});
    double expected_busy_ns = 0;  // bytes / effective bandwidth
    for (int k = 0; k < 400; ++k) {
      const Time d = Time::ns(1 + static_cast<int64_t>(rng.uniform(0, 200'000)));
      expected_busy_ns += static_cast<double>(d.count_ns());
      gpu.submit(*p, k % 4, {kernel(d, 1 + static_cast<int>(rng.uniform(0, 40)), 1.0)},
                 r.at(static_cast<uint64_t>(k)));
    }
    s.run();
    const GpuMetrics m = gpu.metrics();
    const double moved_ns = m.utilization_memory_mean * static_cast<double>((m.end - m.start).count_ns());
    // As above: up to 1 ns of excess per kernel at no more than the full bandwidth.
    EXPECT_NEAR(moved_ns, expected_busy_ns, 400.0) << "seed " << seed;
    // DRAM is the only bottleneck and some kernel always runs: the bandwidth is never idle.
    EXPECT_NEAR(m.utilization_memory_mean, 1.0, 1e-6);
  }
}

}  // namespace
}  // namespace sharesim::models
