//! End-to-end on the 4-validator network, over RPC: Alice ships, Bob (a genesis carrier)
//! accepts, the drawn committee attests, the dispute window closes and the order settles.
//!
//! 1. On time: payment at the carrier, bond free, the fee shared by the members.
//! 2. Two hours late: the slash is pending for the defer period, then applied, and the shipper
//!    is paid from it.
//! 3. A committee wrongly reports "on time"; the shipper disputes, a fresh committee reports
//!    the truth, the outcome is overturned and the first committee's members are slashed.
//! 4. A pending slash is cancelled by Root: the carrier's stake is restored exactly.

use std::{
	str::FromStr,
	time::{Duration, Instant},
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
use surety_zombienet_tests::{
	best_and_finalized, free_balance, spawn_local_network, storage_value, subxt, subxt_signer,
	wait_until,
};

/// The genesis attesters (`local_testnet` preset).
const ATTESTERS: [&str; 7] =
	["//Dave", "//Eve", "//Ferdie", "//One", "//Two", "//Eve//stash", "//Ferdie//stash"];
const UNIT: u128 = 1_000_000_000_000;
const HOUR_MS: u128 = 3_600_000;
/// Declared value of the test orders.
const VALUE: u128 = 1_000 * UNIT;
/// What the shipper pays the carrier.
const PAYMENT: u128 = 10 * UNIT;
/// Bob's bond for them: the base collateral ratio (50 %) at the neutral score.
const BOND: u128 = VALUE / 2;
/// The runtime's `AttestationFee`, shared by the members who agreed with the outcome.
const ATTESTATION_FEE: u128 = UNIT;
/// A dispute's deposit: `max(MinDisputeDeposit, 1 % of the value)`.
const DISPUTE_DEPOSIT: u128 = 10 * UNIT;
/// What backs each committee seat; a wrong report is slashed from it.
const SEAT_BOND: u128 = 10 * UNIT;
/// `WrongReportFraction` (50 %) of the seat bond, before any correlation penalty.
const WRONG_REPORT_SLASH: u128 = SEAT_BOND / 2;
/// Genesis stakes.
const CARRIER_STAKE: u128 = 10_000 * UNIT;
const ATTESTER_STAKE: u128 = 1_000 * UNIT;
/// Two hours late: 2 × LatePerHour (2 %) = 4 % of the bond, an isolated fault (no correlation
/// penalty). Compensation is capped at 4 % of the value, above it: all goes to the shipper.
const TWO_HOURS_LATE_SLASH: u128 = BOND * 4 / 100;
/// `ReporterShare` of a slash, after compensation, to whoever disputed.
const REPORTER_PERCENT: u128 = 10;

type Json = serde_json::Value;

fn keypair(uri: &str) -> anyhow::Result<Keypair> {
	Ok(Keypair::from_uri(&SecretUri::from_str(uri)?)?)
}

fn account(uri: &str) -> anyhow::Result<AccountId32> {
	Ok(keypair(uri)?.public_key().to_account_id())
}

fn none() -> Value {
	Value::unnamed_variant("None", [])
}

/// A report (or claim) that the cargo was delivered intact at `at_ms`.
fn delivered(at_ms: u128) -> Value {
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
fn event_field(
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

async fn submit(
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
struct Chain {
	network: zombienet_sdk::Network<zombienet_sdk::LocalFileSystem>,
	raw: subxt::backend::rpc::RpcClient,
	client: OnlineClient<PolkadotConfig>,
	started: Instant,
}

impl Chain {
	async fn start() -> anyhow::Result<Self> {
		let started = Instant::now();
		let network = spawn_local_network().await?;
		network.wait_until_is_up(180).await?;
		let client = network.get_node("alice")?.wait_client().await?;
		let raw = network.get_node("alice")?.rpc().await?;
		Ok(Self { network, raw, client, started })
	}

	fn log(&self, what: impl std::fmt::Display) {
		println!("[{:6.1?}] {what}", self.started.elapsed());
	}

	/// Submits `tx` signed by `signer` and waits until it is finalized and succeeded; returns
	/// its events and its block.
	async fn submit(
		&self,
		tx: &impl Payload,
		signer: &Keypair,
	) -> anyhow::Result<(ExtrinsicEvents<PolkadotConfig>, H256)> {
		submit(&self.client, tx, signer).await
	}

	async fn order(&self, order: u128) -> anyhow::Result<Json> {
		Ok(self.raw.request("surety_order", rpc_params![order]).await?)
	}

	async fn carrier(&self, who: &AccountId32) -> anyhow::Result<Json> {
		Ok(self.raw.request("surety_carrier", rpc_params![who.to_string()]).await?)
	}

	async fn attester(&self, who: &AccountId32) -> anyhow::Result<Json> {
		Ok(self.raw.request("surety_attester", rpc_params![who.to_string()]).await?)
	}

	async fn pending_slashes(&self, who: &AccountId32) -> anyhow::Result<Vec<Json>> {
		let pending: Json =
			self.raw.request("surety_pendingSlashes", rpc_params![who.to_string()]).await?;
		Ok(pending.as_array().cloned().unwrap_or_default())
	}

	/// Waits until `order` reaches `stage` (at the best block); returns its view.
	async fn wait_for_stage(&self, order: u128, stage: &str) -> anyhow::Result<Json> {
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
	async fn wait_for_finality(&self) -> anyhow::Result<()> {
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
struct Order {
	id: u128,
	deliver_by: u128,
}

async fn accepted_order(chain: &Chain) -> anyhow::Result<Order> {
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
	let deliver_by = now_ms + 60_000;
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

	chain
		.submit(
			&subxt::dynamic::tx("Fulfillment", "accept_order", vec![Value::u128(id)]),
			&keypair("//Bob")?,
		)
		.await?;
	let profile = chain.carrier(&account("//Bob")?).await?;
	assert_eq!(profile["openOrders"], 1, "{profile}");
	assert_eq!(profile["stake"]["allocated"], BOND.to_string(), "{profile}");
	chain.log(format!("order {id} accepted by Bob"));
	Ok(Order { id, deliver_by })
}

/// Every genesis attester reports `report` at once; those not on the current committee are
/// refused (`NotMember`). Returns the members whose reports were accepted, and the latest
/// block that included one of them.
async fn attest_all(
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

#[tokio::test(flavor = "multi_thread")]
#[ignore = "spawns a 4-validator network: run by scripts/test.sh"]
async fn an_order_is_bonded_attested_and_settled() -> anyhow::Result<()> {
	let chain = Chain::start().await?;
	let order = accepted_order(&chain).await?;
	let (members, attested_at) = attest_all(&chain, order.id, delivered(order.deliver_by)).await?;
	assert!(members.len() >= 2, "a quorum of the committee of 3 attested: {members:?}");
	let mut before = Vec::new();
	for member in &members {
		before.push(free_balance(&chain.client, member, Some(attested_at)).await?);
	}

	let view = chain.wait_for_stage(order.id, "ended").await?;
	assert_eq!(view["status"]["end"], "deliveredOnTime", "{view}");
	assert_eq!(view["status"]["paidToCarrier"], PAYMENT.to_string(), "{view}");
	assert_eq!(view["status"]["slashScheduled"], "0", "{view}");
	let profile = chain.carrier(&account("//Bob")?).await?;
	assert_eq!(profile["stake"]["allocated"], "0", "the bond is free: {profile}");
	assert_eq!(profile["settled"], 1, "{profile}");
	for member in &members {
		let attester = chain.attester(member).await?;
		assert_eq!((attester["judged"].clone(), attester["seats"].clone()), (1.into(), 0.into()));
	}

	// The fee is shared in equal parts (the remainder of the division to one of them), and
	// the members did nothing else since they attested.
	chain.wait_for_finality().await?;
	let mut received = Vec::new();
	for (member, before) in members.iter().zip(before) {
		received.push(free_balance(&chain.client, member, None).await? - before);
	}
	assert_eq!(received.iter().sum::<u128>(), ATTESTATION_FEE, "{received:?}");
	let share = ATTESTATION_FEE / members.len() as u128;
	assert!(received.iter().all(|r| *r >= share), "equal shares: {received:?}");
	chain.log(format!("order {} settled; fee shares {received:?}", order.id));
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "spawns a 4-validator network: run by scripts/test.sh"]
async fn a_late_delivery_is_slashed_after_the_defer_period_to_the_shipper() -> anyhow::Result<()> {
	let chain = Chain::start().await?;
	let order = accepted_order(&chain).await?;
	attest_all(&chain, order.id, delivered(order.deliver_by + 2 * HOUR_MS)).await?;
	let view = chain.wait_for_stage(order.id, "ended").await?;
	assert_eq!(view["status"]["end"], "deliveredWithFault", "{view}");
	assert_eq!(view["status"]["slashScheduled"], TWO_HOURS_LATE_SLASH.to_string(), "{view}");
	let bob = account("//Bob")?;
	let pending = chain.pending_slashes(&bob).await?;
	assert_eq!(pending.len(), 1, "{pending:?}");
	assert_eq!(pending[0]["amount"], TWO_HOURS_LATE_SLASH.to_string(), "{pending:?}");
	chain.log(format!("slash pending: {pending:?}"));

	chain.wait_for_finality().await?;
	let alice = account("//Alice")?;
	let before = free_balance(&chain.client, &alice, None).await?;
	// Applied after the defer period (10 blocks): the shipper is paid first.
	wait_until("the slash to apply", Duration::from_secs(120), || async {
		Ok(chain.pending_slashes(&bob).await?.is_empty())
	})
	.await?;
	chain.wait_for_finality().await?;
	let compensated = free_balance(&chain.client, &alice, None).await? - before;
	assert_eq!(compensated, TWO_HOURS_LATE_SLASH, "the shipper is compensated");
	let profile = chain.carrier(&bob).await?;
	assert_eq!(
		profile["stake"]["total"],
		(CARRIER_STAKE - TWO_HOURS_LATE_SLASH).to_string(),
		"the carrier lost the slash: {profile}"
	);
	chain.log(format!("shipper compensated {compensated}"));
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "spawns a 4-validator network: run by scripts/test.sh"]
async fn a_wrong_outcome_is_disputed_escalated_and_overturned() -> anyhow::Result<()> {
	let chain = Chain::start().await?;
	let order = accepted_order(&chain).await?;
	// The first committee says "on time"; the cargo was two hours late.
	let (wrong, _) = attest_all(&chain, order.id, delivered(order.deliver_by)).await?;
	let view = chain.wait_for_stage(order.id, "disputeWindow").await?;
	chain.log(format!("proposed: {view}"));

	let late = delivered(order.deliver_by + 2 * HOUR_MS);
	let dispute = subxt::dynamic::tx(
		"Disputes",
		"dispute",
		vec![Value::u128(order.id), late.clone(), Value::from_bytes([7u8; 32])],
	);
	let (disputed, disputed_at) = chain.submit(&dispute, &keypair("//Alice")?).await?;
	assert_eq!(event_field(&disputed, "Disputes", "Escalated", "order"), Some(order.id));
	let alice = account("//Alice")?;
	let alice_after_dispute = free_balance(&chain.client, &alice, Some(disputed_at)).await?;
	let view = chain.order(order.id).await?;
	assert_eq!(view["status"]["stage"], "reattesting", "{view}");
	chain.log("disputed by Alice; escalated to a fresh committee");

	// The fresh committee (the four attesters not in the first one) reports the truth.
	let (right, _) = attest_all(&chain, order.id, late).await?;
	assert!(right.len() >= 3, "a quorum of the escalated committee of 4: {right:?}");
	assert!(right.iter().all(|r| !wrong.contains(r)), "a fresh committee: {wrong:?} {right:?}");

	let view = chain.wait_for_stage(order.id, "ended").await?;
	assert_eq!(view["status"]["end"], "deliveredWithFault", "overturned: {view}");
	assert_eq!(view["status"]["slashScheduled"], TWO_HOURS_LATE_SLASH.to_string(), "{view}");
	let mut wrong_slashes = Vec::new();
	for member in &wrong {
		let pending = chain.pending_slashes(member).await?;
		assert_eq!(pending.len(), 1, "{member}: {pending:?}");
		assert_eq!(pending[0]["kind"], "attester", "{pending:?}");
		let amount: u128 = pending[0]["amount"].as_str().unwrap_or_default().parse()?;
		// Three members failing together pay more than an isolated fault, never above the seat.
		assert!((WRONG_REPORT_SLASH..=SEAT_BOND).contains(&amount), "{member}: {amount}");
		wrong_slashes.push(amount);
		let profile = chain.attester(member).await?;
		assert_eq!((profile["judged"].clone(), profile["faults"].clone()), (1.into(), 1.into()));
	}
	for member in &right {
		let profile = chain.attester(member).await?;
		assert_eq!((profile["judged"].clone(), profile["faults"].clone()), (1.into(), 0.into()));
	}
	chain.log(format!("overturned; wrong members' slashes pending: {wrong_slashes:?}"));

	let bob = account("//Bob")?;
	wait_until("every slash to apply", Duration::from_secs(120), || async {
		for who in wrong.iter().chain([&bob]) {
			if !chain.pending_slashes(who).await?.is_empty() {
				return Ok(false);
			}
		}
		Ok(true)
	})
	.await?;
	chain.wait_for_finality().await?;
	for (member, slashed) in wrong.iter().zip(&wrong_slashes) {
		let profile = chain.attester(member).await?;
		assert_eq!(profile["stake"]["total"], (ATTESTER_STAKE - slashed).to_string(), "{profile}");
	}
	// Alice: her deposit back, the carrier's slash as compensation, and as the reporter of
	// the wrong members a share of each of their slashes (nothing else moved her balance).
	let reporter_shares: u128 = wrong_slashes.iter().map(|s| s * REPORTER_PERCENT / 100).sum();
	let received = free_balance(&chain.client, &alice, None).await? - alice_after_dispute;
	assert_eq!(received, DISPUTE_DEPOSIT + TWO_HOURS_LATE_SLASH + reporter_shares);
	chain.log(format!(
		"slashes applied; Alice received {received} (deposit, compensation, reporter shares)"
	));
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "spawns a 4-validator network: run by scripts/test.sh"]
async fn a_pending_slash_vetoed_by_root_restores_the_stake() -> anyhow::Result<()> {
	let chain = Chain::start().await?;
	let order = accepted_order(&chain).await?;
	attest_all(&chain, order.id, delivered(order.deliver_by + 2 * HOUR_MS)).await?;
	chain.wait_for_stage(order.id, "ended").await?;
	let bob = account("//Bob")?;
	let pending = chain.pending_slashes(&bob).await?;
	assert_eq!(pending.len(), 1, "{pending:?}");
	let id = pending[0]["id"].as_u64().ok_or_else(|| anyhow::anyhow!("no id: {pending:?}"))?;
	let due = pending[0]["due"].as_u64().ok_or_else(|| anyhow::anyhow!("no due: {pending:?}"))?;
	let profile = chain.carrier(&bob).await?;
	assert_eq!(profile["stake"]["reserved"], TWO_HOURS_LATE_SLASH.to_string(), "{profile}");

	// Root (Alice holds the sudo key on test networks) cancels it before it is due.
	let cancel = Value::unnamed_variant(
		"Slashing",
		[Value::named_variant("cancel_slash", [("id", Value::u128(id.into()))])],
	);
	let (vetoed, vetoed_at) = chain
		.submit(&subxt::dynamic::tx("Sudo", "sudo", vec![cancel]), &keypair("//Alice")?)
		.await?;
	assert_eq!(event_field(&vetoed, "Slashing", "SlashCancelled", "id"), Some(id.into()));
	let alice = account("//Alice")?;
	let alice_after_veto = free_balance(&chain.client, &alice, Some(vetoed_at)).await?;
	chain.log(format!("slash {id} (due at block {due}) cancelled by Root"));

	// Past the block it was due in: nothing taken, nothing paid.
	let node = chain.network.get_node("alice")?;
	wait_until("the slash's due block to be finalized", Duration::from_secs(120), || async {
		Ok(best_and_finalized(node).await?.1 > due)
	})
	.await?;
	assert!(chain.pending_slashes(&bob).await?.is_empty());
	let profile = chain.carrier(&bob).await?;
	assert_eq!(profile["stake"]["total"], CARRIER_STAKE.to_string(), "restored: {profile}");
	assert_eq!(profile["stake"]["reserved"], "0", "{profile}");
	assert_eq!(profile["stake"]["allocated"], "0", "{profile}");
	assert_eq!(free_balance(&chain.client, &alice, None).await?, alice_after_veto);
	chain.log(format!("past block {due}: Bob's stake intact at {CARRIER_STAKE}"));
	Ok(())
}
