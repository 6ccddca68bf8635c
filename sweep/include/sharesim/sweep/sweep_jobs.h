// A sharded plan (`sharesim plan --shard i/N`, then `sharesim merge`) as jobs of an existing
// distributed engine (docs/planner.md, "Sweeps on Slurm and Kubernetes"):
//  - Slurm: slurm/plan-array.sbatch (a job array, task i runs shard i/N with --jobs equal to its
//    --cpus-per-task), slurm/merge.sbatch, and slurm/submit.sh, which submits the array and the
//    merge with --dependency=afterok on the array, so the merge runs once every shard succeeded;
//  - Kubernetes: kubernetes/plan-job.yaml, an Indexed Job (completionMode: Indexed, pod i runs
//    shard JOB_COMPLETION_INDEX/N, --jobs equal to its CPU request, a podFailurePolicy that fails
//    the Job on exit codes 1 and 2, which are verdicts or bad input that a retry cannot change),
//    kubernetes/merge-job.yaml, and kubernetes/run.sh (apply, wait for completion, merge).
// Every command line is built here from the options, quoted for the shell.
#pragma once

#include <string>
#include <vector>

#include "sharesim/sim/output_file.h"
#include "sharesim/sim/result.h"

namespace sharesim::sweep {

struct SweepOptions {
  std::string scenario;                 // as given to `sharesim plan` (relative to working_dir)
  std::vector<std::string> overrides;   // --set, as given
  int shards = 4;                       // N
  int jobs = 1;                         // threads per shard = CPUs requested per task/pod
  std::string working_dir;              // where shards and merge run (absolute for Slurm)
  std::string results_dir = "results";  // shard-<i>/ and plan/ go here (relative to working_dir)
  std::string sharesim = "sharesim";    // the program as the tasks call it
  std::string name = "sharesim-plan";   // job name; Kubernetes object names derive from it
  // Kubernetes only: the image, pinned ("repo@sha256:<64 hex>" or "repo:tag", tag not "latest"),
  // and the ReadWriteMany claim that holds results_dir.
  std::string image;
  std::string results_claim = "sharesim-results";
  size_t max_candidates_per_level = 0;  // passed on when not 0
};

// Why the options cannot make a job (shards < 1, jobs < 1, an unpinned image, ...), or nothing.
Status check_sweep_options(const SweepOptions& options, bool kubernetes);

std::vector<sim::OutputFile> slurm_sweep(const SweepOptions& options);
std::vector<sim::OutputFile> kubernetes_sweep(const SweepOptions& options);

// `text` quoted for a POSIX shell (single quotes; a quote inside becomes '\'').
std::string shell_quote(const std::string& text);

}  // namespace sharesim::sweep
