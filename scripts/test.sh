#!/usr/bin/env bash
# Sets up a fresh machine and runs every test: the workspace's tests, the pallets' benchmarks
# (as tests), then the 4-validator zombienet network tests against the node built here.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SURETY_ROOT"

bash scripts/setup.sh
. "$SURETY_WASM_ENV"

results=$(mktemp)
trap 'rm -f "$results"' EXIT
# Runs a cargo test command, showing its output and keeping its result lines for the tally.
run_tests() {
	cargo test --locked "$@" 2>&1 | tee -a "$results"
	return "${PIPESTATUS[0]}"
}

t0=$(date +%s)
log "building the workspace (node, runtime, pallets, test harness)"
cargo build --workspace --locked
t1=$(date +%s)

log "workspace tests"
run_tests --workspace

log "pallet benchmarks, run as tests"
pallets=()
for manifest in pallets/*/Cargo.toml; do
	pallets+=(-p "$(sed -n 's/^name = "\(.*\)"/\1/p' "$manifest" | head -n 1)")
done
run_tests "${pallets[@]}" --features runtime-benchmarks
t2=$(date +%s)

# The network tests are `#[ignore]`d so a plain `cargo test` needs no node; the same
# `--workspace` selection keeps the feature set, and so the build, identical. The runtime's
# `bench_state` functions are ignored too: they write scripts/bench.sh's chain state, not tests;
# so is the throughput measurement (zombienet/tests/throughput.rs), which bench.sh runs.
log "zombienet: 4-validator network tests"
run_tests --workspace -- --ignored --nocapture --test-threads 1 --skip bench_state:: --skip orders_against_transfers_under_sustained_load
t3=$(date +%s)

log "build $((t1 - t0)) s, tests $((t2 - t1)) s, zombienet $((t3 - t2)) s"
awk '/^test result:/ { p += $4; f += $6 } END { printf "%d passed, %d failed\n", p, f }' "$results"
