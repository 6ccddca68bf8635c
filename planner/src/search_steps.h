// The steps of the search (search.cpp) and of the shard merge (merge.cpp), one file each:
// input.cpp, work.cpp, bounds.cpp, candidate.cpp, enumeration.cpp, evaluation.cpp. Private to the
// planner library.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "sharesim/models/gpu_profile.h"
#include "sharesim/planner/planner.h"
#include "sharesim/scenarios/plan_spec.h"
#include "sharesim/scenarios/scenario.h"
#include "sharesim/sim/result.h"

namespace sharesim::planner::detail {

// ---- input.cpp ----
// The GPU profile of each device option; an error is located at the option's gpu_profile.
Result<std::vector<models::GpuProfile>> option_profiles(const scenarios::Scenario& base,
                                                        const scenarios::PlanSpec& spec);

// ---- work.cpp ----
// Poisson and constant arrivals can be split across GPUs in proportion to the processes.
bool splittable(const models::ArrivalSpec& arrivals);
// The work of one request of `workload` on `profile` at `sm_cap` SMs (0: all); see RequestWork.
RequestWork work_on(const scenarios::WorkloadSpec& workload, const models::GpuProfile& profile, int sm_cap);
// "1.50 GiB", for messages.
std::string bytes_text(double bytes);

// ---- candidate.cpp ----
std::vector<int> processes_per_workload(const scenarios::Scenario& base, const Candidate& c);
// GPUs each workload has processes on (a workload on k GPUs is simulated as k parts).
std::vector<int> parts_per_workload(const scenarios::Scenario& base, const Candidate& c);

// ---- bounds.cpp ----
// The cheap bound of a candidate with the option profiles already resolved (see screen()).
std::optional<std::string> screen_with(const scenarios::Scenario& base, const scenarios::PlanSpec& spec,
                                       const std::vector<models::GpuProfile>& profiles, const Candidate& c);
// Why the problem cannot be solved whatever the search does, one line per workload.
std::vector<std::string> hopeless_workloads(const scenarios::Scenario& base, const scenarios::PlanSpec& spec,
                                            const std::vector<models::GpuProfile>& profiles);

// ---- enumeration.cpp ----
struct Level {
  double cost = 0;
  std::vector<std::vector<size_t>> multisets;  // option index per device, non-decreasing
};
// Device multisets of at most min(max_devices, max_useful_devices) devices, grouped into cost
// levels, cheapest first.
std::vector<Level> make_levels(const scenarios::PlanSpec& spec, int max_useful_devices);
struct LevelCandidates {
  std::vector<Candidate> candidates;  // in search order, index = position
  bool truncated = false;             // the level had more than the per-level bound
};
LevelCandidates enumerate_level(const scenarios::Scenario& base, const scenarios::PlanSpec& spec,
                                const std::vector<models::GpuProfile>& profiles, const Level& level,
                                size_t level_index);

// ---- evaluation.cpp ----
// The candidate's scenario simulated, with every SLO check and its margin.
Evaluation simulate(const scenarios::Scenario& base, const scenarios::PlanSpec& spec, const Candidate& c);

}  // namespace sharesim::planner::detail
