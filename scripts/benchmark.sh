#!/usr/bin/env bash
# Generates the runtime's weights from the pallets' v2 benchmarks, and prints each call's
# weight beside a balances transfer measured the same way.
#
#   scripts/benchmark.sh                    # the four protocol pallets and pallet_balances
#   scripts/benchmark.sh pallet_disputes    # some pallets only
#   STEPS=10 REPEAT=5 scripts/benchmark.sh  # quicker, noisier
#
# It builds the node with `runtime-benchmarks` in the `weights` profile (its own directory under
# the target dir, so the node that runs chains is never replaced), then runs
# `surety-node benchmark pallet` on the dev chain for each pallet, writing
# runtime/src/weights/<pallet>.rs for the pallets whose weights the runtime takes from this
# machine: ours, and pallet_balances, the yardstick every protocol call is compared against (other
# pallets' files go to the target dir: the runtime keeps their polkadot-sdk reference weights).
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SURETY_ROOT"

STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"
PALLETS=("$@")
if [ ${#PALLETS[@]} -eq 0 ]; then
	PALLETS=(pallet_fulfillment pallet_attestation pallet_disputes pallet_slashing pallet_balances)
fi
OUT="$CARGO_TARGET_DIR/benchmarks"
outputs=()
mkdir -p "$OUT"

build_bench_node
BIN="$BENCH_NODE_BIN"

for pallet in "${PALLETS[@]}"; do
	log "benchmarking $pallet (steps $STEPS, repeat $REPEAT)"
	args=(benchmark pallet --chain dev --pallet "$pallet" --extrinsic '*'
		--steps "$STEPS" --repeat "$REPEAT" --wasm-execution compiled
		--json-file "$OUT/$pallet.json")
	if [ -f "pallets/${pallet#pallet_}/Cargo.toml" ] || [ "$pallet" = pallet_balances ]; then
		output="runtime/src/weights/$pallet.rs"
	else
		output="$OUT/$pallet.rs"
	fi
	args+=(--output "$output" --header scripts/weights-header.txt)
	outputs+=("$output")
	"$BIN" "${args[@]}" > "$OUT/$pallet.log" 2>&1 || { tail -30 "$OUT/$pallet.log"; exit 1; }
done

python3 scripts/weights-table.py "${outputs[@]}"
