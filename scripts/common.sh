# Sourced by every script: one persistent target directory outside the clone, and the wasm
# toolchain chosen by setup.sh, so no cargo invocation depends on what the user exported.
SURETY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/surety/target}"
# The target directory is outside the clone: tell the wasm builder where our Cargo.lock is.
export WASM_BUILD_WORKSPACE_HINT="$SURETY_ROOT"
SURETY_STATE_DIR="${SURETY_STATE_DIR:-$HOME/.cache/surety}"
SURETY_WASM_ENV="$SURETY_STATE_DIR/wasm.env"
mkdir -p "$CARGO_TARGET_DIR"
if [ -f "$SURETY_WASM_ENV" ]; then
	# shellcheck disable=SC1090
	. "$SURETY_WASM_ENV"
fi
export SURETY_NODE_BIN="${SURETY_NODE_BIN:-$CARGO_TARGET_DIR/debug/surety-node}"
# The `surety` client (docs/shippers.md).
export SURETY_CLI_BIN="${SURETY_CLI_BIN:-$CARGO_TARGET_DIR/debug/surety}"
log() { printf '[%s] %s\n' "$(basename "$0")" "$*"; }
# Builds the node with `runtime-benchmarks` in the optimised `weights` profile (its own directory
# under the target dir, so the node that runs chains is never replaced) and sets BENCH_NODE_BIN.
build_bench_node() {
	log "building the node with runtime-benchmarks (profile weights, optimised)"
	cargo build --locked -p surety-node --features runtime-benchmarks --profile weights
	BENCH_NODE_BIN="$CARGO_TARGET_DIR/weights/surety-node"
}
# Writes the benchmark chain as a raw chain spec, $1/bench.json: the dev chain's runtime with a
# genesis state prepared on it by runtime/src/bench_state.rs (orders in every state a benchmarked
# call needs, and the plan of which order each extrinsic acts on) beside $2 other open orders
# and as many pending slashes; with $3 = 1, that background alone (for the hook benchmarks), with
# $3 = due, the background and each hook's full load due in a block of its own (bench-hooks.sh).
# Needs BENCH_NODE_BIN (build_bench_node).
prepare_bench_chain() {
	local work="$1" background="$2" hooks="${3:-0}"
	"$BENCH_NODE_BIN" export-chain-spec --chain dev --raw > "$work/dev.json" 2> "$work/export.log"
	log "preparing the benchmark chain's state, $background other open orders and pending slashes, hooks: $hooks (runtime/src/bench_state.rs)"
	SURETY_BENCH_STATE="$work/state.json" SURETY_BENCH_BACKGROUND="$background" SURETY_BENCH_HOOKS="$hooks" \
		cargo test --locked -p surety-runtime --lib bench_state::bench_state -- --ignored --exact \
		--nocapture
	python3 "$SURETY_ROOT/scripts/bench-report.py" spec "$work/dev.json" "$work/state.json" \
		> "$work/bench.json"
}
