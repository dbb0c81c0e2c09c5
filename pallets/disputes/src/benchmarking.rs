//! Benchmarks (frame-benchmarking v2) of every call, the hook and the proposal entry point.

use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, EnsureOrigin, Get, Hooks};
use frame_system::RawOrigin;
use sp_runtime::{traits::Saturating, Perbill};
use surety_primitives::protocol::{OrderId, OrderInfo, ProposalHandler, Report};

use alloc::vec::Vec;
use frame_system::pallet_prelude::BlockNumberFor;

use crate::{pallet::*, types::*};

/// What the runtime sets up in the other protocol pallets for these benchmarks.
pub trait BenchmarkHelper<T: Config> {
	/// A bonded order, the `i`-th of the benchmark, whose committee has proposed an outcome
	/// other than `Lost`, so that its dispute window is open. Not `faulted`: a delivery on
	/// time that every member reported (nobody is slashed when it settles). `faulted`: a late,
	/// damaged delivery (the carrier is slashed) that a member contradicted (it is slashed).
	fn proposed_order(i: u32, faulted: bool) -> OrderId;
}

/// For a mock whose orders all exist: proposes directly.
impl<T: Config> BenchmarkHelper<T> for () {
	fn proposed_order(i: u32, faulted: bool) -> OrderId {
		let order = i as OrderId;
		let outcome = if faulted { damaged() } else { delivered() };
		Pallet::<T>::do_on_proposed(order, outcome).expect("known order");
		order
	}
}

fn delivered() -> Report {
	Report::Delivered { at: 0, max_excursion_centi_c_minutes: 0, damage: Perbill::zero() }
}

fn damaged() -> Report {
	Report::Delivered { at: 0, max_excursion_centi_c_minutes: 0, damage: Perbill::from_percent(5) }
}

/// The shipper of `order`, funded to dispute it.
fn disputer<T: Config>(order: OrderId) -> T::AccountId {
	let (shipper, _, value) = T::Orders::parties(order).expect("bonded");
	let deposit = Pallet::<T>::deposit_for(value);
	T::Currency::set_balance(&shipper, deposit.saturating_mul(10u32.into()));
	shipper
}

/// The shipper disputes `order`'s proposal, claiming it was lost.
fn dispute_lost<T: Config>(order: OrderId) {
	let who = disputer::<T>(order);
	Pallet::<T>::do_dispute(who, order, Report::Lost, Default::default()).expect("window open");
}

/// Disputes `order` until its next dispute goes to arbitration; every fresh committee proposes
/// what the first did (so every deposit is forfeited if that outcome stands) and none of its
/// members reports (each is judged silent).
fn to_last_round<T: Config>(order: OrderId) {
	let proposal = Cases::<T>::get(order).and_then(|case| case.proposed).expect("proposed");
	for _ in 2..T::MaxRounds::get() {
		dispute_lost::<T>(order);
		let case = Cases::<T>::get(order).expect("open");
		if case.status != CaseStatus::Reattesting {
			break;
		}
		Pallet::<T>::do_on_proposed(order, proposal).expect("re-attesting");
	}
}

/// Moves to the block whose hook ends `orders`' windows or rulings (all opened in this block),
/// or `after` blocks on when there are none.
fn to_timers<T: Config>(orders: &[OrderId], after: BlockNumberFor<T>) -> BlockNumberFor<T> {
	let due = orders
		.first()
		.and_then(|order| Cases::<T>::get(order))
		.and_then(|case| case.timer())
		.unwrap_or_else(|| frame_system::Pallet::<T>::block_number().saturating_add(after));
	frame_system::Pallet::<T>::set_block_number(due);
	due
}

fn assert_final<T: Config>(orders: Vec<OrderId>) {
	for order in orders {
		assert!(!Cases::<T>::contains_key(order));
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn dispute_escalating() {
		let order = T::BenchmarkHelper::proposed_order(0, false);
		let who = disputer::<T>(order);
		#[extrinsic_call]
		dispute(RawOrigin::Signed(who), order, Report::Lost, Default::default());
		assert_eq!(Cases::<T>::get(order).expect("open").round, 2);
	}

	#[benchmark]
	fn dispute_to_arbitration() {
		let order = T::BenchmarkHelper::proposed_order(0, false);
		to_last_round::<T>(order);
		let who = disputer::<T>(order);
		#[extrinsic_call]
		dispute(RawOrigin::Signed(who), order, Report::Lost, Default::default());
		assert!(matches!(
			Cases::<T>::get(order).expect("open").status,
			CaseStatus::AwaitingRuling { .. }
		));
	}

	#[benchmark]
	fn rule() -> Result<(), BenchmarkError> {
		// The heaviest ruling: every round disputed and the disputed (faulted) proposal stands,
		// so every deposit is forfeited, the carrier slashed and every member but the first
		// round's agreeing ones slashed.
		let order = T::BenchmarkHelper::proposed_order(0, true);
		let proposal = Cases::<T>::get(order).and_then(|case| case.proposed).expect("proposed");
		to_last_round::<T>(order);
		dispute_lost::<T>(order);
		let origin = T::ArbitrationOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, order, proposal);
		assert!(!Cases::<T>::contains_key(order));
		Ok(())
	}

	/// `n` windows closing on clean orders: the path most orders take.
	#[benchmark]
	fn on_initialize(n: Linear<0, { T::MaxTimersPerBlock::get() }>) {
		let orders: Vec<_> = (0..n).map(|i| T::BenchmarkHelper::proposed_order(i, false)).collect();
		let due = to_timers::<T>(&orders, T::DisputeWindow::get());
		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}
		assert_final::<T>(orders);
	}

	/// `n` of the heaviest timers: a ruling that defaulted after every round was disputed, on a
	/// faulted proposal. Every deposit comes back, the carrier and every member but the first
	/// round's agreeing ones are slashed. (A window closing after an escalation forfeits one
	/// deposit fewer than [`Self::rule`] does; the hook charges the larger of the two.)
	#[benchmark]
	fn on_initialize_faulted(n: Linear<0, { T::MaxTimersPerBlock::get() }>) {
		let orders: Vec<_> = (0..n)
			.map(|i| {
				let order = T::BenchmarkHelper::proposed_order(i, true);
				to_last_round::<T>(order);
				dispute_lost::<T>(order);
				order
			})
			.collect();
		let due = to_timers::<T>(&orders, T::ArbitrationPeriod::get());
		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}
		assert_final::<T>(orders);
	}

	#[benchmark]
	fn on_proposed() {
		// The order's committee proposes; undo the helper's window to measure opening one.
		let order = T::BenchmarkHelper::proposed_order(0, false);
		let mut case = Cases::<T>::get(order).expect("open");
		if let Some(at) = case.timer() {
			Timers::<T>::remove(at);
		}
		case.status = CaseStatus::Reattesting;
		Cases::<T>::insert(order, case);
		#[block]
		{
			Pallet::<T>::on_proposed(order, delivered()).expect("re-attesting");
		}
		assert!(matches!(Cases::<T>::get(order).expect("open").status, CaseStatus::Window { .. }));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
