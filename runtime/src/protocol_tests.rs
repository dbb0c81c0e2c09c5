//! The protocol pallets wired together in this runtime: an order from creation to the slash
//! that compensates its shipper, through the real attestation, disputes and slashing pallets.

use frame_support::{
	assert_ok,
	traits::{Get, IntegrityTest},
};
use sp_keyring::Sr25519Keyring;
use sp_runtime::Perbill;
use surety_primitives::{api::OrderStage, currency::UNIT, protocol::Report};

use crate::{
	surety_api as api,
	tests::{advance, attest_all, genesis, on_dev_chain, HOUR_MS, T0},
	AccountId, AllPalletsWithSystem, Balances, Fulfillment, Runtime, RuntimeOrigin, System,
};
use sp_genesis_builder::DEV_RUNTIME_PRESET;

/// An order of 1,000 SURE paying 50, due an hour after `T0` with ten minutes' grace.
fn thousand_sure_due_in_an_hour() -> pallet_fulfillment::OrderTerms<AccountId, crate::Balance, u32>
{
	pallet_fulfillment::OrderTerms {
		value: 1_000 * UNIT,
		payment: 50 * UNIT,
		carrier: None,
		accept_by: 100,
		deliver_by: T0 + HOUR_MS,
		grace: 600_000,
		temperature: None,
		reference: None,
	}
}

/// A call weighed for a committee drawn among `MaxAttesters` was `charged` its `declared` weight
/// less what the draw did not use: it went through the few attesters registered here.
fn charged_for_the_attesters_drawn_from(
	charged: frame_support::weights::Weight,
	declared: frame_support::weights::Weight,
) {
	use pallet_attestation::WeightInfo as _;
	type A = <Runtime as pallet_attestation::Config>::WeightInfo;
	let max: u32 = <Runtime as pallet_attestation::Config>::MaxAttesters::get();
	let candidates = pallet_attestation::Candidates::<Runtime>::decode_len().unwrap_or(0);
	assert!((candidates as u32) < max);
	assert!(charged.ref_time() < declared.ref_time());
	assert_eq!(charged, declared - (A::open(max) - A::open(candidates as u32)));
}

#[test]
fn the_protocol_pallets_pass_their_integrity_checks() {
	genesis(DEV_RUNTIME_PRESET).execute_with(|| {
		<AllPalletsWithSystem as IntegrityTest>::integrity_test();
	});
}

/// The fee pot pays claims and refunds with `Preservation::Expendable`: if a payout left it
/// holding less than the existential deposit while shares were still owed, that remainder
/// would be removed as dust and the last claims would fail. Every amount the pot owes is a
/// whole fee or a sum of shares of one, so it is enough that the smallest share (a fee split
/// among the largest committee) is at least the existential deposit.
#[test]
fn the_smallest_fee_share_is_at_least_the_existential_deposit() {
	let fee: u128 = <Runtime as pallet_fulfillment::Config>::AttestationFee::get();
	let members: u32 = <Runtime as pallet_attestation::Config>::MaxCommitteeMembers::get();
	let smallest_share = fee / u128::from(members);
	assert!(
		smallest_share >= crate::configs::EXISTENTIAL_DEPOSIT,
		"a share of {smallest_share} is below the existential deposit"
	);
}

#[test]
fn a_late_delivery_is_attested_finalized_settled_and_slashed_to_the_shipper() {
	on_dev_chain(|shipper, carrier| {
		// Bob is a carrier from genesis.
		assert!(pallet_fulfillment::Carriers::<Runtime>::contains_key(&carrier));

		let order = pallet_fulfillment::NextOrderId::<Runtime>::get();
		let terms = thousand_sure_due_in_an_hour();
		let quote = api::quote_bond(1_000 * UNIT, carrier.clone());
		assert_ok!(Fulfillment::create_order(RuntimeOrigin::signed(shipper.clone()), terms));
		assert_eq!(api::order(order).unwrap().stage, OrderStage::Open { accept_by: 100 });
		let charged = Fulfillment::accept_order(RuntimeOrigin::signed(carrier.clone()), order)
			.expect("accepted")
			.actual_weight
			.expect("set");
		{
			use pallet_fulfillment::WeightInfo as _;
			charged_for_the_attesters_drawn_from(
				charged,
				<Runtime as pallet_fulfillment::Config>::WeightInfo::accept_order(),
			);
		}
		// The quote was the bond.
		let view = api::order(order).unwrap();
		assert_eq!((view.bond, view.stage), (quote, OrderStage::Attesting { round: 1 }));
		let profile = api::carrier(carrier.clone()).unwrap();
		assert_eq!((profile.stake.allocated, profile.open_orders), (quote, 1));
		assert_eq!(api::security_leverage().open_value, 1_000 * UNIT);
		let members: Vec<AccountId> = pallet_attestation::Committees::<Runtime>::get(order)
			.expect("drawn on accept")
			.members
			.into_iter()
			.map(|m| m.who)
			.collect();
		assert_eq!(
			members.len() as u32,
			<<Runtime as pallet_attestation::Config>::CommitteeSize as Get<u32>>::get()
		);
		assert!(!members.contains(&shipper) && !members.contains(&carrier));

		// Delivered three hours past the deadline and grace: a lateness fault.
		let late = Report::Delivered {
			at: T0 + HOUR_MS + 600_000 + 3 * HOUR_MS,
			max_excursion_centi_c_minutes: 0,
			damage: Perbill::zero(),
		};
		attest_all(order, late);
		assert!(matches!(
			api::order(order).unwrap().stage,
			OrderStage::DisputeWindow { outcome, .. } if outcome == late
		));
		assert_eq!(api::attester(members[0].clone()).unwrap().seats, 1);

		// Nothing settles while the window is open.
		let window: u32 = <Runtime as pallet_disputes::Config>::DisputeWindow::get();
		advance(window - 1);
		assert!(pallet_fulfillment::Orders::<Runtime>::contains_key(order));
		// The slash queues of the block the carrier's slash falls due in and of the next are
		// full: settlement searches past them, and the disputes hook that settles is charged
		// on top of its benchmarked weight the two full queues, the hint read and the hint
		// written.
		let defer: u32 = <Runtime as pallet_slashing::Config>::SlashDeferPeriod::get();
		let settles = System::block_number() + 1;
		let full_until = settles + defer + 2;
		let filler = pallet_slashing::SlashId::MAX;
		for block in settles + defer..full_until {
			pallet_slashing::ApplyQueue::<Runtime>::mutate(block, |q| {
				while q.try_push(filler).is_ok() {}
			});
		}
		let [_, _, disputes_hook, _] = advance(1);
		assert_eq!(
			disputes_hook,
			crate::Disputes::timers_weight(0, 1)
				+ surety_primitives::queue::spilled_past(2)
					.weight(<Runtime as frame_system::Config>::DbWeight::get())
		);
		for block in settles + defer..full_until {
			pallet_slashing::ApplyQueue::<Runtime>::remove(block);
		}
		let record = pallet_fulfillment::OrderRecords::<Runtime>::get(order).expect("settled");
		assert_eq!(record.end, pallet_fulfillment::OrderEnd::DeliveredWithFault);
		assert!(record.slash_scheduled > 0);
		assert!(!pallet_attestation::Committees::<Runtime>::contains_key(order));
		assert!(matches!(
			api::order(order).unwrap().stage,
			OrderStage::Ended { end: pallet_fulfillment::OrderEnd::DeliveredWithFault, .. }
		));
		let pending = api::pending_slashes(carrier.clone());
		assert_eq!(pending.len(), 1);
		assert_eq!((pending[0].order, pending[0].amount), (order, record.slash_scheduled));
		assert_eq!(api::carrier(carrier.clone()).unwrap().stake.reserved, record.slash_scheduled);
		assert_eq!(api::attester(members[0].clone()).unwrap().judged, 1);

		// The slash stays pending for the defer period and the two full blocks it spilled past,
		// then compensates the shipper first.
		let before = Balances::free_balance(&shipper);
		assert_eq!(
			pallet_slashing::PendingSlashes::<Runtime>::iter().next().unwrap().1.due,
			full_until
		);
		advance(defer + 1);
		assert_eq!(Balances::free_balance(&shipper), before, "nothing is paid while pending");
		advance(1);
		let compensation = Balances::free_balance(&shipper) - before;
		assert!(compensation > 0, "the shipper is paid from the slash");
		assert!(compensation <= record.slash_scheduled);
		let ledger = pallet_fulfillment::Carriers::<Runtime>::get(&carrier).expect("registered");
		assert_eq!(
			ledger.stake.total,
			crate::genesis_config_presets::CARRIER_STAKE - record.slash_scheduled
		);
		assert_eq!(ledger.stake.reserved, 0);
		assert!(api::pending_slashes(carrier).is_empty());
	});
}

#[test]
fn every_protocol_hook_at_its_per_block_bound_fits_in_half_a_block() {
	use crate::configs::RuntimeBlockWeights;
	use pallet_attestation::WeightInfo as _;
	use pallet_fulfillment::WeightInfo as _;
	use pallet_slashing::WeightInfo as _;

	type F = <Runtime as pallet_fulfillment::Config>::WeightInfo;
	type A = <Runtime as pallet_attestation::Config>::WeightInfo;
	type S = <Runtime as pallet_slashing::Config>::WeightInfo;
	let hooks = [
		F::on_initialize(<Runtime as pallet_fulfillment::Config>::MaxExpiriesPerBlock::get()),
		A::on_initialize(<Runtime as pallet_attestation::Config>::MaxDeadlinesPerBlock::get()),
		// Every timer on the heaviest path.
		pallet_disputes::Pallet::<Runtime>::timers_weight(
			0,
			<Runtime as pallet_disputes::Config>::MaxTimersPerBlock::get(),
		),
		S::on_initialize(<Runtime as pallet_slashing::Config>::MaxSlashesPerBlock::get()),
	];
	let total = hooks.iter().fold(frame_support::weights::Weight::zero(), |a, w| a + *w);
	let block = RuntimeBlockWeights::get().max_block;
	// Every timer of every pallet due in the same block still leaves half the block to
	// transactions.
	assert!(
		total.ref_time() <= block.ref_time() / 2,
		"hooks at their bounds weigh {} of a block's {}",
		total.ref_time(),
		block.ref_time()
	);
}

#[test]
fn members_signed_reports_submitted_by_another_account_propose_the_outcome() {
	use sp_core::Pair;
	genesis(DEV_RUNTIME_PRESET).execute_with(|| {
		System::set_block_number(1);
		// Block 1's initialisation records the genesis hash a signature is bound to.
		let genesis_hash = sp_core::H256::repeat_byte(0x42);
		frame_system::BlockHash::<Runtime>::insert(0, genesis_hash);
		pallet_timestamp::Now::<Runtime>::put(T0);
		// The development chain's genesis attesters, whose keys the members sign with.
		let keys: Vec<sp_core::sr25519::Pair> =
			["//Dave", "//Eve", "//Ferdie", "//One", "//Two", "//Eve//stash", "//Ferdie//stash"]
				.iter()
				.map(|uri| sp_core::sr25519::Pair::from_string(uri, None).expect("a dev key"))
				.collect();
		let shipper = Sr25519Keyring::Alice.to_account_id();
		let carrier = Sr25519Keyring::Bob.to_account_id();
		let order = pallet_fulfillment::NextOrderId::<Runtime>::get();
		let terms = thousand_sure_due_in_an_hour();
		assert_ok!(Fulfillment::create_order(RuntimeOrigin::signed(shipper.clone()), terms));
		assert_ok!(Fulfillment::accept_order(RuntimeOrigin::signed(carrier.clone()), order));
		let on_time = crate::tests::delivered(T0 + HOUR_MS);
		let sign =
			|pair: &sp_core::sr25519::Pair, payload: &[u8]| pallet_attestation::SignedReport {
				who: AccountId::from(pair.public()),
				report: on_time,
				evidence: Default::default(),
				signature: surety_primitives::Signature::Sr25519(pair.sign(payload)),
			};
		let members: Vec<&sp_core::sr25519::Pair> =
			pallet_attestation::Committees::<Runtime>::get(order)
				.expect("drawn")
				.members
				.iter()
				.map(|m| keys.iter().find(|k| AccountId::from(k.public()) == m.who).expect("ours"))
				.collect();
		let payload = crate::Attestation::report_payload(order, 1, &on_time, &Default::default());
		assert_eq!(
			payload,
			codec::Encode::encode(&(
				b"surety/attest",
				genesis_hash,
				order,
				1u8,
				on_time,
				sp_core::H256::zero()
			))
		);
		let submit = |reports: Vec<_>| {
			crate::Attestation::attest_signed(
				RuntimeOrigin::signed(shipper.clone()),
				order,
				reports.try_into().expect("few"),
			)
		};
		// A signature made for another chain does not count.
		let elsewhere = codec::Encode::encode(&(
			b"surety/attest",
			sp_core::H256::repeat_byte(0x43),
			order,
			1u8,
			on_time,
			sp_core::H256::zero(),
		));
		assert_eq!(
			submit(vec![sign(members[0], &elsewhere)]).map_err(|e| e.error),
			Err(pallet_attestation::Error::<Runtime>::BadSignature.into())
		);
		let reports: Vec<_> = members.iter().map(|pair| sign(pair, &payload)).collect();
		let charged = submit(reports).expect("signed by the members").actual_weight.expect("set");
		{
			use pallet_attestation::WeightInfo as _;
			type A = <Runtime as pallet_attestation::Config>::WeightInfo;
			assert_eq!(charged, A::attest_signed(members.len() as u32));
		}
		assert!(matches!(
			api::order(order).unwrap().stage,
			OrderStage::DisputeWindow { outcome, .. } if outcome == on_time
		));
	});
}

#[test]
fn an_order_booked_on_a_standing_offer_is_bonded_at_once_and_settles() {
	on_dev_chain(|shipper, carrier| {
		assert_ok!(Fulfillment::set_offer(
			RuntimeOrigin::signed(carrier.clone()),
			pallet_fulfillment::BookingOffer {
				shipper: Some(shipper.clone()),
				max_value: 1_000 * UNIT,
				min_payment: 50 * UNIT,
				min_lead: HOUR_MS,
				temperature_controlled: false,
				remaining: 2,
			}
		));
		let order = pallet_fulfillment::NextOrderId::<Runtime>::get();
		let quote = api::quote_bond(1_000 * UNIT, carrier.clone());
		let terms = pallet_fulfillment::OrderTerms {
			carrier: Some(carrier.clone()),
			..thousand_sure_due_in_an_hour()
		};
		let charged = Fulfillment::book(RuntimeOrigin::signed(shipper.clone()), terms)
			.expect("within Bob's offer")
			.actual_weight
			.expect("set");
		{
			use pallet_fulfillment::WeightInfo as _;
			charged_for_the_attesters_drawn_from(
				charged,
				<Runtime as pallet_fulfillment::Config>::WeightInfo::book(),
			);
		}
		let view = api::order(order).unwrap();
		assert_eq!((view.bond, view.stage), (quote, OrderStage::Attesting { round: 1 }));
		assert_eq!(
			pallet_fulfillment::Offers::<Runtime>::get(&carrier).map(|o| o.remaining),
			Some(1)
		);
		let on_time = crate::tests::delivered(T0 + HOUR_MS);
		attest_all(order, on_time);
		let window: u32 = <Runtime as pallet_disputes::Config>::DisputeWindow::get();
		advance(window);
		let record = pallet_fulfillment::OrderRecords::<Runtime>::get(order).expect("settled");
		assert_eq!(record.end, pallet_fulfillment::OrderEnd::DeliveredOnTime);
		assert_eq!(record.bond, quote);
		let ledger = pallet_fulfillment::Carriers::<Runtime>::get(&carrier).expect("registered");
		assert_eq!((ledger.stake.allocated, ledger.open_orders), (0, 0));
	});
}
