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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
