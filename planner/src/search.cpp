// The search: cost levels cheapest first; each level's candidates screened by the bounds and the
// survivors simulated in parallel into slots indexed by candidate number; the first level with a
// feasible candidate decides. See planner.h for the contract and docs/planner.md for the reasons.
// The steps are in search_steps.h (input.cpp, work.cpp, bounds.cpp, candidate.cpp,
// enumeration.cpp, evaluation.cpp); shards merge in merge.cpp.
#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>

#include "constraints.h"
#include "search_count.h"
#include "search_steps.h"
#include "sharesim/planner/planner.h"
#include "sharesim/sim/text_format.h"

namespace sharesim::planner {

using scenarios::PlanSpec;
using scenarios::Scenario;

void decide(PlanResult& result) {
  result.chosen.reset();
  for (size_t l = 0; l < result.levels.size() && !result.chosen; ++l) {
    const LevelResult& level = result.levels[l];
    for (size_t i = 0; i < level.evaluations.size(); ++i) {
      const Evaluation& e = level.evaluations[i];
      if (!e.feasible) continue;
      if (!result.chosen || e.margin > level.evaluations[result.chosen->second].margin)
        result.chosen = {l, i};
    }
    if (result.chosen) result.levels.resize(l + 1);
  }
  result.candidates = result.screened_out = result.simulated = 0;
  result.skipped.clear();
  for (size_t l = 0; l < result.levels.size(); ++l) {
    if (result.levels[l].truncated) {
      result.skipped.push_back("cost level " + std::to_string(l + 1) + " (cost " +
                               sim::fmt("%g", result.levels[l].cost) + "): candidates after the first " +
                               std::to_string(result.levels[l].candidates.size()) +
                               " were not generated (the per-level bound)");
    }
  }
  // A stopped search (time budget, signal): what it left out.
  for (const std::string& s : result.not_searched) result.skipped.push_back(s);
  result.complete = result.skipped.empty();
  for (const LevelResult& level : result.levels) {
    result.candidates += level.candidates.size();
    for (const Evaluation& e : level.evaluations) {
      if (e.state == Evaluation::State::kScreenedOut) ++result.screened_out;
      if (e.state == Evaluation::State::kSimulated || e.state == Evaluation::State::kError)
        ++result.simulated;
    }
  }
  if (!result.chosen && result.infeasible.empty() && result.complete) {
    result.infeasible.push_back(
        "no configuration of the device options within the plan's limits meets every SLO "
        "(see the alternatives for what each policy misses)");
  }
}

Result<PlanResult> plan(const PlanInput& input, const PlanOptions& options) {
  if (!input.spec) {
    return Error{input.scenario.file, 0, 0, "plan",
                 "expected a `plan:` section (device_options, max_devices, policies, ...), found none"};
  }
  const Scenario& base = input.scenario;
  const PlanSpec& spec = *input.spec;
  auto profiles = detail::option_profiles(base, spec);
  if (!profiles) return profiles.error();
  PlanResult result;
  result.infeasible = detail::hopeless_workloads(base, spec, *profiles);
  if (!result.infeasible.empty()) return result;

  const int max_useful_devices = spec.replicas.max * static_cast<int>(base.workloads.size());
  const std::vector<detail::Level> levels = detail::make_levels(spec, max_useful_devices);
  auto constraints = detail::resolve_constraints(base, spec);
  if (!constraints) return constraints.error();
  const int jobs = std::max(1, options.jobs);
  detail::GpuMemo memo;  // across levels: a GPU configuration recurs at every cost
  memo.set_stop(options.stop);
  result.search_space_levels = levels.size();
  if (options.count_only) {
    result.search_space = detail::count_search_space(base, spec, *profiles, *constraints, levels, options);
    return result;
  }
  detail::SearchMonitor monitor(options, levels.size());
  for (size_t l = 0; l < levels.size(); ++l) {
    if (monitor.stopped_before_level(result, l, levels.size())) break;
    LevelResult level;
    level.cost = levels[l].cost;
    auto enumerated = detail::enumerate_level(base, spec, *profiles, *constraints, levels[l], l,
                                              options.max_candidates_per_level);
    level.candidates = std::move(enumerated.candidates);
    level.truncated = enumerated.truncated;
    level.pruned = std::move(enumerated.pruned);
    level.evaluations.resize(level.candidates.size());
    std::vector<size_t> to_simulate;
    for (size_t i = 0; i < level.candidates.size(); ++i) {
      if (static_cast<int>(i % static_cast<size_t>(options.shard_count)) != options.shard_index) continue;
      if (auto why = detail::screen_with(base, spec, *profiles, level.candidates[i])) {
        level.evaluations[i].state = Evaluation::State::kScreenedOut;
        level.evaluations[i].reason = *why;
      } else {
        to_simulate.push_back(i);
      }
    }
    // Each simulation is independent and single-threaded; results go to their candidate's slot.
    result.search_space.push_back({level.cost, level.candidates.size(), to_simulate.size(), level.truncated});
    monitor.level_started(l, result.search_space.back());
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (size_t k = next++; k < to_simulate.size() && !monitor.should_stop(); k = next++) {
        const size_t i = to_simulate[k];
        level.evaluations[i] = options.exhaustive ? detail::simulate(base, spec, level.candidates[i])
                                                  : detail::evaluate(base, spec, level.candidates[i], memo);
        // A stop may have cut this candidate's simulation short: its evaluation is not kept.
        if (monitor.should_stop()) {
          level.evaluations[i] = Evaluation{};
          break;
        }
        monitor.candidate_done();
      }
    };
    std::vector<std::thread> threads;
    for (int t = 1; t < std::min<int>(jobs, static_cast<int>(to_simulate.size())); ++t)
      threads.emplace_back(worker);
    worker();
    for (auto& t : threads) t.join();
    const bool found = std::any_of(level.evaluations.begin(), level.evaluations.end(),
                                   [](const Evaluation& e) { return e.feasible; });
    result.levels.push_back(std::move(level));
    if (monitor.stopped_in_level(result, l, levels.size(), found) || found) break;
  }
  if (options.shard_count == 1) {
    decide(result);
    detail::explain_choice(input, result);
  }
  result.gpu_simulations = memo.simulations();
  return result;
}

}  // namespace sharesim::planner
