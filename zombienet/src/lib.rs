//! Helpers for the multi-validator network tests: find the node binary, export the raw
//! chain spec our node builds from the runtime preset, spawn the network described in
//! `local.toml` with zombienet's native provider, and read chain state over RPC.

pub mod lifecycle;

use std::{
	path::{Path, PathBuf},
	process::Command,
	time::Duration,
};

use anyhow::{anyhow, bail, Context};
pub use zombienet_sdk::{subxt, subxt_signer};
use zombienet_sdk::{
	subxt::{
		backend::legacy::LegacyRpcMethods,
		dynamic::Value,
		ext::scale_value::{self, At},
		utils::{AccountId32, H256},
		OnlineClient, PolkadotConfig,
	},
	LocalFileSystem, Network, NetworkConfig, NetworkConfigExt, NetworkNode,
};

/// The names of the four validators in `local.toml`.
pub const VALIDATORS: [&str; 4] = ["alice", "bob", "charlie", "dave"];

/// Where the tests find the node: `SURETY_NODE_BIN`, which the test script sets to the
/// binary it has just built.
pub fn node_binary() -> anyhow::Result<PathBuf> {
	let path = std::env::var_os("SURETY_NODE_BIN").map(PathBuf::from).ok_or_else(|| {
		anyhow!("SURETY_NODE_BIN is not set: run the tests through scripts/test.sh")
	})?;
	if !path.is_file() {
		bail!("SURETY_NODE_BIN={} is not a file: build the node first", path.display());
	}
	Ok(path)
}

fn manifest_dir() -> &'static Path {
	Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Writes `specs/local-raw.json` with `surety-node export-chain-spec --chain local --raw`.
pub fn export_local_raw_spec(node: &Path) -> anyhow::Result<PathBuf> {
	let out = manifest_dir().join("specs/local-raw.json");
	std::fs::create_dir_all(out.parent().expect("specs/ has a parent; qed"))?;
	export_chain_spec(node, &["--chain", "local", "--raw"], &out)?;
	Ok(out)
}

/// The runtime of the previous release (spec 100, built from commit `d281b36`), as zstd with
/// Substrate's compressed-code prefix: the upgrade test starts a network on it.
pub fn previous_runtime() -> anyhow::Result<Vec<u8>> {
	let path = manifest_dir().join("runtimes/surety-runtime-100.compressed.wasm");
	std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
}

/// Writes `specs/local-<name>-raw.json`: the `local` chain whose genesis `code` builds, so a
/// network starts on another runtime than the node's own (presets of the same shape).
pub fn export_local_raw_spec_with_code(
	node: &Path,
	code: &[u8],
	name: &str,
) -> anyhow::Result<PathBuf> {
	let specs = manifest_dir().join("specs");
	std::fs::create_dir_all(&specs)?;
	let plain = specs.join(format!("local-{name}.json"));
	let raw = specs.join(format!("local-{name}-raw.json"));
	export_chain_spec(node, &["--chain", "local"], &plain)?;
	let mut spec: serde_json::Value = serde_json::from_slice(&std::fs::read(&plain)?)?;
	let genesis_code = spec
		.pointer_mut("/genesis/runtimeGenesis/code")
		.ok_or_else(|| anyhow!("{} has no genesis.runtimeGenesis.code", plain.display()))?;
	*genesis_code = serde_json::Value::String(to_hex(code));
	std::fs::write(&plain, serde_json::to_vec_pretty(&spec)?)?;
	let plain_arg = plain.to_str().ok_or_else(|| anyhow!("a spec path that is not UTF-8"))?;
	export_chain_spec(node, &["--chain", plain_arg, "--raw"], &raw)?;
	Ok(raw)
}

/// The runtime code a raw chain spec starts with (its `:code`).
pub fn raw_spec_code(spec: &Path) -> anyhow::Result<Vec<u8>> {
	let spec: serde_json::Value = serde_json::from_slice(&std::fs::read(spec)?)?;
	let code = spec
		.pointer("/genesis/raw/top/0x3a636f6465")
		.and_then(|c| c.as_str())
		.ok_or_else(|| anyhow!("the raw spec has no :code"))?;
	from_hex(code)
}

fn export_chain_spec(node: &Path, args: &[&str], out: &Path) -> anyhow::Result<()> {
	let status = Command::new(node)
		.arg("export-chain-spec")
		.args(args)
		.arg("--output")
		.arg(out)
		.status()
		.context("running surety-node export-chain-spec")?;
	if !status.success() {
		bail!("export-chain-spec {args:?} failed: {status}");
	}
	Ok(())
}

/// `0x`-prefixed lower-case hex, as chain specs write bytes.
pub fn to_hex(bytes: &[u8]) -> String {
	let mut hex = String::with_capacity(2 + 2 * bytes.len());
	hex.push_str("0x");
	for b in bytes {
		hex.push_str(&format!("{b:02x}"));
	}
	hex
}

pub fn from_hex(hex: &str) -> anyhow::Result<Vec<u8>> {
	let digits = hex.strip_prefix("0x").unwrap_or(hex);
	if !digits.len().is_multiple_of(2) {
		bail!("odd number of hex digits");
	}
	(0..digits.len())
		.step_by(2)
		.map(|i| u8::from_str_radix(&digits[i..i + 2], 16).context("not hex"))
		.collect()
}

/// Spawns the network of `local.toml` (native provider: each node a local process).
///
/// The node binary's directory goes first on `PATH`, so the TOML can name the command
/// `surety-node` wherever the build put it.
pub async fn spawn_local_network() -> anyhow::Result<Network<LocalFileSystem>> {
	let spec = export_local_raw_spec(&node_binary()?)?;
	spawn_network_with_spec(&spec).await
}

/// Spawns the network of `local.toml` on the raw chain spec `spec` instead of the one the
/// node exports.
pub async fn spawn_network_with_spec(spec: &Path) -> anyhow::Result<Network<LocalFileSystem>> {
	let node = node_binary()?;
	let bin_dir = node.parent().ok_or_else(|| anyhow!("node binary has no directory"))?;
	let path = std::env::var_os("PATH").unwrap_or_default();
	let mut paths = vec![bin_dir.to_path_buf()];
	paths.extend(std::env::split_paths(&path));
	// Set before any node process is spawned; the tests set nothing else in the environment.
	std::env::set_var("PATH", std::env::join_paths(paths)?);

	// zombienet reads the chain spec relative to the working directory, which is not this
	// crate's when another crate's tests spawn the network: name it absolutely.
	let toml = std::fs::read_to_string(manifest_dir().join("local.toml"))?;
	let spec = spec.to_str().ok_or_else(|| anyhow!("a chain spec path that is not UTF-8"))?;
	let mut toml = toml.replace("\"specs/local-raw.json\"", &format!("{spec:?}"));
	// Measurements may give every node more arguments (`SURETY_NODE_ARGS`, space-separated),
	// for instance another transaction pool or more logging.
	if let Ok(extra) = std::env::var("SURETY_NODE_ARGS") {
		let quoted: Vec<String> = extra.split_whitespace().map(|a| format!("{a:?}")).collect();
		if !quoted.is_empty() {
			toml = toml
				.replace("default_args = [", &format!("default_args = [{}, ", quoted.join(", ")));
		}
	}
	let config = NetworkConfig::load_from_toml_string_with_base_dir(&toml, manifest_dir())?;
	Ok(config.spawn_native().await?)
}

/// Legacy RPC methods (chain_*, system_*) of a node.
pub async fn rpc(node: &NetworkNode) -> anyhow::Result<LegacyRpcMethods<PolkadotConfig>> {
	Ok(LegacyRpcMethods::new(node.rpc().await?))
}

/// Best and finalized block numbers of a node, from its RPC.
pub async fn best_and_finalized(node: &NetworkNode) -> anyhow::Result<(u64, u64)> {
	let rpc = rpc(node).await?;
	let best = rpc.chain_get_header(None).await?.ok_or_else(|| anyhow!("no best header"))?;
	let finalized_hash = rpc.chain_get_finalized_head().await?;
	let finalized = rpc
		.chain_get_header(Some(finalized_hash))
		.await?
		.ok_or_else(|| anyhow!("no finalized header"))?;
	Ok((best.number.into(), finalized.number.into()))
}

/// Polls `check` every second until it returns `Ok(true)` or `timeout` passes.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut check: F) -> anyhow::Result<()>
where
	F: FnMut() -> Fut,
	Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
	let deadline = tokio::time::Instant::now() + timeout;
	let mut last_error = None;
	loop {
		match check().await {
			Ok(true) => return Ok(()),
			Ok(false) => {}
			Err(e) => last_error = Some(e),
		}
		if tokio::time::Instant::now() >= deadline {
			bail!("timed out after {timeout:?} waiting for {what} (last error: {last_error:?})");
		}
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
}

/// Lines of a node's log that report a panic.
pub async fn panic_lines(node: &NetworkNode) -> anyhow::Result<Vec<String>> {
	let logs = node.logs().await?;
	Ok(logs
		.lines()
		.filter(|l| l.contains("panicked at") || l.contains("Thread '") && l.contains("panicked"))
		.map(str::to_owned)
		.collect())
}

/// A storage value, decoded, at block `at` (the latest finalized block when `None`).
pub async fn storage_value(
	client: &OnlineClient<PolkadotConfig>,
	pallet: &str,
	item: &str,
	keys: Vec<Value>,
	at: Option<H256>,
) -> anyhow::Result<Option<scale_value::Value<u32>>> {
	let storage = match at {
		Some(hash) => client.storage().at(hash),
		None => client.storage().at_latest().await?,
	};
	Ok(match storage.fetch(&subxt::dynamic::storage(pallet, item, keys)).await? {
		Some(value) => Some(value.to_value()?),
		None => None,
	})
}

/// `who`'s free balance at block `at` (the latest finalized block when `None`).
pub async fn free_balance(
	client: &OnlineClient<PolkadotConfig>,
	who: &AccountId32,
	at: Option<H256>,
) -> anyhow::Result<u128> {
	let account = storage_value(client, "System", "Account", vec![Value::from_bytes(who)], at)
		.await?
		.ok_or_else(|| anyhow!("{who} has no account"))?;
	account
		.at("data")
		.and_then(|d| d.at("free"))
		.and_then(|f| f.as_u128())
		.ok_or_else(|| anyhow!("no data.free in {account:?}"))
}
