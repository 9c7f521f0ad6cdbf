#!/usr/bin/env bash
# Runs every test of backend-brain, from a fresh clone on a fresh machine.
#
# Expects a Rust toolchain (cargo); installs what else the tests need, then runs, in order:
# formatting, lints, and the whole test suite (unit, fixture and end-to-end tests).
# Exits non-zero when any step fails. Usage: bash scripts/test.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# --- What the tests need ---------------------------------------------------------------------
# Each stage that needs a tool installs it here, so that this script stays the single command.

need_rust() {
  command -v cargo >/dev/null || die "cargo not found: install Rust from https://rustup.rs"
  local component
  for component in rustfmt clippy; do
    local probe=${component/rustfmt/fmt}
    if ! cargo "$probe" --version >/dev/null 2>&1; then
      command -v rustup >/dev/null || die "cargo $probe not found and rustup is not available"
      step "rustup component add $component"
      rustup component add "$component"
    fi
  done
}

step "prerequisites"
need_rust
cargo --version

# --- Checks ----------------------------------------------------------------------------------

step "cargo fmt --all -- --check"
cargo fmt --all -- --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

# --- Tests -----------------------------------------------------------------------------------

# The live database tests run against a throwaway PostgreSQL server that with-postgres.sh installs
# (Debian's postgresql) and starts on a free local port.
step "cargo test --workspace (with a throwaway PostgreSQL server)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
scripts/with-postgres.sh cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log" || status=$?

step "summary"
grep -E '^test result: ' "$log" || true
awk '/^test result: /{
       for (i = 1; i <= NF; i++) {
         if ($(i+1) ~ /^passed/)  passed += $i
         if ($(i+1) ~ /^failed/)  failed += $i
         if ($(i+1) ~ /^ignored/) ignored += $i
       }
     }
     END { printf "total: %d passed; %d failed; %d ignored\n", passed, failed, ignored }' "$log"
if [ "$status" -ne 0 ]; then
  grep -E '^test .* FAILED$' "$log" || true
  die "cargo test failed (exit $status)"
fi

# --- Exports through real validators ---------------------------------------------------------

step "OpenAPI and AsyncAPI exports through real validators (npm)"
bash scripts/validate-exports.sh

# --- Editors ---------------------------------------------------------------------------------

step "editor end-to-end tests (Neovim, Emacs eglot, VS Code in code-server)"
bash scripts/test-editors.sh all

echo "all checks passed"
