// The planner's bounds (issue 12 item 10): a stop (time budget, signal) ends the search with a
// partial result that says what was not searched and never calls a candidate it did not finish
// infeasible; the per-level counts are what the search then simulates.
#include <gtest/gtest.h>

#include <csignal>
#include <string>

#include "sharesim/planner/planner.h"
#include "sharesim/reports/plan_outputs.h"

namespace sharesim::planner {
namespace {

// One 1 ms kernel at 100/s with a p99 target of 0.5 ms: no candidate can meet it, so the search
// goes through every level. One device option (1 GPU, cost 1), at most 2 devices: the multisets
// {1} and {1, 1}, so 2 cost levels (costs 1 and 2).
PlanInput unsolvable() {
  const std::string yaml =
      "name: t\nseed: 5\nduration: 200ms\nwarmup: 100ms\n"
      "devices:\n  - {name: edge, gpus: 1, sharing: time-slicing, setup: [{kubernetes: {}}]}\n"
      "workloads:\n  - name: a\n    device: edge\n    runtime: kubernetes\n    memory: 1GiB\n"
      "    arrivals: {poisson: {rate: 100/s}}\n"
      "    request: {ops: [{kernel: {duration: 1ms, sms: 40, memory_bound: 0}}]}\n    slo: {p99: 0.5ms}\n"
      "plan:\n  device_options: [{gpus: 1, cost: 1.0}]\n  max_devices: 2\n  replicas: {min: 1, max: 2}\n";
  auto input = load_plan_input_text(yaml, "test.yaml", ".");
  EXPECT_TRUE(input) << (input ? "" : input.error().to_string());
  return input ? std::move(*input) : PlanInput{};
}

TEST(PlanStop, AStopBeforeTheSearchLeavesEveryLevelNotSearchedAndProvesNothing) {
  const PlanInput input = unsolvable();
  sim::StopToken stop;
  stop.set_deadline(sim::StopToken::Clock::now() - std::chrono::seconds(1));
  PlanOptions options;
  options.stop = &stop;
  auto r = plan(input, options);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->interrupted, "the time budget ran out");
  EXPECT_FALSE(r->complete);
  EXPECT_FALSE(r->chosen);
  EXPECT_TRUE(r->infeasible.empty());  // "no plan" from a stopped search is no proof
  EXPECT_EQ(r->simulated, 0u);
  ASSERT_EQ(r->skipped.size(), 1u);
  EXPECT_EQ(r->skipped[0], "cost levels 1 to 2: not searched (stopped: the time budget ran out)");
  const std::string json = reports::plan_json(input, *r);
  EXPECT_NE(json.find("\"interrupted\": true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"stopped_by\": \"the time budget ran out\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"status\": \"inconclusive\""), std::string::npos) << json;
}

TEST(PlanStop, AStopWhenALevelStartsKeepsTheEarlierLevelsWholeAndSimulatesNothingOfIt) {
  const PlanInput input = unsolvable();
  sim::StopToken stop;
  PlanOptions options;
  options.jobs = 2;
  options.stop = &stop;
  options.on_progress = [&stop](const SearchProgress& p) {
    if (p.level_started && p.level == 1) stop.request_stop(SIGINT);
  };
  auto r = plan(input, options);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->interrupted, "interrupted by SIGINT (Ctrl-C)");
  ASSERT_EQ(r->levels.size(), 2u);
  for (const Evaluation& e : r->levels[0].evaluations) EXPECT_NE(e.state, Evaluation::State::kNotEvaluated);
  for (const Evaluation& e : r->levels[1].evaluations) {
    EXPECT_NE(e.state, Evaluation::State::kSimulated);
    EXPECT_FALSE(e.feasible);
  }
  ASSERT_EQ(r->search_space.size(), 2u);
  const size_t level2 = r->search_space[1].to_simulate;
  ASSERT_GT(level2, 0u);
  ASSERT_EQ(r->skipped.size(), 1u);
  EXPECT_EQ(r->skipped[0], "cost level 2 (cost 2): " + std::to_string(level2) + " of " +
                               std::to_string(level2) +
                               " candidates not simulated (stopped: interrupted by SIGINT (Ctrl-C))");
}

TEST(PlanCount, CountOnlyIsWhatTheFullSearchCountsAndSimulates) {
  const PlanInput input = unsolvable();
  PlanOptions count;
  count.count_only = true;
  auto counted = plan(input, count);
  auto searched = plan(input, PlanOptions{});
  ASSERT_TRUE(counted && searched);
  EXPECT_TRUE(counted->levels.empty());  // nothing simulated
  ASSERT_EQ(counted->search_space_levels, 2u);
  ASSERT_EQ(counted->search_space.size(), 2u);
  ASSERT_EQ(searched->search_space.size(), 2u);  // no level is feasible: the search reaches both
  size_t candidates = 0, to_simulate = 0;
  for (size_t l = 0; l < 2; ++l) {
    EXPECT_EQ(counted->search_space[l].cost, searched->search_space[l].cost);
    EXPECT_EQ(counted->search_space[l].candidates, searched->search_space[l].candidates);
    EXPECT_EQ(counted->search_space[l].to_simulate, searched->search_space[l].to_simulate);
    candidates += counted->search_space[l].candidates;
    to_simulate += counted->search_space[l].to_simulate;
  }
  EXPECT_EQ(counted->search_space[0].cost, 1.0);
  EXPECT_EQ(counted->search_space[1].cost, 2.0);
  EXPECT_EQ(candidates, searched->candidates);
  EXPECT_EQ(to_simulate, searched->simulated);
  EXPECT_EQ(candidates - to_simulate, searched->screened_out);
}

}  // namespace
}  // namespace sharesim::planner
