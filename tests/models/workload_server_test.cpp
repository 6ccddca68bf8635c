// Inference servers: instances of one process behind one batcher, copy streams, preferred batch
// sizes, queue policy, time outside the GPU and its breakdown. Expected values by hand or from
// queueing theory (Erlang C, Little's law).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "gpu_test_support.h"
#include "sharesim/models/gpu.h"
#include "sharesim/models/server_stages.h"
#include "sharesim/models/workload.h"
#include "sharesim/sim/simulator.h"
#include "workload_test_fakes.h"

namespace sharesim::models {
namespace {

using sim::DurationDistribution;
using sim::Time;
using testing::FifoEndpoint;
using testing::one_kernel;
using testing::PerStreamEndpoint;
using testing::trace_of;

struct ServerRun {
  WorkloadStats stats;
  std::vector<RequestRecord> records;  // in completion order
};

ServerRun run_on(WorkloadOptions options, std::vector<GpuEndpoint*> endpoints, sim::Simulator& sim,
                 Time end) {
  Workload workload(sim, std::move(options), std::move(endpoints));
  ServerRun out;
  workload.set_request_observer([&](const RequestRecord& r) { out.records.push_back(r); });
  workload.start();
  sim.run_until(end);
  out.stats = workload.collect();
  return out;
}

std::vector<Time> ends_by_id(const ServerRun& run) {
  std::vector<Time> ends(run.records.size());
  for (const RequestRecord& r : run.records) ends.at(r.id) = r.end;
  return ends;
}

// ---- Instances of one process and one batcher ---------------------------------------------------

TEST(ServerInstances, SharedBatcherFeedsWhicheverInstanceFrees) {
  // Four requests at t = 0 of 30, 10, 10, 10 ms (work scales 3, 1, 1, 1 x 10 ms per item).
  // One process with two instances and one queue: 30 ms on instance 0; 10, 10, 10 ms one after
  // another on instance 1, so everything ends by 30 ms.
  WorkloadOptions o;
  o.name = "shared";
  o.arrivals = trace_of({Time::zero(), Time::zero(), Time::zero(), Time::zero()}, {3, 1, 1, 1});
  o.request = one_kernel(DurationDistribution::deterministic(Time::zero()), Time::ms(10));
  o.server.instances = 2;
  sim::Simulator sim;
  PerStreamEndpoint gpu(sim, 2);
  const ServerRun r = run_on(o, {&gpu}, sim, Time::s(1));
  EXPECT_EQ(ends_by_id(r), (std::vector<Time>{Time::ms(30), Time::ms(10), Time::ms(20), Time::ms(30)}));
  EXPECT_EQ(gpu.streams_used, (std::vector<int>{0, 1, 1, 1}));
}

TEST(ServerInstances, TwoReplicasKeepTwoQueues) {
  // The same requests on two replicas of one instance each: each request joins the replica with
  // fewer outstanding (ties to replica 0): 30 ms -> r0, 10 -> r1, 10 -> r0 (1 vs 1), 10 -> r1 (2 vs
  // 1). Replica 0 ends at 30 + 10 = 40 ms: separate queues cannot hand work to the idle replica.
  WorkloadOptions o;
  o.name = "replicas";
  o.arrivals = trace_of({Time::zero(), Time::zero(), Time::zero(), Time::zero()}, {3, 1, 1, 1});
  o.request = one_kernel(DurationDistribution::deterministic(Time::zero()), Time::ms(10));
  sim::Simulator sim;
  PerStreamEndpoint a(sim, 1);
  PerStreamEndpoint b(sim, 1);
  const ServerRun r = run_on(o, {&a, &b}, sim, Time::s(1));
  EXPECT_EQ(ends_by_id(r), (std::vector<Time>{Time::ms(30), Time::ms(10), Time::ms(40), Time::ms(20)}));
}

TEST(ServerInstances, TwoInstancesOneQueueIsMM2) {
  // Poisson 150/s, exponential service of mean 10 ms, two instances fed by one FIFO queue: an
  // M/M/2 queue with a = 1.5, rho = 0.75. Erlang C: P0 = 1 / (1 + a + a^2 / (2 (1 - rho))) = 1/7,
  // P(wait) = 4.5/7, Wq = P(wait) / (2 mu - lambda) = 0.642857 / 50 = 12.857 ms.
  WorkloadOptions o;
  o.name = "mm2";
  o.arrivals = PoissonArrivals{.rate_per_s = 150};
  o.request = one_kernel(DurationDistribution::exponential(Time::ms(10)));
  o.server.instances = 2;
  o.warmup = Time::s(10);
  sim::Simulator sim;
  PerStreamEndpoint gpu(sim, 2);
  const ServerRun r = run_on(o, {&gpu}, sim, Time::s(1010));
  const double wq_ms = r.stats.queueing_delay.mean_ns() / 1e6;
  EXPECT_NEAR(wq_ms, 12.857, 12.857 * 0.04);
  EXPECT_NEAR(r.stats.latency.mean_ns() / 1e6, 22.857, 22.857 * 0.03);
}

// GPU work of one process on a real GpuModel: stream `s` of the endpoint is stream `s` there.
class ModelEndpoint final : public GpuEndpoint {
 public:
  ModelEndpoint(GpuModel& gpu, ProcessId process) : gpu_(gpu), process_(process) {}
  void submit(int stream, std::vector<GpuOp> ops, Completion done) override {
    gpu_.submit(process_, stream, std::move(ops), done);
  }
  [[nodiscard]] bool failed() const override { return gpu_.failed(process_); }

 private:
  GpuModel& gpu_;
  ProcessId process_;
};

// Latencies of two requests (t = 0 and t = c, c = the input copy's time) of H2D copy + 0.1 ms
// kernel, on one passthrough process with `instances` streams.
std::vector<Time> pipelined(int instances, Time* copy_time) {
  const GpuProfile profile = testing::t4_without_launch_overhead();
  constexpr int64_t kBytes = 10'000'000;
  // A copy alone: copy_latency + bytes / pinned H2D bandwidth (gpu.h).
  const Time c = profile.copy_latency + Time::from_seconds(kBytes / profile.pcie_bandwidth(true, true));
  *copy_time = c;
  sim::Simulator sim;
  GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
  ProcessSpec spec;
  spec.name = "server";
  spec.streams = Workload::process_streams(ServerSpec{.instances = instances});
  const ProcessId pid = gpu.start_process(spec).value();
  ModelEndpoint endpoint(gpu, pid);
  WorkloadOptions o;
  o.name = "pipe";
  o.arrivals = trace_of({Time::zero(), c});
  o.request.ops.push_back(
      CopyOpSpec{.name = "in", .direction = CopyDirection::kHostToDevice, .bytes = kBytes});
  o.request.ops.push_back(
      KernelOpSpec{.name = "k", .duration = DurationDistribution::deterministic(Time::us(100))});
  o.server.instances = instances;
  const ServerRun r = run_on(o, {&endpoint}, sim, Time::s(1));
  std::vector<Time> latency(2);
  for (const RequestRecord& rec : r.records) latency.at(rec.id) = rec.end - rec.arrival;
  return latency;
}

TEST(ServerInstances, SecondInstanceCopiesWhileTheFirstComputes) {
  // Instance 0: copy [0, c], kernel [c, c + K]. The second request arrives at c. With a second
  // instance its copy runs at once, beside the kernel (copies use no SMs): latency c + K. With one
  // instance it waits for the kernel: latency K + c + K.
  Time c;
  const std::vector<Time> two = pipelined(2, &c);
  const std::vector<Time> one = pipelined(1, &c);
  const Time k = Time::us(100);
  // The model keeps work in double precision: allow a few nanoseconds of rounding.
  EXPECT_NEAR(static_cast<double>(two[0].count_ns()), static_cast<double>((c + k).count_ns()), 4);
  EXPECT_NEAR(static_cast<double>(two[1].count_ns()), static_cast<double>((c + k).count_ns()), 4);
  EXPECT_NEAR(static_cast<double>(one[1].count_ns()), static_cast<double>((k + c + k).count_ns()), 4);
}

TEST(ServerInstances, TwoTimeSlicedReplicasCannotOverlapWhatTwoInstancesDo) {
  // The same two requests (t = 0 and t = c) on two replicas: two processes (contexts) time-sliced
  // on one GPU, one instance each. The second request goes to replica 1 (replica 0 has one
  // outstanding). Its copy cannot run during replica 0's turn (timeslice_copies_overlap false in
  // the T4 profile): replica 0 keeps the GPU for its kernel [c, c + K], then has no work, so the
  // GPU switches (context_switch_cost s) and replica 1 copies and computes: latency
  // K + s + c + K, against c + K for two instances of one process.
  const GpuProfile profile = testing::t4_without_launch_overhead();
  ASSERT_FALSE(profile.timeslice_copies_overlap);
  ASSERT_LT(Time::us(100), profile.time_slice);  // the kernel fits in one turn
  constexpr int64_t kBytes = 10'000'000;
  const Time c = profile.copy_latency + Time::from_seconds(kBytes / profile.pcie_bandwidth(true, true));
  const Time k = Time::us(100);
  sim::Simulator sim;
  GpuModel gpu(sim, profile, SharingPolicy::kTimeSlicing, "gpu0");
  ModelEndpoint a(gpu, gpu.start_process(ProcessSpec{}).value());
  ModelEndpoint b(gpu, gpu.start_process(ProcessSpec{}).value());
  WorkloadOptions o;
  o.name = "sliced";
  o.arrivals = trace_of({Time::zero(), c});
  o.request.ops.push_back(
      CopyOpSpec{.name = "in", .direction = CopyDirection::kHostToDevice, .bytes = kBytes});
  o.request.ops.push_back(KernelOpSpec{.name = "k", .duration = DurationDistribution::deterministic(k)});
  const ServerRun r = run_on(o, {&a, &b}, sim, Time::s(1));
  ASSERT_EQ(r.records.size(), 2u);
  std::vector<Time> latency(2);
  for (const RequestRecord& rec : r.records) latency.at(rec.id) = rec.end - rec.arrival;
  EXPECT_NEAR(static_cast<double>(latency[1].count_ns()),
              static_cast<double>((k + profile.context_switch_cost + c + k).count_ns()), 4);
}

TEST(ServerInstances, CopyStreamsOverlapCopiesWithTheInferenceStream) {
  // One inference stream, two copy streams (MLPerf style): two batch slots. Request = 1 MB in
  // (1 ms at the fake's 1e9 B/s), 2 ms kernel, 1 MB out (1 ms). Both arrive at t = 0:
  //   slot 0: in on stream 1 [0, 1], kernel on stream 0 [1, 3], out on stream 1 [3, 4];
  //   slot 1: in on stream 2 [0, 1], kernel queued behind on stream 0 [3, 5], out on stream 2 [5, 6].
  // Without copy streams one instance runs them one after the other: 4 and 8 ms.
  WorkloadOptions o;
  o.name = "mlperf";
  o.arrivals = trace_of({Time::zero(), Time::zero()});
  o.request.ops.push_back(
      CopyOpSpec{.name = "in", .direction = CopyDirection::kHostToDevice, .bytes = 1'000'000});
  o.request.ops.push_back(
      KernelOpSpec{.name = "k", .duration = DurationDistribution::deterministic(Time::ms(2))});
  o.request.ops.push_back(
      CopyOpSpec{.name = "out", .direction = CopyDirection::kDeviceToHost, .bytes = 1'000'000});
  o.server.instances = 1;
  o.server.copy_streams = 2;
  EXPECT_EQ(Workload::process_streams(o.server), 3);
  {
    sim::Simulator sim;
    PerStreamEndpoint gpu(sim, 3);
    const ServerRun r = run_on(o, {&gpu}, sim, Time::s(1));
    EXPECT_EQ(ends_by_id(r), (std::vector<Time>{Time::ms(4), Time::ms(6)}));
    EXPECT_EQ(gpu.streams_used, (std::vector<int>{1, 2, 0, 0, 1, 2}));
  }
  o.server.copy_streams = 0;
  sim::Simulator sim;
  PerStreamEndpoint gpu(sim, 1);
  const ServerRun r = run_on(o, {&gpu}, sim, Time::s(1));
  EXPECT_EQ(ends_by_id(r), (std::vector<Time>{Time::ms(4), Time::ms(8)}));
}

// ---- The batcher ----------------------------------------------------------------------------------

TEST(ServerBatcher, PreferredSizeGoesAtOnceAndTheLargestFormableWins) {
  // Preferred [2, 4], max_batch 8, max_delay 100 ms, one instance, batch of 10 ms; six requests
  // at t = 0, one after the other. The first waits (no preferred size of 1); the second makes 2,
  // a preferred size: dispatched at once [0, 10]. The next four wait; at 10 ms four wait, and 4 is
  // the largest preferred size that can be formed (not 2): [10, 20].
  WorkloadOptions o;
  o.name = "preferred";
  o.arrivals = trace_of(std::vector<Time>(6, Time::zero()));
  o.request = one_kernel(DurationDistribution::deterministic(Time::ms(10)));
  o.batching = BatchingSpec{.max_batch = 8, .max_delay = Time::ms(100), .preferred = {2, 4}};
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  const ServerRun r = run_on(o, {&gpu}, sim, Time::s(1));
  ASSERT_EQ(r.records.size(), 6u);
  std::vector<int> sizes;
  for (const RequestRecord& rec : r.records) sizes.push_back(rec.batch_size);
  EXPECT_EQ(sizes, (std::vector<int>{2, 2, 4, 4, 4, 4}));
  EXPECT_EQ(ends_by_id(r), (std::vector<Time>{Time::ms(10), Time::ms(10), Time::ms(20), Time::ms(20),
                                              Time::ms(20), Time::ms(20)}));
  // Without preferred sizes all six wait for max_delay and go together at 100 ms.
  o.batching.preferred.clear();
  sim::Simulator sim2;
  FifoEndpoint gpu2(sim2);
  const ServerRun plain = run_on(o, {&gpu2}, sim2, Time::s(1));
  for (const RequestRecord& rec : plain.records) EXPECT_EQ(rec.end, Time::ms(110));
}

TEST(ServerBatcher, FullQueueRejectsAndCountsThem) {
  // max_queue_size 2, no batching, one instance, 10 ms each; five requests at t = 0: the first
  // is dispatched at once, the next two wait, the last two find two waiting and are rejected at
  // t = 0. Nothing is lost: 3 completed + 2 rejected = 5 arrived.
  WorkloadOptions o;
  o.name = "full";
  o.arrivals = trace_of(std::vector<Time>(5, Time::zero()));
  o.request = one_kernel(DurationDistribution::deterministic(Time::ms(10)));
  o.batching.max_queue_size = 2;
  o.slo.p50 = Time::s(1);
  o.slo.p90 = Time::s(1);
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  const ServerRun r = run_on(o, {&gpu}, sim, Time::s(1));
  EXPECT_EQ(r.stats.arrived, 5u);
  EXPECT_EQ(r.stats.completed, 3u);
  EXPECT_EQ(r.stats.rejected, 2u);
  EXPECT_EQ(r.stats.failed, 0u);
  EXPECT_EQ(r.stats.outstanding, 0u);
  int rejected = 0;
  for (const RequestRecord& rec : r.records) {
    if (!rec.rejected) continue;
    ++rejected;
    EXPECT_TRUE(rec.failed);
    EXPECT_EQ(rec.end, Time::zero());
  }
  EXPECT_EQ(rejected, 2);
  // Rejections miss latency targets: the p50 (rank 3 of 5) is a completed request, the p90 (rank
  // 5) falls among the two rejections.
  ASSERT_EQ(r.stats.slo.size(), 2u);
  EXPECT_TRUE(r.stats.slo[0].met);
  EXPECT_FALSE(r.stats.slo[1].met);
}

TEST(ServerBatcher, QueueTimeoutRejectsWhenTheNextBatchForms) {
  // Timeout 15 ms, one instance, 10 ms each, four requests at t = 0: [0, 10], then the second has
  // waited 10 ms (kept): [10, 20]; at 20 ms the last two have waited 20 ms > 15: timed out.
  WorkloadOptions o;
  o.name = "timeout";
  o.arrivals = trace_of(std::vector<Time>(4, Time::zero()));
  o.request = one_kernel(DurationDistribution::deterministic(Time::ms(10)));
  o.batching.queue_timeout = Time::ms(15);
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  const ServerRun r = run_on(o, {&gpu}, sim, Time::s(1));
  EXPECT_EQ(r.stats.completed, 2u);
  EXPECT_EQ(r.stats.timed_out, 2u);
  EXPECT_EQ(r.stats.outstanding, 0u);
  const std::vector<Time> ends = ends_by_id(r);
  EXPECT_EQ(ends, (std::vector<Time>{Time::ms(10), Time::ms(20), Time::ms(20), Time::ms(20)}));
}

// ---- Time outside the GPU -----------------------------------------------------------------------

WorkloadOptions with_every_stage() {
  WorkloadOptions o;
  o.name = "path";
  o.request.ops.push_back(CopyOpSpec{.name = "in", .direction = CopyDirection::kHostToDevice, .bytes = 1000});
  o.request.ops.push_back(
      KernelOpSpec{.name = "k", .duration = DurationDistribution::deterministic(Time::ms(2))});
  o.request.ops.push_back(
      CopyOpSpec{.name = "out", .direction = CopyDirection::kDeviceToHost, .bytes = 4000});
  o.client = ClientSpec{.serialize = Time::us(50),
                        .deserialize = Time::us(20),
                        .request_bytes = 1000,
                        .response_bytes = 500,
                        .link_bytes_per_s = 1e6,
                        .link_latency = Time::us(100)};
  o.server.cpu_workers = 1;
  o.server.preprocess = Time::us(200);
  o.server.postprocess = Time::us(100);
  return o;
}

TEST(ServerPath, OneRequestBreakdownByHand) {
  // client send 50 us; uplink 100 us + 1000 B / 1e6 B/s = 1.1 ms; pre 200 us; input copy 1000 B
  // at 1e9 B/s = 1 us; kernel 2 ms; output copy 4 us; post 100 us; downlink 100 us + 500 us;
  // client receive 20 us. Total 4.075 ms.
  WorkloadOptions o = with_every_stage();
  o.arrivals = trace_of({Time::zero()});
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  const ServerRun r = run_on(o, {&gpu}, sim, Time::s(1));
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].end, Time::us(4075));
  const LatencyBreakdown& b = r.stats.breakdown;
  EXPECT_EQ(b.client_send, Time::us(50));
  EXPECT_EQ(b.network, Time::us(1100 + 600));
  EXPECT_EQ(b.server_queue, Time::zero());
  EXPECT_EQ(b.server_cpu, Time::us(300));
  EXPECT_EQ(b.compute_input, Time::us(1));
  EXPECT_EQ(b.compute_infer, Time::ms(2));
  EXPECT_EQ(b.compute_output, Time::us(4));
  EXPECT_EQ(b.client_recv, Time::us(20));
  EXPECT_EQ(b.latency_total, Time::us(4075));
  // The batcher's own queueing delay is zero: the request found the instance free.
  EXPECT_EQ(r.stats.queueing_delay.max(), Time::zero());
}

TEST(ServerPath, SharedLinkAndCpuPoolContendAndTheBreakdownStillAddsUp) {
  // Two requests at t = 0: both serialized by 50 us (own client CPUs); on the uplink both move
  // 1000 B at half of 1e6 B/s: both arrive at 50 + 100 + 2000 us. One CPU worker: the second
  // waits 200 us for pre-processing (server queue). Sum of the parts = sum of latencies exactly.
  WorkloadOptions o = with_every_stage();
  o.arrivals = trace_of({Time::zero(), Time::zero()});
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  const ServerRun r = run_on(o, {&gpu}, sim, Time::s(1));
  ASSERT_EQ(r.records.size(), 2u);
  const LatencyBreakdown& b = r.stats.breakdown;
  const Time parts = b.client_send + b.network + b.server_queue + b.server_cpu + b.compute_input +
                     b.compute_infer + b.compute_output + b.client_recv;
  Time latencies;
  for (const RequestRecord& rec : r.records) latencies += rec.end - rec.arrival;
  EXPECT_EQ(parts, latencies);
  EXPECT_EQ(b.latency_total, latencies);
  EXPECT_EQ(b.client_send, Time::us(100));
  // Uplink 2.1 ms each (shared), downlinks: the second response leaves later than the first.
  EXPECT_GE(b.network, Time::us(2 * 2100 + 2 * 600));
  EXPECT_GE(b.server_queue, Time::us(200));
}

TEST(ServerPath, ClosedLoopThroughputIsConcurrencyOverLatency) {
  // Little's law for a closed system with zero think time: X = N / R, whatever the stages.
  // Six perf_analyzer-style clients (concurrency 6), two instances, exponential 10 ms kernels,
  // a shared link and a CPU pool of two workers.
  WorkloadOptions o = with_every_stage();
  o.request.ops[1] = KernelOpSpec{.name = "k", .duration = DurationDistribution::exponential(Time::ms(10))};
  o.arrivals = ClosedLoopArrivals{.clients = 6, .think = Time::zero()};
  o.server.instances = 2;
  o.server.cpu_workers = 2;
  o.warmup = Time::s(5);
  sim::Simulator sim;
  PerStreamEndpoint gpu(sim, 2);
  const ServerRun r = run_on(o, {&gpu}, sim, Time::s(305));
  const double mean_latency_s = r.stats.latency.mean_ns() / 1e9;
  const double little = 6.0 / mean_latency_s;
  EXPECT_NEAR(r.stats.throughput_per_s, little, little * 0.01);
  // And the same with Poisson arrivals open loop (the stages work for both).
  WorkloadOptions open = with_every_stage();
  open.arrivals = PoissonArrivals{.rate_per_s = 100};
  open.warmup = Time::s(5);
  sim::Simulator sim2;
  FifoEndpoint gpu2(sim2);
  const ServerRun ro = run_on(open, {&gpu2}, sim2, Time::s(105));
  EXPECT_NEAR(ro.stats.throughput_per_s, 100, 100 * 0.05);
}

// ---- Measured copies ------------------------------------------------------------------------------

TEST(MeasuredCopies, AloneTheyTakeTheirMeasuredDuration) {
  // A 7.2 MB H2D copy measured at 661 us: re-modeled from its bytes on the T4 profile it takes
  // copy_latency + 7.2e6 / bandwidth; kept as measured it takes 661 us alone (to the rounding of
  // one byte at about 12 GB/s, far below 1 ns).
  const GpuProfile profile = testing::t4_without_launch_overhead();
  RequestSpec request;
  request.ops.push_back(CopyOpSpec{.name = "in", .bytes = 7'200'000, .measured = Time::us(661)});
  keep_measured_copies(request, profile);
  const auto& copy = std::get<CopyOpSpec>(request.ops[0]);
  sim::Simulator sim;
  testing::Recorder rec(sim);
  GpuModel gpu(sim, profile, SharingPolicy::kPassthrough, "gpu0");
  const ProcessId pid = gpu.start_process(ProcessSpec{}).value();
  gpu.submit(pid, 0, {CopyWork{"in", CopyDirection::kHostToDevice, copy.bytes, true}}, rec.at(0));
  sim.run_until(Time::s(1));
  EXPECT_NEAR(static_cast<double>(rec.first(0).count_ns()), 661'000.0, 2.0);
  const Time modeled = profile.copy_latency + Time::from_seconds(7.2e6 / profile.pcie_bandwidth(true, true));
  EXPECT_NE(modeled, Time::us(661));
}

// ---- The stages alone -----------------------------------------------------------------------------

TEST(CpuPool, WorkersServeFirstComeFirstServed) {
  // Two workers, three 10 ms jobs at t = 0: two end at 10 ms, the third at 20 ms.
  sim::Simulator sim;
  testing::Recorder rec(sim);
  CpuPool pool(sim, 2);
  for (uint64_t j = 0; j < 3; ++j) pool.submit(Time::ms(10), rec.at(j));
  sim.run_until(Time::s(1));
  EXPECT_EQ(rec.first(0), Time::ms(10));
  EXPECT_EQ(rec.first(1), Time::ms(10));
  EXPECT_EQ(rec.first(2), Time::ms(20));
}

TEST(SharedLink, ConcurrentTransfersShareTheBandwidth) {
  // 1e6 B/s, latency 1 ms. A: 1000 B at 0; B: 500 B at 0. Both move from 1 ms at 500 B/s each:
  // B ends at 1 + 1 = 2 ms; A then has 500 B left alone at 1e6 B/s: ends at 2.5 ms.
  sim::Simulator sim;
  testing::Recorder rec(sim);
  SharedLink link(sim, 1e6, Time::ms(1));
  link.transfer(1000, rec.at(0));
  link.transfer(500, rec.at(1));
  sim.run_until(Time::s(1));
  EXPECT_EQ(rec.first(1), Time::ms(2));
  EXPECT_EQ(rec.first(0), Time::us(2500));
}

TEST(BatchCurve, PiecewiseLinearThroughThePoints) {
  // (1, 1 ms), (256, 42.415 ms): at 128 items 1 + 41.415 x 127 / 255 ms; beyond the ends the
  // segment's line; one point is a constant.
  const BatchCurve curve{{1, Time::ms(1)}, {256, Time::us(42415)}};
  EXPECT_EQ(batch_curve_at(curve, 1), Time::ms(1));
  EXPECT_EQ(batch_curve_at(curve, 256), Time::us(42415));
  EXPECT_EQ(batch_curve_at(curve, 128), Time::ns(std::llround(1e6 + 41.415e6 * 127.0 / 255.0)));
  EXPECT_EQ(batch_curve_at(curve, 511), Time::ns(std::llround(1e6 + 41.415e6 * 510.0 / 255.0)));
  EXPECT_EQ(batch_curve_at(BatchCurve{{8, Time::ms(3)}}, 2), Time::ms(3));
  EXPECT_EQ(batch_curve_at(BatchCurve{}, 2), Time::zero());
}

}  // namespace
}  // namespace sharesim::models
