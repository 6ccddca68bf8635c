// The Chrome trace of the simulated GPU timeline: valid JSON with the expected slices for tiny
// hand-built GPUs, clipped to its window, and deterministic.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

#include "sharesim/models/gpu.h"
#include "sharesim/reports/timeline.h"
#include "sharesim/sim/simulator.h"

namespace sharesim::reports {
namespace {

using models::GpuModel;
using models::KernelWork;
using models::SharingPolicy;
using sim::Time;

struct Slice {
  double ts_us = 0;
  double dur_us = 0;
  std::string track;  // thread name
  std::string name;
  std::string cat;
};

// Parses the trace (yaml-cpp reads JSON) into its "X" slices, with thread names resolved.
std::vector<Slice> parse_slices(const std::string& json) {
  const YAML::Node root = YAML::Load(json);
  std::map<std::pair<int, int>, std::string> thread_names;
  for (const auto& e : root["traceEvents"]) {
    if (e["ph"].as<std::string>() == "M" && e["name"].as<std::string>() == "thread_name") {
      thread_names[{e["pid"].as<int>(), e["tid"].as<int>()}] = e["args"]["name"].as<std::string>();
    }
  }
  std::vector<Slice> slices;
  for (const auto& e : root["traceEvents"]) {
    if (e["ph"].as<std::string>() != "X") continue;
    slices.push_back({e["ts"].as<double>(), e["dur"].as<double>(),
                      thread_names[{e["pid"].as<int>(), e["tid"].as<int>()}], e["name"].as<std::string>(),
                      e["cat"].as<std::string>()});
  }
  return slices;
}

std::vector<Slice> on_track(const std::vector<Slice>& slices, const std::string& track) {
  std::vector<Slice> out;
  for (const auto& s : slices) {
    if (s.track == track) out.push_back(s);
  }
  return out;
}

bool overlap(const Slice& a, const Slice& b) {
  return a.ts_us < b.ts_us + b.dur_us && b.ts_us < a.ts_us + a.dur_us;
}

class TimelineTraceTest : public ::testing::Test {
 protected:
  TimelineTraceTest() {
    profile = models::builtin_gpu_profile("t4").value();
    profile.kernel_launch_overhead = Time::zero();
    profile.time_slice = Time::ms(2);
    profile.context_switch_cost = Time::us(100);
    profile.mps_interference_penalty = 0;
    profile.issue_saturation_warps = 0;  // kernels fill the SMs they demand: the trace is under test
  }

  // Two clients "a/0" and "b/0", each submitting one 5 ms kernel at t = 0; returns the trace.
  std::string two_clients(SharingPolicy policy, TraceWindow window, int sm_demand) {
    sim::Simulator sim;
    GpuModel gpu(sim, profile, policy, "edge/0");
    const std::optional<int> pct = policy == SharingPolicy::kMps ? std::optional<int>(50) : std::nullopt;
    auto a = gpu.start_process({.name = "a/0", .mps_active_thread_percentage = pct});
    auto b = gpu.start_process({.name = "b/0", .mps_active_thread_percentage = pct});
    run::GpuReport report;
    report.device = "edge";
    report.policy = policy == SharingPolicy::kMps ? "mps" : "time-slicing";
    report.processes = {{.workload = "a", .replica = 0, .sm_cap = gpu.sm_cap(*a)},
                        {.workload = "b", .replica = 0, .sm_cap = gpu.sm_cap(*b)}};
    TimelineTrace trace(window);
    gpu.set_observer(trace.add_gpu(report, {*a, *b}));
    const sim::HandlerId done = sim.add_handler([](uint64_t) {});
    gpu.submit(*a, 0, {KernelWork{"gemm_a", Time::ms(5), sm_demand, 0}}, {done, 0});
    gpu.submit(*b, 0, {KernelWork{"gemm_b", Time::ms(5), sm_demand, 0}}, {done, 1});
    sim.run();
    return trace.json(sim.now());
  }

  models::GpuProfile profile;
};

// Time-slicing, by hand (slice 2 ms, switch 0.1 ms, the first context loads for free):
//   a [0, 2)  switch [2, 2.1)  b [2.1, 4.1)  switch  a [4.2, 6.2)  switch  b [6.3, 8.3)
//   switch  a [8.4, 9.4) done  switch  b [9.5, 10.5) done        (ms)
// so each client runs 2 + 2 + 1 = 5 ms in 3 slices, never both at once, with 5 switches.
TEST_F(TimelineTraceTest, TimeSlicedClientsNeverOverlapAndAddUpToTheirWork) {
  const auto slices = parse_slices(two_clients(SharingPolicy::kTimeSlicing, {Time::zero(), Time::max()}, 40));
  const auto a = on_track(slices, "a/0");
  const auto b = on_track(slices, "b/0");
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  double a_total = 0, b_total = 0;
  for (const auto& s : a) {
    a_total += s.dur_us;
    EXPECT_EQ(s.name, "gemm_a");
    EXPECT_EQ(s.cat, "kernel");
  }
  for (const auto& s : b) b_total += s.dur_us;
  EXPECT_DOUBLE_EQ(a_total, 5000.0);
  EXPECT_DOUBLE_EQ(b_total, 5000.0);
  for (const auto& x : a) {
    for (const auto& y : b) EXPECT_FALSE(overlap(x, y)) << x.ts_us << " vs " << y.ts_us;
  }
  EXPECT_DOUBLE_EQ(a[0].ts_us, 0.0);
  EXPECT_DOUBLE_EQ(b[0].ts_us, 2100.0);
  EXPECT_DOUBLE_EQ(a.back().ts_us + a.back().dur_us, 9400.0);
  EXPECT_DOUBLE_EQ(b.back().ts_us + b.back().dur_us, 10500.0);
  const auto phases = on_track(slices, "time slices");
  int switches = 0;
  for (const auto& s : phases) {
    if (s.name == "context switch") {
      ++switches;
      EXPECT_DOUBLE_EQ(s.dur_us, 100.0);
    }
  }
  EXPECT_EQ(switches, 5);
}

// MPS at 50 % each: 20 SMs per client, each kernel wants 20, so both run at full rate at once:
// one slice each, [0, 5) ms, overlapping.
TEST_F(TimelineTraceTest, MpsClientsRunConcurrently) {
  const auto slices = parse_slices(two_clients(SharingPolicy::kMps, {Time::zero(), Time::max()}, 20));
  const auto a = on_track(slices, "a/0");
  const auto b = on_track(slices, "b/0");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_TRUE(overlap(a[0], b[0]));
  EXPECT_DOUBLE_EQ(a[0].dur_us, 5000.0);
  EXPECT_DOUBLE_EQ(b[0].dur_us, 5000.0);
  EXPECT_TRUE(on_track(slices, "time slices").empty());
}

TEST_F(TimelineTraceTest, MpsCapsAreCounters) {
  const YAML::Node root = YAML::Load(two_clients(SharingPolicy::kMps, {Time::zero(), Time::max()}, 20));
  int counters = 0;
  for (const auto& e : root["traceEvents"]) {
    if (e["ph"].as<std::string>() != "C") continue;
    ++counters;
    EXPECT_EQ(e["args"]["SMs"].as<int>(), 20);  // floor(40 x 50 / 100)
  }
  EXPECT_EQ(counters, 2);
}

// The window [3 ms, 7 ms) keeps only what overlaps it, clipped: from the schedule above, a's
// slice [4.2, 6.2) whole and b's [2.1, 4.1) as [3, 4.1) and [6.3, 8.3) as [6.3, 7).
TEST_F(TimelineTraceTest, WindowClipsSlices) {
  const auto slices = parse_slices(two_clients(SharingPolicy::kTimeSlicing, {Time::ms(3), Time::ms(7)}, 40));
  for (const auto& s : slices) {
    EXPECT_GE(s.ts_us, 3000.0);
    EXPECT_LE(s.ts_us + s.dur_us, 7000.0 + 1e-9);
  }
  const auto a = on_track(slices, "a/0");
  const auto b = on_track(slices, "b/0");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_DOUBLE_EQ(a[0].ts_us, 4200.0);
  EXPECT_DOUBLE_EQ(a[0].dur_us, 2000.0);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_DOUBLE_EQ(b[0].ts_us, 3000.0);
  EXPECT_DOUBLE_EQ(b[0].dur_us, 1100.0);
  EXPECT_DOUBLE_EQ(b[1].ts_us, 6300.0);
  EXPECT_DOUBLE_EQ(b[1].dur_us, 700.0);
}

TEST_F(TimelineTraceTest, SameRunSameBytes) {
  const std::string first = two_clients(SharingPolicy::kTimeSlicing, {Time::zero(), Time::max()}, 40);
  const std::string second = two_clients(SharingPolicy::kTimeSlicing, {Time::zero(), Time::max()}, 40);
  EXPECT_EQ(first, second);
}

TEST(TraceWindowTest, ParsesStartAndEnd) {
  auto w = parse_trace_window("10s:12s");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->start, Time::s(10));
  EXPECT_EQ(w->end, Time::s(12));
  auto ms = parse_trace_window("1500ms:2s");
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(ms->start, Time::ms(1500));
}

TEST(TraceWindowTest, RejectsBadWindows) {
  EXPECT_FALSE(parse_trace_window("12s:10s").ok());
  EXPECT_FALSE(parse_trace_window("10s").ok());
  EXPECT_FALSE(parse_trace_window("10:12").ok());  // no units
  auto e = parse_trace_window("x:1s");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().field, "--trace-window");
}

TEST(TraceWindowTest, DefaultIsTwoSecondsAfterWarmup) {
  const TraceWindow w = default_trace_window(Time::s(5));
  EXPECT_EQ(w.start, Time::s(5));
  EXPECT_EQ(w.end, Time::s(7));
}

}  // namespace
}  // namespace sharesim::reports
