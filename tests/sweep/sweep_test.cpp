// The Slurm and Kubernetes files of a sharded plan: quoting, the pinned-image rule, and the
// commands each task runs (the schema validation is tests/sweep/indexed_job_validate_test.sh).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sharesim/sweep/sweep_jobs.h"

namespace sharesim::sweep {
namespace {

const std::string& file(const std::vector<sim::OutputFile>& files, const std::string& path) {
  for (const auto& f : files)
    if (f.path == path) return f.content;
  static const std::string none;
  ADD_FAILURE() << "no " << path;
  return none;
}

TEST(Sweep, ShellQuoteSurvivesQuotesAndSpaces) {
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$HOME"), "'$HOME'");  // no expansion
}

TEST(Sweep, ImageMustBePinnedByDigestOrTag) {
  SweepOptions o;
  o.scenario = "s.yaml";
  for (const std::string& bad :
       std::vector<std::string>{"sharesim", "registry:5000/sharesim", "sharesim:latest", "r/s@sha256:abc"}) {
    o.image = bad;
    EXPECT_FALSE(check_sweep_options(o, true)) << bad;
  }
  for (const std::string& good : std::vector<std::string>{
           "sharesim:1.2", "registry:5000/team/sharesim:2026-12-01", "r/s@sha256:" + std::string(64, 'a')}) {
    o.image = good;
    EXPECT_TRUE(check_sweep_options(o, true)) << good;
  }
  o.image.clear();
  EXPECT_TRUE(check_sweep_options(o, false));  // Slurm runs the program on the cluster's file system
  o.shards = 0;
  EXPECT_FALSE(check_sweep_options(o, false));
}

TEST(Sweep, SlurmArrayCoversEveryShardAndMergeDependsOnIt) {
  SweepOptions o;
  o.scenario = "my plan.yaml";
  o.overrides = {"seed=7"};
  o.shards = 8;
  o.jobs = 4;
  o.working_dir = "/data/run";
  o.sharesim = "/opt/sharesim/bin/sharesim";
  const auto files = slurm_sweep(o);
  const std::string& array = file(files, "slurm/plan-array.sbatch");
  EXPECT_NE(array.find("#SBATCH --array=0-7\n"), std::string::npos);
  EXPECT_NE(array.find("#SBATCH --cpus-per-task=4\n"), std::string::npos);
  EXPECT_NE(array.find("#SBATCH --chdir=/data/run\n"), std::string::npos);
  EXPECT_NE(array.find("exec '/opt/sharesim/bin/sharesim' plan 'my plan.yaml' --set 'seed=7' --shard "
                       "\"${SLURM_ARRAY_TASK_ID}/8\" --jobs 4 -o \"results/shard-${SLURM_ARRAY_TASK_ID}\""),
            std::string::npos)
      << array;
  const std::string& merge = file(files, "slurm/merge.sbatch");
  EXPECT_NE(merge.find("'results/shard-0'"), std::string::npos);
  EXPECT_NE(merge.find("'results/shard-7' -o 'results/plan'"), std::string::npos) << merge;
  EXPECT_NE(file(files, "slurm/submit.sh").find("--dependency=afterok:\"$array\""), std::string::npos);
}

TEST(Sweep, IndexedJobShardsByCompletionIndexWithJobsEqualToCpus) {
  SweepOptions o;
  o.scenario = "plan.yaml";
  o.shards = 3;
  o.jobs = 2;
  o.image = "sharesim:1.0";
  const auto files = kubernetes_sweep(o);
  const std::string& job = file(files, "kubernetes/plan-job.yaml");
  EXPECT_NE(job.find("completionMode: Indexed\n  completions: 3\n  parallelism: 3\n"), std::string::npos)
      << job;
  EXPECT_NE(job.find("--shard \"${JOB_COMPLETION_INDEX}/3\" --jobs 2"), std::string::npos) << job;
  EXPECT_NE(job.find("cpu: \"2\""), std::string::npos);
  EXPECT_NE(job.find("action: FailJob"), std::string::npos);
  EXPECT_NE(job.find("values: [1, 2]"), std::string::npos);
  EXPECT_NE(job.find("image: sharesim:1.0\n"), std::string::npos);
  EXPECT_NE(file(files, "kubernetes/run.sh").find("kubectl wait --for=condition=complete"),
            std::string::npos);
}

}  // namespace
}  // namespace sharesim::sweep
