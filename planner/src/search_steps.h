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
#include "sharesim/planner/proofs.h"
#include "sharesim/run/run_report.h"
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

// The key the memo files a GPU under: profile, policy, and per tenant its workload, processes,
// share of a split workload, and its MPS settings as `whole` has them (after the target's rules).
// With `only_tenant` >= 0, the key of that tenant alone on such a GPU (its dominance reference).
std::string gpu_memo_key(const scenarios::Scenario& whole, const scenarios::Scenario& base,
                         const scenarios::PlanSpec& spec, const Candidate& c, size_t device, size_t gpu,
                         int only_tenant = -1);

// ---- gpu_memo.cpp ----
// How the search cuts the space (PlanOptions): proofs that a GPU misses an SLO without its
// full-length run.
struct ProofSettings {
  bool dominance = true;
  double screen_fraction = 0;    // 0: no short runs
  double screen_confidence = 1;  // 1: short runs reject only by proof
};

// One GPU configuration of the search and what is known of it. Its scenario is made from the
// first candidate (in level, index order) that has it.
struct GpuEntry {
  const Candidate* representative = nullptr;
  size_t level = 0, index = 0, device = 0, gpu = 0;
  int only_tenant = -1;  // a dominance reference: that tenant alone
  size_t tenants = 0;
  // The full-length run (full_done) and, for a GPU with one tenant, that tenant's requests.
  bool full_done = false;
  GpuOutcome full;
  std::optional<proofs::Witness> witness;
  // A proof that a tenant misses an SLO, made without the full-length run. Each rule is tried
  // once per entry (so the proof is a function of the configuration alone): dominance when the
  // entry is first seen, a short run when it first belongs to a candidate no other GPU dooms.
  bool dominance_tried = false, screened = false;
  Evaluation::Proof proof = Evaluation::Proof::kNone;
  size_t proof_tenant = 0;
  std::string proof_reason;        // "misses p99: ...", the tenant's name prepended by the caller
  double margin_bound = 0;         // the candidate's margin is at most this (< 0)
  std::vector<size_t> references;  // dominance: the reference entry of each tenant, or SIZE_MAX
};

// The GPU configurations of a search, by key (thread-safe registration; each phase of the search
// then works on entries by index, one worker per entry, so no entry is touched by two threads).
class GpuMemo {
 public:
  GpuMemo();
  ~GpuMemo();
  GpuMemo(const GpuMemo&) = delete;
  GpuMemo& operator=(const GpuMemo&) = delete;
  // The entry of `key`, created from this GPU of candidate `c` if new; a known entry keeps the
  // earliest representative (so the scenario it runs does not depend on thread timing).
  size_t intern(const std::string& key, const Candidate& c, size_t device, size_t gpu, int only_tenant,
                size_t tenants);
  GpuEntry& entry(size_t id);
  [[nodiscard]] size_t size() const;
  // Runs, by kind, for the report (plan prints them): full-length GPU runs, short runs.
  [[nodiscard]] size_t full_runs() const;
  [[nodiscard]] size_t short_runs() const;
  void count_full_run();
  void count_short_run();
  // The search's stop (PlanOptions::stop): every run of the memo's GPUs polls it (run_full,
  // prove_by_short_run), so a stop cuts a long level short (the search then keeps nothing of it).
  void set_stop(const sim::StopToken* stop);
  [[nodiscard]] const sim::StopToken* stop() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The one-GPU scenario of an entry (its representative's GPU; a reference keeps one tenant).
scenarios::Scenario entry_scenario(const GpuEntry& e, const scenarios::Scenario& base,
                                   const scenarios::PlanSpec& spec);
// The entry's full-length run (sets full, and witness for a one-tenant GPU).
// A stop (`stop`, may be null) cuts it short: then `full` is not exact.
void run_full(GpuEntry& e, const scenarios::Scenario& base, const scenarios::PlanSpec& spec,
              const sim::StopToken* stop = nullptr);

// ---- dominance.cpp ----
// Why tenant `t` of this GPU cannot be bounded by its run alone (docs/planner.md: the
// conditions of the coupling), or nullopt when it can: then its reference is the same part alone
// on the same kind of GPU with the same policy and MPS setting.
std::optional<std::string> dominance_blocker(const scenarios::Scenario& gpu_alone, size_t t,
                                             const scenarios::PlanSpec& spec,
                                             const std::vector<models::GpuProfile>& profiles,
                                             const DevicePlan& device);
// The proof from the references (already run) that a tenant of `e` misses, if any (sets e.proof).
void prove_by_dominance(GpuEntry& e, GpuMemo& memo, const scenarios::Scenario& gpu_alone);

// ---- screening.cpp ----
// The measured requests of each workload of a run, from its request records.
std::vector<std::optional<proofs::Witness>> witnesses_of(
    const scenarios::Scenario& s, const std::vector<std::vector<models::RequestRecord>>& records,
    const run::RunReport& report);
// The measured arrivals of a workload over a run of `s` (open arrivals only; nullopt otherwise).
std::optional<uint64_t> measured_arrivals(const scenarios::Scenario& s, size_t workload);
// The short run of `gpu_alone` (settings.screen_fraction of its duration) and what it proves.
void prove_by_short_run(GpuEntry& e, GpuMemo& memo, const scenarios::Scenario& gpu_alone,
                        const scenarios::PlanSpec& spec, const ProofSettings& settings);

// ---- evaluation.cpp ----
std::vector<CheckOutcome> checks_of_stats(const models::WorkloadStats& ws);
// The candidate evaluated from its GPUs' entries: proven infeasible when one of them has a proof
// and `use_proofs`, else assembled from their full runs (the same Evaluation simulate() gives,
// tested), falling back to simulate() when a GPU is not exact. REQUIRES: the entries it needs run.
Evaluation assemble(const scenarios::Scenario& base, const scenarios::PlanSpec& spec, const Candidate& c,
                    const std::vector<size_t>& entries, GpuMemo& memo, bool use_proofs);

}  // namespace sharesim::planner::detail
