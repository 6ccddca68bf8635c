#!/bin/sh
# Every deployment file sharesim emits validates (tests/deploy/validate_manifests.cjs): the files
# for each example scenario on both targets (deploy_files_writer), and the deploy/ of `sharesim
# plan` for the planner examples on both targets.
# Usage: manifests_validate_test.sh WRITER SHARESIM SOURCE_DIR VALIDATOR_DIR WORK_DIR
set -eu
writer=$1 sharesim=$2 src=$3 validator=$4 work=$5
[ -f "$validator/node_modules/kubernetes-models/package.json" ] || { echo "skip: validator not installed"; exit 77; }
command -v node > /dev/null 2>&1 || { echo "skip: node is not installed"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
roots=""
for scenario in "$src"/scenarios/examples/*.yaml; do
  name=$(basename "$scenario" .yaml)
  for target in azure-stack-edge kubernetes-device-plugin; do
    out="$work/$name-$target"
    # A scenario the target cannot realise (a GPU VM on the plugin) is refused with exit 2: no files.
    if "$writer" "$scenario" "$target" "$out" > "$out.log" 2>&1; then
      roots="$roots $out/deploy"
    else
      rc=$?
      [ "$rc" = 2 ] || { cat "$out.log"; echo "FAIL: writer exit $rc for $name on $target"; exit 1; }
      grep -q "kubernetes-device-plugin\|claim" "$out.log" || { cat "$out.log"; exit 1; }
    fi
  done
done
for plan in "$src"/scenarios/examples/plan-*.yaml; do
  name=$(basename "$plan" .yaml)
  for target in azure-stack-edge kubernetes-device-plugin; do
    out="$work/plan-$name-$target"
    "$sharesim" plan "$plan" --set "plan.target=$target" -j 2 -o "$out" > "$out.log" 2>&1 || { cat "$out.log"; exit 1; }
    roots="$roots $out/deploy"
  done
done
# The validator must reject what Kubernetes or the plugin would: a name that is not DNS-1123, an env
# value that is not a string, replicas below 2, a field outside the plugin's config API.
bad="$work/bad/deploy"
mkdir -p "$bad"
cat > "$bad/bad-name.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: "detector@ase-2gpu-1/gpu0"}
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec: {containers: [{name: d, image: d, env: [{name: X, value: 3}]}]}
YAML
cat > "$bad/bad-config.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
data:
  one: |
    version: v1
    sharing: {mps: {resources: [{name: nvidia.com/gpu, replicas: 1}], perClientPercentages: [48, 37, 15]}}
YAML
if NODE_PATH="$validator/node_modules" node "$src/tests/deploy/validate_manifests.cjs" "$bad" > "$work/bad.log"; then
  cat "$work/bad.log"; echo "FAIL: the validator accepted invalid manifests"; exit 1
fi
for expect in "is not a DNS-1123 label" "must be string" "replicas must be >= 2" "perClientPercentages: not a field"; do
  grep -q "$expect" "$work/bad.log" || { cat "$work/bad.log"; echo "FAIL: validator did not report: $expect"; exit 1; }
done
# shellcheck disable=SC2086
NODE_PATH="$validator/node_modules" node "$src/tests/deploy/validate_manifests.cjs" $roots
