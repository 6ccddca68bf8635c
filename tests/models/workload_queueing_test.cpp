// The workload driver on a single FIFO server reduces to textbook queueing models: M/M/1, M/D/1,
// and the closed interactive system (exact MVA, response time law).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sharesim/models/workload.h"
#include "sharesim/sim/simulator.h"
#include "workload_test_fakes.h"

namespace sharesim::models {
namespace {

using sim::DurationDistribution;
using sim::Time;
using testing::FifoEndpoint;
using testing::one_kernel;

WorkloadStats run_one_server(WorkloadOptions options, Time end, Time* busy_time = nullptr) {
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  Workload workload(sim, std::move(options), {&gpu});
  workload.start();
  sim.run_until(end);
  if (busy_time != nullptr) *busy_time = gpu.busy_time;
  return workload.collect();
}

TEST(WorkloadQueueing, MM1MeanLatency) {
  // lambda = 500/s, exponential service of mean S = 1 ms: rho = 0.5, and M/M/1 gives
  //   mean latency R = S / (1 - rho) = 2 ms, mean wait Wq = rho S / (1 - rho) = 1 ms.
  // 800 s measured = about 400,000 requests; the standard error of the mean latency at rho = 0.5
  // is about 0.5% of R (M/M/1 autocorrelated sample mean), so 2% is 4 standard errors.
  WorkloadOptions o;
  o.name = "mm1";
  o.seed = 11;
  o.arrivals = PoissonArrivals{.rate_per_s = 500};
  o.request = one_kernel(DurationDistribution::exponential(Time::ms(1)));
  o.warmup = Time::s(10);
  Time busy;
  const WorkloadStats s = run_one_server(o, Time::s(810), &busy);
  EXPECT_NEAR(static_cast<double>(s.arrived), 400'000, 400'000 * 0.01);
  EXPECT_NEAR(s.latency.mean_ns(), 2e6, 2e6 * 0.02);
  EXPECT_NEAR(s.queueing_delay.mean_ns(), 1e6, 1e6 * 0.03);
  // FCFS M/M/1 sojourn time is exponential with rate mu - lambda = 500/s, so its 99th percentile
  // is ln(100) / 500 s = 9.21 ms (a tail quantile is noisier than the mean: 5%).
  EXPECT_NEAR(s.latency.quantile(0.99).milliseconds(), std::log(100.0) / 500.0 * 1e3, 9.21 * 0.05);
  EXPECT_NEAR(s.throughput_per_s, 500, 500 * 0.01);
  // Server busy fraction = rho (over the whole 810 s run).
  EXPECT_NEAR(busy.seconds() / 810.0, 0.5, 0.01);
  EXPECT_EQ(s.failed, 0u);
  EXPECT_DOUBLE_EQ(s.mean_batch_size, 1.0);
}

TEST(WorkloadQueueing, MD1MeanLatency) {
  // Deterministic service S = 1 ms at rho = 0.5: Pollaczek-Khinchine gives
  //   Wq = rho S / (2 (1 - rho)) = 0.5 ms, R = S + Wq = 1.5 ms.
  WorkloadOptions o;
  o.name = "md1";
  o.seed = 5;
  o.arrivals = PoissonArrivals{.rate_per_s = 500};
  o.request = one_kernel(DurationDistribution::deterministic(Time::ms(1)));
  o.warmup = Time::s(10);
  const WorkloadStats s = run_one_server(o, Time::s(410));
  EXPECT_NEAR(s.latency.mean_ns(), 1.5e6, 1.5e6 * 0.02);
  EXPECT_EQ(s.latency.min(), Time::ms(1));  // a request that finds the server idle: exactly S
}

WorkloadOptions closed_loop(int clients, Time service, Time think, bool exponential) {
  WorkloadOptions o;
  o.name = "interactive";
  o.seed = 3;
  o.arrivals = ClosedLoopArrivals{.clients = clients, .think = think, .think_exponential = exponential};
  o.request = one_kernel(exponential ? DurationDistribution::exponential(service)
                                     : DurationDistribution::deterministic(service));
  return o;
}

TEST(WorkloadClosedLoop, DeterministicBelowSaturation) {
  // N = 4, S = 10 ms, Z = 50 ms, all constant; N S = 40 ms < S + Z = 60 ms, so after the first
  // round (all four arrive at 0 and leave at 10, 20, 30, 40 ms) the clients return at 60, 70, 80,
  // 90 ms and never meet again: R = S = 10 ms and X = N / (S + Z) = 66.67/s.
  // Window [1 s, 61 s]: client i issues at 60 + 10 i + 60 k ms; k = 16..1015 falls in it for every
  // i (the last, client 3's at 60,990 ms, completes at 61,000 ms = the end): 4 x 1000 = 4000.
  WorkloadOptions o = closed_loop(4, Time::ms(10), Time::ms(50), false);
  o.warmup = Time::s(1);
  const WorkloadStats s = run_one_server(o, Time::s(61));
  EXPECT_EQ(s.completed, 4000u);
  EXPECT_EQ(s.latency.min(), Time::ms(10));
  EXPECT_EQ(s.latency.max(), Time::ms(10));
  EXPECT_NEAR(s.throughput_per_s, 4000.0 / 60.0, 1e-9);
}

TEST(WorkloadClosedLoop, DeterministicSaturated) {
  // N = 10, S = 10 ms, Z = 50 ms: N S = 100 ms > S + Z, the server never idles after t = 0, so
  // X = 1/S = 100/s and by the response time law R = N/X - Z = 100 - 50 = 50 ms, for every
  // request after the first round (client i returns at 60 + 10 i ms and starts at 100 + 10 i ms).
  WorkloadOptions o = closed_loop(10, Time::ms(10), Time::ms(50), false);
  o.warmup = Time::s(1);
  const WorkloadStats s = run_one_server(o, Time::s(61));
  EXPECT_EQ(s.latency.min(), Time::ms(50));
  EXPECT_EQ(s.latency.max(), Time::ms(50));
  EXPECT_NEAR(s.throughput_per_s, 100.0, 100.0 * 0.005);
}

TEST(WorkloadClosedLoop, ExponentialMatchesExactMva) {
  // One FCFS exponential queue (S = 10 ms) and a delay station (exponential think Z = 40 ms):
  // a product-form network, so exact MVA gives the means. For n = 1..N:
  //   R(n) = S (1 + Q(n-1)),  X(n) = n / (R(n) + Z),  Q(n) = X(n) R(n),  Q(0) = 0.
  // By hand: R = 10, 12, 14.615, 18.028, 22.427 ms; X(5) = 5 / 62.427 ms = 80.09/s.
  const int n_clients = 5;
  const double s_ms = 10, z_ms = 40;
  double q = 0, r = 0, x = 0;
  for (int n = 1; n <= n_clients; ++n) {
    r = s_ms * (1 + q);
    x = n / (r + z_ms);
    q = x * r;
  }
  ASSERT_NEAR(r, 22.427, 0.001);
  WorkloadOptions o = closed_loop(n_clients, Time::ms(10), Time::ms(40), true);
  o.warmup = Time::s(20);
  const WorkloadStats s = run_one_server(o, Time::s(3020));
  const double measured_r_ms = s.latency.mean_ns() * 1e-6;
  const double measured_x_per_ms = s.throughput_per_s * 1e-3;
  EXPECT_NEAR(measured_r_ms, r, r * 0.03);
  EXPECT_NEAR(measured_x_per_ms, x, x * 0.02);
  // Interactive response time law, X (R + Z) = N, on the measured values.
  EXPECT_NEAR(measured_x_per_ms * (measured_r_ms + z_ms), n_clients, n_clients * 0.02);
}

}  // namespace
}  // namespace sharesim::models
