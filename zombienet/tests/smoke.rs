//! Smoke test of the 4-validator local network: every node up, blocks produced and
//! finalized, the nodes connected to each other, no panics, and a balance transfer
//! submitted over RPC finalized with its event, and the `surety_*` RPC answering from the
//! genesis carriers.

use std::time::{Duration, Instant};

use subxt::{
	dynamic::Value,
	ext::{scale_value::At, subxt_rpcs::rpc_params},
	OnlineClient, PolkadotConfig,
};
use surety_zombienet_tests::{
	best_and_finalized, free_balance, panic_lines, rpc, spawn_local_network, subxt, subxt_signer,
	wait_until, VALIDATORS,
};

/// Blocks every node must have imported and finalized.
const MIN_BEST: u64 = 10;
const MIN_FINALIZED: u64 = 8;
/// Each node must see the three others.
const MIN_PEERS: u64 = 3;
/// What each genesis carrier stakes (10,000 SURE), as the RPC writes balances.
const CARRIER_STAKE: &str = "10000000000000000";

#[tokio::test(flavor = "multi_thread")]
#[ignore = "spawns a 4-validator network: run by scripts/test.sh"]
async fn four_validators_produce_finalize_and_transfer() -> anyhow::Result<()> {
	let started = Instant::now();
	let network = spawn_local_network().await?;
	network.wait_until_is_up(180).await?;
	println!("network up in {:.1?}", started.elapsed());

	for name in VALIDATORS {
		let node = network.get_node(name)?;
		wait_until(
			&format!("{name}: best >= {MIN_BEST} and finalized >= {MIN_FINALIZED}"),
			Duration::from_secs(300),
			|| async {
				let (best, finalized) = best_and_finalized(node).await?;
				Ok(best >= MIN_BEST && finalized >= MIN_FINALIZED)
			},
		)
		.await?;
		wait_until(&format!("{name}: {MIN_PEERS} peers"), Duration::from_secs(120), || async {
			Ok(rpc(node).await?.system_health().await?.peers as u64 >= MIN_PEERS)
		})
		.await?;
		let (best, finalized) = best_and_finalized(node).await?;
		println!("{name}: best {best}, finalized {finalized}");
	}
	println!("blocks and finality on all nodes after {:.1?}", started.elapsed());

	// A transfer from Alice to Ferdie, submitted to Bob's node over RPC.
	let client: OnlineClient<PolkadotConfig> = network.get_node("bob")?.wait_client().await?;
	let alice = subxt_signer::sr25519::dev::alice();
	let ferdie = subxt_signer::sr25519::dev::ferdie().public_key().to_account_id();
	let amount: u128 = 1_234_567_890_000;

	let before = free_balance(&client, &ferdie, None).await?;

	let transfer = subxt::dynamic::tx(
		"Balances",
		"transfer_keep_alive",
		vec![
			Value::unnamed_variant("Id", [Value::from_bytes(ferdie.clone())]),
			Value::u128(amount),
		],
	);
	let events = client
		.tx()
		.sign_and_submit_then_watch_default(&transfer, &alice)
		.await?
		.wait_for_finalized_success()
		.await?;
	let transferred = events
		.iter()
		.filter_map(Result::ok)
		.filter(|e| e.pallet_name() == "Balances" && e.variant_name() == "Transfer")
		.filter_map(|e| e.field_values().ok())
		.any(|fields| {
			let to = fields.at("to").map(|v| v.to_string());
			let value = fields.at("amount").and_then(|v| v.as_u128());
			value == Some(amount) && to.is_some()
		});
	assert!(transferred, "no Balances::Transfer event of {amount} in the finalized block");

	wait_until("Ferdie's balance to include the transfer", Duration::from_secs(60), || {
		let client = client.clone();
		let ferdie = ferdie.clone();
		async move { Ok(free_balance(&client, &ferdie, None).await? == before + amount) }
	})
	.await?;
	println!("transfer finalized after {:.1?}", started.elapsed());

	// The protocol's RPC, on another node: Bob and Charlie are carriers from genesis.
	let raw = network.get_node("charlie")?.rpc().await?;
	let bob = subxt_signer::sr25519::dev::bob().public_key().to_account_id().to_string();
	let profile: serde_json::Value =
		raw.request("surety_carrier", rpc_params![bob.clone()]).await?;
	assert_eq!(profile["stake"]["total"], CARRIER_STAKE, "Bob's stake: {profile}");
	assert_eq!(profile["openOrders"], 0);
	let quote: String =
		raw.request("surety_quoteBond", rpc_params!["1000000000000000", bob.clone()]).await?;
	assert!(quote.parse::<u128>()? > 0, "a bond quote: {quote}");
	let leverage: serde_json::Value = raw.request("surety_securityLeverage", rpc_params![]).await?;
	assert_eq!(leverage["carrierStake"], "20000000000000000", "{leverage}");
	let nobody: serde_json::Value = raw.request("surety_order", rpc_params![12_345]).await?;
	assert!(nobody.is_null());
	// Bad parameters are JSON-RPC errors, and the node carries on.
	let bad =
		raw.request::<serde_json::Value>("surety_carrier", rpc_params!["not-an-account"]).await;
	assert!(bad.is_err(), "an invalid account is refused");
	let bad = raw.request::<serde_json::Value>("surety_quoteBond", rpc_params!["-1", bob]).await;
	assert!(bad.is_err(), "a negative balance is refused");
	println!("surety_* RPC answered after {:.1?}", started.elapsed());

	for name in VALIDATORS {
		let panics = panic_lines(network.get_node(name)?).await?;
		assert!(panics.is_empty(), "{name} logged panics: {panics:#?}");
	}
	println!("smoke test passed in {:.1?}", started.elapsed());
	Ok(())
}
