#!/usr/bin/env bash
# Measures what Surety costs against a balances transfer, side by side in one run, and writes
# the figures with their commands to docs/performance.md (issue 8). Exits non-zero when a
# target is missed.
#
#   scripts/bench.sh                  # everything measured so far
#   REPEAT=5 scripts/bench.sh         # quicker, noisier
#
# Capacity (item 1): the node's `benchmark extrinsic` fills a block with one kind of extrinsic
# until the block's weight is used up, then executes that block REPEAT times. Accepting,
# attesting and disputing need orders in the right state, one per extrinsic: they run on a chain
# whose genesis is the state runtime/src/bench_state.rs prepares (the plan of which order each
# extrinsic acts on travels in the chain spec's properties). Remarks, transfers and new orders
# run on that same chain. Scaling (item 2): all of it twice, beside 100 and beside 100,000 other
# open orders. State growth (item 5) comes from a runtime test.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SURETY_ROOT"

WARMUP="${WARMUP:-3}"
REPEAT="${REPEAT:-10}"
WORK="$CARGO_TARGET_DIR/bench"
rm -rf "$WORK"
mkdir -p "$WORK"

build_bench_node
BIN="$BENCH_NODE_BIN"

cargo test --locked -p surety-runtime --lib bench_state::bench_weights -- --ignored --exact \
	--nocapture | grep '^figure ' > "$WORK/weights.txt"

CALLS=(system:remark balances:transfer_keep_alive fulfillment:create_order
	fulfillment:accept_order attestation:attest disputes:dispute)
# Scaling (item 2): every call again beside 100,000 other open orders instead of 100.
for background in 100 100000; do
	prepare_bench_chain "$WORK" "$background"
	for call in "${CALLS[@]}"; do
		pallet="${call%%:*}"
		extrinsic="${call#*:}"
		out="$WORK/$background.$pallet.$extrinsic.log"
		log "filling a block with $pallet.$extrinsic beside $background orders (warm-up $WARMUP, repeat $REPEAT)"
		rm -rf "$WORK/db"
		"$BIN" benchmark extrinsic --chain "$WORK/bench.json" --base-path "$WORK/db" \
			--pallet "$pallet" --extrinsic "$extrinsic" --warmup "$WARMUP" --repeat "$REPEAT" \
			> "$out" 2>&1 || { tail -20 "$out"; exit 1; }
	done
done

log "state growth per order (runtime/src/state_growth_tests.rs)"
cargo test --locked -p surety-runtime --lib state_growth -- --nocapture \
	| grep '^state per' > "$WORK/state_growth.txt"

python3 scripts/bench-report.py report "$WORK" "$BIN" "$REPEAT"
