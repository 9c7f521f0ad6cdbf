#!/usr/bin/env bash
# Seeds each fuzz target's corpus with the repository's fixtures, so that libFuzzer mutates
# real-looking TypeScript, SQL migrations and Prisma schemas. Usage: bash fuzz/seed.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
mkdir -p corpus/extract corpus/sql corpus/prisma
seed() {
  local target=$1; shift
  find ../fixtures -type f \( "$@" \) -size -64k -print0 |
    while IFS= read -r -d '' f; do cp "$f" "corpus/$target/$(echo "${f#../fixtures/}" | tr '/' '_')"; done
}
seed extract -name '*.ts' -o -name '*.js' -o -name '*.tsx'
seed sql -name '*.sql'
seed prisma -name '*.prisma'
