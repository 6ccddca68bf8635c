// Replica balancing, warm-up, SLO evaluation, failures, determinism and the cost of long traces.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <variant>
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

TEST(ReplicaBalancing, AlternatesWhenOneReplicaIsAlwaysBusier) {
  // Constant arrivals every 1 ms, service 1.5 ms, two replicas. By hand:
  //   t=0: both empty -> r0 (tie, lowest index), busy to 1.5.  t=1: r0 has 1, r1 0 -> r1, busy to
  //   2.5.  t=2: r0 done at 1.5 -> 0 vs 1 -> r0, busy to 3.5.  t=3: r1 done at 2.5 -> r1. ...
  // so requests alternate r0, r1, r0, ... and nobody ever waits.
  sim::Simulator sim;
  FifoEndpoint gpu0(sim), gpu1(sim);
  WorkloadOptions o;
  o.name = "pair";
  o.arrivals = ConstantArrivals{.rate_per_s = 1000};
  o.request = one_kernel(DurationDistribution::deterministic(Time::us(1500)));
  Workload workload(sim, o, {&gpu0, &gpu1});
  std::vector<RequestRecord> records;
  workload.set_request_observer([&](const RequestRecord& r) { records.push_back(r); });
  workload.start();
  // Arrivals 0..1000 ms: 0..999 complete by 1000.5 ms; 1000 (to r0) is still running.
  sim.run_until(Time::us(1'000'600));
  ASSERT_EQ(records.size(), 1000u);
  for (const RequestRecord& r : records) {
    EXPECT_EQ(r.replica, static_cast<int>(r.id % 2)) << r.id;
    EXPECT_EQ(r.start, r.arrival) << r.id;
  }
  const WorkloadStats s = workload.collect();
  EXPECT_EQ(s.requests_per_replica, (std::vector<uint64_t>{501, 500}));
}

struct PairSplit {
  double share0 = 0;  // of measured requests routed to replica 0
  double busy0 = 0, busy1 = 0;
};

PairSplit two_replicas_poisson(double rate_per_s) {
  sim::Simulator sim;
  FifoEndpoint gpu0(sim), gpu1(sim);
  WorkloadOptions o;
  o.name = "balanced";
  o.seed = 17;
  o.arrivals = PoissonArrivals{.rate_per_s = rate_per_s};
  o.request = one_kernel(DurationDistribution::deterministic(Time::ms(10)));
  Workload workload(sim, o, {&gpu0, &gpu1});
  workload.start();
  sim.run_until(Time::s(500));
  const WorkloadStats s = workload.collect();
  const auto a = static_cast<double>(s.requests_per_replica.at(0));
  const auto b = static_cast<double>(s.requests_per_replica.at(1));
  return {a / (a + b), gpu0.busy_time.seconds() / 500, gpu1.busy_time.seconds() / 500};
}

TEST(ReplicaBalancing, TwoReplicasUnderHeavyLoadSplitEvenly) {
  // Poisson 250/s onto two replicas of 10 ms (100/s each): overloaded, both are busy from the
  // first second on, and join-the-shortest-queue keeps their queues within one request of each
  // other, so each gets half of the 125,000 requests (to well within 1%).
  const PairSplit split = two_replicas_poisson(250);
  EXPECT_NEAR(split.share0, 0.5, 0.005);
  EXPECT_GT(split.busy0, 0.99);
  EXPECT_GT(split.busy1, 0.99);
}

TEST(ReplicaBalancing, TiesGoToTheLowestIndex) {
  // At rho = 0.9 per replica both are sometimes idle together; a request that finds them tied
  // goes to replica 0, so replica 0 gets somewhat more than half (and works more), replica 1 less.
  // Total work is still split by the load: busy0 + busy1 = 2 rho = 1.8.
  const PairSplit split = two_replicas_poisson(180);
  EXPECT_GT(split.share0, 0.5);
  EXPECT_LT(split.share0, 0.55);
  EXPECT_GT(split.busy0, split.busy1);
  EXPECT_NEAR(split.busy0 + split.busy1, 1.8, 0.03);
}

TEST(WorkloadMeasurement, WarmupIsExcludedAndOutstandingCounted) {
  // Constant 100/s (arrivals at k x 10 ms), service 1 ms, warm-up 1 s, run to 3 s.
  //  - Arrivals at 0..990 ms (100 requests) are excluded.
  //  - Arrivals at 1000..2990 ms (200) complete 1 ms later; the arrival at exactly 3000 ms is in
  //    the window (events at the end instant run) and is still outstanding at 3 s.
  //  - Throughput = 200 completed / 2 s measured = 100/s.
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  WorkloadOptions o;
  o.name = "warm";
  o.arrivals = ConstantArrivals{.rate_per_s = 100};
  o.request = one_kernel(DurationDistribution::deterministic(Time::ms(1)));
  o.warmup = Time::s(1);
  Workload workload(sim, o, {&gpu});
  uint64_t observed = 0, observed_measured = 0;
  workload.set_request_observer([&](const RequestRecord& r) {
    ++observed;
    if (r.measured) ++observed_measured;
    EXPECT_EQ(r.measured, r.arrival >= Time::s(1));
  });
  workload.start();
  sim.run_until(Time::s(3));
  const WorkloadStats s = workload.collect();
  EXPECT_EQ(s.arrived, 201u);
  EXPECT_EQ(s.completed, 200u);
  EXPECT_EQ(s.outstanding, 1u);
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(s.latency.count(), 200u);
  EXPECT_DOUBLE_EQ(s.throughput_per_s, 100.0);
  EXPECT_EQ(s.measured_from, Time::s(1));
  EXPECT_EQ(s.measured_until, Time::s(3));
  EXPECT_EQ(observed, 300u);  // the observer sees warm-up requests too
  EXPECT_EQ(observed_measured, 200u);
}

TEST(WorkloadMeasurement, OutstandingRequestsCountAtTheirAgeInLatencyTargets) {
  // Constant 10/s (arrivals at 0, 100, ..., 2000 ms), one FIFO server of 1 s per request, run to
  // 2 s. By hand: requests 0 and 1 complete at 1 s and 2 s (latencies 1.0 and 1.9 s); the 19
  // others (arrivals 200..2000 ms) are outstanding at ages 1.8, 1.7, ..., 0 s. Sorted, the 21
  // values are 0, 0.1, ..., 0.9, 1.0, 1.0, 1.1, ..., 1.8, 1.9; the p90 (nearest rank
  // ceil(0.9 x 21) = 19) is the 19th, 1.7 s. The two answered requests alone would give 1.9 s.
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  WorkloadOptions o;
  o.name = "starved";
  o.arrivals = ConstantArrivals{.rate_per_s = 10};
  o.request = one_kernel(DurationDistribution::deterministic(Time::s(1)));
  o.slo.p90 = Time::ms(1750);
  Workload workload(sim, o, {&gpu});
  workload.start();
  sim.run_until(Time::s(2));
  const WorkloadStats s = workload.collect();
  ASSERT_EQ(s.arrived, 21u);
  ASSERT_EQ(s.completed, 2u);
  ASSERT_EQ(s.outstanding, 19u);
  EXPECT_EQ(s.latency.count(), 2u);  // the reported distribution: answered requests only
  ASSERT_EQ(s.slo.size(), 1u);
  EXPECT_EQ(s.slo[0].metric, SloMetric::kP90);
  // Reported as its bucket's midpoint: within 1/2048 of the value (stats.h).
  EXPECT_NEAR(s.slo[0].latency_measured.seconds(), 1.7, 1.7 / 2048);
  EXPECT_TRUE(s.slo[0].met);
}

TEST(WorkloadMeasurement, AGpuThatAnswersNothingMissesItsLatencyTargets) {
  // One request of 10 s at t = 0 and a run of 2 s: nothing completes. Before outstanding requests
  // counted, the check compared "nothing measured" (0) with the target and said met. Its age at
  // the end, 2 s, is a lower bound of its latency, above the 100 ms target.
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  WorkloadOptions o;
  o.name = "stuck";
  o.arrivals = TraceArrivals{.source = "t", .offsets = {Time::zero()}, .work_scale = {}};
  o.request = one_kernel(DurationDistribution::deterministic(Time::s(10)));
  o.slo.p99 = Time::ms(100);
  Workload workload(sim, o, {&gpu});
  workload.start();
  sim.run_until(Time::s(2));
  const WorkloadStats s = workload.collect();
  ASSERT_EQ(s.completed, 0u);
  ASSERT_EQ(s.outstanding, 1u);
  ASSERT_EQ(s.slo.size(), 1u);
  EXPECT_FALSE(s.slo[0].met);
  EXPECT_FALSE(s.slo_met);
}

TEST(WorkloadMeasurement, RequestThatArrivesInWarmupCountsNowhereEvenIfItEndsAfter) {
  // Trace at 0.9 s with a 300 ms kernel, warm-up 1 s: it ends at 1.2 s but arrived before the
  // window, so nothing is measured; the request at 1.5 s is.
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  WorkloadOptions o;
  o.name = "straddle";
  o.arrivals = TraceArrivals{.source = "t", .offsets = {Time::ms(900), Time::ms(1500)}, .work_scale = {}};
  o.request = one_kernel(DurationDistribution::deterministic(Time::ms(300)));
  o.warmup = Time::s(1);
  Workload workload(sim, o, {&gpu});
  workload.start();
  sim.run_until(Time::s(2));
  const WorkloadStats s = workload.collect();
  EXPECT_EQ(s.arrived, 1u);
  EXPECT_EQ(s.completed, 1u);
  EXPECT_EQ(s.latency.max(), Time::ms(300));
}

TEST(SloEvaluation, EachTargetWithItsMeasuredValue) {
  // 100 requests, 10 ms apart, alone on the server, of 100 ns (the first 90) or 500 ns (the last
  // 10), by trace scales 1 and 5 on a per-item kernel of 100 ns. (Latencies below 2,048 ns are
  // exact in LatencyHistogram, so quantiles are exact here.)
  //   p50 = 100 ns, p90 = 100 ns (the 90th value), p99 = 500 ns, max = 500 ns,
  //   mean = (90 x 100 + 10 x 500) / 100 = 140 ns; throughput = 100 / 1 s measured.
  std::vector<Time> offsets;
  std::vector<double> scales;
  for (int i = 0; i < 100; ++i) {
    offsets.push_back(Time::ms(10) * i);
    scales.push_back(i < 90 ? 1.0 : 5.0);
  }
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  WorkloadOptions o;
  o.name = "slo";
  o.arrivals = TraceArrivals{.source = "t", .offsets = offsets, .work_scale = scales};
  o.request = one_kernel(DurationDistribution::deterministic(Time::zero()), Time::ns(100));
  o.slo.p50 = Time::ns(100);
  o.slo.p90 = Time::ns(99);  // just below: not met
  o.slo.p99 = Time::ns(500);
  o.slo.max = Time::ns(600);
  o.slo.mean = Time::ns(140);
  o.slo.min_throughput_per_s = 100.5;  // not met: 100/s
  Workload workload(sim, o, {&gpu});
  workload.start();
  sim.run_until(Time::s(1));
  const WorkloadStats s = workload.collect();
  ASSERT_EQ(s.completed, 100u);
  ASSERT_EQ(s.slo.size(), 6u);
  const auto& p50 = s.slo[0];
  EXPECT_EQ(p50.metric, SloMetric::kP50);
  EXPECT_EQ(slo_metric_name(p50.metric), "p50");
  EXPECT_EQ(p50.latency_measured, Time::ns(100));
  EXPECT_TRUE(p50.met);
  EXPECT_EQ(s.slo[1].metric, SloMetric::kP90);
  EXPECT_EQ(s.slo[1].latency_measured, Time::ns(100));
  EXPECT_FALSE(s.slo[1].met);
  EXPECT_EQ(s.slo[2].metric, SloMetric::kP99);
  EXPECT_EQ(s.slo[2].latency_measured, Time::ns(500));
  EXPECT_TRUE(s.slo[2].met);
  EXPECT_EQ(s.slo[3].metric, SloMetric::kMax);
  EXPECT_EQ(s.slo[3].latency_measured, Time::ns(500));
  EXPECT_TRUE(s.slo[3].met);
  EXPECT_EQ(s.slo[4].metric, SloMetric::kMean);
  EXPECT_EQ(s.slo[4].latency_measured, Time::ns(140));
  EXPECT_TRUE(s.slo[4].met);
  EXPECT_EQ(s.slo[5].metric, SloMetric::kMinThroughput);
  EXPECT_DOUBLE_EQ(s.slo[5].throughput_measured_per_s, 100.0);
  EXPECT_DOUBLE_EQ(s.slo[5].throughput_target_per_s, 100.5);
  EXPECT_FALSE(s.slo[5].met);
  EXPECT_FALSE(s.slo_met);
}

TEST(SloEvaluation, NoTargetsMeansMet) {
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  WorkloadOptions o;
  o.name = "free";
  o.arrivals = ConstantArrivals{.rate_per_s = 10};
  o.request = one_kernel(DurationDistribution::deterministic(Time::ms(1)));
  Workload workload(sim, o, {&gpu});
  workload.start();
  sim.run_until(Time::s(1));
  const WorkloadStats s = workload.collect();
  EXPECT_TRUE(s.slo.empty());
  EXPECT_TRUE(s.slo_met);
}

TEST(ReplicaFailure, InFlightAndQueuedRequestsFailAndLaterOnesGoToTheSurvivor) {
  // Two replicas, constant arrivals every 1 ms, service 5 ms (more than one replica can take,
  // so queues build). At 20.5 ms replica 0's process faults: its running batch and its queue
  // fail at 20.5 ms (noticed through on_replica_failed), its late completion never arrives, and
  // every later request goes to replica 1.
  sim::Simulator sim;
  FifoEndpoint gpu0(sim), gpu1(sim);
  WorkloadOptions o;
  o.name = "fault";
  o.arrivals = ConstantArrivals{.rate_per_s = 1000};
  o.request = one_kernel(DurationDistribution::deterministic(Time::ms(5)));
  o.slo.p99 = Time::s(10);
  Workload workload(sim, o, {&gpu0, &gpu1});
  std::vector<RequestRecord> records;
  workload.set_request_observer([&](const RequestRecord& r) { records.push_back(r); });
  const sim::HandlerId fault = sim.add_handler([&](uint64_t) {
    gpu0.fail();
    workload.on_replica_failed(0);
  });
  sim.schedule_at(Time::us(20'500), fault);
  workload.start();
  sim.run_until(Time::ms(100));
  const WorkloadStats s = workload.collect();
  uint64_t failed = 0;
  for (const RequestRecord& r : records) {
    if (r.failed) {
      ++failed;
      EXPECT_EQ(r.replica, 0);
      EXPECT_EQ(r.end, Time::us(20'500));
      EXPECT_LT(r.arrival, Time::us(20'500));
    } else if (r.arrival > Time::us(20'500)) {
      EXPECT_EQ(r.replica, 1);
    }
  }
  EXPECT_GT(failed, 0u);
  EXPECT_EQ(s.failed, failed);
  EXPECT_EQ(s.arrived, s.completed + s.failed + s.outstanding);
  // Replica 0 had served 4 batches (0-5, ..., 15-20 ms); whatever it held at 20.5 ms failed and
  // no completion was counted for it afterwards.
  uint64_t completed_on_0 = 0;
  for (const RequestRecord& r : records) {
    if (!r.failed && r.replica == 0) ++completed_on_0;
  }
  EXPECT_EQ(completed_on_0, 4u);
  // A failure counts against the latency target: more than 1% of requests failed, so p99 is
  // unbounded and not met even though every completed request was fast.
  ASSERT_EQ(s.slo.size(), 1u);
  EXPECT_EQ(s.slo[0].latency_measured, Time::max());
  EXPECT_FALSE(s.slo[0].met);
}

TEST(ReplicaFailure, NoticedWithoutNotificationAndArrivalsFailWhenNoneIsLeft) {
  // One replica that faults at 10.5 ms without anyone calling on_replica_failed: the next
  // arrival notices (endpoint failed()), fails the held requests, and fails itself immediately,
  // as does every later one. Nothing hangs: outstanding is 0 at the end.
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  WorkloadOptions o;
  o.name = "dead";
  o.arrivals = ConstantArrivals{.rate_per_s = 1000};
  o.request = one_kernel(DurationDistribution::deterministic(Time::ms(2)));
  Workload workload(sim, o, {&gpu});
  const sim::HandlerId fault = sim.add_handler([&](uint64_t) { gpu.fail(); });
  sim.schedule_at(Time::us(10'500), fault);
  std::vector<RequestRecord> records;
  workload.set_request_observer([&](const RequestRecord& r) { records.push_back(r); });
  workload.start();
  sim.run_until(Time::ms(50));
  const WorkloadStats s = workload.collect();
  EXPECT_EQ(s.outstanding, 0u);
  EXPECT_EQ(s.arrived, 51u);  // 0..50 ms
  EXPECT_EQ(s.completed + s.failed, 51u);
  for (const RequestRecord& r : records) {
    if (r.arrival >= Time::ms(11)) {
      EXPECT_TRUE(r.failed);
      EXPECT_EQ(r.replica, -1);
      EXPECT_EQ(r.end, r.arrival);
    }
  }
}

TEST(ReplicaFailure, ClosedLoopClientsStopWhenNoReplicaIsLeft) {
  // Zero think time would loop forever at one instant if clients retried a dead workload.
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  WorkloadOptions o;
  o.name = "closed-dead";
  o.arrivals = ClosedLoopArrivals{.clients = 3, .think = Time::zero(), .think_exponential = false};
  o.request = one_kernel(DurationDistribution::deterministic(Time::ms(1)));
  Workload workload(sim, o, {&gpu});
  const sim::HandlerId fault = sim.add_handler([&](uint64_t) {
    gpu.fail();
    workload.on_replica_failed(0);
  });
  sim.schedule_at(Time::us(5'500), fault);
  workload.start();
  sim.run_until(Time::s(1));
  const WorkloadStats s = workload.collect();
  // Until 5.5 ms the server completes one request per ms (5 of them); at the fault the running
  // request and the two waiting fail, and the clients stop.
  EXPECT_EQ(s.completed, 5u);
  EXPECT_EQ(s.failed, 3u);
  EXPECT_EQ(s.outstanding, 0u);
  EXPECT_EQ(sim.pending(), 0u);
}

std::vector<RequestRecord> run_records(uint64_t seed, bool with_neighbour) {
  sim::Simulator sim;
  FifoEndpoint gpu(sim), other_gpu(sim);
  WorkloadOptions o;
  o.name = "first";
  o.seed = seed;
  o.arrivals = OnOffArrivals{
      .on_rate_per_s = 500, .off_rate_per_s = 20, .mean_on = Time::ms(100), .mean_off = Time::ms(300)};
  o.request = one_kernel(DurationDistribution::lognormal(Time::ms(1), 0.5));
  o.batching = BatchingSpec{.max_batch = 4, .max_delay = Time::ms(2)};
  Workload first(sim, o, {&gpu});
  std::vector<RequestRecord> records;
  first.set_request_observer([&](const RequestRecord& r) { records.push_back(r); });
  std::optional<Workload> neighbour;
  if (with_neighbour) {
    WorkloadOptions n;
    n.name = "second";
    n.seed = seed;
    n.arrivals = PoissonArrivals{.rate_per_s = 300};
    n.request = one_kernel(DurationDistribution::exponential(Time::ms(2)));
    neighbour.emplace(sim, n, std::vector<GpuEndpoint*>{&other_gpu});
    neighbour->start();
  }
  first.start();
  sim.run_until(Time::s(20));
  return records;
}

bool same_records(const std::vector<RequestRecord>& a, const std::vector<RequestRecord>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id || a[i].arrival != b[i].arrival || a[i].start != b[i].start ||
        a[i].end != b[i].end || a[i].batch_size != b[i].batch_size || a[i].replica != b[i].replica) {
      return false;
    }
  }
  return true;
}

TEST(WorkloadDeterminism, SameSeedSameResults) {
  const auto a = run_records(21, false);
  const auto b = run_records(21, false);
  ASSERT_GT(a.size(), 1000u);
  EXPECT_TRUE(same_records(a, b));
  EXPECT_FALSE(same_records(a, run_records(22, false)));
}

TEST(WorkloadDeterminism, AnotherWorkloadDoesNotChangeThisOne) {
  // The neighbour has its own GPU, so with per-workload streams nothing of "first" may change:
  // not its arrival times, nor (its kernels drawing from its own work stream) anything else.
  const auto alone = run_records(21, false);
  const auto together = run_records(21, true);
  EXPECT_TRUE(same_records(alone, together));
}

TEST(WorkloadDeterminism, BatchingChangesDoNotChangeArrivalTimes) {
  // Arrivals come from "<name>/arrivals", kernels from "<name>/work": a different batching rule
  // changes latencies but not when requests arrive (common random numbers for the planner).
  const auto collect_arrivals = [](int max_batch) {
    sim::Simulator sim;
    FifoEndpoint gpu(sim);
    WorkloadOptions o;
    o.name = "crn";
    o.arrivals = PoissonArrivals{.rate_per_s = 400};
    o.request = one_kernel(DurationDistribution::exponential(Time::ms(1)));
    o.batching = BatchingSpec{.max_batch = max_batch, .max_delay = Time::ms(1)};
    Workload w(sim, o, {&gpu});
    std::vector<Time> arrivals;
    w.set_request_observer([&](const RequestRecord& r) {
      if (arrivals.size() <= r.id) arrivals.resize(r.id + 1);
      arrivals[r.id] = r.arrival;
    });
    w.start();
    sim.run_until(Time::s(5));
    return arrivals;
  };
  const auto one = collect_arrivals(1);
  const auto eight = collect_arrivals(8);
  const size_t n = std::min(one.size(), eight.size());
  ASSERT_GT(n, 1500u);
  for (size_t i = 0; i < n - 50; ++i) ASSERT_EQ(one[i], eight[i]) << i;
}

TEST(WorkloadScale, LongTraceOfManyKernelsReplays) {
  // The size of the Azure LLM trace workload: 19,366 requests of 175 kernels each (3.4 million
  // kernels). Offsets 1 ms apart, kernels of 1 us (175 us per request): the server keeps up, so
  // every request completes with latency exactly 175 us.
  TraceArrivals trace{.source = "azure", .offsets = {}, .work_scale = {}};
  trace.offsets.reserve(19'366);
  for (int i = 0; i < 19'366; ++i) trace.offsets.push_back(Time::ms(1) * i);
  WorkloadOptions o;
  o.name = "llm";
  o.arrivals = std::move(trace);
  for (int k = 0; k < 175; ++k) {
    o.request.ops.push_back(
        KernelOpSpec{.name = "layer", .duration = DurationDistribution::deterministic(Time::us(1))});
  }
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  Workload workload(sim, std::move(o), {&gpu});
  workload.start();
  // Lazy: one pending arrival, not the whole trace.
  EXPECT_EQ(sim.pending(), 1u);
  sim.run_until(Time::s(30));
  const WorkloadStats s = workload.collect();
  EXPECT_EQ(s.completed, 19'366u);
  EXPECT_EQ(s.latency.min(), Time::us(175));
  EXPECT_EQ(s.latency.max(), Time::us(175));
  EXPECT_EQ(gpu.submits, 19'366u);  // one submit per request: the 175 kernels go together
  EXPECT_EQ(gpu.ops_per_submit.front(), 175u);
  // sms = 0 in the spec means the whole GPU: more SMs than any GPU has.
  EXPECT_GE(std::get<KernelWork>(gpu.last_ops.front()).sm_demand, 1 << 20);
}

}  // namespace
}  // namespace sharesim::models
