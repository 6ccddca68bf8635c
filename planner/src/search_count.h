// The search's bounds (issue 12): the up-front count of the search space, progress, and stopping
// (a time budget, a signal) with what was and was not searched. Private to the planner library;
// search.cpp calls these at its level and candidate loops.
#pragma once

#include <atomic>
#include <cstddef>
#include <vector>

#include "constraints.h"
#include "search_steps.h"
#include "sharesim/planner/planner.h"

namespace sharesim::planner::detail {

// Every level enumerated and screened, nothing simulated (PlanOptions::count_only): what the
// search would simulate if no level had a feasible candidate. Enumerating every level costs about
// as much as the search of a small plan (the example's 14 levels: 1.7 s, its search 0.5 s), so the
// search itself counts each level only when it reaches it. Stops early (a shorter result) when
// options.stop says so.
std::vector<LevelCount> count_search_space(const scenarios::Scenario& base, const scenarios::PlanSpec& spec,
                                           const std::vector<models::GpuProfile>& profiles,
                                           const PlanConstraints& constraints,
                                           const std::vector<Level>& levels, const PlanOptions& options);

// The search's progress and stop checks, shared by its worker threads.
class SearchMonitor {
 public:
  SearchMonitor(const PlanOptions& options, size_t levels) : options_(options), levels_(levels) {}
  // A level starts: its count (`to_simulate` of its candidates survived the bounds).
  void level_started(size_t level, const LevelCount& count);
  // Before each candidate: whether the search must stop now.
  [[nodiscard]] bool should_stop() const { return options_.stop != nullptr && options_.stop->should_stop(); }
  void candidate_done();  // thread-safe
  void gpu_run_done();    // a full run of one GPU configuration (the memo's); thread-safe
  // The level's evaluations were not kept (a stop during it): none of it counts as simulated.
  void discard_level() { level_done_ = 0; }
  // After a level (`found`: it has a feasible candidate): when the stop left candidates of it, or
  // later levels that the search needed, unsimulated, records why and what was not searched in
  // `result` and returns true (the search ends).
  bool stopped_in_level(PlanResult& result, size_t level, size_t levels, bool found) const;
  // Before a level starts: the same when the stop came before it.
  bool stopped_before_level(PlanResult& result, size_t level, size_t levels) const;

 private:
  void report(bool level_start) const;
  void not_searched_from(PlanResult& result, size_t level, size_t levels) const;
  const PlanOptions& options_;
  size_t levels_ = 0;
  size_t level_ = 0;
  LevelCount count_;
  std::atomic<size_t> level_done_{0};
  std::atomic<size_t> done_{0};
  std::atomic<size_t> gpu_runs_{0};
};

}  // namespace sharesim::planner::detail
