//! Tests of the disputes pallet. Every test ends with `do_try_state` (see `mock::test`).

use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{InspectHold, Mutate},
	weights::Weight,
};
use sp_core::H256;
use sp_runtime::{traits::BadOrigin, Perbill};
use surety_primitives::protocol::{ProposalHandler, Report, SlashableStake, StakeKind};
use surety_primitives::queue::{spilled_past, Spill};

use crate::{mock::*, CaseStatus, Cases, Deposits, Error, Event, Timers, WeightInfo};

const DEPOSIT: Balance = 1_000; // 1 % of VALUE, above the minimum

fn delivered(at: u64) -> Report {
	Report::Delivered { at, max_excursion_centi_c_minutes: 0, damage: Perbill::zero() }
}

/// The weight of what searches for a block with room read and wrote past full queues.
fn spills(spill: Spill) -> Weight {
	spill.weight(<Test as frame_system::Config>::DbWeight::get())
}

/// The most a dispute's searches may spill: the mock committee's and a timer's.
fn longest_dispute_spill() -> Spill {
	MAX_SPILL.saturating_add(Spill::longest_hinted(MAX_TIMERS))
}

/// Fills the timer queues of `blocks` with orders that have no case, as other orders' timers
/// would.
fn fill_timers(blocks: core::ops::Range<u64>) {
	for (block, order) in blocks.zip(100u64..) {
		let full = frame_support::BoundedVec::truncate_from(vec![order; MAX_TIMERS as usize]);
		Timers::<Test>::insert(block, full);
	}
}

fn clear_timers(blocks: core::ops::Range<u64>) {
	for block in blocks {
		Timers::<Test>::remove(block);
	}
}

fn propose(order: u64, outcome: Report) {
	assert_ok!(Disputes::on_proposed(order, outcome));
}

fn dispute(
	who: AccountId,
	order: u64,
	claim: Report,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Disputes::dispute(RuntimeOrigin::signed(who), order, claim, H256::repeat_byte(7))
}

/// The weight a successful dispute is charged.
fn charged(result: frame_support::dispatch::DispatchResultWithPostInfo) -> Weight {
	let info = result.expect("disputed");
	let call = crate::Call::<Test>::dispute {
		order: 0,
		claim: Report::Lost,
		evidence: Default::default(),
	};
	info.calc_actual_weight(&frame_support::dispatch::GetDispatchInfo::get_dispatch_info(&call))
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&RuntimeHoldReason::Disputes(crate::HoldReason::DisputeDeposit), &who)
}

fn finals() -> Vec<(u64, Report)> {
	FINAL.with(|f| f.borrow().clone())
}

fn status(order: u64) -> CaseStatus<u64> {
	Cases::<Test>::get(order).unwrap().status
}

fn has_event(e: Event<Test>) -> bool {
	System::events().iter().any(|r| r.event == RuntimeEvent::Disputes(e.clone()))
}

#[test]
fn an_undisputed_proposal_finalizes_exactly_at_the_window_end() {
	test(|| {
		propose(0, delivered(5));
		assert_eq!(status(0), CaseStatus::Window { ends: 1 + WINDOW });
		run_to_block(WINDOW);
		assert!(finals().is_empty(), "nothing is final while the window is open");
		run_to_block(1 + WINDOW);
		assert_eq!(finals(), vec![(0, delivered(5))]);
		assert!(Cases::<Test>::get(0).is_none());
		assert!(has_event(Event::Finalized { order: 0, outcome: delivered(5) }));
	});
}

#[test]
fn an_unknown_order_opens_no_window() {
	test(|| {
		UNKNOWN_ORDERS.with(|u| u.borrow_mut().push(9));
		assert_noop!(Disputes::on_proposed(9, Report::Lost), Error::<Test>::UnknownOrder);
		propose(0, Report::Lost);
		assert_noop!(Disputes::on_proposed(0, Report::Lost), Error::<Test>::UnexpectedRound);
	});
}

#[test]
fn only_parties_and_members_may_dispute() {
	test(|| {
		propose(0, delivered(5));
		assert_noop!(dispute(OUTSIDER, 0, Report::Lost), Error::<Test>::NotParty);
		assert_noop!(
			Disputes::dispute(RuntimeOrigin::none(), 0, Report::Lost, H256::zero()),
			BadOrigin
		);
		assert_noop!(dispute(MEMBER, 1, Report::Lost), Error::<Test>::NoCase);
		assert_noop!(dispute(MEMBER, 0, delivered(900)), Error::<Test>::ClaimMatchesProposal);
		assert_ok!(dispute(MEMBER, 0, Report::Lost));
		assert_eq!(held(MEMBER), DEPOSIT);
		assert_eq!(held(OUTSIDER), 0);
	});
}

#[test]
fn a_late_dispute_is_rejected() {
	test(|| {
		propose(0, delivered(5));
		run_to_block(WINDOW);
		assert_ok!(dispute(CARRIER, 0, delivered(50_000)));
		propose(1, delivered(5));
		run_to_block(WINDOW + 1 + WINDOW);
		assert_noop!(dispute(SHIPPER, 1, Report::Lost), Error::<Test>::NoCase);
		// A case re-attesting is not open to dispute either.
		assert_noop!(dispute(SHIPPER, 0, Report::Lost), Error::<Test>::WindowClosed);
	});
}

#[test]
fn the_deposit_is_the_larger_of_the_minimum_and_the_ratio() {
	test(|| {
		assert_eq!(Disputes::deposit_for(VALUE), DEPOSIT);
		assert_eq!(Disputes::deposit_for(1_000), MIN_DEPOSIT);
		propose(0, delivered(5));
		assert_noop!(dispute(POOR, 0, Report::Lost), Error::<Test>::NotParty);
	});
}

#[test]
fn a_disputer_who_cannot_pay_holds_nothing() {
	test(|| {
		propose(0, delivered(5));
		Balances::set_balance(&SHIPPER, DEPOSIT - 1);
		assert_noop!(dispute(SHIPPER, 0, Report::Lost), Error::<Test>::InsufficientBalance);
		assert_eq!(held(SHIPPER), 0);
	});
}

#[test]
fn each_round_escalates_then_arbitration_rules() {
	test(|| {
		propose(0, delivered(5));
		// Round 1 disputed: a fresh committee, charged less what its draw did not use.
		assert_eq!(
			charged(dispute(SHIPPER, 0, Report::Lost)),
			MockWeights::dispute_escalating() - UNUSED_DRAW_WEIGHT
		);
		assert_eq!(ESCALATIONS.with(|e| e.borrow().clone()), vec![0]);
		assert_eq!(status(0), CaseStatus::Reattesting);
		assert_eq!(Cases::<Test>::get(0).unwrap().round, 2);
		// Round 2 proposes, and is disputed: the last committee round, so arbitration.
		propose(0, Report::Lost);
		assert_eq!(
			charged(dispute(CARRIER, 0, delivered(5))),
			MockWeights::dispute_to_arbitration()
		);
		assert_eq!(status(0), CaseStatus::AwaitingRuling { until: 1 + ARBITRATION });
		assert_eq!(ESCALATIONS.with(|e| e.borrow().len()), 1);
		assert_noop!(Disputes::rule(RuntimeOrigin::signed(SHIPPER), 0, Report::Lost), BadOrigin);
		assert_ok!(Disputes::rule(RuntimeOrigin::root(), 0, Report::Lost));
		assert_eq!(finals(), vec![(0, Report::Lost)]);
		assert_noop!(Disputes::rule(RuntimeOrigin::root(), 0, Report::Lost), Error::<Test>::NoCase);
	});
}

#[test]
fn ruling_is_only_for_cases_awaiting_it() {
	test(|| {
		propose(0, delivered(5));
		assert_noop!(
			Disputes::rule(RuntimeOrigin::root(), 0, Report::Lost),
			Error::<Test>::NotAwaitingRuling
		);
	});
}

#[test]
fn a_standing_outcome_forfeits_the_deposit_to_the_winning_side() {
	test(|| {
		propose(0, delivered(5));
		assert_ok!(dispute(SHIPPER, 0, Report::Lost));
		propose(0, delivered(5));
		assert_ok!(dispute(SHIPPER, 0, Report::Lost));
		// Arbitration confirms delivery: the proposal stood both times.
		assert_ok!(Disputes::rule(RuntimeOrigin::root(), 0, delivered(500)));
		let slashes = SLASHES.with(|s| s.borrow().clone());
		assert_eq!(slashes.len(), 2);
		for s in &slashes {
			assert_eq!(
				(s.offender, s.kind, s.at_risk),
				(SHIPPER, StakeKind::DisputeDeposit, DEPOSIT)
			);
			assert_eq!(s.beneficiary, Some(CARRIER));
			assert!(s.severity.lost);
		}
		// Still on hold, reserved for the pending slashes.
		assert_eq!(held(SHIPPER), 2 * DEPOSIT);
		assert_eq!(Disputes::reserved(StakeKind::DisputeDeposit, &SHIPPER), 2 * DEPOSIT);
		assert!(REPORTERS.with(|r| r.borrow().is_empty()));
		// The slashing side takes it when it applies.
		let credit = Disputes::slash_reserved(StakeKind::DisputeDeposit, &SHIPPER, DEPOSIT);
		assert_eq!(frame_support::traits::Imbalance::peek(&credit), DEPOSIT);
		drop(credit);
		assert_eq!(held(SHIPPER), DEPOSIT);
	});
}

#[test]
fn an_overturned_outcome_returns_the_deposit_and_rewards_the_disputer() {
	test(|| {
		propose(0, delivered(5));
		assert_ok!(dispute(CARRIER, 0, delivered(500_000)));
		propose(0, delivered(500_000));
		run_to_block(1 + WINDOW);
		assert_eq!(finals(), vec![(0, delivered(500_000))]);
		assert_eq!(held(CARRIER), 0);
		assert_eq!(Balances::free_balance(CARRIER), INITIAL);
		assert_eq!(REPORTERS.with(|r| r.borrow().clone()), vec![(0, CARRIER)]);
		assert!(SLASHES.with(|s| s.borrow().is_empty()));
		assert!(Deposits::<Test>::get(CARRIER).is_none());
	});
}

#[test]
fn a_member_losing_a_dispute_forfeits_to_the_treasury() {
	test(|| {
		propose(0, delivered(5));
		assert_ok!(dispute(MEMBER, 0, Report::Lost));
		propose(0, delivered(5));
		run_to_block(1 + WINDOW);
		let slash = SLASHES.with(|s| s.borrow()[0].clone());
		assert_eq!((slash.offender, slash.beneficiary), (MEMBER, None));
	});
}

#[test]
fn a_vetoed_forfeit_returns_the_deposit() {
	test(|| {
		propose(0, delivered(5));
		assert_ok!(dispute(SHIPPER, 0, Report::Lost));
		propose(0, delivered(5));
		run_to_block(1 + WINDOW);
		assert_eq!(held(SHIPPER), DEPOSIT);
		Disputes::release_reserved(StakeKind::DisputeDeposit, &SHIPPER, DEPOSIT);
		assert_eq!(held(SHIPPER), 0);
		assert_eq!(Balances::free_balance(SHIPPER), INITIAL);
		assert!(Deposits::<Test>::get(SHIPPER).is_none());
	});
}

#[test]
fn no_ruling_lets_the_proposal_stand_and_returns_deposits() {
	test(|| {
		propose(0, delivered(5));
		assert_ok!(dispute(SHIPPER, 0, Report::Lost));
		propose(0, delivered(6));
		assert_ok!(dispute(SHIPPER, 0, Report::Lost));
		run_to_block(1 + ARBITRATION);
		assert_eq!(finals(), vec![(0, delivered(6))]);
		assert_eq!(held(SHIPPER), 0);
		assert!(SLASHES.with(|s| s.borrow().is_empty()));
		assert!(has_event(Event::RulingDefaulted { order: 0, outcome: delivered(6) }));
	});
}

#[test]
fn no_quorum_anywhere_and_no_ruling_counts_as_lost() {
	test(|| {
		assert_ok!(Disputes::on_no_quorum(0));
		assert_eq!(status(0), CaseStatus::Reattesting);
		assert_eq!(ESCALATIONS.with(|e| e.borrow().clone()), vec![0]);
		assert_ok!(Disputes::on_no_quorum(0));
		assert_eq!(status(0), CaseStatus::AwaitingRuling { until: 1 + ARBITRATION });
		run_to_block(1 + ARBITRATION);
		assert_eq!(finals(), vec![(0, Report::Lost)]);
	});
}

#[test]
fn too_few_attesters_for_escalation_goes_to_arbitration() {
	test(|| {
		propose(0, delivered(5));
		ESCALATION_FAILS.with(|f| *f.borrow_mut() = true);
		// The failed draw is paid for: the declared weight, the longest searches included.
		assert_eq!(
			charged(dispute(SHIPPER, 0, Report::Lost)),
			MockWeights::dispute_escalating() + spills(longest_dispute_spill())
		);
		assert_eq!(status(0), CaseStatus::AwaitingRuling { until: 1 + ARBITRATION });
		assert_eq!(Cases::<Test>::get(0).unwrap().round, 1);
	});
}

#[test]
fn a_dispute_is_charged_the_full_queues_its_searches_read() {
	test(|| {
		let declared = frame_support::dispatch::GetDispatchInfo::get_dispatch_info(&crate::Call::<
			Test,
		>::dispute {
			order: 0,
			claim: Report::Lost,
			evidence: H256::zero(),
		})
		.call_weight;
		assert_eq!(declared, MockWeights::dispute_escalating() + spills(longest_dispute_spill()));
		propose(0, delivered(5));
		// The new committee's deadline went past two full queues.
		ESCALATION_SPILLS.with(|s| *s.borrow_mut() = 2);
		assert_eq!(
			charged(dispute(SHIPPER, 0, Report::Lost)),
			MockWeights::dispute_escalating() - UNUSED_DRAW_WEIGHT + spills(spilled_past(2))
		);
		// The last round's dispute goes to arbitration, whose end finds three full blocks.
		propose(0, Report::Lost);
		let until = System::block_number() + ARBITRATION;
		fill_timers(until..until + 3);
		assert_eq!(
			charged(dispute(CARRIER, 0, delivered(5))),
			MockWeights::dispute_to_arbitration() + spills(spilled_past(3))
		);
		assert_eq!(status(0), CaseStatus::AwaitingRuling { until: until + 3 });
		clear_timers(until..until + 3);
	});
}

#[test]
fn a_ruling_adds_the_full_queues_its_slashes_read_to_the_block() {
	test(|| {
		propose(0, delivered(5));
		assert_ok!(dispute(SHIPPER, 0, Report::Lost));
		Disputes::on_no_quorum(0).expect("the last round had no quorum");
		assert!(matches!(status(0), CaseStatus::AwaitingRuling { .. }));
		// The shipper's claim is not upheld: its deposit is forfeited, a slash whose due block
		// is found past four full queues.
		SLASH_SPILLS.with(|s| *s.borrow_mut() = 4);
		let before = System::block_weight().total();
		assert_ok!(Disputes::rule(RuntimeOrigin::root(), 0, delivered(5)));
		assert_eq!(SLASHES.with(|s| s.borrow().len()), 1);
		assert_eq!(System::block_weight().total() - before, spills(spilled_past(4)));
	});
}

#[test]
fn a_hook_is_charged_the_full_queues_its_searches_read() {
	use frame_support::traits::Hooks;
	test(|| {
		propose(0, delivered(5));
		OUTCOMES_FAIL.with(|f| *f.borrow_mut() = true);
		let ends = 1 + WINDOW;
		// The retry goes to the block after, which is full, as is the one after it.
		fill_timers(ends + 1..ends + 3);
		run_to_block(ends - 1);
		System::set_block_number(ends);
		assert_eq!(
			Disputes::on_initialize(ends),
			Disputes::timers_weight(0, 1) + spills(spilled_past(2))
		);
		assert_eq!(status(0), CaseStatus::Finalizing { outcome: delivered(5), retry_at: ends + 3 });
		clear_timers(ends + 1..ends + 3);
		OUTCOMES_FAIL.with(|f| *f.borrow_mut() = false);
		run_to_block(ends + 3);
		assert_eq!(finals(), vec![(0, delivered(5))]);
	});
}

#[test]
fn a_failed_hand_over_is_retried_next_block() {
	test(|| {
		propose(0, delivered(5));
		assert_ok!(dispute(SHIPPER, 0, Report::Lost));
		propose(0, delivered(5));
		OUTCOMES_FAIL.with(|f| *f.borrow_mut() = true);
		run_to_block(1 + WINDOW);
		assert!(finals().is_empty());
		assert_eq!(
			status(0),
			CaseStatus::Finalizing { outcome: delivered(5), retry_at: 2 + WINDOW }
		);
		// Nothing of the failed attempt was kept: the deposit is still live, not forfeited.
		let ledger = Deposits::<Test>::get(SHIPPER).unwrap();
		assert_eq!((ledger.live, ledger.reserved), (DEPOSIT, 0));
		OUTCOMES_FAIL.with(|f| *f.borrow_mut() = false);
		run_to_block(2 + WINDOW);
		assert_eq!(finals(), vec![(0, delivered(5))]);
		let ledger = Deposits::<Test>::get(SHIPPER).unwrap();
		assert_eq!((ledger.live, ledger.reserved), (0, DEPOSIT));
		assert_eq!(held(SHIPPER), DEPOSIT);
	});
}

#[test]
fn a_case_whose_order_was_cancelled_is_dropped_with_deposits_returned() {
	test(|| {
		propose(0, delivered(5));
		assert_ok!(dispute(SHIPPER, 0, Report::Lost));
		propose(0, delivered(5));
		// Both parties cancel the order meanwhile: no outcome can be handed on.
		UNKNOWN_ORDERS.with(|u| u.borrow_mut().push(0));
		run_to_block(1 + WINDOW);
		assert!(finals().is_empty());
		assert!(Cases::<Test>::get(0).is_none());
		assert_eq!(held(SHIPPER), 0);
		assert!(has_event(Event::CaseDropped { order: 0 }));
	});
}

#[test]
fn a_flood_of_windows_spills_over_and_stays_within_the_hook_weight() {
	test(|| {
		let orders = 3 * MAX_TIMERS as u64;
		for order in 0..orders {
			propose(order, delivered(5));
		}
		// Every queue holds at most MAX_TIMERS: the rest moved to the following blocks.
		let ends = 1 + WINDOW;
		for k in 0..3 {
			assert_eq!(Timers::<Test>::get(ends + k).len() as u32, MAX_TIMERS);
		}
		// The last spilled search left where it found room, for the next to start there.
		assert_eq!(crate::TimerSpillHint::<Test>::get(), Some((ends, ends + 2)));
		use frame_support::traits::Hooks;
		run_to_block(ends - 1);
		System::set_block_number(ends);
		let weight = Disputes::on_initialize(ends);
		assert_eq!(weight, <MockWeights as crate::WeightInfo>::on_initialize(MAX_TIMERS));
		assert_eq!(finals().len() as u32, MAX_TIMERS);
		run_to_block(ends + 2);
		assert_eq!(finals().len() as u64, orders);
	});
}

#[test]
fn the_hook_weight_does_not_depend_on_open_windows() {
	let weight_with = |orders: u64| {
		let mut w = None;
		test(|| {
			for order in 0..orders {
				propose(order, delivered(5));
				run_to_block(System::block_number() + 1);
			}
			run_to_block(WINDOW);
			use frame_support::traits::Hooks;
			System::set_block_number(1 + WINDOW);
			w = Some(Disputes::on_initialize(1 + WINDOW));
		});
		w.unwrap()
	};
	// The block handles the one window that closes in it, whatever the number open.
	assert_eq!(weight_with(2), weight_with(9));
	assert_eq!(weight_with(9), <MockWeights as crate::WeightInfo>::on_initialize(1));
}

#[test]
fn each_timer_is_charged_the_weight_of_the_path_it_took() {
	use crate::WeightInfo;
	use frame_support::traits::Hooks;
	let faulted = MockWeights::on_initialize_faulted(1) - MockWeights::on_initialize_faulted(0);
	assert!(faulted.ref_time() > MockWeights::rule().ref_time(), "the mock's slope is the larger");
	test(|| {
		// A clean settlement and a faulted one close in the same block.
		propose(0, delivered(5));
		propose(1, Report::Lost);
		let ends = 1 + WINDOW;
		run_to_block(ends - 1);
		System::set_block_number(ends);
		assert_eq!(Disputes::on_initialize(ends), MockWeights::on_initialize(1) + faulted);
		assert_eq!(finals(), vec![(0, delivered(5)), (1, Report::Lost)]);

		// A disputed case is charged as faulted even when its outcome found no fault: its
		// deposits are resolved.
		propose(2, delivered(5));
		assert_ok!(dispute(SHIPPER, 2, Report::Lost));
		propose(2, delivered(5));
		let ends = System::block_number() + WINDOW;
		run_to_block(ends - 1);
		System::set_block_number(ends);
		assert_eq!(Disputes::on_initialize(ends), MockWeights::on_initialize(0) + faulted);
		assert_eq!(finals().last(), Some(&(2, delivered(5))));

		// So is a second round reached without a dispute (the first had no quorum): it judges
		// a larger committee.
		assert_ok!(Disputes::on_no_quorum(3));
		propose(3, delivered(5));
		assert_eq!(Cases::<Test>::get(3).unwrap().round, 2);
		let ends = System::block_number() + WINDOW;
		run_to_block(ends - 1);
		System::set_block_number(ends);
		assert_eq!(Disputes::on_initialize(ends), MockWeights::on_initialize(0) + faulted);
	});
}

#[test]
fn a_faulted_timer_is_charged_at_least_a_ruling() {
	use crate::WeightInfo;
	use frame_support::traits::Hooks;
	// A window closing after an escalation forfeits deposits as a ruling does: the charge of a
	// faulted timer covers a ruling even where the measured slope is lighter.
	test(|| {
		RULE_WEIGHT.with(|w| *w.borrow_mut() = 50_000);
		propose(0, Report::Lost);
		let ends = 1 + WINDOW;
		run_to_block(ends - 1);
		System::set_block_number(ends);
		assert_eq!(
			Disputes::on_initialize(ends),
			MockWeights::on_initialize(0) + MockWeights::rule()
		);
		assert_eq!(MockWeights::rule().ref_time(), 50_000);
	});
}
