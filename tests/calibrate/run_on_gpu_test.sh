#!/usr/bin/env bash
# calibrate/scripts/run-on-gpu.sh without a GPU: stand-ins for nvidia-smi, nvidia-cuda-mps-control,
# cmake and sharesim-calibrate (tests/calibrate/fake_gpu/) on PATH, the real sharesim for fit and
# compare. Checks the facts file, the build for the GPU's own architecture, the MPS daemon stopped
# on every path (success, timeout, SIGTERM), the time bound, and that no GPU setting is changed.
# Usage: run_on_gpu_test.sh SHARESIM SOURCE_DIR
. "$(dirname "$0")/../shell_test_lib.sh"

script="$src/calibrate/scripts/run-on-gpu.sh"
fakes="$src/tests/calibrate/fake_gpu"
sharesim=$(cd "$(dirname "$sharesim")" && pwd)/$(basename "$sharesim")  # the fake cmake links to it
export FAKE_SHARESIM=$sharesim

# Runs the script with the fakes first on PATH; a fresh state and log per run. Sets $run.
start_run() {
  run="$work/$1"
  shift
  mkdir -p "$run/state"
  export FAKE_LOG="$run/log" FAKE_STATE="$run/state"
  PATH="$fakes:$PATH" "$script" -o "$run/out" --build-dir "$run/build" "$@" >"$run/stdout" 2>"$run/stderr" &
  run_pid=$!
}
finish_run() {
  wait "$run_pid"
  run_status=$?
}
fact_is() {  # NAME KEY VALUE: facts.txt has the line "KEY: VALUE"
  local ok=1
  grep -qxF -- "$2: $3" "$run/out/facts.txt" && ok=0
  check "$1: '$2: $3' in facts.txt ($(grep -F "$2:" "$run/out/facts.txt" 2>/dev/null | head -n 2))" "$ok"
}
mps_stopped() {
  local ok=1
  [ ! -e "$run/state/mps.running" ] && grep -q '^mps quit$' "$run/log" && ok=0
  check "$1: the MPS daemon was stopped" "$ok"
}

# 1. A whole run: build for sm_90, both runs, fit, compare.
start_run full --time-budget 120
finish_run
check "full run exits 0 (stderr: $(tail -n 3 "$run/stderr"))" "$run_status"
fact_is "full" gpu.name "NVIDIA H200"
fact_is "full" gpu.driver "570.86.15"
grep -q '^run.date_utc: [0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]*Z$' "$run/out/facts.txt"
check "full: the date in facts.txt" $?
fact_is "full" gpu.cuda_arch "sm_90"
grep -q -- '-DSHARESIM_CUDA=ON -DSHARESIM_CUDA_ARCHITECTURES=90$' "$run/log"
check "full: configured for the GPU's own architecture (compute_cap 9.0 -> 90)" $?
for s in probe-exclusive exclusive probe-mps mps fit compare-exclusive compare-mps; do
  grep -q "^step.$s: ok in [0-9]* s$" "$run/out/facts.txt"
  check "full: step $s ok" $?
done
for f in raw-exclusive.csv raw-mps.csv fitted.yaml compare-exclusive.txt clocks.csv smi-before.txt smi-after.txt; do
  [ -s "$run/out/$f" ]
  check "full: $f written" $?
done
[ "$(grep -c ', 1980, 3201, ' "$run/out/clocks.csv")" -ge 1 ]
check "full: clocks sampled during the run" $?
has "full" "$run/out/raw-mps.csv" "sharing,pair,"
grep -q '^sharesim-calibrate mps=on suite=sharing pipe='"$work"'' "$run/log" ||
  grep -q '^sharesim-calibrate mps=on suite=sharing pipe=/.*/mps-pipe$' "$run/log"
check "full: the MPS run used the script's own pipe directory" $?
grep -q '^sharesim-calibrate mps=off suite=all pipe=unset$' "$run/log"
check "full: the exclusive run ran every suite with MPS off" $?
mps_stopped "full"
fact_is "full" mps.stopped yes
# No GPU setting is changed: nvidia-smi is only queried.
! grep -E '^nvidia-smi .*(^| )(-c|-pm|-ac|-rac|-pl|-lgc|-rgc|-lmc|-rmc|-mig|-r|--compute-mode|--persistence-mode)( |=|$)' "$run/log" >/dev/null
check "full: nvidia-smi only queried ($(grep -v -- '--query\|-q -i' "$run/log" | grep '^nvidia-smi' | head -n 2))" $?

# 2. The MPS run hangs: cut at the budget, the daemon stopped, the fit made from what was measured.
t0=$(date +%s)
export FAKE_HANG=mps
start_run hang --time-budget 20 --calibrate "$fakes/sharesim-calibrate" --sharesim "$sharesim"
finish_run
unset FAKE_HANG
took=$(( $(date +%s) - t0 ))
[ "$run_status" -eq 1 ]
check "hang: exit 1 (got $run_status)" $?
# The script's bound is 20 s; 3 s more allow for process start-up and teardown on a loaded CI machine.
[ "$took" -le 23 ]
check "hang: within the 20 s budget (took $took s)" $?
grep -q '^step.mps: timed out after' "$run/out/facts.txt"
check "hang: the MPS step is reported timed out" $?
mps_stopped "hang"
# The fit's own time varies with the machine's load: only its verdict is checked.
grep -qE '^step.fit: ok in [0-9]+ s$' "$run/out/facts.txt"
check "hang: the fit step succeeded ($(grep -F 'step.fit:' "$run/out/facts.txt" | head -n 1))" $?
[ -s "$run/out/fitted.yaml" ]
check "hang: fitted from the exclusive run" $?
! kill -0 "$(cat "$run/state/hang.pid")" 2>/dev/null
check "hang: the hung run was ended" $?

# 3. SIGTERM while the MPS run is going: the trap stops the daemon and the run.
export FAKE_HANG=mps
start_run term --time-budget 300 --calibrate "$fakes/sharesim-calibrate" --sharesim "$sharesim"
unset FAKE_HANG
for _ in $(seq 100); do [ -s "$run/state/hang.pid" ] && break; sleep 0.1; done
t0=$(date +%s)
kill -TERM "$run_pid"
finish_run
took=$(( $(date +%s) - t0 ))
[ "$run_status" -eq 143 ]
check "term: exit 143 (got $run_status)" $?
[ "$took" -le 5 ]
check "term: ends at once (took $took s)" $?
mps_stopped "term"
fact_is "term" run.interrupted "by signal TERM"
! kill -0 "$(cat "$run/state/hang.pid")" 2>/dev/null
check "term: the running measurement was ended" $?

# 4. Bad arguments.
expect_exit "unknown argument" 2 env PATH="$fakes:$PATH" "$script" --frobnicate
expect_exit "budget below 20 s" 2 env PATH="$fakes:$PATH" "$script" --time-budget 5
expect_exit "budget not a number" 2 env PATH="$fakes:$PATH" "$script" --time-budget 1m

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
