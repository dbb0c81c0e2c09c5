//! End-to-end on the 4-validator network, over RPC: Alice ships, Bob (a genesis carrier)
//! accepts, the drawn committee attests, the dispute window closes and the order settles.
//! On time: payment at the carrier, bond free, members judged. Two hours late: the slash is
//! pending for the defer period, then applied, and the shipper is paid from it.

use std::{
	str::FromStr,
	time::{Duration, Instant},
};

use subxt::{
	dynamic::Value,
	ext::{scale_value::At, subxt_rpcs::rpc_params},
	OnlineClient, PolkadotConfig,
};
use subxt_signer::{sr25519::Keypair, SecretUri};
use surety_zombienet_tests::{spawn_local_network, subxt, subxt_signer, wait_until};

/// The genesis attesters (`local_testnet` preset).
const ATTESTERS: [&str; 7] =
	["//Dave", "//Eve", "//Ferdie", "//One", "//Two", "//Eve//stash", "//Ferdie//stash"];
const UNIT: u128 = 1_000_000_000_000;
/// Declared value of the test orders.
const VALUE: u128 = 1_000 * UNIT;
/// Bob's bond for them: the base collateral ratio (50 %) at the neutral score.
const BOND: u128 = VALUE / 2;

fn keypair(uri: &str) -> anyhow::Result<Keypair> {
	Ok(Keypair::from_uri(&SecretUri::from_str(uri)?)?)
}

fn none() -> Value {
	Value::unnamed_variant("None", [])
}

async fn storage_value(
	client: &OnlineClient<PolkadotConfig>,
	pallet: &str,
	item: &str,
	keys: Vec<Value>,
) -> anyhow::Result<Option<subxt::ext::scale_value::Value<u32>>> {
	let storage = client.storage().at_latest().await?;
	Ok(match storage.fetch(&subxt::dynamic::storage(pallet, item, keys)).await? {
		Some(value) => Some(value.to_value()?),
		None => None,
	})
}

/// A running network with an order created by Alice, accepted by Bob, and attested by its
/// committee as delivered at `reported_late_ms` past `deliver_by`.
struct Attested {
	_network: zombienet_sdk::Network<zombienet_sdk::LocalFileSystem>,
	raw: subxt::backend::rpc::RpcClient,
	client: OnlineClient<PolkadotConfig>,
	order: u128,
	payment: u128,
	members: Vec<String>,
	started: Instant,
}

async fn attested_order(reported_late_ms: u128) -> anyhow::Result<Attested> {
	let started = Instant::now();
	let network = spawn_local_network().await?;
	network.wait_until_is_up(180).await?;
	let client: OnlineClient<PolkadotConfig> = network.get_node("alice")?.wait_client().await?;
	let raw = network.get_node("alice")?.rpc().await?;
	let shipper = keypair("//Alice")?;
	let carrier = keypair("//Bob")?;
	let bob = carrier.public_key().to_account_id().to_string();

	// Alice ships cargo worth 1,000 SURE, due in a minute (once blocks carry a time).
	wait_until("a first block", Duration::from_secs(120), || {
		let client = client.clone();
		async move { Ok(storage_value(&client, "Timestamp", "Now", vec![]).await?.is_some()) }
	})
	.await?;
	let now_ms = storage_value(&client, "Timestamp", "Now", vec![])
		.await?
		.and_then(|v| v.as_u128())
		.ok_or_else(|| anyhow::anyhow!("no timestamp"))?;
	let block = client.blocks().at_latest().await?.number() as u128;
	let payment = 10 * UNIT;
	let deliver_by = now_ms + 60_000;
	let terms = Value::named_composite([
		("value", Value::u128(VALUE)),
		("payment", Value::u128(payment)),
		("carrier", none()),
		("accept_by", Value::u128(block + 100)),
		("deliver_by", Value::u128(deliver_by)),
		("grace", Value::u128(0)),
		("temperature", none()),
		("reference", none()),
	]);
	let created = client
		.tx()
		.sign_and_submit_then_watch_default(
			&subxt::dynamic::tx("Fulfillment", "create_order", vec![terms]),
			&shipper,
		)
		.await?
		.wait_for_finalized_success()
		.await?;
	let order = created
		.iter()
		.filter_map(Result::ok)
		.find(|e| e.pallet_name() == "Fulfillment" && e.variant_name() == "OrderCreated")
		.and_then(|e| e.field_values().ok())
		.and_then(|f| f.at("order").and_then(|o| o.as_u128()))
		.ok_or_else(|| anyhow::anyhow!("no OrderCreated event"))?;
	println!("order {order} created after {:.1?}", started.elapsed());

	client
		.tx()
		.sign_and_submit_then_watch_default(
			&subxt::dynamic::tx("Fulfillment", "accept_order", vec![Value::u128(order)]),
			&carrier,
		)
		.await?
		.wait_for_finalized_success()
		.await?;
	let profile: serde_json::Value = raw.request("surety_carrier", rpc_params![bob]).await?;
	assert_eq!(profile["openOrders"], 1, "{profile}");
	assert_eq!(profile["stake"]["allocated"], BOND.to_string(), "{profile}");
	println!("accepted after {:.1?}", started.elapsed());

	// Every genesis attester reports at once; those not drawn are refused (`NotMember`), the
	// members' reports reach quorum.
	let delivered = Value::named_variant(
		"Delivered",
		[
			("at", Value::u128(deliver_by + reported_late_ms)),
			("max_excursion_centi_c_minutes", Value::u128(0)),
			("damage", Value::u128(0)),
		],
	);
	let mut reports = Vec::new();
	for uri in ATTESTERS {
		let signer = keypair(uri)?;
		let tx = subxt::dynamic::tx(
			"Attestation",
			"attest",
			vec![Value::u128(order), delivered.clone(), Value::from_bytes([0u8; 32])],
		);
		let client = client.clone();
		reports.push(tokio::spawn(async move {
			let progress = client.tx().sign_and_submit_then_watch_default(&tx, &signer).await?;
			let result = progress.wait_for_finalized_success().await;
			anyhow::Ok((signer.public_key().to_account_id().to_string(), result.is_ok()))
		}));
	}
	let mut members = Vec::new();
	for report in reports {
		let (who, ok) = report.await??;
		if ok {
			members.push(who);
		}
	}
	assert!(members.len() >= 2, "a quorum of the committee of 3 attested: {members:?}");
	let status: serde_json::Value = raw.request("surety_order", rpc_params![order]).await?;
	println!("{} members attested after {:.1?}: {status}", members.len(), started.elapsed());
	Ok(Attested { _network: network, raw, client, order, payment, members, started })
}

/// Waits until the dispute window has closed and `order` is settled; returns its view.
async fn settled(
	raw: &subxt::backend::rpc::RpcClient,
	order: u128,
) -> anyhow::Result<serde_json::Value> {
	wait_until("the order to settle", Duration::from_secs(120), || {
		let raw = raw.clone();
		async move {
			let view: serde_json::Value = raw.request("surety_order", rpc_params![order]).await?;
			Ok(view["status"]["stage"] == "ended")
		}
	})
	.await?;
	Ok(raw.request("surety_order", rpc_params![order]).await?)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "spawns a 4-validator network: run by scripts/test.sh"]
async fn an_order_is_bonded_attested_and_settled() -> anyhow::Result<()> {
	let Attested { raw, order, payment, members, started, .. } = attested_order(0).await?;
	let view = settled(&raw, order).await?;
	assert_eq!(view["status"]["end"], "deliveredOnTime", "{view}");
	assert_eq!(view["status"]["paidToCarrier"], payment.to_string(), "{view}");
	assert_eq!(view["status"]["slashScheduled"], "0", "{view}");
	let bob = keypair("//Bob")?.public_key().to_account_id().to_string();
	let profile: serde_json::Value = raw.request("surety_carrier", rpc_params![bob]).await?;
	assert_eq!(profile["stake"]["allocated"], "0", "the bond is free: {profile}");
	assert_eq!(profile["settled"], 1, "{profile}");
	for member in &members {
		let attester: serde_json::Value =
			raw.request("surety_attester", rpc_params![member.clone()]).await?;
		assert_eq!((attester["judged"].clone(), attester["seats"].clone()), (1.into(), 0.into()));
	}
	println!("order {order} settled after {:.1?}", started.elapsed());
	Ok(())
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "spawns a 4-validator network: run by scripts/test.sh"]
async fn a_late_delivery_is_slashed_after_the_defer_period_to_the_shipper() -> anyhow::Result<()> {
	// Two hours late: 2 × LatePerHour (2 %) = 4 % of the bond; an isolated fault, so no
	// correlation penalty. Compensation is capped at 4 % of the value, above the slash.
	let Attested { raw, client, order, started, .. } = attested_order(2 * 3_600_000).await?;
	let view = settled(&raw, order).await?;
	let expected_slash = BOND * 4 / 100;
	assert_eq!(view["status"]["end"], "deliveredWithFault", "{view}");
	assert_eq!(view["status"]["slashScheduled"], expected_slash.to_string(), "{view}");
	let bob = keypair("//Bob")?.public_key().to_account_id().to_string();
	let pending: serde_json::Value =
		raw.request("surety_pendingSlashes", rpc_params![bob.clone()]).await?;
	assert_eq!(pending[0]["amount"], expected_slash.to_string(), "{pending}");
	println!("slash pending after {:.1?}: {pending}", started.elapsed());

	let alice = keypair("//Alice")?.public_key().to_account_id();
	let free = |client: OnlineClient<PolkadotConfig>| {
		let alice = alice.clone();
		async move {
			let account =
				storage_value(&client, "System", "Account", vec![Value::from_bytes(alice)])
					.await?
					.ok_or_else(|| anyhow::anyhow!("Alice has no account"))?;
			account
				.at("data")
				.and_then(|d| d.at("free"))
				.and_then(|f| f.as_u128())
				.ok_or_else(|| anyhow::anyhow!("no data.free"))
		}
	};
	let before = free(client.clone()).await?;
	// Applied after the defer period (10 blocks): the shipper is paid first. (Storage is read
	// at the finalized block, the RPC at the best one.)
	wait_until("the slash to apply", Duration::from_secs(120), || {
		let raw = raw.clone();
		let bob = bob.clone();
		let client = client.clone();
		async move {
			let pending: serde_json::Value =
				raw.request("surety_pendingSlashes", rpc_params![bob]).await?;
			let applied = pending.as_array().is_some_and(|p| p.is_empty());
			Ok(applied && free(client).await? != before)
		}
	})
	.await?;
	assert_eq!(free(client.clone()).await? - before, expected_slash, "the shipper is compensated");
	let profile: serde_json::Value = raw.request("surety_carrier", rpc_params![bob]).await?;
	assert_eq!(
		profile["stake"]["total"],
		(10_000 * UNIT - expected_slash).to_string(),
		"the carrier lost the slash: {profile}"
	);
	println!("shipper compensated {expected_slash} after {:.1?}", started.elapsed());
	Ok(())
}
