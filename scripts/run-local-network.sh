#!/usr/bin/env bash
# Starts the 4-validator local network by hand: alice, bob, charlie and dave on the `local`
# chain, each a surety-node process with its own database under $SURETY_NET_DIR
# (default: a new temporary directory). RPC: alice 9944, bob 9945, charlie 9946, dave 9947.
# Ctrl-C stops all four. Build the node first (scripts/run-dev.sh or cargo build -p surety-node).
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ -x "$SURETY_NODE_BIN" ] || { echo "no node at $SURETY_NODE_BIN: build it first" >&2; exit 1; }
NET_DIR="${SURETY_NET_DIR:-$(mktemp -d)}"
mkdir -p "$NET_DIR"
log "network directory: $NET_DIR"

# Validators need a persisted network key; fixed test keys (0x…01 to 0x…04) also make
# alice's bootnode address predictable. Never use these keys outside a local network.
ALICE_PEER_ID=12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait' EXIT INT TERM
i=0
for name in alice bob charlie dave; do
	args=(--chain local "--$name" --validator --base-path "$NET_DIR/$name"
		--port $((30333 + i)) --rpc-port $((9944 + i)) --prometheus-port $((9615 + i)) --no-mdns
		--node-key "$(printf '%064x' $((i + 1)))")
	if [ "$name" != alice ]; then
		args+=(--bootnodes "/ip4/127.0.0.1/tcp/30333/p2p/$ALICE_PEER_ID")
	fi
	"$SURETY_NODE_BIN" "${args[@]}" >"$NET_DIR/$name.log" 2>&1 &
	pids+=($!)
	log "$name: rpc ws://127.0.0.1:$((9944 + i)), log $NET_DIR/$name.log"
	i=$((i + 1))
done
wait -n "${pids[@]}"
