#!/usr/bin/env bash
# Command-line behaviour of `sharesim`: exit codes, one-line errors, outputs written atomically and
# deterministically, interruption. Usage: cli_test.sh SHARESIM SOURCE_DIR
. "$(dirname "$0")/../shell_test_lib.sh"

expect_exit "--version" 0 "$sharesim" --version
grep -q '^sharesim [0-9]\+\.[0-9]\+\.[0-9]\+$' "$work/stdout"; check "--version prints the version" $?
expect_exit "--help" 0 "$sharesim" --help
grep -q '^  run ' "$work/stdout"; check "--help lists run" $?
expect_exit "no arguments" 2 "$sharesim"
expect_exit "unknown command" 2 "$sharesim" frobnicate
one_error_line "unknown command"
expect_exit "unknown global flag" 2 "$sharesim" --frobnicate
one_error_line "unknown global flag"
expect_exit "unknown run flag" 2 "$sharesim" run --frobnicate
one_error_line "unknown run flag"
expect_exit "run without a scenario" 2 "$sharesim" run
one_error_line "run without a scenario"
expect_exit "run --help" 0 "$sharesim" run --help

# A missing file and a bad value are input errors naming the file (and line).
expect_exit "missing scenario file" 2 "$sharesim" run "$work/nope.yaml" -o "$work/o"
one_error_line "missing scenario file"
printf 'name: bad\nduration: 10 parsecs\ndevices: []\nworkloads: []\n' >"$work/bad.yaml"
expect_exit "bad duration" 2 "$sharesim" run "$work/bad.yaml" -o "$work/o"
one_error_line "bad duration"
grep -q "bad.yaml:2:" "$work/stderr"; check "bad duration names file and line" $?
[ ! -e "$work/o/results.json" ]; check "no results.json after an input error" $?

# A run writes results.json, prints a summary, and is byte-identical when repeated.
example="$src/scenarios/examples/one-t4-time-slicing.yaml"
expect_exit "run example" 0 "$sharesim" run "$example" -o "$work/a"
grep -q '"scenario": "one-t4-time-slicing"' "$work/a/results.json"; check "results.json has the scenario name" $?
grep -q 'detector' "$work/stdout"; check "summary lists the workloads" $?
ls "$work/a" | grep -q tmp; [ $? -ne 0 ]; check "no temporary files left behind" $?
expect_exit "run example again" 0 "$sharesim" run "$example" -o "$work/b" --quiet
cmp -s "$work/a/results.json" "$work/b/results.json"; check "same seed, byte-identical results.json" $?
[ ! -s "$work/stdout" ]; check "--quiet prints nothing" $?

# --set overrides a value; a malformed or unknown override is an input error.
expect_exit "--set seed" 0 "$sharesim" run "$example" -o "$work/c" --set seed=43 --quiet
grep -q '"seed": 43' "$work/c/results.json"; check "--set seed=43 reaches the results" $?
expect_exit "--set malformed" 2 "$sharesim" run "$example" -o "$work/d" --set seed
one_error_line "--set malformed"
expect_exit "--set unknown key" 2 "$sharesim" run "$example" -o "$work/d" --set workloads.nosuch.replicas=2
one_error_line "--set unknown key"

# --requests writes one CSV line per request.
expect_exit "--requests" 0 "$sharesim" run "$example" -o "$work/e" --requests "$work/e/requests.csv" --quiet
head -1 "$work/e/requests.csv" | grep -q '^workload,id,replica,batch_size,arrival_s,start_s,end_s,failed,measured$'
check "requests.csv header" $?
[ "$(wc -l <"$work/e/requests.csv")" -gt 100 ]; check "requests.csv has the requests" $?

# `bench replay` runs a scenario in process (the same simulation as `run`: the same kernel count as
# results.json) beside the heap yardstick; a bad scenario is an input error, an unknown benchmark a usage error.
expect_exit "bench replay" 0 "$sharesim" bench replay --scenario "$example" --events 1000
grep -q '^kernels_per_cpu_second: [0-9]\+$' "$work/stdout"; check "bench replay prints kernels per CPU second" $?
grep -q '^baseline_priority_queue_events_per_cpu_second: [0-9]\+$' "$work/stdout"; check "bench replay prints the yardstick" $?
replayed=$(sed -n 's/^replay_kernels: //p' "$work/stdout")
ran=$(grep -m1 '"kernels_completed"' "$work/a/results.json" | tr -dc 0-9)
[ -n "$replayed" ] && [ "$replayed" = "$ran" ]; check "bench replay simulates what run does ($replayed = $ran kernels)" $?
# The benchmark inputs load and replay (docs/performance.md); `bench gpu --exact` is the general path.
for b in "$src"/benchmarks/scenarios/*.yaml; do
  expect_exit "bench replay $(basename "$b")" 0 "$sharesim" bench replay --no-baseline --scenario "$b"
done
expect_exit "bench gpu --exact" 0 "$sharesim" bench gpu --no-baseline --exact --clients 48 --kernels 20000
grep -q '^level_path_changes_per_kernel: 0.000$' "$work/stdout"; check "bench gpu --exact takes only the general path" $?
expect_exit "bench gpu, 48 clients" 0 "$sharesim" bench gpu --no-baseline --clients 48 --kernels 20000
grep -q '^level_path_changes_per_kernel: [12]\.' "$work/stdout"; check "bench gpu with 48 clients takes the level path" $?
expect_exit "bench replay, missing scenario" 2 "$sharesim" bench replay --scenario "$work/nope.yaml"
one_error_line "bench replay, missing scenario"
expect_exit "bench replay, scenario with a target" 2 "$sharesim" bench replay --scenario "$src/tests/deploy/data/plugin-unequal-mps.yaml"
one_error_line "bench replay, scenario with a target"
expect_exit "bench, unknown benchmark" 2 "$sharesim" bench frobnicate
one_error_line "bench, unknown benchmark"

# SIGINT stops a long run cleanly: results so far, marked interrupted.
cat >"$work/long.yaml" <<'YAML'
name: long
duration: 10h
devices:
  - name: box
    gpus: 1
    setup: [{vm: {name: v}}]
workloads:
  - name: app
    device: box
    runtime: vm:v
    arrivals: {poisson: {rate: 400/s}}
    request: {ops: [{kernel: {duration: 1ms}}]}
YAML
signal_after INT 1 "$sharesim" run "$work/long.yaml" -o "$work/long" --quiet
[ "$code" -eq 130 ]; check "interrupted run exits 130 (got $code)" $?
grep -q '"interrupted": true' "$work/long/results.json"; check "interrupted results are written and marked" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
