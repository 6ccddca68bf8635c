// Capacity planning: the cheapest configuration of devices, placements, sharing policies and MPS
// percentages whose simulated SLOs all hold (docs/planner.md). The planner returns a PlanResult and
// writes nothing: plan.json, plan.md and report.html are made by reports/ (plan_outputs.h), the
// deploy/ manifests by deploy/.
//
// Search (deterministic order, no randomness):
//   1. Device multisets (how many devices of each `device_options` entry, at most max_devices) are
//      grouped into cost levels, cheapest first.
//   2. Within a level: replica counts per workload (replicas.min..max, lexicographic), placements of
//      each workload's processes on the GPUs (canonical: interchangeable GPUs are not tried twice),
//      the policy of each GPU (passthrough = one GPU VM per process; otherwise the device's one
//      container sharing mode, time-slicing or MPS), and MPS percentage vectors.
//   3. Each candidate is screened by cheap bounds (memory, MPS client limit, GPU load, per-process
//      load at its SM cap); survivors are evaluated from per-GPU runs (each distinct GPU once), in
//      parallel into slots indexed by candidate number, so results do not depend on the number of
//      threads. A GPU proven to miss (dominance by a part's run alone, or a short run's prefix:
//      proofs.h) needs no full-length run; the chosen plan and every figure shown come from
//      full-length runs (docs/planner.md, "Cutting the space without losing the optimum").
//   4. The first level with a feasible candidate ends the search; its whole level is evaluated and
//      the feasible candidate with the largest SLO margin wins (ties: the lowest candidate number).
//
// A workload whose processes sit on more than one GPU is simulated as one scenario workload per GPU
// ("name@device/gpuN") with the arrivals split in proportion to the processes (Poisson and constant
// arrivals only: other kinds keep all processes on one GPU); every part must meet the latency SLOs,
// and the min-throughput target is split in the same proportion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sharesim/scenarios/plan_spec.h"
#include "sharesim/scenarios/scenario.h"
#include "sharesim/sim/result.h"
#include "sharesim/sim/stop_token.h"

namespace sharesim::planner {

// A scenario with its plan section, as the planner reads it.
struct PlanInput {
  scenarios::Scenario scenario;             // the base: workloads, seed, duration; devices are replaced
  std::optional<scenarios::PlanSpec> spec;  // nullopt when the file has no plan section
  std::string path;                         // as given
  std::vector<std::string> overrides;       // --set, as given
  // FNV-1a (64 bit, hex) of the scenario file's bytes: shards record it, and merge refuses shards
  // computed from another version of the file. "" when loaded from text.
  std::string content_hash;
};

// Loads the scenario at `path` (with --set overrides) and its `plan:` section.
Result<PlanInput> load_plan_input(const std::string& path, const std::vector<std::string>& overrides = {});
// The same from text (tests); relative paths resolve against base_dir.
Result<PlanInput> load_plan_input_text(std::string_view yaml, const std::string& file,
                                       const std::string& base_dir);

// ---- Candidates ---------------------------------------------------------------------------------
struct Tenant {
  size_t workload = 0;     // index into the base scenario's workloads
  int processes = 1;       // replicas of that workload on this GPU
  int mps_percentage = 0;  // CUDA_MPS_ACTIVE_THREAD_PERCENTAGE under MPS, 0 otherwise
};
struct GpuPlan {
  bool passthrough = false;     // a GPU VM (exactly one process)
  std::vector<Tenant> tenants;  // empty: the GPU is unused
};
struct DevicePlan {
  size_t option = 0;          // index into PlanSpec::device_options
  std::string name;           // "<option name>-<k>", k counting from 1 per option
  bool mps = false;           // the container sharing mode (only meaningful with container GPUs)
  std::vector<GpuPlan> gpus;  // passthrough GPUs first (VMs claim GPUs in creation order)
  [[nodiscard]] bool has_containers() const;
};
struct Candidate {
  size_t level = 0;
  size_t index = 0;  // within its level
  double cost = 0;
  std::vector<DevicePlan> devices;
  [[nodiscard]] std::string policy_label() const;  // e.g. "mps", "passthrough+time-slicing"
  [[nodiscard]] std::string describe(const scenarios::Scenario& base) const;  // one line
};

// ---- Evaluation ---------------------------------------------------------------------------------
struct CheckOutcome {
  std::string workload;  // the scenario workload (part) name
  std::string metric;    // "p99", "mean", "throughput", ...
  double target = 0;     // seconds, or requests/s for throughput
  double measured = 0;   // seconds (infinity when unbounded), or requests/s
  double margin = 0;  // (target - measured) / target for latency, (measured - target) / target for throughput
  bool met = false;
};
struct Evaluation {
  enum class State { kNotEvaluated, kScreenedOut, kSimulated, kError };
  State state = State::kNotEvaluated;
  std::string reason;  // why screened out, the error, or the first failed process
  bool feasible = false;
  double margin = 0;  // min over checks (0 when there is none); meaningful when simulated
  std::vector<CheckOutcome> checks;
  // A candidate proven to miss an SLO without the full-length run of one of its GPUs
  // (docs/planner.md, "Cutting the space without losing the optimum"): kDominance by the
  // run of a workload part alone on such a GPU, kShortRun by a short run's prefix, kConfidence by
  // the short run's binomial rule (--screen-confidence < 1). Its state is kSimulated and
  // `feasible` false; without further runs `checks` is empty and `margin` an upper bound on the
  // margin it would have. A proven candidate that could be the best alternative of its cost level
  // and policy is then simulated in full (checks and margin as exhaustive search gives them): the
  // proof stays recorded, so the counts do not depend on the shards.
  enum class Proof { kNone, kDominance, kShortRun, kConfidence };
  Proof proof = Proof::kNone;
};

// One cost level of the search space as counted before any of its candidates is simulated: its
// candidates (up to the per-level bound) and those the cheap bounds leave to simulate (in this
// shard).
struct LevelCount {
  double cost = 0;
  size_t candidates = 0, to_simulate = 0;
  bool truncated = false;  // more candidates than the per-level bound
};

// Where the search is, for a progress display (PlanOptions::on_progress).
struct SearchProgress {
  size_t level = 0;              // the cost level being simulated (0-based)
  size_t levels = 0;             // cost levels in the search space
  double cost = 0;               // of that level
  size_t level_candidates = 0;   // of that level, counted before it is simulated
  size_t level_simulated = 0;    // candidates of that level simulated so far
  size_t level_to_simulate = 0;  // left by the cheap bounds
  bool level_started = false;    // true for the call made when the level starts
  size_t simulated = 0;          // candidates simulated so far, all levels
  size_t gpu_runs = 0;           // full runs of distinct GPU configurations so far (the memo's)
};

struct PlanOptions {
  int jobs = 1;         // threads that simulate
  int shard_index = 0;  // evaluate candidates with index % shard_count == shard_index
  int shard_count = 1;
  // Simulate every surviving candidate whole, without the per-GPU memo: the reference the tests
  // compare the memoised search with (same evaluations, same chosen plan), and a way to measure it.
  bool exhaustive = false;
  // The bound on candidates generated per cost level; a level cut short makes the search
  // inconclusive (PlanResult::complete false). Shard files record it, so merge uses the same.
  size_t max_candidates_per_level = 100000;
  // Cutting the space without losing the optimum (ignored with `exhaustive`):
  // dominance: a GPU is not simulated when a tenant's run alone on such a GPU proves it misses.
  bool dominance = true;
  // Short runs: each GPU first runs for this fraction of the duration; a miss its prefix proves
  // rejects it without the full-length run (0 or >= 1: no short runs).
  double screen_fraction = 0.2;
  // Below 1, a short run also rejects a quantile it shows exceeded with this confidence by the
  // binomial rule (proofs::binomial_miss): not a proof, it may lose the optimum. 1: proofs only.
  double screen_confidence = 1.0;
  // Polled between levels (and while counting), before each simulation the search hands out, and
  // inside every simulation: once it says stop, the search ends with the levels it finished,
  // inconclusive (PlanResult::interrupted); the level it was in keeps nothing (a cut run must not
  // make a candidate infeasible). Not owned; may be null.
  const sim::StopToken* stop = nullptr;
  // Called when a level starts being simulated (with its count) and after each candidate, from
  // any worker thread (concurrently: the callee synchronises). May be empty.
  std::function<void(const SearchProgress&)> on_progress;
  // Only count the search space (PlanResult::search_space, every level), simulate nothing.
  bool count_only = false;
};

struct LevelResult {
  double cost = 0;
  std::vector<Candidate> candidates;
  std::vector<Evaluation> evaluations;  // same size; kNotEvaluated for other shards' candidates
  bool truncated = false;               // the level had more candidates than the search's bound
  // Candidates the target's rules and the plan's constraints removed before they were listed, by
  // rule name ("plan.exclusive", "kubernetes-device-plugin.gpu-choice", ...).
  std::map<std::string, size_t> pruned;
};

// Why the chosen plan, and when it stops being enough (explain_choice, after decide).
struct ChoiceExplanation {
  std::string binding_workload;  // the check with the smallest margin: workload (part) and metric
  std::string binding_metric;
  double binding_margin = 0;
  double headroom = 0;  // plan.headroom
  // The binding workload's arrival rate at which the chosen configuration stops meeting every SLO
  // (max_rate on the chosen candidate's scenario); nullopt with a reason when it cannot be searched.
  std::optional<double> max_rate_per_s, fails_above_per_s;
  double offered_rate_per_s = 0;
  std::string max_rate_note;
  std::vector<std::string> decided_by;  // constraints that removed cheaper or competing candidates
  // For each simulated alternative that misses an SLO (best_alternatives): the rate of the workload
  // it misses most at which that configuration would hold every SLO.
  struct Alternative {
    size_t level = 0, index = 0;
    std::string workload, metric;  // its worst check
    double margin = 0;
    double offered_rate_per_s = 0;
    std::optional<double> holds_up_to_per_s;  // nullopt: no rate found, or not searchable
  };
  std::vector<Alternative> alternatives;
};

struct PlanResult {
  // Each level's count, made before the level is simulated, cheapest first: the levels the
  // search reached (every level with PlanOptions::count_only); a merge counts the merged levels.
  std::vector<LevelCount> search_space;
  size_t search_space_levels = 0;                   // cost levels in the search space
  std::vector<LevelResult> levels;                  // the levels evaluated, cheapest first
  std::optional<std::pair<size_t, size_t>> chosen;  // (level, index)
  std::vector<std::string> infeasible;  // why the problem cannot be solved (one per workload), if so
  size_t candidates = 0, screened_out = 0, simulated = 0;
  // Complete: every candidate of every level up to the decision was evaluated, so the chosen plan
  // is the best of the search space (or no plan exists in it). Inconclusive otherwise: `skipped`
  // says what was not evaluated, and "no plan" is then not a proof of infeasibility.
  bool complete = true;
  std::vector<std::string> skipped;
  // Why the search was stopped before its end ("" when it was not): "the time budget ran out",
  // "interrupted by SIGINT (Ctrl-C)", ... Then `not_searched` says what was left out (decide()
  // adds it to `skipped`, so a stopped search is never complete).
  std::string interrupted;
  std::vector<std::string> not_searched;
  size_t gpu_simulations = 0;  // distinct GPU configurations simulated (the per-GPU memo); 0 after a merge
  size_t short_runs = 0;       // short screening runs (0 after a merge)
  // Candidates proven infeasible by each rule (Evaluation::proof), counted in decide().
  size_t proven_by_dominance = 0, proven_by_short_run = 0, rejected_by_confidence = 0;
  std::optional<ChoiceExplanation> explanation;  // with a chosen plan
};

// The search. Errors are input errors (no plan section, a bad device option profile, a workload
// the loader accepted but the planner cannot place).
Result<PlanResult> plan(const PlanInput& input, const PlanOptions& options);

// Decides the chosen candidate and counts from complete levels (all shards merged); trims levels
// after the first feasible one. Used by plan() and merge.
void decide(PlanResult& result);

// The scenario that a candidate stands for (runnable with run_scenario).
scenarios::Scenario candidate_scenario(const scenarios::Scenario& base, const scenarios::PlanSpec& spec,
                                       const Candidate& candidate);

// The cheap bound of a candidate: nullopt when it may be feasible, else why not. Exposed for tests.
std::optional<std::string> screen(const scenarios::Scenario& base, const scenarios::PlanSpec& spec,
                                  const Candidate& candidate);

// GPU work of one request of a workload on a GPU of `profile_name` at `sm_cap` SMs (0 = all),
// at the batch size max_batch: seconds of kernels, of host-to-device and device-to-host copies,
// and of host work, per request.
struct RequestWork {
  double kernel_s = 0, h2d_s = 0, d2h_s = 0, host_s = 0;
  double sm_seconds = 0;  // compute SM-time per request / sm_count (a lower bound on SM occupancy)
  double dram_s = 0;      // memory-bound time per request (DRAM bandwidth lower bound)
  [[nodiscard]] double gpu_serial_s() const { return kernel_s + h2d_s + d2h_s; }
  [[nodiscard]] double serial_s() const { return kernel_s + h2d_s + d2h_s + host_s; }
};
Result<RequestWork> request_work(const scenarios::WorkloadSpec& workload, const std::string& profile_name,
                                 const std::string& base_dir, int sm_cap);
// Mean arrival rate (requests/s); nullopt for closed-loop arrivals (no offered rate).
std::optional<double> arrival_rate(const models::ArrivalSpec& arrivals);

// ---- Deployments --------------------------------------------------------------------------------
// What one part of a candidate deploys as: a scenario workload of candidate_scenario (a workload
// split across GPUs is one part per GPU, "name@device/gpuN") with its device, GPU, VM and env.
// plan.json (reports/) and the deploy/ manifests (deploy/) are written from these.
struct Deployment {
  std::string part;  // scenario workload name
  std::string device;
  size_t gpu = 0;
  bool passthrough = false;
  std::string vm;
  int replicas = 1;
  std::vector<std::pair<std::string, std::string>> env;
};
std::vector<Deployment> deployments(const PlanInput& input, const Candidate& candidate);

// The best candidate per cost level and policy label (simulated before screened out, then feasible,
// then larger margin, then earlier): the alternatives plan.md and report.html show.
std::vector<std::pair<size_t, size_t>> best_alternatives(const PlanResult& result);

// ---- Shards -------------------------------------------------------------------------------------
// A shard's evaluations as text (shard.txt; the CLI writes it) (exact: reals as hexadecimal floating point),
// and back.
std::string shard_text(const PlanInput& input, const PlanOptions& options, const PlanResult& result);
struct ShardData {
  std::string path;
  std::vector<std::string> overrides;
  std::string content_hash;  // PlanInput::content_hash of the run that wrote the shard
  int shard_index = 0, shard_count = 1;
  size_t max_candidates_per_level = PlanOptions{}.max_candidates_per_level;
  PlanResult result;  // levels with this shard's evaluations
};
Result<ShardData> parse_shard_text(std::string_view text, const std::string& file);
// Combines every shard (0..N-1 exactly once) of one plan into the result a single run gives.
Result<PlanResult> merge_shards(const PlanInput& input, std::vector<ShardData> shards);

// ---- Throughput search --------------------------------------------------------------------------
struct MaxRateResult {
  std::string workload;
  double rate_per_s = 0;        // highest rate found that holds every SLO (0 when none)
  double infeasible_above = 0;  // the lowest rate found that fails
  double precision = 0;         // relative width of the final bracket
  int simulations = 0;
  bool found = false;
};
// Bisection on the arrival rate of `workload` (Poisson or constant) in the scenario as written,
// until (hi - lo) / hi <= relative_precision. Assumes SLO attainment is monotone in the rate.
Result<MaxRateResult> max_rate(const scenarios::Scenario& scenario, const std::string& workload,
                               double relative_precision = 0.01);

}  // namespace sharesim::planner
