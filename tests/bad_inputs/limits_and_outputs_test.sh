#!/usr/bin/env bash
# Resource limits (--max-events, --time-budget) and "nothing lost" (outputs replaced atomically;
# a failing run leaves earlier results intact and no partial file). docs/hardening.md.
# Usage: limits_and_outputs_test.sh SHARESIM SOURCE_DIR
. "$(dirname "$0")/../shell_test_lib.sh"
run() {  # run CMD...: exit code in $code, output in $work/stdout, $work/stderr
  "$@" >"$work/stdout" 2>"$work/stderr"
  code=$?
}
example="$src/scenarios/examples/one-t4-time-slicing.yaml"
huge="$src/tests/bad_inputs/s_events_1e12.yaml"

# --- --max-events: 10^6/s for 10^6 s = 10^12 requests x 3 events is refused up front.
run timeout 60 "$sharesim" run "$huge" -o "$work/huge" --quiet
[ "$code" -eq 2 ]; check "10^12 requests refused with exit 2 (got $code)" $?
one_error_line "10^12 requests"
grep -q 'about 3e+12 events' "$work/stderr"; check "the refusal gives the estimate" $?
grep -q -- '--max-events' "$work/stderr"; check "the refusal names --max-events" $?
grep -q 's_events_1e12.yaml:8:' "$work/stderr"; check "the refusal names the workload's line" $?
[ ! -e "$work/huge" ]; check "nothing written when refused" $?
run "$sharesim" run "$example" -o "$work/x" --max-events 1000 --quiet
[ "$code" -eq 2 ]; check "a small --max-events refuses the example (got $code)" $?
run "$sharesim" run "$example" -o "$work/x" --max-events nan --quiet
[ "$code" -eq 2 ]; check "--max-events nan is a usage error (got $code)" $?
one_error_line "--max-events nan"
run "$sharesim" run "$example" -o "$work/x" --time-budget 30 --quiet
[ "$code" -eq 2 ]; check "--time-budget without a unit is a usage error (got $code)" $?
one_error_line "--time-budget 30"

# --- --time-budget: raising the event limit lets the 10^12 run start; the 1 s budget stops it
# like an interrupted run: results written, marked interrupted, exit 124, one line on stderr.
run timeout 120 "$sharesim" run "$huge" -o "$work/budget" --max-events 1e13 --time-budget 1s --quiet
[ "$code" -eq 124 ]; check "an exhausted --time-budget exits 124 (got $code)" $?
grep -q '"interrupted": true' "$work/budget/results.json"; check "budget-stopped results are written, marked interrupted" $?
ok=1
[ "$(wc -l <"$work/stderr")" -eq 1 ] && grep -q '^sharesim: stopped: the wall-clock budget' "$work/stderr" && ok=0
check "budget stop says why on one line ($(head -c 300 "$work/stderr"))" "$ok"

# --- Nothing lost: a later failing run leaves the earlier results.json as it was.
run "$sharesim" run "$example" -o "$work/keep" --quiet
[ "$code" -eq 0 ]; check "example runs (got $code)" $?
cp "$work/keep/results.json" "$work/results.before"
run "$sharesim" run "$src/tests/bad_inputs/s_rate_nan.yaml" -o "$work/keep" --quiet
[ "$code" -eq 2 ]; check "bad input exits 2 (got $code)" $?
cmp -s "$work/keep/results.json" "$work/results.before"; check "results.json intact after a failing run" $?
[ -z "$(ls "$work/keep" | grep tmp)" ]; check "no temporary file after a failing run" $?

# The output folder cannot be created (a file is in the way): one line, exit 1, nothing partial.
echo "not a folder" >"$work/blocker"
run "$sharesim" run "$example" -o "$work/blocker/out" --quiet
[ "$code" -eq 2 ]; check "output folder blocked by a file exits 2 (got $code)" $?
one_error_line "output folder blocked"
[ "$(cat "$work/blocker")" = "not a folder" ]; check "the blocking file is untouched" $?

# A read-only output folder (only meaningful without root: root writes anyway).
if [ "$(id -u)" -ne 0 ]; then
  mkdir "$work/ro" && cp "$work/results.before" "$work/ro/results.json" && chmod 555 "$work/ro"
  run "$sharesim" run "$example" -o "$work/ro" --quiet
  [ "$code" -eq 2 ]; check "read-only output folder exits 2 (got $code)" $?
  one_error_line "read-only output folder"
  cmp -s "$work/ro/results.json" "$work/results.before"; check "results.json intact in a read-only folder" $?
  [ "$(ls "$work/ro" | wc -l)" -eq 1 ]; check "no partial file in a read-only folder" $?
fi

# --- Durations never wrap (issue 12 item 5): per_item 100000h x a batch of 100 is 3.6e20 ns, past
# 2^63. It used to wrap to a short kernel (2000 requests done, p50 24.5 ms); saturated, the first
# batch runs past the end of the run, so none completes and the GPU stays busy from then on.
{ vm_scenario per-item-overflow 1s; cat <<'YAML'
    arrivals: {constant: {rate: 2000/s}}
    batching: {max_batch: 100, max_delay: 50ms}
    request: {ops: [{kernel: {duration: 1ms, per_item: 100000h}}]}
YAML
} >"$work/per_item.yaml"
run "$sharesim" run "$work/per_item.yaml" -o "$work/per_item" --quiet
[ "$code" -eq 0 ]; check "per_item x batch past 2^63 runs (got $code)" $?
grep -q '"completed": 0,' "$work/per_item/results.json"; check "per_item x batch past 2^63: no request completes" $?

# --- Aborts that became errors or limits (issue 12 item 6).
# Arrival rates whose gaps pass 2^63 ns (a Poisson gap at 1e-10/s is ~1e19 ns) used to abort; the
# gap saturates ("no further arrival within the run").
for arrivals in "poisson: {rate: 1e-10/s}" "poisson: {rate: 1e-12/s}" "constant: {rate: 1e-10/s}"; do
  { vm_scenario tiny-rate 10s; printf '    arrivals: {%s}\n    request: {ops: [{kernel: {duration: 1ms}}]}\n' "$arrivals"; } >"$work/rate.yaml"
  run timeout 60 "$sharesim" run "$work/rate.yaml" -o "$work/rate" --quiet
  [ "$code" -eq 0 ]; check "arrivals $arrivals run (got $code; $(head -c 200 "$work/stderr"))" $?
done
# utilization_window 1ns: 10^9 samples per GPU used to abort on memory; refused at load time.
{ vm_scenario window 1s; printf '    arrivals: {poisson: {rate: 10/s}}\n    request: {ops: [{kernel: {duration: 1ms}}]}\n'; } |
  sed 's/^duration: 1s$/duration: 1s\nutilization_window: 1ns/' >"$work/window.yaml"
run "$sharesim" run "$work/window.yaml" -o "$work/window" --quiet
[ "$code" -eq 2 ]; check "utilization_window 1ns is refused (got $code)" $?
one_error_line "utilization_window 1ns"
has "utilization_window 1ns" "$work/stderr" "window.yaml:3:21: utilization_window: expected at most 1000000 utilization samples"
# Inputs that are not files: /dev/zero is read up to the limit, a folder is named as one.
run timeout 60 "$sharesim" run /dev/zero -o "$work/zero" --quiet
[ "$code" -eq 2 ]; check "run /dev/zero is refused (got $code)" $?
one_error_line "run /dev/zero"
has "run /dev/zero" "$work/stderr" "is larger than 64 MiB"
run "$sharesim" run "$work" -o "$work/folder" --quiet
[ "$code" -eq 2 ]; check "run FOLDER is refused (got $code)" $?
has "run FOLDER" "$work/stderr" "is a folder; expected a scenario"
# An overloaded queue (10^4/s into a 1 ms kernel): stopped at the in-flight limit, results so far.
{ vm_scenario overload 10s; printf '    arrivals: {poisson: {rate: 10000/s}}\n    request: {ops: [{kernel: {duration: 1ms}}]}\n'; } >"$work/overload.yaml"
run timeout 60 "$sharesim" run "$work/overload.yaml" -o "$work/overload" --max-in-flight 1000 --quiet
[ "$code" -eq 124 ]; check "an overloaded queue stops at --max-in-flight with exit 124 (got $code)" $?
grep -q '"interrupted": true' "$work/overload/results.json"; check "overloaded: results so far, marked interrupted" $?
ok=1
[ "$(wc -l <"$work/stderr")" -eq 1 ] && grep -q "^sharesim: stopped: more than 1e+03 requests were in flight (workload 'app'" "$work/stderr" && ok=0
check "overloaded: one line says why ($(head -c 300 "$work/stderr"))" "$ok"
# plan -j 1000: more threads than is useful is a usage error, not an abort.
run "$sharesim" plan "$src/scenarios/examples/plan-three-workloads.yaml" -o "$work/plan" -j 1000 --quiet
[ "$code" -eq 2 ]; check "plan -j 1000 is refused (got $code)" $?
one_error_line "plan -j 1000"
# A 2,000,000-row trace is streamed: peak memory used to be ~300 MB (about 150 bytes per row
# beyond the file), now the file plus 8 bytes per row. Loading only: --max-events 1 refuses the run.
# Not under AddressSanitizer (make sanitize): its shadow memory and quarantine make peak RSS say
# nothing about the program's own footprint.
if [ -x /usr/bin/time ] && ! { command -v ldd >/dev/null 2>&1 && ldd "$sharesim" 2>/dev/null | grep -q libasan; }; then
  awk 'BEGIN { print "TIMESTAMP"; for (i = 0; i < 2000000; i++) printf "%.4f\n", i * 0.001 }' >"$work/t2m.csv"
  { vm_scenario trace 10000s; printf '    arrivals: {trace: {file: t2m.csv}}\n    request: {ops: [{kernel: {duration: 100us}}]}\n'; } >"$work/t2m.yaml"
  peak_kb=$(/usr/bin/time -f %M "$sharesim" run "$work/t2m.yaml" -o "$work/t2m" --max-events 1 --quiet 2>&1 >/dev/null | tail -1)
  [ "$peak_kb" -lt 120000 ]; check "a 2M-row trace loads in < 120 MB (peak $peak_kb KB)" $?
  rm -f "$work/t2m.csv"
fi

# --- Item 11, outside the planner.
# smi accepts the run's folder (it used to abort: ifstream read a folder); --dmon stays linear.
{ vm_scenario long 100000s; printf '    arrivals: {poisson: {rate: 1/s}}\n    request: {ops: [{kernel: {duration: 1ms}}]}\n'; } >"$work/long.yaml"
run "$sharesim" run "$work/long.yaml" -o "$work/long" --quiet
run timeout 60 "$sharesim" smi "$work/long"
[ "$code" -eq 0 ]; check "smi OUT/ reads OUT/results.json (got $code)" $?
run timeout 15 "$sharesim" smi "$work/long/results.json" --dmon
[ "$code" -eq 0 ]; check "smi --dmon on a 100,000 s run is quick (got $code; was 43 s)" $?
[ "$(wc -l <"$work/stdout")" -eq 100002 ]; check "smi --dmon: one row per second and two header lines" $?
sed 's/"simulated_seconds": [0-9.e+]*/"simulated_seconds": 1e18/' "$work/long/results.json" >"$work/huge.json"
run timeout 15 "$sharesim" smi "$work/huge.json" --dmon
[ "$code" -eq 2 ]; check "smi --dmon of 1e18 s is refused up front (got $code)" $?
one_error_line "smi --dmon of 1e18 s"
# check: a baseline path that is a folder is bad input (2), not an empty baseline (1).
mkdir -p "$work/bl/one-t4-time-slicing.baseline"
run "$sharesim" check --baseline "$work/bl" "$example"
[ "$code" -eq 2 ]; check "check: a baseline that is a folder exits 2 (got $code)" $?
has "check: a baseline that is a folder" "$work/stderr" "is a folder; expected a baseline file"
# A relative gpu_profile is resolved once, against the scenario's folder (was gp/gp/ok.yaml).
mkdir -p "$work/gp"
cp "$src/models/profiles/t4.yaml" "$work/gp/ok.yaml"
{ vm_scenario profile 1s; printf '    arrivals: {poisson: {rate: 10/s}}\n    request: {ops: [{kernel: {duration: 1ms}}]}\n'; } |
  sed 's/^    gpus: 1$/    gpus: 1\n    gpu_profile: ok.yaml/' >"$work/gp/s.yaml"
run sh -c "cd '$work' && '$sharesim' run gp/s.yaml -o gp-out --quiet"
[ "$code" -eq 0 ]; check "relative gpu_profile from a relative scenario path (got $code; $(head -c 200 "$work/stderr"))" $?
# --trace-window outside the run is an error, not an empty trace with exit 0.
run "$sharesim" run "$example" -o "$work/tw" --trace "$work/tw.json" --trace-window 10s:12s --quiet
[ "$code" -eq 2 ]; check "--trace-window after the end is refused (got $code)" $?
one_error_line "--trace-window after the end"
[ ! -e "$work/tw.json" ]; check "--trace-window after the end: no trace written" $?

# --- Item 11, the planner: merge refuses shards of another version of the scenario or of other
# --set values, naming the difference; plan --max-rate writes its verdict into -o.
cp "$src/scenarios/examples/plan-three-workloads.yaml" "$work/p.yaml"
run "$sharesim" plan "$work/p.yaml" --shard 0/2 -o "$work/sh0" --quiet
run "$sharesim" plan "$work/p.yaml" --shard 1/2 -o "$work/sh1" --quiet
run "$sharesim" plan "$work/p.yaml" --shard 1/2 -o "$work/sh1-seed" --set seed=9 --quiet
run "$sharesim" merge "$work/sh0" "$work/sh1-seed" -o "$work/merged-seed"
[ "$code" -eq 2 ]; check "merge: shards with other --set values are refused (got $code)" $?
has "merge: other --set values" "$work/stderr" "expected shards with the same --set values, found --set seed=9 (shard 1/2) and no --set (shard 0/2)"
sed -i 's/^seed: .*/seed: 7/' "$work/p.yaml"
run "$sharesim" merge "$work/sh0" "$work/sh1" -o "$work/merged-edited"
[ "$code" -eq 2 ]; check "merge: shards of an edited scenario are refused (got $code)" $?
has "merge: edited scenario" "$work/stderr" "was computed from another version of"
[ ! -e "$work/merged-edited" ]; check "merge: nothing written when refused" $?
run "$sharesim" plan "$work/p.yaml" --max-rate classifier -o "$work/max-rate" --quiet
grep -q '"workload": "classifier"' "$work/max-rate/max-rate.json"; check "plan --max-rate writes OUT/max-rate.json (exit $code)" $?

# --- Item 4: a failed workload says FAILED and why, not p99 0.00 ms. 50 MPS replicas of 'app'
# and one 'big' on one T4: MPS takes 48 clients, so app/48, app/49 and big/0 cannot start.
cat >"$work/mps49.yaml" <<'YAML'
name: mps-49
duration: 1s
devices:
  - name: box
    gpus: 1
    sharing: mps
    setup: [{kubernetes: {}}]
workloads:
  - name: app
    device: box
    runtime: kubernetes
    replicas: 50
    memory: 100MiB
    env: {NVIDIA_VISIBLE_DEVICES: "0"}
    arrivals: {poisson: {rate: 100/s}}
    request: {ops: [{kernel: {duration: 1ms}}]}
    slo: {p99: 10ms}
  - name: big
    device: box
    runtime: kubernetes
    memory: 100MiB
    env: {NVIDIA_VISIBLE_DEVICES: "0"}
    arrivals: {poisson: {rate: 10/s}}
    request: {ops: [{kernel: {duration: 1ms}}]}
    slo: {p99: 10ms}
YAML
run "$sharesim" run "$work/mps49.yaml" -o "$work/mps49"
grep -q "^big .*  -  FAILED (.* requests failed: .*MPS allows at most 48 clients" "$work/stdout"
check "summary: the failed workload says FAILED and why ($(grep '^big' "$work/stdout"))" $?
grep '^big' "$work/stdout" | grep -q '0\.00'; [ $? -ne 0 ]; check "summary: no 0.00 ms latency for a workload with no completed request" $?
has "summary: repeated failures collapse" "$work/stdout" "! app: 2 processes failed (first app/48)"
has "results.json: status failed" "$work/mps49/results.json" '"status": "failed"'
has "report.html: FAILED" "$work/mps49/report.html" "FAILED: no request completed"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
