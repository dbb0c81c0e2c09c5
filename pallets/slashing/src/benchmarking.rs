//! Benchmarks (frame-benchmarking v2) of both calls, scheduling and the hook.

use frame_benchmarking::v2::*;
use frame_support::traits::{Get, Hooks};
use frame_system::RawOrigin;
use sp_runtime::{
	traits::{One, Saturating},
	Perbill,
};
use surety_primitives::protocol::{
	Severity, SlashRequest, SlashScheduler, StakeKind, MAX_REPORTERS,
};

use crate::{pallet::*, types::*};

/// What the runtime sets up in the pallets that own the slashed holds.
pub trait BenchmarkHelper<AccountId, Balance> {
	/// Gives `who` a stake of `kind` with `amount` reserved for a pending slash, as the owner
	/// would after scheduling, and funds `beneficiary` and `reporters` so payments to them
	/// take their full path.
	fn reserve(kind: StakeKind, who: &AccountId, amount: Balance);
}

impl<AccountId, Balance> BenchmarkHelper<AccountId, Balance> for () {
	fn reserve(_: StakeKind, _: &AccountId, _: Balance) {}
}

#[cfg(test)]
impl BenchmarkHelper<u64, u128> for crate::mock::MockBenchmarkHelper {
	fn reserve(kind: StakeKind, who: &u64, amount: u128) {
		use frame_support::traits::fungible::Mutate;
		crate::mock::Balances::set_balance(who, amount.saturating_mul(10).max(1_000));
		crate::mock::reserve(kind, *who, amount);
	}
}

fn at_risk<T: Config>() -> BalanceOf<T> {
	1_000_000u32.into()
}

/// A fault with the most expensive distribution: a beneficiary and every reporter.
fn worst_request<T: Config>(offender: T::AccountId) -> SlashRequest<T::AccountId, BalanceOf<T>> {
	let reporters: alloc::vec::Vec<T::AccountId> =
		(0..MAX_REPORTERS).map(|i| account("reporter", i, 0)).collect();
	SlashRequest {
		offender,
		kind: StakeKind::Carrier,
		order: 0,
		at_risk: at_risk::<T>(),
		severity: Severity {
			late_hours: 3,
			excursion_centi_c_minutes: 500,
			damage: Perbill::from_percent(5),
			lost: false,
			misconduct: Perbill::zero(),
		},
		value: at_risk::<T>(),
		beneficiary: Some(account("beneficiary", 0, 0)),
		reporters: reporters.try_into().expect("MAX_REPORTERS of them"),
	}
}

/// Schedules a worst-case slash of a fresh offender and reserves it as its owner would.
fn pending<T: Config>(index: u32) -> SlashId {
	let offender: T::AccountId = account("offender", index, 0);
	let id = NextSlashId::<T>::get();
	let amount = Pallet::<T>::schedule(worst_request::<T>(offender.clone())).expect("room");
	T::BenchmarkHelper::reserve(StakeKind::Carrier, &offender, amount);
	id
}

/// Fills the apply queue at the next due block to one short of full, so the benchmarked
/// slash is last in a full queue.
fn fill_queue<T: Config>() {
	for i in 1..T::MaxSlashesPerBlock::get() {
		pending::<T>(1_000 + i);
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn schedule() {
		fill_queue::<T>();
		let offender: T::AccountId = account("offender", 0, 0);
		let id = NextSlashId::<T>::get();
		#[block]
		{
			Pallet::<T>::schedule(worst_request::<T>(offender)).expect("room");
		}
		assert!(PendingSlashes::<T>::contains_key(id));
	}

	#[benchmark]
	fn cancel_slash() {
		fill_queue::<T>();
		let id = pending::<T>(0);
		#[extrinsic_call]
		_(RawOrigin::Root, id);
		assert!(!PendingSlashes::<T>::contains_key(id));
	}

	#[benchmark]
	fn reduce_slash() {
		let id = pending::<T>(0);
		#[extrinsic_call]
		_(RawOrigin::Root, id, One::one());
		assert_eq!(PendingSlashes::<T>::get(id).expect("pending").amount, One::one());
	}

	#[benchmark]
	fn on_initialize(n: Linear<0, { T::MaxSlashesPerBlock::get() }>) {
		let ids: alloc::vec::Vec<SlashId> = (0..n).map(pending::<T>).collect();
		let due =
			frame_system::Pallet::<T>::block_number().saturating_add(T::SlashDeferPeriod::get());
		// A bucket of every kind leaves the correlation window in the same block.
		if due >= T::CorrelationWindow::get() {
			let leaving = due.saturating_sub(T::CorrelationWindow::get());
			for kind in [StakeKind::Carrier, StakeKind::Attester, StakeKind::DisputeDeposit] {
				FaultedInBlock::<T>::mutate(kind, leaving, |f| f.saturating_accrue(One::one()));
				FaultedInWindow::<T>::mutate(kind, |f| f.saturating_accrue(One::one()));
			}
		}
		frame_system::Pallet::<T>::set_block_number(due);
		#[block]
		{
			Pallet::<T>::on_initialize(due);
		}
		// Only these: the chain may hold other pending slashes (scripts/bench.sh measures the
		// hook beside 100,000 of them).
		assert!(ids.iter().all(|id| !PendingSlashes::<T>::contains_key(id)));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
