//! The walk-through of docs/shippers.md, with the `surety` binary, on the 4-validator network:
//! quote, create an order, accept it, find the committee, attest (one member on its own, the
//! others signing their reports for the shipper to submit together), watch it settle; book an
//! order on a carrier's standing offer; then what a refused call prints.

use std::{
	process::Command,
	time::{Duration, Instant},
};

use surety_cli::keypair_from_suri;
use surety_zombienet_tests::{best_and_finalized, spawn_local_network, wait_until};

/// The genesis attesters (`local_testnet` preset).
const ATTESTERS: [&str; 7] =
	["//Dave", "//Eve", "//Ferdie", "//One", "//Two", "//Eve//stash", "//Ferdie//stash"];
const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
const CHARLIE: &str = "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y";
const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

struct Run {
	ok: bool,
	stdout: String,
	stderr: String,
}

fn surety(url: &str, args: &[&str]) -> anyhow::Result<Run> {
	let output =
		Command::new(env!("CARGO_BIN_EXE_surety")).arg("--url").arg(url).args(args).output()?;
	let run = Run {
		ok: output.status.success(),
		stdout: String::from_utf8(output.stdout)?,
		stderr: String::from_utf8(output.stderr)?,
	};
	println!("$ surety {}\n{}{}", args.join(" "), run.stdout, run.stderr);
	Ok(run)
}

fn succeeds(url: &str, args: &[&str]) -> anyhow::Result<String> {
	let run = surety(url, args)?;
	anyhow::ensure!(run.ok, "surety {args:?} failed: {}", run.stderr);
	Ok(run.stdout)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "spawns a 4-validator network: run by scripts/test.sh"]
async fn a_shipper_gets_an_order_settled_with_the_cli() -> anyhow::Result<()> {
	let started = Instant::now();
	let network = spawn_local_network().await?;
	network.wait_until_is_up(180).await?;
	let alice = network.get_node("alice")?;
	// Finalized blocks that carry a time, so a deadline can be set from the chain's clock.
	wait_until("a finalized block", Duration::from_secs(120), || async {
		Ok(best_and_finalized(alice).await?.1 >= 1)
	})
	.await?;
	let url = alice.ws_uri().to_owned();

	assert_eq!(succeeds(&url, &["quote", "--value", "1000", "--carrier", BOB])?.trim(), "500 SURE");
	let carrier: serde_json::Value = serde_json::from_str(&succeeds(&url, &["carrier", BOB])?)?;
	assert_eq!(carrier["openOrders"], 0, "{carrier}");

	// Alice ships 1,000 SURE of cargo for 10, due in two minutes.
	let create = [
		"create-order",
		"--suri",
		"//Alice",
		"--value",
		"1000",
		"--payment",
		"10",
		"--deliver-in",
		"2m",
	];
	let created = succeeds(&url, &create)?;
	let order = created
		.strip_prefix("order ")
		.and_then(|rest| rest.split_whitespace().next())
		.ok_or_else(|| anyhow::anyhow!("no order id in {created:?}"))?
		.to_owned();
	assert!(created.contains("Fulfillment::OrderCreated"), "{created}");

	let accepted = succeeds(&url, &["accept", "--suri", "//Bob", &order])?;
	assert!(accepted.contains("Attestation::CommitteeDrawn"), "{accepted}");
	let committee: serde_json::Value =
		serde_json::from_str(&succeeds(&url, &["committee", &order])?)?;
	let members: Vec<String> = committee["members"]
		.as_array()
		.map(|m| m.iter().filter_map(|m| m["attester"].as_str().map(str::to_owned)).collect())
		.unwrap_or_default();
	assert_eq!(members.len(), 3, "{committee}");

	// The first member reports on its own; the others sign their reports, and the shipper
	// submits those together in one transaction.
	let mut signed = Vec::new();
	for uri in ATTESTERS {
		let account = keypair_from_suri(uri)?.public_key().to_account_id().to_string();
		if !members.contains(&account) {
			continue;
		}
		if members.first() == Some(&account) {
			let attested = succeeds(&url, &["attest", "--suri", uri, &order, "--on-time"])?;
			assert!(attested.contains("Attestation::Attested"), "{attested}");
		} else {
			signed.push(
				succeeds(&url, &["sign-report", "--suri", uri, &order, "--on-time"])?
					.trim()
					.to_owned(),
			);
		}
	}
	assert_eq!(signed.len(), 2);
	let mut args = vec!["attest-signed", "--suri", "//Alice", &order];
	args.extend(signed.iter().map(String::as_str));
	let submitted = succeeds(&url, &args)?;
	assert_eq!(submitted.matches("Attestation::Attested").count(), 2, "{submitted}");
	assert!(submitted.contains("Attestation::OutcomeProposed"), "{submitted}");

	let watched = surety(&url, &["watch", &order, "--timeout", "5m"])?;
	assert!(watched.ok, "{}", watched.stderr);
	assert!(watched.stdout.starts_with(&format!("order {order} ended: deliveredOnTime")));
	assert!(watched.stderr.contains("disputeWindow"), "progress is shown: {}", watched.stderr);

	// Each member who reported the outcome was credited a share of the fee, and claims it.
	let (uri, member) = ATTESTERS
		.iter()
		.map(|uri| (*uri, keypair_from_suri(uri).map(|k| k.public_key().to_account_id())))
		.find_map(|(uri, a)| a.ok().filter(|a| members.contains(&a.to_string())).map(|a| (uri, a)))
		.expect("a member is a genesis attester");
	let profile: serde_json::Value =
		serde_json::from_str(&succeeds(&url, &["attester", &member.to_string()])?)?;
	assert_ne!(profile["fees"], "0", "a share is credited: {profile}");
	let claimed = succeeds(&url, &["claim-fees", "--suri", uri])?;
	assert!(claimed.contains("Attestation::FeesClaimed"), "{claimed}");
	let none = surety(&url, &["claim-fees", "--suri", uri])?;
	assert!(!none.ok && none.stderr.contains("Attestation::NoFeesToClaim"), "{}", none.stderr);

	// Charlie, a carrier, offers Alice one booking: her order is created and bonded in one
	// transaction, the offer ends with it, and a second booking is refused.
	let offered = succeeds(
		&url,
		&[
			"set-offer",
			"--suri",
			"//Charlie",
			"--max-value",
			"1000",
			"--min-payment",
			"10",
			"--min-lead",
			"1m",
			"--shipper",
			ALICE,
			"--bookings",
			"1",
		],
	)?;
	assert!(offered.contains("Fulfillment::OfferSet"), "{offered}");
	let offer: serde_json::Value = serde_json::from_str(&succeeds(&url, &["offer", CHARLIE])?)?;
	assert_eq!(
		(offer["shipper"].as_str(), &offer["remaining"]),
		(Some(ALICE), &1.into()),
		"{offer}"
	);
	let book = [&create[..], &["--carrier", CHARLIE, "--book"]].concat();
	let booked = succeeds(&url, &book)?;
	for event in [
		"Fulfillment::OrderCreated",
		"Fulfillment::OrderAccepted",
		"Attestation::CommitteeDrawn",
		"Fulfillment::OfferWithdrawn",
	] {
		assert!(booked.contains(event), "{event} in {booked}");
	}
	let again = surety(&url, &book)?;
	assert!(!again.ok && again.stderr.contains("Fulfillment::NoOffer"), "{}", again.stderr);

	// Refusals name the pallet's error, say what it means, and exit non-zero.
	let again = surety(&url, &["accept", "--suri", "//Charlie", &order])?;
	assert!(!again.ok && again.stderr.contains("Fulfillment::"), "{}", again.stderr);
	let late = surety(&url, &["dispute", "--suri", "//Alice", &order, "--at", "1"])?;
	assert!(!late.ok && late.stderr.contains("Disputes::NoCase"), "{}", late.stderr);
	let bad = surety(&url, &["quote", "--value", "1,000", "--carrier", BOB])?;
	assert!(!bad.ok && bad.stderr.contains("not an amount"), "{}", bad.stderr);

	println!("walk-through done in {:.1?}", started.elapsed());
	Ok(())
}
