#!/usr/bin/env bash
# `sharesim check` end to end: expectations that hold and fail, malformed ones, baselines (missing,
# written, drifted within and beyond tolerance), JUnit XML, and --jobs independence.
# Usage: check_test.sh SHARESIM SOURCE_DIR
. "$(dirname "$0")/../shell_test_lib.sh"

# A scenario with expectations, from the time-slicing example without its own expect section.
# Its lines 1..N are the example's; the expect section starts after them, so the expectations'
# line numbers are known.
base="$work/base.yaml"
sed '/^expect:/,$d' "$src/scenarios/examples/one-t4-time-slicing.yaml" >"$base"
n=$(wc -l <"$base")
make_scenario() {  # make_scenario FILE EXPECTATION...
  local file=$1
  shift
  sed "s|^name: .*|name: ts-check|; s|^seed: .*|seed: 42|" "$base" >"$file"
  echo "expect:" >>"$file"
  for e in "$@"; do echo "  - $e" >>"$file"; done
}

# Expectations that hold (the example's own SLOs: detector p99 <= 50 ms, >= 110/s).
make_scenario "$work/holds.yaml" "detector.p99 <= 50ms" "detector.throughput >= 100/s" \
  "gpu[edge-1/0].utilization_gpu <= 95%" "faults == 0" "slo_met == true"
expect_exit "expectations hold" 0 "$sharesim" check "$work/holds.yaml"
has "expectations hold" "$work/stdout" "5 expectations"

# One fails: exit 1 and a row naming it, its line, what was expected and what was measured.
make_scenario "$work/fails.yaml" "detector.p99 <= 50ms" "detector.p99 <= 1us"
expect_exit "expectation fails" 1 "$sharesim" check "$work/fails.yaml"
has "expectation fails" "$work/stdout" "expect detector.p99 <= 1us (line $((n + 3)))"
has "expectation fails" "$work/stdout" "<= 1us"
grep -q "expect detector.p99 <= 50ms" "$work/stdout"
check "the expectation that holds has no row" $((1 - $?))

# Malformed expectations: exit 2, file:line:column.
make_scenario "$work/malformed.yaml" "faults == 0" "detector.p99 => 50ms"
expect_exit "malformed expectation" 2 "$sharesim" check "$work/malformed.yaml"
has "malformed expectation" "$work/stderr" "malformed.yaml:$((n + 3)):5: expect[1]:"
make_scenario "$work/mismatch.yaml" "detector.p99 <= 190/s"
expect_exit "unit mismatch" 2 "$sharesim" check "$work/mismatch.yaml"
has "unit mismatch" "$work/stderr" "mismatch.yaml:$((n + 2)):5: expect[0]:"
has "unit mismatch" "$work/stderr" "unit mismatch"
make_scenario "$work/unknown.yaml" "detektor.p99 <= 5ms"
expect_exit "unknown workload" 2 "$sharesim" check "$work/unknown.yaml"
has "unknown workload" "$work/stderr" "unknown.yaml:$((n + 2)):5:"
expect_exit "bad scenario" 2 "$sharesim" check "$src/scenarios/examples/claim-1gpu-kubernetes-then-vm.yaml"
has "bad scenario" "$work/stderr" "claim-1gpu-kubernetes-then-vm.yaml:"

# Flags.
expect_exit "no scenario" 2 "$sharesim" check
expect_exit "--update-baseline without --baseline" 2 "$sharesim" check --update-baseline "$work/holds.yaml"
expect_exit "bad --tolerance" 2 "$sharesim" check --tolerance latency=5% "$work/holds.yaml"
expect_exit "--jobs 0" 2 "$sharesim" check --jobs 0 "$work/holds.yaml"

# Baselines: missing -> 2 saying how to create it; written; compared.
expect_exit "missing baseline" 2 "$sharesim" check --baseline "$work/bl" "$work/holds.yaml"
has "missing baseline" "$work/stderr" "--update-baseline"
expect_exit "write baseline" 0 "$sharesim" check --baseline "$work/bl" --update-baseline "$work/holds.yaml"
[ -f "$work/bl/holds.baseline" ]
check "baseline written" $?
has "baseline content" "$work/bl/holds.baseline" "detector.p99 = "
LC_ALL=C sort -c <(grep -v '^#' "$work/bl/holds.baseline") 2>/dev/null
check "baseline sorted" $?
expect_exit "same run matches its baseline" 0 "$sharesim" check --baseline "$work/bl" "$work/holds.yaml"

# Drift: the stored detector.p99 scaled by a factor; 5% is the default latency tolerance.
scale_p99() {  # scale_p99 FACTOR
  awk -v f="$1" '/^detector\.p99 = / { v = $3; sub(/ms$/, "", v); printf "detector.p99 = %.6fms\n", v * f; next } { print }' \
    "$work/bl/holds.baseline.orig" >"$work/bl/holds.baseline"
}
cp "$work/bl/holds.baseline" "$work/bl/holds.baseline.orig"
scale_p99 1.02
expect_exit "drift within tolerance" 0 "$sharesim" check --baseline "$work/bl" "$work/holds.yaml"
scale_p99 1.10
expect_exit "drift beyond tolerance" 1 "$sharesim" check --baseline "$work/bl" "$work/holds.yaml"
has "drift beyond tolerance" "$work/stdout" "baseline detector.p99"
has "drift beyond tolerance" "$work/stdout" "(tolerance 5%"
expect_exit "--tolerance widens it" 0 "$sharesim" check --baseline "$work/bl" --tolerance detector.p99=15% "$work/holds.yaml"
{ echo "tolerance duration = 12%"; cat "$work/bl/holds.baseline"; } >"$work/bl/tmp" && mv "$work/bl/tmp" "$work/bl/holds.baseline"
expect_exit "tolerance line in the baseline" 0 "$sharesim" check --baseline "$work/bl" "$work/holds.yaml"
expect_exit "update keeps tolerance lines" 0 "$sharesim" check --baseline "$work/bl" --update-baseline "$work/holds.yaml"
has "update keeps tolerance lines" "$work/bl/holds.baseline" "tolerance duration = 12%"
echo "detector.p99 = 3 parsecs" >>"$work/bl/holds.baseline"
expect_exit "malformed baseline" 2 "$sharesim" check --baseline "$work/bl" "$work/holds.yaml"
has "malformed baseline" "$work/stderr" "holds.baseline:"

# --jobs 1 and 2: same stdout, same JUnit, over several scenarios (one failing, one a bad input).
set -- "$work/holds.yaml" "$work/fails.yaml" "$src/scenarios/examples/one-t4-mps-20pct.yaml" \
  "$src/scenarios/examples/two-t4-vm-and-kubernetes.yaml" "$src/scenarios/examples/claim-2gpu-kubernetes-then-vm.yaml"
"$sharesim" check --jobs 1 --junit "$work/j1.xml" "$@" >"$work/out1" 2>"$work/err1"
code1=$?
"$sharesim" check --jobs 2 --junit "$work/j2.xml" "$@" >"$work/out2" 2>"$work/err2"
code2=$?
[ "$code1" -eq 2 ] && [ "$code2" -eq 2 ]
check "jobs: exit 2 with a bad input among them ($code1, $code2)" $?
cmp -s "$work/out1" "$work/out2" && cmp -s "$work/err1" "$work/err2"
check "jobs: same output with --jobs 1 and 2" $?
cmp -s "$work/j1.xml" "$work/j2.xml"
check "jobs: same JUnit with --jobs 1 and 2" $?
[ "$(grep -c '<testsuite ' "$work/j1.xml")" -eq 5 ]
check "JUnit: one testsuite per scenario" $?
has "JUnit" "$work/j1.xml" 'name="expect detector.p99 &lt;= 1us"'
has "JUnit" "$work/j1.xml" '<failure message="detector.p99 = '
has "JUnit" "$work/j1.xml" '<testcase name="load"'
if command -v python3 >/dev/null 2>&1; then
  python3 -c 'import sys, xml.etree.ElementTree as ET; r = ET.parse(sys.argv[1]).getroot(); assert r.tag == "testsuites"; assert len(r.findall("testsuite")) == 5' "$work/j1.xml"
  check "JUnit parses as XML (python3)" $?
fi

echo "check_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
