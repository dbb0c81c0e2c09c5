#!/usr/bin/env bash
# Measures what Surety costs against a balances transfer, side by side in one run, and writes
# the figures with their commands to docs/performance.md (issue 8). Exits non-zero when a
# target is missed.
#
#   scripts/bench.sh                  # everything measured so far
#   REPEAT=5 ROUNDS=1 scripts/bench.sh  # quicker, noisier
#
# Capacity (item 1): the node's `benchmark extrinsic` fills a block with one kind of extrinsic
# until the block's weight is used up, then executes that block REPEAT times. Accepting,
# attesting and disputing need orders in the right state, one per extrinsic: they run on a chain
# whose genesis is the state runtime/src/bench_state.rs prepares (the plan of which order each
# extrinsic acts on travels in the chain spec's properties). Remarks, transfers and new orders
# run on that same chain. Scaling (item 2): all of it twice, beside 100 and beside 100,000 other
# open orders and as many pending slashes; and the pallets' per-block hooks at their bounds on the
# node's database (scripts/bench-hooks.sh, beside 100, 10,000 and 100,000). Sustained throughput
# (item 3), with SURETY_BENCH_THROUGHPUT=1: the 4-validator network of zombienet/local.toml on the
# optimised node, a load of transfers then one of new orders (zombienet/tests/throughput.rs).
# RPC (item 4): scripts/rpc-bench.sh. State growth (item 5) comes from a runtime test.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SURETY_ROOT"

WARMUP="${WARMUP:-3}"
REPEAT="${REPEAT:-10}"
ROUNDS="${ROUNDS:-2}"
WORK="$CARGO_TARGET_DIR/bench"
rm -rf "$WORK"
mkdir -p "$WORK"

build_bench_node
BIN="$BENCH_NODE_BIN"

cargo test --locked -p surety-runtime --lib bench_state::bench_weights -- --ignored --exact \
	--nocapture | grep '^figure ' > "$WORK/weights.txt"

CALLS=(system:remark balances:transfer_keep_alive fulfillment:create_order
	fulfillment:accept_order fulfillment:book attestation:attest attestation:attest_signed
	disputes:dispute)
# Scaling (item 2): every call again beside 100,000 other open orders and pending slashes instead
# of 100. ROUNDS rounds, each running every block on both chains: a slow spell on this shared
# machine lasts seconds to minutes and would otherwise fall on one cell only; a cell's time is
# its fastest round.
for background in 100 100000; do
	mkdir -p "$WORK/chain-$background"
	prepare_bench_chain "$WORK/chain-$background" "$background"
done
for round in $(seq "$ROUNDS"); do
	for background in 100 100000; do
		for call in "${CALLS[@]}"; do
			pallet="${call%%:*}"
			extrinsic="${call#*:}"
			out="$WORK/$background.$pallet.$extrinsic.$round.log"
			log "round $round of $ROUNDS: filling a block with $pallet.$extrinsic beside $background orders (warm-up $WARMUP, repeat $REPEAT)"
			rm -rf "$WORK/db"
			"$BIN" benchmark extrinsic --chain "$WORK/chain-$background/bench.json" \
				--base-path "$WORK/db" --pallet "$pallet" --extrinsic "$extrinsic" \
				--warmup "$WARMUP" --repeat "$REPEAT" \
				> "$out" 2>&1 || { tail -20 "$out"; exit 1; }
		done
	done
done

log "the per-block hooks at their bounds on the node's database (scripts/bench-hooks.sh)"
BENCH_NODE_BIN="$BIN" bash scripts/bench-hooks.sh "$WORK" > "$WORK/hooks.txt"

log "state growth per order (runtime/src/state_growth_tests.rs)"
cargo test --locked -p surety-runtime --lib state_growth -- --nocapture \
	| grep '^state per' > "$WORK/state_growth.txt"

# The capacity report exits 1 on a missed target: the other measurements still run.
status=0
python3 scripts/bench-report.py report "$WORK" "$BIN" "$REPEAT" "$ROUNDS" || status=$?

# Opt-in until its figures are sound (docs/performance.md, section 3: on this 2-core machine the
# load stops being included after a few blocks, cause not yet found).
if [ "${SURETY_BENCH_THROUGHPUT:-0}" = 1 ]; then
	log "sustained throughput on the 4-validator network (zombienet/tests/throughput.rs)"
	SURETY_NODE_BIN="$BIN" cargo test --locked -p surety-zombienet-tests --test throughput -- \
		--ignored --nocapture | tee "$WORK/throughput.log"
	grep '^throughput ' "$WORK/throughput.log" > "$WORK/throughput.txt"
	python3 scripts/bench-report.py throughput "$WORK"
fi

log "RPC requests per second and latency (scripts/rpc-bench.sh)"
echo "rpc-setup ${CONNECTIONS:-8} ${SECONDS_EACH:-10}" > "$WORK/rpc.txt"
BENCH_NODE_BIN="$BIN" bash scripts/rpc-bench.sh "$WORK/chain-100000" | tee -a "$WORK/rpc.txt"
python3 scripts/bench-report.py rpc "$WORK"
exit "$status"
