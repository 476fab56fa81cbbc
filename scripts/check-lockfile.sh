#!/usr/bin/env bash
# Fails when package-lock.json does not match package.json for every platform:
# npm resolves the lockfile again in a scratch copy and any difference means the
# committed lockfile would be refused by `npm ci` somewhere (a missing optional
# binary of another platform, a dependency edited without its lock entry).
# Fix: `npm install --package-lock-only`, then commit package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp package.json package-lock.json "$scratch/"
# Workspaces (the console) resolve from their own package.json.
for workspace in $(node -p 'require("./package.json").workspaces?.join(" ") ?? ""'); do
  mkdir -p "$scratch/$workspace"
  cp "$workspace/package.json" "$scratch/$workspace/"
done
(cd "$scratch" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
if ! diff -q package-lock.json "$scratch/package-lock.json" >/dev/null; then
  echo "package-lock.json is out of date with package.json (or lacks another platform's packages):"
  diff -u package-lock.json "$scratch/package-lock.json" | head -40
  echo "Run 'npm install --package-lock-only' and commit package-lock.json."
  exit 1
fi
echo "package-lock.json matches package.json on every platform."
