#!/usr/bin/env bash
# Sets up a fresh machine and runs every test: the workspace's unit and integration tests,
# then the 4-validator zombienet smoke test against the node built here.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SURETY_ROOT"

bash scripts/setup.sh
. "$SURETY_WASM_ENV"

step() { log "$*"; }
t0=$(date +%s)

step "building the workspace (node, runtime, pallets, test harness)"
cargo build --workspace --locked
t1=$(date +%s)

step "workspace tests"
cargo test --workspace --locked
t2=$(date +%s)

# The network tests are `#[ignore]`d so a plain `cargo test` needs no node; the same
# `--workspace` selection keeps the feature set, and so the build, identical.
step "zombienet: 4-validator network tests"
cargo test --workspace --locked -- --ignored --nocapture --test-threads 1
t3=$(date +%s)

log "build $((t1 - t0)) s, workspace tests $((t2 - t1)) s, zombienet $((t3 - t2)) s"
