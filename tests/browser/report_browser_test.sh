#!/usr/bin/env bash
# Opens report.html in headless Chromium: it must render without console errors, contain the
# charts it promises (SVG elements with known ids), and leave a screenshot for a person to look at.
#
# usage: report_browser_test.sh SHARESIM SOURCE_DIR OUTPUT_DIR
# Exit codes: 0 pass, 1 fail, 77 skipped (no Chromium installed: ctest reports it as skipped).
set -euo pipefail
sharesim=$1
source_dir=$2
output_dir=$3

browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" > /dev/null 2>&1; then browser=$(command -v "$candidate"); break; fi
done
if [ -z "$browser" ]; then
  echo "SKIPPED: Chromium is not installed (Debian: apt-get install -y chromium); report.html was not checked in a browser"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$output_dir"
fail() { echo "FAIL: $*"; exit 1; }

"$sharesim" run "$source_dir/scenarios/examples/one-t4-mps-20pct.yaml" -o "$work/out" -q
report="$work/out/report.html"
[ -s "$report" ] || fail "sharesim run wrote no report.html"

flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
       --no-first-run --user-data-dir="$work/profile" --enable-logging=stderr --v=0)
# The DOM as the browser built it (after parsing, so malformed markup would show here).
timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$report" > "$work/dom.html" 2> "$work/dom.log" \
  || fail "chromium --dump-dom failed: $(tail -5 "$work/dom.log")"
timeout 120 "$browser" "${flags[@]}" --window-size=1400,2600 --screenshot="$output_dir/report.png" \
  "file://$report" > /dev/null 2> "$work/shot.log" || fail "chromium --screenshot failed: $(tail -5 "$work/shot.log")"

# Console messages (script errors, failed loads, CSP) are logged as CONSOLE lines; the page has no
# script and loads nothing, so there must be none.
if grep -h "CONSOLE" "$work/dom.log" "$work/shot.log"; then fail "the browser console reported messages (above)"; fi
if grep -hi "Failed to load resource\|net::ERR_" "$work/dom.log" "$work/shot.log"; then
  fail "the page tried to load something (above)"
fi

# The expected charts: one latency CDF per workload of the example, and the GPU's charts.
for id in cdf-detector cdf-classifier cdf-ocr cdf-embedder gpu-edge-1-0-util gpu-edge-1-0-memory; do
  grep -q "<svg[^>]* id=\"$id\"\|<svg id=\"$id\"" "$work/dom.html" || fail "no <svg id=\"$id\"> in the rendered DOM"
done
grep -q "<table id=\"workloads\">" "$work/dom.html" || fail "no workloads table in the rendered DOM"
charts=$(grep -o "<svg id=\"cdf-" "$work/dom.html" | wc -l)
[ "$charts" -eq 4 ] || fail "expected 4 latency CDF charts (one per workload), found $charts"
# Each chart drew its data: a <path class="series"> per CDF and four per GPU utilization chart.
paths=$(grep -o "<path class=\"series\"" "$work/dom.html" | wc -l)
[ "$paths" -eq 8 ] || fail "expected 8 series paths (4 CDFs + 4 GPU series), found $paths"

[ -s "$output_dir/report.png" ] || fail "no screenshot at $output_dir/report.png"
# A PNG starts with \x89PNG.
[ "$(head -c 4 "$output_dir/report.png" | tail -c 3)" = "PNG" ] || fail "$output_dir/report.png is not a PNG"
echo "PASS: report.html renders in $("$browser" --version 2>/dev/null | head -1); screenshot: $output_dir/report.png"
