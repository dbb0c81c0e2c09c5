#!/usr/bin/env bash
# RPC requests per second and p50 / p99 latency (issue 8, item 4): `surety_quoteBond` and
# `surety_order` side by side with `state_getStorage` of one account and `system_health`, on
# loopback, the node pinned to one core and the load tool (scripts/rpc-bench, closed loop,
# CONNECTIONS keep-alive connections) to the other. The node serves the benchmark chain
# (runtime/src/bench_state.rs: 21,600 orders beside 100,000 others), so the order read is one
# among many. Prints `rpc ...` lines to stdout; scripts/bench.sh runs it and reports them.
#
#   scripts/rpc-bench.sh [work dir]       # SECONDS=10 CONNECTIONS=8 by default
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SURETY_ROOT"

WORK="${1:-$CARGO_TARGET_DIR/rpc-bench}"
SECONDS_EACH="${SECONDS_EACH:-10}"
CONNECTIONS="${CONNECTIONS:-8}"
PORT="${RPC_BENCH_PORT:-9977}"
mkdir -p "$WORK"
if [ -z "${BENCH_NODE_BIN:-}" ]; then
	build_bench_node
fi
cargo build --locked -p surety-rpc-bench --profile weights >&2
TOOL="$CARGO_TARGET_DIR/weights/surety-rpc-bench"
if [ ! -f "$WORK/bench.json" ]; then
	prepare_bench_chain "$WORK" 100000 >&2
fi

rm -rf "$WORK/rpc-db"
taskset -c 0 "$BENCH_NODE_BIN" --chain "$WORK/bench.json" --base-path "$WORK/rpc-db" \
	--rpc-port "$PORT" --port 0 --no-prometheus --no-telemetry --no-mdns \
	> "$WORK/rpc-node.log" 2>&1 &
node=$!
trap 'kill $node 2>/dev/null || true; wait $node 2>/dev/null || true' EXIT

call() {
	curl -sf -H 'Content-Type: application/json' \
		-d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "http://127.0.0.1:$PORT"
}
for _ in $(seq 120); do
	if call system_health '[]' > /dev/null 2>&1; then
		break
	fi
	kill -0 $node 2>/dev/null || { tail -20 "$WORK/rpc-node.log" >&2; exit 1; }
	sleep 1
done

# System::Account of Alice: twox128("System") ++ twox128("Account") ++ blake2_128(id) ++ id.
ALICE=d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d
ACCOUNT_KEY="0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9$(python3 -c \
	"import hashlib,sys; print(hashlib.blake2b(bytes.fromhex(sys.argv[1]), digest_size=16).hexdigest())" \
	"$ALICE")$ALICE"
BOB=5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty
# A bonded order whose committee is collecting reports (the plan bench_state.rs wrote).
ORDER="$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['plan']['attest'][0][0])" \
	"$WORK/state.json")"
# Each method must answer something real, or its rate means nothing.
for check in "state_getStorage [\"$ACCOUNT_KEY\"]" "surety_order [$ORDER]" \
	"surety_quoteBond [\"1000000000000000\",\"$BOB\"]"; do
	answer="$(call ${check%% *} "${check#* }")"
	case "$answer" in
	*'"result":null'* | *'"error"'* | '') echo "no answer to $check: $answer" >&2; exit 1 ;;
	esac
done

taskset -c 1 "$TOOL" "127.0.0.1:$PORT" "$SECONDS_EACH" "$CONNECTIONS" \
	system_health '[]' \
	state_getStorage "[\"$ACCOUNT_KEY\"]" \
	surety_order "[$ORDER]" \
	surety_quoteBond "[\"1000000000000000\",\"$BOB\"]"
