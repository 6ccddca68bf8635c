#!/usr/bin/env bash
# What the commands do with the paths they write (docs/hardening.md, "Outputs"): a device, FIFO or
# symlink given as an output is written through, never replaced; a failed write is an error;
# outputs that collide with each other or with an input are refused up front; every command gives
# the same exit status when it cannot write. Usage: outputs_test.sh SHARESIM SOURCE_DIR
. "$(dirname "$0")/../shell_test_lib.sh"
example="$src/scenarios/examples/one-t4-time-slicing.yaml"
plan_example="$src/scenarios/examples/plan-three-workloads.yaml"
cd "$work" || exit 1

# Device nodes of our own: as root, a bug that renames over a device must not damage the real
# /dev/null or /dev/full (root may rename into /dev). Without root the real ones are safe to use.
if [ "$(id -u)" -eq 0 ] && mknod "$work/null" c 1 3 && mknod "$work/full" c 1 7; then
  null="$work/null" full="$work/full"
else
  null=/dev/null full=/dev/full
fi

# --- Item 7: not a regular file => written in place, never replaced.
expect_exit "--requests to a null device" 0 "$sharesim" run "$example" -o "$work/a" --requests "$null" --quiet
[ -c "$null" ]; check "--requests: the null device is still a character device" $?
echo old >"$work/target.csv"
ln -s "$work/target.csv" "$work/link.csv"
expect_exit "--requests to a symlink" 0 "$sharesim" run "$example" -o "$work/a" --requests "$work/link.csv" --quiet
[ -L "$work/link.csv" ]; check "--requests: the symlink is still a symlink" $?
head -1 "$work/target.csv" | grep -q '^workload,id,'; check "--requests: the symlink's target holds the CSV" $?
ln -s "$work/trace-target.json" "$work/trace-link.json"  # dangling: the target is created through it
expect_exit "--trace to a dangling symlink" 0 "$sharesim" run "$example" -o "$work/a" --trace "$work/trace-link.json" --quiet
[ -L "$work/trace-link.json" ] && [ -s "$work/trace-target.json" ]
check "--trace: written through the dangling symlink, which stays a link" $?
ln -s "$work/junit-target.xml" "$work/junit-link.xml"
expect_exit "check --junit to a symlink" 0 "$sharesim" check "$example" --junit "$work/junit-link.xml"
[ -L "$work/junit-link.xml" ] && grep -q '<testsuites' "$work/junit-target.xml"
check "--junit: the symlink is still a symlink and its target holds the XML" $?
ln -s "$work/profile-raw.csv" "$work/calibrate-link.csv"
expect_exit "calibrate simulate -o to a symlink" 0 "$sharesim" calibrate simulate --profile t4 -o "$work/calibrate-link.csv"
[ -L "$work/calibrate-link.csv" ] && [ -s "$work/profile-raw.csv" ]
check "calibrate -o: the symlink is still a symlink and its target is written" $?
expect_exit "calibrate simulate -o to a null device" 0 "$sharesim" calibrate simulate --profile t4 -o "$null"
[ -c "$null" ]; check "calibrate -o: the null device is still a character device" $?

# A failed write (a full device) is an error, and the run's other outputs are left as they were.
cp "$work/a/results.json" "$work/results.before"
expect_exit "--trace to a full device" 2 "$sharesim" run "$example" -o "$work/a" --set seed=7 --trace "$full" --quiet
one_error_line "--trace to a full device"
has "--trace to a full device" "$work/stderr" "No space left on device"
[ -c "$full" ]; check "--trace: the full device is still a character device" $?
cmp -s "$work/a/results.json" "$work/results.before"; check "full device: results.json left as it was" $?
[ -z "$(ls "$work/a" | grep tmp)" ]; check "full device: no temporary file left" $?
expect_exit "--requests to a full device" 2 "$sharesim" run "$example" -o "$work/a" --requests "$full" --quiet
one_error_line "--requests to a full device"
expect_exit "check --junit to a full device" 2 "$sharesim" check "$example" --junit "$full"
has "check --junit to a full device" "$work/stderr" "No space left on device"

# --- Item 8: -o '' is refused (it would write into /), in run, plan and merge. Each command also
# carries a later error, so that a binary without the check fails here without writing into /.
expect_exit "run -o ''" 2 "$sharesim" run "$example" -o '' --max-events 1 --quiet
has "run -o ''" "$work/stderr" "-o: expected an output folder, found an empty name"
expect_exit "plan -o ''" 2 "$sharesim" plan "$plan_example" -o '' --set nosuch=1 --quiet
has "plan -o ''" "$work/stderr" "-o: expected an output folder, found an empty name"
expect_exit "merge -o ''" 2 "$sharesim" merge "$work" -o ''
has "merge -o ''" "$work/stderr" "-o: expected an output folder, found an empty name"

# An output that is another output or an input is refused before the run; nothing is written.
expect_exit "--requests OUT/results.json" 2 "$sharesim" run "$example" -o "$work/b" --requests "$work/b/results.json"
one_error_line "--requests OUT/results.json"
has "--requests OUT/results.json" "$work/stderr" "is the same file as results.json"
[ ! -e "$work/b" ]; check "--requests OUT/results.json: nothing written" $?
expect_exit "--trace same as --requests" 2 "$sharesim" run "$example" -o "$work/b" --requests "$work/x" --trace "$work/./x"
one_error_line "--trace same as --requests"
cp "$example" "$work/scenario.yaml"
expect_exit "--requests is the scenario" 2 "$sharesim" run "$work/scenario.yaml" -o "$work/b" --requests "$work/scenario.yaml"
cmp -s "$example" "$work/scenario.yaml"; check "--requests is the scenario: the scenario is intact" $?
expect_exit "--requests is a folder" 2 "$sharesim" run "$example" -o "$work/b" --requests "$work"
one_error_line "--requests is a folder"
expect_exit "--junit is the scenario" 2 "$sharesim" check "$work/scenario.yaml" --junit "$work/scenario.yaml"
one_error_line "--junit is the scenario"
expect_exit "/dev/null twice" 0 "$sharesim" run "$example" -o "$work/b" --requests "$null" --trace "$null" --quiet

# An output folder that cannot be created: the same exit status (2) in run, plan and merge.
echo "not a folder" >"$work/blocker"
expect_exit "run: output folder cannot be created" 2 "$sharesim" run "$example" -o "$work/blocker/out" --quiet
one_error_line "run: output folder cannot be created"
expect_exit "plan: output folder cannot be created" 2 "$sharesim" plan "$plan_example" -o "$work/blocker/out" --quiet
one_error_line "plan: output folder cannot be created"
[ "$(cat "$work/blocker")" = "not a folder" ]; check "the blocking file is untouched" $?

# --- Item 9: one command's outputs are one unit. (The run's case: the full-device test above
# leaves results.json as it was when a later output fails.) A plan into an existing folder leaves
# no file of the previous plan in deploy/; a plan refused for bad input writes nothing.
expect_exit "plan into a fresh folder" 0 "$sharesim" plan "$plan_example" -o "$work/p" --quiet
mkdir -p "$work/p/deploy/old-device" && echo old >"$work/p/deploy/old-device/stale.yaml" && echo old >"$work/p/deploy/stale.yaml"
expect_exit "plan into the same folder" 0 "$sharesim" plan "$plan_example" -o "$work/p" --quiet
[ ! -e "$work/p/deploy/stale.yaml" ] && [ ! -e "$work/p/deploy/old-device" ]
check "plan: the previous plan's deploy/ files are gone" $?
[ -s "$work/p/plan.json" ]; check "plan: plan.json written" $?
expect_exit "plan refused for bad input" 2 "$sharesim" plan "$plan_example" -o "$work/p-bad" --set nosuch=1 --quiet
[ ! -e "$work/p-bad" ]; check "plan refused for bad input: nothing written" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
