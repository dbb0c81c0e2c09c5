//! The logic behind the calls, the hook, and the traits the other pallets call.

use frame_support::{
	defensive,
	pallet_prelude::*,
	traits::{
		fungible::{BalancedHold, InspectHold, MutateHold},
		tokens::Precision,
		DefensiveSaturating,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{One, Saturating, Zero},
	DispatchError, DispatchResult,
};
use surety_primitives::{
	protocol::{
		CommitteeProvider, OrderId, OrderInfo, OutcomeHandler, OutcomePath, ProposalHandler,
		Report, Severity, SlashRequest, SlashScheduler, SlashableStake, StakeKind,
	},
	queue,
};

use crate::{pallet::*, types::*, WeightInfo, LOG_TARGET};

/// Where a round that ended without a final outcome went, for the dispute call's charge.
pub(crate) enum NextRound {
	/// A fresh committee; `unused`: what its draw did not use of the weight charged for it.
	Escalated { unused: Weight },
	/// No committee could be drawn (too few eligible attesters): arbitration.
	ArbitrationAfterFailedDraw,
	/// The last committee round: arbitration, with no draw tried.
	Arbitration,
}

impl<T: Config> Pallet<T> {
	fn reason() -> T::RuntimeHoldReason {
		HoldReason::DisputeDeposit.into()
	}

	fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

	/// The deposit a dispute of an order worth `value` needs.
	pub fn deposit_for(value: BalanceOf<T>) -> BalanceOf<T> {
		(T::DisputeDepositRatio::get() * value).max(T::MinDisputeDeposit::get())
	}

	/// The last committee round; the round after it is arbitration.
	fn last_committee_round() -> u8 {
		T::MaxRounds::get().saturating_sub(1).min(u8::MAX as u32) as u8
	}

	// ---- Timers ----

	/// Queues `order`'s timer at `at`, or at the first later block with room.
	fn schedule(order: OrderId, at: BlockNumberFor<T>) -> Result<BlockNumberFor<T>, DispatchError> {
		queue::push_hinted::<Timers<T>, TimerSpillHint<T>, _, _, _>(
			at,
			T::MaxTimerSpill::get(),
			order,
		)
		.ok_or_else(|| Error::<T>::QueueFull.into())
	}

	/// The most a dispute's searches read and write past full queues: a new committee's
	/// deadline, then, should that fail, arbitration's end.
	pub(crate) fn max_dispute_spill() -> queue::Spill {
		T::Committees::max_spill().saturating_add(Self::max_timer_spill())
	}

	/// The most one timer search reads and writes past a full first queue.
	fn max_timer_spill() -> queue::Spill {
		queue::Spill::longest_hinted(T::MaxTimerSpill::get())
	}

	fn unschedule(case: &CaseOf<T>, order: OrderId) {
		let Some(at) = case.timer() else { return };
		Timers::<T>::mutate_exists(at, |queue| queue::remove_entry(queue, &order));
	}

	/// Handles the timers due at `now`. Returns the weight used.
	pub(crate) fn run_timers(now: BlockNumberFor<T>) -> Weight {
		let due = Timers::<T>::take(now);
		let (mut clean, mut faulted) = (0u32, 0u32);
		for order in due {
			// A stray timer costs a read, less than any finalization: charged as a clean one.
			let Some(case) = Cases::<T>::get(order) else {
				defensive!("a timer for an order without case");
				clean.saturating_inc();
				continue;
			};
			let path = match case.status {
				CaseStatus::Window { ends } if ends == now => {
					let outcome = case.proposed.unwrap_or(Report::Lost);
					Self::finalize(order, case, outcome, false)
				}
				CaseStatus::AwaitingRuling { until } if until == now => {
					let outcome = case.proposed.unwrap_or(Report::Lost);
					Self::deposit_event(Event::RulingDefaulted { order, outcome });
					Self::finalize(order, case, outcome, true)
				}
				CaseStatus::Finalizing { outcome, retry_at } if retry_at == now => {
					Self::finalize(order, case, outcome, false)
				}
				_ => {
					defensive!("a timer that does not match its case");
					OutcomePath::Clean
				}
			};
			match path {
				OutcomePath::Clean => clean.saturating_inc(),
				OutcomePath::Faulted => faulted.saturating_inc(),
			}
		}
		Self::timers_weight(clean, faulted)
	}

	/// The hook's weight for `clean` timers (an undisputed first-round window on an order
	/// settled with nobody at fault) and `faulted` ones (anything else), each charged its own
	/// path.
	pub fn timers_weight(clean: u32, faulted: u32) -> Weight {
		// A faulted timer is at most a defaulted ruling after every round (measured) or a
		// window closing after escalations, which forfeits fewer deposits than a ruling does.
		let per_faulted = T::WeightInfo::on_initialize_faulted(1)
			.saturating_sub(T::WeightInfo::on_initialize_faulted(0))
			.max(T::WeightInfo::rule());
		T::WeightInfo::on_initialize(clean)
			.saturating_add(per_faulted.saturating_mul(faulted.into()))
	}

	// ---- Cases ----

	/// The case of `order`, or a new one for its first round.
	fn case_of(order: OrderId) -> Result<CaseOf<T>, DispatchError> {
		if let Some(case) = Cases::<T>::get(order) {
			return Ok(case);
		}
		let (shipper, carrier, value) =
			T::Orders::parties(order).ok_or(Error::<T>::UnknownOrder)?;
		Ok(Case {
			shipper,
			carrier,
			value,
			round: 1,
			status: CaseStatus::Reattesting,
			proposed: None,
			disputes: Default::default(),
		})
	}

	pub(crate) fn do_on_proposed(order: OrderId, outcome: Report) -> DispatchResult {
		let mut case = Self::case_of(order)?;
		ensure!(case.status == CaseStatus::Reattesting, Error::<T>::UnexpectedRound);
		let ends = Self::schedule(order, Self::now().saturating_add(T::DisputeWindow::get()))?;
		case.status = CaseStatus::Window { ends };
		case.proposed = Some(outcome);
		Self::deposit_event(Event::WindowOpened { order, round: case.round, outcome, ends });
		Cases::<T>::insert(order, case);
		Ok(())
	}

	pub(crate) fn do_on_no_quorum(order: OrderId) -> DispatchResult {
		let case = Self::case_of(order)?;
		ensure!(case.status == CaseStatus::Reattesting, Error::<T>::UnexpectedRound);
		Self::next_round(order, case).map(|_| ())
	}

	/// A round ended without a final outcome: a fresh committee if one is left and can be
	/// drawn, arbitration otherwise.
	fn next_round(order: OrderId, mut case: CaseOf<T>) -> Result<NextRound, DispatchError> {
		let tried = case.round < Self::last_committee_round();
		if tried {
			let escalated =
				frame_support::storage::with_storage_layer(|| T::Committees::escalate(order));
			match escalated {
				Ok(unused) => {
					case.round.saturating_inc();
					case.status = CaseStatus::Reattesting;
					Self::deposit_event(Event::Escalated { order, round: case.round });
					Cases::<T>::insert(order, case);
					return Ok(NextRound::Escalated { unused });
				}
				Err(e) => log::info!(
					target: LOG_TARGET,
					"order {order}: no fresh committee ({e:?}), going to arbitration"
				),
			}
		}
		let until = Self::schedule(order, Self::now().saturating_add(T::ArbitrationPeriod::get()))?;
		case.status = CaseStatus::AwaitingRuling { until };
		Self::deposit_event(Event::AwaitingRuling { order, until });
		Cases::<T>::insert(order, case);
		Ok(if tried { NextRound::ArbitrationAfterFailedDraw } else { NextRound::Arbitration })
	}

	pub(crate) fn do_dispute(
		who: T::AccountId,
		order: OrderId,
		claim: Report,
		evidence: sp_core::H256,
	) -> Result<NextRound, DispatchError> {
		let mut case = Cases::<T>::get(order).ok_or(Error::<T>::NoCase)?;
		let CaseStatus::Window { ends } = case.status else {
			return Err(Error::<T>::WindowClosed.into());
		};
		ensure!(Self::now() < ends, Error::<T>::WindowClosed);
		ensure!(
			who == case.shipper || who == case.carrier || T::Committees::is_member(order, &who),
			Error::<T>::NotParty
		);
		let disputed = case.proposed.ok_or(Error::<T>::WindowClosed)?;
		ensure!(!T::Committees::agrees(&claim, &disputed), Error::<T>::ClaimMatchesProposal);
		ensure!(!case.disputes.iter().any(|d| d.round == case.round), Error::<T>::AlreadyDisputed);
		let deposit = Self::deposit_for(case.value);
		ensure!(
			T::Currency::can_hold(&Self::reason(), &who, deposit),
			Error::<T>::InsufficientBalance
		);
		let round = case.round;
		case.disputes
			.try_push(Dispute { who: who.clone(), round, disputed, claim, evidence, deposit })
			.map_err(|_| Error::<T>::AlreadyDisputed)?;
		T::Currency::hold(&Self::reason(), &who, deposit)?;
		Deposits::<T>::mutate(&who, |d| {
			d.get_or_insert_with(Default::default).live.saturating_accrue(deposit)
		});
		TotalLiveDeposits::<T>::mutate(|t| t.saturating_accrue(deposit));
		Self::unschedule(&case, order);
		Self::deposit_event(Event::Disputed { order, round, who, claim, deposit });
		Self::next_round(order, case)
	}

	pub(crate) fn do_rule(order: OrderId, outcome: Report) -> DispatchResult {
		let case = Cases::<T>::get(order).ok_or(Error::<T>::NoCase)?;
		ensure!(
			matches!(case.status, CaseStatus::AwaitingRuling { .. }),
			Error::<T>::NotAwaitingRuling
		);
		Self::unschedule(&case, order);
		Self::deposit_event(Event::Ruled { order, outcome });
		if T::Orders::parties(order).is_none() {
			Self::abandon(order, case);
			return Ok(());
		}
		// A ruling is a call: if handing it on fails, the call fails and can be made again.
		// Its weight is the heaviest path's: no refund for lighter ones, rulings being rare.
		Self::settle(order, &case, outcome, false)?;
		Cases::<T>::remove(order);
		Self::deposit_event(Event::Finalized { order, outcome });
		Ok(())
	}

	/// Finalizes from the hook: on failure nothing of it is kept and it is retried next block.
	/// The path is clean only for a first round, undisputed, whose outcome found nobody at
	/// fault: later rounds judge more members and resolve deposits.
	fn finalize(
		order: OrderId,
		mut case: CaseOf<T>,
		outcome: Report,
		defaulted: bool,
	) -> OutcomePath {
		let first_round = if case.round <= 1 && case.disputes.is_empty() {
			OutcomePath::Clean
		} else {
			OutcomePath::Faulted
		};
		if T::Orders::parties(order).is_none() {
			Self::abandon(order, case);
			return first_round;
		}
		let settled = frame_support::storage::with_storage_layer(|| {
			Self::settle(order, &case, outcome, defaulted)
		});
		match settled {
			Ok(path) => {
				Cases::<T>::remove(order);
				Self::deposit_event(Event::Finalized { order, outcome });
				first_round.and(path)
			}
			Err(e) => {
				log::warn!(target: LOG_TARGET, "order {order}: final outcome not handed on: {e:?}");
				let retry = Self::now().saturating_add(One::one());
				match Self::schedule(order, retry) {
					Ok(retry_at) => {
						case.status = CaseStatus::Finalizing { outcome, retry_at };
						Self::deposit_event(Event::FinalizationDeferred { order, retry_at });
					}
					Err(_) => {
						// No room at all: leave it to arbitration, which can rule it again.
						case.status = CaseStatus::AwaitingRuling { until: Self::now() };
						defensive!("no room to retry a finalization");
					}
				}
				Cases::<T>::insert(order, case);
				OutcomePath::Faulted
			}
		}
	}

	/// The order ended without its outcome (both parties cancelled it): the case is dropped
	/// and every deposit returned, since no outcome stood or was overturned.
	fn abandon(order: OrderId, case: CaseOf<T>) {
		for dispute in case.disputes.iter() {
			if Self::return_deposit(order, dispute).is_err() {
				defensive!("a live deposit is not on hold");
			}
		}
		Cases::<T>::remove(order);
		Self::deposit_event(Event::CaseDropped { order });
	}

	/// Resolves the case's deposits against `outcome` and hands the outcome on.
	fn settle(
		order: OrderId,
		case: &CaseOf<T>,
		outcome: Report,
		defaulted: bool,
	) -> Result<OutcomePath, DispatchError> {
		for dispute in case.disputes.iter() {
			let overturned = !T::Committees::agrees(&dispute.disputed, &outcome);
			if overturned {
				T::Committees::note_reporter(order, &dispute.who);
			}
			if overturned || defaulted {
				Self::return_deposit(order, dispute)?;
			} else {
				Self::forfeit_deposit(order, case, dispute)?;
			}
		}
		T::Outcomes::on_final_outcome(order, outcome)
	}

	fn return_deposit(order: OrderId, dispute: &DisputeOf<T>) -> DispatchResult {
		T::Currency::release(&Self::reason(), &dispute.who, dispute.deposit, Precision::Exact)?;
		Self::deposits_mutate(&dispute.who, |d| {
			d.live = d.live.defensive_saturating_sub(dispute.deposit)
		});
		TotalLiveDeposits::<T>::mutate(|t| *t = t.defensive_saturating_sub(dispute.deposit));
		Self::deposit_event(Event::DepositReturned {
			order,
			who: dispute.who.clone(),
			amount: dispute.deposit,
		});
		Ok(())
	}

	fn forfeit_deposit(order: OrderId, case: &CaseOf<T>, dispute: &DisputeOf<T>) -> DispatchResult {
		let beneficiary = if dispute.who == case.shipper {
			Some(case.carrier.clone())
		} else if dispute.who == case.carrier {
			Some(case.shipper.clone())
		} else {
			None
		};
		let slashed = T::Slasher::schedule(SlashRequest {
			offender: dispute.who.clone(),
			kind: StakeKind::DisputeDeposit,
			order,
			at_risk: dispute.deposit,
			severity: Severity::forfeit(),
			value: dispute.deposit,
			beneficiary,
			reporters: Default::default(),
		})?
		.min(dispute.deposit);
		// Whatever the slashing side does not take goes back now.
		let returned = dispute.deposit.saturating_sub(slashed);
		if !returned.is_zero() {
			T::Currency::release(&Self::reason(), &dispute.who, returned, Precision::Exact)?;
		}
		Self::deposits_mutate(&dispute.who, |d| {
			d.live = d.live.defensive_saturating_sub(dispute.deposit);
			d.reserved.saturating_accrue(slashed);
		});
		TotalLiveDeposits::<T>::mutate(|t| *t = t.defensive_saturating_sub(dispute.deposit));
		Self::deposit_event(Event::DepositForfeited { order, who: dispute.who.clone(), slashed });
		Ok(())
	}

	/// Changes `who`'s deposit ledger, forgetting it once empty.
	fn deposits_mutate(who: &T::AccountId, change: impl FnOnce(&mut DepositLedger<BalanceOf<T>>)) {
		Deposits::<T>::mutate_exists(who, |maybe| {
			let mut ledger = maybe.take().unwrap_or_default();
			change(&mut ledger);
			if !(ledger.live.is_zero() && ledger.reserved.is_zero()) {
				*maybe = Some(ledger);
			}
		});
	}

	// ---- Invariants ----

	/// Checks the invariants this pallet owns: deposits on hold equal the ledgers and the live
	/// disputes (§7.1); every case with a timer has exactly one, at its block, and no timer is
	/// stray (§7.3); no window is still open at or after its end, so nothing was finalized
	/// while a window was open (§7.6).
	// `std` too: the runtime's invariant fuzzing calls it without a try-runtime build.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::{collections::btree_map::BTreeMap, vec::Vec};

		let now = Self::now();
		let mut timers: Vec<(BlockNumberFor<T>, OrderId)> = Vec::new();
		for (at, queue) in Timers::<T>::iter() {
			ensure!(at > now || queue.is_empty(), "a timer in the past");
			timers.extend(queue.into_iter().map(|o| (at, o)));
		}
		let mut live: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut total_live = BalanceOf::<T>::zero();
		let mut with_timer = 0usize;
		for (order, case) in Cases::<T>::iter() {
			if let Some(at) = case.timer() {
				ensure!(at > now, "a case's timer is overdue");
				ensure!(
					timers.iter().filter(|t| **t == (at, order)).count() == 1,
					"a case needs exactly one timer at its block"
				);
				with_timer += 1;
			}
			if let CaseStatus::Window { .. } = case.status {
				ensure!(case.proposed.is_some(), "a window without a proposal");
			}
			for dispute in case.disputes.iter() {
				live.entry(dispute.who.clone()).or_default().saturating_accrue(dispute.deposit);
				total_live.saturating_accrue(dispute.deposit);
			}
		}
		ensure!(timers.len() == with_timer, "a stray timer");
		for (who, ledger) in Deposits::<T>::iter() {
			ensure!(
				T::Currency::balance_on_hold(&Self::reason(), &who)
					== ledger.live.saturating_add(ledger.reserved),
				"deposit hold differs from the ledger"
			);
			ensure!(
				live.remove(&who).unwrap_or_default() == ledger.live,
				"live deposits differ from the disputes"
			);
		}
		ensure!(live.is_empty(), "a dispute without deposit ledger");
		ensure!(TotalLiveDeposits::<T>::get() == total_live, "total live deposits differ");
		Ok(())
	}
}

type DisputeOf<T> = Dispute<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

impl<T: Config> ProposalHandler for Pallet<T> {
	fn on_proposed(order: OrderId, outcome: Report) -> DispatchResult {
		Self::do_on_proposed(order, outcome)
	}

	fn on_no_quorum(order: OrderId) -> DispatchResult {
		Self::do_on_no_quorum(order)
	}

	fn max_spill() -> queue::Spill {
		Self::max_timer_spill()
	}
}

impl<T: Config> SlashableStake<T::AccountId, BalanceOf<T>> for Pallet<T> {
	type Credit = frame_support::traits::fungible::Credit<T::AccountId, T::Currency>;

	fn slash_reserved(kind: StakeKind, who: &T::AccountId, amount: BalanceOf<T>) -> Self::Credit {
		if kind != StakeKind::DisputeDeposit {
			defensive!("disputes only hold deposits");
			return Default::default();
		}
		let reserved = Deposits::<T>::get(who).map(|d| d.reserved).unwrap_or_default();
		let amount = amount.min(reserved);
		let (credit, _missing) = T::Currency::slash(&Self::reason(), who, amount);
		let taken = frame_support::traits::Imbalance::peek(&credit);
		Self::deposits_mutate(who, |d| d.reserved.saturating_reduce(amount));
		Self::deposit_event(Event::DepositSlashed { who: who.clone(), amount: taken });
		credit
	}

	fn release_reserved(kind: StakeKind, who: &T::AccountId, amount: BalanceOf<T>) {
		if kind != StakeKind::DisputeDeposit {
			defensive!("disputes only hold deposits");
			return;
		}
		// A vetoed forfeit: the deposit is no longer at stake, so it goes back to its owner.
		let reserved = Deposits::<T>::get(who).map(|d| d.reserved).unwrap_or_default();
		let amount = amount.min(reserved);
		if T::Currency::release(&Self::reason(), who, amount, Precision::BestEffort).is_err() {
			defensive!("a reserved deposit is not on hold");
		}
		Self::deposits_mutate(who, |d| d.reserved.saturating_reduce(amount));
	}

	fn total_stake(kind: StakeKind) -> BalanceOf<T> {
		match kind {
			StakeKind::DisputeDeposit => TotalLiveDeposits::<T>::get(),
			_ => Zero::zero(),
		}
	}

	fn reserved(kind: StakeKind, who: &T::AccountId) -> BalanceOf<T> {
		match kind {
			StakeKind::DisputeDeposit => {
				Deposits::<T>::get(who).map(|d| d.reserved).unwrap_or_default()
			}
			_ => Zero::zero(),
		}
	}
}
