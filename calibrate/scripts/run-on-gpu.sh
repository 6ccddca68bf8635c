#!/usr/bin/env bash
# run-on-gpu.sh: one bounded calibration of the GPU this machine has (issue 17).
#
#   calibrate/scripts/run-on-gpu.sh [-o DIR] [--time-budget SECONDS] [--device N]
#                                   [--calibrate BIN --sharesim BIN | --build-dir DIR] [--quick]
#
# 1. Reads the GPU's facts with nvidia-smi (name, driver, compute capability, clocks, compute
#    mode, other processes) into DIR/facts.txt ("key: value" lines).
# 2. Builds sharesim-calibrate for that GPU's own architecture (compute_cap 9.0 -> sm_90) and
#    sharesim, unless --calibrate and --sharesim name binaries built elsewhere (a machine with no
#    compiler: build them with -DSHARESIM_CUDA_ARCHITECTURES=<arch> and carry them).
# 3. Samples the GPU's clocks, power, temperature and throttle reasons every 500 ms during the
#    runs (DIR/clocks.csv).
# 4. Runs the MPS overlap probe (--mps auto) and every suite once with MPS off
#    (DIR/raw-exclusive.csv), then starts an MPS control daemon
#    of its own (nvidia-cuda-mps-control -d, with its pipe and log folders inside a private
#    temporary folder, so an MPS daemon already on the machine is neither used nor touched), runs
#    the probe again and the MPS suites (DIR/raw-mps.csv), and stops the daemon (echo quit | nvidia-cuda-mps-control).
#    The daemon is stopped whatever happens: on success, on an error, on a timeout, on Ctrl-C or
#    SIGTERM (trap). No other GPU setting is changed: no compute mode, clocks, persistence or
#    power limit.
# 5. Fits a profile (sharesim calibrate fit raw-exclusive.csv raw-mps.csv -> DIR/fitted.yaml) and
#    compares the model with it against each CSV (DIR/compare-*.txt).
#
# Time: everything (build included) stays within --time-budget seconds (default 480, at least 20):
# each step runs under `timeout` with what is left, minus a reserve for fit, compare and cleanup
# (a quarter of the budget, at most 45 s), and at most 300 s (MPS off) or 240 s (MPS on); a step
# that has no time left is skipped and said so in facts.txt. A step that ignores SIGTERM is killed
# 5 s later, and stopping MPS waits at most 15 s: the worst case is the budget plus about 20 s.
# Exit status: 0 when every step succeeded, 1 when one failed or was cut (its output is kept), 2
# for bad arguments, 130/143 when interrupted.
#
# The default DIR is calibrate/measurements/<gpu>-driver-<version>-<UTC date>, ready to commit.
# Needs: bash, coreutils (timeout, date), nvidia-smi, nvidia-cuda-mps-control; cmake and nvcc
# only to build.
set -u

script_dir=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$script_dir/../.." && pwd)

out=""
budget=480
device=0
calibrate_bin=""
sharesim_bin=""
build_dir="$source_dir/build-gpu"
quick=()
mps_suites="sharing"
exclusive_cap=300     # at most this long for the run with MPS off
mps_cap=240           # and for the run under MPS

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
}
bad_usage() {
  echo "run-on-gpu: error: $*" >&2
  usage
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
    -o) [ $# -ge 2 ] || bad_usage "-o needs a folder"; out=$2; shift 2 ;;
    --time-budget) [ $# -ge 2 ] || bad_usage "--time-budget needs seconds"; budget=$2; shift 2 ;;
    --device) [ $# -ge 2 ] || bad_usage "--device needs an index"; device=$2; shift 2 ;;
    --calibrate) [ $# -ge 2 ] || bad_usage "--calibrate needs a binary"; calibrate_bin=$2; shift 2 ;;
    --sharesim) [ $# -ge 2 ] || bad_usage "--sharesim needs a binary"; sharesim_bin=$2; shift 2 ;;
    --build-dir) [ $# -ge 2 ] || bad_usage "--build-dir needs a folder"; build_dir=$2; shift 2 ;;
    --quick) quick=(--quick); shift ;;
    -h|--help) usage; exit 0 ;;
    *) bad_usage "unknown argument '$1'" ;;
  esac
done
case $budget in ''|*[!0-9]*) bad_usage "--time-budget: expected whole seconds, found '$budget'" ;; esac
case $device in ''|*[!0-9]*) bad_usage "--device: expected a device index, found '$device'" ;; esac
[ "$budget" -ge 20 ] || bad_usage "--time-budget: at least 20 s (found $budget)"
# Seconds kept for fit, compare and cleanup: a quarter of the budget, at most 45 s.
reserve=$(( budget / 4 < 45 ? budget / 4 : 45 ))

start_s=$(date +%s)
elapsed() { echo $(( $(date +%s) - start_s )); }
left() { echo $(( budget - $(elapsed) )); }

command -v nvidia-smi >/dev/null 2>&1 || { echo "run-on-gpu: error: nvidia-smi not found: no NVIDIA driver here" >&2; exit 1; }

# ---- GPU facts ------------------------------------------------------------------------------------
# One field of the GPU, "" when nvidia-smi does not know it on this driver.
gpu_field() {
  timeout 20 nvidia-smi --id="$device" --query-gpu="$1" --format=csv,noheader,nounits 2>/dev/null |
    head -n 1 | sed 's/^ *//; s/ *$//'
}
gpu_name=$(gpu_field name)
[ -n "$gpu_name" ] || { echo "run-on-gpu: error: nvidia-smi reports no GPU $device" >&2; exit 1; }
gpu_driver=$(gpu_field driver_version)
gpu_cap=$(gpu_field compute_cap)
arch=${gpu_cap//./}
case $arch in ''|*[!0-9]*) echo "run-on-gpu: error: unexpected compute capability '$gpu_cap'" >&2; exit 1 ;; esac
run_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
slug=$(printf '%s' "$gpu_name" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9.\n' '-' | sed 's/--*/-/g; s/^-//; s/-$//')
[ -n "$out" ] || out="$source_dir/calibrate/measurements/$slug-driver-$gpu_driver-$(date -u +%Y%m%d)"
mkdir -p "$out" || { echo "run-on-gpu: error: cannot create $out" >&2; exit 1; }
out=$(cd "$out" && pwd)
facts="$out/facts.txt"
: >"$facts"
fact() { printf '%s: %s\n' "$1" "$2" >>"$facts"; }
say() { echo "run-on-gpu: $*" >&2; }

{
  echo "# GPU facts and the steps of one calibration run by calibrate/scripts/run-on-gpu.sh."
  echo "# Raw measurements: raw-exclusive.csv (MPS off), raw-mps.csv (MPS on); clocks during the"
  echo "# run: clocks.csv (nvidia-smi every 500 ms); nvidia-smi -q before and after: smi-*.txt."
} >>"$facts"
fact gpu.name "$gpu_name"
fact gpu.driver "$gpu_driver"
fact run.date_utc "$run_date"
fact gpu.compute_cap "$gpu_cap"
fact gpu.cuda_arch "sm_$arch"
for f in pci.bus_id memory.total clocks.max.sm clocks.max.mem clocks.applications.graphics \
         clocks.applications.memory clocks.sm clocks.mem power.limit persistence_mode compute_mode \
         mig.mode.current temperature.gpu; do
  fact "gpu.$f" "$(gpu_field "$f")"
done
others=$(timeout 20 nvidia-smi --id="$device" --query-compute-apps=pid,process_name --format=csv,noheader 2>/dev/null |
  tr '\n' ';')
fact gpu.other_processes "${others:-none}"
[ -z "$others" ] || say "warning: other processes use the GPU ($others): the measurements are not exclusive"
default_pipe=${CUDA_MPS_PIPE_DIRECTORY:-/tmp/nvidia-mps}
if [ -p "$default_pipe/control" ]; then
  fact gpu.mps_daemon_before "an MPS control pipe exists at $default_pipe (not used, not stopped)"
  say "warning: an MPS daemon seems to serve this machine ($default_pipe/control); it is left alone"
else
  fact gpu.mps_daemon_before none
fi
fact host.name "$(uname -n)"
fact host.kernel "$(uname -sr)"
fact run.time_budget_s "$budget"
timeout 30 nvidia-smi -q -i "$device" >"$out/smi-before.txt" 2>&1
say "$gpu_name (driver $gpu_driver, compute capability $gpu_cap) -> $out"

# ---- Cleanup: the MPS daemon, the clock sampler, the running step ----------------------------------
work=$(mktemp -d)
mps_started=0
sampler_pid=""
step_pid=""
status=0
stop_mps() {
  [ "$mps_started" = 1 ] || return 0
  mps_started=0
  echo quit | CUDA_MPS_PIPE_DIRECTORY="$work/mps-pipe" CUDA_MPS_LOG_DIRECTORY="$work/mps-log" \
    timeout 30 nvidia-cuda-mps-control >/dev/null 2>&1
  local waited=0
  while [ -e "$work/mps-pipe/control" ] && [ $waited -lt 15 ]; do sleep 1; waited=$((waited + 1)); done
  if [ -e "$work/mps-pipe/control" ]; then
    fact mps.stopped "no: the control pipe $work/mps-pipe/control is still there after quit"
  else
    fact mps.stopped yes
  fi
  cp -r "$work/mps-log" "$out/mps-log" 2>/dev/null
}
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$step_pid" ]; then kill -TERM "$step_pid" 2>/dev/null; wait "$step_pid" 2>/dev/null; fi
  stop_mps
  if [ -n "$sampler_pid" ]; then kill -TERM "$sampler_pid" 2>/dev/null; wait "$sampler_pid" 2>/dev/null; fi
  timeout 30 nvidia-smi -q -i "$device" >"$out/smi-after.txt" 2>&1
  fact run.elapsed_s "$(elapsed)"
  fact run.status "$status"
  rm -rf "$work"
}
on_signal() {
  fact run.interrupted "by signal $1"
  status=$2
  exit "$2"
}
trap cleanup EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM

# Runs one step in the background (so that a signal reaches the trap at once) under `timeout`
# with at most CAP seconds and what the budget leaves. Usage: step NAME CAP LOG CMD...
step() {
  local name=$1 cap=$2 log=$3
  shift 3
  local limit
  limit=$(( $(left) - reserve ))
  [ "$limit" -le "$cap" ] || limit=$cap
  if [ "$limit" -lt 2 ]; then
    fact "step.$name" "skipped: no time left in the budget"
    say "$name: skipped (no time left in the budget)"
    status=1
    return 1
  fi
  local t0
  t0=$(date +%s)
  say "$name: at most $limit s"
  timeout -k 5 "$limit" "$@" >"$log" 2>&1 &
  step_pid=$!
  wait "$step_pid"
  local rc=$?
  step_pid=""
  local took=$(( $(date +%s) - t0 ))
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    fact "step.$name" "timed out after $took s (limit $limit s, exit $rc); see $(basename "$log")"
    say "$name: timed out after $took s"
    status=1
  elif [ $rc -ne 0 ]; then
    fact "step.$name" "failed with exit $rc after $took s; see $(basename "$log")"
    say "$name: failed (exit $rc): $(tail -n 1 "$log")"
    status=1
  else
    fact "step.$name" "ok in $took s"
  fi
  return $rc
}

# ---- Build -----------------------------------------------------------------------------------------
if [ -z "$calibrate_bin" ]; then
  command -v cmake >/dev/null 2>&1 || { echo "run-on-gpu: error: cmake not found: pass --calibrate and --sharesim" >&2; status=1; exit 1; }
  step configure 120 "$out/build.log" cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release \
    -DSHARESIM_CUDA=ON -DSHARESIM_CUDA_ARCHITECTURES="$arch" || exit 1
  step build 300 "$out/build-make.log" cmake --build "$build_dir" -j "$(nproc)" --target sharesim-calibrate sharesim ||
    exit 1
  calibrate_bin="$build_dir/calibrate/sharesim-calibrate"
  [ -n "$sharesim_bin" ] || sharesim_bin="$build_dir/cli/sharesim"
  fact build.cuda_architectures "$arch (SHARESIM_CUDA_ARCHITECTURES, from compute_cap $gpu_cap)"
else
  fact build.cuda_architectures "prebuilt: $calibrate_bin"
fi
[ -x "$calibrate_bin" ] || { echo "run-on-gpu: error: $calibrate_bin is not an executable" >&2; status=1; exit 1; }
[ -n "$sharesim_bin" ] || sharesim_bin=$(command -v sharesim || true)
if command -v cuobjdump >/dev/null 2>&1; then
  if timeout 30 cuobjdump --list-elf "$calibrate_bin" 2>/dev/null | grep -q "sm_$arch"; then
    fact build.has_gpu_code "yes (cuobjdump lists sm_$arch)"
  else
    fact build.has_gpu_code "no sm_$arch code in $calibrate_bin (PTX may be JIT-compiled)"
  fi
fi

# ---- Clocks during the run ---------------------------------------------------------------------------
clock_fields="timestamp,clocks.sm,clocks.mem,clocks.max.sm,power.draw,temperature.gpu,utilization.gpu"
if timeout 20 nvidia-smi --id="$device" --query-gpu=clocks_event_reasons.active --format=csv,noheader >/dev/null 2>&1; then
  clock_fields="$clock_fields,clocks_event_reasons.active"
elif timeout 20 nvidia-smi --id="$device" --query-gpu=clocks_throttle_reasons.active --format=csv,noheader >/dev/null 2>&1; then
  clock_fields="$clock_fields,clocks_throttle_reasons.active"
fi
nvidia-smi --id="$device" --query-gpu="$clock_fields" --format=csv,nounits -lms 500 >"$out/clocks.csv" 2>&1 &
sampler_pid=$!
fact run.clock_fields "$clock_fields"

# ---- Runs ----------------------------------------------------------------------------------------------
# The MPS overlap probe's verdict (--mps auto) where MPS is off, then (below) where it is on; the
# runs themselves say --mps off / on, so a wrong verdict cannot spoil them.
probe_mps() {  # NAME: a quick launch suite under --mps auto; records device.mps_detection
  step "probe-$1" 60 "$out/probe-$1.log" \
    "$calibrate_bin" --device "$device" --mps auto --suite launch --quick -o "$work/probe-$1.csv" &&
    fact "mps.probe_$1" "$(sed -n 's/^# device.mps_detection: //p' "$work/probe-$1.csv" | head -n 1)"
}
probe_mps exclusive
step exclusive "$exclusive_cap" "$out/exclusive.log" \
  "$calibrate_bin" --device "$device" --mps off "${quick[@]}" -o "$out/raw-exclusive.csv"

if [ "$(left)" -gt $((reserve + 10)) ]; then
  mkdir -p "$work/mps-pipe" "$work/mps-log"
  export CUDA_MPS_PIPE_DIRECTORY="$work/mps-pipe" CUDA_MPS_LOG_DIRECTORY="$work/mps-log"
  mps_started=1   # before starting it: the trap must stop a daemon that started but did not answer
  if timeout 30 nvidia-cuda-mps-control -d >"$out/mps-start.log" 2>&1; then
    fact mps.started "yes (pipe directory private to this run)"
    probe_mps mps
    step mps "$mps_cap" "$out/mps.log" \
      "$calibrate_bin" --device "$device" --mps on --suite "$mps_suites" "${quick[@]}" -o "$out/raw-mps.csv"
  else
    fact mps.started "no: nvidia-cuda-mps-control -d failed ($(tail -n 1 "$out/mps-start.log"))"
    status=1
  fi
  stop_mps
  unset CUDA_MPS_PIPE_DIRECTORY CUDA_MPS_LOG_DIRECTORY
else
  fact step.mps "skipped: no time left in the budget"
  status=1
fi

if [ -n "$sampler_pid" ]; then kill -TERM "$sampler_pid" 2>/dev/null; wait "$sampler_pid" 2>/dev/null; sampler_pid=""; fi

# ---- Fit and compare -------------------------------------------------------------------------------------
raws=()
for f in "$out/raw-exclusive.csv" "$out/raw-mps.csv"; do [ -s "$f" ] && raws+=("$f"); done
if [ -z "$sharesim_bin" ] || [ ! -x "$sharesim_bin" ]; then
  fact step.fit "skipped: no sharesim binary (pass --sharesim)"
  status=1
elif [ ${#raws[@]} -eq 0 ]; then
  fact step.fit "skipped: no measurements"
  status=1
else
  reserve=0  # the reserve was kept for this
  step fit 60 "$out/fit.txt" "$sharesim_bin" calibrate fit "${raws[@]}" -o "$out/fitted.yaml" --name "$slug"
  if [ -s "$out/fitted.yaml" ]; then
    for f in "${raws[@]}"; do
      name=$(basename "$f" .csv)
      step "compare-${name#raw-}" 60 "$out/compare-${name#raw-}.txt" \
        "$sharesim_bin" calibrate compare "$f" --profile "$out/fitted.yaml" --detail
    done
  fi
fi
say "done in $(elapsed) s (status $status): $out"
exit "$status"
