#!/usr/bin/env bash
# Issue 12 items 4, 9 and 10 through the real binary: what the placement shows is reported at load
# time; a plan replaces OUT/deploy/ as a whole; `plan` is bounded (--time-budget, the per-level
# count, progress on a terminal only, SIGINT/SIGTERM write a partial plan); process start-up is
# not quadratic and a stop acts during it. docs/hardening.md.
# Usage: stop_and_bounds_test.sh SHARESIM SOURCE_DIR
. "$(dirname "$0")/../shell_test_lib.sh"
plan_example="$src/scenarios/examples/plan-three-workloads.yaml"
not_asan=1  # 0 for an AddressSanitizer build (make sanitize): the 100,000-replica runs are skipped there
if command -v ldd >/dev/null 2>&1 && ldd "$sharesim" 2>/dev/null | grep -q libasan; then not_asan=0; fi
json_ok() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null; }

# A Kubernetes device with one T4 under SHARING, one workload 'app' of REPLICAS x MEMORY.
k8s_scenario() {  # k8s_scenario SHARING REPLICAS MEMORY [extra workload lines]
  cat <<YAML
name: k8s
duration: 1s
devices:
  - name: edge-1
    gpus: 1
    sharing: $1
    setup:
      - kubernetes: {}
workloads:
  - name: app
    device: edge-1
    runtime: kubernetes
    replicas: $2
    memory: $3
    arrivals: {poisson: {rate: 10/s}}
    request:
      ops:
        - kernel: {duration: 1ms, sms: 4}
YAML
}

# --- Item 4: load-time warnings, at the workload's line, on stderr and in results.json; the run
# still simulates the failure (FAILED) and exits 0.
# MPS allows 48 clients per GPU (NVIDIA MPS documentation, Volta and later; the t4 profile's
# mps_max_clients): the 49th replica (app/48) is the first that cannot start.
k8s_scenario mps 50 100MiB >"$work/mps50.yaml"
expect_exit "50 MPS replicas run (the failure is a result)" 0 "$sharesim" run "$work/mps50.yaml" -o "$work/mps50" -q
has "MPS client limit warned at load" "$work/stderr" "sharesim: warning: $work/mps50.yaml:10:5: workloads[0].replicas: 50 MPS clients"
has "the warning names the first client that fails" "$work/stderr" "'app/48' and the ones after it fail to start"
has "the warning is in results.json" "$work/mps50/results.json" "workloads[0].replicas: 50 MPS clients are placed on GPU 0"
has "the run still fails the 49th client" "$work/mps50/results.json" "'app/48' would be client 49"
k8s_scenario mps 48 100MiB >"$work/mps48.yaml"
expect_exit "48 MPS replicas run" 0 "$sharesim" run "$work/mps48.yaml" -o "$work/mps48" -q
[ ! -s "$work/stderr" ]; check "48 MPS clients: no warning ($(head -c 300 "$work/stderr"))" $?
# A T4 has 15 GiB, of which the profile keeps memory_usable_bytes usable (less than 15 GiB):
# 16 GiB per process never fits, under every policy.
for sharing in time-slicing mps; do
  k8s_scenario "$sharing" 1 16GiB >"$work/big-$sharing.yaml"
  expect_exit "16 GiB process under $sharing runs" 0 "$sharesim" run "$work/big-$sharing.yaml" -o "$work/big-$sharing" -q
  has "16 GiB under $sharing warned at load" "$work/stderr" "workloads[0].memory: each process declares 16.00 GiB, more than the"
  has "16 GiB under $sharing: the process failed" "$work/big-$sharing/results.json" '"failed": true'
done
vm_scenario vm 1s >"$work/big-vm.yaml"
printf '    memory: 16GiB\n    arrivals: {poisson: {rate: 10/s}}\n    request: {ops: [{kernel: {duration: 1ms}}]}\n' >>"$work/big-vm.yaml"
expect_exit "16 GiB process in a VM (passthrough) runs" 0 "$sharesim" run "$work/big-vm.yaml" -o "$work/big-vm" -q
has "16 GiB under passthrough warned at load" "$work/stderr" "workloads[0].memory: each process declares 16.00 GiB"
# Together: 3 x 6 GiB = 18 GiB > 15 GiB; the third process crosses the GPU's memory.
k8s_scenario time-slicing 3 6GiB >"$work/sum.yaml"
expect_exit "3 x 6 GiB time-sliced runs" 0 "$sharesim" run "$work/sum.yaml" -o "$work/sum" -q
has "memory of a GPU's processes together warned" "$work/stderr" "declare 18.00 GiB together once 'app/2' starts"
# The MPS memory limit (CUDA_MPS_PINNED_DEVICE_MEM_LIMIT 1 GiB) below the declared 2 GiB.
k8s_scenario mps 1 2GiB >"$work/pinned.yaml"
printf '    env: {CUDA_MPS_PINNED_DEVICE_MEM_LIMIT: "0=1G"}\n' >>"$work/pinned.yaml"
expect_exit "2 GiB under a 1 GiB MPS limit runs" 0 "$sharesim" run "$work/pinned.yaml" -o "$work/pinned" -q
has "the MPS memory limit warned at load" "$work/stderr" "more than its MPS memory limit CUDA_MPS_PINNED_DEVICE_MEM_LIMIT 1.00 GiB"
# check does not pass it silently.
expect_exit "check runs the 50-client scenario" 0 "$sharesim" check "$work/mps50.yaml"
has "check prints the load-time warning" "$work/stderr" "sharesim: warning: $work/mps50.yaml:10:5: workloads[0].replicas"

# --- Item 10 (5): 100,000 time-sliced replicas start and run (once 9 s and 49 s when they ran out
# of memory: start-up was quadratic; the figures are in docs/performance.md, "Start-up", measured
# by a benchmark, not here: a timed test would be flaky). Here: they complete, every replica is
# reported, and under 1 GiB each the ones past the GPU's memory fail with the reason.
k8s_scenario time-slicing 100000 0 >"$work/many.yaml"
k8s_scenario time-slicing 100000 1GiB >"$work/many-oom.yaml"
if [ "$not_asan" -eq 1 ]; then
  expect_exit "100,000 time-sliced replicas run" 0 "$sharesim" run "$work/many.yaml" -o "$work/many" -q
  [ "$(grep -o '"replica": [0-9]*' "$work/many/results.json" | wc -l)" -eq 100000 ]
  check "all 100,000 processes are reported" $?
  # By hand: 15,079 MiB usable (t4 profile) holds 14 processes of 1 GiB; the 15th faults, and
  # time-slicing is one fault domain, so every process of the GPU fails, each with the reason.
  expect_exit "100,000 replicas of 1 GiB run (they run out of memory)" 0 "$sharesim" run "$work/many-oom.yaml" -o "$work/many-oom" -q
  [ "$(grep -o '"failed": true' "$work/many-oom/results.json" | wc -l)" -eq 100000 ]
  check "all 100,000 fail (one fault domain)" $?
  has "with the reason" "$work/many-oom/results.json" "out of device memory: 14336 MiB in use + 1024 MiB requested > 15079 MiB usable"
fi
# A stop acts during start-up: a budget that has run out before the first process starts stops the
# run there (exit 124), nothing is simulated, and the processes not started say so.
expect_exit "--time-budget during start-up exits 124" 124 "$sharesim" run "$work/many.yaml" -o "$work/many-stop" -q --time-budget 1ns
has "stopped during start-up: the results say so" "$work/many-stop/results.json" "not started: the run was stopped during start-up"
has "stopped during start-up: marked interrupted" "$work/many-stop/results.json" '"interrupted": true'
has "stopped during start-up: one line on stderr" "$work/stderr" "sharesim: stopped: the wall-clock budget (--time-budget 1ns) ran out at simulated 0.000 s"

# --- Item 10 (1, 2): plan --time-budget: a partial plan marked interrupted, exit 124.
expect_exit "plan with a budget that runs out exits 124" 124 "$sharesim" plan "$plan_example" -o "$work/budget" -j 1 --time-budget 1ns
json_ok "$work/budget/plan.json"; check "the partial plan.json is valid JSON" $?
has "the partial plan is marked interrupted" "$work/budget/plan.json" '"interrupted": true'
has "it says why" "$work/budget/plan.json" '"stopped_by": "the time budget ran out"'
has "the search is inconclusive" "$work/budget/plan.json" '"status": "inconclusive"'
has "what was not searched" "$work/budget/plan.json" "not searched (stopped: the time budget ran out)"
has "plan.md says interrupted" "$work/budget/plan.md" "Search: **interrupted** (the time budget ran out)"
has "stderr says stopped" "$work/stderr" "sharesim: stopped: the wall-clock budget (--time-budget 1ns) ran out; wrote a partial plan"
[ -z "$(ls -A "$work/budget" | grep -E 'tmp|old')" ]; check "no temporary file left" $?
# The budget cuts a long candidate's simulation short too: with 3000 s simulated per candidate
# (several seconds each), a 1 s budget ends the plan at about 1 s (it waited for the candidates in
# flight before: 8 s here).
start=$(date +%s%N)
expect_exit "a budget during a long candidate exits 124" 124 "$sharesim" plan "$plan_example" -o "$work/long-candidate" -j 1 --set duration=3000s --time-budget 1s -q
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 4000 ]; check "a budget of 1 s stops a plan of long candidates within 4 s ($ms ms)" $?
expect_exit "--time-budget without a unit is a usage error" 2 "$sharesim" plan "$plan_example" -o "$work/x" --time-budget 30
one_error_line "plan --time-budget 30"
expect_exit "--time-budget with --max-rate is refused" 2 "$sharesim" plan "$plan_example" -o "$work/x" --max-rate detector --time-budget 1s
one_error_line "plan --max-rate --time-budget"
expect_exit "a stopped shard writes nothing" 124 "$sharesim" plan "$plan_example" -o "$work/shard" --shard 0/2 --time-budget 1ns
[ ! -e "$work/shard/shard.txt" ]; check "no shard.txt from a stopped shard" $?

# The count: the example's device options (cost 1 and 1.6, at most 4 devices) make the multisets
# a x 1 + b x 1.6 with 1 <= a + b <= 4: 2 + 3 + 4 + 5 = 14, all of distinct cost, so 14 levels.
# Each level's count is printed before it is simulated, and it is what the search then does: the
# levels' candidates add up to the searched candidates, and (one shard, complete search) the
# candidates left to simulate to the simulated ones.
expect_exit "the example plans" 0 "$sharesim" plan "$plan_example" -o "$work/plan" -j 2
cp "$work/stderr" "$work/plan.stderr"
has "the count names the levels" "$work/stderr" "search space: 14 cost level(s), cheapest first"
has "level 1 counted before it is simulated" "$work/stderr" "cost level 1 of 14 (cost 1): "
python3 - "$work/plan/plan.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
s = p["search"]
levels = s["search_space"]["levels_counted"]
assert s["search_space"]["cost_levels"] == 14, s["search_space"]
assert len(levels) == s["levels_evaluated"], (len(levels), s["levels_evaluated"])
assert sum(l["candidates"] for l in levels) == s["candidates"], (levels, s)
assert sum(l["to_simulate"] for l in levels) == s["simulated"], (levels, s)
assert sum(l["candidates"] - l["to_simulate"] for l in levels) == s["screened_out"], (levels, s)
assert s["interrupted"] is False and "stopped_by" not in s
PY
check "plan.json's per-level counts add up to what was searched" $?
expect_exit "plan --count" 0 "$sharesim" plan "$plan_example" --count
has "--count counts every level" "$work/stdout" "search space: 14 cost level(s), "
[ "$(grep -c '^  cost level [0-9]* of 14' "$work/stdout")" -eq 14 ]; check "--count lists 14 levels" $?
for level in 1 2; do
  line=$(grep "cost level $level of 14" "$work/stdout")
  grep -qxF -- "$line" "$work/plan.stderr"; check "--count's level $level is the search's ($line)" $?
done

# (3) Progress on a terminal only: no carriage return when stderr is a file (logs stay clean).
"$sharesim" plan "$plan_example" -o "$work/noterm" -j 1 --set duration=10s --time-budget 1s >/dev/null 2>"$work/noterm.err"
! grep -q $'\r' "$work/noterm.err"; check "no progress line when stderr is not a terminal" $?
if command -v script >/dev/null 2>&1; then
  script -qec "'$sharesim' plan '$plan_example' -o '$work/term' -j 1 --set duration=10s --time-budget 1s" \
    "$work/typescript" >/dev/null 2>&1
  grep -q $'\r  cost level [0-9]* of 14: [0-9]*/[0-9]* candidates simulated' "$work/typescript"
  check "a self-overwriting progress line on a terminal" $?
fi

# (4) SIGINT / SIGTERM: the first signal stops the search at its next check and writes a valid
# partial plan marked interrupted; 128 + the signal (130, 143).
for sig in INT TERM; do
  signal_after "$sig" 1 "$sharesim" plan "$plan_example" -o "$work/sig$sig" -j 1 --set duration=30s -q
  want=130
  [ "$sig" = TERM ] && want=143
  [ "$code" -eq "$want" ]; check "plan stopped by SIG$sig exits $want (got $code; $(head -c 300 "$work/stderr"))" $?
  json_ok "$work/sig$sig/plan.json"; check "SIG$sig: plan.json is valid" $?
  has "SIG$sig: marked interrupted" "$work/sig$sig/plan.json" "\"stopped_by\": \"interrupted by SIG$sig"
done
# run: SIGTERM gives 143 (SIGINT 130 is in cli_test.sh).
vm_scenario long 10h >"$work/long.yaml"
printf '    arrivals: {poisson: {rate: 400/s}}\n    request: {ops: [{kernel: {duration: 1ms}}]}\n' >>"$work/long.yaml"
signal_after TERM 1 "$sharesim" run "$work/long.yaml" -o "$work/long" -q
[ "$code" -eq 143 ]; check "run stopped by SIGTERM exits 143 (got $code)" $?
has "run SIGTERM: says why" "$work/stderr" "sharesim: stopped: interrupted by SIGTERM"

# --- Item 9: plan into a folder that holds an earlier plan: OUT/deploy/ is replaced as a whole.
# The earlier deploy/ holds a device folder this plan does not write, and README.md as a symlink to
# a file outside OUT: the old scheme wrote the new README through the link (replacing that file)
# and removed stale files one by one afterwards.
expect_exit "a first plan" 0 "$sharesim" plan "$plan_example" -o "$work/again" -q
cp -r "$work/again/deploy" "$work/deploy.first"
mkdir -p "$work/again/deploy/old-device/kubernetes"
echo "stale" >"$work/again/deploy/old-device/kubernetes/app.yaml"
echo "outside" >"$work/outside.txt"
rm "$work/again/deploy/README.md"
ln -s "$work/outside.txt" "$work/again/deploy/README.md"
expect_exit "a plan into the earlier plan's folder" 0 "$sharesim" plan "$plan_example" -o "$work/again" -q
[ ! -e "$work/again/deploy/old-device" ]; check "the earlier plan's extra deploy/ folder is gone" $?
diff -r "$work/deploy.first" "$work/again/deploy" >/dev/null; check "deploy/ holds exactly the new plan's files" $?
[ "$(cat "$work/outside.txt")" = "outside" ]; check "a link in the old deploy/ is not written through" $?
[ -z "$(ls -A "$work/again" | grep -E 'tmp|old|new')" ]; check "no temporary folder left beside deploy/" $?
# A failure before the renames (plan.md cannot be written: it is a folder) leaves the previous
# plan whole, deploy/ included, and no temporary folder.
mkdir -p "$work/again/deploy/old-device" && echo "kept" >"$work/again/deploy/old-device/x.yaml"
cp -r "$work/again/deploy" "$work/deploy.before"
rm "$work/again/plan.md" && mkdir "$work/again/plan.md"
expect_exit "a plan whose plan.md cannot be written" 2 "$sharesim" plan "$plan_example" -o "$work/again" -q
diff -r "$work/deploy.before" "$work/again/deploy" >/dev/null; check "a failed plan leaves the previous deploy/ whole" $?
[ -z "$(ls -A "$work/again" | grep -E 'tmp|old|new')" ]; check "a failed plan leaves no temporary folder" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
