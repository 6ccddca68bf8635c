# Shared by the shell tests (tests/cli/*.sh, tests/bad_inputs/limits_and_outputs_test.sh):
# source it after setting nothing; it reads SHARESIM and SOURCE_DIR from $1 and $2.
#   sharesim, src   the binary and the source tree
#   work            a temporary folder, removed on exit
#   check NAME STATUS            counts a pass when STATUS is 0
#   expect_exit NAME CODE CMD... runs CMD (stdout/stderr into $work), checks its exit code
#   one_error_line NAME          stderr is exactly one line starting "sharesim: error:"
#   has NAME FILE TEXT           FILE contains TEXT
#   signal_after SIG SECONDS CMD...  runs CMD in the background (stdout/stderr into $work), sends
#                                SIG after SECONDS, waits for it: its exit status in $code
#   vm_scenario NAME DURATION    prints a scenario with one GPU in a VM and one workload 'app' up to
#                                its runtime line; append the workload's arrivals and request
# Pass statuses as values computed before the message is built: `check "... $(cmd)" $?` would pass
# the command substitution's status, not the test's.
set -u
sharesim=$1
src=$2
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
passed=0
failed=0

check() {
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $1"; fi
}
expect_exit() {
  local name=$1 code=$2
  shift 2
  "$@" >"$work/stdout" 2>"$work/stderr"
  local got=$? ok=1
  [ "$got" -eq "$code" ] && ok=0
  check "$name (exit $got, wanted $code; stderr: $(head -c 300 "$work/stderr"))" "$ok"
}
one_error_line() {
  local ok=1
  [ "$(wc -l <"$work/stderr")" -eq 1 ] && grep -q '^sharesim: error: ' "$work/stderr" && ok=0
  check "$1: one error line on stderr ($(head -c 300 "$work/stderr"))" "$ok"
}
has() {
  local ok=1
  grep -qF -- "$3" "$2" && ok=0
  check "$1: '$3' in $(basename "$2") ($(head -c 600 "$2"))" "$ok"
}
signal_after() {
  local sig=$1 delay=$2 pid
  shift 2
  "$@" >"$work/stdout" 2>"$work/stderr" &
  pid=$!
  sleep "$delay"
  kill -"$sig" "$pid"
  wait "$pid"
  code=$?
}
vm_scenario() {
  printf 'name: %s\nduration: %s\ndevices:\n  - name: box\n    gpus: 1\n    setup: [{vm: {name: v}}]\n' "$1" "$2"
  printf 'workloads:\n  - name: app\n    device: box\n    runtime: vm:v\n'
}
