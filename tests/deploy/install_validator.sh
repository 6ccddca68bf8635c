#!/bin/sh
# Test set-up (a ctest fixture): installs the manifest validator's npm packages into DIR, pinned:
# kubernetes-models 4.5.1 (the Kubernetes OpenAPI schemas as validators; 5.x needs node >= 22)
# and js-yaml 4.1.0. Validation itself runs offline. Exit 77 (skip) when node or npm is missing.
set -eu
dir=$1
command -v node > /dev/null 2>&1 || { echo "skip: node is not installed (Debian package nodejs)"; exit 77; }
command -v npm > /dev/null 2>&1 || { echo "skip: npm is not installed (Debian package npm)"; exit 77; }
if [ -f "$dir/node_modules/kubernetes-models/package.json" ] && [ -f "$dir/node_modules/js-yaml/package.json" ]; then
  echo "validator already installed in $dir"
  exit 0
fi
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"name": "sharesim-manifest-validator", "private": true}' > "$dir/package.json"
if ! npm install --prefix "$dir" --no-audit --no-fund --loglevel=error kubernetes-models@4.5.1 js-yaml@4.1.0; then
  echo "skip: npm could not install the validator (no registry?)"
  exit 77
fi
