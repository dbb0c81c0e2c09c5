//! Benchmarks (frame-benchmarking v2) of every call, the hook and the proposal entry point.

use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, EnsureOrigin, Get, Hooks};
use frame_system::RawOrigin;
use sp_runtime::{traits::Saturating, Perbill};
use surety_primitives::protocol::{OrderId, OrderInfo, ProposalHandler, Report};

use crate::{pallet::*, types::*};

/// What the runtime sets up in the other protocol pallets for these benchmarks.
pub trait BenchmarkHelper<T: Config> {
	/// A bonded order, the `i`-th of the benchmark, whose committee has proposed an outcome
	/// other than `Lost`, so that its dispute window is open.
	fn proposed_order(i: u32) -> OrderId;
}

/// For a mock whose orders all exist: proposes directly.
impl<T: Config> BenchmarkHelper<T> for () {
	fn proposed_order(i: u32) -> OrderId {
		let order = i as OrderId;
		Pallet::<T>::do_on_proposed(order, delivered()).expect("known order");
		order
	}
}

fn delivered() -> Report {
	Report::Delivered { at: 0, max_excursion_centi_c_minutes: 0, damage: Perbill::zero() }
}

/// The shipper of `order`, funded to dispute it.
fn disputer<T: Config>(order: OrderId) -> T::AccountId {
	let (shipper, _, value) = T::Orders::parties(order).expect("bonded");
	let deposit = Pallet::<T>::deposit_for(value);
	T::Currency::set_balance(&shipper, deposit.saturating_mul(10u32.into()));
	shipper
}

/// Disputes `order` until its next dispute goes to arbitration.
fn to_last_round<T: Config>(order: OrderId) {
	for _ in 2..T::MaxRounds::get() {
		let who = disputer::<T>(order);
		Pallet::<T>::do_dispute(who, order, Report::Lost, Default::default()).expect("window open");
		let case = Cases::<T>::get(order).expect("open");
		if case.status != CaseStatus::Reattesting {
			break;
		}
		// The fresh committee proposes again.
		Pallet::<T>::do_on_proposed(order, delivered()).expect("re-attesting");
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn dispute_escalating() {
		let order = T::BenchmarkHelper::proposed_order(0);
		let who = disputer::<T>(order);
		#[extrinsic_call]
		dispute(RawOrigin::Signed(who), order, Report::Lost, Default::default());
		assert_eq!(Cases::<T>::get(order).expect("open").round, 2);
	}

	#[benchmark]
	fn dispute_to_arbitration() {
		let order = T::BenchmarkHelper::proposed_order(0);
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
		let order = T::BenchmarkHelper::proposed_order(0);
		to_last_round::<T>(order);
		let who = disputer::<T>(order);
		Pallet::<T>::do_dispute(who, order, Report::Lost, Default::default()).expect("window open");
		let origin = T::ArbitrationOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)?;
		// The disputed proposal stands: every deposit is forfeited (the heavier resolution).
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, order, delivered());
		assert!(!Cases::<T>::contains_key(order));
		Ok(())
	}

	#[benchmark]
	fn on_initialize(n: Linear<0, { T::MaxTimersPerBlock::get() }>) {
		let orders: alloc::vec::Vec<_> = (0..n).map(T::BenchmarkHelper::proposed_order).collect();
		let ends =
			frame_system::Pallet::<T>::block_number().saturating_add(T::DisputeWindow::get());
		frame_system::Pallet::<T>::set_block_number(ends);
		#[block]
		{
			Pallet::<T>::on_initialize(ends);
		}
		for order in orders {
			assert!(!Cases::<T>::contains_key(order));
		}
	}

	#[benchmark]
	fn on_proposed() {
		// The order's committee proposes; undo the helper's window to measure opening one.
		let order = T::BenchmarkHelper::proposed_order(0);
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
