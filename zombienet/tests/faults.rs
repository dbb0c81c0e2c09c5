//! Validator faults on the 4-validator network (issue 9, items 3 and 4): with one validator
//! stopped, blocks and finality go on and an order in flight settles; restarted on its own
//! database, the validator resumes from where it stopped, catches up and serves the same
//! orders and bonds as the others.

use std::time::Duration;

use subxt::ext::subxt_rpcs::rpc_params;
use surety_zombienet_tests::{best_and_finalized, lifecycle::*, rpc, subxt, wait_until};

/// Blocks finalized while a validator is down: GRANDPA needs more than two thirds of the four
/// votes, so three suffice.
const FINALIZED_WHILE_DOWN: u64 = 5;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "spawns a 4-validator network: run by scripts/test.sh"]
async fn an_order_settles_while_a_validator_is_down_and_it_catches_up_on_restart(
) -> anyhow::Result<()> {
	let chain = Chain::start().await?;
	let order = accepted_order(&chain).await?;
	let alice = chain.network.get_node("alice")?;
	let dave = chain.network.get_node("dave")?;
	let (_, dave_finalized_before) = best_and_finalized(dave).await?;

	// Dave stops (SIGSTOP: his process is frozen, his peers time out on him).
	dave.pause().await?;
	let (_, finalized_at_pause) = best_and_finalized(alice).await?;
	chain.log(format!("dave stopped at finalized #{finalized_at_pause}"));

	// The order goes through attestation, its dispute window and settlement without him.
	attest_all(&chain, order.id, delivered(order.deliver_by)).await?;
	let view = chain.wait_for_stage(order.id, "ended").await?;
	assert_eq!(view["status"]["end"], "deliveredOnTime", "{view}");
	wait_until("finality to go on without dave", Duration::from_secs(120), || async {
		Ok(best_and_finalized(alice).await?.1 >= finalized_at_pause + FINALIZED_WHILE_DOWN)
	})
	.await?;
	let (best_down, finalized_down) = best_and_finalized(alice).await?;
	chain.log(format!(
		"order {} settled with dave down; best #{best_down}, finalized #{finalized_down}",
		order.id
	));

	// A second order is bonded while he is down, and stays bonded across his restart.
	let bonded = accepted_order(&chain).await?;

	// Dave is killed and started again on the same database.
	dave.resume().await?;
	dave.restart(None).await?;
	wait_until("dave to answer RPC again", Duration::from_secs(120), || async {
		Ok(best_and_finalized(dave).await.is_ok())
	})
	.await?;
	let (_, dave_finalized_at_start) = best_and_finalized(dave).await?;
	assert!(
		dave_finalized_at_start >= dave_finalized_before,
		"dave restarted from his database (finalized #{dave_finalized_at_start}), not from genesis"
	);
	let (_, target) = best_and_finalized(alice).await?;
	wait_until("dave to catch up", Duration::from_secs(180), || async {
		Ok(best_and_finalized(dave).await?.1 >= target)
	})
	.await?;
	chain.log(format!(
		"dave restarted at finalized #{dave_finalized_at_start}, caught up to #{target}"
	));

	// Both nodes read the same state at the same finalized block: the settled order, the
	// bonded one, Bob's bond.
	let dave_rpc = dave.rpc().await?;
	let at = format!("{:?}", rpc(dave).await?.chain_get_finalized_head().await?);
	for (method, param) in [
		("surety_order", serde_json::json!(order.id)),
		("surety_order", serde_json::json!(bonded.id)),
		("surety_carrier", serde_json::json!(account("//Bob")?.to_string())),
	] {
		let on_dave: serde_json::Value =
			dave_rpc.request(method, rpc_params![param.clone(), at.clone()]).await?;
		let on_alice: serde_json::Value =
			chain.raw.request(method, rpc_params![param.clone(), at.clone()]).await?;
		assert_eq!(on_dave, on_alice, "{method}({param}) at {at}");
		assert!(!on_dave.is_null(), "{method}({param})");
	}
	let bonded_view = chain.order(bonded.id).await?;
	assert_eq!(bonded_view["bond"], bonded.bond.to_string(), "still bonded: {bonded_view}");

	// And the network finalizes with all four again.
	let (_, finalized) = best_and_finalized(dave).await?;
	wait_until("finality with dave back", Duration::from_secs(60), || async {
		Ok(best_and_finalized(dave).await?.1 >= finalized + 3)
	})
	.await?;
	chain.log("dave follows finality again");
	Ok(())
}
