//! Tests of the attestation pallet. Every test ends with `do_try_state` (see `mock::test`).

use frame_support::{
	assert_noop, assert_ok,
	traits::fungible::{InspectHold, Mutate},
	weights::Weight,
};
use sp_core::H256;
use sp_runtime::{traits::BadOrigin, Perbill};
use surety_primitives::protocol::{
	score_after_agreements, updated_score, AttestationHandler, CommitteeProvider, OrderId,
	OutcomeHandler, OutcomePath, Report, SlashableStake, StakeKind,
};
use surety_primitives::queue::{spilled_past, Spill};

use crate::{
	mock::*, Attesters, Candidate, Committees, Error, Event, RoundStatus, SignedReport, Verdict,
};
use frame_support::traits::Get;
use sp_runtime::testing::TestSignature;

const HOUR: u64 = 3_600_000;

fn delivered(at: u64, excursion: u32, damage: u32) -> Report {
	Report::Delivered {
		at,
		max_excursion_centi_c_minutes: excursion,
		damage: Perbill::from_percent(damage),
	}
}

fn on_time() -> Report {
	delivered(T0_MS + HOUR, 0, 0)
}

fn register(who: AccountId, stake: Balance) {
	assert_ok!(Attestation::register_attester(RuntimeOrigin::signed(who), stake));
}

fn register_all() {
	for i in 0..ATTESTERS {
		register(attester(i), MIN_STAKE);
	}
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(
		&RuntimeHoldReason::Attestation(crate::HoldReason::AttesterStake),
		&who,
	)
}

fn members(order: u64) -> Vec<AccountId> {
	Committees::<Test>::get(order).unwrap().members.iter().map(|m| m.who).collect()
}

fn round_members(order: u64, round: u8) -> Vec<AccountId> {
	Committees::<Test>::get(order)
		.unwrap()
		.members
		.iter()
		.filter(|m| m.round == round)
		.map(|m| m.who)
		.collect()
}

fn open(order: u64) {
	assert_ok!(Attestation::open(order, &SHIPPER, &CARRIER, T0_MS + HOUR));
}

fn attest(
	who: AccountId,
	order: u64,
	report: Report,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Attestation::attest(RuntimeOrigin::signed(who), order, report, H256::repeat_byte(who as u8))
}

/// The weight of what searches for a block with room read and wrote past full queues.
fn spills(spill: Spill) -> Weight {
	spill.weight(<Test as frame_system::Config>::DbWeight::get())
}

/// Not an order: what fills a deadline queue in the tests of its searches.
const FILLER: u64 = 999;

fn fill_deadlines(blocks: core::ops::Range<u64>) {
	for block in blocks {
		crate::DeadlineQueue::<Test>::mutate(block, |q| while q.try_push(FILLER).is_ok() {});
	}
}

fn clear_fillers(blocks: core::ops::Range<u64>) {
	for block in blocks {
		crate::DeadlineQueue::<Test>::mutate_exists(block, |q| {
			surety_primitives::queue::remove_entry(q, &FILLER)
		});
	}
}

fn proposed() -> Vec<(u64, Report)> {
	PROPOSED.with(|p| p.borrow().clone())
}

fn slashes() -> Vec<(AccountId, Perbill)> {
	SLASHES.with(|s| s.borrow().iter().map(|r| (r.offender, r.severity.misconduct)).collect())
}

fn verdicts() -> Vec<(AccountId, Verdict)> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Attestation(Event::MemberJudged { attester, verdict, .. }) => {
				Some((attester, verdict))
			}
			_ => None,
		})
		.collect()
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Attestation(event) => Some(event),
			_ => None,
		})
		.collect()
}

// ---- Stake ----

#[test]
fn register_holds_the_stake_and_makes_a_candidate() {
	test(|| {
		register(attester(0), 1_500);
		assert_eq!(held(attester(0)), 1_500);
		let info = Attesters::<Test>::get(attester(0)).unwrap();
		assert_eq!((info.stake.active(), info.score), (1_500, Perbill::from_percent(50)));
		let entry = Candidate::new(attester(0), 1_500, 1_500);
		assert_eq!(crate::Candidates::<Test>::get().to_vec(), vec![entry]);
		assert_eq!(Attestation::total_stake(StakeKind::Attester), 1_500);
	});
}

#[test]
fn bad_registrations_are_refused_and_hold_nothing() {
	test(|| {
		assert_noop!(
			Attestation::register_attester(RuntimeOrigin::signed(attester(0)), MIN_STAKE - 1),
			Error::<Test>::StakeBelowMinimum
		);
		assert_noop!(
			Attestation::register_attester(RuntimeOrigin::signed(POOR), MIN_STAKE),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(Attestation::register_attester(RuntimeOrigin::none(), MIN_STAKE), BadOrigin);
		register(attester(0), MIN_STAKE);
		assert_noop!(
			Attestation::register_attester(RuntimeOrigin::signed(attester(0)), MIN_STAKE),
			Error::<Test>::AlreadyRegistered
		);
		assert_noop!(
			Attestation::bond_extra(RuntimeOrigin::signed(attester(1)), 10),
			Error::<Test>::NotAttester
		);
		assert_noop!(
			Attestation::bond_extra(RuntimeOrigin::signed(attester(0)), 0),
			Error::<Test>::ZeroAmount
		);
		assert_eq!(held(POOR), 0);
	});
}

#[test]
fn the_candidate_list_is_bounded() {
	test(|| {
		for i in 0..16 {
			Balances::set_balance(&(100 + i), INITIAL);
			register(100 + i, MIN_STAKE);
		}
		assert_noop!(
			Attestation::register_attester(RuntimeOrigin::signed(attester(0)), MIN_STAKE),
			Error::<Test>::TooManyAttesters
		);
	});
}

#[test]
fn unbond_and_withdraw_after_the_period() {
	test(|| {
		register(attester(0), 3_000);
		assert_ok!(Attestation::bond_extra(RuntimeOrigin::signed(attester(0)), 500));
		assert_noop!(
			Attestation::unbond(RuntimeOrigin::signed(attester(0)), 3_000),
			Error::<Test>::StakeBelowMinimum
		);
		assert_ok!(Attestation::unbond(RuntimeOrigin::signed(attester(0)), 2_000));
		assert_eq!(Attestation::total_stake(StakeKind::Attester), 1_500);
		assert_eq!(held(attester(0)), 3_500);
		assert_noop!(
			Attestation::withdraw_unbonded(RuntimeOrigin::signed(attester(0))),
			Error::<Test>::NothingToWithdraw
		);
		run_to_block(1 + UNBONDING);
		assert_ok!(Attestation::withdraw_unbonded(RuntimeOrigin::signed(attester(0))));
		assert_eq!(held(attester(0)), 1_500);
		// Leaving altogether: out of the draw at once, forgotten once withdrawn.
		assert_ok!(Attestation::unbond(RuntimeOrigin::signed(attester(0)), 1_500));
		assert!(crate::Candidates::<Test>::get().is_empty());
		run_to_block(1 + 2 * UNBONDING);
		assert_ok!(Attestation::withdraw_unbonded(RuntimeOrigin::signed(attester(0))));
		assert!(Attesters::<Test>::get(attester(0)).is_none());
		assert_eq!(Balances::free_balance(attester(0)), INITIAL);
	});
}

// ---- Draw ----

#[test]
fn the_draw_excludes_the_parties_and_is_deterministic() {
	test(|| {
		register_all();
		register(SHIPPER, MIN_STAKE * 50);
		register(CARRIER, MIN_STAKE * 50);
		// Twelve committees report by the same time: their timers spill over three blocks.
		for order in 0..12 {
			open(order);
			let drawn = members(order);
			assert_eq!(drawn.len(), COMMITTEE as usize);
			assert!(!drawn.contains(&SHIPPER) && !drawn.contains(&CARRIER));
			let mut unique = drawn.clone();
			unique.sort();
			unique.dedup();
			assert_eq!(unique.len(), drawn.len(), "a member sits once");
		}
		// The same candidates and seed draw the same committee; another seed, most likely not.
		let candidates: Vec<_> =
			(0..ATTESTERS).map(|i| (attester(i), 1_000 + i as u128 * 100)).collect();
		let a = Attestation::draw_from(candidates.clone(), 3, [7; 32]).unwrap();
		let b = Attestation::draw_from(candidates.clone(), 3, [7; 32]).unwrap();
		assert_eq!(a, b);
		let differs =
			(0u8..8).any(|s| Attestation::draw_from(candidates.clone(), 3, [s; 32]).unwrap() != a);
		assert!(differs);
	});
}

#[test]
fn the_draw_is_weighted_by_stake() {
	test(|| {
		// One attester with ten times the stake of each of four others.
		let candidates: Vec<_> =
			(0..5u64).map(|i| (attester(i), if i == 0 { 10_000u128 } else { 1_000 })).collect();
		let mut heavy_first = 0;
		for s in 0..400u32 {
			let mut seed = [0u8; 32];
			seed[..4].copy_from_slice(&s.to_le_bytes());
			let drawn = Attestation::draw_from(candidates.clone(), 1, seed).unwrap();
			if drawn[0].0 == attester(0) {
				heavy_first += 1;
			}
		}
		// Expected 400 × 10/14 ≈ 286; uniform would give 80.
		assert!((240..330).contains(&heavy_first), "heavy drawn {heavy_first} of 400");
	});
}

#[test]
fn too_few_attesters_is_an_error_and_changes_nothing() {
	test(|| {
		register(attester(0), MIN_STAKE);
		register(attester(1), MIN_STAKE);
		register(SHIPPER, MIN_STAKE);
		assert_noop!(
			Attestation::open(0, &SHIPPER, &CARRIER, T0_MS),
			Error::<Test>::NotEnoughAttesters
		);
	});
}

#[test]
fn attesters_without_a_free_seat_bond_are_not_drawn() {
	test(|| {
		register_all();
		// Attester 0 commits everything but less than a seat bond to seats: ineligible.
		for order in 0..((MIN_STAKE / SEAT) as u64 + 2) {
			if Attestation::open(order, &SHIPPER, &CARRIER, T0_MS + HOUR).is_err() {
				break;
			}
		}
		for entry in crate::Candidates::<Test>::get() {
			let info = Attestation::attester(&entry.who).unwrap();
			assert_eq!(info.stake.allocated, SEAT * info.seats as u128);
			assert_eq!(entry.free, info.stake.free());
		}
	});
}

#[test]
fn a_draw_keeps_its_seats_in_the_candidate_list_until_the_ledger_is_written() {
	test(|| {
		register_all();
		let ledgers: Vec<_> = (0..ATTESTERS).map(|i| Attesters::<Test>::get(attester(i))).collect();
		open(0);
		open(1);
		// The draws wrote no ledger: each member's seats wait in its candidate entry.
		let after: Vec<_> = (0..ATTESTERS).map(|i| Attesters::<Test>::get(attester(i))).collect();
		assert_eq!(after, ledgers);
		let drawn = |who: AccountId| {
			crate::Candidates::<Test>::get().into_iter().find(|c| c.who == who).unwrap()
		};
		let both: Vec<_> = members(0).into_iter().filter(|m| members(1).contains(m)).collect();
		let m = members(0)[0];
		let seats = if both.contains(&m) { 2 } else { 1 };
		assert_eq!(drawn(m).drawn, seats);
		assert_eq!(drawn(m).free, MIN_STAKE - SEAT * seats as u128);
		// Queries see them...
		let info = Attestation::attester(&m).unwrap();
		assert_eq!((info.seats, info.stake.allocated), (seats, SEAT * seats as u128));
		// ...and the ledger takes them when next written: judging frees one seat.
		assert_ok!(Attestation::on_final_outcome(0, on_time()));
		let ledger = Attesters::<Test>::get(m).unwrap();
		assert_eq!((ledger.seats, ledger.stake.allocated), (seats - 1, SEAT * (seats - 1) as u128));
		assert_eq!(drawn(m).drawn, 0);
		assert_eq!(drawn(m).free, ledger.stake.free());
	});
}

#[test]
fn seats_drawn_into_the_candidate_list_cannot_be_unbonded() {
	test(|| {
		for i in 0..ATTESTERS {
			register(attester(i), 2 * MIN_STAKE);
		}
		open(0);
		let m = members(0)[0];
		assert_eq!(Attesters::<Test>::get(m).unwrap().stake.free(), 2 * MIN_STAKE, "not folded");
		// The ledger alone would let all of it go; the seat in the entry keeps its bond.
		assert_noop!(
			Attestation::unbond(RuntimeOrigin::signed(m), 2 * MIN_STAKE),
			Error::<Test>::InsufficientFreeStake
		);
		assert_ok!(Attestation::unbond(RuntimeOrigin::signed(m), MIN_STAKE));
		let ledger = Attesters::<Test>::get(m).unwrap();
		assert_eq!((ledger.seats, ledger.stake.free()), (1, MIN_STAKE - SEAT));
		// Bonding more keeps the entry's free stake the ledger's.
		assert_ok!(Attestation::bond_extra(RuntimeOrigin::signed(m), SEAT));
		let entry = crate::Candidates::<Test>::get().into_iter().find(|c| c.who == m).unwrap();
		assert_eq!((entry.free, entry.drawn), (MIN_STAKE, 0));
	});
}

// ---- Reports and quorum ----

#[test]
fn members_only_once_each() {
	test(|| {
		register_all();
		open(0);
		let m = members(0);
		let outsider = (0..ATTESTERS).map(attester).find(|a| !m.contains(a)).unwrap();
		assert_noop!(attest(outsider, 0, on_time()), Error::<Test>::NotMember);
		assert_noop!(attest(SHIPPER, 0, on_time()), Error::<Test>::NotMember);
		assert_noop!(attest(m[0], 1, on_time()), Error::<Test>::NoCommittee);
		assert_ok!(attest(m[0], 0, on_time()));
		assert_noop!(attest(m[0], 0, Report::Lost), Error::<Test>::AlreadyAttested);
	});
}

#[test]
fn quorum_proposes_the_class_with_medians() {
	test(|| {
		register_all();
		open(0);
		let m = members(0);
		// Equal stakes: 2 of 3 is 66.7 % ≥ 66 %.
		assert_ok!(attest(m[0], 0, delivered(T0_MS + HOUR, 10, 2)));
		assert!(proposed().is_empty());
		assert_ok!(attest(m[1], 0, delivered(T0_MS + 2 * HOUR, 30, 1)));
		// Lower medians of two equal weights: the smaller of each field.
		assert_eq!(proposed(), vec![(0, delivered(T0_MS + HOUR, 10, 1))]);
		assert_eq!(Committees::<Test>::get(0).unwrap().status, RoundStatus::Proposed);
		// A late report is recorded for judging but proposes nothing more.
		assert_ok!(attest(m[2], 0, Report::Lost));
		assert_eq!(proposed().len(), 1);
	});
}

#[test]
fn only_the_report_that_proposes_pays_for_the_proposal() {
	test(|| {
		register_all();
		open(0);
		let m = members(0);
		let charged = |r: frame_support::dispatch::DispatchResultWithPostInfo| {
			r.expect("accepted").actual_weight.expect("always set")
		};
		let recorded = <MockWeights as crate::WeightInfo>::attest_recorded();
		let proposing = <MockWeights as crate::WeightInfo>::attest();
		assert_eq!(charged(attest(m[0], 0, on_time())), recorded);
		assert_eq!(charged(attest(m[1], 0, on_time())), proposing);
		assert_eq!(proposed().len(), 1);
		// After the proposal, a report is recorded for judging only.
		assert_eq!(charged(attest(m[2], 0, on_time())), recorded);
	});
}

#[test]
fn the_proposing_report_is_charged_the_full_queues_its_window_search_read() {
	test(|| {
		register_all();
		open(0);
		let m = members(0);
		let declared = frame_support::dispatch::GetDispatchInfo::get_dispatch_info(&crate::Call::<
			Test,
		>::attest {
			order: 0,
			report: on_time(),
			evidence: H256::zero(),
		})
		.call_weight;
		let proposing = <MockWeights as crate::WeightInfo>::attest();
		assert_eq!(
			declared,
			proposing.max(<MockWeights as crate::WeightInfo>::attest_recorded())
				+ spills(MAX_SPILL)
		);
		// The window the proposal opens ends past three full queues.
		PROPOSAL_SPILLS.with(|s| *s.borrow_mut() = 3);
		assert_ok!(attest(m[0], 0, on_time()));
		let post = attest(m[1], 0, on_time()).expect("proposes");
		assert_eq!(post.actual_weight, Some(proposing + spills(spilled_past(3))));
	});
}

// ---- Signed reports in one batch ----

/// `who`'s report on `order`'s current round, signed as a member would sign it off-chain.
fn signed(order: u64, who: AccountId, report: Report) -> SignedOf {
	let round = Committees::<Test>::get(order).map(|c| c.round).unwrap_or(1);
	let evidence = H256::repeat_byte(who as u8);
	let payload = Attestation::report_payload(order, round, &report, &evidence);
	SignedReport { who, report, evidence, signature: TestSignature(who, payload) }
}

type SignedOf = SignedReport<AccountId, TestSignature>;

fn attest_signed(
	relayer: AccountId,
	order: u64,
	reports: Vec<SignedOf>,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Attestation::attest_signed(
		RuntimeOrigin::signed(relayer),
		order,
		reports.try_into().expect("within MaxCommitteeMembers"),
	)
}

fn reports_of(order: u64) -> Vec<(AccountId, Option<(Report, H256)>)> {
	Committees::<Test>::get(order).unwrap().members.iter().map(|m| (m.who, m.report)).collect()
}

#[test]
fn a_signed_batch_records_every_report_as_its_member_would() {
	test(|| {
		register_all();
		open(0);
		let m = members(0);
		let reports = vec![
			signed(0, m[0], delivered(T0_MS + HOUR, 10, 2)),
			signed(0, m[1], delivered(T0_MS + 2 * HOUR, 30, 1)),
			signed(0, m[2], Report::Lost),
		];
		// Submitted and paid for by an account that sits on no committee.
		let post = attest_signed(POOR, 0, reports).expect("every signature valid");
		assert_eq!(post.actual_weight, Some(<MockWeights as crate::WeightInfo>::attest_signed(3)));
		// The same proposal as three `attest` calls (see quorum_proposes_the_class_with_medians).
		assert_eq!(proposed(), vec![(0, delivered(T0_MS + HOUR, 10, 1))]);
		assert_eq!(Committees::<Test>::get(0).unwrap().status, RoundStatus::Proposed);
		assert_eq!(
			reports_of(0),
			vec![
				(m[0], Some((delivered(T0_MS + HOUR, 10, 2), H256::repeat_byte(m[0] as u8)))),
				(m[1], Some((delivered(T0_MS + 2 * HOUR, 30, 1), H256::repeat_byte(m[1] as u8)))),
				(m[2], Some((Report::Lost, H256::repeat_byte(m[2] as u8)))),
			]
		);
		let attested: Vec<AccountId> = events()
			.into_iter()
			.filter_map(|e| match e {
				Event::Attested { attester, .. } => Some(attester),
				_ => None,
			})
			.collect();
		assert_eq!(attested, m);
	});
}

#[test]
fn a_signature_binds_its_member_chain_order_round_and_report() {
	test(|| {
		register_all();
		open(0);
		open(1);
		let m = members(0);
		let good = signed(0, m[0], on_time());
		// Signed by someone else.
		let mut forged = signed(0, m[1], on_time());
		forged.signature = TestSignature(m[0], forged.signature.1.clone());
		assert_noop!(
			attest_signed(POOR, 0, vec![good.clone(), forged]),
			Error::<Test>::BadSignature
		);
		// The report changed after signing.
		let mut altered = signed(0, m[1], on_time());
		altered.report = Report::Lost;
		assert_noop!(
			attest_signed(POOR, 0, vec![good.clone(), altered]),
			Error::<Test>::BadSignature
		);
		// Signed for another order.
		let other = members(1)[0];
		assert_noop!(
			attest_signed(POOR, 0, vec![signed(1, other, on_time())]),
			Error::<Test>::BadSignature
		);
		// Signed for another round of the same order.
		let mut next_round = signed(0, m[1], on_time());
		let payload = Attestation::report_payload(0, 2, &on_time(), &next_round.evidence);
		next_round.signature = TestSignature(m[1], payload);
		assert_noop!(attest_signed(POOR, 0, vec![next_round]), Error::<Test>::BadSignature);
		// Signed on another chain: the genesis hash differs.
		let elsewhere = signed(0, m[1], on_time());
		frame_system::BlockHash::<Test>::insert(0, H256::repeat_byte(7));
		assert_noop!(attest_signed(POOR, 0, vec![elsewhere]), Error::<Test>::BadSignature);
		assert_ok!(attest_signed(POOR, 0, vec![signed(0, m[1], on_time())]));
	});
}

#[test]
fn a_batch_is_taken_whole_or_not_at_all() {
	test(|| {
		register_all();
		open(0);
		let m = members(0);
		let outsider = (0..ATTESTERS).map(attester).find(|a| !m.contains(a)).unwrap();
		let first = signed(0, m[0], on_time());
		assert_noop!(attest_signed(POOR, 0, vec![]), Error::<Test>::NoReports);
		assert_noop!(attest_signed(POOR, 9, vec![first.clone()]), Error::<Test>::NoCommittee);
		assert_noop!(
			attest_signed(POOR, 0, vec![first.clone(), signed(0, outsider, on_time())]),
			Error::<Test>::NotMember
		);
		assert_noop!(
			attest_signed(POOR, 0, vec![first.clone(), first.clone()]),
			Error::<Test>::AlreadyAttested
		);
		// A member who reported on its own cannot be counted again through a batch.
		assert_ok!(attest(m[1], 0, on_time()));
		assert_noop!(
			attest_signed(POOR, 0, vec![first, signed(0, m[1], on_time())]),
			Error::<Test>::AlreadyAttested
		);
		// (assert_noop: the quorum the first report reached was undone with the batch.)
		assert_eq!(Committees::<Test>::get(0).unwrap().status, RoundStatus::Collecting);
		assert_noop!(
			Attestation::attest_signed(RuntimeOrigin::none(), 0, Default::default()),
			BadOrigin
		);
	});
}

#[test]
fn a_batch_is_charged_for_its_reports_and_the_full_queues_its_window_search_read() {
	test(|| {
		register_all();
		open(0);
		let m = members(0);
		let declared = frame_support::dispatch::GetDispatchInfo::get_dispatch_info(
			&crate::Call::<Test>::attest_signed { order: 0, reports: Default::default() },
		)
		.call_weight;
		let max = <Test as crate::Config>::MaxCommitteeMembers::get();
		assert_eq!(
			declared,
			<MockWeights as crate::WeightInfo>::attest_signed(max) + spills(MAX_SPILL)
		);
		PROPOSAL_SPILLS.with(|s| *s.borrow_mut() = 3);
		let reports = vec![signed(0, m[0], on_time()), signed(0, m[1], on_time())];
		let post = attest_signed(m[2], 0, reports).expect("proposes");
		assert_eq!(proposed().len(), 1);
		assert_eq!(
			post.actual_weight,
			Some(<MockWeights as crate::WeightInfo>::attest_signed(2) + spills(spilled_past(3)))
		);
	});
}

#[test]
fn a_deadline_search_counts_every_full_queue_it_reads() {
	use surety_primitives::queue::counting_spills;
	test(|| {
		register_all();
		let tries = <<Test as crate::Config>::MaxDeadlinesPerBlock as frame_support::traits::Get<
			u32,
		>>::get();
		assert_eq!(
			<Attestation as AttestationHandler<_, _>>::max_spill(),
			Spill::longest_hinted(tries)
		);
		assert_eq!(
			<Attestation as CommitteeProvider<_>>::max_spill(),
			Spill::longest_hinted(tries)
		);
		open(0);
		let first = Committees::<Test>::get(0).unwrap().deadline_block;
		fill_deadlines(first..first + 2);
		let (opened, spilled) =
			counting_spills(|| Attestation::open(1, &SHIPPER, &CARRIER, T0_MS + HOUR));
		assert_ok!(opened);
		// Two full queues, the hint read, and the hint written.
		let deadline = Committees::<Test>::get(1).unwrap().deadline_block;
		assert_eq!((spilled, deadline), (spilled_past(2), first + 2));
		assert_eq!(crate::DeadlineSpillHint::<Test>::get(), Some((first, first + 2)));
		// The next search for the same block starts at the hint: the first queue, the hint,
		// and room.
		let (opened, spilled) =
			counting_spills(|| Attestation::open(3, &SHIPPER, &CARRIER, T0_MS + HOUR));
		assert_ok!(opened);
		assert_eq!(spilled, Spill { reads: 2, writes: 0 });
		assert_eq!(Committees::<Test>::get(3).unwrap().deadline_block, first + 2);
		// Every block it may try is full: it reads each once, the hint too, fails, and leaves
		// nothing behind.
		let last = first + tries as u64;
		fill_deadlines(first + 2..last);
		let (opened, spilled) =
			counting_spills(|| Attestation::open(2, &SHIPPER, &CARRIER, T0_MS + HOUR));
		assert_noop!(opened, Error::<Test>::QueueFull);
		assert_eq!(spilled, Spill { reads: tries + 1, writes: 0 });
		clear_fillers(first..last);
	});
}

#[test]
fn split_reports_reach_no_quorum() {
	test(|| {
		register_all();
		open(0);
		let m = members(0);
		assert_ok!(attest(m[0], 0, on_time()));
		assert_ok!(attest(m[1], 0, Report::Lost));
		assert_ok!(attest(m[2], 0, on_time()));
		assert_eq!(proposed(), vec![(0, on_time())]);
	});
}

#[test]
fn the_weighted_median_ignores_light_outliers() {
	test(|| {
		let median = |v: Vec<(u64, u128)>| Attestation::weighted_median(v);
		assert_eq!(median(vec![(5, 1), (7, 1), (1_000_000, 1)]), 7);
		assert_eq!(median(vec![(5, 10), (7, 1), (1_000_000, 1)]), 5);
		assert_eq!(median(vec![(0, 1), (100, 5), (100_000, 3)]), 100);
		assert_eq!(median(vec![(42, 1)]), 42);
		assert_eq!(median(vec![]), 0);
	});
}

#[test]
fn stake_weight_decides_quorum() {
	test(|| {
		// Three members only: one heavy, two light.
		register(attester(0), 10 * MIN_STAKE);
		register(attester(1), MIN_STAKE);
		register(attester(2), MIN_STAKE);
		open(0);
		// The two light ones together carry 2/12 of the stake: no quorum.
		assert_ok!(attest(attester(1), 0, Report::Lost));
		assert_ok!(attest(attester(2), 0, Report::Lost));
		assert!(proposed().is_empty());
		// The heavy one alone carries 10/12 ≥ 66 %.
		assert_ok!(attest(attester(0), 0, delivered(T0_MS, 0, 0)));
		assert_eq!(proposed(), vec![(0, delivered(T0_MS, 0, 0))]);
	});
}

// ---- Deadlines ----

#[test]
fn no_quorum_by_the_deadline_escalates_and_faults_the_silent() {
	test(|| {
		register_all();
		open(0);
		let m = members(0);
		assert_ok!(attest(m[0], 0, on_time()));
		let deadline = T0_MS + HOUR + RESPONSE_MS;
		let deadline_block = Committees::<Test>::get(0).unwrap().deadline_block;
		// The last block whose clock is still at the deadline: reports are taken.
		run_to_block(deadline_block - 2);
		assert_eq!(now_ms(), deadline);
		assert_ok!(attest(m[1], 0, Report::Lost));
		run_to_block(deadline_block - 1);
		assert!(NO_QUORUM.with(|n| n.borrow().is_empty()));
		run_to_block(deadline_block);
		assert!(now_ms() > deadline);
		assert_eq!(NO_QUORUM.with(|n| n.borrow().clone()), vec![0]);
		assert_eq!(Committees::<Test>::get(0).unwrap().status, RoundStatus::NoQuorum);
		assert_eq!(slashes(), vec![(m[2], Perbill::from_percent(5))]);
		assert_eq!(verdicts(), vec![(m[2], Verdict::Silent)]);
		let silent = Attesters::<Test>::get(m[2]).unwrap();
		assert_eq!((silent.seats, silent.faults, silent.stake.reserved), (0, 1, 5));
		assert_noop!(attest(m[2], 0, on_time()), Error::<Test>::RoundClosed);
		assert_noop!(
			attest_signed(POOR, 0, vec![signed(0, m[2], on_time())]),
			Error::<Test>::RoundClosed
		);
	});
}

#[test]
fn a_deadline_reached_early_in_time_waits() {
	test(|| {
		register_all();
		open(0);
		let block = Committees::<Test>::get(0).unwrap().deadline_block;
		// Blocks came faster than expected: the clock is behind at the timer's block.
		use frame_support::traits::Hooks;
		System::set_block_number(block);
		set_now_ms(T0_MS);
		Attestation::on_initialize(block);
		let committee = Committees::<Test>::get(0).unwrap();
		assert_eq!(committee.status, RoundStatus::Collecting);
		assert!(committee.deadline_block > block);
		assert!(NO_QUORUM.with(|n| n.borrow().is_empty()));
	});
}

#[test]
fn the_hook_is_charged_the_full_queues_its_searches_read() {
	test(|| {
		register_all();
		open(0);
		let committee = Committees::<Test>::get(0).unwrap();
		let block = committee.deadline_block;
		// As above, the clock is behind: looked at again two blocks after the one expected to
		// pass the deadline, and both of those blocks are full.
		let again = block + (committee.deadline - T0_MS) / BLOCK_MS + 2;
		fill_deadlines(again..again + 2);
		use frame_support::traits::Hooks;
		System::set_block_number(block);
		set_now_ms(T0_MS);
		let weight = Attestation::on_initialize(block);
		assert_eq!(
			weight,
			<MockWeights as crate::WeightInfo>::on_initialize(1) + spills(spilled_past(2))
		);
		assert_eq!(Committees::<Test>::get(0).unwrap().deadline_block, again + 2);
		clear_fillers(again..again + 2);
	});
}

#[test]
fn a_late_report_is_refused() {
	test(|| {
		register_all();
		open(0);
		let m = members(0);
		let batch = vec![signed(0, m[0], on_time()), signed(0, m[1], on_time())];
		set_now_ms(T0_MS + HOUR + RESPONSE_MS + 1);
		assert_noop!(attest(m[0], 0, on_time()), Error::<Test>::DeadlinePassed);
		// A batch signed in time is late all the same once the deadline has passed.
		assert_noop!(attest_signed(POOR, 0, batch), Error::<Test>::DeadlinePassed);
	});
}

// ---- Escalation ----

#[test]
fn a_draw_among_fewer_candidates_than_the_bound_refunds_the_difference() {
	test(|| {
		register_all();
		// `open(a)` of the mock weighs a unit per candidate: 8 of 16 leave 8 unused.
		assert_eq!(
			Attestation::open(0, &SHIPPER, &CARRIER, T0_MS + HOUR),
			Ok(Weight::from_parts(16 - ATTESTERS, 0))
		);
		register(SHIPPER, MIN_STAKE);
		assert_eq!(
			Attestation::open(1, &SHIPPER, &CARRIER, T0_MS + HOUR),
			Ok(Weight::from_parts(16 - (ATTESTERS + 1), 0))
		);
	});
}

#[test]
fn escalation_draws_a_larger_fresh_round() {
	test(|| {
		register_all();
		register(SHIPPER, MIN_STAKE);
		open(0);
		assert_noop!(Attestation::escalate(0), Error::<Test>::CannotEscalate);
		let first = members(0);
		assert_ok!(attest(first[0], 0, on_time()));
		assert_ok!(attest(first[1], 0, on_time()));
		assert!(Attestation::is_member(0, &first[0]));
		// 9 candidates of the 16 the draw is weighed for: 7 units of `escalate(a)` unused.
		assert_eq!(Attestation::escalate(0), Ok(Weight::from_parts(16 - (ATTESTERS + 1), 0)));
		let second = round_members(0, 2);
		assert_eq!(second.len(), ESCALATED as usize);
		assert!(second.iter().all(|m| !first.contains(m) && *m != SHIPPER));
		// The first round can no longer report; the second can and reaches its own quorum.
		assert_noop!(attest(first[2], 0, on_time()), Error::<Test>::NotMember);
		for m in &second[..3] {
			assert_ok!(attest(*m, 0, Report::Lost));
		}
		assert_eq!(proposed().last(), Some(&(0, Report::Lost)));
		// No room for a third round of four in seven seats.
		assert_noop!(Attestation::escalate(0), Error::<Test>::TooManyRounds);
	});
}

// ---- Judging ----

#[test]
fn an_outvoted_colluding_minority_is_slashed_and_the_majority_paid() {
	test(|| {
		register_all();
		open(0);
		let m = members(0);
		// One member lies that the cargo was lost; two report the truth.
		assert_ok!(attest(m[0], 0, Report::Lost));
		assert_ok!(attest(m[1], 0, on_time()));
		assert_ok!(attest(m[2], 0, delivered(T0_MS + HOUR + 1_000, 0, 0)));
		assert_eq!(proposed(), vec![(0, on_time())]);
		// The fee arrives on settlement, then the committee is judged.
		let pot = Attestation::fee_account();
		Balances::set_balance(&pot, 1 + 11);
		Attestation::fee_paid(0, 11);
		let before: Vec<_> = m.iter().map(Balances::free_balance).collect();
		assert_eq!(Attestation::on_final_outcome(0, on_time()), Ok(OutcomePath::Faulted));
		assert_eq!(slashes(), vec![(m[0], Perbill::from_percent(50))]);
		assert_eq!(
			verdicts(),
			vec![(m[0], Verdict::Wrong), (m[1], Verdict::Agreed), (m[2], Verdict::Agreed)]
		);
		// 11 in two shares, 6 and 5, credited: no balance moved yet. The agreeing members'
		// judgements wait in their candidate entries, their ledgers untouched.
		let fees: Vec<_> = m.iter().map(|a| Attestation::attester(a).unwrap().fees).collect();
		assert_eq!(fees, vec![0, 6, 5]);
		let entry = |a| crate::Candidates::<Test>::get().into_iter().find(|c| c.who == a).unwrap();
		assert_eq!((entry(m[1]).agreed, entry(m[1]).fees), (1, 6));
		assert_eq!(Attesters::<Test>::get(m[1]).unwrap().fees, 0);
		assert!(m.iter().zip(&before).all(|(a, b)| Balances::free_balance(a) == *b));
		assert_eq!(Balances::free_balance(pot), 1 + 11);
		assert!(events().contains(&Event::FeeShared { order: 0, share: 5, recipients: 2 }));
		let liar = Attesters::<Test>::get(m[0]).unwrap();
		assert_eq!((liar.seats, liar.faults, liar.stake.reserved), (0, 1, SEAT / 2));
		assert!(liar.score < Perbill::from_percent(50));
		assert!(Attestation::attester(&m[1]).unwrap().score > Perbill::from_percent(50));
		assert!(Committees::<Test>::get(0).is_none());
	});
}

#[test]
fn a_disputer_who_overturned_the_proposal_is_rewarded_from_the_wrong() {
	test(|| {
		register_all();
		open(0);
		let m = members(0);
		assert_ok!(attest(m[0], 0, Report::Lost));
		assert_ok!(attest(m[1], 0, Report::Lost));
		Attestation::note_reporter(0, &SHIPPER);
		Attestation::note_reporter(0, &SHIPPER);
		assert_ok!(Attestation::on_final_outcome(0, on_time()));
		let requests = SLASHES.with(|s| s.borrow().clone());
		assert_eq!(requests.len(), 3);
		assert!(requests.iter().all(|r| r.reporters.to_vec() == vec![SHIPPER]));
		assert!(crate::OrderReporters::<Test>::get(0).is_empty());
	});
}

#[test]
fn numeric_fields_beyond_tolerance_are_wrong() {
	test(|| {
		register_all();
		open(0);
		let m = members(0);
		assert_ok!(attest(m[0], 0, delivered(T0_MS + HOUR + 600_000, 50, 5)));
		assert_ok!(attest(m[1], 0, delivered(T0_MS + HOUR + 600_001, 0, 0)));
		assert_ok!(attest(m[2], 0, delivered(T0_MS + HOUR, 51, 0)));
		assert_ok!(Attestation::on_final_outcome(0, on_time()));
		assert_eq!(
			verdicts(),
			vec![(m[0], Verdict::Agreed), (m[1], Verdict::Wrong), (m[2], Verdict::Wrong)]
		);
	});
}

#[test]
fn a_committee_that_all_agreed_is_judged_on_the_clean_path() {
	test(|| {
		register_all();
		open(0);
		for member in members(0) {
			assert_ok!(attest(member, 0, on_time()));
		}
		assert_eq!(Attestation::on_final_outcome(0, on_time()), Ok(OutcomePath::Clean));
		assert!(slashes().is_empty());
		assert!(verdicts().iter().all(|(_, v)| *v == Verdict::Agreed));
	});
}

#[test]
fn nobody_agreeing_returns_the_fee_to_the_shipper() {
	test(|| {
		register_all();
		open(0);
		let pot = Attestation::fee_account();
		Balances::set_balance(&pot, 1 + 9);
		Attestation::fee_paid(0, 9);
		let before = Balances::free_balance(SHIPPER);
		assert_eq!(Attestation::on_final_outcome(0, Report::Lost), Ok(OutcomePath::Faulted));
		assert_eq!(Balances::free_balance(SHIPPER) - before, 9);
		assert_eq!(slashes().len(), COMMITTEE as usize);
		assert!(verdicts().iter().all(|(_, v)| *v == Verdict::Silent));
	});
}

/// Judges order 0 with every member agreeing on a fee of `fee`; returns the members.
fn judged_with_fee(fee: Balance) -> Vec<AccountId> {
	register_all();
	open(0);
	let m = members(0);
	for member in &m {
		assert_ok!(attest(*member, 0, on_time()));
	}
	let pot = Attestation::fee_account();
	Balances::set_balance(&pot, Balances::free_balance(pot) + fee);
	Attestation::fee_paid(0, fee);
	assert_ok!(Attestation::on_final_outcome(0, on_time()));
	m
}

#[test]
fn claim_fees_pays_the_credited_shares_once() {
	test(|| {
		let m = judged_with_fee(10);
		// 10 in three shares: 4, 3, 3 (the remainder to the first agreeing member).
		let fees: Vec<_> = m.iter().map(|a| Attestation::attester(a).unwrap().fees).collect();
		assert_eq!(fees, vec![4, 3, 3]);
		let before = Balances::free_balance(m[0]);
		assert_ok!(Attestation::claim_fees(RuntimeOrigin::signed(m[0])));
		assert_eq!(Balances::free_balance(m[0]) - before, 4);
		assert_eq!(Attesters::<Test>::get(m[0]).unwrap().fees, 0);
		assert!(events().contains(&Event::FeesClaimed { attester: m[0], amount: 4 }));
		assert_noop!(
			Attestation::claim_fees(RuntimeOrigin::signed(m[0])),
			Error::<Test>::NoFeesToClaim
		);
		assert_noop!(
			Attestation::claim_fees(RuntimeOrigin::signed(SHIPPER)),
			Error::<Test>::NotAttester
		);
		assert_noop!(Attestation::claim_fees(RuntimeOrigin::none()), BadOrigin);
	});
}

/// Judges `order`'s committee against an on-time delivery, `who` (if a member) reporting
/// `theirs` first and every other member on time, with a fee of one per member.
fn judge_with(order: OrderId, who: AccountId, theirs: Report) -> Vec<AccountId> {
	open(order);
	let mut m = members(order);
	m.sort_by_key(|member| *member != who);
	for member in &m {
		assert_ok!(attest(*member, order, if *member == who { theirs } else { on_time() }));
	}
	let pot = Attestation::fee_account();
	Balances::set_balance(&pot, Balances::free_balance(pot) + m.len() as Balance);
	Attestation::fee_paid(order, m.len() as Balance);
	assert_ok!(Attestation::on_final_outcome(order, on_time()));
	m
}

#[test]
fn agreeing_judgements_wait_in_the_entry_and_reach_the_ledger_before_a_fault() {
	test(|| {
		register_all();
		let who = attester(0);
		let (neutral, alpha) = (Neutral::get(), Smoothing::get());
		let mut order = 0;
		let mut agreed = 0;
		while agreed < 2 {
			if judge_with(order, who, on_time()).contains(&who) {
				agreed += 1;
			}
			order += 1;
		}
		// Its ledger was not written: the entry holds the freed seats, the judgements and the
		// fee shares, and the view shows them.
		let ledger = Attesters::<Test>::get(who).unwrap();
		assert_eq!((ledger.judged, ledger.fees, ledger.score), (0, 0, neutral));
		let entry = crate::Candidates::<Test>::get().into_iter().find(|c| c.who == who).unwrap();
		assert_eq!((entry.drawn, entry.agreed, entry.fees), (2, 2, 2));
		assert_eq!(entry.free, MIN_STAKE, "both seats drawn and freed");
		let view = Attestation::attester(&who).unwrap();
		assert_eq!((view.seats, view.stake.allocated, view.judged, view.fees), (0, 0, 2, 2));
		let after_agreeing = score_after_agreements(neutral, 2, alpha);
		assert_eq!(view.score, after_agreeing);
		// Then it reports wrongly: the fault's ledger write takes the agreements in first.
		while !judge_with(order, who, Report::Lost).contains(&who) {
			order += 1;
		}
		let ledger = Attesters::<Test>::get(who).unwrap();
		assert_eq!((ledger.seats, ledger.stake.allocated, ledger.judged), (0, 0, 3));
		assert_eq!((ledger.faults, ledger.fees, ledger.stake.reserved), (1, 2, SEAT / 2));
		assert_eq!(ledger.score, updated_score(after_agreeing, Perbill::zero(), alpha));
		assert!(
			events().contains(&Event::ReputationUpdated { attester: who, score: after_agreeing })
		);
		let entry = crate::Candidates::<Test>::get().into_iter().find(|c| c.who == who).unwrap();
		assert_eq!((entry.drawn, entry.agreed, entry.fees), (0, 0, 0));
		assert_eq!(Attestation::attester(&who).unwrap(), ledger);
	});
}

#[test]
fn leaving_pays_out_the_fees_not_yet_claimed() {
	test(|| {
		let m = judged_with_fee(10);
		let stake = Attesters::<Test>::get(m[1]).unwrap().stake.total;
		assert_ok!(Attestation::unbond(RuntimeOrigin::signed(m[1]), stake));
		run_to_block(1 + UNBONDING);
		let before = Balances::free_balance(m[1]);
		assert_ok!(Attestation::withdraw_unbonded(RuntimeOrigin::signed(m[1])));
		// The stake and the 3 credited, then the ledger is forgotten.
		assert_eq!(Balances::free_balance(m[1]) - before, stake + 3);
		assert!(Attesters::<Test>::get(m[1]).is_none());
		assert!(events().contains(&Event::FeesClaimed { attester: m[1], amount: 3 }));
	});
}

#[test]
fn a_fee_pot_short_of_the_credited_fees_breaks_the_invariant() {
	test(|| {
		judged_with_fee(10);
		let pot = Attestation::fee_account();
		Balances::set_balance(&pot, Balances::free_balance(pot) - 1);
		assert!(Attestation::do_try_state().is_err());
		Balances::set_balance(&pot, Balances::free_balance(pot) + 1);
	});
}

#[test]
fn unbonding_does_not_escape_a_slash() {
	test(|| {
		register_all();
		open(0);
		let m = members(0);
		let liar = m[0];
		assert_ok!(attest(liar, 0, Report::Lost));
		assert_ok!(attest(m[1], 0, on_time()));
		assert_ok!(attest(m[2], 0, on_time()));
		// The liar tries to leave before judging: its seat bond stays.
		assert_ok!(Attestation::bond_extra(RuntimeOrigin::signed(liar), MIN_STAKE));
		assert_noop!(
			Attestation::unbond(RuntimeOrigin::signed(liar), 2 * MIN_STAKE),
			Error::<Test>::InsufficientFreeStake
		);
		assert_ok!(Attestation::unbond(RuntimeOrigin::signed(liar), MIN_STAKE));
		assert_ok!(Attestation::on_final_outcome(0, on_time()));
		let info = Attesters::<Test>::get(liar).unwrap();
		assert_eq!((info.stake.allocated, info.stake.reserved), (0, SEAT / 2));
		// What is reserved for the pending slash cannot be unbonded or withdrawn...
		assert_noop!(
			Attestation::unbond(RuntimeOrigin::signed(liar), MIN_STAKE),
			Error::<Test>::InsufficientFreeStake
		);
		run_to_block(1 + UNBONDING);
		assert_ok!(Attestation::withdraw_unbonded(RuntimeOrigin::signed(liar)));
		assert_eq!(held(liar), MIN_STAKE);
		// ...and the slashing side takes it when the slash applies.
		let credit = Attestation::slash_reserved(StakeKind::Attester, &liar, SEAT / 2);
		assert_eq!(frame_support::traits::Imbalance::peek(&credit), SEAT / 2);
		drop(credit);
		assert_eq!(held(liar), MIN_STAKE - SEAT / 2);
		assert_eq!(Attestation::reserved(StakeKind::Attester, &liar), 0);
	});
}

#[test]
fn a_vetoed_slash_frees_the_reservation() {
	test(|| {
		register_all();
		open(0);
		assert_ok!(Attestation::on_final_outcome(0, Report::Lost));
		let m = verdicts()[0].0;
		assert_eq!(Attestation::reserved(StakeKind::Attester, &m), SEAT / 20);
		Attestation::release_reserved(StakeKind::Attester, &m, SEAT / 20);
		assert_eq!(Attestation::reserved(StakeKind::Attester, &m), 0);
		assert_eq!(held(m), MIN_STAKE);
	});
}

#[test]
fn judging_after_no_quorum_spares_the_already_judged() {
	test(|| {
		register_all();
		open(0);
		let first = members(0);
		assert_ok!(attest(first[0], 0, on_time()));
		run_to_block(Committees::<Test>::get(0).unwrap().deadline_block);
		assert_eq!(slashes().len(), 2);
		assert_ok!(Attestation::escalate(0));
		let second = round_members(0, 2);
		for m in &second[..3] {
			assert_ok!(attest(*m, 0, on_time()));
		}
		assert_ok!(Attestation::on_final_outcome(0, on_time()));
		// Two silent in round 1 (at the deadline), one silent in round 2 (now); nobody twice.
		assert_eq!(slashes().len(), 3);
		let agreed = verdicts().iter().filter(|(_, v)| *v == Verdict::Agreed).count();
		assert_eq!(agreed, 4);
		assert!(first
			.iter()
			.chain(second.iter())
			.all(|a| Attesters::<Test>::get(a).unwrap().seats == 0));
	});
}

#[test]
fn closing_a_committee_frees_its_seats() {
	test(|| {
		register_all();
		open(0);
		let m = members(0);
		Attestation::close(0);
		assert!(Committees::<Test>::get(0).is_none());
		for a in m {
			assert_eq!(Attesters::<Test>::get(a).unwrap().stake.allocated, 0);
		}
		assert!(crate::DeadlineQueue::<Test>::iter().next().is_none());
	});
}

#[test]
fn the_hook_weight_does_not_depend_on_open_committees() {
	let weight_with = |orders: u64| {
		let mut w = None;
		test(|| {
			register_all();
			// One committee opened per block, each reporting an hour later: one timer a block.
			for order in 0..orders {
				assert_ok!(Attestation::open(order, &SHIPPER, &CARRIER, now_ms() + HOUR));
				run_to_block(System::block_number() + 1);
			}
			let first = Committees::<Test>::get(0).unwrap().deadline_block;
			run_to_block(first - 1);
			use frame_support::traits::Hooks;
			System::set_block_number(first);
			set_now_ms(now_ms() + BLOCK_MS);
			w = Some(Attestation::on_initialize(first));
			assert_eq!(NO_QUORUM.with(|n| n.borrow().clone()), vec![0]);
		});
		w.unwrap()
	};
	assert_eq!(weight_with(2), weight_with(20));
	assert_eq!(weight_with(20), <MockWeights as crate::WeightInfo>::on_initialize(1));
}

#[test]
fn genesis_registers_attesters_as_candidates() {
	use sp_runtime::BuildStorage;
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(attester(0), INITIAL), (attester(1), INITIAL)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	crate::GenesisConfig::<Test> {
		attesters: vec![(attester(0), MIN_STAKE), (attester(1), 2 * MIN_STAKE)],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	sp_io::TestExternalities::new(storage).execute_with(|| {
		assert_eq!(held(attester(1)), 2 * MIN_STAKE);
		assert_eq!(crate::Candidates::<Test>::get().len(), 2);
		assert_eq!(Attestation::total_stake(StakeKind::Attester), 3 * MIN_STAKE);
		Attestation::do_try_state().expect("invariants hold from genesis");
	});
}

mod migration_v2 {
	use super::*;
	use crate::migrations::{v2, v3};
	use codec::Encode;
	use frame_support::{
		storage::unhashed,
		traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
	};

	fn root() -> Vec<u8> {
		sp_io::storage::root(sp_runtime::StateVersion::V1)
	}

	/// A chain as runtime 103 left it: a committee's seats in its members' ledgers, the
	/// candidate list in the v1 layout, at storage version 1.
	fn v1_chain() -> Vec<v2::V1Entry<Test>> {
		register_all();
		open(0);
		let entries = crate::Candidates::<Test>::get();
		for entry in &entries {
			Attesters::<Test>::mutate(&entry.who, |info| {
				let info = info.as_mut().unwrap();
				info.seats += entry.drawn;
				info.stake.allocated += SEAT * entry.drawn as u128;
			});
		}
		let legacy: Vec<_> = entries.into_iter().map(|c| (c.who, c.active, c.free)).collect();
		unhashed::put_raw(&crate::Candidates::<Test>::hashed_key(), &legacy.encode());
		StorageVersion::new(1).put::<Attestation>();
		legacy
	}

	fn v2_entries() -> Vec<v2::V2Entry<Test>> {
		unhashed::get(&crate::Candidates::<Test>::hashed_key()).expect("the v2 layout")
	}

	#[test]
	fn v1_entries_owe_their_ledgers_no_seats_and_nothing_else_changes() {
		test(|| {
			let legacy = v1_chain();
			let ledgers: Vec<_> = Attesters::<Test>::iter().collect();
			let state = v2::pre_upgrade_check::<Test>();

			let weight = v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();

			v2::post_upgrade_check::<Test>(state.clone()).expect("the post-upgrade check passes");
			assert_eq!(Attestation::on_chain_storage_version(), StorageVersion::new(2));
			let expected: Vec<_> =
				legacy.into_iter().map(|(who, active, free)| (who, active, free, 0)).collect();
			assert_eq!(v2_entries(), expected);
			assert_eq!(Attesters::<Test>::iter().collect::<Vec<_>>(), ledgers);
			// The list and the version, each read and written.
			assert_eq!(weight, <Test as frame_system::Config>::DbWeight::get().reads_writes(2, 2));
			// Then v3, as a runtime's migrations run them: v2's check still holds after it.
			v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();
			v2::post_upgrade_check::<Test>(state).expect("v2's check after v3");
			// The seats are judged off the ledgers as before.
			assert_ok!(Attestation::on_final_outcome(0, on_time()));
		});
	}

	#[test]
	fn the_migration_runs_once() {
		test(|| {
			v1_chain();
			v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
			let after_first = root();
			let weight = v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
			assert_eq!(root(), after_first);
			assert_eq!(weight, <Test as frame_system::Config>::DbWeight::get().reads(1));
			v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();
		});
	}

	#[test]
	fn the_post_upgrade_check_catches_a_changed_entry() {
		test(|| {
			v1_chain();
			let state = v2::pre_upgrade_check::<Test>();
			v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
			let key = crate::Candidates::<Test>::hashed_key();
			let mut entries = v2_entries();
			entries[0].3 = 1;
			unhashed::put(&key, &entries);
			assert!(v2::post_upgrade_check::<Test>(state.clone()).is_err());
			entries[0].3 = 0;
			unhashed::put(&key, &entries);
			assert!(v2::post_upgrade_check::<Test>(state).is_ok());
			v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();
		});
	}
}

mod migration_v3 {
	use super::*;
	use crate::migrations::{v2, v3};
	use frame_support::{
		storage::unhashed,
		traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
	};

	fn root() -> Vec<u8> {
		sp_io::storage::root(sp_runtime::StateVersion::V1)
	}

	/// A chain as runtime 108 left it: a committee drawn (its seats in the entries' `drawn`),
	/// the candidate list in the v2 layout, at storage version 2.
	fn v2_chain() -> Vec<v2::V2Entry<Test>> {
		register_all();
		open(0);
		let legacy: Vec<v2::V2Entry<Test>> = crate::Candidates::<Test>::get()
			.into_iter()
			.map(|c| (c.who, c.active, c.free, c.drawn))
			.collect();
		assert!(legacy.iter().any(|e| e.3 > 0), "the draw left seats in the entries");
		unhashed::put(&crate::Candidates::<Test>::hashed_key(), &legacy);
		StorageVersion::new(2).put::<Attestation>();
		legacy
	}

	#[test]
	fn v2_entries_keep_their_seats_and_owe_no_judgement() {
		test(|| {
			let legacy = v2_chain();
			let ledgers: Vec<_> = Attesters::<Test>::iter().collect();
			let state = v3::pre_upgrade_check::<Test>();

			let weight = v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();

			v3::post_upgrade_check::<Test>(state).expect("the post-upgrade check passes");
			assert_eq!(Attestation::on_chain_storage_version(), StorageVersion::new(3));
			let expected: Vec<_> = legacy
				.into_iter()
				.map(|(who, active, free, drawn)| (who, active, free, drawn, 0, 0))
				.collect();
			let after: Vec<_> = crate::Candidates::<Test>::get()
				.into_iter()
				.map(|c| (c.who, c.active, c.free, c.drawn, c.agreed, c.fees))
				.collect();
			assert_eq!(after, expected);
			assert_eq!(Attesters::<Test>::iter().collect::<Vec<_>>(), ledgers);
			assert_eq!(weight, <Test as frame_system::Config>::DbWeight::get().reads_writes(2, 2));
			Attestation::do_try_state().expect("invariants after the migration");
			// The drawn seats are judged as usual.
			assert_ok!(Attestation::on_final_outcome(0, on_time()));
		});
	}

	#[test]
	fn the_migration_runs_once() {
		test(|| {
			v2_chain();
			v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();
			let after_first = root();
			let weight = v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();
			assert_eq!(root(), after_first);
			assert_eq!(weight, <Test as frame_system::Config>::DbWeight::get().reads(1));
		});
	}

	#[test]
	fn the_post_upgrade_check_catches_an_entry_owing_a_judgement() {
		test(|| {
			v2_chain();
			let state = v3::pre_upgrade_check::<Test>();
			v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();
			crate::Candidates::<Test>::mutate(|c| c[0].agreed = 1);
			assert!(v3::post_upgrade_check::<Test>(state.clone()).is_err());
			crate::Candidates::<Test>::mutate(|c| c[0].agreed = 0);
			assert!(v3::post_upgrade_check::<Test>(state).is_ok());
		});
	}
}
