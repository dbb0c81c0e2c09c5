//! End-to-end on the 4-validator network, over RPC: Alice ships, Bob (a genesis carrier)
//! accepts, the drawn committee attests, the dispute window closes and the order settles.
//!
//! 1. On time: payment at the carrier, bond free, the fee credited to the members, who claim it.
//! 2. Two hours late: the slash is pending for the defer period, then applied, and the shipper
//!    is paid from it.
//! 3. A committee wrongly reports "on time"; the shipper disputes, a fresh committee reports
//!    the truth, the outcome is overturned and the first committee's members are slashed.
//! 4. A pending slash is cancelled by Root: the carrier's stake is restored exactly.

use std::time::Duration;

use subxt::dynamic::Value;
use surety_zombienet_tests::{best_and_finalized, free_balance, lifecycle::*, subxt, wait_until};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "spawns a 4-validator network: run by scripts/test.sh"]
async fn an_order_is_bonded_attested_and_settled() -> anyhow::Result<()> {
	let chain = Chain::start().await?;
	let order = accepted_order(&chain).await?;
	let (members, _) = attest_all(&chain, order.id, delivered(order.deliver_by)).await?;
	assert!(members.len() >= 2, "a quorum of the committee of 3 attested: {members:?}");

	let view = chain.wait_for_stage(order.id, "ended").await?;
	assert_eq!(view["status"]["end"], "deliveredOnTime", "{view}");
	assert_eq!(view["status"]["paidToCarrier"], PAYMENT.to_string(), "{view}");
	assert_eq!(view["status"]["slashScheduled"], "0", "{view}");
	let profile = chain.carrier(&account("//Bob")?).await?;
	assert_eq!(order.bond, BOND, "a new carrier's bond: 50 % of the value");
	assert_eq!(profile["stake"]["allocated"], "0", "the bond is free: {profile}");
	assert_eq!(profile["settled"], 1, "{profile}");
	for member in &members {
		let attester = chain.attester(member).await?;
		assert_eq!((attester["judged"].clone(), attester["seats"].clone()), (1.into(), 0.into()));
	}

	// The fee is credited to the members' ledgers in equal parts (the remainder of the
	// division to one of them); a member claims its share with `claim_fees`.
	let mut credited = Vec::new();
	for member in &members {
		credited.push(fees(&chain.attester(member).await?)?);
	}
	assert_eq!(credited.iter().sum::<u128>(), ATTESTATION_FEE, "{credited:?}");
	let share = ATTESTATION_FEE / members.len() as u128;
	assert!(credited.iter().all(|c| *c >= share), "equal shares: {credited:?}");
	let uri = ATTESTERS
		.into_iter()
		.find(|uri| account(uri).is_ok_and(|a| a == members[0]))
		.ok_or_else(|| anyhow::anyhow!("{} is not a genesis attester", members[0]))?;
	let claim = subxt::dynamic::tx("Attestation", "claim_fees", Vec::<Value>::new());
	let (events, _) = chain.submit(&claim, &keypair(uri)?).await?;
	assert_eq!(event_field(&events, "Attestation", "FeesClaimed", "amount"), Some(credited[0]));
	assert_eq!(fees(&chain.attester(&members[0]).await?)?, 0, "claimed once");
	chain.log(format!("order {} settled; fee shares {credited:?}, {uri} claimed", order.id));
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
