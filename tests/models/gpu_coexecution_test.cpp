// MPS co-execution (issue 19): residency from the launch configuration, issue and DRAM use
// alone, SM caps that cost waves and reachable bandwidth, interference that depends on what
// co-runs, and the launch queue. Every expected value is derived by hand in the comment above it
// from the built-in T4 profile (40 SMs; 1,024 threads, 16 blocks, 65,536 registers and 64 KiB
// shared memory per SM; effective DRAM 220 GiB/s, nominal 320 GB/s; 13.7 GB/s per SM; MPS SMs
// in TPCs of 2 rounded up; interference 0.05 per pair + 0.01 per further client + 0.22 per unit
// of co-runners' DRAM use), launch overheads removed unless a test sets them.
#include <gtest/gtest.h>

#include "gpu_test_support.h"
#include "sharesim/models/gpu.h"

namespace sharesim::models {
namespace {

using sim::Time;
using testing::kernel;
using testing::Recorder;

// A kernel described by its launch configuration and its throughputs alone.
KernelWork launched(Time solo, int blocks, int threads, double sm_throughput, double dram_throughput = 0,
                    int registers = 0, int64_t shared_memory = 0) {
  KernelWork k{"k", solo};
  k.blocks = blocks;
  k.threads_per_block = threads;
  k.registers_per_thread = registers;
  k.shared_memory_per_block = shared_memory;
  k.sm_throughput = sm_throughput;
  k.dram_throughput = dram_throughput;
  return k;
}

class CoExecutionTest : public ::testing::Test {
 protected:
  // Runs one kernel per process, all submitted at 0; returns their completion times.
  std::vector<Time> run(SharingPolicy policy, const std::vector<KernelWork>& kernels,
                        std::optional<int> percentage = std::nullopt) {
    sim::Simulator sim;
    Recorder rec(sim);
    GpuModel gpu(sim, profile, policy, "gpu0");
    for (size_t i = 0; i < kernels.size(); ++i) {
      std::string name = "p";
      name.append(std::to_string(i));
      const ProcessId p =
          gpu.start_process({.name = name, .mps_active_thread_percentage = percentage}).value();
      gpu.submit(p, 0, {kernels[i]}, rec.at(i));
    }
    sim.run();
    std::vector<Time> done;
    for (size_t i = 0; i < kernels.size(); ++i) done.push_back(rec.first(i));
    return done;
  }
  GpuProfile profile = testing::t4_without_launch_overhead();
};

// Latency-bound: 40 blocks of 256 threads: one block per SM (40 blocks over 40 SMs), each taking
// 256 / 1024 = 1/4 of the SM's threads: residency o = 0.25 on 40 SMs; issue 0.2 x 40 = 8 SMs.
// Two such MPS clients: interference 1.05 (one other client, no DRAM use): each alone-speed
// bound 1 / 1.05; residency 2 x 0.25 x 40 = 20 of 40 and issue 2 x 8 / 1.05 = 15.2 of 40 fit.
// So both run at 1 / 1.05: a 1 ms kernel ends at 1.05 ms.
TEST_F(CoExecutionTest, LatencyBoundKernelsOfTwoClientsLeaveRoomForEachOther) {
  const KernelWork k = launched(Time::ms(1), 40, 256, 0.2);
  const auto done = run(SharingPolicy::kMps, {k, k});
  EXPECT_EQ(done[0], Time::us(1050));
  EXPECT_EQ(done[1], Time::us(1050));
}

// Throughput-bound: 160 blocks of 1,024 threads: one block per SM fills it (o = 1), 4 waves;
// issue 0.9 x 40 = 36. Two MPS clients: residency per unit of rate 1 x 40 x 1.05 = 42 each;
// 42 x + 42 x <= 40 -> x = 40 / 84 (issue 2 x 36 x 0.476 = 34.3 <= 40 holds). 1 ms / (40/84)
// = 2.1 ms each: no room, as two simple full-GPU kernels.
TEST_F(CoExecutionTest, ThroughputBoundKernelsOfTwoClientsShareTheSms) {
  const KernelWork k = launched(Time::ms(1), 160, 1024, 0.9);
  const auto done = run(SharingPolicy::kMps, {k, k});
  EXPECT_EQ(done[0], Time::us(2100));
  EXPECT_EQ(done[1], Time::us(2100));
  const auto simple = run(SharingPolicy::kMps, {kernel(Time::ms(1)), kernel(Time::ms(1))});
  EXPECT_EQ(simple[0], Time::us(2100));
}

// A memory-bound kernel restricted to fewer SMs reaches less bandwidth (Little's law per SM):
// m = 1 on 40 SMs moves 220 GiB/s alone; at MPS 10 % it may use 4 SMs (2 TPCs), which reach
// 4 x 13.7 GB/s = 54.8 GB/s: T = 220 GiB/s / 54.8 GB/s = 4.3105 -> a 1 ms kernel takes 4.31 ms.
// A compute-bound one (m = 0) takes 40 / 4 = 10 ms.
TEST_F(CoExecutionTest, CappedMemoryBoundKernelLosesReachableBandwidth) {
  const double expected_ms = 220.0 * 1024 * 1024 * 1024 / (4 * 13.7e9);
  const auto memory = run(SharingPolicy::kMps, {kernel(Time::ms(1), 40, 1.0)}, 10);
  EXPECT_NEAR(memory[0].milliseconds(), expected_ms, 1e-5);
  const auto compute = run(SharingPolicy::kMps, {kernel(Time::ms(1), 40, 0.0)}, 10);
  EXPECT_EQ(compute[0], Time::ms(10));
}

// Waves: 80 blocks of 1,024 threads (one per SM), 2 waves alone; issue 0.5 x 40 = 20.
// At 50 % (20 SMs): 4 waves -> T = max(4/2, 20/20) = 2 -> 2 ms. At 30 % (12 SMs): ceil(80/12) =
// 7 waves -> 3.5 ms. At 33 % (14 SMs, 7 TPCs rounded up): ceil(80/14) = 6 waves -> 3 ms.
TEST_F(CoExecutionTest, CapsCostWholeWaves) {
  const KernelWork k = launched(Time::ms(1), 80, 1024, 0.5);
  EXPECT_EQ(run(SharingPolicy::kMps, {k}, 50)[0], Time::ms(2));
  EXPECT_EQ(run(SharingPolicy::kMps, {k}, 30)[0], Time::us(3500));
  EXPECT_EQ(run(SharingPolicy::kMps, {k}, 33)[0], Time::ms(3));
}

// Occupancy by registers and shared memory: 256 threads (8 warps) x 64 registers = 2,048 per
// warp (a multiple of 256), 16,384 per block -> 4 blocks per SM by registers; 32 KiB of shared
// memory per block -> 2 by shared memory: 2 blocks per SM. 160 blocks: 2 waves on 40 SMs, 4 on
// 20 SMs (50 %) -> 2 ms at 50 % (issue 0.1 x 40 = 4 is not limiting).
TEST_F(CoExecutionTest, RegistersAndSharedMemoryLimitResidency) {
  const KernelWork k = launched(Time::ms(1), 160, 256, 0.1, 0, 64, 32 * 1024);
  EXPECT_EQ(run(SharingPolicy::kMps, {k}, 100)[0], Time::ms(1));
  EXPECT_EQ(run(SharingPolicy::kMps, {k}, 50)[0], Time::ms(2));
}

// Interference depends on the co-runners' boundness: the latency-bound kernel of the first test
// with dram_throughput 0.2 moves 0.2 x 320 GB/s = 64 GB/s alone, 64e9 / (220 x 2^30) = 0.27093
// of the effective bandwidth. Beside one such client: 1 + 0.05 + 0.22 x 0.27093 = 1.10960 (DRAM
// 2 x 64 / 1.1096 = 115 GB/s fits): 1.1096 ms. Beside two: 1 + 0.05 + 0.01 + 0.22 x 0.54186 =
// 1.17921 ms.
TEST_F(CoExecutionTest, InterferenceGrowsWithCoRunnersAndTheirDramUse) {
  const KernelWork k = launched(Time::ms(1), 40, 256, 0.2, 0.2);
  const double use = 0.2 * 320e9 / (220.0 * 1024 * 1024 * 1024);
  EXPECT_NEAR(run(SharingPolicy::kMps, {k, k})[0].milliseconds(), 1.05 + 0.22 * use, 1e-5);
  EXPECT_NEAR(run(SharingPolicy::kMps, {k, k, k})[0].milliseconds(), 1.06 + 0.22 * 2 * use, 1e-5);
  // Alone: no interference.
  EXPECT_EQ(run(SharingPolicy::kMps, {k})[0], Time::ms(1));
}

// Kernels without a launch configuration keep their meaning under the time-slicing and
// passthrough policies: alone they take their solo time, and a time-sliced tenant is never
// slowed by interference (one context at a time).
TEST_F(CoExecutionTest, InterferenceIsAnMpsEffectOnly) {
  const KernelWork k = launched(Time::ms(1), 40, 256, 0.2, 0.2);
  const auto sliced = run(SharingPolicy::kTimeSlicing, {k, k});
  EXPECT_EQ(sliced[0], Time::ms(1));
  EXPECT_EQ(sliced[1], Time::ms(2) + profile.context_switch_cost);
}

// Launch queue: 5 us launch overhead, three 100 us kernels in one submission.
// Synchronous: each waits its gap after the previous: 3 x (5 + 100) = 315 us.
// Asynchronous: the host issues them at 5, 10, 15 us; the first runs 5-105, the others find
// their launch done and start at once: 305 us.
TEST_F(CoExecutionTest, AsynchronousLaunchesHideTheGapBehindEarlierKernels) {
  profile.kernel_launch_overhead = Time::us(5);
  for (const LaunchMode mode : {LaunchMode::kSynchronous, LaunchMode::kAsynchronous}) {
    sim::Simulator sim;
    Recorder rec(sim);
    GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
    const ProcessId p = gpu.start_process({.name = "a"}).value();
    const KernelWork k = kernel(Time::us(100));
    gpu.submit(p, 0, {k, k, k}, rec.at(1), mode);
    sim.run();
    EXPECT_EQ(rec.first(1), mode == LaunchMode::kSynchronous ? Time::us(315) : Time::us(305));
  }
}

// Under MPS each kernel's launch also waits behind the other clients with work (1 us per
// other client): a 100 us kernel of a client while 2 other clients have work starts after
// 5 + 2 x 1 = 7 us.
TEST_F(CoExecutionTest, MpsLaunchGapGrowsWithActiveClients) {
  profile.kernel_launch_overhead = Time::us(5);
  profile.mps_launch_gap_per_client = Time::us(1);
  sim::Simulator sim;
  Recorder rec(sim);
  GpuModel gpu(sim, profile, SharingPolicy::kMps, "gpu0");
  std::vector<ProcessId> ps;
  for (const char* name : {"a", "b", "c"}) ps.push_back(gpu.start_process({.name = name}).value());
  const KernelWork small = launched(Time::us(100), 4, 128, 0.01);  // tiny: no sharing effect
  gpu.submit(ps[0], 0, {launched(Time::ms(10), 4, 128, 0.01)}, rec.at(0));
  gpu.submit(ps[1], 0, {launched(Time::ms(10), 4, 128, 0.01)}, rec.at(1));
  gpu.submit(ps[2], 0, {small}, rec.at(2));
  sim.run_until(Time::ms(1));
  // Interference beside two clients: 1.06 -> 7 us + 106 us.
  EXPECT_EQ(rec.first(2), Time::us(7) + Time::us(106));
}

// Issue saturation (T4: 16 of 32 resident warps, o_sat = 0.5). A simple kernel demanding 10 SMs'
// worth of residency spreads over all 40 SMs at occupancy 10 / 40 = 0.25 and issues 0.25 / 0.5 of
// each SM: a' = min(40, 10 / 0.5) = 20 SM-equivalents alone. Capped at 25 % (10 SMs) by MPS its
// work is concentrated on 10 SMs: T = max(1, 20 / 10) = 2, so 1 ms takes 2 ms. Without the
// parameter it filled its 10 SMs alone and takes 1 ms at the cap.
TEST_F(CoExecutionTest, IssueSaturationSlowsACappedSimpleKernelThatSpreadWide) {
  EXPECT_EQ(run(SharingPolicy::kMps, {kernel(Time::ms(1), 10)}, 25)[0], Time::ms(2));
  profile.issue_saturation_warps = 0;
  EXPECT_EQ(run(SharingPolicy::kMps, {kernel(Time::ms(1), 10)}, 25)[0], Time::ms(1));
}

// Two MPS clients with 15-SM simple kernels (interference off): each issues a' = min(40, 15 / 0.5)
// = 30 of 40 SM-equivalents, together 60: the issue constraint binds, 60 x = 40, x = 2/3 each
// (residency 2 x 15 = 30 of 40 fits): 1 ms of work ends at 1.5 ms. Without issue saturation each
// issues 15, together 30: both at full speed, 1 ms.
TEST_F(CoExecutionTest, SimpleKernelsThatSpreadWideShareIssueSooner) {
  profile.mps_interference_penalty = 0;
  profile.mps_interference_per_client = 0;
  profile.mps_interference_memory = 0;
  const std::vector<KernelWork> two = {kernel(Time::ms(1), 15), kernel(Time::ms(1), 15)};
  for (const Time t : run(SharingPolicy::kMps, two)) EXPECT_EQ(t, Time::us(1500));
  profile.issue_saturation_warps = 0;
  for (const Time t : run(SharingPolicy::kMps, two)) EXPECT_EQ(t, Time::ms(1));
}

// A launch configuration without a measured sm_throughput: 40 blocks of 128 threads x 128
// registers: 4 warps x 32 x 128 = 16,384 registers, a quarter of the SM (4 blocks per SM), one
// block on each of 40 SMs: residency 0.25, issue 40 x min(1, 0.25 / 0.5) = 20. Three MPS clients
// (interference off): 60 x = 40, x = 2/3: 1 ms ends at 1.5 ms (residency 3 x 10 = 30 fits). With
// issue in proportion to residency (no saturation) each issues 10: all three at full speed.
TEST_F(CoExecutionTest, UnknownThroughputSaturatesIssueAtTheProfilesOccupancy) {
  profile.mps_interference_penalty = 0;
  profile.mps_interference_per_client = 0;
  profile.mps_interference_memory = 0;
  const KernelWork k = launched(Time::ms(1), 40, 128, -1, -1, 128);
  const std::vector<KernelWork> three = {k, k, k};
  for (const Time t : run(SharingPolicy::kMps, three)) EXPECT_EQ(t, Time::us(1500));
  profile.issue_saturation_warps = 0;
  for (const Time t : run(SharingPolicy::kMps, three)) EXPECT_EQ(t, Time::ms(1));
}

// Without a measured sm_throughput a kernel's mean issue follows its waves alone: 200 blocks of 256
// threads on the T4 take a quarter of an SM's threads each (4 per SM), issue u = 0.25 / 0.5 = 0.5
// of an SM each; alone on 40 SMs a first wave of 160 blocks (4 per SM: 2 block-times, the SM
// saturated) and a last of 40 (1 per SM: 1 block-time), so a = 200 x 0.5 / 3 = 33.3. At 50 % (20
// SMs): waves 3 against 2 = 1.5, issue 33.3 / 20 = 1.667: the issue binds, 1 ms takes 1.667 ms.
TEST_F(CoExecutionTest, UnknownThroughputIssueFollowsTheWavesAlone) {
  const KernelWork k = launched(Time::ms(1), 200, 256, -1);
  const Time done = run(SharingPolicy::kMps, {k}, 50)[0];
  EXPECT_NEAR(done.seconds(), 1e-3 * 5.0 / 3.0, 1e-9);
}

// The per-client MPS gap is GPU-side (iGniter measured it as idle between a process's kernels on
// the GPU): a host that enqueued the whole request ahead does not hide it. Client c, while a and b
// have work, launches 3 tiny kernels asynchronously with a 5 us host overhead: its host issues
// them at 5, 10, 15 us; each kernel also waits 2 x 1 us on the GPU after its predecessor. The
// first starts at 5 + 2 = 7 us.
TEST_F(CoExecutionTest, MpsClientGapIsNotHiddenByAsynchronousLaunch) {
  profile.kernel_launch_overhead = Time::us(5);
  profile.mps_launch_gap_per_client = Time::us(1);
  profile.mps_interference_penalty = 0;
  profile.mps_interference_per_client = 0;
  profile.mps_interference_memory = 0;
  sim::Simulator sim;
  Recorder rec(sim);
  GpuModel gpu(sim, profile, SharingPolicy::kMps, "gpu0");
  std::vector<ProcessId> ps;
  for (const char* name : {"a", "b", "c"}) ps.push_back(gpu.start_process({.name = name}).value());
  const KernelWork busy = launched(Time::ms(10), 4, 128, 0.01);
  gpu.submit(ps[0], 0, {busy}, rec.at(0));
  gpu.submit(ps[1], 0, {busy}, rec.at(1));
  const KernelWork tiny = launched(Time::us(100), 4, 128, 0.01);
  gpu.submit(ps[2], 0, {tiny, tiny, tiny}, rec.at(2), LaunchMode::kAsynchronous);
  sim.run_until(Time::ms(1));
  // 7 us, then each 100 us kernel, then 2 us of GPU-side gap before the next (the host issued
  // the 2nd and 3rd at 10 and 15 us, long before): 7 + 100 + 2 + 100 + 2 + 100 = 311 us.
  EXPECT_EQ(rec.first(2), Time::us(311));
}

}  // namespace
}  // namespace sharesim::models
