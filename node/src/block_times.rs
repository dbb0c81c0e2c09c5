//! `surety-node block-times`: executes blocks of the chain in the database again and prints
//! each one's fastest and median execution (scripts/bench-hooks.sh, issue 8 item 2).
//!
//! `benchmark block` does the same but prints only the average, which one slow execution on a
//! shared 2-core machine moves by half; the other capacity figures are fastest runs too.

use std::{sync::Arc, time::Instant};

use sc_cli::{CliConfiguration, ImportParams, Result, SharedParams};
use sc_client_api::{BlockBackend, StorageProvider};
use sp_api::{Core, ProvideRuntimeApi};
use sp_blockchain::HeaderBackend;
use sp_core::{storage::StorageKey, Decode};
use sp_runtime::{
	generic::DigestItem,
	traits::{Block as BlockT, Header as _},
};
use surety_runtime::opaque::Block;

use crate::service::FullClient;

/// Executes blocks `from` to `to` again, each `repeat` times on its parent's state, and prints
/// `block-time <number> <fastest ns> <median ns> <weight consumed, ns>` per block.
#[derive(Debug, clap::Parser)]
pub struct BlockTimesCmd {
	#[allow(missing_docs)]
	#[clap(flatten)]
	pub shared_params: SharedParams,

	#[allow(missing_docs)]
	#[clap(flatten)]
	pub import_params: ImportParams,

	/// The first block (not genesis).
	#[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
	pub from: u32,

	/// The last block.
	#[arg(long)]
	pub to: u32,

	/// Executions of each block.
	#[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
	pub repeat: u32,

	/// Read through the node's trie cache (as a running node does) instead of from the
	/// database on every access (as `benchmark extrinsic` and `benchmark block` do).
	#[arg(long)]
	pub enable_trie_cache: bool,
}

impl BlockTimesCmd {
	/// Measures and prints each block.
	pub fn run(&self, client: Arc<FullClient>) -> Result<()> {
		for number in self.from..=self.to {
			let hash =
				client.hash(number)?.ok_or_else(|| format!("block {number} is not imported"))?;
			let signed =
				client.block(hash)?.ok_or_else(|| format!("block {number} has no body"))?;
			// Executed as imported: without the author's seal, which import takes off first.
			let (mut header, extrinsics) = signed.block.deconstruct();
			header.digest_mut().logs.retain(|item| !matches!(item, DigestItem::Seal(..)));
			let parent = *header.parent_hash();
			let block = Block::new(header, extrinsics);
			let mut times = Vec::with_capacity(self.repeat as usize);
			for _ in 0..self.repeat {
				let block = block.clone();
				let api = client.runtime_api();
				let start = Instant::now();
				api.execute_block(parent, block.into())
					.map_err(|e| format!("block {number} does not execute: {e}"))?;
				times.push(start.elapsed().as_nanos());
			}
			times.sort_unstable();
			println!(
				"block-time {number} {} {} {}",
				times[0],
				times[times.len() / 2],
				consumed_ns(&client, hash)?
			);
		}
		Ok(())
	}
}

/// The weight block `hash` consumed (`System::BlockWeight`, every class), in nanoseconds.
fn consumed_ns(client: &FullClient, hash: <Block as BlockT>::Hash) -> Result<u64> {
	let key = StorageKey(
		[sp_io::hashing::twox_128(b"System"), sp_io::hashing::twox_128(b"BlockWeight")].concat(),
	);
	let raw = client.storage(hash, &key)?.ok_or("no System::BlockWeight")?;
	let weight = frame_system::ConsumedWeight::decode(&mut &raw.0[..])
		.map_err(|e| format!("System::BlockWeight: {e}"))?;
	// Reference time is in picoseconds.
	Ok(weight.total().ref_time() / 1_000)
}

impl CliConfiguration for BlockTimesCmd {
	fn shared_params(&self) -> &SharedParams {
		&self.shared_params
	}

	fn import_params(&self) -> Option<&ImportParams> {
		Some(&self.import_params)
	}

	fn trie_cache_maximum_size(&self) -> Result<Option<usize>> {
		Ok(if self.enable_trie_cache { self.import_params.trie_cache_maximum_size() } else { None })
	}
}
