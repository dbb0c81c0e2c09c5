//! Sustained throughput on the 4-validator network (issue 8, item 3): one sender on loopback
//! (this test, through Alice's node's RPC) submits a bounded load, `SURETY_LOAD_COUNT`
//! extrinsics signed in advance by eight endowed accounts, first of balance transfers, then of
//! bonded-order creations, and the
//! test follows the best chain until all are included or `SURETY_LOAD_SECONDS` pass. For each
//! load it prints one `throughput ...` line: extrinsics included per second of chain time,
//! how many of the blocks that carried them ended on weight (normal class at least 90 % used)
//! or before (on the proposer's time, with more of the load still waiting), and the finality
//! lag (best − finalized) seen at each of those blocks. `scripts/bench.sh` runs it on the
//! optimised node and reports orders per second over transfers per second. A sample of each
//! load (`SURETY_LOAD_WATCH_EVERY`) is submitted watched, and one `throughput-watched` line
//! tallies the last status the node gave each (in a block, dropped, invalid, still ready...).
//! `SURETY_NODE_ARGS` gives every node more arguments (another transaction pool, more logs).
//!
//! A measurement, not a test: the test command skips it, and `scripts/bench.sh` runs it only
//! with `SURETY_BENCH_THROUGHPUT=1`: on a 2-core machine the load often stops being included
//! after a few blocks (docs/performance.md, section 3), so its figures are not sound yet.

use std::{
	collections::BTreeMap,
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex,
	},
	time::Duration,
};

use subxt::{
	backend::legacy::rpc_methods::TransactionStatus,
	config::DefaultExtrinsicParamsBuilder,
	dynamic::Value,
	ext::scale_value::{self, At},
	utils::{AccountId32, H256},
	OnlineClient, PolkadotConfig,
};
use surety_zombienet_tests::{
	lifecycle::{account, keypair, none, Chain, UNIT},
	rpc, storage_value, subxt, wait_until,
};

#[derive(Clone, Copy, Debug)]
enum Load {
	Transfers,
	Orders,
}

impl Load {
	fn name(self) -> &'static str {
		match self {
			Load::Transfers => "transfer_keep_alive",
			Load::Orders => "create_order",
		}
	}

	/// The `i`-th call of the load; transfers go to `to`.
	fn call(self, i: u64, block: u64, now_ms: u128, to: &AccountId32) -> subxt::tx::DynamicPayload {
		match self {
			Load::Transfers => subxt::dynamic::tx(
				"Balances",
				"transfer_keep_alive",
				vec![Value::unnamed_variant("Id", [Value::from_bytes(to)]), Value::u128(UNIT)],
			),
			// The cheapest valid order (the minimum payment); acceptance windows spread so
			// that no expiry block is asked for more than it holds.
			Load::Orders => subxt::dynamic::tx(
				"Fulfillment",
				"create_order",
				vec![Value::named_composite([
					("value", Value::u128(100 * UNIT)),
					("payment", Value::u128(UNIT)),
					("carrier", none()),
					("accept_by", Value::u128((block + 200 + i / 32) as u128)),
					("deliver_by", Value::u128(now_ms + 3_600_000)),
					("grace", Value::u128(0)),
					("temperature", none()),
					("reference", none()),
				])],
			),
		}
	}
}

/// What one block did with the load.
struct BlockSeen {
	number: u64,
	ours: u64,
	normal_used: u128,
	finality_lag: u64,
	timestamp_ms: u128,
	parent_timestamp_ms: u128,
}

/// Most extrinsics submitted and not yet included.
const WINDOW: u64 = 4_000;
/// The accounts each load is signed by (endowed in the `local_testnet` preset), each submitting
/// its own extrinsics in order; the two loads use different accounts, so nothing left of the
/// first can share a nonce with the second.
const TRANSFER_SENDERS: [&str; 4] = ["//Alice", "//Bob", "//Charlie", "//Dave"];
const ORDER_SENDERS: [&str; 4] = ["//Eve", "//Ferdie", "//One", "//Two"];

/// Whether an encoded extrinsic (its compact length first) is signed: bit 7 of its version
/// byte.
fn signed_extrinsic(encoded: &[u8]) -> bool {
	let length_bytes = match encoded.first().map(|b| b & 0b11) {
		Some(0) => 1,
		Some(1) => 2,
		Some(2) => 4,
		_ => return false,
	};
	encoded.get(length_bytes).is_some_and(|version| version & 0b1000_0000 != 0)
}

fn env_u64(name: &str, default: u64) -> u64 {
	std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn ref_time(value: &scale_value::Value<u32>) -> Option<u128> {
	value.at("ref_time").and_then(|v| v.as_u128())
}

async fn timestamp_at(client: &OnlineClient<PolkadotConfig>, at: H256) -> anyhow::Result<u128> {
	storage_value(client, "Timestamp", "Now", vec![], Some(at))
		.await?
		.and_then(|v| v.as_u128())
		.ok_or_else(|| anyhow::anyhow!("no timestamp at {at:?}"))
}

async fn run(chain: &Chain, load: Load, count: u64, seconds: u64) -> anyhow::Result<String> {
	let client = &chain.client;
	let alice = chain.network.get_node("alice")?;
	let legacy = rpc(alice).await?;
	let latest = client.blocks().at_latest().await?;
	let now_ms = timestamp_at(client, latest.hash()).await?;
	let max_normal =
		client.constants().at(&subxt::dynamic::constant("System", "BlockWeights"))?.to_value()?;
	let max_normal = max_normal
		.at("per_class")
		.and_then(|c| c.at("normal"))
		.and_then(|n| n.at("max_total"))
		.and_then(|m| m.at(0))
		.and_then(ref_time)
		.ok_or_else(|| anyhow::anyhow!("no normal-class maximum in BlockWeights"))?;

	// Each sender's extrinsics, in nonce order: one pool gap (a nonce submitted after a later
	// one was dropped from the future queue) would stall that sender for good.
	let sink = account("//LoadSink")?;
	let signing = std::time::Instant::now();
	let senders = match load {
		Load::Transfers => TRANSFER_SENDERS,
		Load::Orders => ORDER_SENDERS,
	};
	let per_sender = count / senders.len() as u64;
	let mut queues = Vec::with_capacity(senders.len());
	for (s, uri) in senders.iter().enumerate() {
		let signer = keypair(uri)?;
		let first_nonce = legacy.system_account_next_index(&account(uri)?).await?;
		let mut signed = Vec::with_capacity(per_sender as usize);
		for i in 0..per_sender {
			let params = DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new()
				.nonce(first_nonce + i)
				.build();
			let nth = s as u64 * per_sender + i;
			let call = load.call(nth, latest.number() as u64, now_ms, &sink);
			signed.push(
				client.tx().create_partial_offline(&call, params)?.sign(&signer).into_encoded(),
			);
		}
		queues.push(signed);
	}
	let count = per_sender * senders.len() as u64;
	chain.log(format!(
		"{}: {count} signed by {} senders in {:.1} s, submitting",
		load.name(),
		senders.len(),
		signing.elapsed().as_secs_f64()
	));

	// Follows the best chain in its own task while the load goes in: what each block carried.
	let seen: Arc<Mutex<BTreeMap<u64, BlockSeen>>> = Default::default();
	let included = Arc::new(AtomicU64::new(0));
	// Blocks up to the current best belong to what came before this load.
	let start_number = client.blocks().at_latest().await?.number() as u64;
	let mut best = client.blocks().subscribe_best().await?;
	let follower = {
		let (client, legacy, seen, included) =
			(client.clone(), legacy.clone(), seen.clone(), included.clone());
		tokio::spawn(async move {
			while let Some(block) = best.next().await {
				let block = block?;
				if (block.number() as u64) <= start_number {
					continue;
				}
				// Nothing but the load is signed on this network while it runs: the load's
				// extrinsics are the block's signed ones, counted from the raw body (the
				// version byte's top bit) without decoding thousands of them.
				let body = legacy
					.chain_get_block(Some(block.hash()))
					.await?
					.ok_or_else(|| anyhow::anyhow!("no body for block {}", block.number()))?;
				let ours =
					body.block.extrinsics.iter().filter(|ext| signed_extrinsic(&ext.0)).count()
						as u64;
				if ours == 0 {
					continue;
				}
				let used =
					storage_value(&client, "System", "BlockWeight", vec![], Some(block.hash()))
						.await?
						.and_then(|w| w.at("normal").and_then(ref_time))
						.unwrap_or_default();
				let finalized = legacy.chain_get_finalized_head().await?;
				let finalized = legacy
					.chain_get_header(Some(finalized))
					.await?
					.map(|h| h.number as u64)
					.unwrap_or_default();
				let number = block.number() as u64;
				let seen_block = BlockSeen {
					number,
					ours,
					normal_used: used,
					finality_lag: number.saturating_sub(finalized),
					timestamp_ms: timestamp_at(&client, block.hash()).await?,
					parent_timestamp_ms: timestamp_at(&client, block.header().parent_hash).await?,
				};
				let mut seen = seen.lock().expect("not poisoned");
				// A re-organised height replaces what was seen there.
				seen.insert(number, seen_block);
				included.store(seen.values().map(|b| b.ours).sum(), Ordering::SeqCst);
			}
			anyhow::Ok(())
		})
	};

	// One task per sender submits its extrinsics in order, each waiting for the node's answer;
	// together at most WINDOW submitted and not yet included (a pool holds 8,192). Every
	// `SURETY_LOAD_WATCH_EVERY`-th is submitted watched, and the last status the node gave it
	// (in a block, dropped, invalid, still ready...) is tallied at the end: why a load is not
	// included, as the node says it.
	let watch_every = env_u64("SURETY_LOAD_WATCH_EVERY", 50).max(1);
	let fates: Arc<Mutex<Vec<&'static str>>> = Default::default();
	let mut watchers = tokio::task::JoinSet::new();
	let started = tokio::time::Instant::now();
	let deadline = started + Duration::from_secs(seconds);
	let submitted_count = Arc::new(AtomicU64::new(0));
	let mut senders = tokio::task::JoinSet::new();
	for queue in queues {
		let (legacy, included, submitted) =
			(legacy.clone(), included.clone(), submitted_count.clone());
		let (to_watch, mut watched) = tokio::sync::mpsc::unbounded_channel::<(
			usize,
			subxt::ext::subxt_rpcs::client::RpcSubscription<TransactionStatus<H256>>,
		)>();
		let fates_seen = fates.clone();
		watchers.spawn(async move {
			let mut running = tokio::task::JoinSet::new();
			while let Some((slot, mut subscription)) = watched.recv().await {
				let fates = fates_seen.clone();
				running.spawn(async move {
					while let Some(status) = subscription.next().await {
						let fate = match status {
							Ok(TransactionStatus::Future) => "future",
							Ok(TransactionStatus::Ready | TransactionStatus::Broadcast(_)) => {
								"ready"
							}
							Ok(TransactionStatus::InBlock(_)) => "in_block",
							Ok(TransactionStatus::Retracted(_)) => "retracted",
							Ok(TransactionStatus::Finalized(_)) => "finalized",
							Ok(TransactionStatus::FinalityTimeout(_)) => "finality_timeout",
							Ok(TransactionStatus::Usurped(_)) => "usurped",
							Ok(TransactionStatus::Dropped) => "dropped",
							Ok(TransactionStatus::Invalid) => "invalid",
							Err(_) => "watch_error",
						};
						fates.lock().expect("not poisoned")[slot] = fate;
					}
				});
			}
			while running.join_next().await.is_some() {}
		});
		let fates = fates.clone();
		senders.spawn(async move {
			for (nth, tx) in queue.into_iter().enumerate() {
				while submitted
					.load(Ordering::SeqCst)
					.saturating_sub(included.load(Ordering::SeqCst))
					>= WINDOW
				{
					if tokio::time::Instant::now() >= deadline {
						return anyhow::Ok(());
					}
					tokio::time::sleep(Duration::from_millis(50)).await;
				}
				if tokio::time::Instant::now() >= deadline {
					return Ok(());
				}
				if nth as u64 % watch_every == 0 {
					let subscription = legacy.author_submit_and_watch_extrinsic(&tx).await?;
					let slot = {
						let mut fates = fates.lock().expect("not poisoned");
						fates.push("submitted");
						fates.len() - 1
					};
					let _ = to_watch.send((slot, subscription));
				} else {
					legacy.author_submit_extrinsic(&tx).await?;
				}
				submitted.fetch_add(1, Ordering::SeqCst);
			}
			Ok(())
		});
	}
	while let Some(done) = senders.join_next().await {
		done??;
	}
	let submitted = submitted_count.load(Ordering::SeqCst);
	let submit_seconds = started.elapsed().as_secs_f64();
	chain.log(format!(
		"{}: {submitted} submitted in {:.1} s",
		load.name(),
		started.elapsed().as_secs_f64()
	));
	while included.load(Ordering::SeqCst) < submitted
		&& tokio::time::Instant::now() < deadline
		&& !follower.is_finished()
	{
		tokio::time::sleep(Duration::from_millis(200)).await;
	}
	if follower.is_finished() {
		follower.await??;
		anyhow::bail!("the best-block subscription ended");
	}
	follower.abort();
	// The watches keep following what is in a block to its finality: the tally is of where
	// each stands now.
	watchers.abort_all();
	let mut tally: BTreeMap<&'static str, u64> = BTreeMap::new();
	for fate in fates.lock().expect("not poisoned").iter() {
		*tally.entry(fate).or_default() += 1;
	}
	let fates: Vec<String> = tally.iter().map(|(fate, n)| format!("{fate}={n}")).collect();
	println!("throughput-watched {} every {watch_every}: {}", load.name(), fates.join(" "));
	let seen = std::mem::take(&mut *seen.lock().expect("not poisoned"));
	let total = seen.values().map(|b| b.ours).sum::<u64>();
	anyhow::ensure!(total > 0, "{}: nothing included within {seconds} s", load.name());
	let (first, last) = (seen.values().next().unwrap(), seen.values().last().unwrap());
	let chain_seconds = last.timestamp_ms.saturating_sub(first.parent_timestamp_ms) as f64 / 1000.0;
	let mut on_weight = 0;
	let mut on_time = 0;
	let mut so_far = 0;
	for block in seen.values() {
		so_far += block.ours;
		if block.normal_used * 10 >= max_normal * 9 {
			on_weight += 1;
		} else if so_far < submitted {
			on_time += 1;
		}
	}
	let max_lag = seen.values().map(|b| b.finality_lag).max().unwrap_or_default();
	let mean_lag = seen.values().map(|b| b.finality_lag).sum::<u64>() as f64 / seen.len() as f64;
	let max_in_block = seen.values().map(|b| b.ours).max().unwrap_or_default();
	Ok(format!(
		"throughput {} {submitted} {total} {chain_seconds:.1} {:.1} {} {on_weight} {on_time} \
		 {max_in_block} {max_lag} {mean_lag:.2} {} {} {:.1}",
		load.name(),
		total as f64 / chain_seconds.max(0.001),
		seen.len(),
		first.number,
		last.number,
		submitted as f64 / submit_seconds.max(0.001),
	))
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement on the 4-validator network: run by scripts/bench.sh"]
async fn orders_against_transfers_under_sustained_load() -> anyhow::Result<()> {
	let count = env_u64("SURETY_LOAD_COUNT", 4_000);
	let seconds = env_u64("SURETY_LOAD_SECONDS", 120);
	let chain = Chain::start().await?;
	let client = &chain.client;
	wait_until("a finalized block with a timestamp", Duration::from_secs(300), || async move {
		Ok(storage_value(client, "Timestamp", "Now", vec![], None).await?.is_some())
	})
	.await?;
	// Fields: kind, submitted, included, chain seconds, per second, blocks, ended on weight,
	// ended on time, most in one block, max finality lag, mean finality lag, first and last
	// block, submitted per second (wall clock).
	println!("throughput-fields kind submitted included seconds per_second blocks on_weight on_time max_in_block max_lag mean_lag first last submitted_per_second");
	for load in [Load::Transfers, Load::Orders] {
		let line = run(&chain, load, count, seconds).await?;
		println!("{line}");
		// The next load starts on a settled chain: everything of this one finalized.
		let alice = chain.network.get_node("alice")?;
		wait_until("the load finalized", Duration::from_secs(120), || async move {
			let (best, finalized) = surety_zombienet_tests::best_and_finalized(alice).await?;
			Ok(best.saturating_sub(finalized) <= 2)
		})
		.await?;
	}
	Ok(())
}
