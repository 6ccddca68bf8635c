// The whole path (YAML -> loader -> run -> report) against queueing theory and the
// documented device rules. Expected values come from formulas, with the profile's own parameters
// (launch overhead) read from the built-in T4 profile rather than copied from any output.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "sharesim/models/gpu_profile.h"
#include "sharesim/reports/results.h"
#include "sharesim/run/load_options.h"
#include "sharesim/run/run_scenario.h"
#include "sharesim/scenarios/loader.h"

namespace sharesim::run {
namespace {

using scenarios::load_scenario_text;

Result<RunReport> run_text(const std::string& yaml) {
  auto scenario = load_scenario_text(yaml, "test.yaml", ".", default_load_options());
  if (!scenario) return scenario.error();
  return run_scenario(*scenario);
}

// One GPU VM (passthrough), Poisson arrivals, one deterministic full-GPU compute-bound kernel per
// request and no copies: an M/D/1 queue whose service time is the kernel plus its launch gap.
std::string md1_scenario(const std::string& rate, const std::string& duration) {
  return R"(
name: md1
seed: 5
duration: )" +
         duration + R"(
warmup: 10s
devices:
  - name: box
    gpus: 1
    setup:
      - vm: {name: app-vm}
workloads:
  - name: app
    device: box
    runtime: vm:app-vm
    memory: 1GiB
    arrivals: {poisson: {rate: )" +
         rate + R"(}}
    request:
      ops:
        - kernel: {duration: 2ms, sms: 40, memory_bound: 0}
)";
}

TEST(RunScenario, PassthroughGpuWithPoissonArrivalsIsMD1) {
  const auto t4 = models::builtin_gpu_profile("t4");
  ASSERT_TRUE(t4.ok());
  const double service = 2e-3 + t4->kernel_launch_overhead.seconds();
  const double lambda = 350.0;  // rho = 0.7 (plus the launch gap)
  const double rho = lambda * service;
  const auto report = run_text(md1_scenario("350/s", "2000s"));
  ASSERT_TRUE(report.ok()) << report.error().to_string();
  ASSERT_EQ(report->workloads.size(), 1u);
  const auto& w = report->workloads[0];
  // Pollaczek-Khinchine, deterministic service: W = S + rho S / (2 (1 - rho)).
  const double expected = service + rho * service / (2 * (1 - rho));
  EXPECT_NEAR(w.latency.mean_ns() * 1e-9, expected, 0.02 * expected);
  EXPECT_EQ(w.failed, 0u);
  // Throughput is the arrival rate (stable queue), and the GPU is busy rho of the time.
  EXPECT_NEAR(w.throughput_per_s, lambda, 0.01 * lambda);
  ASSERT_EQ(report->gpus.size(), 1u);
  EXPECT_EQ(report->gpus[0].policy, "passthrough");
  EXPECT_EQ(report->gpus[0].claimed_by, "app-vm");
  // utilization.gpu counts time with a kernel executing: rho without the launch gaps.
  EXPECT_NEAR(report->gpus[0].metrics.utilization_gpu_mean, lambda * 2e-3, 0.01);
}

TEST(RunScenario, SameSeedGivesByteIdenticalResults) {
  const auto a = run_text(md1_scenario("300/s", "60s"));
  const auto b = run_text(md1_scenario("300/s", "60s"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(reports::results_json(*a), reports::results_json(*b));
}

TEST(RunScenario, AnotherSeedGivesOtherDraws) {
  std::string other = md1_scenario("300/s", "60s");
  other.replace(other.find("seed: 5"), 7, "seed: 6");
  const auto a = run_text(md1_scenario("300/s", "60s"));
  const auto b = run_text(other);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(reports::results_json(*a), reports::results_json(*b));
}

TEST(RunScenario, VmOnAOneGpuDeviceAfterKubernetesIsRejectedWithItsLine) {
  const std::string yaml = R"(name: order
duration: 1s
devices:
  - name: box
    gpus: 1
    setup:
      - kubernetes: {}
      - vm: {name: late-vm}
workloads:
  - name: app
    device: box
    runtime: kubernetes
    arrivals: {poisson: {rate: 10/s}}
    request: {ops: [{kernel: {duration: 1ms}}]}
)";
  auto scenario = load_scenario_text(yaml, "order.yaml", ".", default_load_options());
  ASSERT_FALSE(scenario.ok());
  EXPECT_EQ(scenario.error().file, "order.yaml");
  EXPECT_EQ(scenario.error().line, 8);
  EXPECT_NE(scenario.error().message.find("VM creation fails"), std::string::npos)
      << scenario.error().to_string();
}

TEST(RunScenario, KubernetesWorkloadWithoutAGpuIsRejected) {
  // 1 GPU, VM first then Kubernetes: both are created, Kubernetes gets no GPU (DESIGN.md).
  const std::string yaml = R"(name: no-gpu
duration: 1s
devices:
  - name: box
    gpus: 1
    setup:
      - vm: {name: first-vm}
      - kubernetes: {}
workloads:
  - name: app
    device: box
    runtime: kubernetes
    arrivals: {poisson: {rate: 10/s}}
    request: {ops: [{kernel: {duration: 1ms}}]}
)";
  const auto report = run_text(yaml);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().line, 10);
  EXPECT_NE(report.error().message.find("holds no GPU"), std::string::npos) << report.error().to_string();
}

TEST(RunScenario, ReplicasWithoutVisibleDevicesSpreadOverTheKubernetesGpus) {
  const std::string yaml = R"(name: spread
duration: 2s
devices:
  - name: box
    gpus: 2
    sharing: mps
    setup:
      - kubernetes: {}
workloads:
  - name: app
    device: box
    runtime: kubernetes
    replicas: 4
    memory: 1GiB
    arrivals: {poisson: {rate: 100/s}}
    request: {ops: [{kernel: {duration: 1ms, sms: 10}}]}
)";
  const auto report = run_text(yaml);
  ASSERT_TRUE(report.ok()) << report.error().to_string();
  ASSERT_EQ(report->gpus.size(), 2u);
  EXPECT_EQ(report->gpus[0].processes.size(), 2u);
  EXPECT_EQ(report->gpus[1].processes.size(), 2u);
  EXPECT_EQ(report->gpus[0].policy, "mps");
  EXPECT_EQ(report->gpus[0].metrics.memory_used_bytes, int64_t{2} << 30);
}

TEST(RunScenario, OutOfMemoryUnderTimeSlicingFailsEveryTenantsRequests) {
  // Two 10 GiB processes on one 16 GB T4 (15,079 MiB usable): the second allocation does not fit,
  // and under time-slicing the GPU is one fault domain, so both workloads fail.
  const std::string yaml = R"(name: oom
duration: 2s
devices:
  - name: box
    gpus: 1
    sharing: time-slicing
    setup:
      - kubernetes: {}
workloads:
  - name: a
    device: box
    runtime: kubernetes
    memory: 10GiB
    arrivals: {poisson: {rate: 50/s}}
    request: {ops: [{kernel: {duration: 1ms}}]}
  - name: b
    device: box
    runtime: kubernetes
    memory: 10GiB
    arrivals: {poisson: {rate: 50/s}}
    request: {ops: [{kernel: {duration: 1ms}}]}
)";
  const auto report = run_text(yaml);
  ASSERT_TRUE(report.ok()) << report.error().to_string();
  for (const auto& w : report->workloads) {
    EXPECT_EQ(w.completed, 0u) << w.name;
    EXPECT_GT(w.failed, 0u) << w.name;
  }
  EXPECT_GE(report->gpus[0].metrics.faults, 1u);
  for (const auto& p : report->gpus[0].processes) EXPECT_TRUE(p.failed) << p.workload;
}

// Past the engine's capacity of pending events the run stops, interrupted, with its results so
// far and the reason (it used to be an assert only: a release build wrapped the slot index and ran
// other events' handlers). 200 closed-loop clients each hold one pending think event while their
// request is not in flight: with a capacity of 100 pending events the run cannot go on.
TEST(RunScenario, PastTheEnginesEventCapacityTheRunStopsWithItsResultsSoFar) {
  const std::string yaml = R"(
name: many-clients
duration: 10s
devices:
  - name: box
    gpus: 1
    setup:
      - vm: {name: app-vm}
workloads:
  - name: app
    device: box
    runtime: vm:app-vm
    memory: 1GiB
    arrivals: {closed_loop: {clients: 200, think: 1s}}
    request:
      ops:
        - kernel: {duration: 1ms, sms: 40}
)";
  auto scenario = load_scenario_text(yaml, "test.yaml", ".", default_load_options());
  ASSERT_TRUE(scenario) << scenario.error().message;
  RunOptions options;
  options.max_pending_events = 100;
  auto small = run_scenario(*scenario, options);
  ASSERT_TRUE(small) << small.error().message;
  EXPECT_TRUE(small->interrupted);
  EXPECT_NE(small->stopped_by_limit.find("more than 100 events were pending at once"), std::string::npos)
      << small->stopped_by_limit;
  // The same scenario with the engine's real capacity runs to its end.
  auto full = run_scenario(*scenario);
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_FALSE(full->interrupted);
  EXPECT_TRUE(full->stopped_by_limit.empty());
}

}  // namespace
}  // namespace sharesim::run
