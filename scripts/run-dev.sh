#!/usr/bin/env bash
# Sets up a fresh machine, builds the node and the `surety` client, and runs a single-validator
# development chain: ParityDB in a temporary directory, RPC on ws://127.0.0.1:9944 (polkadot.js
# can connect).
# Extra arguments go to the node, e.g. `scripts/run-dev.sh --rpc-port 9955`.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SURETY_ROOT"

bash scripts/setup.sh
. "$SURETY_WASM_ENV"

log "building surety-node and the surety client"
cargo build --locked -p surety-node -p surety-cli
log "the client: $SURETY_CLI_BIN (docs/shippers.md walks through an order with it)"
log "starting a dev chain: ws://127.0.0.1:9944 (Ctrl-C stops it; the chain is discarded)"
exec "$SURETY_NODE_BIN" --dev --tmp "$@"
