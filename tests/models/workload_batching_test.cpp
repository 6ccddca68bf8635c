// Dynamic batching (Triton's rule) and how a batch's work is built from the RequestSpec.
#include <gtest/gtest.h>

#include <string>
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
using testing::trace_of;

struct Recorded {
  WorkloadStats stats;
  std::vector<RequestRecord> records;  // in completion order
  uint64_t submits = 0;
  std::vector<size_t> ops_per_submit;
  std::vector<GpuOp> all_ops;          // their names point into the (destroyed) Workload's spec:
  std::vector<std::string> all_names;  // so the names are copied here
};

Recorded run(WorkloadOptions options, Time end) {
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  Workload workload(sim, std::move(options), {&gpu});
  Recorded out;
  workload.set_request_observer([&](const RequestRecord& r) { out.records.push_back(r); });
  workload.start();
  sim.run_until(end);
  out.stats = workload.collect();
  out.submits = gpu.submits;
  out.ops_per_submit = gpu.ops_per_submit;
  out.all_ops = gpu.all_ops;
  for (const GpuOp& op : gpu.all_ops) {
    std::visit([&](const auto& work) { out.all_names.emplace_back(work.name); }, op);
  }
  return out;
}

TEST(DynamicBatching, HeavyLoadFillsBatchesToMax) {
  // Poisson 1000/s against batches of 4 costing a fixed 10 ms (capacity 400/s): requests always
  // wait in fours or more when the replica frees up, and max_delay (10 s) never expires before
  // four have arrived, so every batch has exactly 4 requests.
  WorkloadOptions o;
  o.name = "heavy";
  o.arrivals = PoissonArrivals{.rate_per_s = 1000};
  o.request = one_kernel(DurationDistribution::deterministic(Time::ms(10)));
  o.batching = BatchingSpec{.max_batch = 4, .max_delay = Time::s(10)};
  const Recorded r = run(o, Time::s(5));
  ASSERT_GT(r.records.size(), 1000u);
  for (const RequestRecord& rec : r.records) ASSERT_EQ(rec.batch_size, 4);
  EXPECT_DOUBLE_EQ(r.stats.mean_batch_size, 4.0);
  // Saturated: the first batch goes when the fourth request arrives (a few ms in: between 0 and
  // 10 ms), then one 10 ms batch after another, so 500 dispatches by 5 s.
  EXPECT_EQ(r.stats.batches, 500u);
}

TEST(DynamicBatching, LoneRequestWaitsExactlyMaxDelay) {
  // One request at t = 1 ms, max_batch 4, max_delay 5 ms, kernel 2 ms: nobody joins, so it is
  // dispatched when it has waited 5 ms (t = 6 ms) and completes at 8 ms:
  //   queueing delay 5 ms, latency 7 ms.
  WorkloadOptions o;
  o.name = "lone";
  o.arrivals = trace_of({Time::ms(1)});
  o.request = one_kernel(DurationDistribution::deterministic(Time::ms(2)));
  o.batching = BatchingSpec{.max_batch = 4, .max_delay = Time::ms(5)};
  const Recorded r = run(o, Time::s(1));
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].start, Time::ms(6));
  EXPECT_EQ(r.records[0].end, Time::ms(8));
  EXPECT_EQ(r.records[0].batch_size, 1);
  EXPECT_EQ(r.stats.queueing_delay.max(), Time::ms(5));
  EXPECT_EQ(r.stats.latency.max(), Time::ms(7));
}

TEST(DynamicBatching, FullBatchGoesAtOnceAndLateArrivalsWaitForTheReplica) {
  // Arrivals at 0, 1, 2, 3, 4, 5 ms; max_batch 4, max_delay 10 ms; each batch costs 20 ms.
  //  - t = 3 ms: four wait -> batch {0..3} dispatched at 3 ms, ends at 23 ms (the 10 ms timer set
  //    at 0 ms is cancelled: it would have fired at 10 ms).
  //  - 4 and 5 ms arrive while the replica is busy; at 23 ms the oldest (4 ms) has waited 19 ms
  //    >= 10 ms, so batch {4, 5} goes at once and ends at 43 ms.
  WorkloadOptions o;
  o.name = "hand";
  o.arrivals = trace_of({Time::ms(0), Time::ms(1), Time::ms(2), Time::ms(3), Time::ms(4), Time::ms(5)});
  o.request = one_kernel(DurationDistribution::deterministic(Time::ms(20)));
  o.batching = BatchingSpec{.max_batch = 4, .max_delay = Time::ms(10)};
  const Recorded r = run(o, Time::s(1));
  ASSERT_EQ(r.records.size(), 6u);
  for (const RequestRecord& rec : r.records) {
    if (rec.id < 4) {
      EXPECT_EQ(rec.start, Time::ms(3)) << rec.id;
      EXPECT_EQ(rec.end, Time::ms(23)) << rec.id;
      EXPECT_EQ(rec.batch_size, 4) << rec.id;
    } else {
      EXPECT_EQ(rec.start, Time::ms(23)) << rec.id;
      EXPECT_EQ(rec.end, Time::ms(43)) << rec.id;
      EXPECT_EQ(rec.batch_size, 2) << rec.id;
    }
  }
  EXPECT_EQ(r.submits, 2u);
  EXPECT_EQ(r.stats.batches, 2u);
}

TEST(DynamicBatching, PartialBatchAfterDelayCollectsEveryoneWaiting) {
  // Arrivals at 0, 2, 4 ms; max_batch 8, max_delay 5 ms; batch costs 1 ms. The timer of the
  // request from 0 ms fires at 5 ms, when three wait: one batch of 3 from 5 to 6 ms.
  WorkloadOptions o;
  o.name = "partial";
  o.arrivals = trace_of({Time::ms(0), Time::ms(2), Time::ms(4)});
  o.request = one_kernel(DurationDistribution::deterministic(Time::ms(1)));
  o.batching = BatchingSpec{.max_batch = 8, .max_delay = Time::ms(5)};
  const Recorded r = run(o, Time::s(1));
  ASSERT_EQ(r.records.size(), 3u);
  for (const RequestRecord& rec : r.records) {
    EXPECT_EQ(rec.start, Time::ms(5));
    EXPECT_EQ(rec.end, Time::ms(6));
    EXPECT_EQ(rec.batch_size, 3);
  }
}

TEST(DynamicBatching, ZeroDelayTakesWhatIsWaiting) {
  // max_delay 0 (Triton's default): never wait for others. Arrivals at 0, 1, 2, 3 ms with a 2.5 ms
  // batch: {0} runs 0-2.5; 1 and 2 arrive meanwhile -> {1, 2} runs 2.5-5; 3 arrives at 3 ms ->
  // {3} runs 5-7.5 ms.
  WorkloadOptions o;
  o.name = "nodelay";
  o.arrivals = trace_of({Time::ms(0), Time::ms(1), Time::ms(2), Time::ms(3)});
  o.request = one_kernel(DurationDistribution::deterministic(Time::us(2500)));
  o.batching = BatchingSpec{.max_batch = 4, .max_delay = Time::zero()};
  const Recorded r = run(o, Time::s(1));
  ASSERT_EQ(r.records.size(), 4u);
  const Time expected_start[] = {Time::zero(), Time::us(2500), Time::us(2500), Time::us(5000)};
  const int expected_batch[] = {1, 2, 2, 1};
  for (const RequestRecord& rec : r.records) {
    EXPECT_EQ(rec.start, expected_start[rec.id]) << rec.id;
    EXPECT_EQ(rec.batch_size, expected_batch[rec.id]) << rec.id;
  }
}

TEST(DynamicBatching, EndlessDelayWaitsForAFullBatch) {
  // max_delay = Time::max() ("wait forever"): no overflow, no timer; three requests wait until
  // the fourth arrives at 9 ms, then go together (kernel 1 ms: all end at 10 ms).
  WorkloadOptions o;
  o.name = "forever";
  o.arrivals = trace_of({Time::ms(0), Time::ms(1), Time::ms(2), Time::ms(9)});
  o.request = one_kernel(DurationDistribution::deterministic(Time::ms(1)));
  o.batching = BatchingSpec{.max_batch = 4, .max_delay = Time::max()};
  const Recorded r = run(o, Time::s(1));
  ASSERT_EQ(r.records.size(), 4u);
  for (const RequestRecord& rec : r.records) {
    EXPECT_EQ(rec.start, Time::ms(9));
    EXPECT_EQ(rec.end, Time::ms(10));
  }
}

TEST(BatchWork, DurationsAndBytesGrowPerItem) {
  // Three requests together (max_batch 3 fills at t = 0): kernel = 2 ms + 1 ms x 3 = 5 ms; copy
  // = 1000 B + 1000 B x 3 = 4000 B, which the fake serves at 1e9 B/s in 4 us. The copy is the
  // batch's input phase, the kernel its infer phase: one submit each, on the same stream.
  WorkloadOptions o;
  o.name = "items";
  o.arrivals = trace_of({Time::zero(), Time::zero(), Time::zero()});
  o.request.ops.push_back(CopyOpSpec{.name = "in",
                                     .direction = CopyDirection::kHostToDevice,
                                     .bytes = 1000,
                                     .per_item_bytes = 1000,
                                     .pinned = true});
  o.request.ops.push_back(KernelOpSpec{.name = "gemm",
                                       .duration = DurationDistribution::deterministic(Time::ms(2)),
                                       .per_item = Time::ms(1),
                                       .sms = 20,
                                       .memory_bound = 0.25});
  o.batching = BatchingSpec{.max_batch = 3, .max_delay = Time::ms(100)};
  const Recorded r = run(o, Time::s(1));
  EXPECT_EQ(r.ops_per_submit, (std::vector<size_t>{1, 1}));
  ASSERT_EQ(r.all_ops.size(), 2u);
  const auto& copy = std::get<CopyWork>(r.all_ops[0]);
  EXPECT_EQ(copy.bytes, 4000);
  EXPECT_EQ(r.all_names[0], "in");
  EXPECT_EQ(copy.direction, CopyDirection::kHostToDevice);
  const auto& kernel = std::get<KernelWork>(r.all_ops[1]);
  EXPECT_EQ(kernel.solo_duration, Time::ms(5));
  EXPECT_EQ(kernel.sm_demand, 20);
  EXPECT_DOUBLE_EQ(kernel.memory_bound, 0.25);
  EXPECT_EQ(r.all_names[1], "gemm");
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_EQ(r.records[0].end, Time::ms(5) + Time::us(4));
}

TEST(BatchWork, TraceScalesAddUpToTheBatchItemCount) {
  // Two trace requests at t = 0 with work scales 1 and 2.5, batched together: E = 1 + 2.5 = 3.5
  // items, so a kernel of per_item 1 ms lasts 3.5 ms. A third request alone at 100 ms with scale
  // 0.5 lasts 0.5 ms.
  WorkloadOptions o;
  o.name = "scaled";
  o.arrivals = trace_of({Time::zero(), Time::zero(), Time::ms(100)}, {1.0, 2.5, 0.5});
  o.request = one_kernel(DurationDistribution::deterministic(Time::zero()), Time::ms(1));
  o.batching = BatchingSpec{.max_batch = 2, .max_delay = Time::ms(1)};
  const Recorded r = run(o, Time::s(1));
  ASSERT_EQ(r.records.size(), 3u);
  EXPECT_EQ(r.records[0].end, Time::us(3500));
  EXPECT_EQ(r.records[1].end, Time::us(3500));
  // Alone, it waits max_delay (1 ms) first: 100 + 1 + 0.5 ms.
  EXPECT_EQ(r.records[2].end, Time::us(101'500));
}

TEST(BatchWork, HostOpSplitsSubmitsAndDelaysWithoutTheGpu) {
  // ops: K1 (1 ms), K2 (2 ms), host (3 ms + 1 ms per item), K3 (4 ms). One request:
  //   two submits ([K1, K2] and [K3]); latency 1 + 2 + (3 + 1) + 4 = 11 ms.
  WorkloadOptions o;
  o.name = "host";
  o.arrivals = trace_of({Time::zero()});
  o.request.ops.push_back(
      KernelOpSpec{.name = "k1", .duration = DurationDistribution::deterministic(Time::ms(1))});
  o.request.ops.push_back(
      KernelOpSpec{.name = "k2", .duration = DurationDistribution::deterministic(Time::ms(2))});
  o.request.ops.push_back(HostOpSpec{.name = "nms", .duration = Time::ms(3), .per_item = Time::ms(1)});
  o.request.ops.push_back(
      KernelOpSpec{.name = "k3", .duration = DurationDistribution::deterministic(Time::ms(4))});
  const Recorded r = run(o, Time::s(1));
  EXPECT_EQ(r.submits, 2u);
  EXPECT_EQ(r.ops_per_submit, (std::vector<size_t>{2, 1}));
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].end, Time::ms(11));
}

TEST(BatchWork, HostOpHoldsTheReplicaButNotTheGpu) {
  // Two replicas share one FIFO "GPU". Request: host 10 ms then kernel 1 ms. Requests at 0 and
  // 0.5 ms go to replicas 0 and 1 (fewest outstanding). Their host steps overlap (no GPU use):
  // kernels at 10-11 ms and 11-12 ms (the second queues behind the first on the shared GPU, as
  // it reaches the GPU at 10.5 ms). A third request at 1 ms joins replica 0 (ties -> lowest
  // index), which is busy until 11 ms: host 11-21, kernel 21-22 ms.
  sim::Simulator sim;
  FifoEndpoint gpu(sim);
  WorkloadOptions o;
  o.name = "pipeline";
  o.arrivals = trace_of({Time::zero(), Time::us(500), Time::ms(1)});
  o.request.ops.push_back(HostOpSpec{.name = "pre", .duration = Time::ms(10)});
  o.request.ops.push_back(
      KernelOpSpec{.name = "k", .duration = DurationDistribution::deterministic(Time::ms(1))});
  Workload workload(sim, o, {&gpu, &gpu});
  std::vector<RequestRecord> records;
  workload.set_request_observer([&](const RequestRecord& r) { records.push_back(r); });
  workload.start();
  sim.run_until(Time::s(1));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].id, 0u);
  EXPECT_EQ(records[0].replica, 0);
  EXPECT_EQ(records[0].end, Time::ms(11));
  EXPECT_EQ(records[1].id, 1u);
  EXPECT_EQ(records[1].replica, 1);
  EXPECT_EQ(records[1].end, Time::ms(12));
  EXPECT_EQ(records[2].id, 2u);
  EXPECT_EQ(records[2].replica, 0);
  EXPECT_EQ(records[2].start, Time::ms(11));
  EXPECT_EQ(records[2].end, Time::ms(22));
}

TEST(BatchWork, KernelDurationsAreDrawnPerBatch) {
  // An empirical distribution {1 ms, 3 ms}: each batch draws one of them, so over many batches
  // both values appear and their mean is near 2 ms (1,000 draws: se of the mean 0.03 ms).
  WorkloadOptions o;
  o.name = "draws";
  o.arrivals = ConstantArrivals{.rate_per_s = 100};  // 10 ms apart, each alone on an idle server
  o.request = one_kernel(DurationDistribution::empirical({Time::ms(1), Time::ms(3)}));
  const Recorded r = run(o, Time::ms(9995));
  ASSERT_EQ(r.stats.completed, 1000u);
  EXPECT_EQ(r.stats.latency.min(), Time::ms(1));
  EXPECT_EQ(r.stats.latency.max(), Time::ms(3));
  EXPECT_NEAR(r.stats.latency.mean_ns(), 2e6, 0.15e6);
}

}  // namespace
}  // namespace sharesim::models
