#!/bin/sh
# `sharesim run` with a `target:`: what the target does differently is a warning naming the rule and
# the run simulates what the target gives; what it cannot do is an error naming the rule (exit 2).
# Usage: run_target_test.sh SHARESIM SOURCE_DIR WORK_DIR
set -u
sharesim=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; cat "$work"/*.log 2>/dev/null; exit 1; }
"$sharesim" run "$src/tests/deploy/data/plugin-unequal-mps.yaml" -o "$work/mps" > "$work/mps.log" 2>&1
[ $? = 0 ] || fail "plugin-unequal-mps: expected exit 0"
grep -q "warning \[kubernetes-device-plugin.mps-percentage\]: workload 'detector' asks CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=48.*100/3 = 33 %" "$work/mps.log" || fail "no percentage warning for detector"
grep -q "warning \[kubernetes-device-plugin.mps-percentage\]: workload 'classifier'" "$work/mps.log" || fail "no percentage warning for classifier"
grep -q "warning \[kubernetes-device-plugin.mps-percentage\]: workload 'ocr'" "$work/mps.log" && fail "ocr's 15 % is below 33 %: no warning expected"
grep -q "warning \[kubernetes-device-plugin.mps-memory\]: workload 'detector' needs 9216 MiB.*5026 MiB" "$work/mps.log" || fail "no memory warning"
# The model applies the limit: the 9 GiB client fails, out of memory against 5026 MiB.
grep -q "CUDA_MPS_PINNED_DEVICE_MEM_LIMIT 5026 MiB" "$work/mps.log" || fail "the detector's clients should fail against the 5026 MiB limit"
"$sharesim" run "$src/tests/deploy/data/plugin-with-vm.yaml" -o "$work/vm" > "$work/vm.log" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "plugin-with-vm: expected exit 2, got $rc"
grep -q "plugin-with-vm.yaml:6:.*\[kubernetes-device-plugin.no-vms\]" "$work/vm.log" || fail "the VM error should name file:line and the rule"
[ "$(wc -l < "$work/vm.log")" = 1 ] || fail "expected one error line"
echo "1 passed, 0 failed"
