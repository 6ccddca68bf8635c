#include "search_count.h"

#include <string>

#include "sharesim/sim/text_format.h"

namespace sharesim::planner::detail {

std::vector<LevelCount> count_search_space(const scenarios::Scenario& base, const scenarios::PlanSpec& spec,
                                           const std::vector<models::GpuProfile>& profiles,
                                           const PlanConstraints& constraints,
                                           const std::vector<Level>& levels, const PlanOptions& options) {
  std::vector<LevelCount> counts;
  for (size_t l = 0; l < levels.size(); ++l) {
    if (options.stop && options.stop->should_stop()) break;
    auto enumerated =
        enumerate_level(base, spec, profiles, constraints, levels[l], l, options.max_candidates_per_level);
    LevelCount count;
    count.cost = levels[l].cost;
    count.candidates = enumerated.candidates.size();
    count.truncated = enumerated.truncated;
    for (size_t i = 0; i < enumerated.candidates.size(); ++i) {
      if (static_cast<int>(i % static_cast<size_t>(options.shard_count)) != options.shard_index) continue;
      if (!screen_with(base, spec, profiles, enumerated.candidates[i])) ++count.to_simulate;
    }
    counts.push_back(count);
  }
  return counts;
}

void SearchMonitor::level_started(size_t level, const LevelCount& count) {
  level_ = level;
  count_ = count;
  level_done_ = 0;
  report(true);
}

void SearchMonitor::candidate_done() {
  ++level_done_;
  ++done_;
  report(false);
}

void SearchMonitor::gpu_run_done() {
  ++gpu_runs_;
  report(false);
}

void SearchMonitor::report(bool level_start) const {
  if (!options_.on_progress) return;
  SearchProgress p;
  p.level = level_;
  p.levels = levels_;
  p.cost = count_.cost;
  p.level_candidates = count_.candidates;
  p.level_simulated = level_done_.load();
  p.level_to_simulate = count_.to_simulate;
  p.level_started = level_start;
  p.simulated = done_.load();
  p.gpu_runs = gpu_runs_.load();
  options_.on_progress(p);
}

bool SearchMonitor::stopped_in_level(PlanResult& result, size_t level, size_t levels, bool found) const {
  if (options_.stop == nullptr || options_.stop->cause() == sim::StopToken::Cause::kNone) return false;
  const size_t left = count_.to_simulate - level_done_.load();
  // A stop after the level's last candidate changes nothing when this level decides the search
  // (a feasible candidate) or is the last one.
  if (left == 0 && (found || level + 1 >= levels)) return false;
  result.interrupted = options_.stop->description();
  if (left > 0) {
    result.not_searched.push_back("cost level " + std::to_string(level + 1) + " (cost " +
                                  sim::fmt("%g", count_.cost) + "): " + std::to_string(left) + " of " +
                                  std::to_string(count_.to_simulate) +
                                  " candidates not simulated (stopped: " + result.interrupted + ")");
  }
  if (!found) not_searched_from(result, level + 1, levels);
  return true;
}

bool SearchMonitor::stopped_before_level(PlanResult& result, size_t level, size_t levels) const {
  if (!should_stop()) return false;
  result.interrupted = options_.stop->description();
  not_searched_from(result, level, levels);
  return true;
}

void SearchMonitor::not_searched_from(PlanResult& result, size_t level, size_t levels) const {
  if (level >= levels) return;
  result.not_searched.push_back(
      (level + 1 == levels ? "cost level " + std::to_string(levels)
                           : "cost levels " + std::to_string(level + 1) + " to " + std::to_string(levels)) +
      ": not searched (stopped: " + result.interrupted + ")");
}

}  // namespace sharesim::planner::detail
