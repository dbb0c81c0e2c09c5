#!/usr/bin/env bash
# Generates the runtime's weights from the pallets' v2 benchmarks, and prints each call's
# weight beside a balances transfer measured the same way.
#
#   scripts/benchmark.sh                    # storage, the four protocol pallets, pallet_balances
#   scripts/benchmark.sh pallet_disputes    # some pallets only (`storage`: the database only)
#   STEPS=10 REPEAT=5 RUNS=1 scripts/benchmark.sh  # quicker, noisier
#
# It builds the node with `runtime-benchmarks` in the `weights` profile (its own directory under
# the target dir, so the node that runs chains is never replaced), then runs
# `surety-node benchmark pallet` for each pallet, writing
# runtime/src/weights/<pallet>.rs for the pallets whose weights the runtime takes from this
# machine: ours, and pallet_balances, the yardstick every protocol call is compared against (other
# pallets' files go to the target dir: the runtime keeps their polkadot-sdk reference weights).
# The pallets are measured on the dev chain's runtime beside $BACKGROUND (default 100) open
# orders and as many pending slashes (runtime/src/bench_state.rs, its hooks-only state). Not
# beside 100,000: there every storage access of `benchmark pallet` slows, because its in-memory
# database's lookups grow with its size, while the node's database runs the same calls flat
# (docs/performance.md, "The weights are measured on the small state again"). A grown chain's
# storage cost is charged by `DbWeight`, measured on ParityDB beside 100,000 (`storage` below),
# and scripts/bench.sh checks every call's and hook's time there against its weight. Its genesis
# is a raw state, so the command takes it from the chain spec (`--genesis-builder spec-genesis`,
# which the node warns is deprecated).
# Each pallet is measured RUNS times (default 3), the runs of all pallets in turn so that one
# pallet's runs are minutes apart, and each weight function is taken from the run that was
# quietest for its benchmark (scripts/weights-quietest.py): on this shared 2-core machine, bursts
# of other work slow a stretch of a single run's points (docs/performance.md, "Weights from the
# quietest of three runs").
# `storage` runs `surety-node benchmark storage` on the benchmark chain's state (the one
# scripts/bench.sh measures on, beside 100,000 other open orders and pending slashes) and writes
# the cost of one database read and write, the runtime's `DbWeight`, to
# runtime/src/weights/paritydb_weights.rs.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SURETY_ROOT"

STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"
BACKGROUND="${BACKGROUND:-100}"
RUNS="${RUNS:-3}"
PALLETS=("$@")
if [ ${#PALLETS[@]} -eq 0 ]; then
	PALLETS=(storage pallet_fulfillment pallet_attestation pallet_disputes pallet_slashing pallet_balances)
fi
OUT="$CARGO_TARGET_DIR/benchmarks"
outputs=()
mkdir -p "$OUT"

build_bench_node
BIN="$BENCH_NODE_BIN"

# Writes are committed in batches of this many keys, the cost per key amortised over a batch:
# about the number of keys a full block of protocol calls writes.
DB_BATCH="${DB_BATCH:-1000}"
bench_storage() {
	local work="$OUT/storage"
	rm -rf "$work"
	mkdir -p "$work"
	prepare_bench_chain "$work" 100000
	log "benchmarking the database's reads and writes on that state (write batches of $DB_BATCH)"
	"$BIN" benchmark storage --chain "$work/bench.json" --base-path "$work/db" --state-version 1 \
		--batch-size "$DB_BATCH" --template-path scripts/db-weights.hbs \
		--header scripts/weights-header.txt --weight-path runtime/src/weights/paritydb_weights.rs \
		> "$work/log" 2>&1 || { tail -30 "$work/log"; exit 1; }
}

# The state the pallets are measured beside, prepared once per run (the spec holds the runtime
# just built, so a previous run's is never reused).
PALLET_CHAIN="$OUT/background"
pallet_chain_ready=0
pallet_chain() {
	[ "$pallet_chain_ready" = 1 ] && return
	pallet_chain_ready=1
	rm -rf "$PALLET_CHAIN"
	mkdir -p "$PALLET_CHAIN"
	prepare_bench_chain "$PALLET_CHAIN" "$BACKGROUND" 1
}

measured=()
for pallet in "${PALLETS[@]}"; do
	if [ "$pallet" = storage ]; then
		bench_storage
	else
		measured+=("$pallet")
	fi
done
header="$OUT/weights-header.txt"
{
	cat scripts/weights-header.txt
	echo "// The command ran $RUNS times; each function below is the one it wrote in the run quietest"
	echo "// for that benchmark (scripts/weights-quietest.py). The header is the first run's."
} > "$header"
for run in $(seq 1 "$RUNS"); do
	for pallet in "${measured[@]}"; do
		pallet_chain
		log "benchmarking $pallet beside $BACKGROUND open orders and pending slashes, run $run of $RUNS (steps $STEPS, repeat $REPEAT)"
		"$BIN" benchmark pallet --chain "$PALLET_CHAIN/bench.json" --genesis-builder spec-genesis \
			--pallet "$pallet" --extrinsic '*' \
			--steps "$STEPS" --repeat "$REPEAT" --wasm-execution compiled \
			--json-file "$OUT/$pallet.$run.json" \
			--output "$OUT/$pallet.$run.rs" --header "$header" \
			> "$OUT/$pallet.$run.log" 2>&1 || { tail -30 "$OUT/$pallet.$run.log"; exit 1; }
	done
done
for pallet in "${measured[@]}"; do
	if [ -f "pallets/${pallet#pallet_}/Cargo.toml" ] || [ "$pallet" = pallet_balances ]; then
		output="runtime/src/weights/$pallet.rs"
	else
		output="$OUT/$pallet.rs"
	fi
	runs=()
	for run in $(seq 1 "$RUNS"); do
		runs+=("$OUT/$pallet.$run.rs" "$OUT/$pallet.$run.json")
	done
	log "$pallet: each weight from the quietest of $RUNS runs"
	python3 scripts/weights-quietest.py "$output" "${runs[@]}" | tee "$OUT/$pallet.quietest.txt"
	outputs+=("$output")
done

if [ ${#outputs[@]} -gt 0 ]; then
	# The transfer is the yardstick: the committed one when pallet_balances was not rerun.
	balances=runtime/src/weights/pallet_balances.rs
	case " ${outputs[*]} " in *" $balances "*) ;; *) outputs+=("$balances") ;; esac
	python3 scripts/weights-table.py "${outputs[@]}"
fi
