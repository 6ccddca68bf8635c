// Cutting the search without losing the optimum (docs/planner.md): the bounds of proofs.h by hand,
// the binomial rule against a hand-computed tail, the property short runs rest on (a short run is
// the full run's prefix), a candidate the dominance rule rejects simulated to show it misses, and
// the search with proofs against exhaustive search: the same plan.json apart from the counters,
// and every proven candidate infeasible with a margin within its bound.
#include "sharesim/planner/proofs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "sharesim/planner/planner.h"
#include "sharesim/reports/plan_outputs.h"
#include "sharesim/run/run_scenario.h"

namespace sharesim::planner {
namespace {

using proofs::LatencyStatistic;
using proofs::Witness;

constexpr int64_t kMs = 1'000'000;

// 1, 2, ..., n milliseconds.
Witness millis(int n, uint64_t unanswered = 0) {
  Witness w;
  for (int i = 1; i <= n; ++i) w.answered_ns.push_back(i * kMs);
  w.unanswered = unanswered;
  w.arrived = static_cast<uint64_t>(n) + unanswered;
  return w;
}

TEST(ProofRules, BinomialTailMatchesAHandComputedCase) {
  // P(X >= 3), X ~ Bin(10, 0.1) = 1 - (0.9^10 + 10 x 0.1 x 0.9^9 + 45 x 0.01 x 0.9^8)
  //                            = 1 - (0.3486784401 + 0.387420489 + 0.1937102445) = 0.0701908264.
  EXPECT_NEAR(proofs::binomial_upper_tail(10, 3, 0.1), 0.0701908264, 1e-9);
  // P(X >= 2), X ~ Bin(100, 0.01) = 1 - 0.99^100 - 100 x 0.01 x 0.99^99 = 0.264238021.
  EXPECT_NEAR(proofs::binomial_upper_tail(100, 2, 0.01), 0.264238021, 1e-8);
  EXPECT_EQ(proofs::binomial_upper_tail(10, 0, 0.1), 1.0);
  EXPECT_EQ(proofs::binomial_upper_tail(10, 11, 0.1), 0.0);
  // 3 of 10 requests above a p90 target: 7.0 % chance if the p90 held, so a miss at confidence
  // 0.9 (7.0 % <= 10 %) but not at 0.95 (7.0 % > 5 %); never at confidence 1 (proofs only).
  EXPECT_TRUE(proofs::binomial_miss(10, 3, 0.9, 0.9));
  EXPECT_FALSE(proofs::binomial_miss(10, 3, 0.9, 0.95));
  EXPECT_FALSE(proofs::binomial_miss(10, 10, 0.9, 1.0));
}

TEST(ProofRules, RanksAndHistogramFloorAreLowerBounds) {
  EXPECT_EQ(proofs::rank_lower_bound(0.99, 100), 99u);  // 0.99 x 100 in floating point is 99
  EXPECT_EQ(proofs::rank_lower_bound(0.99, 20), 20u);   // ceil(19.8)
  EXPECT_EQ(proofs::rank_lower_bound(0.5, 12), 6u);
  EXPECT_EQ(proofs::rank_lower_bound(1.0, 7), 7u);  // max
  // 10 ms = 10^7 ns lies in [2^23, 2^24): buckets of 2^(23 - 10) = 8192 ns, and 10^7 in the one
  // from 1220 x 8192 = 9,994,240 ns. The floor is below that low edge, by at most 10^7 / 1024.
  EXPECT_EQ(proofs::reported_floor_ns(10 * kMs), 10 * kMs - 9765 - 1);
  EXPECT_LE(proofs::reported_floor_ns(10 * kMs), 9'994'240);
  EXPECT_EQ(proofs::reported_floor_ns(1500), 1500 - 1 - 1);  // 1500 >> 10 = 1: exact buckets below 2048 ns
}

TEST(ProofRules, PrefixBoundsByHand) {
  const LatencyStatistic p99{false, 0.99}, p50{false, 0.5}, max{false, 1.0}, mean{true, 1.0};
  // A prefix answered 1..10 ms; the full run measures at most 20 requests, including these 10.
  // Its p99 is its 20th smallest (ceil(19.8)) of <= 20 values, at least 10 ms (the prefix's 10
  // values are among them, so the 20th of 20 is >= the 10th of the prefix).
  EXPECT_EQ(proofs::prefix_lower_bound_ns(millis(10), 20, p99), proofs::reported_floor_ns(10 * kMs));
  // p50 of up to 20 values: the 10 smallest may all be new: nothing follows.
  EXPECT_FALSE(proofs::prefix_lower_bound_ns(millis(10), 20, p50));
  // p50 of up to 12: the 6th smallest; at most 2 new values, so at least 7 values >= 4 ms exist
  // (4..10 ms), and the 6th smallest of 12 is >= 4 ms.
  EXPECT_EQ(proofs::prefix_lower_bound_ns(millis(10), 12, p50), proofs::reported_floor_ns(4 * kMs));
  // Max: at least the prefix's max; unbounded once a request failed.
  EXPECT_EQ(proofs::prefix_lower_bound_ns(millis(10), 1000, max), proofs::reported_floor_ns(10 * kMs));
  EXPECT_EQ(proofs::prefix_lower_bound_ns(millis(10, 1), 1000, max), proofs::kUnbounded);
  // Mean: the prefix's 55 ms total over at most 20 answers: >= 2.75 ms.
  EXPECT_EQ(proofs::prefix_lower_bound_ns(millis(10), 20, mean), 2'750'000);
  EXPECT_EQ(proofs::prefix_lower_bound_ns(millis(10, 1), 20, mean), proofs::kUnbounded);
  // A p99 over 20 of which 1 failed in the prefix: the 20th ranks the failure.
  EXPECT_EQ(proofs::prefix_lower_bound_ns(millis(9, 1), 20, p99), proofs::kUnbounded);
}

TEST(ProofRules, DominatedBoundsByHand) {
  const LatencyStatistic p99{false, 0.99}, max{false, 1.0}, mean{true, 1.0};
  // Alone it answered 1..10 ms. A slower run answering at least 5 of these, each no faster: worst
  // case it answers the 5 fastest at the same latency, whose p99 (5th of 5) and max are 5 ms and
  // mean 3 ms.
  EXPECT_EQ(proofs::dominated_lower_bound_ns(millis(10), 5, p99), proofs::reported_floor_ns(5 * kMs));
  EXPECT_EQ(proofs::dominated_lower_bound_ns(millis(10), 5, max), proofs::reported_floor_ns(5 * kMs));
  EXPECT_EQ(proofs::dominated_lower_bound_ns(millis(10), 5, mean), 3 * kMs);
  // With no throughput floor a run answering nothing reports 0: nothing follows.
  EXPECT_FALSE(proofs::dominated_lower_bound_ns(millis(10), 0, p99));
  EXPECT_FALSE(proofs::dominated_lower_bound_ns(millis(10), 11, p99));
}

PlanInput load(const std::string& yaml) {
  auto input = load_plan_input_text(yaml, "test.yaml", ".");
  EXPECT_TRUE(input) << (input ? "" : input.error().to_string());
  return input ? std::move(*input) : PlanInput{};
}

std::string workload(const std::string& name, const std::string& arrivals, const std::string& ops,
                     const std::string& slo) {
  return "  - name: " + name +
         "\n    device: edge\n    runtime: kubernetes\n    memory: 1GiB\n    arrivals: " + arrivals +
         "\n    request: {ops: " + ops + "}\n    slo: " + slo + "\n";
}

std::string scenario(const std::string& duration, const std::string& sharing, const std::string& workloads,
                     const std::string& plan = "") {
  return "name: t\nseed: 5\nduration: " + duration +
         "\nwarmup: 100ms\n"
         "devices:\n  - {name: edge, gpus: 1, sharing: " +
         sharing + ", setup: [{kubernetes: {}}]}\nworkloads:\n" + workloads +
         (plan.empty() ? "" : "plan:\n" + plan);
}

const std::string kKernel1ms = "[{kernel: {duration: 1ms, sms: 40, memory_bound: 0}}]";

// Every request of a run, by workload, in the order they end.
std::map<std::string, std::vector<models::RequestRecord>> records_of(const scenarios::Scenario& s) {
  std::map<std::string, std::vector<models::RequestRecord>> out;
  run::RunOptions options;
  options.request_observer = [&](const std::string& w, const models::RequestRecord& r) {
    out[w].push_back(r);
  };
  auto report = run::run_scenario(s, options);
  EXPECT_TRUE(report);
  return out;
}

// What short runs rest on: a run of a fraction of the duration is the full run's beginning, event
// for event. Three tenants under MPS and under time-slicing (exponential kernels, copies, host
// work): every request the short run answers or fails, it does at the same instants in the full
// run, and the full run has every one of them.
TEST(ProofRules, AShortRunIsThePrefixOfTheFullRun) {
  const std::string tenants =
      workload("a", "{poisson: {rate: 300/s}}",
               "[{h2d: 600KiB}, {kernel: {duration: {exponential: 1.2ms}, sms: 40, memory_bound: 0.3}}, "
               "{d2h: 4KiB}]",
               "{p99: 25ms}") +
      workload("b", "{constant: {rate: 200/s}}", "[{host: 0.5ms}, {kernel: {duration: 0.8ms, sms: 24}}]",
               "{p99: 15ms}") +
      workload("c", "{poisson: {rate: 150/s}}", "[{kernel: {duration: {exponential: 2ms}, sms: 40}}]",
               "{p99: 60ms}");
  for (const std::string sharing : {"mps", "time-slicing"}) {
    scenarios::Scenario full = load(scenario("1s", sharing, tenants)).scenario;
    scenarios::Scenario prefix = full;
    prefix.duration = full.duration.scaled(0.3);
    const auto whole = records_of(full);
    const auto part = records_of(prefix);
    size_t compared = 0;
    for (const auto& [name, records] : part) {
      std::map<uint64_t, models::RequestRecord> by_id;
      for (const auto& r : whole.at(name)) by_id[r.id] = r;
      for (const auto& r : records) {
        ASSERT_TRUE(by_id.count(r.id)) << sharing << " " << name << " request " << r.id;
        const auto& f = by_id.at(r.id);
        EXPECT_EQ(f.arrival, r.arrival);
        EXPECT_EQ(f.end, r.end) << sharing << " " << name << " request " << r.id;
        EXPECT_EQ(f.failed, r.failed);
        ++compared;
      }
    }
    EXPECT_GT(compared, 100u) << sharing;
  }
}

// Dominance (docs/planner.md, "Dominance"). Workload a: Poisson 400/s of a 1 ms kernel on all 40
// SMs, p99 10 ms, min_throughput 360/s; b: 200/s of the same kernel. On one GPU under MPS, a at
// 50 % has 20 SMs, a 2 ms kernel: a single server at load 0.8 whose p99 alone is above 10 ms even
// over its fastest answers that 360/s needs. So every candidate with a at <= 50 % beside b is
// rejected without simulating it; simulated, each indeed misses, within the bound.
std::string dominance_problem() {
  return scenario(
      "1s", "time-slicing",
      workload("a", "{poisson: {rate: 400/s}}", kKernel1ms, "{p99: 10ms, min_throughput: 360/s}") +
          workload("b", "{poisson: {rate: 200/s}}", kKernel1ms, "{p99: 30ms}"),
      "  device_options: [{gpus: 1, cost: 1.0}, {gpus: 2, cost: 1.6}]\n  max_devices: 1\n"
      "  policies: [mps, time-slicing]\n");
}

TEST(PlannerProofs, DominanceRejectsACandidateThatMissesWhenSimulated) {
  const PlanInput input = load(dominance_problem());
  auto r = plan(input, PlanOptions{});
  ASSERT_TRUE(r);
  size_t proven = 0;
  for (const LevelResult& level : r->levels) {
    for (size_t i = 0; i < level.candidates.size(); ++i) {
      const Evaluation& e = level.evaluations[i];
      if (e.proof != Evaluation::Proof::kDominance || !e.checks.empty()) continue;
      ++proven;
      const Candidate& c = level.candidates[i];
      EXPECT_NE(c.describe(input.scenario).find("a@50%"), std::string::npos) << c.describe(input.scenario);
      EXPECT_NE(e.reason.find("'a' misses p99 or throughput"), std::string::npos) << e.reason;
      // Simulated: it misses, and by no less than the bound says.
      auto report = run::run_scenario(candidate_scenario(input.scenario, *input.spec, c));
      ASSERT_TRUE(report);
      EXPECT_FALSE(report->slo_met) << c.describe(input.scenario);
      double margin = INFINITY;
      for (const auto& ws : report->workloads) {
        for (const auto& check : ws.slo) {
          const double m = check.metric == models::SloMetric::kMinThroughput
                               ? (check.throughput_measured_per_s - check.throughput_target_per_s) /
                                     check.throughput_target_per_s
                               : (check.latency_target.seconds() - check.latency_measured.seconds()) /
                                     check.latency_target.seconds();
          margin = std::min(margin, m);
        }
      }
      EXPECT_LE(margin, e.margin);
      EXPECT_LT(e.margin, 0);
    }
  }
  EXPECT_GE(proven, 1u);
  EXPECT_EQ(r->proven_by_dominance, proven);
}

// The search with proofs against exhaustive search (every candidate simulated whole): the same
// plan.json and plan.md but for the counts of proven candidates; a candidate evaluated from runs
// the same in both; a proven one infeasible in exhaustive search with a margin within its bound.
std::string without_counts(std::string text) {
  for (const std::string key : {"\"proven_by_dominance\"", "\"proven_by_short_run\""}) {
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key)) {
      const size_t end = text.find('\n', at);
      text.erase(at, end - at);
    }
  }
  const size_t at = text.find(" Of the simulated,");
  if (at != std::string::npos) text.erase(at, text.find('\n', at) - at);
  return text;
}

void expect_proofs_change_nothing(const PlanInput& input, size_t min_proven) {
  PlanOptions proven, whole;
  proven.jobs = whole.jobs = 2;
  whole.exhaustive = true;
  auto p = plan(input, proven);
  auto w = plan(input, whole);
  ASSERT_TRUE(p && w);
  EXPECT_EQ(p->chosen, w->chosen);
  ASSERT_EQ(p->levels.size(), w->levels.size());
  size_t proofs = 0;
  for (size_t l = 0; l < p->levels.size(); ++l) {
    for (size_t i = 0; i < p->levels[l].evaluations.size(); ++i) {
      const Evaluation& a = p->levels[l].evaluations[i];
      const Evaluation& b = w->levels[l].evaluations[i];
      EXPECT_EQ(a.state, b.state) << l << "/" << i;
      if (a.proof != Evaluation::Proof::kNone) {
        ++proofs;
        EXPECT_FALSE(b.feasible) << l << "/" << i << " " << a.reason;
        if (a.checks.empty()) {
          EXPECT_LE(b.margin, a.margin) << l << "/" << i << " " << a.reason;
          continue;
        }
      }
      EXPECT_EQ(a.feasible, b.feasible) << l << "/" << i;
      EXPECT_EQ(a.reason, b.reason) << l << "/" << i;
      EXPECT_EQ(a.margin, b.margin) << l << "/" << i;
    }
  }
  EXPECT_GE(proofs, min_proven);
  EXPECT_EQ(p->proven_by_dominance + p->proven_by_short_run, proofs);
  const auto po = reports::plan_outputs(input, *p), wo = reports::plan_outputs(input, *w);
  ASSERT_EQ(po.size(), wo.size());
  for (size_t k = 0; k < po.size(); ++k)
    EXPECT_EQ(without_counts(po[k].content), without_counts(wo[k].content)) << po[k].path;
}

// Three workloads for 1 s (short runs of 200 ms after a 100 ms warm-up): short runs prove misses.
std::string mixed_problem(const std::string& extra = "") {
  return scenario("1s", "time-slicing",
                  workload("a", "{poisson: {rate: 500/s}}", kKernel1ms, "{p99: 20ms}") +
                      workload("b", "{constant: {rate: 300/s}}", kKernel1ms, "{p99: 20ms}") +
                      workload("c", "{poisson: {rate: 200/s}}",
                               "[{kernel: {duration: 2ms, sms: 40, memory_bound: 0}}]", "{p99: 40ms}"),
                  "  device_options: [{gpus: 1, cost: 1.0}, {gpus: 2, cost: 1.6}]\n  max_devices: 2\n"
                  "  replicas: {min: 1, max: 2}\n" +
                      extra);
}

TEST(PlannerProofs, ProvenSearchEqualsExhaustiveWithShortRuns) {
  expect_proofs_change_nothing(load(mixed_problem()), 1);
}

TEST(PlannerProofs, ProvenSearchEqualsExhaustiveUnderTheDevicePluginTarget) {
  expect_proofs_change_nothing(load(mixed_problem("  target: kubernetes-device-plugin\n")), 0);
}

TEST(PlannerProofs, ProvenSearchEqualsExhaustiveWithDominance) {
  expect_proofs_change_nothing(load(dominance_problem()), 1);
}

TEST(PlannerProofs, ProvenSearchEqualsExhaustiveOnTheExamplePlan) {
  auto input =
      load_plan_input(std::string(SHARESIM_SOURCE_DIR) + "/scenarios/examples/plan-three-workloads.yaml");
  ASSERT_TRUE(input) << input.error().to_string();
  expect_proofs_change_nothing(*input, 1);
}

// The counts are of proofs, which are facts about candidates: the same for any --jobs and when the
// search is sharded and merged (a shard simulates a different set of proven candidates in full).
TEST(PlannerProofs, CountsDoNotDependOnJobsOrShards) {
  const PlanInput input = load(mixed_problem());
  PlanOptions one, two;
  one.jobs = 1;
  two.jobs = 2;
  auto r1 = plan(input, one);
  auto r2 = plan(input, two);
  ASSERT_TRUE(r1 && r2);
  EXPECT_GT(r1->proven_by_short_run, 0u);
  EXPECT_EQ(reports::plan_json(input, *r1), reports::plan_json(input, *r2));
  std::vector<ShardData> shards;
  for (int i = 0; i < 3; ++i) {
    PlanOptions o;
    o.shard_index = i;
    o.shard_count = 3;
    auto r = plan(input, o);
    ASSERT_TRUE(r);
    auto parsed = parse_shard_text(shard_text(input, o, *r), "shard" + std::to_string(i));
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    shards.push_back(std::move(*parsed));
  }
  auto merged = merge_shards(input, std::move(shards));
  ASSERT_TRUE(merged) << merged.error().to_string();
  EXPECT_EQ(reports::plan_json(input, *merged), reports::plan_json(input, *r1));
}

// The confidence rule is opt-in and counted apart: at confidence 1 (the default) it never fires;
// at 0.9 it rejects candidates the proofs leave, and every one it rejects here misses in full.
TEST(PlannerProofs, ConfidenceRuleIsOptInAndCountedApart) {
  const PlanInput input = load(mixed_problem());
  auto exact = plan(input, PlanOptions{});
  PlanOptions loose, whole;
  loose.screen_confidence = 0.9;
  whole.exhaustive = true;
  auto r = plan(input, loose);
  auto w = plan(input, whole);
  ASSERT_TRUE(exact && r && w);
  EXPECT_EQ(exact->rejected_by_confidence, 0u);
  EXPECT_EQ(r->proven_by_short_run, exact->proven_by_short_run);  // proofs first, then the rule
  EXPECT_GT(r->rejected_by_confidence, 0u);
  for (size_t l = 0; l < r->levels.size(); ++l) {
    for (size_t i = 0; i < r->levels[l].evaluations.size(); ++i) {
      if (r->levels[l].evaluations[i].proof == Evaluation::Proof::kConfidence) {
        EXPECT_FALSE(w->levels[l].evaluations[i].feasible) << l << "/" << i;
      }
    }
  }
  EXPECT_NE(reports::plan_json(input, *r).find("\"rejected_by_confidence\""), std::string::npos);
}

}  // namespace
}  // namespace sharesim::planner
