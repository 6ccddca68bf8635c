#!/usr/bin/env bash
# Runs every case of the bad-input corpus (MANIFEST, beside this script) through the real
# `sharesim run` binary, as a user would, and checks what the user sees:
#   - exit status 2 (an input error), within 60 s (no hang, no runaway memory use);
#   - stderr is exactly one line, starting "sharesim: error: ";
#   - that line names the expected file and line ("FILE:LINE:") and contains the expected fragment;
#   - no results.json is written.
# Usage: run_corpus.sh SHARESIM CORPUS_DIR [--show]   (--show prints every case's error line)
set -u
sharesim=$1
corpus=$(cd "$2" && pwd)
show=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# Scenario wrappers for cases that are not scenarios: the case file is named by absolute path.
wrapper() {  # wrapper KIND FILE
  local arrivals='{poisson: {rate: 100/s}}' ops='[{kernel: {duration: 1ms}}]' profile=t4
  case $1 in
    trace) arrivals="{trace: {file: \"$2\"}}" ;;
    kernels) ops="[{profile: {file: \"$2\", format: kernels}}]" ;;
    nsys) ops="[{profile: {file: \"$2\", format: nsys}}]" ;;
    gpu_profile) profile="\"$2\"" ;;
  esac
  cat <<YAML
name: corpus-$1
duration: 10s
devices:
  - name: box
    gpus: 1
    gpu_profile: $profile
    setup: [{kubernetes: {}}]
workloads:
  - name: app
    device: box
    arrivals: $arrivals
    request: {ops: $ops}
YAML
}

while IFS='|' read -r file kind expect_file line fragment; do
  case $file in '' | '#'*) continue ;; esac
  if [ ! -e "$corpus/$file" ]; then
    failed=$((failed + 1)); echo "FAILED: $file: no such case file"; continue
  fi
  if [ "$kind" = scenario ]; then
    input="$corpus/$file"
  else
    input="$work/$file.wrapper.yaml"
    wrapper "$kind" "$corpus/$file" >"$input"
  fi
  rm -rf "$work/out"
  timeout 60 "$sharesim" run "$input" -o "$work/out" --quiet >"$work/stdout" 2>"$work/stderr"
  code=$?
  message=$(head -c 600 "$work/stderr")
  [ -n "$show" ] && printf '%s [%s]: %s\n' "$file" "$code" "$message"
  problems=""
  [ "$code" -eq 2 ] || problems="$problems exit $code (wanted 2);"
  [ "$(wc -l <"$work/stderr")" -eq 1 ] || problems="$problems $(wc -l <"$work/stderr") stderr lines (wanted 1);"
  grep -q '^sharesim: error: ' "$work/stderr" || problems="$problems no 'sharesim: error: ' prefix;"
  if [ "$line" = "-" ]; then
    grep -qF "$expect_file" "$work/stderr" || problems="$problems does not name $expect_file;"
  else
    grep -qF "$expect_file:$line:" "$work/stderr" || problems="$problems does not name $expect_file:$line:;"
  fi
  grep -qF -- "$fragment" "$work/stderr" || problems="$problems lacks '$fragment';"
  [ ! -e "$work/out/results.json" ] || problems="$problems wrote results.json;"
  if [ -z "$problems" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $file ($kind):$problems"
    echo "    stderr: $message"
  fi
done <"$corpus/MANIFEST"

echo "$passed passed, $failed failed"
[ "$passed" -ge 50 ] || { echo "the corpus must have at least 50 cases"; exit 1; }
[ "$failed" -eq 0 ]
