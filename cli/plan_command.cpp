// `sharesim plan SCENARIO -o OUT/`: the cheapest configuration whose simulated SLOs all hold
// (planner/), with --jobs, --shard i/N, and --max-rate WORKLOAD (throughput search).
#include <cstdio>
#include <filesystem>
#include <mutex>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <string>
#include <thread>
#include <vector>

#include "commands.h"
#include "options.h"
#include "outputs.h"
#include "sharesim/planner/planner.h"
#include "sharesim/reports/plan_outputs.h"
#include "sharesim/scenarios/loader.h"
#include "sharesim/sim/atomic_file.h"
#include "sharesim/sweep/sweep_jobs.h"
#include "status_line.h"

namespace sharesim::cli {
namespace {

bool parse_shard(const std::string& text, int& index, int& count) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  try {
    size_t used = 0;
    index = std::stoi(text.substr(0, slash), &used);
    if (used != slash) return false;
    count = std::stoi(text.substr(slash + 1), &used);
    if (used != text.size() - slash - 1) return false;
  } catch (...) {
    return false;
  }
  return count >= 1 && index >= 0 && index < count;
}

// Each candidate run allocates and frees the same large blocks (latency histograms, event heaps).
// glibc serves blocks above its mmap threshold with fresh mappings and trims freed heap tops, so
// every run page-faulted its memory in again (about 390 faults per candidate, issue 18). Keeping
// freed memory in the allocator makes the next run reuse it; the peak stays one run per thread.
void keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

// The plan's files as one unit, OUT/deploy/ replaced as a whole: it holds this plan's manifests
// and nothing an earlier plan left there (sim::write_files_together with a folder).
int write_plan_files(const std::string& out_dir, const std::vector<sim::OutputFile>& files) {
  const std::string deploy_prefix = "deploy/";
  std::vector<sim::FileToWrite> outputs;
  sim::FolderToWrite deploy{.path = out_dir + "/deploy", .files = {}};
  for (const auto& f : files) {
    if (f.path.starts_with(deploy_prefix)) {
      deploy.files.push_back({f.path.substr(deploy_prefix.size()), f.content});
    } else {
      outputs.push_back({out_dir + "/" + f.path, f.content});
    }
  }
  return write_outputs(outputs, {deploy});
}

// What `plan` says about its search on stderr: the up-front count of the search space, and a
// self-overwriting progress line on a terminal (status_line.h). Called from the search's threads.
class SearchStatus {
 public:
  explicit SearchStatus(bool wanted) : wanted_(wanted), line_(wanted) {}

  // The whole search space, every level (--count).
  static void print_count(const planner::PlanResult& r) {
    size_t candidates = 0, to_simulate = 0;
    for (const auto& c : r.search_space) {
      candidates += c.candidates;
      to_simulate += c.to_simulate;
    }
    std::printf("search space: %zu cost level(s)", r.search_space_levels);
    if (r.search_space.size() < r.search_space_levels)
      std::printf(" (%zu counted before the stop)", r.search_space.size());
    std::printf(", %zu candidates, %zu to simulate after the cheap bounds\n", candidates, to_simulate);
    for (size_t l = 0; l < r.search_space.size(); ++l)
      print_level(stdout, l, r.search_space_levels, r.search_space[l]);
  }
  static void print_level(std::FILE* to, size_t level, size_t levels, const planner::LevelCount& c) {
    std::fprintf(to, "  cost level %zu of %zu (cost %g): %zu candidates%s, %zu to simulate\n", level + 1,
                 levels, c.cost, c.candidates, c.truncated ? " (cut at the per-level bound)" : "",
                 c.to_simulate);
  }

  void update(const planner::SearchProgress& p) {
    if (p.level_started) {
      // Each level's count, before it is simulated: a line of its own (not only on a terminal).
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!wanted_) return;
      line_.finish();
      if (p.level == 0) std::fprintf(stderr, "search space: %zu cost level(s), cheapest first\n", p.levels);
      print_level(stderr, p.level, p.levels, {p.cost, p.level_candidates, p.level_to_simulate, false});
      return;
    }
    const std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock() || !line_.due()) return;  // another thread is drawing: skip this one
    char text[200];
    std::snprintf(text, sizeof text,
                  "  cost level %zu of %zu: %zu/%zu candidates simulated (%zu in all), %zu GPU runs, %.1f s",
                  p.level + 1, p.levels, p.level_simulated, p.level_to_simulate, p.simulated, p.gpu_runs,
                  line_.elapsed_s());
    line_.draw(text);
  }

  void finish() {
    const std::lock_guard<std::mutex> lock(mutex_);
    line_.finish();
  }

 private:
  bool wanted_;
  std::mutex mutex_;
  StatusLine line_;
};

}  // namespace

// Shared with merge: prints the outcome and returns 0 (plan found) or 1 (infeasible).
int report_plan(const planner::PlanInput& input, const planner::PlanResult& result,
                const std::string& out_dir, bool quiet) {
  if (int code = write_plan_files(out_dir, reports::plan_outputs(input, result))) return code;
  if (!quiet && !result.levels.empty()) {
    std::printf(
        "searched %zu cost level(s): %zu candidates, %zu rejected by bounds (screened), %zu simulated\n",
        result.levels.size(), result.candidates, result.screened_out, result.simulated);
    if (result.gpu_simulations > 0)
      std::printf("  from %zu distinct GPU configurations simulated once each, %zu short runs\n",
                  result.gpu_simulations, result.short_runs);
    if (result.proven_by_dominance + result.proven_by_short_run + result.rejected_by_confidence > 0)
      std::printf(
          "  proven to miss without their full runs: %zu by dominance, %zu by short runs%s\n",
          result.proven_by_dominance, result.proven_by_short_run,
          result.rejected_by_confidence > 0
              ? (", " + std::to_string(result.rejected_by_confidence) + " rejected by confidence").c_str()
              : "");
    if (!result.complete) {
      std::printf("search inconclusive:\n");
      for (const std::string& s : result.skipped) std::printf("  skipped %s\n", s.c_str());
    }
  }
  if (!result.chosen) {
    for (const std::string& why : result.infeasible)
      std::fprintf(stderr, "sharesim: infeasible: %s\n", why.c_str());
    if (!result.complete)
      std::fprintf(stderr, "sharesim: inconclusive: no plan found in the part of the space searched\n");
    if (!quiet) std::printf("no plan; wrote %s/plan.json and %s/plan.md\n", out_dir.c_str(), out_dir.c_str());
    return 1;
  }
  if (!quiet) {
    const auto& c = result.levels[result.chosen->first].candidates[result.chosen->second];
    const auto& e = result.levels[result.chosen->first].evaluations[result.chosen->second];
    std::printf(
        "plan: cost %g, %s, smallest SLO margin %.1f %%\n  %s\nwrote %s/plan.json, %s/plan.md, %s/deploy/\n",
        c.cost, c.policy_label().c_str(), e.margin * 100, c.describe(input.scenario).c_str(), out_dir.c_str(),
        out_dir.c_str(), out_dir.c_str());
  }
  return 0;
}

int run_plan_command(const Args& args) {
  po::options_description options("plan options");
  std::string scenario_path, out_dir, shard, max_rate_workload, emit, time_budget_text;
  sweep::SweepOptions sweep_options;
  std::vector<std::string> overrides;
  int jobs = 0;
  double precision = 0.01;
  options.add_options()("scenario", po::value(&scenario_path)->required(),
                        "the scenario YAML file (with a plan: section)")(
      "out,o", po::value(&out_dir)->default_value("out"), "folder for plan.json, plan.md and deploy/")(
      "set", po::value(&overrides)->composing(), "override a scenario value: key.path=value (repeatable)")(
      "jobs,j", po::value(&jobs)->default_value(0), "simulations in parallel (0: one per core)")(
      "shard", po::value(&shard),
      "evaluate shard i of N (i/N, from 0); write shard.txt for 'sharesim merge'")(
      "max-rate", po::value(&max_rate_workload),
      "find the highest arrival rate of this workload that holds every SLO")(
      "precision", po::value(&precision)->default_value(0.01), "relative precision of --max-rate")(
      "max-candidates", po::value<size_t>()->default_value(planner::PlanOptions{}.max_candidates_per_level),
      "candidates generated per cost level at most (a level cut short makes the search inconclusive)")(
      "emit", po::value(&emit),
      "slurm | kubernetes: write the jobs that run this plan sharded (and the merge) into OUT, do not "
      "search")("shards", po::value(&sweep_options.shards)->default_value(4),
                "with --emit: the number of shards N")(
      "image", po::value(&sweep_options.image),
      "with --emit kubernetes: the sharesim image, pinned (repo@sha256:... or repo:tag)")(
      "workdir", po::value(&sweep_options.working_dir),
      "with --emit: where the tasks run (default: this directory for slurm, /work in the image)")(
      "results", po::value(&sweep_options.results_dir)->default_value("results"),
      "with --emit: the folder for shard-<i>/ and plan/, relative to --workdir")(
      "program", po::value(&sweep_options.sharesim),
      "with --emit: the sharesim program as tasks call it (default: this program's path for slurm, "
      "sharesim in the image)")(
      "exhaustive", "simulate every candidate whole (no per-GPU memo, no proofs): slower, the same plan")(
      "screen-fraction", po::value<double>()->default_value(planner::PlanOptions{}.screen_fraction),
      "short runs first, this fraction of the duration; a miss their prefix proves needs no full run (0: "
      "off)")(
      "screen-confidence", po::value<double>()->default_value(planner::PlanOptions{}.screen_confidence),
      "below 1, a short run also rejects a quantile the binomial rule shows missed at this confidence "
      "(not a proof: may lose the optimum)")("no-dominance", "do not prune by runs of a workload part alone")(
      "time-budget", po::value(&time_budget_text),
      "wall-clock limit of the search (e.g. 90s, 5m): when it runs out the search stops and writes a "
      "partial plan, marked interrupted, and exits 124")(
      "count",
      "count the search space (candidates per cost level, every level) and exit; simulate and "
      "write nothing")("quiet,q", "print nothing but errors and the verdict");
  po::positional_options_description positional;
  positional.add("scenario", 1);
  po::variables_map vm;
  if (auto code = parse_options("plan", "SCENARIO [-o OUT] [--jobs N] [--shard i/N] [--max-rate WORKLOAD]",
                                options, positional, args, vm)) {
    return *code;
  }
  for (const std::string& o : overrides) {
    if (auto split = scenarios::split_override(o); !split) return input_error(split.error());
  }
  if (auto folder = check_output_folder("-o", out_dir); !folder) return input_error(folder.error());
  const bool quiet = vm.count("quiet") > 0;
  if (jobs == 0) jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (auto ok = check_jobs("plan", jobs); !ok) return input_error(ok.error());

  // Ctrl-C, SIGTERM and --time-budget stop the search at its next check (docs/hardening.md).
  sim::StopToken& stop = stop_on_signals();
  if (vm.count("time-budget")) {
    if (!max_rate_workload.empty() || !emit.empty())
      return usage_error("plan: --time-budget bounds the search; it does not apply to --max-rate or --emit");
    if (int code = set_time_budget(stop, time_budget_text)) return code;
  }

  if (!max_rate_workload.empty()) {
    if (!(precision > 0 && precision < 1)) return usage_error("plan: --precision must be in (0, 1)");
    auto scenario = planner::load_plan_input(scenario_path, overrides);
    if (!scenario) return input_error(scenario.error());
    auto found = planner::max_rate(scenario->scenario, max_rate_workload, precision);
    if (!found) return input_error(found.error());
    // The verdict as a file too, so that -o holds the answer (it used to be printed only).
    std::string name;
    for (const char c : max_rate_workload) {
      if (c == '"' || c == '\\') name += '\\';
      if (static_cast<unsigned char>(c) >= 0x20) name += c;
    }
    char json[1024];
    std::snprintf(json, sizeof json,
                  "{\n  \"workload\": \"%s\",\n  \"found\": %s,\n  \"rate_per_s\": %.17g,\n"
                  "  \"infeasible_above_per_s\": %.17g,\n  \"precision\": %.17g,\n  \"simulations\": %d\n}\n",
                  name.c_str(), found->found ? "true" : "false", found->rate_per_s, found->infeasible_above,
                  found->precision, found->simulations);
    const std::string max_rate_json = json;
    if (int code = write_outputs({{out_dir + "/max-rate.json", max_rate_json}})) return code;
    if (!found->found) {
      std::printf("max-rate %s: no rate holds every SLO (fails down to %.6g/s; %d simulations)\n",
                  max_rate_workload.c_str(), found->infeasible_above, found->simulations);
      return 1;
    }
    std::printf(
        "max-rate %s: %.6g requests/s holds every SLO; %.6g/s fails (precision %.2g %%, %d simulations)\n",
        max_rate_workload.c_str(), found->rate_per_s, found->infeasible_above, found->precision * 100,
        found->simulations);
    return 0;
  }

  if (!emit.empty()) {
    if (emit != "slurm" && emit != "kubernetes")
      return usage_error("plan: --emit expects slurm or kubernetes, found '" + emit + "'");
    const bool kubernetes = emit == "kubernetes";
    sweep_options.scenario = scenario_path;
    sweep_options.overrides = overrides;
    sweep_options.jobs = vm["jobs"].defaulted() ? 1 : jobs;
    if (vm.count("max-candidates") && !vm["max-candidates"].defaulted())
      sweep_options.max_candidates_per_level = vm["max-candidates"].as<size_t>();
    if (sweep_options.working_dir.empty() && !kubernetes)
      sweep_options.working_dir = std::filesystem::current_path().string();
    if (vm.count("program") == 0) {
      std::error_code ec;
      const auto self = std::filesystem::canonical("/proc/self/exe", ec);
      sweep_options.sharesim = kubernetes || ec ? "sharesim" : self.string();
    }
    if (auto ok = sweep::check_sweep_options(sweep_options, kubernetes); !ok)
      return usage_error("plan: " + ok.error().message);
    // The scenario must load here, so that a job is never sent off with a bad input.
    auto input = planner::load_plan_input(scenario_path, overrides);
    if (!input) return input_error(input.error());
    const auto files =
        kubernetes ? sweep::kubernetes_sweep(sweep_options) : sweep::slurm_sweep(sweep_options);
    std::vector<sim::FileToWrite> outputs;
    for (const auto& f : files) outputs.push_back({out_dir + "/" + f.path, f.content});
    if (int code = write_outputs(outputs)) return code;
    if (!quiet) {
      for (const auto& f : files) std::printf("wrote %s/%s\n", out_dir.c_str(), f.path.c_str());
      std::printf(kubernetes ? "run: sh %s/kubernetes/run.sh\n" : "submit: sh %s/slurm/submit.sh\n",
                  out_dir.c_str());
    }
    return 0;
  }

  planner::PlanOptions plan_options;
  plan_options.jobs = jobs;
  plan_options.exhaustive = vm.count("exhaustive") > 0;
  plan_options.max_candidates_per_level = vm["max-candidates"].as<size_t>();
  if (plan_options.max_candidates_per_level == 0) return usage_error("plan: --max-candidates must be >= 1");
  plan_options.dominance = vm.count("no-dominance") == 0;
  plan_options.screen_fraction = vm["screen-fraction"].as<double>();
  plan_options.screen_confidence = vm["screen-confidence"].as<double>();
  if (!(plan_options.screen_fraction >= 0 && plan_options.screen_fraction <= 1))
    return usage_error("plan: --screen-fraction must be in [0, 1]");
  if (!(plan_options.screen_confidence > 0 && plan_options.screen_confidence <= 1))
    return usage_error("plan: --screen-confidence must be in (0, 1]");
  if (!shard.empty() && !parse_shard(shard, plan_options.shard_index, plan_options.shard_count)) {
    return usage_error("plan: --shard expects i/N with 0 <= i < N, found '" + shard + "'");
  }
  auto input = planner::load_plan_input(scenario_path, overrides);
  if (!input) return input_error(input.error());
  keep_freed_memory_for_reuse();
  SearchStatus status(!quiet);
  plan_options.stop = &stop;
  plan_options.on_progress = [&status](const planner::SearchProgress& p) { status.update(p); };
  plan_options.count_only = vm.count("count") > 0;
  auto result = planner::plan(*input, plan_options);
  status.finish();
  if (!result) return input_error(result.error());
  if (plan_options.count_only) {
    if (result->search_space_levels == 0) {  // a workload no device option can serve: nothing to count
      for (const std::string& why : result->infeasible)
        std::fprintf(stderr, "sharesim: infeasible: %s\n", why.c_str());
      return 1;
    }
    SearchStatus::print_count(*result);
    if (stop.cause() != sim::StopToken::Cause::kNone) {
      std::fprintf(stderr, "sharesim: stopped: %s while counting\n",
                   stop_reason(stop, time_budget_text).c_str());
      return stopped_exit_code(stop);
    }
    return 0;
  }
  if (!result->interrupted.empty()) {
    if (!shard.empty()) {
      // A partial shard would merge into a plan that looks whole: none is written.
      std::fprintf(stderr, "sharesim: stopped: %s; shard %d/%d wrote nothing (rerun it)\n",
                   stop_reason(stop, time_budget_text).c_str(), plan_options.shard_index,
                   plan_options.shard_count);
      return stopped_exit_code(stop);
    }
    const int code = report_plan(*input, *result, out_dir, quiet);
    if (code == 2) return code;
    std::fprintf(stderr, "sharesim: stopped: %s; wrote a partial plan, marked interrupted, to %s/\n",
                 stop_reason(stop, time_budget_text).c_str(), out_dir.c_str());
    return stopped_exit_code(stop);
  }
  if (!shard.empty()) {
    const std::string text = planner::shard_text(*input, plan_options, *result);
    if (int code = write_outputs({{out_dir + "/shard.txt", text}})) return code;
    if (!quiet)
      std::printf("shard %d/%d: wrote %s/shard.txt\n", plan_options.shard_index, plan_options.shard_count,
                  out_dir.c_str());
    return 0;
  }
  return report_plan(*input, *result, out_dir, quiet);
}

}  // namespace sharesim::cli
