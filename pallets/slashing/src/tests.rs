//! Tests of the slashing pallet. Every test ends by checking the pallet's invariants.

use frame_support::{assert_noop, assert_ok};
use proptest::prelude::*;
use sp_runtime::{DispatchError, Perbill, Saturating};
use surety_primitives::protocol::{Severity, SlashRequest, SlashScheduler, StakeKind};

use crate::{mock::*, pallet::*, types::*};

const HOUR: u32 = 1;

fn late(hours: u32) -> Severity {
	Severity { late_hours: hours, ..Default::default() }
}

fn lost() -> Severity {
	Severity { lost: true, ..Default::default() }
}

fn request(
	offender: AccountId,
	at_risk: Balance,
	severity: Severity,
) -> SlashRequest<AccountId, Balance> {
	SlashRequest {
		offender,
		kind: StakeKind::Carrier,
		order: 7,
		at_risk,
		severity,
		value: 2 * at_risk,
		beneficiary: Some(SHIPPER),
		reporters: Default::default(),
	}
}

/// Schedules a fault and reserves the amount, as the owning pallet does.
fn fault(r: SlashRequest<AccountId, Balance>) -> (SlashId, Balance) {
	let id = NextSlashId::<Test>::get();
	let (kind, who) = (r.kind, r.offender);
	let amount = Slashing::schedule(r).expect("schedules");
	reserve(kind, who, amount);
	(id, amount)
}

fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

fn applied(id: SlashId) -> Distribution<Balance> {
	System::events()
		.into_iter()
		.find_map(|r| match r.event {
			RuntimeEvent::Slashing(Event::SlashApplied { id: i, distribution, .. }) if i == id => {
				Some(distribution)
			}
			_ => None,
		})
		.expect("slash applied")
}

// ---- Severity ----

#[test]
fn each_severity_kind_maps_to_its_fraction() {
	test(|| {
		assert_eq!(Slashing::severity_fraction(&late(HOUR)), Perbill::from_percent(2));
		assert_eq!(Slashing::severity_fraction(&late(10)), Perbill::from_percent(20));
		// Lateness is capped at 30 %.
		assert_eq!(Slashing::severity_fraction(&late(100)), Perbill::from_percent(30));
		let excursion = |units| Severity { excursion_centi_c_minutes: units, ..Default::default() };
		assert_eq!(Slashing::severity_fraction(&excursion(100)), Perbill::from_parts(1_000_000));
		assert_eq!(Slashing::severity_fraction(&excursion(1_000_000)), Perbill::from_percent(40));
		let damage = Severity { damage: Perbill::from_percent(15), ..Default::default() };
		assert_eq!(Slashing::severity_fraction(&damage), Perbill::from_percent(15));
		assert_eq!(Slashing::severity_fraction(&lost()), Perbill::one());
		assert_eq!(Slashing::severity_fraction(&Severity::default()), Perbill::zero());
	});
}

#[test]
fn an_attesters_misconduct_costs_its_fraction() {
	test(|| {
		let silent = Severity::misconduct(Perbill::from_percent(5));
		assert!(silent.is_fault());
		assert_eq!(Slashing::severity_fraction(&silent), Perbill::from_percent(5));
		// Capped like any fault that is not a loss.
		let wrong = Severity::misconduct(Perbill::from_percent(90));
		assert_eq!(Slashing::severity_fraction(&wrong), Perbill::from_percent(60));
		assert_eq!(Slashing::severity_fraction(&Severity::forfeit()), Perbill::one());
	});
}

#[test]
fn the_sum_is_capped() {
	test(|| {
		let all = Severity {
			late_hours: 100,
			excursion_centi_c_minutes: 1_000_000,
			damage: Perbill::from_percent(50),
			lost: false,
			misconduct: Perbill::from_percent(10),
		};
		assert_eq!(Slashing::severity_fraction(&all), Perbill::from_percent(60));
	});
}

#[test]
fn the_smallest_fault_is_not_free() {
	test(|| {
		let tiny = Severity {
			excursion_centi_c_minutes: 0,
			damage: Perbill::from_parts(0),
			late_hours: 0,
			lost: false,
			misconduct: Perbill::zero(),
		};
		assert!(!tiny.is_fault());
		let speck = Severity { damage: Perbill::from_parts(1), ..Default::default() };
		assert_eq!(Slashing::severity_fraction(&speck), Perbill::from_parts(1));
	});
}

fn severity() -> impl Strategy<Value = Severity> {
	(0u32..200, 0u32..2_000_000, 0u32..=1_000_000_000, any::<bool>(), 0u32..=1_000_000_000)
		.prop_map(|(h, e, d, l, m)| Severity {
			late_hours: h,
			excursion_centi_c_minutes: e,
			damage: Perbill::from_parts(d),
			lost: l,
			misconduct: Perbill::from_parts(m),
		})
}

proptest! {
	#[test]
	fn severity_is_monotone_bounded_and_never_zero_for_a_fault(
		s in severity(), dh in 0u32..50, de in 0u32..100_000, dd in 0u32..100_000_000,
	) {
		new_test_ext().execute_with(|| {
			let f = Slashing::severity_fraction(&s);
			prop_assert!(f <= Perbill::one());
			prop_assert_eq!(f.is_zero(), !s.is_fault());
			let worse = Severity {
				late_hours: s.late_hours + dh,
				excursion_centi_c_minutes: s.excursion_centi_c_minutes + de,
				damage: s.damage.saturating_add(Perbill::from_parts(dd)),
				lost: s.lost,
				misconduct: s.misconduct.saturating_add(Perbill::from_parts(dd)),
			};
			prop_assert!(Slashing::severity_fraction(&worse) >= f);
			let as_lost = Severity { lost: true, ..s };
			prop_assert!(Slashing::severity_fraction(&as_lost) >= f);
			Ok(())
		})?;
	}

	#[test]
	fn correlation_only_raises_and_never_passes_one(
		base in 0u32..=1_000_000_000, faulted in 0u128..1_000_000, total in 0u128..1_000_000,
	) {
		new_test_ext().execute_with(|| {
			let base = Perbill::from_parts(base);
			let c = Slashing::correlated_fraction(base, faulted, total);
			prop_assert!(c >= base);
			prop_assert!(c <= Perbill::one());
			Ok(())
		})?;
	}
}

// ---- Scheduling ----

#[test]
fn a_fault_is_pending_with_its_funds_reserved() {
	test(|| {
		let (id, amount) = fault(request(CARRIER, 5_000, late(3)));
		assert_eq!(amount, 300); // 6 % of 5 000
		let slash = PendingSlashes::<Test>::get(id).unwrap();
		assert_eq!((slash.amount, slash.due, slash.compensation_cap), (300, 1 + DEFER, 600));
		assert_eq!(ApplyQueue::<Test>::get(1 + DEFER).to_vec(), vec![id]);
		assert_eq!(PendingTotal::<Test>::get(StakeKind::Carrier, CARRIER), 300);
		assert_eq!(Slashing::pending_of(&CARRIER, 10).len(), 1);
		// Nothing moved yet.
		assert_eq!(free(CARRIER), INITIAL);
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::Slashing(Event::SlashScheduled { amount: 300, fraction, .. })
				if fraction == Perbill::from_percent(6)
		)));
	});
}

#[test]
fn no_fault_and_nothing_at_risk() {
	test(|| {
		assert_noop!(
			Slashing::schedule(request(CARRIER, 5_000, Severity::default())),
			Error::<Test>::NotAFault
		);
		assert_eq!(Slashing::schedule(request(CARRIER, 0, lost())), Ok(0));
		assert_eq!(NextSlashId::<Test>::get(), 0);
	});
}

#[test]
fn rounding_never_gives_a_zero_slash_nor_more_than_at_risk() {
	test(|| {
		let speck = Severity { damage: Perbill::from_parts(1), ..Default::default() };
		assert_eq!(fault(request(CARRIER, 1, speck)).1, 1);
		assert_eq!(fault(request(CARRIER, 3, speck)).1, 1);
		assert_eq!(fault(request(CARRIER, 7, lost())).1, 7);
	});
}

#[test]
fn a_full_block_spills_to_the_next_and_then_refuses() {
	test(|| {
		for _ in 0..4 {
			fault(request(CARRIER, 100, late(1)));
		}
		let (spilled, _) = fault(request(CARRIER, 100, late(1)));
		assert_eq!(PendingSlashes::<Test>::get(spilled).unwrap().due, 2 + DEFER);
		for _ in 0..7 {
			fault(request(CARRIER, 100, late(1)));
		}
		assert_noop!(Slashing::schedule(request(CARRIER, 100, late(1))), Error::<Test>::QueueFull);
	});
}

// ---- Correlation ----

#[test]
fn correlated_faults_cost_more_until_the_window_passes() {
	test(|| {
		// An isolated fault: the base 2 %.
		let (_, first) = fault(request(CARRIER, 5_000, late(1)));
		assert_eq!(first, 100);
		// 5 000 of 100 000 faulted in the window: 2 % × (1 + 3 × 5 %) = 2.3 %.
		let (_, second) = fault(request(CARRIER, 5_000, late(1)));
		assert_eq!(second, 115);
		// Attesters have their own window: an isolated attester fault pays the base.
		let (_, other_kind) = fault(SlashRequest {
			kind: StakeKind::Attester,
			offender: ATTESTER,
			..request(ATTESTER, 5_000, late(1))
		});
		assert_eq!(other_kind, 100);
		// Once the faults leave the window the base applies again.
		run_to_block(1 + WINDOW);
		assert_eq!(FaultedInWindow::<Test>::get(StakeKind::Carrier), 0);
		let (_, later) = fault(request(CARRIER, 5_000, late(1)));
		assert_eq!(later, 100);
	});
}

#[test]
fn a_mass_failure_is_capped_at_the_whole_bond() {
	test(|| {
		set_total_stake(StakeKind::Attester, 10_000);
		let attester_fault = |who| SlashRequest {
			kind: StakeKind::Attester,
			..request(
				who,
				5_000,
				Severity { damage: Perbill::from_percent(50), ..Default::default() },
			)
		};
		assert_eq!(fault(attester_fault(ATTESTER)).1, 2_500);
		// Half of all attester stake faulted already: 50 % × (1 + 3 × 50 %) > 100 %.
		assert_eq!(fault(attester_fault(REPORTER)).1, 5_000);
	});
}

// ---- Deferral, veto, application ----

#[test]
fn a_slash_applies_exactly_at_the_end_of_the_defer_period() {
	test(|| {
		let (id, amount) = fault(request(CARRIER, 5_000, late(3)));
		run_to_block(DEFER);
		assert!(PendingSlashes::<Test>::get(id).is_some());
		assert_eq!(free(CARRIER), INITIAL);
		run_to_block(1 + DEFER);
		assert!(PendingSlashes::<Test>::get(id).is_none());
		assert_eq!(free(CARRIER), INITIAL - amount);
		assert_eq!(reserved(StakeKind::Carrier, CARRIER), 0);
		assert_eq!(TotalSlashed::<Test>::get(CARRIER), amount);
		assert_eq!(applied(id).slashed, amount);
	});
}

#[test]
fn a_cancelled_slash_restores_everything_exactly() {
	test(|| {
		let (id, _) = fault(request(CARRIER, 5_000, lost()));
		assert_noop!(
			Slashing::cancel_slash(RuntimeOrigin::signed(SHIPPER), id),
			DispatchError::BadOrigin
		);
		assert_ok!(Slashing::cancel_slash(RuntimeOrigin::root(), id));
		assert_eq!(reserved(StakeKind::Carrier, CARRIER), 0);
		assert!(ApplyQueue::<Test>::get(1 + DEFER).is_empty());
		run_to_block(1 + DEFER);
		assert_eq!(free(CARRIER), INITIAL);
		assert_eq!(TotalSlashed::<Test>::get(CARRIER), 0);
		assert_noop!(
			Slashing::cancel_slash(RuntimeOrigin::root(), id),
			Error::<Test>::SlashNotFound
		);
	});
}

#[test]
fn a_reduced_slash_takes_only_the_reduced_amount() {
	test(|| {
		let (id, amount) = fault(request(CARRIER, 5_000, lost()));
		assert_eq!(amount, 5_000);
		assert_noop!(
			Slashing::reduce_slash(RuntimeOrigin::signed(SHIPPER), id, 1),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Slashing::reduce_slash(RuntimeOrigin::root(), id, 0),
			Error::<Test>::InvalidReduction
		);
		assert_noop!(
			Slashing::reduce_slash(RuntimeOrigin::root(), id, 5_000),
			Error::<Test>::InvalidReduction
		);
		assert_noop!(
			Slashing::reduce_slash(RuntimeOrigin::root(), 9, 1),
			Error::<Test>::SlashNotFound
		);
		assert_ok!(Slashing::reduce_slash(RuntimeOrigin::root(), id, 1_234));
		assert_eq!(reserved(StakeKind::Carrier, CARRIER), 1_234);
		run_to_block(1 + DEFER);
		assert_eq!(free(CARRIER), INITIAL - 1_234);
		assert_eq!(applied(id).slashed, 1_234);
	});
}

#[test]
fn compensation_comes_first_then_reporters_then_treasury() {
	test(|| {
		let mut r = request(CARRIER, 10_000, late(5)); // 10 %: 1 000 slashed
		r.value = 4_000; // damage 10 % × 4 000 = 400
		r.reporters = vec![REPORTER, REPORTER2].try_into().unwrap();
		let (id, amount) = fault(r);
		assert_eq!(amount, 1_000);
		run_to_block(1 + DEFER);
		let d = applied(id);
		assert_eq!(
			d,
			Distribution { slashed: 1_000, compensation: 400, reporters: 60, remainder: 540 }
		);
		assert_eq!(free(SHIPPER), INITIAL + 400);
		assert_eq!((free(REPORTER), free(REPORTER2)), (INITIAL + 30, INITIAL + 30));
		assert_eq!(free(TREASURY), INITIAL + 540);
		assert_eq!(d.compensation + d.reporters + d.remainder, d.slashed);
	});
}

#[test]
fn lost_cargo_compensates_up_to_its_value() {
	test(|| {
		let mut r = request(CARRIER, 5_000, lost());
		r.value = 3_000;
		let (id, _) = fault(r);
		run_to_block(1 + DEFER);
		assert_eq!(
			applied(id),
			Distribution { slashed: 5_000, compensation: 3_000, reporters: 0, remainder: 2_000 }
		);
		assert_eq!(free(SHIPPER), INITIAL + 3_000);
	});
}

#[test]
fn odd_amounts_split_without_losing_a_unit() {
	test(|| {
		let mut r = request(CARRIER, 1_001, lost());
		r.value = 0;
		r.beneficiary = None;
		r.reporters = vec![REPORTER, REPORTER2, SHIPPER].try_into().unwrap();
		let (id, _) = fault(r);
		run_to_block(1 + DEFER);
		let d = applied(id);
		// 10 % of 1 001 is 100; 33 each to three reporters, the odd unit to the treasury.
		assert_eq!(
			d,
			Distribution { slashed: 1_001, compensation: 0, reporters: 99, remainder: 902 }
		);
		assert_eq!(free(TREASURY), INITIAL + 902);
	});
}

#[test]
fn several_slashes_on_one_hold_apply_in_order_and_never_exceed_it() {
	test(|| {
		let (a, _) = fault(request(CARRIER, 3_000, lost()));
		let (b, _) = fault(request(CARRIER, 2_000, lost()));
		// The owner could only reserve part of the second (e.g. a smaller hold).
		crate::mock::RESERVED
			.with(|r| *r.borrow_mut().get_mut(&(StakeKind::Carrier, CARRIER)).unwrap() -= 1_500);
		PendingTotal::<Test>::mutate(StakeKind::Carrier, CARRIER, |p| *p -= 1_500);
		PendingSlashes::<Test>::mutate(b, |s| s.as_mut().unwrap().amount -= 1_500);
		run_to_block(1 + DEFER);
		assert_eq!((applied(a).slashed, applied(b).slashed), (3_000, 500));
		assert_eq!(free(CARRIER), INITIAL - 3_500);
		let order: Vec<_> = System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::Slashing(Event::SlashApplied { id, .. }) => Some(id),
				_ => None,
			})
			.collect();
		assert_eq!(order, vec![a, b]);
	});
}

#[test]
fn queries_list_pending_slashes_and_totals() {
	test(|| {
		fault(request(CARRIER, 1_000, lost()));
		fault(request(CARRIER, 1_000, lost()));
		assert_eq!(Slashing::pending_of(&CARRIER, 10).len(), 2);
		assert_eq!(Slashing::pending_of(&CARRIER, 1).len(), 1);
		assert!(Slashing::pending_of(&SHIPPER, 10).is_empty());
		run_to_block(1 + DEFER);
		assert!(Slashing::pending_of(&CARRIER, 10).is_empty());
		assert_eq!(TotalSlashed::<Test>::get(CARRIER), 2_000);
	});
}
