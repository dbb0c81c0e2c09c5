//! The slashing model, the hook and the trait the other pallets call.

use alloc::vec::Vec;
use frame_support::{
	defensive,
	pallet_prelude::*,
	traits::{fungible::Balanced, Imbalance, OnUnbalanced},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{One, Saturating, Zero},
	Perbill,
};
use surety_primitives::{
	protocol::{Severity, SlashRequest, SlashScheduler, SlashableStake, StakeKind},
	queue,
};

use crate::{pallet::*, types::*, WeightInfo};

/// Every kind of stake, for the per-kind correlation windows.
const KINDS: [StakeKind; 3] = [StakeKind::Carrier, StakeKind::Attester, StakeKind::DisputeDeposit];

impl<T: Config> Pallet<T> {
	/// `rate × units`, capped at `cap`.
	fn scaled(rate: Perbill, units: u32, cap: Perbill) -> Perbill {
		let parts = (rate.deconstruct() as u64).saturating_mul(units as u64);
		Perbill::from_parts(parts.min(cap.deconstruct() as u64) as u32)
	}

	/// The fraction of the bond a fault of `severity` costs before correlation (protocol §5):
	/// 100 % for lost cargo; otherwise the capped sum of the lateness, excursion and damage
	/// fractions. Monotone in every input, never above 100 %, never zero for a fault.
	pub fn severity_fraction(severity: &Severity) -> Perbill {
		if severity.lost {
			return Perbill::one();
		}
		let late =
			Self::scaled(T::LatePerHour::get(), severity.late_hours, T::MaxLateFraction::get());
		let excursion = Self::scaled(
			T::ExcursionPerUnit::get(),
			severity.excursion_centi_c_minutes,
			T::MaxExcursionFraction::get(),
		);
		let sum = late
			.saturating_add(excursion)
			.saturating_add(severity.damage)
			.saturating_add(severity.misconduct)
			.min(T::MaxFaultFraction::get());
		if sum.is_zero() && severity.is_fault() {
			// The smallest fraction there is: a fault is never free.
			Perbill::from_parts(1)
		} else {
			sum
		}
	}

	/// `min(1, base × (1 + CorrelationFactor × faulted ÷ total))`. With no stake of the kind
	/// at all, any earlier fault counts as the whole of it.
	pub fn correlated_fraction(
		base: Perbill,
		faulted: BalanceOf<T>,
		total: BalanceOf<T>,
	) -> Perbill {
		if faulted.is_zero() {
			return base;
		}
		let share =
			if total.is_zero() { Perbill::one() } else { Perbill::from_rational(faulted, total) };
		let extra = Self::scaled(base * share, T::CorrelationFactor::get(), Perbill::one());
		base.saturating_add(extra)
	}

	/// Schedules the slash of a fault; see [`SlashScheduler`].
	pub(crate) fn do_schedule(
		request: SlashRequest<T::AccountId, BalanceOf<T>>,
	) -> Result<BalanceOf<T>, DispatchError> {
		ensure!(request.severity.is_fault(), Error::<T>::NotAFault);
		if request.at_risk.is_zero() {
			return Ok(Zero::zero());
		}
		let base = Self::severity_fraction(&request.severity);
		let faulted = FaultedInWindow::<T>::get(request.kind);
		let fraction =
			Self::correlated_fraction(base, faulted, T::Stakes::total_stake(request.kind));
		let amount = fraction.mul_ceil(request.at_risk).max(One::one()).min(request.at_risk);
		let compensation_cap =
			if request.severity.lost { request.value } else { base.mul_ceil(request.value) };

		let now = frame_system::Pallet::<T>::block_number();
		let id = NextSlashId::<T>::get();
		let next = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
		let due = Self::enqueue(now.saturating_add(T::SlashDeferPeriod::get()), id)?;
		NextSlashId::<T>::put(next);

		FaultedInBlock::<T>::mutate(request.kind, now, |f| f.saturating_accrue(request.at_risk));
		FaultedInWindow::<T>::insert(request.kind, faulted.saturating_add(request.at_risk));
		PendingTotal::<T>::mutate(request.kind, &request.offender, |p| p.saturating_accrue(amount));
		PendingByOffender::<T>::insert(&request.offender, id, ());
		PendingSlashes::<T>::insert(
			id,
			PendingSlash {
				offender: request.offender.clone(),
				kind: request.kind,
				order: request.order,
				amount,
				compensation_cap,
				beneficiary: request.beneficiary,
				reporters: request.reporters,
				due,
			},
		);
		Self::deposit_event(Event::SlashScheduled {
			id,
			offender: request.offender,
			kind: request.kind,
			amount,
			fraction,
			due,
		});
		Ok(amount)
	}

	/// Puts `id` in the first block from `at` whose queue has room, trying `MaxQueueSpill`
	/// blocks.
	fn enqueue(at: BlockNumberFor<T>, id: SlashId) -> Result<BlockNumberFor<T>, DispatchError> {
		queue::push_hinted::<ApplyQueue<T>, ApplySpillHint<T>, _, _, _>(
			at,
			T::MaxQueueSpill::get(),
			id,
		)
		.ok_or_else(|| Error::<T>::QueueFull.into())
	}

	fn dequeue(slash: &PendingSlashOf<T>, id: SlashId) {
		ApplyQueue::<T>::mutate_exists(slash.due, |queue| queue::remove_entry(queue, &id));
	}

	/// Forgets a pending slash: its bookkeeping, not its reservation.
	fn forget(id: SlashId, slash: &PendingSlashOf<T>) {
		PendingSlashes::<T>::remove(id);
		PendingByOffender::<T>::remove(&slash.offender, id);
		PendingTotal::<T>::mutate_exists(slash.kind, &slash.offender, |p| {
			let left = p.unwrap_or_default().saturating_sub(slash.amount);
			*p = if left.is_zero() { None } else { Some(left) };
		});
	}

	pub(crate) fn do_cancel(id: SlashId) -> DispatchResult {
		let slash = PendingSlashes::<T>::get(id).ok_or(Error::<T>::SlashNotFound)?;
		Self::dequeue(&slash, id);
		Self::forget(id, &slash);
		T::Stakes::release_reserved(slash.kind, &slash.offender, slash.amount);
		Self::deposit_event(Event::SlashCancelled { id });
		Ok(())
	}

	pub(crate) fn do_reduce(id: SlashId, amount: BalanceOf<T>) -> DispatchResult {
		let mut slash = PendingSlashes::<T>::get(id).ok_or(Error::<T>::SlashNotFound)?;
		ensure!(!amount.is_zero() && amount < slash.amount, Error::<T>::InvalidReduction);
		let released = slash.amount.saturating_sub(amount);
		T::Stakes::release_reserved(slash.kind, &slash.offender, released);
		PendingTotal::<T>::mutate(slash.kind, &slash.offender, |p| p.saturating_reduce(released));
		slash.amount = amount;
		PendingSlashes::<T>::insert(id, slash);
		Self::deposit_event(Event::SlashReduced { id, amount });
		Ok(())
	}

	/// Drops the bucket that leaves the correlation window at `now`.
	pub(crate) fn rotate_window(now: BlockNumberFor<T>) {
		let window = T::CorrelationWindow::get();
		if now < window {
			return;
		}
		let leaving = now.saturating_sub(window);
		for kind in KINDS {
			let expired = FaultedInBlock::<T>::take(kind, leaving);
			if !expired.is_zero() {
				FaultedInWindow::<T>::mutate(kind, |f| *f = f.saturating_sub(expired));
			}
		}
	}

	/// Applies the slashes due at `now`, in id order. Returns the hook's weight.
	pub(crate) fn apply_due(now: BlockNumberFor<T>) -> Weight {
		let due = ApplyQueue::<T>::take(now);
		let count = due.len() as u32;
		for id in due {
			match PendingSlashes::<T>::get(id) {
				Some(slash) => Self::apply(id, slash),
				None => {
					defensive!("a queued slash is not pending");
				}
			}
		}
		T::WeightInfo::on_initialize(count)
	}

	/// Takes the reserved funds and distributes them from one credit.
	fn apply(id: SlashId, slash: PendingSlashOf<T>) {
		Self::forget(id, &slash);
		let credit = T::Stakes::slash_reserved(slash.kind, &slash.offender, slash.amount);
		let slashed = credit.peek();
		TotalSlashed::<T>::mutate(&slash.offender, |t| t.saturating_accrue(slashed));

		// Compensation first, up to the damage.
		let (compensation, mut rest) = credit.split(slashed.min(slash.compensation_cap));
		let compensated = match &slash.beneficiary {
			Some(who) => Self::pay(who, compensation, &mut rest),
			None => {
				rest.subsume(compensation);
				Zero::zero()
			}
		};

		// Then the reporters' share of what is left, in equal parts.
		let mut to_reporters: BalanceOf<T> = Zero::zero();
		let reporters = slash.reporters.len() as u32;
		if reporters > 0 {
			let share = T::ReporterShare::get().mul_floor(rest.peek());
			let each = share / reporters.into();
			for reporter in slash.reporters.iter() {
				let (part, remaining) = rest.split(each);
				rest = remaining;
				to_reporters.saturating_accrue(Self::pay(reporter, part, &mut rest));
			}
		}

		let distribution = Distribution {
			slashed,
			compensation: compensated,
			reporters: to_reporters,
			remainder: rest.peek(),
		};
		T::OnRemainder::on_unbalanced(rest);
		Self::deposit_event(Event::SlashApplied { id, offender: slash.offender, distribution });
	}

	/// Pays `credit` to `who`; what cannot be paid (e.g. below the existential deposit of a
	/// new account) joins `rest`. Returns what was paid.
	fn pay(who: &T::AccountId, credit: CreditOf<T>, rest: &mut CreditOf<T>) -> BalanceOf<T> {
		let amount = credit.peek();
		match T::Currency::resolve(who, credit) {
			Ok(()) => amount,
			Err(unpaid) => {
				rest.subsume(unpaid);
				Zero::zero()
			}
		}
	}

	/// Pending slashes of `who`, at most `max` of them, for the runtime API.
	pub fn pending_of(who: &T::AccountId, max: u32) -> Vec<(SlashId, PendingSlashOf<T>)> {
		PendingByOffender::<T>::iter_key_prefix(who)
			.take(max as usize)
			.filter_map(|id| PendingSlashes::<T>::get(id).map(|s| (id, s)))
			.collect()
	}

	/// Checks the pallet's invariants (protocol §7.4): every pending slash is queued once at
	/// its due block and indexed; per offender and kind, pending slashes equal what the owner
	/// of the hold keeps reserved; the correlation window is the sum of its buckets.
	// `std` too: the runtime's invariant fuzzing calls it without a try-runtime build.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;

		let mut queued = 0usize;
		for (at, queue) in ApplyQueue::<T>::iter() {
			for id in queue {
				let slash = PendingSlashes::<T>::get(id).ok_or("queued slash is not pending")?;
				ensure!(slash.due == at, "slash queued at the wrong block");
				queued += 1;
			}
		}
		let mut totals: BTreeMap<(StakeKind, T::AccountId), BalanceOf<T>> = BTreeMap::new();
		let mut pending = 0usize;
		for (id, slash) in PendingSlashes::<T>::iter() {
			ensure!(!slash.amount.is_zero(), "a pending slash of zero");
			ensure!(
				PendingByOffender::<T>::contains_key(&slash.offender, id),
				"pending slash not indexed"
			);
			totals.entry((slash.kind, slash.offender)).or_default().saturating_accrue(slash.amount);
			pending += 1;
		}
		ensure!(queued == pending, "every pending slash is queued exactly once");
		ensure!(PendingByOffender::<T>::iter().count() == pending, "stale offender index");
		for (kind, who, total) in PendingTotal::<T>::iter() {
			let expected = totals.remove(&(kind, who.clone())).unwrap_or_default();
			ensure!(total == expected, "pending total differs from the pending slashes");
			ensure!(
				T::Stakes::reserved(kind, &who) == total,
				"the hold's reservation differs from the pending slashes"
			);
		}
		ensure!(totals.is_empty(), "pending slashes without a total");
		for kind in KINDS {
			let buckets = FaultedInBlock::<T>::iter_prefix_values(kind)
				.fold(BalanceOf::<T>::zero(), |a, b| a.saturating_add(b));
			ensure!(FaultedInWindow::<T>::get(kind) == buckets, "window differs from its buckets");
		}
		Ok(())
	}
}

impl<T: Config> SlashScheduler<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn schedule(
		request: SlashRequest<T::AccountId, BalanceOf<T>>,
	) -> Result<BalanceOf<T>, DispatchError> {
		Self::do_schedule(request)
	}
}
