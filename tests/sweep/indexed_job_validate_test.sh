#!/bin/sh
# `sharesim plan --emit kubernetes` and `--emit slurm`: the Indexed Job and the merge Job validated
# by a real schema validator (validate_job.cjs with kubernetes-models, installed in VALIDATOR_DIR
# by tests/deploy/install_validator.sh, the set-up shared with the deploy manifests' test); the
# Slurm scripts checked by bash -n and for the array and dependency they must carry; a floating
# image tag refused (exit 2). Usage: SHARESIM REPO_DIR VALIDATOR_DIR. Exit 77 (skip) without node
# or the validator.
set -eu
sharesim=$1
repo=$2
validator=$3
if [ ! -f "$validator/node_modules/kubernetes-models/package.json" ] && [ -x "$repo/tests/deploy/install_validator.sh" ]; then
  "$repo/tests/deploy/install_validator.sh" "$validator" || exit $?
fi
if ! command -v node > /dev/null 2>&1 || [ ! -f "$validator/node_modules/kubernetes-models/package.json" ]; then
  echo "skip: node or the kubernetes-models validator is not installed in $validator"
  exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
scenario=$repo/scenarios/examples/plan-three-workloads.yaml
image="registry.example.com/sharesim@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
"$sharesim" plan "$scenario" --emit kubernetes --shards 6 --jobs 3 --image "$image" -o "$out" --quiet
NODE_PATH="$validator/node_modules" node "$repo/tests/sweep/validate_job.cjs" 6 3 "$image" \
  "$out/kubernetes/plan-job.yaml" "$out/kubernetes/merge-job.yaml"

"$sharesim" plan "$scenario" --emit slurm --shards 5 --jobs 2 -o "$out" --quiet
for f in plan-array.sbatch merge.sbatch; do bash -n "$out/slurm/$f"; done
sh -n "$out/slurm/submit.sh"
grep -q '^#SBATCH --array=0-4$' "$out/slurm/plan-array.sbatch"
grep -q '^#SBATCH --cpus-per-task=2$' "$out/slurm/plan-array.sbatch"
grep -q -- '--shard "${SLURM_ARRAY_TASK_ID}/5" --jobs 2' "$out/slurm/plan-array.sbatch"
grep -q -- '--dependency=afterok:"$array"' "$out/slurm/submit.sh"

# An image that is not pinned is bad input.
rc=0
"$sharesim" plan "$scenario" --emit kubernetes --image registry.example.com/sharesim:latest -o "$out" 2> /dev/null || rc=$?
[ "$rc" = 2 ] || { echo "FAIL: an unpinned image gave exit $rc, expected 2"; exit 1; }
echo "emitted jobs valid"
