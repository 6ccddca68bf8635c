// Sharing policies (time-slicing, MPS), memory faults and nvidia-smi style metrics.
// Expected values are derived by hand in the comments.
#include <gtest/gtest.h>

#include <cmath>
#include <deque>

#include "gpu_test_support.h"
#include "sharesim/models/gpu.h"
#include "sharesim/sim/random.h"

namespace sharesim::models {
namespace {

using sim::Time;
using testing::copy;
using testing::kernel;
using testing::Recorder;

// N clients, each keeps one request (one kernel) outstanding: when it completes, the client
// submits the next at once. Records each request's latency.
class ClosedLoopClients {
 public:
  ClosedLoopClients(sim::Simulator& sim, GpuModel& gpu, std::vector<ProcessId> processes, KernelWork work)
      : sim_(sim), gpu_(gpu), processes_(std::move(processes)), work_(work) {
    handler_ = sim_.add_handler([this](uint64_t client) { on_done(client); });
    submitted_at_.resize(processes_.size());
    latencies_.resize(processes_.size());
  }
  void start() {
    for (uint64_t c = 0; c < processes_.size(); ++c) submit(c);
  }
  const std::vector<Time>& latencies(size_t client) const { return latencies_[client]; }
  size_t completed() const {
    size_t n = 0;
    for (const auto& l : latencies_) n += l.size();
    return n;
  }

 private:
  void submit(uint64_t c) {
    submitted_at_[c] = sim_.now();
    gpu_.submit(processes_[c], 0, {work_}, Completion{handler_, c});
  }
  void on_done(uint64_t c) {
    latencies_[c].push_back(sim_.now() - submitted_at_[c]);
    submit(c);
  }
  sim::Simulator& sim_;
  GpuModel& gpu_;
  std::vector<ProcessId> processes_;
  KernelWork work_;
  sim::HandlerId handler_ = 0;
  std::vector<Time> submitted_at_;
  std::vector<std::vector<Time>> latencies_;
};

// "c<i>" (built with append: GCC 12 gives a false -Wrestrict on "literal" + std::string).
std::string client_name(int i) {
  std::string name = "c";
  name.append(std::to_string(i));
  return name;
}

class SharingTest : public ::testing::Test {
 protected:
  sim::Simulator sim;
  GpuProfile profile = testing::t4_without_launch_overhead();
  Recorder rec{sim};
};

// ---- Time-slicing ---------------------------------------------------------------------------------
TEST_F(SharingTest, TimeSlicedSaturatingClientsSeeNTimesSoloPlusSwitching) {
  // Profile: slice s = 2 ms, switch c = 25 us. Each request is one 10 ms kernel on all SMs, so it
  // needs k = 10 / 2 = 5 slices. With N clients always runnable, turns go round robin and every
  // turn costs c + s. A request submitted when its client's previous one ended (at the end of the
  // client's slice) completes at the end of the client's 5th next turn:
  //   latency = k x N x (s + c)     (N = 1: no one else, no switch: latency = k x s = 10 ms)
  ASSERT_EQ(profile.time_slice, Time::ms(2));
  ASSERT_EQ(profile.context_switch_cost, Time::us(25));
  for (int n : {1, 2, 3, 4}) {
    sim::Simulator s;
    GpuModel gpu(s, profile, SharingPolicy::kTimeSlicing, "gpu0");
    std::vector<ProcessId> ps;
    for (int i = 0; i < n; ++i) ps.push_back(gpu.start_process({.name = client_name(i)}).value());
    ClosedLoopClients clients(s, gpu, ps, kernel(Time::ms(10)));
    clients.start();
    s.run_until(Time::s(2));
    const Time expected = n == 1 ? Time::ms(10) : (Time::ms(2) + Time::us(25)) * (5 * n);
    for (int i = 0; i < n; ++i) {
      const auto& lat = clients.latencies(static_cast<size_t>(i));
      ASSERT_GT(lat.size(), 5u);
      for (size_t r = 2; r < lat.size(); ++r) EXPECT_EQ(lat[r], expected) << "N=" << n << " client " << i;
    }
    // One switch per turn once everyone is running: about 2 s / (s + c) turns.
    if (n > 1)
      EXPECT_NEAR(static_cast<double>(gpu.metrics().context_switches), 2e9 / 2.025e6, 2.0);
    else
      EXPECT_EQ(gpu.metrics().context_switches, 0u);
  }
}

TEST_F(SharingTest, TimeSlicedOwnerKeepsTheGpuWhileNobodyElseWaits) {
  GpuModel gpu(sim, profile, SharingPolicy::kTimeSlicing, "gpu0");
  auto a = gpu.start_process({.name = "a"});
  ASSERT_TRUE(a.ok());
  gpu.submit(*a, 0, {kernel(Time::ms(7))}, rec.at(1));
  sim.run();
  EXPECT_EQ(rec.first(1), Time::ms(7));  // slices renew with no switch
  EXPECT_EQ(gpu.metrics().context_switches, 0u);
}

TEST_F(SharingTest, TimeSlicedPreemptedKernelResumesWhereItStopped) {
  GpuModel gpu(sim, profile, SharingPolicy::kTimeSlicing, "gpu0");
  auto a = gpu.start_process({.name = "a"});
  auto b = gpu.start_process({.name = "b"});
  // A: 3 ms kernel; B: 1 ms kernel, both at t = 0. A owns [0, 2 ms] (2 ms done), switch 25 us,
  // B runs [2.025, 3.025] and finishes, switch 25 us, A resumes at 3.05 ms for its last 1 ms.
  gpu.submit(*a, 0, {kernel(Time::ms(3))}, rec.at(1));
  gpu.submit(*b, 0, {kernel(Time::ms(1))}, rec.at(2));
  sim.run();
  EXPECT_EQ(rec.first(2), Time::us(3025));
  EXPECT_EQ(rec.first(1), Time::us(4050));
  EXPECT_EQ(gpu.metrics().context_switches, 2u);
}

TEST_F(SharingTest, TimeSlicingHandsTheGpuOnRoundRobinWhenTheOwnerRunsOutOfWork) {
  GpuModel gpu(sim, profile, SharingPolicy::kTimeSlicing, "gpu0");
  auto a = gpu.start_process({.name = "a"});
  auto b = gpu.start_process({.name = "b"});
  auto c = gpu.start_process({.name = "c"});
  // Three 0.5 ms kernels at t = 0, shorter than a slice: A runs [0, 0.5], switch 25 us,
  // B [0.525, 1.025], switch, C [1.05, 1.55].
  gpu.submit(*c, 0, {kernel(Time::us(500))}, rec.at(3));
  gpu.submit(*a, 0, {kernel(Time::us(500))}, rec.at(1));
  gpu.submit(*b, 0, {kernel(Time::us(500))}, rec.at(2));
  sim.run();
  // C submitted first, so C's context is loaded first at no cost; then round robin after C: A, B.
  EXPECT_EQ(rec.first(3), Time::us(500));
  EXPECT_EQ(rec.first(1), Time::us(1025));
  EXPECT_EQ(rec.first(2), Time::us(1550));
  EXPECT_EQ(gpu.metrics().context_switches, 2u);
}

TEST_F(SharingTest, TimeSlicingIdleGpuResumesTheLoadedContextForFree) {
  GpuModel gpu(sim, profile, SharingPolicy::kTimeSlicing, "gpu0");
  auto a = gpu.start_process({.name = "a"});
  auto b = gpu.start_process({.name = "b"});
  gpu.submit(*a, 0, {kernel(Time::ms(1))}, rec.at(1));
  sim.run_until(Time::ms(5));
  gpu.submit(*a, 0, {kernel(Time::ms(1))}, rec.at(2));  // A is still loaded: no switch
  sim.run_until(Time::ms(10));
  gpu.submit(*b, 0, {kernel(Time::ms(1))}, rec.at(3));  // B must be switched in: 25 us
  sim.run();
  EXPECT_EQ(rec.first(2), Time::ms(6));
  EXPECT_EQ(rec.first(3), Time::ms(11) + Time::us(25));
  EXPECT_EQ(gpu.metrics().context_switches, 1u);
}

TEST_F(SharingTest, TimeSlicingDoesNotOverlapCopiesAcrossProcesses) {
  GpuModel gpu(sim, profile, SharingPolicy::kTimeSlicing, "gpu0");
  auto a = gpu.start_process({.name = "a"});
  auto b = gpu.start_process({.name = "b"});
  // A's 1 ms kernel owns the GPU first; B's copy (10 us + 1 ms) waits for the switch (25 us).
  gpu.submit(*a, 0, {kernel(Time::ms(1))}, rec.at(1));
  gpu.submit(*b, 0, {copy(CopyDirection::kHostToDevice, 11'000'000)}, rec.at(2));
  sim.run();
  EXPECT_EQ(rec.first(1), Time::ms(1));
  EXPECT_EQ(rec.first(2), Time::ms(1) + Time::us(25) + Time::us(1010));
}

TEST_F(SharingTest, TimeSlicingOverlapsCopiesWhenTheProfileSaysSo) {
  profile.timeslice_copies_overlap = true;
  GpuModel gpu(sim, profile, SharingPolicy::kTimeSlicing, "gpu0");
  auto a = gpu.start_process({.name = "a"});
  auto b = gpu.start_process({.name = "b"});
  gpu.submit(*a, 0, {kernel(Time::ms(1))}, rec.at(1));
  gpu.submit(*b, 0, {copy(CopyDirection::kHostToDevice, 11'000'000)}, rec.at(2));
  sim.run();
  EXPECT_EQ(rec.first(1), Time::ms(1));
  EXPECT_EQ(rec.first(2), Time::us(1010));
}

// ---- MPS ------------------------------------------------------------------------------------------
// Aggregate throughput (requests per second) of `clients` closed-loop clients, each one kernel
// of 1 ms solo on `sms` SMs, over 1 s.
double mps_throughput(const GpuProfile& profile, int clients, int sms) {
  sim::Simulator s;
  GpuModel gpu(s, profile, SharingPolicy::kMps, "gpu0");
  std::vector<ProcessId> ps;
  for (int i = 0; i < clients; ++i) ps.push_back(gpu.start_process({.name = client_name(i)}).value());
  ClosedLoopClients loop(s, gpu, ps, kernel(Time::ms(1), sms));
  loop.start();
  s.run_until(Time::s(1));
  return static_cast<double>(loop.completed());
}

TEST_F(SharingTest, MpsTwoLightClientsNearlyDoubleThroughput) {
  // Light: 10 SMs each, 20 of 40 in use together, so each keeps rate 1, divided by the
  // interference factor (1 + p) = 1.05: aggregate 2 / 1.05 = 1.905 x one client's.
  const double one = mps_throughput(profile, 1, 10);
  const double two = mps_throughput(profile, 2, 10);
  EXPECT_NEAR(one, 1000, 1);
  EXPECT_NEAR(two / one, 2.0 / 1.05, 0.01);
}

TEST_F(SharingTest, MpsTwoSaturatingClientsGetAboutOneTimesThroughput) {
  // Saturating: 40 SMs each; together 20 each, rate 0.5 / 1.05: aggregate 1 / 1.05 = 0.952 x.
  const double one = mps_throughput(profile, 1, 40);
  const double two = mps_throughput(profile, 2, 40);
  EXPECT_NEAR(two / one, 1.0 / 1.05, 0.01);
}

TEST_F(SharingTest, MpsAdmitsFortyEightClientsAndRejectsTheFortyNinth) {
  GpuModel gpu(sim, profile, SharingPolicy::kMps, "gpu0");
  for (int i = 0; i < 48; ++i) ASSERT_TRUE(gpu.start_process({.name = client_name(i)}).ok()) << i;
  auto extra = gpu.start_process({.name = "c48"});
  ASSERT_FALSE(extra.ok());
  EXPECT_NE(extra.error().message.find("at most 48 clients"), std::string::npos);
  EXPECT_NE(extra.error().message.find("c48"), std::string::npos);
  // Ending a client frees its place.
  gpu.end_process(0);
  EXPECT_TRUE(gpu.start_process({.name = "c48"}).ok());
}

// ---- Memory and faults ----------------------------------------------------------------------------
constexpr int64_t kGiB = int64_t{1} << 30;

TEST_F(SharingTest, OutOfMemoryUnderTimeSlicingFailsEveryTenant) {
  GpuModel gpu(sim, profile, SharingPolicy::kTimeSlicing, "gpu0");
  auto a = gpu.start_process({.name = "a", .memory_bytes = 8 * kGiB});
  ASSERT_TRUE(a.ok());
  gpu.set_fault_listener(*a, rec.at(100));
  gpu.submit(*a, 0, {kernel(Time::ms(10))}, rec.at(1));
  sim.run_until(Time::ms(1));
  // 8 GiB + 8 GiB > 15,079 MiB usable: the second allocation fails the whole GPU at 1 ms.
  auto b = gpu.start_process({.name = "b", .memory_bytes = 8 * kGiB});
  ASSERT_TRUE(b.ok());  // the process exists; the fault comes through the listener
  gpu.set_fault_listener(*b, rec.at(200));
  sim.run();
  EXPECT_TRUE(gpu.failed(*a));
  EXPECT_TRUE(gpu.failed(*b));
  EXPECT_EQ(rec.first(100), Time::ms(1));
  EXPECT_EQ(rec.first(200), Time::ms(1));
  EXPECT_EQ(rec.count(1), 0u);  // A's kernel never completes
  gpu.submit(*a, 0, {kernel(Time::ms(1))}, rec.at(2));
  sim.run();
  EXPECT_EQ(rec.count(2), 0u);  // nor does later work
  EXPECT_EQ(gpu.metrics().faults, 1u);
  ASSERT_EQ(gpu.faults().size(), 2u);
  EXPECT_NE(gpu.faults()[0].reason.find("one fault domain"), std::string::npos);
}

TEST_F(SharingTest, MpsClientBeyondItsPinnedLimitFailsAlone) {
  GpuModel gpu(sim, profile, SharingPolicy::kMps, "gpu0");
  auto a = gpu.start_process({.name = "a", .memory_bytes = 1 * kGiB});
  auto b = gpu.start_process({.name = "b", .memory_bytes = 1 * kGiB, .mps_pinned_mem_limit = 2 * kGiB});
  ASSERT_TRUE(a.ok() && b.ok());
  gpu.submit(*a, 0, {kernel(Time::ms(1))}, rec.at(1));
  gpu.allocate(*b, 2 * kGiB);  // 1 + 2 GiB > its 2 GiB limit
  sim.run();
  EXPECT_TRUE(gpu.failed(*b));
  EXPECT_FALSE(gpu.failed(*a));
  EXPECT_EQ(rec.first(1), Time::ms(1));
}

TEST_F(SharingTest, MpsExhaustingTheGpuIsAFatalFaultForAllClients) {
  GpuModel gpu(sim, profile, SharingPolicy::kMps, "gpu0");
  auto a = gpu.start_process({.name = "a", .memory_bytes = 10 * kGiB});
  ASSERT_TRUE(a.ok());
  auto b = gpu.start_process({.name = "b", .memory_bytes = 10 * kGiB});
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(gpu.failed(*a));
  EXPECT_TRUE(gpu.failed(*b));
}

// ---- Metrics --------------------------------------------------------------------------------------
TEST_F(SharingTest, TwoQuarterMpsClientsRead100PercentUtilizationButHalfTheSms) {
  // Two clients capped at 25% (10 SMs) each keep a full-GPU kernel running all the time: at
  // least one kernel always executes (utilization.gpu = 100%) while 20 of 40 SMs are held
  // (SM occupancy = 50%): the nvidia-smi figure hides the room MPS still has.
  GpuModel gpu(sim, profile, SharingPolicy::kMps, "gpu0");
  std::vector<ProcessId> ps = {gpu.start_process({.name = "a", .mps_active_thread_percentage = 25}).value(),
                               gpu.start_process({.name = "b", .mps_active_thread_percentage = 25}).value()};
  ClosedLoopClients loop(sim, gpu, ps, kernel(Time::ms(1), 40));
  loop.start();
  sim.run_until(Time::s(3));
  const GpuMetrics m = gpu.metrics();
  EXPECT_DOUBLE_EQ(m.utilization_gpu_mean, 1.0);
  ASSERT_EQ(m.utilization_gpu.size(), 3u);
  for (double u : m.utilization_gpu) EXPECT_DOUBLE_EQ(u, 1.0);
  EXPECT_NEAR(m.sm_occupancy, 0.5, 1e-9);
  EXPECT_DOUBLE_EQ(m.utilization_memory_mean, 0.0);  // m = 0: no DRAM traffic modeled
}

TEST_F(SharingTest, UtilizationWindowsAndWarmupReset) {
  GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
  gpu.set_sample_window(Time::ms(100));
  auto p = gpu.start_process({.name = "a"});
  // A 150 ms memory-bound kernel (m = 1) from 0: windows [0,100) busy 100%, [100,200) 50%,
  // [200,300) idle. DRAM in use at the full effective bandwidth while it runs.
  gpu.submit(*p, 0, {kernel(Time::ms(150), 40, 1.0)}, rec.at(1));
  sim.run_until(Time::ms(300));
  GpuMetrics m = gpu.metrics();
  ASSERT_EQ(m.utilization_gpu.size(), 3u);
  EXPECT_DOUBLE_EQ(m.utilization_gpu[0], 1.0);
  EXPECT_DOUBLE_EQ(m.utilization_gpu[1], 0.5);
  EXPECT_DOUBLE_EQ(m.utilization_gpu[2], 0.0);
  EXPECT_DOUBLE_EQ(m.utilization_gpu_mean, 0.5);
  EXPECT_NEAR(m.utilization_memory[1], 0.5, 1e-9);
  EXPECT_NEAR(m.utilization_memory_mean, 0.5, 1e-9);
  EXPECT_EQ(m.kernels_completed, 1u);
  // Warm-up over: counters restart.
  gpu.reset_statistics();
  gpu.submit(*p, 0, {copy(CopyDirection::kHostToDevice, 11'000'000)}, rec.at(2));
  sim.run_until(Time::ms(400));
  m = gpu.metrics();
  EXPECT_EQ(m.start, Time::ms(300));
  EXPECT_EQ(m.kernels_completed, 0u);
  EXPECT_EQ(m.copies_completed, 1u);
  EXPECT_DOUBLE_EQ(m.utilization_gpu_mean, 0.0);
  EXPECT_NEAR(m.copy_engine_busy_seconds, 1.01e-3, 1e-12);
  EXPECT_NEAR(m.copy_any_busy_fraction, 1.01e-3 / 0.1, 1e-9);
}

// The windows are summed as the GPU's use changes and flushed when an interval starts past the
// window, or when metrics() reads. Windows of 100 ms; a 30 ms kernel at 0 and a 260 ms kernel at
// 50 ms (one interval, [50, 310), crossing three boundaries; 20 SMs of 40 each, so both run at
// their solo speed: SM occupancy 0.5 while one runs). By hand:
//   read at 80 ms (mid-window): one window, (30 + 30) / 80 = 0.75 busy;
//   read at 400 ms: [0,100) 80 %, [100,200) 100 %, [200,300) 100 %, [300,400) 10 %, mean 290/400;
//   SM occupancy per window: half of those. The read at 80 ms does not change the later one.
TEST_F(SharingTest, UtilizationWindowsSplitLongIntervalsAndReadsMidWindow) {
  GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
  gpu.set_sample_window(Time::ms(100));
  auto p = gpu.start_process({.name = "a", .streams = 2});
  gpu.submit(*p, 0, {kernel(Time::ms(30), 20)}, rec.at(1));
  sim.run_until(Time::ms(50));
  gpu.submit(*p, 1, {kernel(Time::ms(260), 20)}, rec.at(2));
  sim.run_until(Time::ms(80));
  GpuMetrics m = gpu.metrics();
  ASSERT_EQ(m.utilization_gpu.size(), 1u);
  EXPECT_DOUBLE_EQ(m.utilization_gpu[0], 0.75);
  EXPECT_DOUBLE_EQ(m.sm_occupancy_series[0], 0.375);
  sim.run_until(Time::ms(400));
  m = gpu.metrics();
  ASSERT_EQ(rec.first(2), Time::ms(310));
  const std::vector<double> busy = {0.8, 1.0, 1.0, 0.1};
  ASSERT_EQ(m.utilization_gpu.size(), busy.size());
  ASSERT_EQ(m.sm_occupancy_series.size(), busy.size());
  for (size_t w = 0; w < busy.size(); ++w) {
    EXPECT_DOUBLE_EQ(m.utilization_gpu[w], busy[w]) << "window " << w;
    EXPECT_DOUBLE_EQ(m.sm_occupancy_series[w], busy[w] / 2) << "window " << w;
  }
  EXPECT_DOUBLE_EQ(m.utilization_gpu_mean, 290.0 / 400.0);
}

TEST_F(SharingTest, TimeSlicingSwitchesShowAsIdleTime) {
  GpuModel gpu(sim, profile, SharingPolicy::kTimeSlicing, "gpu0");
  std::vector<ProcessId> ps = {gpu.start_process({.name = "a"}).value(),
                               gpu.start_process({.name = "b"}).value()};
  ClosedLoopClients loop(sim, gpu, ps, kernel(Time::ms(10)));
  loop.start();
  sim.run_until(Time::s(1));
  // Every turn is 25 us of switch then 2 ms of kernel: busy fraction 2 / 2.025.
  EXPECT_NEAR(gpu.metrics().utilization_gpu_mean, 2.0 / 2.025, 1e-3);
}

// ---- Queueing theory ------------------------------------------------------------------------------
// One exclusive GPU, Poisson arrivals, one kernel per request, FIFO: an M/G/1 queue.
double mean_response_ms(const GpuProfile& profile, double lambda_per_s, bool exponential_service,
                        Time mean_service, int requests) {
  sim::Simulator s;
  GpuModel gpu(s, profile, SharingPolicy::kPassthrough, "gpu0");
  const ProcessId p = gpu.start_process({.name = "server"}).value();
  sim::RandomStream arrivals(42, "arrivals");
  sim::RandomStream service(42, "service");
  std::deque<Time> waiting;  // arrival times of queued requests
  bool busy = false;
  Time in_service_arrival;
  double sum_ms = 0;
  int done = 0;
  int arrived = 0;
  sim::HandlerId on_arrival = 0;
  sim::HandlerId on_done = 0;
  auto start = [&](Time arrival) {
    busy = true;
    in_service_arrival = arrival;
    const Time d =
        exponential_service ? Time::from_seconds(service.exponential(mean_service.seconds())) : mean_service;
    gpu.submit(p, 0, {KernelWork{"k", d, 40, 0.0}}, Completion{on_done, 0});
  };
  on_done = s.add_handler([&](uint64_t) {
    sum_ms += (s.now() - in_service_arrival).milliseconds();
    ++done;
    busy = false;
    if (!waiting.empty()) {
      const Time next = waiting.front();
      waiting.pop_front();
      start(next);
    }
    if (done == requests) s.stop();
  });
  on_arrival = s.add_handler([&](uint64_t) {
    if (busy) {
      waiting.push_back(s.now());
    } else {
      start(s.now());
    }
    if (++arrived < requests)
      s.schedule_in(Time::from_seconds(arrivals.exponential(1.0 / lambda_per_s)), on_arrival);
  });
  s.schedule_at(Time::zero(), on_arrival);
  s.run();
  return sum_ms / done;
}

TEST(GpuQueueing, ExclusiveGpuWithDeterministicServiceIsMD1) {
  const GpuProfile profile = testing::t4_without_launch_overhead();
  // D = 1 ms, lambda = 700/s, rho = 0.7. Pollaczek-Khinchine for M/D/1:
  //   W = D + rho D / (2 (1 - rho)) = 1 + 0.7 / 0.6 = 2.1667 ms.
  const double w = mean_response_ms(profile, 700, false, Time::ms(1), 200'000);
  ::testing::Test::RecordProperty("mean_response_ms", std::to_string(w));
  EXPECT_NEAR(w, 1.0 + 0.7 / 0.6, 0.02 * (1.0 + 0.7 / 0.6));
}

TEST(GpuQueueing, ExclusiveGpuWithExponentialServiceIsMM1) {
  const GpuProfile profile = testing::t4_without_launch_overhead();
  // mean 1 ms (mu = 1000/s), lambda = 700/s: W = 1 / (mu - lambda) = 3.333 ms.
  const double w = mean_response_ms(profile, 700, true, Time::ms(1), 400'000);
  ::testing::Test::RecordProperty("mean_response_ms", std::to_string(w));
  EXPECT_NEAR(w, 1000.0 / 300.0, 0.03 * (1000.0 / 300.0));
}

}  // namespace
}  // namespace sharesim::models
