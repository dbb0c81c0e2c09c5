//! A runtime upgrade on the live 4-validator network (issue 9, item 5): the network starts on
//! the previous release's runtime (spec 100, `runtimes/`), orders are left at every stage, and
//! Root sets the code of this build (spec 109) with `sudo(system.set_code)`. The first block
//! of 109 runs the migrations since 100 (order records gain value and bond; attester ledgers
//! gain the fee shares credited to them; candidate entries gain the seats drawn, and then the
//! judgements agreed, since their ledger was written); every order, bond, pending slash and attester profile
//! is the same on both sides of the upgrade, and they all finish under 109.

use std::time::Duration;

use subxt::{
	dynamic::Value,
	ext::subxt_rpcs::rpc_params,
	utils::{AccountId32, H256},
};
use surety_zombienet_tests::{
	best_and_finalized, export_local_raw_spec, export_local_raw_spec_with_code, free_balance,
	lifecycle::*, node_binary, panic_lines, previous_runtime, raw_spec_code, rpc, subxt,
	wait_until, VALIDATORS,
};
use zombienet_sdk::NetworkNode;

/// Where the v1 migration puts the new fields in a record: after the shipper (32 bytes) and
/// `Some(carrier)` (1 + 32 bytes).
const V1_FIELDS_AT: usize = 65;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "spawns a 4-validator network: run by scripts/test.sh"]
async fn a_runtime_upgrade_keeps_every_order_bond_and_pending_slash() -> anyhow::Result<()> {
	let node = node_binary()?;
	let this_runtime = raw_spec_code(&export_local_raw_spec(&node)?)?;
	let spec = export_local_raw_spec_with_code(&node, &previous_runtime()?, "runtime-100")?;
	let mut chain = Chain::start_on(&spec).await?;
	assert_eq!(
		spec_version(chain.network.get_node("alice")?, None).await?,
		100,
		"the network starts on runtime 100"
	);

	// On runtime 100: a late delivery, settled, its slash pending for the defer period; while
	// its dispute window runs, an order whose committee waits for reports and an open order.
	let late = accepted_order(&chain).await?;
	attest_all(&chain, late.id, delivered(late.deliver_by + 2 * HOUR_MS)).await?;
	let (attesting, attesting_due) = open_order(&chain, HOUR_MS).await?;
	let attesting_bond = accept(&chain, attesting).await?;
	let (open, _) = open_order(&chain, HOUR_MS).await?;
	let ended = chain.wait_for_stage(late.id, "ended").await?;
	assert_eq!(ended["status"]["end"], "deliveredWithFault", "{ended}");
	let bob = account("//Bob")?;
	let pending = chain.pending_slashes(&bob).await?;
	assert_eq!(pending.len(), 1, "{pending:?}");
	let due = pending[0]["due"].as_u64().ok_or_else(|| anyhow::anyhow!("no due: {pending:?}"))?;

	// Root sets this build's runtime.
	let set_code = Value::unnamed_variant(
		"System",
		[Value::named_variant("set_code", [("code", Value::from_bytes(&this_runtime))])],
	);
	let (_, set_in) = chain
		.submit(&subxt::dynamic::tx("Sudo", "sudo", vec![set_code]), &keypair("//Alice")?)
		.await?;
	let set_at = block_number(&chain, set_in).await?;
	chain.log(format!("set_code in block #{set_at}; the slash is due at #{due}"));
	assert!(set_at + 1 < due, "the upgrade comes while the slash is pending");

	// The last block of 100 and the first of 109, once both are finalized.
	let alice_node = chain.network.get_node("alice")?;
	wait_until("the first block of 109 to be finalized", Duration::from_secs(300), || async {
		Ok(best_and_finalized(alice_node).await?.1 > set_at)
	})
	.await?;
	let before = block_hash(&chain, set_at - 1).await?;
	let after = block_hash(&chain, set_at + 1).await?;
	assert_eq!(spec_version(alice_node, Some(before)).await?, 100);
	assert_eq!(spec_version(alice_node, Some(after)).await?, 109);
	for (pallet, version) in [("Fulfillment", 1), ("Attestation", 3)] {
		assert_eq!(
			(
				pallet_version(&chain, pallet, before).await?,
				pallet_version(&chain, pallet, after).await?
			),
			(0, version),
			"{pallet}'s storage version"
		);
	}

	// The migration rewrote the ended order's record and nothing else of what it shows.
	let v0 = order_record(&chain, late.id, before).await?.expect("recorded by 100");
	let v1 = order_record(&chain, late.id, after).await?.expect("kept by 109");
	let mut expected = v0.clone();
	expected.splice(V1_FIELDS_AT..V1_FIELDS_AT, [0u8; 32]);
	assert_eq!(v1, expected, "v1 = the v0 record with zero value and bond inserted");
	for order in [late.id, attesting, open] {
		assert_eq!(
			view(&chain, "surety_order", order, before).await?,
			view(&chain, "surety_order", order, after).await?
		);
	}
	assert_eq!(
		views(&chain, &bob, before).await?,
		views(&chain, &bob, after).await?,
		"Bob's stake, bonds and pending slash survive the upgrade"
	);
	// An attester's profile before (the node asks runtime 100 for `SuretyApi` 1's) and after.
	for uri in ATTESTERS {
		let who = account(uri)?.to_string();
		let profile_at =
			|at: H256| chain.raw.request::<Json>("surety_attester", rpc_params![who.clone(), at]);
		let (old, new) = (profile_at(before).await?, profile_at(after).await?);
		assert_eq!(old, new, "{uri}'s profile survives the upgrade");
		assert_eq!(fees(&new)?, 0, "nothing was owed under 100");
	}
	chain.log(format!(
		"block #{} runs 109: records and ledgers migrated, views unchanged",
		set_at + 1
	));

	// Under 109: the slash is applied when due, the bonded order settles and its fee is
	// credited to the members, the open one is accepted.
	chain.reconnect().await?;
	let alice_node = chain.network.get_node("alice")?;
	wait_until("the slash's due block to be finalized", Duration::from_secs(180), || async {
		Ok(best_and_finalized(alice_node).await?.1 >= due)
	})
	.await?;
	let (pre_due, at_due) = (block_hash(&chain, due - 1).await?, block_hash(&chain, due).await?);
	let alice = account("//Alice")?;
	let paid = free_balance(&chain.client, &alice, Some(at_due)).await?
		- free_balance(&chain.client, &alice, Some(pre_due)).await?;
	assert_eq!(paid, TWO_HOURS_LATE_SLASH, "the shipper is paid the slash");
	assert_eq!(
		stake_total(&chain, &bob, pre_due).await? - stake_total(&chain, &bob, at_due).await?,
		TWO_HOURS_LATE_SLASH
	);

	let (members, _) = attest_all(&chain, attesting, delivered(attesting_due - HOUR_MS)).await?;
	let settled = chain.wait_for_stage(attesting, "ended").await?;
	assert_eq!(settled["status"]["end"], "deliveredOnTime", "{settled}");
	assert_eq!(
		(settled["value"].as_str(), settled["bond"].as_str()),
		(Some(VALUE.to_string().as_str()), Some(attesting_bond.to_string().as_str())),
		"a record written by 109 keeps value and bond: {settled}"
	);
	let mut credited = 0;
	for member in &members {
		credited += fees(&chain.attester(member).await?)?;
	}
	assert_eq!(credited, ATTESTATION_FEE, "the fee is credited to the members");
	accept(&chain, open).await?;
	chain.wait_for_stage(open, "attesting").await?;

	for name in VALIDATORS {
		let node = chain.network.get_node(name)?;
		assert!(panic_lines(node).await?.is_empty(), "{name} panicked");
		assert_eq!(spec_version(node, None).await?, 109, "{name} runs 109");
	}
	chain.log("all four validators on 109; orders finished under it");
	Ok(())
}

/// The runtime a node runs at block `at` (its best block if `None`).
async fn spec_version(node: &NetworkNode, at: Option<H256>) -> anyhow::Result<u32> {
	Ok(rpc(node).await?.state_get_runtime_version(at).await?.spec_version)
}

async fn block_number(chain: &Chain, hash: H256) -> anyhow::Result<u64> {
	Ok(chain.client.blocks().at(hash).await?.number().into())
}

async fn block_hash(chain: &Chain, number: u64) -> anyhow::Result<H256> {
	rpc(chain.network.get_node("alice")?)
		.await?
		.chain_get_block_hash(Some(number.into()))
		.await?
		.ok_or_else(|| anyhow::anyhow!("no block #{number}"))
}

/// A `surety_*` view of one order at block `at`.
async fn view(chain: &Chain, method: &str, order: u128, at: H256) -> anyhow::Result<Json> {
	Ok(chain.raw.request(method, rpc_params![order, at]).await?)
}

/// A carrier's profile and pending slashes at block `at`.
async fn views(chain: &Chain, who: &AccountId32, at: H256) -> anyhow::Result<(Json, Json)> {
	Ok((
		chain.raw.request("surety_carrier", rpc_params![who.to_string(), at]).await?,
		chain.raw.request("surety_pendingSlashes", rpc_params![who.to_string(), at]).await?,
	))
}

async fn pallet_version(chain: &Chain, pallet: &str, at: H256) -> anyhow::Result<u16> {
	Ok(chain.client.storage().at(at).storage_version(pallet).await?)
}

/// An order's record as stored (SCALE bytes) at block `at`.
async fn order_record(chain: &Chain, order: u128, at: H256) -> anyhow::Result<Option<Vec<u8>>> {
	let key = chain.client.storage().address_bytes(&subxt::dynamic::storage(
		"Fulfillment",
		"OrderRecords",
		vec![Value::u128(order)],
	))?;
	Ok(chain.client.storage().at(at).fetch_raw(key).await?)
}

async fn stake_total(chain: &Chain, carrier: &AccountId32, at: H256) -> anyhow::Result<u128> {
	let profile: Json =
		chain.raw.request("surety_carrier", rpc_params![carrier.to_string(), at]).await?;
	let total = profile["stake"]["total"].as_str();
	total.ok_or_else(|| anyhow::anyhow!("no stake.total: {profile}"))?.parse().map_err(Into::into)
}
