// The search: cost levels cheapest first; each level's candidates screened by the bounds and the
// survivors simulated in parallel into slots indexed by candidate number; the first level with a
// feasible candidate decides. See planner.h for the contract and docs/planner.md for the reasons.
// The steps are in search_steps.h (input.cpp, work.cpp, bounds.cpp, candidate.cpp,
// enumeration.cpp, evaluation.cpp); shards merge in merge.cpp.
#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <string>
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
  result.proven_by_dominance = result.proven_by_short_run = result.rejected_by_confidence = 0;
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
      result.proven_by_dominance += e.proof == Evaluation::Proof::kDominance;
      result.proven_by_short_run += e.proof == Evaluation::Proof::kShortRun;
      result.rejected_by_confidence += e.proof == Evaluation::Proof::kConfidence;
    }
  }
  if (!result.chosen && result.infeasible.empty() && result.complete) {
    result.infeasible.push_back(
        "no configuration of the device options within the plan's limits meets every SLO "
        "(see the alternatives for what each policy misses)");
  }
}

namespace {

// Runs fn(0..n-1) on `jobs` threads (the calling one included), each index once. Work is handed
// out one index at a time, so a slow item does not hold up a batch.
template <typename Fn>
void parallel_for(size_t n, int jobs, Fn&& fn) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t k = next++; k < n; k = next++) fn(k);
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < std::min<int>(jobs, static_cast<int>(n)); ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
}

// The distinct entries of `lists` (SIZE_MAX skipped) that `want` selects, in increasing id order.
template <typename Want>
std::vector<size_t> distinct_entries(const std::vector<std::vector<size_t>>& lists, detail::GpuMemo& memo,
                                     Want&& want) {
  std::vector<size_t> out;
  for (const auto& list : lists)
    for (size_t id : list)
      if (id != SIZE_MAX) out.push_back(id);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  std::erase_if(out, [&](size_t id) { return !want(memo.entry(id)); });
  return out;
}

// One level by the per-GPU memo, the dominance references and the short runs (docs/planner.md,
// "Cutting the space without losing the optimum"). In phases, each over distinct GPUs or
// candidates in parallel, so that what is proven does not depend on thread timing:
//   1. the GPUs of each candidate (memo entries);
//   2. the dominance references of the GPUs new at this level, run in full;
//   3. a proof tried for each new GPU: dominance, then a short run;
//   4. full runs of the GPUs of candidates with no proven GPU;
//   5. each candidate assembled (proven infeasible, or from its GPUs' runs);
//   6. proven candidates that could be the best alternative of their policy simulated in full.
void evaluate_level(const Scenario& base, const PlanSpec& spec,
                    const std::vector<models::GpuProfile>& profiles, const detail::ProofSettings& settings,
                    int jobs, const std::vector<size_t>& to_simulate, LevelResult& level,
                    detail::GpuMemo& memo, detail::SearchMonitor& monitor) {
  std::vector<std::vector<size_t>> entries(to_simulate.size());
  parallel_for(to_simulate.size(), jobs, [&](size_t k) {
    const Candidate& c = level.candidates[to_simulate[k]];
    const Scenario whole = candidate_scenario(base, spec, c);
    for (size_t d = 0; d < c.devices.size(); ++d) {
      for (size_t g = 0; g < c.devices[d].gpus.size(); ++g) {
        const GpuPlan& gpu = c.devices[d].gpus[g];
        entries[k].push_back(gpu.tenants.empty()
                                 ? SIZE_MAX
                                 : memo.intern(detail::gpu_memo_key(whole, base, spec, c, d, g), c, d, g, -1,
                                               gpu.tenants.size()));
      }
    }
  });
  const std::vector<size_t> fresh =
      distinct_entries(entries, memo, [](const detail::GpuEntry& e) { return !e.dominance_tried; });
  auto full_runs = [&](const std::vector<size_t>& ids) {
    parallel_for(ids.size(), jobs, [&](size_t k) {
      if (monitor.should_stop()) return;  // the level is discarded: run nothing more
      detail::run_full(memo.entry(ids[k]), base, spec, memo.stop());
      memo.count_full_run();
      monitor.gpu_run_done();
    });
  };
  if (settings.dominance) {
    std::vector<std::vector<size_t>> references(fresh.size());
    parallel_for(fresh.size(), jobs, [&](size_t k) {
      detail::GpuEntry& e = memo.entry(fresh[k]);
      const DevicePlan& device = e.representative->devices[e.device];
      if (e.tenants < 2 || device.gpus[e.gpu].passthrough) return;
      const Scenario whole = candidate_scenario(base, spec, *e.representative);
      const Scenario alone = detail::gpu_scenario(whole, base, *e.representative, e.device, e.gpu);
      e.references.assign(e.tenants, SIZE_MAX);
      for (size_t t = 0; t < e.tenants; ++t) {
        if (detail::dominance_blocker(alone, t, spec, profiles, device)) continue;
        const std::string key =
            detail::gpu_memo_key(whole, base, spec, *e.representative, e.device, e.gpu, static_cast<int>(t));
        e.references[t] = memo.intern(key, *e.representative, e.device, e.gpu, static_cast<int>(t), 1);
      }
      references[k] = e.references;
    });
    full_runs(distinct_entries(references, memo, [](const detail::GpuEntry& e) { return !e.full_done; }));
  }
  auto unproven = [&](const std::vector<size_t>& list) {
    return std::all_of(list.begin(), list.end(), [&](size_t id) {
      return id == SIZE_MAX || memo.entry(id).proof == Evaluation::Proof::kNone;
    });
  };
  // Dominance first (its references have run), then short runs, only for GPUs of candidates
  // that no proven GPU dooms yet (a GPU run in full too: what it proves must not depend on
  // whether it was a reference, so that the counts do not depend on the shards).
  if (settings.dominance) {
    parallel_for(fresh.size(), jobs, [&](size_t k) {
      detail::GpuEntry& e = memo.entry(fresh[k]);
      if (!e.references.empty()) detail::prove_by_dominance(e, memo, detail::entry_scenario(e, base, spec));
    });
  }
  std::vector<std::vector<size_t>> alive;
  for (const auto& list : entries)
    if (unproven(list)) alive.push_back(list);
  const std::vector<size_t> to_screen = distinct_entries(alive, memo, [](const detail::GpuEntry& e) {
    return !e.screened && e.proof == Evaluation::Proof::kNone;
  });
  parallel_for(to_screen.size(), jobs, [&](size_t k) {
    detail::GpuEntry& e = memo.entry(to_screen[k]);
    detail::prove_by_short_run(e, memo, detail::entry_scenario(e, base, spec), spec, settings);
  });
  for (size_t id : fresh) memo.entry(id).dominance_tried = true;
  for (size_t id : to_screen) memo.entry(id).screened = true;
  std::vector<std::vector<size_t>> needed;
  for (const auto& list : entries)
    if (unproven(list)) needed.push_back(list);
  full_runs(distinct_entries(needed, memo, [](const detail::GpuEntry& e) { return !e.full_done; }));
  parallel_for(to_simulate.size(), jobs, [&](size_t k) {
    const size_t i = to_simulate[k];
    level.evaluations[i] = detail::assemble(base, spec, level.candidates[i], entries[k], memo, true);
    monitor.candidate_done();
  });
  // A proven candidate's margin is only bounded: where it could be the best of its policy at this
  // cost (no feasible one, and its bound reaches the best simulated margin), it is simulated in
  // full, so the alternatives shown are those exhaustive search shows. Highest bounds first, a
  // few per policy per round: a real margin found raises the best and spares the rest. (Which
  // ones are simulated changes no output: the true best's bound is never below the best found.)
  std::map<std::string, std::optional<double>> best;  // by policy label; nullopt: none simulated
  std::map<std::string, bool> feasible;
  std::map<std::string, std::vector<size_t>> pending;  // proven, positions in to_simulate
  for (size_t k = 0; k < to_simulate.size(); ++k) {
    const size_t i = to_simulate[k];
    const Evaluation& e = level.evaluations[i];
    const std::string label = level.candidates[i].policy_label();
    feasible[label] = feasible[label] || e.feasible;
    auto& b = best[label];
    if (e.state == Evaluation::State::kSimulated && e.proof == Evaluation::Proof::kNone)
      b = b ? std::max(*b, e.margin) : e.margin;
    if (e.proof != Evaluation::Proof::kNone && e.checks.empty()) pending[label].push_back(k);
  }
  for (auto& [label, list] : pending) {
    if (feasible[label]) list.clear();
    std::stable_sort(list.begin(), list.end(), [&](size_t a, size_t b) {
      return level.evaluations[to_simulate[a]].margin > level.evaluations[to_simulate[b]].margin;
    });
  }
  constexpr size_t kPerRound = 4;  // candidates per policy per round
  while (true) {
    std::vector<size_t> round;
    std::vector<std::vector<size_t>> round_entries;
    for (auto& [label, list] : pending) {
      size_t taken = 0;
      while (!list.empty() && taken < kPerRound) {
        const size_t k = list.front();
        if (best[label] && level.evaluations[to_simulate[k]].margin < *best[label]) {
          list.clear();  // sorted: none after it can reach the best either
          break;
        }
        list.erase(list.begin());
        round.push_back(k);
        round_entries.push_back(entries[k]);
        ++taken;
      }
    }
    if (round.empty()) break;
    full_runs(distinct_entries(round_entries, memo, [](const detail::GpuEntry& e) { return !e.full_done; }));
    parallel_for(round.size(), jobs, [&](size_t r) {
      const size_t i = to_simulate[round[r]];
      level.evaluations[i] =
          detail::assemble(base, spec, level.candidates[i], entries[round[r]], memo, false);
    });
    for (size_t k : round) {
      const Evaluation& e = level.evaluations[to_simulate[k]];
      auto& b = best[level.candidates[to_simulate[k]].policy_label()];
      if (e.state == Evaluation::State::kSimulated) b = b ? std::max(*b, e.margin) : e.margin;
    }
  }
}

}  // namespace

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
  detail::ProofSettings proof_settings;
  proof_settings.dominance = options.dominance;
  proof_settings.screen_fraction = options.screen_fraction;
  proof_settings.screen_confidence = options.screen_confidence;
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
    result.search_space.push_back({level.cost, level.candidates.size(), to_simulate.size(), level.truncated});
    monitor.level_started(l, result.search_space.back());
    if (options.exhaustive) {
      // The reference: every surviving candidate simulated whole, nothing memoised or proven.
      parallel_for(to_simulate.size(), jobs, [&](size_t k) {
        if (monitor.should_stop()) return;
        const size_t i = to_simulate[k];
        level.evaluations[i] = detail::simulate(base, spec, level.candidates[i]);
        monitor.candidate_done();
      });
    } else {
      evaluate_level(base, spec, *profiles, proof_settings, jobs, to_simulate, level, memo, monitor);
    }
    // A stop during the level may have cut any of its runs short (the memo's GPUs are shared by
    // its candidates): nothing of the level is kept, so no candidate is called infeasible by a cut run.
    if (monitor.should_stop()) {
      for (size_t i : to_simulate) level.evaluations[i] = Evaluation{};
      monitor.discard_level();
    }
    const bool found = std::any_of(level.evaluations.begin(), level.evaluations.end(),
                                   [](const Evaluation& e) { return e.feasible; });
    result.levels.push_back(std::move(level));
    if (monitor.stopped_in_level(result, l, levels.size(), found) || found) break;
  }
  if (options.shard_count == 1) {
    decide(result);
    detail::explain_choice(input, result);
  }
  result.gpu_simulations = memo.full_runs();
  result.short_runs = memo.short_runs();
  return result;
}

}  // namespace sharesim::planner
