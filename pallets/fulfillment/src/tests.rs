//! Tests of the fulfillment pallet. Every test ends by checking the pallet's invariants.

use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold, Get},
};
use sp_runtime::Perbill;
use surety_primitives::protocol::{OutcomeHandler, OutcomePath, Report, SlashableStake, StakeKind};

use crate::{mock::*, pallet::*, types::*};

type Terms = OrderTerms<AccountId, Balance, u64>;

const VALUE: Balance = 10_000;
const PAYMENT: Balance = 500;
const ESCROW: Balance = PAYMENT + FEE;
const CARRIER_STAKE: Balance = 20_000;

fn terms() -> Terms {
	OrderTerms {
		value: VALUE,
		payment: PAYMENT,
		carrier: None,
		accept_by: System::block_number() + 100,
		deliver_by: T0_MS + 48 * HOUR_MS,
		grace: HOUR_MS,
		temperature: None,
		reference: None,
	}
}

fn escrowed(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::OrderEscrow.into(), &who)
}

fn staked(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::CarrierStake.into(), &who)
}

fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

fn ledger(who: AccountId) -> CarrierLedger<Test> {
	Carriers::<Test>::get(who).expect("registered")
}

fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event").event
}

fn has_event(e: Event<Test>) -> bool {
	System::events().iter().any(|r| r.event == RuntimeEvent::Fulfillment(e.clone()))
}

/// Balances and holds of the test accounts, to show an error left them untouched.
fn balances() -> Vec<(Balance, Balance, Balance)> {
	[ALICE, BOB, CHARLIE, DAVE, POOR, FEE_POT]
		.iter()
		.map(|a| (free(*a), escrowed(*a), staked(*a)))
		.collect()
}

fn register(who: AccountId, stake: Balance) {
	assert_ok!(Fulfillment::register_carrier(RuntimeOrigin::signed(who), stake));
}

fn create(shipper: AccountId, terms: Terms) -> u64 {
	let id = NextOrderId::<Test>::get();
	assert_ok!(Fulfillment::create_order(RuntimeOrigin::signed(shipper), terms));
	id
}

/// Alice ships, Bob carries: a bonded order.
fn bonded_order() -> u64 {
	register(BOB, CARRIER_STAKE);
	let id = create(ALICE, terms());
	assert_ok!(Fulfillment::accept_order(RuntimeOrigin::signed(BOB), id));
	id
}

fn delivered(at: u64) -> Report {
	Report::Delivered { at, max_excursion_centi_c_minutes: 0, damage: Perbill::zero() }
}

// ---- Carriers ----

#[test]
fn register_carrier_holds_the_stake() {
	test(|| {
		register(BOB, 5_000);
		assert_eq!(staked(BOB), 5_000);
		assert_eq!(free(BOB), INITIAL - 5_000);
		let l = ledger(BOB);
		assert_eq!(
			(l.stake.total, l.stake.allocated, l.score),
			(5_000, 0, Perbill::from_percent(50))
		);
		assert_eq!(TotalActiveStake::<Test>::get(), 5_000);
		assert!(has_event(Event::CarrierRegistered { carrier: BOB, stake: 5_000 }));
	});
}

#[test]
fn register_carrier_errors_hold_nothing() {
	test(|| {
		register(BOB, 5_000);
		let before = balances();
		assert_noop!(
			Fulfillment::register_carrier(RuntimeOrigin::signed(BOB), 5_000),
			Error::<Test>::AlreadyRegistered
		);
		assert_noop!(
			Fulfillment::register_carrier(RuntimeOrigin::signed(CHARLIE), MIN_STAKE - 1),
			Error::<Test>::StakeBelowMinimum
		);
		assert_noop!(
			Fulfillment::register_carrier(RuntimeOrigin::signed(POOR), MIN_STAKE),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			Fulfillment::register_carrier(RuntimeOrigin::none(), MIN_STAKE),
			sp_runtime::DispatchError::BadOrigin
		);
		assert_eq!(balances(), before);
	});
}

#[test]
fn bond_extra_adds_stake_and_rejects_bad_input() {
	test(|| {
		register(BOB, 5_000);
		assert_ok!(Fulfillment::bond_extra(RuntimeOrigin::signed(BOB), 1_000));
		assert_eq!((staked(BOB), ledger(BOB).stake.total), (6_000, 6_000));
		assert!(has_event(Event::StakeBonded { carrier: BOB, amount: 1_000 }));
		let before = balances();
		assert_noop!(
			Fulfillment::bond_extra(RuntimeOrigin::signed(CHARLIE), 1_000),
			Error::<Test>::NotCarrier
		);
		assert_noop!(
			Fulfillment::bond_extra(RuntimeOrigin::signed(BOB), 0),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(
			Fulfillment::bond_extra(RuntimeOrigin::signed(BOB), INITIAL),
			Error::<Test>::InsufficientBalance
		);
		assert_eq!(balances(), before);
	});
}

#[test]
fn unbonding_waits_for_the_period_then_deregisters() {
	test(|| {
		register(BOB, 5_000);
		assert_ok!(Fulfillment::unbond(RuntimeOrigin::signed(BOB), 5_000));
		assert!(has_event(Event::StakeUnbonding {
			carrier: BOB,
			amount: 5_000,
			unlock_at: 1 + UNBONDING
		}));
		// Still held (and slashable) while unbonding.
		assert_eq!(staked(BOB), 5_000);
		assert_eq!(TotalActiveStake::<Test>::get(), 0);
		run_to_block(UNBONDING);
		assert_noop!(
			Fulfillment::withdraw_unbonded(RuntimeOrigin::signed(BOB)),
			Error::<Test>::NothingToWithdraw
		);
		run_to_block(1 + UNBONDING);
		assert_ok!(Fulfillment::withdraw_unbonded(RuntimeOrigin::signed(BOB)));
		assert_eq!((staked(BOB), free(BOB)), (0, INITIAL));
		assert!(Carriers::<Test>::get(BOB).is_none());
		assert_eq!(
			last_event(),
			RuntimeEvent::Fulfillment(Event::CarrierDeregistered { carrier: BOB })
		);
	});
}

#[test]
fn partial_unbond_keeps_the_carrier() {
	test(|| {
		register(BOB, 5_000);
		assert_ok!(Fulfillment::unbond(RuntimeOrigin::signed(BOB), 2_000));
		run_to_block(1 + UNBONDING);
		assert_ok!(Fulfillment::withdraw_unbonded(RuntimeOrigin::signed(BOB)));
		assert_eq!((staked(BOB), ledger(BOB).stake.total), (3_000, 3_000));
	});
}

#[test]
fn unbond_errors() {
	test(|| {
		let _ = bonded_order(); // Bob: 20 000 staked, 5 000 allocated.
		let before = balances();
		assert_noop!(
			Fulfillment::unbond(RuntimeOrigin::signed(CHARLIE), 1),
			Error::<Test>::NotCarrier
		);
		assert_noop!(Fulfillment::unbond(RuntimeOrigin::signed(BOB), 0), Error::<Test>::ZeroAmount);
		// Allocated stake cannot leave: faults before the request stay covered.
		assert_noop!(
			Fulfillment::unbond(RuntimeOrigin::signed(BOB), CARRIER_STAKE),
			Error::<Test>::InsufficientFreeStake
		);
		assert_eq!(balances(), before);
		for _ in 0..4 {
			assert_ok!(Fulfillment::unbond(RuntimeOrigin::signed(BOB), 100));
		}
		assert_noop!(
			Fulfillment::unbond(RuntimeOrigin::signed(BOB), 100),
			Error::<Test>::TooManyUnbondingChunks
		);
	});
}

#[test]
fn unbond_below_minimum_is_rejected() {
	test(|| {
		register(BOB, 1_500);
		assert_noop!(
			Fulfillment::unbond(RuntimeOrigin::signed(BOB), 600),
			Error::<Test>::StakeBelowMinimum
		);
		assert_ok!(Fulfillment::unbond(RuntimeOrigin::signed(BOB), 500));
	});
}

// ---- Orders ----

#[test]
fn create_order_escrows_payment_and_fee() {
	test(|| {
		let id = create(ALICE, terms());
		assert_eq!(id, 0);
		assert_eq!(escrowed(ALICE), ESCROW);
		assert_eq!(free(ALICE), INITIAL - ESCROW);
		let order = Orders::<Test>::get(id).unwrap();
		assert_eq!((order.shipper, order.fee, order.status), (ALICE, FEE, OrderStatus::Open));
		assert_eq!(ExpiryQueue::<Test>::get(order.terms.accept_by + 1).to_vec(), vec![id]);
		assert_eq!(
			last_event(),
			RuntimeEvent::Fulfillment(Event::OrderCreated {
				order: id,
				shipper: ALICE,
				value: VALUE,
				payment: PAYMENT,
				escrow: ESCROW
			})
		);
		assert_eq!(create(ALICE, terms()), 1);
	});
}

#[test]
fn every_invalid_term_is_rejected_and_nothing_is_held() {
	test(|| {
		let before = balances();
		let now = System::block_number();
		let cases: Vec<(Terms, Error<Test>)> = vec![
			(Terms { value: 0, ..terms() }, Error::ZeroValue),
			(Terms { payment: 49, ..terms() }, Error::PaymentBelowMinimum),
			(Terms { accept_by: now, ..terms() }, Error::AcceptDeadlinePassed),
			(Terms { accept_by: now + 1_001, ..terms() }, Error::AcceptWindowTooLong),
			(Terms { deliver_by: T0_MS, ..terms() }, Error::DeliveryDeadlinePassed),
			(Terms { deliver_by: T0_MS + 30 * 24 * HOUR_MS + 1, ..terms() }, Error::DeliveryTooFar),
			(Terms { grace: 24 * HOUR_MS + 1, ..terms() }, Error::GraceTooLong),
			(
				Terms {
					temperature: Some(TemperatureBand { min_centi_c: 801, max_centi_c: 800 }),
					..terms()
				},
				Error::InvalidTemperatureBand,
			),
			(Terms { carrier: Some(ALICE), ..terms() }, Error::CarrierIsShipper),
		];
		for (bad, error) in cases {
			assert_noop!(Fulfillment::create_order(RuntimeOrigin::signed(ALICE), bad), error);
		}
		assert_noop!(
			Fulfillment::create_order(RuntimeOrigin::signed(POOR), terms()),
			Error::<Test>::InsufficientBalance
		);
		assert_eq!(balances(), before);
		assert_eq!(NextOrderId::<Test>::get(), 0);
	});
}

#[test]
fn a_full_expiry_block_spills_into_the_next_ones_until_they_are_full() {
	test(|| {
		register(BOB, CARRIER_STAKE);
		let t = terms();
		let per_block = <Test as Config>::MaxExpiriesPerBlock::get();
		let first = t.accept_by + 1;
		let mut spilled = Vec::new();
		for block in 0..crate::EXPIRY_SPILL_BLOCKS {
			for nth in 0..per_block {
				let id = NextOrderId::<Test>::get();
				let post = Fulfillment::create_order(RuntimeOrigin::signed(ALICE), t.clone())
					.expect("room in one of the spill blocks");
				// Charged for the full queues it read, whose benchmark includes the hint's read
				// and write. Past the first block, a search reads the full first queue and the
				// hint, which points at the block with room; the first order of a block also
				// reads the hinted block, full since, and moves the hint.
				let full = match (block, nth) {
					(0, _) => 0,
					(1, 0) | (_, 1..) => 1,
					(_, 0) => 2,
				};
				assert_eq!(
					post.actual_weight,
					Some(<MockWeights as crate::WeightInfo>::create_order(full))
				);
				assert!(ExpiryQueue::<Test>::get(first + block as u64).contains(&id));
				if block == 1 {
					spilled.push(id);
				}
			}
		}
		let before = balances();
		assert_noop!(
			Fulfillment::create_order(RuntimeOrigin::signed(ALICE), t.clone()),
			Error::<Test>::ExpiryQueueFull
		);
		assert_eq!(balances(), before);
		// Another window is fine.
		create(ALICE, Terms { accept_by: t.accept_by + 1, ..t.clone() });

		// A spilled order's window still closes at `accept_by`; it expires one block later.
		run_to_block(first);
		let late = spilled[0];
		assert_noop!(
			Fulfillment::accept_order(RuntimeOrigin::signed(BOB), late),
			Error::<Test>::AcceptWindowClosed
		);
		assert!(Orders::<Test>::contains_key(late));
		run_to_block(first + 1);
		assert!(spilled.iter().all(|id| !Orders::<Test>::contains_key(id)));
		assert_eq!(OrderRecords::<Test>::get(late).unwrap().end, OrderEnd::Expired);
	});
}

#[test]
fn accept_is_charged_the_full_queues_its_deadline_search_read() {
	test(|| {
		register(BOB, CARRIER_STAKE);
		let id = create(ALICE, terms());
		let spills = |spill: surety_primitives::queue::Spill| {
			spill.weight(<Test as frame_system::Config>::DbWeight::get())
		};
		let accept = <MockWeights as crate::WeightInfo>::accept_order();
		let declared =
			frame_support::dispatch::GetDispatchInfo::get_dispatch_info(
				&crate::Call::<Test>::accept_order { order: id },
			)
			.call_weight;
		assert_eq!(declared, accept + spills(MAX_SPILL));
		// The committee's deadline is queued past two full blocks.
		OPEN_SPILLS.with(|s| *s.borrow_mut() = 2);
		let post = Fulfillment::accept_order(RuntimeOrigin::signed(BOB), id).expect("accepted");
		let spilled = surety_primitives::queue::spilled_past(2);
		assert_eq!(post.actual_weight, Some(accept - UNUSED_DRAW_WEIGHT + spills(spilled)));
	});
}

#[test]
fn accept_allocates_the_quoted_bond_and_opens_attestation() {
	test(|| {
		register(BOB, CARRIER_STAKE);
		let t = terms();
		let id = create(ALICE, t.clone());
		// Neutral score: the base ratio, 50 %.
		assert_eq!(Fulfillment::quote_bond(VALUE, &BOB), 5_000);
		let charged = Fulfillment::accept_order(RuntimeOrigin::signed(BOB), id)
			.expect("accepted")
			.actual_weight;
		// The draw's unused weight is refunded.
		assert_eq!(
			charged,
			Some(<MockWeights as crate::WeightInfo>::accept_order() - UNUSED_DRAW_WEIGHT)
		);
		assert_eq!(
			Orders::<Test>::get(id).unwrap().status,
			OrderStatus::Bonded { carrier: BOB, bond: 5_000, cancel_requested_by: None }
		);
		let l = ledger(BOB);
		assert_eq!((l.stake.allocated, l.open_value, l.open_orders), (5_000, VALUE, 1));
		assert_eq!(l.stake.free(), CARRIER_STAKE - 5_000);
		assert_eq!(TotalOpenValue::<Test>::get(), VALUE);
		// Its expiry entry stays (no write to take it out); the hook will pass over it.
		assert!(ExpiryQueue::<Test>::get(t.accept_by + 1).contains(&id));
		assert_eq!(
			OPENED.with(|o| o.borrow().clone()),
			vec![(id, ALICE, BOB, t.deliver_by + t.grace)]
		);
		assert!(has_event(Event::OrderAccepted { order: id, carrier: BOB, bond: 5_000 }));
		// The stake hold does not change: the bond is allocated inside it.
		assert_eq!(staked(BOB), CARRIER_STAKE);
	});
}

#[test]
fn accept_errors_leave_everything_as_it_was() {
	test(|| {
		register(BOB, CARRIER_STAKE);
		register(ALICE, CARRIER_STAKE);
		let named = create(ALICE, Terms { carrier: Some(CHARLIE), ..terms() });
		let id = create(ALICE, terms());
		let before = balances();
		assert_noop!(
			Fulfillment::accept_order(RuntimeOrigin::signed(CHARLIE), id),
			Error::<Test>::NotCarrier
		);
		assert_noop!(
			Fulfillment::accept_order(RuntimeOrigin::signed(BOB), 77),
			Error::<Test>::OrderNotFound
		);
		assert_noop!(
			Fulfillment::accept_order(RuntimeOrigin::signed(BOB), named),
			Error::<Test>::NotNamedCarrier
		);
		assert_noop!(
			Fulfillment::accept_order(RuntimeOrigin::signed(ALICE), id),
			Error::<Test>::CarrierIsShipper
		);
		ATTESTATION_FAILS.with(|f| *f.borrow_mut() = true);
		assert_noop!(
			Fulfillment::accept_order(RuntimeOrigin::signed(BOB), id),
			sp_runtime::DispatchError::Other("too few attesters")
		);
		ATTESTATION_FAILS.with(|f| *f.borrow_mut() = false);
		assert_eq!(balances(), before);
		assert_ok!(Fulfillment::accept_order(RuntimeOrigin::signed(BOB), id));
		assert_noop!(
			Fulfillment::accept_order(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::NotOpen
		);
	});
}

#[test]
fn accept_needs_free_stake() {
	test(|| {
		register(BOB, 4_999);
		let id = create(ALICE, terms());
		assert_noop!(
			Fulfillment::accept_order(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::InsufficientFreeStake
		);
		assert_ok!(Fulfillment::bond_extra(RuntimeOrigin::signed(BOB), 1));
		assert_ok!(Fulfillment::accept_order(RuntimeOrigin::signed(BOB), id));
	});
}

#[test]
fn leverage_cap_limits_open_value() {
	test(|| {
		// A perfect record brings the ratio to 25 %, so 1 000 of stake could bond 4 000 of
		// cargo; the leverage cap (3×) stops it at 3 000.
		register(CHARLIE, 1_000);
		Carriers::<Test>::mutate(CHARLIE, |l| l.as_mut().unwrap().score = Perbill::one());
		let big = create(DAVE, Terms { value: 3_000, ..terms() });
		let over = create(DAVE, Terms { value: 1_000, ..terms() });
		assert_ok!(Fulfillment::accept_order(RuntimeOrigin::signed(CHARLIE), big));
		assert_eq!(ledger(CHARLIE).stake.free(), 250);
		assert_eq!(Fulfillment::quote_bond(1_000, &CHARLIE), 250);
		let before = balances();
		assert_noop!(
			Fulfillment::accept_order(RuntimeOrigin::signed(CHARLIE), over),
			Error::<Test>::LeverageExceeded
		);
		assert_eq!(balances(), before);
		// More stake makes room.
		assert_ok!(Fulfillment::bond_extra(RuntimeOrigin::signed(CHARLIE), 400));
		assert_ok!(Fulfillment::accept_order(RuntimeOrigin::signed(CHARLIE), over));
		assert!(Fulfillment::within_leverage(3_000, 1_000));
		assert!(!Fulfillment::within_leverage(3_001, 1_000));
	});
}

// ---- Cancellation and expiry ----

// ---- Standing offers ----

/// Bob's offer: any shipper, cargo up to `VALUE`, at least `PAYMENT`, a day's lead, any band.
fn offer(remaining: u32) -> OfferOf<Test> {
	BookingOffer {
		shipper: None,
		max_value: VALUE,
		min_payment: PAYMENT,
		min_lead: 24 * HOUR_MS,
		temperature_controlled: true,
		remaining,
	}
}

fn set_offer(carrier: AccountId, offer: OfferOf<Test>) -> frame_support::dispatch::DispatchResult {
	Fulfillment::set_offer(RuntimeOrigin::signed(carrier), offer)
}

fn book(shipper: AccountId, terms: Terms) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Fulfillment::book(RuntimeOrigin::signed(shipper), terms)
}

/// Terms naming Bob.
fn for_bob() -> Terms {
	Terms { carrier: Some(BOB), ..terms() }
}

#[test]
fn an_offer_is_a_carriers_and_can_be_replaced_and_withdrawn() {
	test(|| {
		assert_noop!(set_offer(BOB, offer(1)), Error::<Test>::NotCarrier);
		register(BOB, CARRIER_STAKE);
		assert_noop!(set_offer(BOB, offer(0)), Error::<Test>::ZeroBookings);
		assert_noop!(
			set_offer(BOB, BookingOffer { shipper: Some(BOB), ..offer(1) }),
			Error::<Test>::CarrierIsShipper
		);
		assert_noop!(
			Fulfillment::set_offer(RuntimeOrigin::none(), offer(1)),
			sp_runtime::DispatchError::BadOrigin
		);
		assert_ok!(set_offer(BOB, offer(1)));
		assert!(has_event(Event::OfferSet { carrier: BOB, offer: offer(1) }));
		assert_ok!(set_offer(BOB, offer(5)));
		assert_eq!(Offers::<Test>::get(BOB), Some(offer(5)));
		assert_noop!(
			Fulfillment::withdraw_offer(RuntimeOrigin::signed(CHARLIE)),
			Error::<Test>::NoOffer
		);
		assert_ok!(Fulfillment::withdraw_offer(RuntimeOrigin::signed(BOB)));
		assert_eq!(last_event(), RuntimeEvent::Fulfillment(Event::OfferWithdrawn { carrier: BOB }));
		assert!(Offers::<Test>::get(BOB).is_none());
		assert_noop!(
			Fulfillment::withdraw_offer(RuntimeOrigin::signed(BOB)),
			Error::<Test>::NoOffer
		);
	});
}

#[test]
fn a_booking_creates_and_bonds_the_order_in_one_call() {
	test(|| {
		register(BOB, CARRIER_STAKE);
		assert_ok!(set_offer(BOB, offer(2)));
		let t = for_bob();
		let id = NextOrderId::<Test>::get();
		let declared =
			frame_support::dispatch::GetDispatchInfo::get_dispatch_info(
				&crate::Call::<Test>::book { terms: t.clone() },
			)
			.call_weight;
		let book_weight = <MockWeights as crate::WeightInfo>::book();
		let spills = |spill: surety_primitives::queue::Spill| {
			spill.weight(<Test as frame_system::Config>::DbWeight::get())
		};
		assert_eq!(declared, book_weight + spills(MAX_SPILL));
		let post = book(ALICE, t.clone()).expect("within the offer");
		// Charged as an accept is: the draw's unused weight refunded.
		assert_eq!(post.actual_weight, Some(book_weight - UNUSED_DRAW_WEIGHT));
		// The same order, bond and committee as a create and an accept.
		assert_eq!(
			Orders::<Test>::get(id).unwrap().status,
			OrderStatus::Bonded { carrier: BOB, bond: 5_000, cancel_requested_by: None }
		);
		assert_eq!(escrowed(ALICE), ESCROW);
		let l = ledger(BOB);
		assert_eq!((l.stake.allocated, l.open_value, l.open_orders), (5_000, VALUE, 1));
		assert_eq!(TotalOpenValue::<Test>::get(), VALUE);
		assert_eq!(
			OPENED.with(|o| o.borrow().clone()),
			vec![(id, ALICE, BOB, t.deliver_by + t.grace)]
		);
		assert!(has_event(Event::OrderCreated {
			order: id,
			shipper: ALICE,
			value: VALUE,
			payment: PAYMENT,
			escrow: ESCROW
		}));
		assert!(has_event(Event::OrderAccepted { order: id, carrier: BOB, bond: 5_000 }));
		// Bonded from the start: it never waits for a carrier, so it takes no expiry place.
		assert!(ExpiryQueue::<Test>::iter().all(|(_, queue)| !queue.contains(&id)));
		assert_eq!(Offers::<Test>::get(BOB).unwrap().remaining, 1);
		// The last booking ends the offer.
		assert_ok!(book(DAVE, for_bob()));
		assert!(Offers::<Test>::get(BOB).is_none());
		assert_eq!(last_event(), RuntimeEvent::Fulfillment(Event::OfferWithdrawn { carrier: BOB }));
		assert_noop!(book(ALICE, for_bob()), Error::<Test>::NoOffer);
		assert_eq!(ledger(BOB).open_orders, 2);
	});
}

#[test]
fn a_booking_outside_the_offer_is_refused_and_nothing_is_held() {
	test(|| {
		register(BOB, CARRIER_STAKE);
		register(CHARLIE, 4_999);
		assert_ok!(set_offer(BOB, BookingOffer { temperature_controlled: false, ..offer(3) }));
		assert_ok!(set_offer(CHARLIE, offer(3)));
		let before = (balances(), NextOrderId::<Test>::get(), Offers::<Test>::iter().count());
		let refused = |shipper, terms, error: Error<Test>| {
			assert_noop!(book(shipper, terms), error);
		};
		refused(ALICE, terms(), Error::NoCarrierNamed);
		refused(ALICE, Terms { carrier: Some(DAVE), ..terms() }, Error::NoOffer);
		refused(ALICE, Terms { value: VALUE + 1, ..for_bob() }, Error::OfferValueTooHigh);
		refused(ALICE, Terms { payment: PAYMENT - 1, ..for_bob() }, Error::OfferPaymentTooLow);
		refused(
			ALICE,
			Terms { deliver_by: T0_MS + 24 * HOUR_MS - 1, ..for_bob() },
			Error::OfferLeadTooShort,
		);
		let band = Some(TemperatureBand { min_centi_c: 200, max_centi_c: 800 });
		refused(ALICE, Terms { temperature: band, ..for_bob() }, Error::OfferNoTemperatureControl);
		// The order's own terms are checked as `create_order` checks them.
		refused(ALICE, Terms { value: 0, ..for_bob() }, Error::ZeroValue);
		refused(BOB, for_bob(), Error::CarrierIsShipper);
		refused(POOR, for_bob(), Error::InsufficientBalance);
		// And the carrier's side as `accept_order` checks it.
		refused(ALICE, Terms { carrier: Some(CHARLIE), ..terms() }, Error::InsufficientFreeStake);
		ATTESTATION_FAILS.with(|f| *f.borrow_mut() = true);
		assert_noop!(book(ALICE, for_bob()), sp_runtime::DispatchError::Other("too few attesters"));
		ATTESTATION_FAILS.with(|f| *f.borrow_mut() = false);
		assert_eq!(
			(balances(), NextOrderId::<Test>::get(), Offers::<Test>::iter().count()),
			before
		);
		assert_eq!(Offers::<Test>::get(BOB).unwrap().remaining, 3);
		// Reserved for one shipper.
		assert_ok!(set_offer(BOB, BookingOffer { shipper: Some(DAVE), ..offer(3) }));
		refused(ALICE, for_bob(), Error::OfferNotForShipper);
		assert_ok!(book(DAVE, for_bob()));
	});
}

#[test]
fn a_booked_order_cancels_and_settles_as_an_accepted_one() {
	test(|| {
		register(BOB, CARRIER_STAKE);
		assert_ok!(set_offer(BOB, offer(2)));
		let cancelled = NextOrderId::<Test>::get();
		assert_ok!(book(ALICE, for_bob()));
		assert_ok!(Fulfillment::cancel_order(RuntimeOrigin::signed(ALICE), cancelled));
		assert_ok!(Fulfillment::release_order(RuntimeOrigin::signed(BOB), cancelled));
		assert_eq!((free(ALICE), escrowed(ALICE)), (INITIAL, 0));
		let settled = NextOrderId::<Test>::get();
		assert_ok!(book(ALICE, for_bob()));
		let on_time = delivered(for_bob().deliver_by);
		assert_eq!(Fulfillment::on_final_outcome(settled, on_time), Ok(OutcomePath::Clean));
		assert_eq!(OrderRecords::<Test>::get(settled).unwrap().end, OrderEnd::DeliveredOnTime);
		let l = ledger(BOB);
		assert_eq!((l.stake.allocated, l.open_value, l.open_orders, l.settled), (0, 0, 0, 1));
	});
}

#[test]
fn a_carrier_leaving_takes_its_offer_with_it() {
	test(|| {
		register(BOB, MIN_STAKE);
		assert_ok!(set_offer(BOB, offer(1)));
		assert_ok!(Fulfillment::unbond(RuntimeOrigin::signed(BOB), MIN_STAKE));
		run_to_block(1 + UNBONDING);
		assert_ok!(Fulfillment::withdraw_unbonded(RuntimeOrigin::signed(BOB)));
		assert!(Offers::<Test>::get(BOB).is_none());
		assert!(has_event(Event::OfferWithdrawn { carrier: BOB }));
	});
}

#[test]
fn cancel_open_order_refunds_in_full() {
	test(|| {
		let id = create(ALICE, terms());
		assert_noop!(
			Fulfillment::cancel_order(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::NotShipper
		);
		assert_ok!(Fulfillment::cancel_order(RuntimeOrigin::signed(ALICE), id));
		assert_eq!((free(ALICE), escrowed(ALICE)), (INITIAL, 0));
		assert!(Orders::<Test>::get(id).is_none());
		let record = OrderRecords::<Test>::get(id).unwrap();
		// Never accepted: no bond was at stake.
		assert_eq!((record.end, record.value, record.bond), (OrderEnd::Cancelled, VALUE, 0));
		assert_eq!(
			last_event(),
			RuntimeEvent::Fulfillment(Event::OrderCancelled { order: id, refund: ESCROW })
		);
		assert_noop!(
			Fulfillment::cancel_order(RuntimeOrigin::signed(ALICE), id),
			Error::<Test>::OrderNotFound
		);
	});
}

#[test]
fn bonded_order_cancels_only_with_both_parties() {
	test(|| {
		let id = bonded_order();
		assert_noop!(
			Fulfillment::release_order(RuntimeOrigin::signed(ALICE), id),
			Error::<Test>::NotOrderCarrier
		);
		assert_ok!(Fulfillment::cancel_order(RuntimeOrigin::signed(ALICE), id));
		assert!(has_event(Event::CancellationRequested { order: id, by: Party::Shipper }));
		assert_noop!(
			Fulfillment::cancel_order(RuntimeOrigin::signed(ALICE), id),
			Error::<Test>::CancellationAlreadyRequested
		);
		// Nothing moved yet.
		assert_eq!((escrowed(ALICE), ledger(BOB).stake.allocated), (ESCROW, 5_000));
		assert_ok!(Fulfillment::release_order(RuntimeOrigin::signed(BOB), id));
		assert_eq!((free(ALICE), escrowed(ALICE)), (INITIAL, 0));
		let l = ledger(BOB);
		assert_eq!((l.stake.allocated, l.open_value, l.open_orders), (0, 0, 0));
		assert_eq!(CLOSED.with(|c| c.borrow().clone()), vec![id]);
		assert_eq!(OrderRecords::<Test>::get(id).unwrap().carrier, Some(BOB));
	});
}

#[test]
fn carrier_may_consent_first() {
	test(|| {
		let id = bonded_order();
		assert_ok!(Fulfillment::release_order(RuntimeOrigin::signed(BOB), id));
		assert_noop!(
			Fulfillment::release_order(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::CancellationAlreadyRequested
		);
		assert_ok!(Fulfillment::cancel_order(RuntimeOrigin::signed(ALICE), id));
		assert_eq!(escrowed(ALICE), 0);
		assert!(has_event(Event::OrderCancelled { order: id, refund: ESCROW }));
	});
}

#[test]
fn release_needs_a_bonded_order() {
	test(|| {
		register(BOB, CARRIER_STAKE);
		let id = create(ALICE, terms());
		assert_noop!(
			Fulfillment::release_order(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::NotBonded
		);
	});
}

#[test]
fn unaccepted_orders_expire_after_accept_by() {
	test(|| {
		register(BOB, CARRIER_STAKE);
		let t = terms();
		let id = create(ALICE, t.clone());
		run_to_block(t.accept_by);
		// The last acceptable block.
		assert!(Orders::<Test>::get(id).is_some());
		run_to_block(t.accept_by + 1);
		assert!(Orders::<Test>::get(id).is_none());
		assert_eq!((free(ALICE), escrowed(ALICE)), (INITIAL, 0));
		assert_eq!(OrderRecords::<Test>::get(id).unwrap().end, OrderEnd::Expired);
		assert!(has_event(Event::OrderExpired { order: id, refund: ESCROW }));
		assert_noop!(
			Fulfillment::accept_order(RuntimeOrigin::signed(BOB), id),
			Error::<Test>::OrderNotFound
		);
	});
}

#[test]
fn accepted_orders_do_not_expire() {
	test(|| {
		let id = bonded_order();
		let bonded = Orders::<Test>::get(id).unwrap();
		run_to_block(terms().accept_by + 10);
		assert_eq!(Orders::<Test>::get(id), Some(bonded));
		assert!(!OrderRecords::<Test>::contains_key(id));
		assert!(ExpiryQueue::<Test>::iter().next().is_none(), "the hook took its queue");
	});
}

#[test]
fn a_cancelled_order_gives_its_expiry_place_back() {
	test(|| {
		let t = terms();
		let per_block: u32 = <Test as Config>::MaxExpiriesPerBlock::get();
		// A full first block, and one order spilled into the next.
		let ids: Vec<u64> = (0..=per_block).map(|_| create(ALICE, t.clone())).collect();
		let spilled = ids[per_block as usize];
		assert!(ExpiryQueue::<Test>::get(t.accept_by + 2).contains(&spilled));
		assert_ok!(Fulfillment::cancel_order(RuntimeOrigin::signed(ALICE), spilled));
		assert!(ExpiryQueue::<Test>::get(t.accept_by + 2).is_empty());
		assert_ok!(Fulfillment::cancel_order(RuntimeOrigin::signed(ALICE), ids[0]));
		// Its place is free for the next order of that window.
		let next = create(ALICE, t.clone());
		assert!(ExpiryQueue::<Test>::get(t.accept_by + 1).contains(&next));

		// A bonded order cancelled by both parties gives its place back too.
		register(BOB, CARRIER_STAKE);
		assert_ok!(Fulfillment::accept_order(RuntimeOrigin::signed(BOB), ids[1]));
		assert!(ExpiryQueue::<Test>::get(t.accept_by + 1).contains(&ids[1]));
		assert_ok!(Fulfillment::cancel_order(RuntimeOrigin::signed(ALICE), ids[1]));
		assert_ok!(Fulfillment::release_order(RuntimeOrigin::signed(BOB), ids[1]));
		assert!(!ExpiryQueue::<Test>::get(t.accept_by + 1).contains(&ids[1]));

		run_to_block(t.accept_by + 2);
		for cancelled in [spilled, ids[0], ids[1]] {
			assert_eq!(OrderRecords::<Test>::get(cancelled).unwrap().end, OrderEnd::Cancelled);
			assert!(!has_event(Event::OrderExpired { order: cancelled, refund: ESCROW }));
		}
	});
}

#[test]
fn hook_weight_does_not_depend_on_open_orders() {
	fn weight_with_open_orders(open: u32) -> frame_support::weights::Weight {
		let mut weight = Default::default();
		new_test_ext().execute_with(|| {
			let due = 200;
			// One order expires at the measured block; `open` others are open elsewhere.
			create(ALICE, Terms { accept_by: due, ..terms() });
			for i in 0..open {
				let accept_by = 300 + (i / 16) as u64;
				create(DAVE, Terms { value: 1, payment: 50, accept_by, ..terms() });
			}
			run_to_block(due);
			use frame_support::traits::Hooks;
			System::set_block_number(due + 1);
			weight = Fulfillment::on_initialize(due + 1);
			assert_eq!(Orders::<Test>::iter().count() as u32, open);
			Fulfillment::do_try_state().unwrap();
		});
		weight
	}
	let few = weight_with_open_orders(10);
	let many = weight_with_open_orders(10_000);
	assert_eq!(few, many);
	assert_eq!(few, <MockWeights as crate::WeightInfo>::on_initialize(1));
}

// ---- Settlement ----

#[test]
fn on_time_delivery_pays_carrier_frees_bond_and_pays_fee() {
	test(|| {
		let id = bonded_order();
		let t = terms();
		assert_eq!(
			Fulfillment::on_final_outcome(id, delivered(t.deliver_by + t.grace)),
			Ok(OutcomePath::Clean)
		);
		assert_eq!((free(ALICE), escrowed(ALICE)), (INITIAL - ESCROW, 0));
		assert_eq!(free(BOB), INITIAL - CARRIER_STAKE + PAYMENT);
		assert_eq!(free(FEE_POT), 1 + FEE);
		assert_eq!(FEES.with(|f| f.borrow().clone()), vec![(id, FEE)]);
		let l = ledger(BOB);
		assert_eq!(
			(l.stake.allocated, l.stake.reserved, l.open_orders, l.settled, l.faults),
			(0, 0, 0, 1, 0)
		);
		// 50 % → 50 % + 20 % × (100 % − 50 %) = 60 %.
		assert_eq!(l.score, Perbill::from_percent(60));
		assert!(SLASHES.with(|s| s.borrow().is_empty()));
		let record = OrderRecords::<Test>::get(id).unwrap();
		assert_eq!(
			(record.end, record.paid_to_carrier, record.refunded, record.slash_scheduled),
			(OrderEnd::DeliveredOnTime, PAYMENT, 0, 0)
		);
		// The record keeps what was at stake.
		assert_eq!((record.value, record.bond), (VALUE, 5_000));
		assert!(Orders::<Test>::get(id).is_none());
		assert!(has_event(Event::OrderSettled {
			order: id,
			end: OrderEnd::DeliveredOnTime,
			paid_to_carrier: PAYMENT,
			refunded: 0,
			slash_scheduled: 0
		}));
	});
}

#[test]
fn late_delivery_pays_carrier_and_schedules_a_proportional_slash() {
	test(|| {
		let id = bonded_order();
		let t = terms();
		// Three hours and a minute past the deadline plus grace.
		let at = t.deliver_by + t.grace + 3 * HOUR_MS + 60_000;
		assert_eq!(Fulfillment::on_final_outcome(id, delivered(at)), Ok(OutcomePath::Faulted));
		assert_eq!(free(BOB), INITIAL - CARRIER_STAKE + PAYMENT);
		let request = SLASHES.with(|s| s.borrow()[0].clone());
		assert_eq!(request.offender, BOB);
		assert_eq!(request.kind, StakeKind::Carrier);
		assert_eq!(request.at_risk, 5_000);
		assert_eq!(request.value, VALUE);
		assert_eq!(request.beneficiary, Some(ALICE));
		assert_eq!(request.severity.late_hours, 4);
		// The mock slasher schedules 25 % of the bond, which stays reserved.
		let l = ledger(BOB);
		assert_eq!((l.stake.allocated, l.stake.reserved, l.faults), (0, 1_250, 1));
		assert_eq!(l.stake.free(), CARRIER_STAKE - 1_250);
		// Outcome score 75 %: 50 % + 20 % × 25 % = 55 %.
		assert_eq!(l.score, Perbill::from_percent(55));
		let record = OrderRecords::<Test>::get(id).unwrap();
		assert_eq!((record.end, record.slash_scheduled), (OrderEnd::DeliveredWithFault, 1_250));
	});
}

#[test]
fn excursion_and_damage_are_faults() {
	test(|| {
		register(BOB, CARRIER_STAKE);
		let band = Some(TemperatureBand { min_centi_c: 200, max_centi_c: 800 });
		let cold = create(ALICE, Terms { temperature: band, ..terms() });
		let damaged = create(ALICE, terms());
		for id in [cold, damaged] {
			assert_ok!(Fulfillment::accept_order(RuntimeOrigin::signed(BOB), id));
		}
		let at = terms().deliver_by;
		assert_ok!(Fulfillment::on_final_outcome(
			cold,
			Report::Delivered { at, max_excursion_centi_c_minutes: 900, damage: Perbill::zero() }
		));
		assert_ok!(Fulfillment::on_final_outcome(
			damaged,
			Report::Delivered {
				at,
				max_excursion_centi_c_minutes: 0,
				damage: Perbill::from_percent(10)
			}
		));
		let slashes = SLASHES.with(|s| s.borrow().clone());
		assert_eq!(slashes[0].severity.excursion_centi_c_minutes, 900);
		assert_eq!(slashes[1].severity.damage, Perbill::from_percent(10));
		assert_eq!(ledger(BOB).stake.reserved, 2 * 1_250);
	});
}

#[test]
fn excursion_without_a_band_is_not_a_fault() {
	test(|| {
		let id = bonded_order();
		assert_ok!(Fulfillment::on_final_outcome(
			id,
			Report::Delivered {
				at: terms().deliver_by,
				max_excursion_centi_c_minutes: 900,
				damage: Perbill::zero()
			}
		));
		assert_eq!(OrderRecords::<Test>::get(id).unwrap().end, OrderEnd::DeliveredOnTime);
	});
}

#[test]
fn lost_cargo_refunds_payment_and_schedules_a_full_slash() {
	test(|| {
		let id = bonded_order();
		assert_eq!(Fulfillment::on_final_outcome(id, Report::Lost), Ok(OutcomePath::Faulted));
		// The payment comes back; the fee paid the committee.
		assert_eq!((free(ALICE), escrowed(ALICE)), (INITIAL - FEE, 0));
		assert_eq!(free(BOB), INITIAL - CARRIER_STAKE);
		let request = SLASHES.with(|s| s.borrow()[0].clone());
		assert!(request.severity.lost);
		assert_eq!(ledger(BOB).stake.reserved, 5_000);
		assert_eq!(ledger(BOB).score, Perbill::from_percent(40));
		let record = OrderRecords::<Test>::get(id).unwrap();
		assert_eq!(
			(record.end, record.refunded, record.slash_scheduled),
			(OrderEnd::Lost, PAYMENT, 5_000)
		);
	});
}

#[test]
fn settlement_needs_a_bonded_order_and_happens_once() {
	test(|| {
		assert_noop!(Fulfillment::on_final_outcome(9, Report::Lost), Error::<Test>::OrderNotFound);
		register(BOB, CARRIER_STAKE);
		let open = create(ALICE, terms());
		assert_noop!(Fulfillment::on_final_outcome(open, Report::Lost), Error::<Test>::NotBonded);
		assert_ok!(Fulfillment::accept_order(RuntimeOrigin::signed(BOB), open));
		assert_ok!(Fulfillment::on_final_outcome(open, Report::Lost));
		assert_noop!(
			Fulfillment::on_final_outcome(open, Report::Lost),
			Error::<Test>::OrderNotFound
		);
	});
}

#[test]
fn reputation_moves_the_quote() {
	test(|| {
		register(BOB, 100_000);
		let neutral = Fulfillment::quote_bond(VALUE, &BOB);
		for _ in 0..10 {
			let id = create(ALICE, terms());
			assert_ok!(Fulfillment::accept_order(RuntimeOrigin::signed(BOB), id));
			assert_ok!(Fulfillment::on_final_outcome(id, delivered(terms().deliver_by)));
		}
		let good = Fulfillment::quote_bond(VALUE, &BOB);
		assert!(good < neutral, "a good record lowers the bond: {good} vs {neutral}");
		for _ in 0..3 {
			let id = create(ALICE, terms());
			assert_ok!(Fulfillment::accept_order(RuntimeOrigin::signed(BOB), id));
			assert_ok!(Fulfillment::on_final_outcome(id, Report::Lost));
		}
		let bad = Fulfillment::quote_bond(VALUE, &BOB);
		assert!(bad > good, "faults raise the bond: {bad} vs {good}");
		// Unknown carriers are quoted at the neutral score.
		assert_eq!(Fulfillment::quote_bond(VALUE, &CHARLIE), neutral);
	});
}

#[test]
fn collateral_ratio_is_clamped_and_monotone() {
	test(|| {
		assert_eq!(
			Fulfillment::collateral_ratio(Perbill::from_percent(50)),
			Perbill::from_percent(50)
		);
		assert_eq!(Fulfillment::collateral_ratio(Perbill::one()), Perbill::from_percent(25));
		assert_eq!(Fulfillment::collateral_ratio(Perbill::zero()), Perbill::from_percent(75));
		let mut last = Perbill::one();
		for s in 0..=100 {
			let r = Fulfillment::collateral_ratio(Perbill::from_percent(s));
			assert!(r <= last, "a better score never raises the ratio");
			assert!(r >= Perbill::from_percent(20) && r <= Perbill::from_percent(100));
			last = r;
		}
		// A bond is never zero for cargo of any value.
		assert_eq!(Fulfillment::quote_bond(1, &BOB), 1);
	});
}

// ---- Slashes ----

#[test]
fn applied_slash_takes_the_reserved_bond_from_the_hold() {
	test(|| {
		let id = bonded_order();
		assert_ok!(Fulfillment::on_final_outcome(id, Report::Lost));
		let credit =
			<Fulfillment as SlashableStake<_, _>>::slash_reserved(StakeKind::Carrier, &BOB, 5_000);
		assert_eq!(frame_support::traits::Imbalance::peek(&credit), 5_000);
		drop(credit);
		assert_eq!(staked(BOB), CARRIER_STAKE - 5_000);
		let l = ledger(BOB);
		assert_eq!((l.stake.total, l.stake.reserved), (CARRIER_STAKE - 5_000, 0));
		assert_eq!(TotalActiveStake::<Test>::get(), CARRIER_STAKE - 5_000);
		assert!(has_event(Event::CarrierSlashed { carrier: BOB, amount: 5_000 }));
	});
}

#[test]
fn a_cancelled_slash_restores_the_stake_exactly() {
	test(|| {
		let id = bonded_order();
		assert_ok!(Fulfillment::on_final_outcome(id, Report::Lost));
		let before = (staked(BOB), free(BOB));
		<Fulfillment as SlashableStake<_, _>>::release_reserved(StakeKind::Carrier, &BOB, 5_000);
		assert_eq!((staked(BOB), free(BOB)), before);
		let l = ledger(BOB);
		assert_eq!((l.stake.reserved, l.stake.free()), (0, CARRIER_STAKE));
		// A released reservation can be unbonded again.
		assert_ok!(Fulfillment::unbond(RuntimeOrigin::signed(BOB), CARRIER_STAKE));
	});
}

#[test]
fn unbonding_stake_stays_on_hold_through_a_slash() {
	test(|| {
		let id = bonded_order();
		assert_ok!(Fulfillment::unbond(RuntimeOrigin::signed(BOB), 10_000));
		assert_ok!(Fulfillment::on_final_outcome(id, Report::Lost));
		let credit =
			<Fulfillment as SlashableStake<_, _>>::slash_reserved(StakeKind::Carrier, &BOB, 5_000);
		drop(credit);
		run_to_block(1 + UNBONDING);
		assert_ok!(Fulfillment::withdraw_unbonded(RuntimeOrigin::signed(BOB)));
		assert_eq!(staked(BOB), CARRIER_STAKE - 5_000 - 10_000);
		assert_eq!(free(BOB), INITIAL - CARRIER_STAKE + 10_000);
	});
}

#[test]
fn a_slash_never_takes_more_than_is_reserved() {
	test(|| {
		let id = bonded_order();
		SLASH_FRACTION.with(|f| *f.borrow_mut() = Perbill::from_percent(10));
		assert_ok!(Fulfillment::on_final_outcome(id, delivered(terms().deliver_by + 2 * HOUR_MS)));
		assert_eq!(ledger(BOB).stake.reserved, 500);
		let credit =
			<Fulfillment as SlashableStake<_, _>>::slash_reserved(StakeKind::Carrier, &BOB, 10_000);
		assert_eq!(frame_support::traits::Imbalance::peek(&credit), 500);
		drop(credit);
		assert_eq!(staked(BOB), CARRIER_STAKE - 500);
	});
}

#[test]
fn token_errors_are_not_leaked_for_short_balances() {
	test(|| {
		// A shipper with too little gets the pallet's error, not a token error.
		let result = Fulfillment::create_order(
			RuntimeOrigin::signed(POOR),
			Terms { payment: 95, ..terms() },
		);
		assert_eq!(result, Err(Error::<Test>::InsufficientBalance.into()));
	});
}

#[test]
fn genesis_registers_carriers_on_hold() {
	use sp_runtime::BuildStorage;
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> { balances: vec![(BOB, INITIAL)], ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	crate::GenesisConfig::<Test> { carriers: vec![(BOB, 5 * MIN_STAKE)] }
		.assimilate_storage(&mut storage)
		.unwrap();
	sp_io::TestExternalities::new(storage).execute_with(|| {
		assert_eq!(ledger(BOB).stake.total, 5 * MIN_STAKE);
		assert_eq!(staked(BOB), 5 * MIN_STAKE);
		Fulfillment::do_try_state().expect("invariants hold from genesis");
	});
}

// ---- Migrations ----

mod migration_v1 {
	use super::*;
	use crate::migrations::v1::{self, v0};
	use codec::Encode;
	use frame_support::{
		storage::unhashed,
		traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
	};

	type V0Record = v0::OrderRecord<AccountId, Balance, u64>;

	fn legacy(shipper: AccountId, end: OrderEnd, ended_at: u64) -> V0Record {
		V0Record {
			shipper,
			carrier: Some(BOB),
			end,
			paid_to_carrier: PAYMENT,
			refunded: 0,
			slash_scheduled: 7,
			ended_at,
		}
	}

	/// A chain as runtime 100 left it: v0 records, at storage version 0, beside live orders.
	fn v0_chain() -> Vec<(u64, V0Record)> {
		let live = bonded_order();
		let open = create(ALICE, terms());
		assert_eq!((live, open), (0, 1));
		let records = vec![
			(7, legacy(ALICE, OrderEnd::DeliveredOnTime, 3)),
			(8, legacy(CHARLIE, OrderEnd::Lost, 4)),
			(9, legacy(DAVE, OrderEnd::DeliveredWithFault, 5)),
		];
		for (id, record) in &records {
			unhashed::put_raw(&OrderRecords::<Test>::hashed_key_for(id), &record.encode());
		}
		StorageVersion::new(0).put::<Fulfillment>();
		records
	}

	fn root() -> Vec<u8> {
		sp_io::storage::root(sp_runtime::StateVersion::V1)
	}

	#[test]
	fn v0_records_gain_zero_value_and_bond_and_nothing_else_changes() {
		test(|| {
			let records = v0_chain();
			let live =
				(Orders::<Test>::iter().collect::<Vec<_>>(), ledger(BOB).encode(), balances());
			let state = v1::pre_upgrade_check::<Test>();

			let weight = v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();

			v1::post_upgrade_check::<Test>(state).expect("the post-upgrade check passes");
			assert_eq!(Fulfillment::on_chain_storage_version(), StorageVersion::new(1));
			for (id, old) in records {
				let new = OrderRecords::<Test>::get(id).expect("kept");
				assert_eq!((new.value, new.bond), (0, 0));
				assert_eq!(
					(new.shipper, new.end, new.slash_scheduled, new.ended_at),
					(old.shipper, old.end, old.slash_scheduled, old.ended_at)
				);
			}
			assert_eq!(
				(Orders::<Test>::iter().collect::<Vec<_>>(), ledger(BOB).encode(), balances()),
				live
			);
			// Three records read and written, and the version read and written.
			assert_eq!(weight, <Test as frame_system::Config>::DbWeight::get().reads_writes(4, 4));
		});
	}

	#[test]
	fn the_migration_runs_once() {
		test(|| {
			v0_chain();
			v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
			let after_first = root();
			let weight = v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
			assert_eq!(root(), after_first);
			// Only the version was read.
			assert_eq!(weight, <Test as frame_system::Config>::DbWeight::get().reads(1));
		});
	}

	#[test]
	fn records_written_at_v1_are_not_migrated_again() {
		test(|| {
			// As the genesis of a chain that starts with this code writes (the runtime's tests
			// check that it does).
			StorageVersion::new(1).put::<Fulfillment>();
			let id = create(ALICE, terms());
			assert_ok!(Fulfillment::cancel_order(RuntimeOrigin::signed(ALICE), id));
			let before = root();
			v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
			assert_eq!(root(), before);
			assert_eq!(OrderRecords::<Test>::get(id).unwrap().value, VALUE);
		});
	}

	#[test]
	fn the_post_upgrade_check_catches_a_changed_or_lost_record() {
		test(|| {
			v0_chain();
			let state = v1::pre_upgrade_check::<Test>();
			v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
			OrderRecords::<Test>::mutate(8, |r| r.as_mut().unwrap().refunded = 1);
			assert!(v1::post_upgrade_check::<Test>(state.clone()).is_err());
			OrderRecords::<Test>::mutate(8, |r| r.as_mut().unwrap().refunded = 0);
			assert!(v1::post_upgrade_check::<Test>(state.clone()).is_ok());
			OrderRecords::<Test>::remove(9);
			assert!(v1::post_upgrade_check::<Test>(state).is_err());
			// Put back, so the invariants at the end of the test see a consistent chain.
			OrderRecords::<Test>::insert(
				9,
				OrderRecord {
					shipper: DAVE,
					carrier: Some(BOB),
					value: 0,
					bond: 0,
					end: OrderEnd::DeliveredWithFault,
					paid_to_carrier: PAYMENT,
					refunded: 0,
					slash_scheduled: 7,
					ended_at: 5,
				},
			);
		});
	}
}
