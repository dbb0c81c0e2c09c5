//! The order lifecycle on the 4-validator network, over RPC: Alice ships, Bob (a genesis
//! carrier) accepts, the genesis attesters report. Shared by the lifecycle and fault tests.

use std::{
	str::FromStr,
	time::{Duration, Instant},
};

use crate::{
	best_and_finalized, spawn_local_network, spawn_network_with_spec, storage_value, subxt,
	subxt_signer, wait_until,
};
use subxt::{
	blocks::ExtrinsicEvents,
	dynamic::Value,
	ext::{scale_value::At, subxt_rpcs::rpc_params},
	tx::Payload,
	utils::{AccountId32, H256},
	OnlineClient, PolkadotConfig,
};
use subxt_signer::{sr25519::Keypair, SecretUri};

/// The genesis attesters (`local_testnet` preset).
pub const ATTESTERS: [&str; 7] =
	["//Dave", "//Eve", "//Ferdie", "//One", "//Two", "//Eve//stash", "//Ferdie//stash"];
pub const UNIT: u128 = 1_000_000_000_000;
pub const HOUR_MS: u128 = 3_600_000;
/// Declared value of the test orders.
pub const VALUE: u128 = 1_000 * UNIT;
/// What the shipper pays the carrier.
pub const PAYMENT: u128 = 10 * UNIT;
/// Bob's bond for them: the base collateral ratio (50 %) at the neutral score.
pub const BOND: u128 = VALUE / 2;
/// The runtime's `AttestationFee`, shared by the members who agreed with the outcome.
pub const ATTESTATION_FEE: u128 = UNIT;
/// A dispute's deposit: `max(MinDisputeDeposit, 1 % of the value)`.
pub const DISPUTE_DEPOSIT: u128 = 10 * UNIT;
/// What backs each committee seat; a wrong report is slashed from it.
pub const SEAT_BOND: u128 = 10 * UNIT;
/// `WrongReportFraction` (50 %) of the seat bond, before any correlation penalty.
pub const WRONG_REPORT_SLASH: u128 = SEAT_BOND / 2;
/// Genesis stakes.
pub const CARRIER_STAKE: u128 = 10_000 * UNIT;
pub const ATTESTER_STAKE: u128 = 1_000 * UNIT;
/// Two hours late: 2 × LatePerHour (2 %) = 4 % of the bond, an isolated fault (no correlation
/// penalty). Compensation is capped at 4 % of the value, above it: all goes to the shipper.
pub const TWO_HOURS_LATE_SLASH: u128 = BOND * 4 / 100;
/// `ReporterShare` of a slash, after compensation, to whoever disputed.
pub const REPORTER_PERCENT: u128 = 10;

pub type Json = serde_json::Value;

pub fn keypair(uri: &str) -> anyhow::Result<Keypair> {
	Ok(Keypair::from_uri(&SecretUri::from_str(uri)?)?)
}

pub fn account(uri: &str) -> anyhow::Result<AccountId32> {
	Ok(keypair(uri)?.public_key().to_account_id())
}

pub fn none() -> Value {
	Value::unnamed_variant("None", [])
}

/// A report (or claim) that the cargo was delivered intact at `at_ms`.
pub fn delivered(at_ms: u128) -> Value {
	Value::named_variant(
		"Delivered",
		[
			("at", Value::u128(at_ms)),
			("max_excursion_centi_c_minutes", Value::u128(0)),
			("damage", Value::u128(0)),
		],
	)
}

/// A field of the first `pallet::variant` event in `events`.
pub fn event_field(
	events: &ExtrinsicEvents<PolkadotConfig>,
	pallet: &str,
	variant: &str,
	field: &str,
) -> Option<u128> {
	events
		.iter()
		.filter_map(Result::ok)
		.find(|e| e.pallet_name() == pallet && e.variant_name() == variant)
		.and_then(|e| e.field_values().ok())
		.and_then(|f| f.at(field).and_then(|v| v.as_u128()))
}

/// The fee shares an attester's profile (`surety_attester`) says are credited to it.
pub fn fees(profile: &Json) -> anyhow::Result<u128> {
	profile["fees"]
		.as_str()
		.and_then(|f| f.parse().ok())
		.ok_or_else(|| anyhow::anyhow!("no fees in {profile}"))
}

pub async fn submit(
	client: &OnlineClient<PolkadotConfig>,
	tx: &impl Payload,
	signer: &Keypair,
) -> anyhow::Result<(ExtrinsicEvents<PolkadotConfig>, H256)> {
	let finalized = client
		.tx()
		.sign_and_submit_then_watch_default(tx, signer)
		.await?
		.wait_for_finalized()
		.await?;
	Ok((finalized.wait_for_success().await?, finalized.block_hash()))
}

/// A running network, Alice's node's clients, and the time since it was started.
pub struct Chain {
	pub network: zombienet_sdk::Network<zombienet_sdk::LocalFileSystem>,
	pub raw: subxt::backend::rpc::RpcClient,
	pub client: OnlineClient<PolkadotConfig>,
	pub started: Instant,
}

impl Chain {
	pub async fn start() -> anyhow::Result<Self> {
		Self::up(Instant::now(), spawn_local_network().await?).await
	}

	/// The network on the raw chain spec `spec` (another runtime at genesis).
	pub async fn start_on(spec: &std::path::Path) -> anyhow::Result<Self> {
		Self::up(Instant::now(), spawn_network_with_spec(spec).await?).await
	}

	async fn up(
		started: Instant,
		network: zombienet_sdk::Network<zombienet_sdk::LocalFileSystem>,
	) -> anyhow::Result<Self> {
		network.wait_until_is_up(180).await?;
		let client = network.get_node("alice")?.wait_client().await?;
		let raw = network.get_node("alice")?.rpc().await?;
		Ok(Self { network, raw, client, started })
	}

	/// New clients of Alice's node, for the runtime it runs now (after an upgrade, transactions
	/// must carry the new spec version).
	pub async fn reconnect(&mut self) -> anyhow::Result<()> {
		let alice = self.network.get_node("alice")?;
		self.client = alice.wait_client().await?;
		self.raw = alice.rpc().await?;
		Ok(())
	}

	pub fn log(&self, what: impl std::fmt::Display) {
		println!("[{:6.1?}] {what}", self.started.elapsed());
	}

	/// Submits `tx` signed by `signer` and waits until it is finalized and succeeded; returns
	/// its events and its block.
	pub async fn submit(
		&self,
		tx: &impl Payload,
		signer: &Keypair,
	) -> anyhow::Result<(ExtrinsicEvents<PolkadotConfig>, H256)> {
		submit(&self.client, tx, signer).await
	}

	pub async fn order(&self, order: u128) -> anyhow::Result<Json> {
		Ok(self.raw.request("surety_order", rpc_params![order]).await?)
	}

	pub async fn carrier(&self, who: &AccountId32) -> anyhow::Result<Json> {
		Ok(self.raw.request("surety_carrier", rpc_params![who.to_string()]).await?)
	}

	pub async fn attester(&self, who: &AccountId32) -> anyhow::Result<Json> {
		Ok(self.raw.request("surety_attester", rpc_params![who.to_string()]).await?)
	}

	pub async fn pending_slashes(&self, who: &AccountId32) -> anyhow::Result<Vec<Json>> {
		let pending: Json =
			self.raw.request("surety_pendingSlashes", rpc_params![who.to_string()]).await?;
		Ok(pending.as_array().cloned().unwrap_or_default())
	}

	/// Waits until `order` reaches `stage` (at the best block); returns its view.
	pub async fn wait_for_stage(&self, order: u128, stage: &str) -> anyhow::Result<Json> {
		wait_until(
			&format!("order {order} to reach {stage}"),
			Duration::from_secs(120),
			|| async move { Ok(self.order(order).await?["status"]["stage"] == stage) },
		)
		.await?;
		self.order(order).await
	}

	/// Waits until finality has caught up with today's best block, so storage read at the
	/// latest finalized block shows everything the RPC (best block) has shown.
	pub async fn wait_for_finality(&self) -> anyhow::Result<()> {
		let node = self.network.get_node("alice")?;
		let (best, _) = best_and_finalized(node).await?;
		wait_until("finality to catch up", Duration::from_secs(60), || async move {
			Ok(best_and_finalized(node).await?.1 >= best)
		})
		.await
	}
}

/// An accepted order: Alice ships cargo worth 1,000 SURE, due a minute after creation, and Bob
/// bonds it.
pub struct Order {
	pub id: u128,
	pub deliver_by: u128,
	/// The bond Bob allocated (quoted by `surety_quoteBond` just before).
	pub bond: u128,
}

pub async fn accepted_order(chain: &Chain) -> anyhow::Result<Order> {
	let (id, deliver_by) = open_order(chain, 60_000).await?;
	let bond = accept(chain, id).await?;
	Ok(Order { id, deliver_by, bond })
}

/// Alice's order of cargo worth 1,000 SURE, due `deliver_in_ms` after creation, open to any
/// carrier for 100 blocks. Returns its id and `deliver_by`.
pub async fn open_order(chain: &Chain, deliver_in_ms: u128) -> anyhow::Result<(u128, u128)> {
	let client = &chain.client;
	wait_until("a first block", Duration::from_secs(120), || async move {
		Ok(storage_value(client, "Timestamp", "Now", vec![], None).await?.is_some())
	})
	.await?;
	let now_ms = storage_value(client, "Timestamp", "Now", vec![], None)
		.await?
		.and_then(|v| v.as_u128())
		.ok_or_else(|| anyhow::anyhow!("no timestamp"))?;
	let block = client.blocks().at_latest().await?.number() as u128;
	let deliver_by = now_ms + deliver_in_ms;
	let terms = Value::named_composite([
		("value", Value::u128(VALUE)),
		("payment", Value::u128(PAYMENT)),
		("carrier", none()),
		("accept_by", Value::u128(block + 100)),
		("deliver_by", Value::u128(deliver_by)),
		("grace", Value::u128(0)),
		("temperature", none()),
		("reference", none()),
	]);
	let (created, _) = chain
		.submit(
			&subxt::dynamic::tx("Fulfillment", "create_order", vec![terms]),
			&keypair("//Alice")?,
		)
		.await?;
	let id = event_field(&created, "Fulfillment", "OrderCreated", "order")
		.ok_or_else(|| anyhow::anyhow!("no OrderCreated event"))?;
	chain.log(format!("order {id} created"));
	Ok((id, deliver_by))
}

/// Bob accepts order `id`; returns the bond, which is what `surety_quoteBond` quoted.
pub async fn accept(chain: &Chain, id: u128) -> anyhow::Result<u128> {
	let bob = account("//Bob")?;
	let quote: String = chain
		.raw
		.request("surety_quoteBond", rpc_params![VALUE.to_string(), bob.to_string()])
		.await?;
	chain
		.submit(
			&subxt::dynamic::tx("Fulfillment", "accept_order", vec![Value::u128(id)]),
			&keypair("//Bob")?,
		)
		.await?;
	let view = chain.order(id).await?;
	assert_eq!(view["bond"], quote, "bonded as quoted: {view}");
	let bond = quote.parse()?;
	chain.log(format!("order {id} accepted by Bob, bond {bond}"));
	Ok(bond)
}

/// Every genesis attester reports `report` at once; those not on the current committee are
/// refused (`NotMember`). Returns the members whose reports were accepted, and the latest
/// block that included one of them.
pub async fn attest_all(
	chain: &Chain,
	order: u128,
	report: Value,
) -> anyhow::Result<(Vec<AccountId32>, H256)> {
	let mut reports = Vec::new();
	for uri in ATTESTERS {
		let signer = keypair(uri)?;
		let tx = subxt::dynamic::tx(
			"Attestation",
			"attest",
			vec![Value::u128(order), report.clone(), Value::from_bytes([0u8; 32])],
		);
		let client = chain.client.clone();
		reports.push(tokio::spawn(async move {
			let at = match submit(&client, &tx, &signer).await {
				Ok((_, hash)) => Some((client.blocks().at(hash).await?.number(), hash)),
				Err(_) => None,
			};
			anyhow::Ok((signer.public_key().to_account_id(), at))
		}));
	}
	let mut members = Vec::new();
	let mut latest = None;
	for report in reports {
		let (who, at) = report.await??;
		if let Some(at) = at {
			members.push(who);
			latest = latest.max(Some(at));
		}
	}
	let (_, latest) = latest.ok_or_else(|| anyhow::anyhow!("no member attested"))?;
	chain.log(format!("{} members attested: {}", members.len(), chain.order(order).await?));
	Ok((members, latest))
}
