#!/usr/bin/env bash
# Why `benchmark pallet` runs slower beside a large state (issue 8, item 2; docs/performance.md,
# "Why benchmark pallet is slower beside a large state"). Two measurements, side by side:
#
# 1. The same benchmarks beside 100 and beside 100,000 other open orders and pending slashes
#    (chains of that background alone, `SURETY_BENCH_HOOKS=1`, prepared here unless a run left
#    them): two that touch no storage (`frame_system.remark`, `frame_benchmarking.hashing`) and
#    two that touch small maps (`fulfillment.unbond`, `balances.transfer_keep_alive`).
#    `--steps 2 --repeat 30`, the fastest run at the top of each range, ROUNDS times,
#    alternating the chains.
# 2. One lookup in the in-memory database that command reads trie nodes from (kvdb-memorydb),
#    at 1,000 to 450,000 keys (scripts/memdb-probe).
#
#   scripts/bench-backend.sh            # ROUNDS=2 by default
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SURETY_ROOT"

ROUNDS="${ROUNDS:-2}"
WORK="$CARGO_TARGET_DIR/bench"
build_bench_node
BIN="$BENCH_NODE_BIN"
cargo build --locked -p surety-memdb-probe --profile weights
PROBE="$CARGO_TARGET_DIR/weights/surety-memdb-probe"
for background in 100 100000; do
	if [ ! -f "$WORK/hooks-$background/bench.json" ]; then
		mkdir -p "$WORK/hooks-$background"
		prepare_bench_chain "$WORK/hooks-$background" "$background" 1
	fi
done

for round in $(seq "$ROUNDS"); do
	for background in 100 100000; do
		for benchmark in frame_system:remark frame_benchmarking:hashing \
			pallet_fulfillment:unbond pallet_balances:transfer_keep_alive; do
			json="$WORK/backend.json"
			"$BIN" benchmark pallet --chain "$WORK/hooks-$background/bench.json" \
				--genesis-builder spec-genesis --pallet "${benchmark%%:*}" \
				--extrinsic "${benchmark#*:}" --steps 2 --repeat 30 --wasm-execution compiled \
				--json-file "$json" > "$WORK/backend.log" 2>&1 || { tail -20 "$WORK/backend.log"; exit 1; }
			python3 scripts/bench-report.py fastest "$json" \
				| awk -v r="$round" -v bg="$background" -v name="$benchmark" \
					'{ printf "backend round %s beside %s: %s %.1f µs\n", r, bg, name, $3 / 1000 }'
		done
	done
done
"$PROBE" 1000 10000 100000 450000
