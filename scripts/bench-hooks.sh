#!/usr/bin/env bash
# The per-block hooks at their bounds on the node's own database (issue 8, item 2), beside 100,
# 10,000 and 100,000 other open orders and pending slashes (BACKGROUNDS).
#
# runtime/src/bench_state.rs (`SURETY_BENCH_HOOKS=due`) prepares a genesis in which each protocol
# hook's full load falls due in a block of its own, and no load in the block before it. A
# single validator authors the chain from it up to the last loaded block; the node's
# `block-times` (node/src/block_times.rs) then executes each of those blocks again on that
# database (ParityDB), REPEAT times in each of ROUNDS rounds, without a trie cache (every access
# from the database, as `benchmark extrinsic` runs the calls; with the node's trie cache,
# `block-times --enable-trie-cache`, the loaded blocks took the same time). Prints the
# `hooks-due <hook> <block> <items>` plan and one line per block executed,
# `hooks-node <background> <round> <block> <fastest ns> <median ns> <weight ns>`;
# bench-report.py takes a hook's time as its block's less the block before it.
#
#   scripts/bench-hooks.sh [work dir]      # REPEAT=20 ROUNDS=8 REUSE=0 by default
#
# scripts/bench.sh runs it and reports its lines (the ratio is 100,000 against 100; the middle
# size shows whether the time grows with the count or with the trie's depth, its logarithm).
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SURETY_ROOT"

WORK="${1:-$CARGO_TARGET_DIR/bench}"
REPEAT="${REPEAT:-20}"
ROUNDS="${ROUNDS:-8}"
# REUSE=1: execute the chains a previous run authored again, without preparing them.
REUSE="${REUSE:-0}"
BACKGROUNDS="${BACKGROUNDS:-100 10000 100000}"
PORT="${HOOKS_BENCH_PORT:-9978}"
if [ -z "${BENCH_NODE_BIN:-}" ]; then
	build_bench_node >&2
fi
BIN="$BENCH_NODE_BIN"
# The last loaded block of the chain in $1 (its plan, due.txt).
last_block() { awk '{ if ($3 > m) m = $3 } END { print m }' "$1/due.txt"; }

for background in $BACKGROUNDS; do
	dir="$WORK/due-$background"
	if [ "$REUSE" = 1 ] && grep -q "Imported #" "$dir/node.log" 2>/dev/null; then
		continue
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	prepare_bench_chain "$dir" "$background" due >&2
	python3 -c '
import json, sys
for hook, block, items in json.load(open(sys.argv[1]))["due"]:
    print(f"hooks-due {hook} {block} {items}")' "$dir/state.json" > "$dir/due.txt"
	last="$(last_block "$dir")"

	log "authoring blocks 1 to $last beside $background orders and pending slashes" >&2
	"$BIN" --chain "$dir/bench.json" --base-path "$dir/db" --alice --validator \
		--node-key 0000000000000000000000000000000000000000000000000000000000000001 \
		--rpc-port "$PORT" --port 0 --no-prometheus --no-telemetry --no-mdns \
		> "$dir/node.log" 2>&1 &
	node=$!
	trap 'kill $node 2>/dev/null || true' EXIT
	# Three seconds a block, and the start-up of a large genesis.
	for _ in $(seq $((last * 3 + 180))); do
		if grep -q "Imported #$last " "$dir/node.log"; then
			break
		fi
		kill -0 $node 2>/dev/null || { tail -20 "$dir/node.log" >&2; exit 1; }
		sleep 1
	done
	kill $node
	wait $node 2>/dev/null || true
	trap - EXIT
	grep -q "Imported #$last " "$dir/node.log" || { tail -20 "$dir/node.log" >&2; exit 1; }
done
cat "$WORK/due-${BACKGROUNDS%% *}/due.txt"

# Many short rounds, alternating the chains: on this shared machine a slow spell lasts seconds
# and would otherwise fall on one chain only. A block's figure is its fastest execution.
for round in $(seq "$ROUNDS"); do
	for background in $BACKGROUNDS; do
		dir="$WORK/due-$background"
		last="$(last_block "$dir")"
		log "round $round: executing blocks 1 to $last again beside $background" >&2
		"$BIN" block-times --chain "$dir/bench.json" --base-path "$dir/db" --from 1 \
			--to "$last" --repeat "$REPEAT" > "$dir/block.out" 2> "$dir/block.log" ||
			{ tail -20 "$dir/block.log" >&2; exit 1; }
		awk -v bg="$background" -v r="$round" \
			'$1 == "block-time" { print "hooks-node", bg, r, $2, $3, $4, $5 }' "$dir/block.out"
	done
done
