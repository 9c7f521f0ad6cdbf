#!/usr/bin/env bash
# Validates `backend-brain export openapi` and `export asyncapi` of every fixture with real
# validators: @seriousme/openapi-schema-validator (the OpenAPI 3.1 schemas of the OpenAPI
# Initiative) and @asyncapi/parser (AsyncAPI 3.0, with its spec rules). Installs both with npm
# into target/validate-exports/ the first time.
#
# Expects node and npm, and the backend-brain binary built (BACKEND_BRAIN_BIN, default
# target/debug/backend-brain). Exits non-zero when an export is invalid.
# Usage: bash scripts/validate-exports.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

die() { printf 'error: %s\n' "$*" >&2; exit 1; }
command -v npm >/dev/null || die "npm not found: install Node.js (18 or newer)"

bin=${BACKEND_BRAIN_BIN:-$root/target/debug/backend-brain}
[ -x "$bin" ] || cargo build --quiet -p backend-brain --bin backend-brain
[ -x "$bin" ] || die "$bin not found"

tools=$root/target/validate-exports
if [ ! -d "$tools/node_modules/@seriousme/openapi-schema-validator" ] ||
   [ ! -d "$tools/node_modules/@asyncapi/parser" ]; then
  mkdir -p "$tools"
  [ -f "$tools/package.json" ] || echo '{"private": true}' >"$tools/package.json"
  (cd "$tools" && npm install --no-audit --no-fund --loglevel=error \
    @seriousme/openapi-schema-validator@2 @asyncapi/parser@3) ||
    die "npm install of the validators failed"
fi

cat >"$tools/validate.mjs" <<'JS'
import fs from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Parser } from '@asyncapi/parser';

const [kind, ...files] = process.argv.slice(2);
let failed = false;
for (const file of files) {
  const text = fs.readFileSync(file, 'utf8');
  if (kind === 'openapi') {
    const result = await new Validator().validate(JSON.parse(text));
    if (!result.valid) {
      failed = true;
      console.error(`${file}: ${JSON.stringify(result.errors, null, 2)}`);
    }
  } else {
    const { diagnostics } = await new Parser().parse(text);
    for (const d of diagnostics.filter((d) => d.severity === 0)) {
      failed = true;
      console.error(`${file}: ${d.code}: ${d.message} at ${d.path.join('.')}`);
    }
  }
}
process.exit(failed ? 1 : 0);
JS

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
openapi=() asyncapi=()
for dir in fixtures/showcase fixtures/patterns/*/; do
  name=$(basename "$dir")
  "$bin" export openapi "$dir" >"$out/$name.openapi.json"
  "$bin" export asyncapi "$dir" >"$out/$name.asyncapi.json"
  openapi+=("$out/$name.openapi.json") asyncapi+=("$out/$name.asyncapi.json")
done

status=0
echo "OpenAPI 3.1 (@seriousme/openapi-schema-validator): ${#openapi[@]} files"
node "$tools/validate.mjs" openapi "${openapi[@]}" || status=1
echo "AsyncAPI 3.0 (@asyncapi/parser): ${#asyncapi[@]} files"
node "$tools/validate.mjs" asyncapi "${asyncapi[@]}" || status=1
[ "$status" -eq 0 ] && echo "every export is valid"
exit "$status"
