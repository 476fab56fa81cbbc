#!/usr/bin/env bash
# Fails when the console's generated API types (console/src/api/schema.d.ts)
# differ from what Warden's current OpenAPI document generates: a changed
# field must reach the console's type check, so the types are regenerated and
# committed with the change. Fix: `npm run console:api`, then commit.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f dist/scripts/write-openapi.js ]; then npx nest build; fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
node dist/scripts/write-openapi.js "$scratch/openapi.json" >/dev/null
npx openapi-typescript "$scratch/openapi.json" --output "$scratch/schema.d.ts" >/dev/null 2>&1
if ! diff -q console/src/api/schema.d.ts "$scratch/schema.d.ts" >/dev/null; then
  echo "console/src/api/schema.d.ts is out of date with the API's OpenAPI document:"
  diff -u console/src/api/schema.d.ts "$scratch/schema.d.ts" | head -40
  echo "Run 'npm run console:api' and commit console/src/api/schema.d.ts."
  exit 1
fi
echo "The console's API types match the OpenAPI document."
