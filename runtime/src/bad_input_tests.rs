//! Bad input, call by call: every protocol call with out-of-range or extreme arguments, or from
//! the wrong origin, returns its typed error and leaves the state exactly as it was (the
//! storage root is compared). One table per pallet, dispatched through the real runtime.

use frame_support::{assert_ok, dispatch::RawOrigin};
use sp_core::H256;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{traits::Dispatchable, DispatchError, StateVersion};
use surety_primitives::{currency::UNIT, protocol::Report};

use crate::{
	tests::{delivered, genesis, T0},
	AccountId, Runtime, RuntimeCall, RuntimeOrigin, System,
};
use pallet_fulfillment::{OrderTerms, TemperatureBand};
use sp_genesis_builder::DEV_RUNTIME_PRESET;

/// An order that stays open, and one that Bob bonded (its committee drawn).
const OPEN: u64 = 0;
const BONDED: u64 = 1;
const MISSING: u64 = 999;

type FulfillmentCall = pallet_fulfillment::Call<Runtime>;
type AttestationCall = pallet_attestation::Call<Runtime>;
type DisputesCall = pallet_disputes::Call<Runtime>;
type SlashingCall = pallet_slashing::Call<Runtime>;

fn alice() -> AccountId {
	Sr25519Keyring::Alice.to_account_id()
}
fn bob() -> AccountId {
	Sr25519Keyring::Bob.to_account_id()
}
fn dave() -> AccountId {
	Sr25519Keyring::Dave.to_account_id()
}
/// An endowed account that is neither carrier nor attester.
fn stranger() -> AccountId {
	Sr25519Keyring::AliceStash.to_account_id()
}

fn signed(who: AccountId) -> RawOrigin<AccountId> {
	RawOrigin::Signed(who)
}

fn terms() -> OrderTerms<AccountId, u128, u32> {
	OrderTerms {
		value: 1_000 * UNIT,
		payment: 10 * UNIT,
		carrier: None,
		accept_by: 100,
		deliver_by: T0 + 3_600_000,
		grace: 0,
		temperature: None,
		reference: None,
	}
}

/// Dev genesis at block 1 with an open order (0) and an order bonded by Bob (1), both Alice's.
fn with_orders(test: impl FnOnce()) {
	genesis(DEV_RUNTIME_PRESET).execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Runtime>::put(T0);
		for _ in [OPEN, BONDED] {
			assert_ok!(pallet_fulfillment::Pallet::<Runtime>::create_order(
				RuntimeOrigin::signed(alice()),
				terms()
			));
		}
		assert_ok!(pallet_fulfillment::Pallet::<Runtime>::accept_order(
			RuntimeOrigin::signed(bob()),
			BONDED
		));
		test()
	})
}

/// Dispatches each row's call from its origin: it must fail with the row's error and change
/// nothing.
fn assert_refused(rows: Vec<(&str, RawOrigin<AccountId>, RuntimeCall, DispatchError)>) {
	for (what, origin, call, expected) in rows {
		let before = sp_io::storage::root(StateVersion::V1);
		let result = call.dispatch(origin.into()).map_err(|e| e.error);
		assert_eq!(result, Err(expected), "{what}");
		assert_eq!(sp_io::storage::root(StateVersion::V1), before, "{what} changed state");
	}
}

#[test]
fn fulfillment_refuses_bad_input_and_changes_nothing() {
	use pallet_fulfillment::Error;
	let e = |error: Error<Runtime>| DispatchError::from(error);
	let create = |terms| RuntimeCall::Fulfillment(FulfillmentCall::create_order { terms });
	let with = |change: fn(&mut OrderTerms<AccountId, u128, u32>)| {
		let mut t = terms();
		change(&mut t);
		create(t)
	};
	with_orders(|| {
		assert_refused(vec![
			(
				"root registers a carrier",
				RawOrigin::Root,
				RuntimeCall::Fulfillment(FulfillmentCall::register_carrier { stake: 1_000 * UNIT }),
				DispatchError::BadOrigin,
			),
			(
				"unsigned creates an order",
				RawOrigin::None,
				create(terms()),
				DispatchError::BadOrigin,
			),
			(
				"a stake below the minimum",
				signed(stranger()),
				RuntimeCall::Fulfillment(FulfillmentCall::register_carrier { stake: 1 }),
				e(Error::StakeBelowMinimum),
			),
			(
				"a stake beyond the balance",
				signed(stranger()),
				RuntimeCall::Fulfillment(FulfillmentCall::register_carrier { stake: u128::MAX }),
				e(Error::InsufficientBalance),
			),
			(
				"registering twice",
				signed(bob()),
				RuntimeCall::Fulfillment(FulfillmentCall::register_carrier { stake: 1_000 * UNIT }),
				e(Error::AlreadyRegistered),
			),
			(
				"bonding nothing",
				signed(bob()),
				RuntimeCall::Fulfillment(FulfillmentCall::bond_extra { amount: 0 }),
				e(Error::ZeroAmount),
			),
			(
				"bonding beyond the balance",
				signed(bob()),
				RuntimeCall::Fulfillment(FulfillmentCall::bond_extra { amount: u128::MAX }),
				e(Error::InsufficientBalance),
			),
			(
				"bonding without being a carrier",
				signed(stranger()),
				RuntimeCall::Fulfillment(FulfillmentCall::bond_extra { amount: UNIT }),
				e(Error::NotCarrier),
			),
			(
				"unbonding nothing",
				signed(bob()),
				RuntimeCall::Fulfillment(FulfillmentCall::unbond { amount: 0 }),
				e(Error::ZeroAmount),
			),
			(
				"unbonding more than is free",
				signed(bob()),
				RuntimeCall::Fulfillment(FulfillmentCall::unbond { amount: u128::MAX }),
				e(Error::InsufficientFreeStake),
			),
			(
				"withdrawing nothing",
				signed(bob()),
				RuntimeCall::Fulfillment(FulfillmentCall::withdraw_unbonded {}),
				e(Error::NothingToWithdraw),
			),
			(
				"withdrawing without being a carrier",
				signed(stranger()),
				RuntimeCall::Fulfillment(FulfillmentCall::withdraw_unbonded {}),
				e(Error::NotCarrier),
			),
			("a zero value", signed(alice()), with(|t| t.value = 0), e(Error::ZeroValue)),
			(
				"a payment below the minimum",
				signed(alice()),
				with(|t| t.payment = 1),
				e(Error::PaymentBelowMinimum),
			),
			(
				"a payment beyond the balance",
				signed(alice()),
				with(|t| t.payment = u128::MAX / 2),
				e(Error::InsufficientBalance),
			),
			(
				"an accept deadline passed",
				signed(alice()),
				with(|t| t.accept_by = 0),
				e(Error::AcceptDeadlinePassed),
			),
			(
				"an accept window too long",
				signed(alice()),
				with(|t| t.accept_by = u32::MAX),
				e(Error::AcceptWindowTooLong),
			),
			(
				"a delivery deadline passed",
				signed(alice()),
				with(|t| t.deliver_by = 0),
				e(Error::DeliveryDeadlinePassed),
			),
			(
				"a delivery too far",
				signed(alice()),
				with(|t| t.deliver_by = u64::MAX),
				e(Error::DeliveryTooFar),
			),
			(
				"a grace too long",
				signed(alice()),
				with(|t| t.grace = u64::MAX),
				e(Error::GraceTooLong),
			),
			(
				"an inverted temperature band",
				signed(alice()),
				with(|t| {
					t.temperature = Some(TemperatureBand { min_centi_c: 800, max_centi_c: 200 })
				}),
				e(Error::InvalidTemperatureBand),
			),
			(
				"naming oneself as carrier",
				signed(bob()),
				with(|t| t.carrier = Some(Sr25519Keyring::Bob.to_account_id())),
				e(Error::CarrierIsShipper),
			),
			(
				"accepting a missing order",
				signed(bob()),
				RuntimeCall::Fulfillment(FulfillmentCall::accept_order { order: MISSING }),
				e(Error::OrderNotFound),
			),
			(
				"accepting without being a carrier",
				signed(stranger()),
				RuntimeCall::Fulfillment(FulfillmentCall::accept_order { order: OPEN }),
				e(Error::NotCarrier),
			),
			(
				"accepting a bonded order",
				signed(Sr25519Keyring::Charlie.to_account_id()),
				RuntimeCall::Fulfillment(FulfillmentCall::accept_order { order: BONDED }),
				e(Error::NotOpen),
			),
			(
				"cancelling a missing order",
				signed(alice()),
				RuntimeCall::Fulfillment(FulfillmentCall::cancel_order { order: MISSING }),
				e(Error::OrderNotFound),
			),
			(
				"cancelling another's order",
				signed(bob()),
				RuntimeCall::Fulfillment(FulfillmentCall::cancel_order { order: OPEN }),
				e(Error::NotShipper),
			),
			(
				"releasing an open order",
				signed(bob()),
				RuntimeCall::Fulfillment(FulfillmentCall::release_order { order: OPEN }),
				e(Error::NotBonded),
			),
			(
				"releasing another carrier's order",
				signed(Sr25519Keyring::Charlie.to_account_id()),
				RuntimeCall::Fulfillment(FulfillmentCall::release_order { order: BONDED }),
				e(Error::NotOrderCarrier),
			),
			(
				"an offer from a non-carrier",
				signed(stranger()),
				RuntimeCall::Fulfillment(FulfillmentCall::set_offer { offer: offer(1) }),
				e(Error::NotCarrier),
			),
			(
				"an offer of no booking",
				signed(bob()),
				RuntimeCall::Fulfillment(FulfillmentCall::set_offer { offer: offer(0) }),
				e(Error::ZeroBookings),
			),
			(
				"withdrawing no offer",
				signed(bob()),
				RuntimeCall::Fulfillment(FulfillmentCall::withdraw_offer {}),
				e(Error::NoOffer),
			),
			(
				"booking a carrier without an offer",
				signed(alice()),
				RuntimeCall::Fulfillment(FulfillmentCall::book {
					terms: OrderTerms { carrier: Some(bob()), ..terms() },
				}),
				e(Error::NoOffer),
			),
			(
				"booking without naming a carrier",
				signed(alice()),
				RuntimeCall::Fulfillment(FulfillmentCall::book { terms: terms() }),
				e(Error::NoCarrierNamed),
			),
			(
				"booking unsigned",
				RawOrigin::None,
				RuntimeCall::Fulfillment(FulfillmentCall::book { terms: terms() }),
				DispatchError::BadOrigin,
			),
		]);
		// Against Bob's offer: each of its terms, and an order too big for his stake.
		assert_ok!(pallet_fulfillment::Pallet::<Runtime>::set_offer(
			RuntimeOrigin::signed(bob()),
			pallet_fulfillment::BookingOffer { max_value: u128::MAX, ..offer(1) }
		));
		let book = |change: fn(&mut OrderTerms<AccountId, u128, u32>)| {
			let mut t = OrderTerms { carrier: Some(bob()), ..terms() };
			change(&mut t);
			RuntimeCall::Fulfillment(FulfillmentCall::book { terms: t })
		};
		assert_refused(vec![
			(
				"a payment below the offer's",
				signed(alice()),
				book(|t| t.payment = 10 * UNIT - 1),
				e(Error::OfferPaymentTooLow),
			),
			(
				"a delivery sooner than the offer's lead",
				signed(alice()),
				book(|t| t.deliver_by = T0 + 60_000),
				e(Error::OfferLeadTooShort),
			),
			(
				"a cargo beyond the carrier's leverage",
				signed(alice()),
				book(|t| t.value = 1_000_000_000 * UNIT),
				e(Error::InsufficientFreeStake),
			),
		]);
	});
}

/// Bob's standing offer: up to 1,000 UNIT of cargo, at least 10 UNIT of payment, a lead of 10
/// minutes, any band.
fn offer(remaining: u32) -> pallet_fulfillment::OfferOf<Runtime> {
	pallet_fulfillment::BookingOffer {
		shipper: None,
		max_value: 1_000 * UNIT,
		min_payment: 10 * UNIT,
		min_lead: 600_000,
		temperature_controlled: true,
		remaining,
	}
}

#[test]
fn attestation_refuses_bad_input_and_changes_nothing() {
	use pallet_attestation::Error;
	let e = |error: Error<Runtime>| DispatchError::from(error);
	let attest = |order| {
		RuntimeCall::Attestation(AttestationCall::attest {
			order,
			report: delivered(T0),
			evidence: H256::zero(),
		})
	};
	with_orders(|| {
		let member = pallet_attestation::Committees::<Runtime>::get(BONDED).expect("drawn").members
			[0]
		.who
		.clone();
		let outsider = crate::genesis_config_presets::genesis_attesters()
			.into_iter()
			.find(|a| {
				pallet_attestation::Committees::<Runtime>::get(BONDED)
					.is_some_and(|c| c.members.iter().all(|m| &m.who != a))
			})
			.expect("7 attesters, 3 drawn");
		assert_refused(vec![
			(
				"root registers an attester",
				RawOrigin::Root,
				RuntimeCall::Attestation(AttestationCall::register_attester { stake: 100 * UNIT }),
				DispatchError::BadOrigin,
			),
			("unsigned attests", RawOrigin::None, attest(BONDED), DispatchError::BadOrigin),
			(
				"a stake below the minimum",
				signed(stranger()),
				RuntimeCall::Attestation(AttestationCall::register_attester { stake: 1 }),
				e(Error::StakeBelowMinimum),
			),
			(
				"a stake beyond the balance",
				signed(stranger()),
				RuntimeCall::Attestation(AttestationCall::register_attester { stake: u128::MAX }),
				e(Error::InsufficientBalance),
			),
			(
				"registering twice",
				signed(dave()),
				RuntimeCall::Attestation(AttestationCall::register_attester { stake: 100 * UNIT }),
				e(Error::AlreadyRegistered),
			),
			(
				"bonding nothing",
				signed(dave()),
				RuntimeCall::Attestation(AttestationCall::bond_extra { amount: 0 }),
				e(Error::ZeroAmount),
			),
			(
				"bonding beyond the balance",
				signed(dave()),
				RuntimeCall::Attestation(AttestationCall::bond_extra { amount: u128::MAX }),
				e(Error::InsufficientBalance),
			),
			(
				"bonding without being an attester",
				signed(stranger()),
				RuntimeCall::Attestation(AttestationCall::bond_extra { amount: UNIT }),
				e(Error::NotAttester),
			),
			(
				"unbonding nothing",
				signed(dave()),
				RuntimeCall::Attestation(AttestationCall::unbond { amount: 0 }),
				e(Error::ZeroAmount),
			),
			(
				"unbonding more than is free",
				signed(dave()),
				RuntimeCall::Attestation(AttestationCall::unbond { amount: u128::MAX }),
				e(Error::InsufficientFreeStake),
			),
			(
				"withdrawing nothing",
				signed(dave()),
				RuntimeCall::Attestation(AttestationCall::withdraw_unbonded {}),
				e(Error::NothingToWithdraw),
			),
			(
				"attesting a missing order",
				signed(member.clone()),
				attest(MISSING),
				e(Error::NoCommittee),
			),
			(
				"attesting an open order",
				signed(member.clone()),
				attest(OPEN),
				e(Error::NoCommittee),
			),
			("attesting off the committee", signed(outsider), attest(BONDED), e(Error::NotMember)),
		]);
	});
}

#[test]
fn disputes_refuse_bad_input_and_change_nothing() {
	use pallet_disputes::Error;
	let e = |error: Error<Runtime>| DispatchError::from(error);
	let dispute = |order| {
		RuntimeCall::Disputes(DisputesCall::dispute {
			order,
			claim: Report::Lost,
			evidence: H256::zero(),
		})
	};
	let rule = |order| RuntimeCall::Disputes(DisputesCall::rule { order, outcome: Report::Lost });
	with_orders(|| {
		assert_refused(vec![
			("unsigned disputes", RawOrigin::None, dispute(BONDED), DispatchError::BadOrigin),
			("a signed account rules", signed(alice()), rule(BONDED), DispatchError::BadOrigin),
			("disputing a missing order", signed(alice()), dispute(MISSING), e(Error::NoCase)),
			("disputing before any proposal", signed(alice()), dispute(BONDED), e(Error::NoCase)),
			("ruling without a case", RawOrigin::Root, rule(BONDED), e(Error::NoCase)),
		]);
	});
}

#[test]
fn slashing_refuses_bad_input_and_changes_nothing() {
	use pallet_slashing::Error;
	let e = |error: Error<Runtime>| DispatchError::from(error);
	with_orders(|| {
		assert_refused(vec![
			(
				"a signed account cancels",
				signed(alice()),
				RuntimeCall::Slashing(SlashingCall::cancel_slash { id: 0 }),
				DispatchError::BadOrigin,
			),
			(
				"a signed account reduces",
				signed(bob()),
				RuntimeCall::Slashing(SlashingCall::reduce_slash { id: 0, amount: 0 }),
				DispatchError::BadOrigin,
			),
			(
				"cancelling a missing slash",
				RawOrigin::Root,
				RuntimeCall::Slashing(SlashingCall::cancel_slash { id: u64::MAX }),
				e(Error::SlashNotFound),
			),
			(
				"reducing a missing slash",
				RawOrigin::Root,
				RuntimeCall::Slashing(SlashingCall::reduce_slash { id: u64::MAX, amount: 1 }),
				e(Error::SlashNotFound),
			),
		]);
	});
}
