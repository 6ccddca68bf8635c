// The steps of the search (search.cpp) and of the shard merge (merge.cpp), one file each:
// input.cpp, work.cpp, bounds.cpp, candidate.cpp, enumeration.cpp, evaluation.cpp. Private to the
// planner library.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
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
// The random streams of a split part: named by the workload and the part's share of its processes,
// never by the device or GPU it lands on.
std::string part_stream_name(const std::string& workload, int processes, int total);
// One scenario workload of a candidate: a tenant of one GPU (a part of a split workload).
struct PartRef {
  size_t workload = 0, device = 0, gpu = 0, tenant = 0;
};
// The parts in the order candidate_scenario lists them: by workload, then device, GPU, tenant.
std::vector<PartRef> parts_in_order(const scenarios::Scenario& base, const Candidate& c);
// "name", or "name@device/gpuN" for a workload split over `parts` GPUs.
std::string part_name(const std::string& workload, const DevicePlan& plan, size_t gpu_index, int parts);
// One GPU of a candidate on its own: `whole` (candidate_scenario of `c`: VM names, target rules
// and all) keeping only that GPU's device and the workloads on that GPU, each named "tenant<t>"
// with the random streams it has in `whole`.
scenarios::Scenario gpu_scenario(const scenarios::Scenario& whole, const scenarios::Scenario& base,
                                 const Candidate& c, size_t device, size_t gpu);

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
  std::vector<Candidate> candidates;     // in search order, index = position
  bool truncated = false;                // the level had more than the per-level bound
  std::map<std::string, size_t> pruned;  // removed by the target's rules and the constraints, per rule
};
struct PlanConstraints;  // constraints.h
LevelCandidates enumerate_level(const scenarios::Scenario& base, const scenarios::PlanSpec& spec,
                                const std::vector<models::GpuProfile>& profiles,
                                const PlanConstraints& constraints, const Level& level, size_t level_index,
                                size_t max_candidates);

// ---- evaluation.cpp ----
// The candidate's scenario simulated, with every SLO check and its margin.
Evaluation simulate(const scenarios::Scenario& base, const scenarios::PlanSpec& spec, const Candidate& c);

// What one GPU's simulation gives, whatever candidate it is part of: the SLO checks of each
// tenant (CheckOutcome::workload left empty), or `exact` false when the GPU cannot stand for
// itself (a run error, a failed process: their messages name the device; a run that ended before
// its duration: the end of a run is shared by all its GPUs). Then the candidate is simulated whole.
struct GpuOutcome {
  bool exact = false;
  std::vector<std::vector<CheckOutcome>> tenant_checks;
};
// The GPUs of a scenario do not interact unless a workload spans them, and the planner splits a
// workload into one part per GPU (its own arrivals, streams named by part_stream_name): so a
// GPU's outcome is a function of its key (profile, policy, tenants with their processes, share and
// MPS percentage) and is simulated once per search. Thread-safe; each key simulated exactly once.
class GpuMemo {
 public:
  GpuMemo();
  ~GpuMemo();
  GpuMemo(const GpuMemo&) = delete;
  GpuMemo& operator=(const GpuMemo&) = delete;
  // The outcome of GPU `gpu` of device `device` of `c` (whose scenario is `whole`), simulated on
  // first use of its key.
  const GpuOutcome& outcome(const scenarios::Scenario& whole, const scenarios::Scenario& base,
                            const scenarios::PlanSpec& spec, const Candidate& c, size_t device, size_t gpu);
  [[nodiscard]] size_t simulations() const;  // distinct GPUs simulated so far
  // The search's stop (PlanOptions::stop): every simulation the memo and evaluate() run polls it,
  // so a stop cuts a long candidate short (its evaluation is then discarded by the search).
  void set_stop(const sim::StopToken* stop);
  [[nodiscard]] const sim::StopToken* stop() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};
// The key the memo files a GPU under: profile, policy, and per tenant its workload, processes,
// share of a split workload, and its MPS settings as `whole` has them (after the target's rules).
std::string gpu_memo_key(const scenarios::Scenario& whole, const scenarios::Scenario& base,
                         const scenarios::PlanSpec& spec, const Candidate& c, size_t device, size_t gpu);
// The candidate evaluated from its GPUs' memoised outcomes (the same Evaluation simulate() gives,
// tested), falling back to simulate() when a GPU is not exact.
Evaluation evaluate(const scenarios::Scenario& base, const scenarios::PlanSpec& spec, const Candidate& c,
                    GpuMemo& memo);

}  // namespace sharesim::planner::detail
