// The Slurm and Kubernetes files of a sharded plan (sweep_jobs.h).
#include "sharesim/sweep/sweep_jobs.h"

#include <cctype>
#include <string>

namespace sharesim::sweep {

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

namespace {

bool is_hex(const std::string& s) {
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// "-o DIR --set a=b ..." after `sharesim plan SCENARIO`, without the shard.
std::string plan_arguments(const SweepOptions& o) {
  std::string args = shell_quote(o.scenario);
  for (const std::string& s : o.overrides) args += " --set " + shell_quote(s);
  if (o.max_candidates_per_level > 0)
    args += " --max-candidates " + std::to_string(o.max_candidates_per_level);
  return args;
}

std::string n(int v) {
  return std::to_string(v);
}

// The merge of every shard folder, in index order (merge accepts any order; this one is fixed).
std::string merge_command(const SweepOptions& o) {
  std::string cmd = shell_quote(o.sharesim) + " merge";
  for (int i = 0; i < o.shards; ++i) cmd += " " + shell_quote(o.results_dir + "/shard-" + n(i));
  return cmd + " -o " + shell_quote(o.results_dir + "/plan");
}

}  // namespace

Status check_sweep_options(const SweepOptions& o, bool kubernetes) {
  if (o.shards < 1) return make_error("expected --shards >= 1, found " + n(o.shards));
  if (o.jobs < 1) return make_error("expected --jobs >= 1 for a sweep, found " + n(o.jobs));
  if (o.scenario.empty()) return make_error("expected a scenario path, found none");
  if (!kubernetes) return Ok{};
  // Pinned: a digest, or a tag other than "latest" (which moves under the Job's feet).
  const size_t at = o.image.find("@sha256:");
  const size_t slash = o.image.rfind('/');
  const size_t colon = o.image.rfind(':');
  const bool digest =
      at != std::string::npos && o.image.size() == at + 8 + 64 && is_hex(o.image.substr(at + 8));
  const bool tag = at == std::string::npos && colon != std::string::npos &&
                   (slash == std::string::npos || colon > slash) && colon + 1 < o.image.size() &&
                   o.image.substr(colon + 1) != "latest";
  if (!digest && !tag) {
    return make_error(
        "expected --image pinned by digest (repo@sha256:<64 hex digits>) or by a tag other than "
        "latest (repo:1.2.3), found '" +
        o.image + "'");
  }
  return Ok{};
}

std::vector<sim::OutputFile> slurm_sweep(const SweepOptions& o) {
  const std::string last = n(o.shards - 1);
  std::string array = "#!/bin/bash\n";
  array += "# sharesim plan, sharded: task i of the array evaluates shard i/" + n(o.shards) +
           " (docs/planner.md).\n";
  array += "#SBATCH --job-name=" + o.name + "\n";
  array += "#SBATCH --array=0-" + last + "\n";
  array += "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=" + n(o.jobs) + "\n";
  array += "#SBATCH --chdir=" + o.working_dir + "\n";
  array += "#SBATCH --output=" + o.results_dir + "/slurm-%A_%a.out\n";
  array += "set -eu\n";
  array += "exec " + shell_quote(o.sharesim) + " plan " + plan_arguments(o) +
           " --shard \"${SLURM_ARRAY_TASK_ID}/" + n(o.shards) + "\" --jobs " + n(o.jobs) + " -o \"" +
           o.results_dir + "/shard-${SLURM_ARRAY_TASK_ID}\" --quiet\n";

  std::string merge = "#!/bin/bash\n";
  merge += "# Merges the " + n(o.shards) +
           " shards into the plan a single run writes (submit.sh runs it after the array).\n";
  merge += "#SBATCH --job-name=" + o.name + "-merge\n#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n";
  merge += "#SBATCH --chdir=" + o.working_dir + "\n";
  merge += "#SBATCH --output=" + o.results_dir + "/slurm-merge-%j.out\n";
  merge += "set -eu\n";
  // Exit 1 is a verdict (no plan), not a failure of the job's machinery: keep it visible in the log.
  merge += "exec " + merge_command(o) + "\n";

  std::string submit = "#!/bin/sh\n";
  submit += "# Submits the shard array, then the merge once every task of it succeeded (afterok).\n";
  submit +=
      "# SHARESIM_SLURM_WAIT=1 waits for the merge to finish (sbatch --wait) and returns its exit code.\n";
  submit += "set -eu\ncd " + shell_quote(o.working_dir) + "\nmkdir -p " + shell_quote(o.results_dir) + "\n";
  submit += "here=$(cd \"$(dirname \"$0\")\" && pwd)\n";
  submit += "array=$(sbatch --parsable \"$here/plan-array.sbatch\")\n";
  submit += "array=${array%%;*}\n";
  submit += "echo \"submitted shard array $array\"\n";
  submit += "if [ \"${SHARESIM_SLURM_WAIT:-0}\" = 1 ]; then\n";
  submit +=
      "  sbatch --parsable --wait --kill-on-invalid-dep=yes --dependency=afterok:\"$array\" "
      "\"$here/merge.sbatch\"\n";
  submit += "else\n";
  submit +=
      "  sbatch --parsable --kill-on-invalid-dep=yes --dependency=afterok:\"$array\" "
      "\"$here/merge.sbatch\"\n";
  submit += "fi\n";
  return {{"slurm/plan-array.sbatch", array}, {"slurm/merge.sbatch", merge}, {"slurm/submit.sh", submit}};
}

std::vector<sim::OutputFile> kubernetes_sweep(const SweepOptions& o) {
  const std::string wd = o.working_dir.empty() ? "/work" : o.working_dir;
  auto volumes = [&](const std::string& indent) {
    return indent + "volumeMounts:\n" + indent + "  - name: results\n" + indent + "    mountPath: " + wd +
           "/" + o.results_dir + "\n";
  };
  auto pod_volumes = [&](const std::string& indent) {
    return indent + "volumes:\n" + indent + "  - name: results\n" + indent + "    persistentVolumeClaim:\n" +
           indent + "      claimName: " + o.results_claim + "\n";
  };
  // The shell line each pod runs; YAML single-quoted scalar ('' stands for ').
  auto yaml_single = [](const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  };
  const std::string shard_cmd = "exec " + shell_quote(o.sharesim) + " plan " + plan_arguments(o) +
                                " --shard \"${JOB_COMPLETION_INDEX}/" + n(o.shards) + "\" --jobs " +
                                n(o.jobs) + " -o \"" + o.results_dir +
                                "/shard-${JOB_COMPLETION_INDEX}\" --quiet";
  std::string job = "# sharesim plan, sharded as a Kubernetes Indexed Job: pod i evaluates shard i/" +
                    n(o.shards) + " (docs/planner.md).\n";
  job += "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: " + o.name + "\n";
  job += "spec:\n  completionMode: Indexed\n  completions: " + n(o.shards) +
         "\n  parallelism: " + n(o.shards) + "\n";
  job += "  backoffLimit: " + n(o.shards) + "\n";
  job += "  # Exit 1 (no plan) and 2 (bad input) are answers: a retry gives the same. Fail the Job.\n";
  job += "  podFailurePolicy:\n    rules:\n      - action: FailJob\n        onExitCodes:\n";
  job += "          containerName: plan\n          operator: In\n          values: [1, 2]\n";
  // A pod evicted or preempted (not its own failure) does not count against backoffLimit.
  job +=
      "      - action: Ignore\n        onPodConditions:\n          - type: DisruptionTarget\n            "
      "status: \"True\"\n";
  job += "  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: plan\n";
  job += "          image: " + o.image + "\n          workingDir: " + wd + "\n";
  job +=
      "          command: [\"sh\", \"-c\"]\n          args:\n            - " + yaml_single(shard_cmd) + "\n";
  job += "          resources:\n            requests:\n              cpu: \"" + n(o.jobs) +
         "\"\n            limits:\n"
         "              cpu: \"" +
         n(o.jobs) + "\"\n";
  job += volumes("          ");
  job += pod_volumes("      ");

  std::string merge =
      "# Merges the shards of " + o.name + " (run.sh applies it once that Job is complete).\n";
  merge += "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: " + o.name + "-merge\n";
  merge +=
      "spec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n";
  merge += "        - name: merge\n          image: " + o.image + "\n          workingDir: " + wd + "\n";
  merge += "          command: [\"sh\", \"-c\"]\n          args:\n            - " +
           yaml_single("exec " + merge_command(o)) + "\n";
  merge += "          resources:\n            requests:\n              cpu: \"1\"\n";
  merge += volumes("          ");
  merge += pod_volumes("      ");

  std::string run =
      "#!/bin/sh\n# Runs the sharded plan on the current kubectl context, then the merge.\nset -eu\n";
  run += "here=$(cd \"$(dirname \"$0\")\" && pwd)\n";
  run += "kubectl apply -f \"$here/plan-job.yaml\"\n";
  run += "kubectl wait --for=condition=complete --timeout=24h job/" + o.name + "\n";
  run += "kubectl apply -f \"$here/merge-job.yaml\"\n";
  run += "kubectl wait --for=condition=complete --timeout=1h job/" + o.name + "-merge\n";
  return {
      {"kubernetes/plan-job.yaml", job}, {"kubernetes/merge-job.yaml", merge}, {"kubernetes/run.sh", run}};
}

}  // namespace sharesim::sweep
