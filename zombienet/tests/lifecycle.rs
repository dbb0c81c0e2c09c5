//! End-to-end on the 4-validator network, over RPC: Alice ships, Bob (a genesis carrier)
//! accepts, the drawn committee attests on-time delivery, the dispute window closes and the
//! order settles: payment at the carrier, bond free, members judged.

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

#[tokio::test(flavor = "multi_thread")]
#[ignore = "spawns a 4-validator network: run by scripts/test.sh"]
async fn an_order_is_bonded_attested_and_settled() -> anyhow::Result<()> {
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
	let terms = Value::named_composite([
		("value", Value::u128(1_000 * UNIT)),
		("payment", Value::u128(payment)),
		("carrier", none()),
		("accept_by", Value::u128(block + 100)),
		("deliver_by", Value::u128(now_ms + 60_000)),
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

	let accepted = client
		.tx()
		.sign_and_submit_then_watch_default(
			&subxt::dynamic::tx("Fulfillment", "accept_order", vec![Value::u128(order)]),
			&carrier,
		)
		.await?
		.wait_for_finalized_success()
		.await;
	accepted?;
	let profile: serde_json::Value =
		raw.request("surety_carrier", rpc_params![bob.clone()]).await?;
	assert_eq!(profile["openOrders"], 1, "{profile}");
	println!("accepted after {:.1?}", started.elapsed());

	// Every genesis attester reports on-time delivery at once; those not drawn are refused
	// (`NotMember`), the members' reports reach quorum.
	let delivered = Value::named_variant(
		"Delivered",
		[
			("at", Value::u128(now_ms + 30_000)),
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

	// The window closes (10 blocks) and the order settles.
	wait_until("the order to settle", Duration::from_secs(120), || {
		let raw = raw.clone();
		async move {
			let view: serde_json::Value = raw.request("surety_order", rpc_params![order]).await?;
			Ok(view["status"]["stage"] == "ended")
		}
	})
	.await?;
	let view: serde_json::Value = raw.request("surety_order", rpc_params![order]).await?;
	assert_eq!(view["status"]["end"], "deliveredOnTime", "{view}");
	assert_eq!(view["status"]["paidToCarrier"], payment.to_string(), "{view}");
	assert_eq!(view["status"]["slashScheduled"], "0", "{view}");
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
