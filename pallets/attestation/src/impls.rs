//! The logic behind the calls, the hook, and the traits the other pallets call.

use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	defensive,
	pallet_prelude::*,
	traits::{
		fungible::{BalancedHold, Inspect, InspectHold, Mutate, MutateHold},
		tokens::{Precision, Preservation},
		Defensive, DefensiveSaturating, Randomness, UnixTime,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{AccountIdConversion, One, Saturating, UniqueSaturatedInto, Verify, Zero},
	DispatchResult, Perbill,
};
use surety_primitives::{
	protocol::{
		score_after_agreements, updated_score, AttestationHandler, CommitteeProvider, OrderId,
		OutcomeHandler, OutcomePath, ProposalHandler, Report, Reporters, Severity, SlashRequest,
		SlashScheduler, SlashableStake, StakeKind,
	},
	queue,
	stake::StakeError,
	Moment,
};

use crate::{pallet::*, types::*, WeightInfo, LOG_TARGET};

type MemberOf<T> = crate::types::Member<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// An attester with its weight in a draw.
pub type Weighted<T> = (<T as frame_system::Config>::AccountId, BalanceOf<T>);

/// The candidate list as one call changes it: read once and written once at the end, and only
/// if an entry changed (it is the largest value a call writes, up to `MaxAttesters` entries;
/// a draw or a judgement changes several members' entries).
pub(crate) struct CandidateList<T: Config> {
	entries: BoundedVec<CandidateOf<T>, T::MaxAttesters>,
	changed: bool,
}

impl<T: Config> CandidateList<T> {
	pub(crate) fn load() -> Self {
		Self { entries: Candidates::<T>::get(), changed: false }
	}

	pub(crate) fn store(self) {
		if self.changed {
			Candidates::<T>::put(self.entries);
		}
	}

	fn entry_mut(&mut self, who: &T::AccountId) -> Option<&mut CandidateOf<T>> {
		self.entries.iter_mut().find(|c| c.who == *who)
	}

	/// `who`'s ledger, with what its entry holds for it moved into it: the seats drawn and the
	/// agreeing judgements since it was last written, and their fee shares. Every ledger that is
	/// to be changed and written is read through this, so that a change sees all of it.
	fn ledger(&mut self, who: &T::AccountId) -> Option<AttesterInfo<T>> {
		let mut info = Attesters::<T>::get(who)?;
		if let Some(entry) = self.entry_mut(who) {
			let score = info.score;
			if Pallet::<T>::fold_entry(&mut info, entry) {
				self.changed = true;
			}
			if info.score != score {
				Pallet::<T>::deposit_event(Event::ReputationUpdated {
					attester: who.clone(),
					score: info.score,
				});
			}
		}
		Some(info)
	}

	/// Allocates a seat to `who`, whose entry's free stake covers it: in its entry alone.
	fn draw_seat(&mut self, who: &T::AccountId, seat: BalanceOf<T>) {
		let Some(entry) = self.entry_mut(who) else {
			defensive!("a drawn attester has no candidate entry");
			return;
		};
		entry.free = entry.free.defensive_saturating_sub(seat);
		entry.drawn.saturating_inc();
		self.changed = true;
	}

	/// Records in `who`'s entry alone a judgement it agreed with: its seat freed, `fee`
	/// credited. False if it has no entry (a member's seat is covered by active stake, so it
	/// has one).
	fn credit_agreement(
		&mut self,
		who: &T::AccountId,
		seat: BalanceOf<T>,
		fee: BalanceOf<T>,
	) -> bool {
		let Some(entry) = self.entry_mut(who) else { return false };
		entry.free.saturating_accrue(seat);
		entry.agreed.saturating_inc();
		entry.fees.saturating_accrue(fee);
		self.changed = true;
		true
	}

	/// Keeps `who`'s entry equal to its ledger: present while it has active stake, with its
	/// active stake and its free stake less the seats drawn, and plus the seats freed by
	/// agreeing judgements, since the ledger was written.
	fn sync(&mut self, who: &T::AccountId, info: &AttesterInfo<T>) -> DispatchResult {
		let active = info.stake.active();
		let entries = &mut self.entries;
		match (entries.iter().position(|c| c.who == *who), active.is_zero()) {
			(Some(i), true) => {
				// Its ledger was read through `ledger`, which emptied the entry: one leaving
				// owes its ledger nothing.
				let entry = &entries[i];
				if entry.drawn > 0 || entry.agreed > 0 || !entry.fees.is_zero() {
					defensive!("an entry leaving the list still owes its ledger");
				}
				entries.swap_remove(i);
			}
			(Some(i), false) => {
				let entry = &mut entries[i];
				let free = Pallet::<T>::entry_free(info, entry.drawn, entry.agreed);
				if entry.active == active && entry.free == free {
					return Ok(());
				}
				entry.active = active;
				entry.free = free;
			}
			(None, false) => entries
				.try_push(Candidate::new(who.clone(), active, info.stake.free()))
				.map_err(|_| Error::<T>::TooManyAttesters)?,
			(None, true) => return Ok(()),
		}
		self.changed = true;
		Ok(())
	}

	/// Runs `f` on the list, read before and written after (if changed).
	fn with<R>(f: impl FnOnce(&mut Self) -> R) -> R {
		let mut list = Self::load();
		let result = f(&mut list);
		list.store();
		result
	}
}

/// A delivery report's numeric fields: time, excursion, damage (parts per billion).
fn numeric(report: &Report) -> (u64, u64, u64) {
	match *report {
		Report::Delivered { at, max_excursion_centi_c_minutes, damage } => {
			(at, max_excursion_centi_c_minutes as u64, damage.deconstruct() as u64)
		}
		Report::Lost => (0, 0, 0),
	}
}

impl<T: Config> From<StakeError> for Error<T> {
	fn from(e: StakeError) -> Self {
		match e {
			StakeError::ZeroAmount => Error::<T>::ZeroAmount,
			StakeError::InsufficientFree => Error::<T>::InsufficientFreeStake,
			StakeError::BelowMinimum => Error::<T>::StakeBelowMinimum,
			StakeError::TooManyChunks => Error::<T>::TooManyUnbondingChunks,
			StakeError::NothingToWithdraw => Error::<T>::NothingToWithdraw,
		}
	}
}

impl<T: Config> Pallet<T> {
	fn now_ms() -> Moment {
		T::UnixTime::now().as_millis().min(u64::MAX as u128) as u64
	}

	fn reason() -> T::RuntimeHoldReason {
		HoldReason::AttesterStake.into()
	}

	/// The account fees are paid into until they are shared.
	pub fn fee_pot() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	// ---- Stake ----

	pub(crate) fn do_register(who: T::AccountId, stake: BalanceOf<T>) -> DispatchResult {
		ensure!(!Attesters::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
		ensure!(stake >= T::MinAttesterStake::get(), Error::<T>::StakeBelowMinimum);
		ensure!(
			T::Currency::can_hold(&Self::reason(), &who, stake),
			Error::<T>::InsufficientBalance
		);
		let info = AttesterInfo::<T> {
			stake: LedgerOf::<T>::new(stake),
			score: T::NeutralScore::get(),
			..Default::default()
		};
		Candidates::<T>::try_mutate(|c| c.try_push(Candidate::new(who.clone(), stake, stake)))
			.map_err(|_| Error::<T>::TooManyAttesters)?;
		T::Currency::hold(&Self::reason(), &who, stake)?;
		Attesters::<T>::insert(&who, info);
		TotalActiveStake::<T>::mutate(|t| t.saturating_accrue(stake));
		Self::deposit_event(Event::AttesterRegistered { attester: who, stake });
		Ok(())
	}

	pub(crate) fn do_bond_extra(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		CandidateList::<T>::with(|list| {
			let mut info = list.ledger(&who).ok_or(Error::<T>::NotAttester)?;
			ensure!(
				info.stake.active().saturating_add(amount) >= T::MinAttesterStake::get(),
				Error::<T>::StakeBelowMinimum
			);
			ensure!(
				T::Currency::can_hold(&Self::reason(), &who, amount),
				Error::<T>::InsufficientBalance
			);
			info.stake.total.saturating_accrue(amount);
			list.sync(&who, &info)?;
			T::Currency::hold(&Self::reason(), &who, amount)?;
			Attesters::<T>::insert(&who, info);
			Ok::<_, DispatchError>(())
		})?;
		TotalActiveStake::<T>::mutate(|t| t.saturating_accrue(amount));
		Self::deposit_event(Event::StakeBonded { attester: who, amount });
		Ok(())
	}

	pub(crate) fn do_unbond(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		let unlock_at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
		CandidateList::<T>::with(|list| {
			// Seats drawn and not yet in the ledger are not free: fold them in first.
			let mut info = list.ledger(&who).ok_or(Error::<T>::NotAttester)?;
			info.stake
				.unbond(amount, T::MinAttesterStake::get(), unlock_at)
				.map_err(Error::<T>::from)?;
			list.sync(&who, &info)?;
			Attesters::<T>::insert(&who, info);
			Ok::<_, DispatchError>(())
		})?;
		TotalActiveStake::<T>::mutate(|t| t.saturating_reduce(amount));
		Self::deposit_event(Event::StakeUnbonding { attester: who, amount, unlock_at });
		Ok(())
	}

	/// Reads the ledger without the candidate list: withdrawing takes only unbonding stake, and
	/// an attester whose entry still holds something for its ledger (seats drawn, agreeing
	/// judgements and their fee shares) has active stake, or it would have no entry, so its
	/// ledger is not empty and is kept.
	pub(crate) fn do_withdraw_unbonded(who: T::AccountId) -> DispatchResult {
		let mut info = Attesters::<T>::get(&who).ok_or(Error::<T>::NotAttester)?;
		let now = frame_system::Pallet::<T>::block_number();
		let amount = info.stake.withdraw_ripe(now).map_err(Error::<T>::from)?;
		T::Currency::release(&Self::reason(), &who, amount, Precision::Exact)?;
		Self::deposit_event(Event::StakeWithdrawn { attester: who.clone(), amount });
		if info.stake.is_empty() && info.seats == 0 {
			// The ledger is the only record of the credited fees: pay them before forgetting it.
			Self::pay_fees(&who, &mut info)?;
			Attesters::<T>::remove(&who);
			Self::deposit_event(Event::AttesterDeregistered { attester: who });
		} else {
			Attesters::<T>::insert(&who, info);
		}
		Ok(())
	}

	/// Reads the ledger through the candidate list: the shares of agreeing judgements wait in
	/// the attester's entry until its ledger is next written.
	pub(crate) fn do_claim_fees(who: T::AccountId) -> DispatchResult {
		CandidateList::<T>::with(|list| {
			let mut info = list.ledger(&who).ok_or(Error::<T>::NotAttester)?;
			ensure!(!info.fees.is_zero(), Error::<T>::NoFeesToClaim);
			Self::pay_fees(&who, &mut info)?;
			Attesters::<T>::insert(&who, info);
			Ok(())
		})
	}

	/// Pays `who` the fees credited in `info` from the fee pot, and clears the credit.
	fn pay_fees(who: &T::AccountId, info: &mut AttesterInfo<T>) -> DispatchResult {
		let amount = core::mem::take(&mut info.fees);
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::transfer(&Self::fee_pot(), who, amount, Preservation::Expendable)?;
		Self::deposit_event(Event::FeesClaimed { attester: who.clone(), amount });
		Ok(())
	}

	/// Applies `change` to `who`'s ledger and keeps its entry in `candidates` in step; returns
	/// what `change` returns, or `None` for an unregistered account. For internal bookkeeping
	/// that cannot fail for a registered attester.
	fn update_attester<R>(
		candidates: &mut CandidateList<T>,
		who: &T::AccountId,
		change: impl FnOnce(&mut AttesterInfo<T>) -> R,
	) -> Option<R> {
		let Some(mut info) = candidates.ledger(who) else {
			defensive!("an attester with duties or a hold has no ledger");
			return None;
		};
		let active_before = info.stake.active();
		let result = change(&mut info);
		let active_after = info.stake.active();
		// Seats and fees leave the active stake as it was: no write of the total for them.
		if active_after != active_before {
			TotalActiveStake::<T>::mutate(|t| {
				*t = t.saturating_sub(active_before).saturating_add(active_after)
			});
		}
		// The entry exists while the attester has active stake, so this only fails if a bonded
		// attester could be missing from a full list, which `sync` never allows.
		let _ = candidates.sync(who, &info).defensive();
		Attesters::<T>::insert(who, info);
		Some(result)
	}

	/// [`Self::update_attester`] for one attester, with the candidate list read and written
	/// for it alone.
	fn update_one_attester<R>(
		who: &T::AccountId,
		change: impl FnOnce(&mut AttesterInfo<T>) -> R,
	) -> Option<R> {
		CandidateList::<T>::with(|candidates| Self::update_attester(candidates, who, change))
	}

	// ---- Draw ----

	/// Draws `size` distinct members from `candidates` (account, weight, eligible), each with
	/// probability proportional to its weight among those not yet drawn, from `seed`. A pure
	/// function: the same seed and candidates give the same committee.
	pub fn draw_from(
		mut candidates: Vec<Weighted<T>>,
		size: u32,
		seed: [u8; 32],
	) -> Result<Vec<Weighted<T>>, Error<T>> {
		ensure!(candidates.len() >= size as usize, Error::<T>::NotEnoughAttesters);
		let weight = |b: &BalanceOf<T>| -> u128 { (*b).unique_saturated_into() };
		let mut total: u128 =
			candidates.iter().map(|(_, w)| weight(w)).fold(0, u128::saturating_add);
		let mut drawn = Vec::with_capacity(size as usize);
		for i in 0..size {
			let pick = if total == 0 {
				0
			} else {
				let r = u128::from_le_bytes(sp_io::hashing::blake2_128(&(seed, i).encode()));
				r % total
			};
			let mut acc: u128 = 0;
			let mut index = candidates.len() - 1;
			for (j, (_, w)) in candidates.iter().enumerate() {
				acc = acc.saturating_add(weight(w));
				if pick < acc {
					index = j;
					break;
				}
			}
			let chosen = candidates.swap_remove(index);
			total = total.saturating_sub(weight(&chosen.1));
			drawn.push(chosen);
		}
		Ok(drawn)
	}

	/// Draws a round of `size` for `order`, excluding `excluded`, and allocates each member's
	/// seat bond in its candidate entry (its ledger takes the seat when next written). Returns
	/// the members and how many candidates the draw went through.
	pub(crate) fn draw_round(
		order: OrderId,
		round: u8,
		size: u32,
		excluded: &[T::AccountId],
	) -> Result<(Vec<MemberOf<T>>, u32), DispatchError> {
		let seat = T::SeatBond::get();
		let mut list = CandidateList::<T>::load();
		let scanned = list.entries.len() as u32;
		let candidates: Vec<_> = list
			.entries
			.iter()
			.filter(|c| c.free >= seat && !excluded.contains(&c.who))
			.map(|c| (c.who.clone(), c.active))
			.collect();
		let (random, _) = T::Randomness::random(&(b"surety/committee", order, round).encode());
		let seed = sp_io::hashing::blake2_256(&(random, order, round).encode());
		let drawn = Self::draw_from(candidates, size, seed)?;
		let mut members = Vec::with_capacity(drawn.len());
		for (who, weight) in drawn {
			list.draw_seat(&who, seat);
			members.push(crate::types::Member { who, weight, round, report: None, verdict: None });
		}
		list.store();
		Ok((members, scanned))
	}

	/// Queues the deadline check of `order` for the block expected to come after `deadline`,
	/// or the first later block with room.
	fn schedule_deadline(
		order: OrderId,
		deadline: Moment,
	) -> Result<BlockNumberFor<T>, DispatchError> {
		let now = frame_system::Pallet::<T>::block_number();
		let wait_ms = deadline.saturating_sub(Self::now_ms());
		// The hook of block `n` sees the timestamp of block `n - 1`: two blocks past the last
		// one expected before the deadline is the first whose hook should find it passed.
		let blocks = (wait_ms / T::MillisPerBlock::get()).saturating_add(2);
		let at = now.saturating_add(blocks.unique_saturated_into());
		queue::push_hinted::<DeadlineQueue<T>, DeadlineSpillHint<T>, _, _, _>(
			at,
			Self::deadline_tries(),
			order,
		)
		.ok_or_else(|| Error::<T>::QueueFull.into())
	}

	/// How many blocks a deadline search tries, its own first: as many as a block's queue
	/// holds.
	fn deadline_tries() -> u32 {
		T::MaxDeadlinesPerBlock::get()
	}

	fn unschedule_deadline(at: BlockNumberFor<T>, order: OrderId) {
		DeadlineQueue::<T>::mutate_exists(at, |queue| queue::remove_entry(queue, &order));
	}

	/// Draws the first round when an order is accepted. Returns the candidates drawn from.
	pub(crate) fn do_open(
		order: OrderId,
		shipper: &T::AccountId,
		carrier: &T::AccountId,
		report_by: Moment,
	) -> Result<u32, DispatchError> {
		ensure!(!Committees::<T>::contains_key(order), Error::<T>::CommitteeExists);
		let excluded = [shipper.clone(), carrier.clone()];
		let (members, scanned) = Self::draw_round(order, 1, T::CommitteeSize::get(), &excluded)?;
		let deadline = report_by.saturating_add(T::ResponseWindow::get());
		Self::start_round(
			order,
			shipper.clone(),
			carrier.clone(),
			1,
			deadline,
			members,
			Default::default(),
		)?;
		Ok(scanned)
	}

	/// Stores the committee with a new round of `members` and starts its deadline timer.
	pub(crate) fn start_round(
		order: OrderId,
		shipper: T::AccountId,
		carrier: T::AccountId,
		round: u8,
		deadline: Moment,
		members: Vec<MemberOf<T>>,
		mut all: BoundedVec<MemberOf<T>, T::MaxCommitteeMembers>,
	) -> DispatchResult {
		let names = members.iter().map(|m| m.who.clone()).collect();
		for member in members {
			all.try_push(member).map_err(|_| Error::<T>::TooManyRounds)?;
		}
		let deadline_block = Self::schedule_deadline(order, deadline)?;
		Committees::<T>::insert(
			order,
			Committee {
				shipper,
				carrier,
				round,
				status: RoundStatus::Collecting,
				deadline,
				deadline_block,
				members: all,
			},
		);
		Self::deposit_event(Event::CommitteeDrawn { order, round, members: names, deadline });
		Ok(())
	}

	/// Draws the next round of a proposed or quorum-less committee. Returns the candidates
	/// drawn from.
	pub(crate) fn do_escalate(order: OrderId) -> Result<u32, DispatchError> {
		let committee = Committees::<T>::get(order).ok_or(Error::<T>::NoCommittee)?;
		ensure!(committee.status != RoundStatus::Collecting, Error::<T>::CannotEscalate);
		let round = committee.round.checked_add(1).ok_or(Error::<T>::TooManyRounds)?;
		let size = T::EscalationCommitteeSize::get();
		ensure!(
			committee.members.len().saturating_add(size as usize)
				<= T::MaxCommitteeMembers::get() as usize,
			Error::<T>::TooManyRounds
		);
		let mut excluded: Vec<T::AccountId> =
			committee.members.iter().map(|m| m.who.clone()).collect();
		excluded.push(committee.shipper.clone());
		excluded.push(committee.carrier.clone());
		let (members, scanned) = Self::draw_round(order, round, size, &excluded)?;
		let deadline = Self::now_ms().saturating_add(T::ResponseWindow::get());
		Self::start_round(
			order,
			committee.shipper,
			committee.carrier,
			round,
			deadline,
			members,
			committee.members,
		)?;
		Ok(scanned)
	}

	/// What a draw weighed by `weight` at `MaxAttesters` candidates did not use with `scanned`.
	fn unused_draw_weight(weight: fn(u32) -> Weight, scanned: u32) -> Weight {
		weight(T::MaxAttesters::get()).saturating_sub(weight(scanned))
	}

	// ---- Reports and quorum ----

	/// Records `who`'s report; returns whether it reached quorum and proposed an outcome.
	pub(crate) fn do_attest(
		who: T::AccountId,
		order: OrderId,
		report: Report,
		evidence: sp_core::H256,
	) -> Result<bool, DispatchError> {
		let committee = Self::committee_taking_reports(order)?;
		Self::record_reports(order, committee, [(who, report, evidence)])
	}

	/// What a member signs to have its report submitted by another account:
	/// [`surety_primitives::protocol::report_payload`] with this chain's genesis hash.
	pub fn report_payload(
		order: OrderId,
		round: u8,
		report: &Report,
		evidence: &sp_core::H256,
	) -> Vec<u8> {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		surety_primitives::protocol::report_payload(genesis, order, round, report, evidence)
	}

	/// Checks every signature of the batch against the current round, then records each
	/// report as `attest` would. Returns whether one of them proposed an outcome.
	pub(crate) fn do_attest_signed(
		order: OrderId,
		reports: Vec<SignedReport<T::AccountId, T::ReportSignature>>,
	) -> Result<bool, DispatchError> {
		ensure!(!reports.is_empty(), Error::<T>::NoReports);
		let committee = Self::committee_taking_reports(order)?;
		for signed in &reports {
			let payload =
				Self::report_payload(order, committee.round, &signed.report, &signed.evidence);
			ensure!(signed.signature.verify(&payload[..], &signed.who), Error::<T>::BadSignature);
		}
		let reports = reports.into_iter().map(|s| (s.who, s.report, s.evidence));
		Self::record_reports(order, committee, reports)
	}

	/// The order's committee, if its current round still takes reports: before the deadline
	/// while it collects, and until judging once it has proposed an outcome.
	fn committee_taking_reports(order: OrderId) -> Result<CommitteeOf<T>, DispatchError> {
		let committee = Committees::<T>::get(order).ok_or(Error::<T>::NoCommittee)?;
		match committee.status {
			RoundStatus::Collecting => {
				ensure!(Self::now_ms() <= committee.deadline, Error::<T>::DeadlinePassed)
			}
			RoundStatus::Proposed => {}
			RoundStatus::NoQuorum => return Err(Error::<T>::RoundClosed.into()),
		}
		Ok(committee)
	}

	/// Records each member's report of the current round in turn, then stores the committee
	/// once; the first report to reach quorum proposes the outcome. Returns whether one did.
	fn record_reports(
		order: OrderId,
		mut committee: CommitteeOf<T>,
		reports: impl IntoIterator<Item = (T::AccountId, Report, sp_core::H256)>,
	) -> Result<bool, DispatchError> {
		let round = committee.round;
		let mut proposal = None;
		for (who, report, evidence) in reports {
			let member = committee
				.members
				.iter_mut()
				.find(|m| m.who == who && m.round == round)
				.ok_or(Error::<T>::NotMember)?;
			ensure!(member.report.is_none(), Error::<T>::AlreadyAttested);
			member.report = Some((report, evidence));
			Self::deposit_event(Event::Attested { order, attester: who, report, evidence });
			if committee.status == RoundStatus::Collecting {
				proposal = Self::aggregate(&committee.members, round);
				if proposal.is_some() {
					committee.status = RoundStatus::Proposed;
				}
			}
		}
		if proposal.is_some() {
			Self::unschedule_deadline(committee.deadline_block, order);
		}
		Committees::<T>::insert(order, committee);
		let Some(outcome) = proposal else { return Ok(false) };
		Self::deposit_event(Event::OutcomeProposed { order, round, outcome });
		T::Proposals::on_proposed(order, outcome)?;
		Ok(true)
	}

	/// The outcome `round`'s reports propose, if one class carries `QuorumThreshold` of the
	/// round's drawn stake: `Lost`, or `Delivered` with the stake-weighted medians of the
	/// agreeing reports.
	pub fn aggregate(members: &[MemberOf<T>], round: u8) -> Option<Report> {
		let in_round = || members.iter().filter(move |m| m.round == round);
		let total = in_round().fold(BalanceOf::<T>::zero(), |acc, m| acc.saturating_add(m.weight));
		let needed = T::QuorumThreshold::get().mul_ceil(total).max(One::one());
		let mut lost = BalanceOf::<T>::zero();
		let mut delivered: Vec<(Report, BalanceOf<T>)> = Vec::new();
		for m in in_round() {
			match m.report {
				Some((Report::Lost, _)) => lost.saturating_accrue(m.weight),
				Some((report, _)) => delivered.push((report, m.weight)),
				None => {}
			}
		}
		if lost >= needed {
			return Some(Report::Lost);
		}
		let delivered_weight =
			delivered.iter().fold(BalanceOf::<T>::zero(), |acc, (_, w)| acc.saturating_add(*w));
		if delivered_weight < needed {
			return None;
		}
		let median = |pick: fn((u64, u64, u64)) -> u64| {
			Self::weighted_median(delivered.iter().map(|(r, w)| (pick(numeric(r)), *w)).collect())
		};
		// Each median is one of the reported values, so the narrowing casts are exact.
		Some(Report::Delivered {
			at: median(|f| f.0),
			max_excursion_centi_c_minutes: median(|f| f.1) as u32,
			damage: Perbill::from_parts(median(|f| f.2) as u32),
		})
	}

	/// The lower weighted median: the smallest value at which the values at or below it carry
	/// at least half of the weight.
	pub fn weighted_median(mut values: Vec<(u64, BalanceOf<T>)>) -> u64 {
		values.sort_by_key(|(v, _)| *v);
		let total =
			values.iter().fold(BalanceOf::<T>::zero(), |acc, (_, w)| acc.saturating_add(*w));
		let mut acc = BalanceOf::<T>::zero();
		for (value, weight) in &values {
			acc.saturating_accrue(*weight);
			if acc.saturating_add(acc) >= total {
				return *value;
			}
		}
		values.last().map(|(v, _)| *v).unwrap_or_default()
	}

	// ---- Deadlines ----

	/// Handles the rounds whose deadline timer fires at `now`. Returns the weight used.
	pub(crate) fn check_deadlines(now: BlockNumberFor<T>) -> Weight {
		let due = DeadlineQueue::<T>::take(now);
		let count = due.len() as u32;
		for order in due {
			// Each order on its own: one failure must not undo the others.
			let result = frame_support::storage::with_storage_layer(|| Self::deadline(order, now));
			if let Err(e) = result {
				log::warn!(target: LOG_TARGET, "deadline of order {order}: {e:?}");
			}
		}
		T::WeightInfo::on_initialize(count)
	}

	fn deadline(order: OrderId, now: BlockNumberFor<T>) -> DispatchResult {
		let Some(mut committee) = Committees::<T>::get(order) else { return Ok(()) };
		if committee.status != RoundStatus::Collecting || committee.deadline_block != now {
			return Ok(());
		}
		if Self::now_ms() <= committee.deadline {
			// Blocks came faster than expected: look again when the deadline should have passed.
			committee.deadline_block = Self::schedule_deadline(order, committee.deadline)?;
			Committees::<T>::insert(order, committee);
			return Ok(());
		}
		let round = committee.round;
		committee.status = RoundStatus::NoQuorum;
		let silent: Vec<usize> = committee
			.members
			.iter()
			.enumerate()
			.filter(|(_, m)| m.round == round && m.report.is_none())
			.map(|(i, _)| i)
			.collect();
		let mut candidates = CandidateList::<T>::load();
		for i in silent {
			let member = &mut committee.members[i];
			let slashed = Self::judge_member(
				&mut candidates,
				order,
				member,
				Verdict::Silent,
				&Default::default(),
				Zero::zero(),
			)?;
			Self::deposit_event(Event::MemberJudged {
				order,
				attester: member.who.clone(),
				verdict: Verdict::Silent,
				slashed,
			});
		}
		candidates.store();
		Committees::<T>::insert(order, committee);
		Self::deposit_event(Event::NoQuorum { order, round });
		T::Proposals::on_no_quorum(order)
	}

	// ---- Judging ----

	/// Frees `member`'s seat, records `verdict` in its record, credits it `fee` and, for a
	/// fault, schedules the slash of its seat bond. Returns the amount scheduled. An agreeing
	/// member's judgement is kept in its candidate entry (the list is written anyway) and
	/// reaches its ledger when that is next written; a fault is written to the ledger at once.
	fn judge_member(
		candidates: &mut CandidateList<T>,
		order: OrderId,
		member: &mut MemberOf<T>,
		verdict: Verdict,
		reporters: &Reporters<T::AccountId>,
		fee: BalanceOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		let seat = T::SeatBond::get();
		if verdict == Verdict::Agreed {
			if candidates.credit_agreement(&member.who, seat, fee) {
				member.verdict = Some(verdict);
				return Ok(Zero::zero());
			}
			defensive!("a member agreeing has no candidate entry");
		}
		let fraction = match verdict {
			Verdict::Agreed => None,
			Verdict::Wrong => Some(T::WrongReportFraction::get()),
			Verdict::Silent => Some(T::SilenceFraction::get()),
		};
		let slashed = match fraction {
			Some(fraction) if !fraction.is_zero() => T::Slasher::schedule(SlashRequest {
				offender: member.who.clone(),
				kind: StakeKind::Attester,
				order,
				at_risk: seat,
				severity: Severity::misconduct(fraction),
				value: Zero::zero(),
				beneficiary: None,
				reporters: reporters.clone(),
			})?
			.min(seat),
			_ => Zero::zero(),
		};
		let alpha = T::ReputationSmoothing::get();
		let score = Self::update_attester(candidates, &member.who, |info| {
			if verdict == Verdict::Agreed {
				Self::free_agreed_seats(info, 1);
			} else {
				Self::free_judged_seats(info, 1);
				info.faults.saturating_inc();
				info.score = updated_score(info.score, Perbill::zero(), alpha);
			}
			info.stake.reserved.saturating_accrue(slashed);
			info.fees.saturating_accrue(fee);
			info.score
		});
		if let Some(score) = score {
			Self::deposit_event(Event::ReputationUpdated { attester: member.who.clone(), score });
		}
		member.verdict = Some(verdict);
		Ok(slashed)
	}

	/// Judges every member not yet judged against the final `outcome`, credits the fee in equal
	/// shares to those who agreed (the remainder of the division to the first; all of it back to
	/// the shipper when nobody agreed), and forgets the committee.
	pub(crate) fn do_judge(order: OrderId, outcome: Report) -> Result<OutcomePath, DispatchError> {
		let mut committee = Committees::<T>::take(order).ok_or(Error::<T>::NoCommittee)?;
		if committee.status == RoundStatus::Collecting {
			Self::unschedule_deadline(committee.deadline_block, order);
		}
		let tolerance = T::Tolerance::get();
		let reporters = OrderReporters::<T>::take(order);
		// Verdicts first: the shares depend on how many agreed, and each member's ledger is
		// written once, with its share.
		let verdicts: Vec<(usize, Verdict)> = committee
			.members
			.iter()
			.enumerate()
			.filter(|(_, m)| m.verdict.is_none())
			.map(|(i, member)| {
				let verdict = match &member.report {
					None => Verdict::Silent,
					Some((report, _)) if tolerance.agrees(report, &outcome) => Verdict::Agreed,
					Some(_) => Verdict::Wrong,
				};
				(i, verdict)
			})
			.collect();
		let agreed = verdicts.iter().filter(|(_, v)| *v == Verdict::Agreed).count() as u32;
		let fee = Fees::<T>::take(order);
		let (mut first_share, share) = match fee {
			Some(fee) if agreed > 0 => {
				let share = fee / agreed.into();
				(fee.saturating_sub(share.saturating_mul(agreed.saturating_sub(1).into())), share)
			}
			_ => (Zero::zero(), Zero::zero()),
		};
		let mut path = OutcomePath::Clean;
		let mut candidates = CandidateList::<T>::load();
		for (i, verdict) in verdicts {
			let member = &mut committee.members[i];
			let credit = match verdict {
				Verdict::Agreed => core::mem::replace(&mut first_share, share),
				_ => {
					path = OutcomePath::Faulted;
					Zero::zero()
				}
			};
			let slashed =
				Self::judge_member(&mut candidates, order, member, verdict, &reporters, credit)?;
			Self::deposit_event(Event::MemberJudged {
				order,
				attester: member.who.clone(),
				verdict,
				slashed,
			});
		}
		candidates.store();
		match fee {
			Some(fee) if agreed == 0 => {
				Self::refund_fee(&committee.shipper, fee)?;
				Self::deposit_event(Event::FeeShared { order, share: fee, recipients: 0 });
			}
			Some(_) => Self::deposit_event(Event::FeeShared { order, share, recipients: agreed }),
			None => {}
		}
		Ok(path)
	}

	/// Pays an order's `fee` back to its `shipper` from the fee pot.
	fn refund_fee(shipper: &T::AccountId, fee: BalanceOf<T>) -> DispatchResult {
		if fee.is_zero() {
			return Ok(());
		}
		T::Currency::transfer(&Self::fee_pot(), shipper, fee, Preservation::Expendable).map(|_| ())
	}

	/// Releases a committee without judging: the order was cancelled before any outcome.
	pub(crate) fn do_close(order: OrderId) {
		OrderReporters::<T>::remove(order);
		let Some(committee) = Committees::<T>::take(order) else { return };
		if committee.status == RoundStatus::Collecting {
			Self::unschedule_deadline(committee.deadline_block, order);
		}
		let seat = T::SeatBond::get();
		CandidateList::<T>::with(|candidates| {
			for member in committee.members.iter().filter(|m| m.verdict.is_none()) {
				Self::update_attester(candidates, &member.who, |info| {
					info.stake.allocated = info.stake.allocated.defensive_saturating_sub(seat);
					info.seats = info.seats.defensive_saturating_sub(1);
				});
			}
		});
		if let Some(fee) = Fees::<T>::take(order) {
			let _ = Self::refund_fee(&committee.shipper, fee).defensive();
		}
		Self::deposit_event(Event::CommitteeReleased { order });
	}

	// ---- Queries ----

	/// An attester's stake, seats, score, counts and fees, if registered: its ledger with what
	/// its candidate entry holds for it (seats drawn, agreeing judgements and their fee shares
	/// since the ledger was written).
	pub fn attester(who: &T::AccountId) -> Option<AttesterInfo<T>> {
		let mut info = Attesters::<T>::get(who)?;
		if let Some(mut entry) = Candidates::<T>::get().into_iter().find(|c| c.who == *who) {
			Self::fold_entry(&mut info, &mut entry);
		}
		Some(info)
	}

	/// Moves into `info` what `entry` holds for it (seats drawn, then agreeing judgements and
	/// their fee shares, all since the ledger was written), leaving the entry owing nothing.
	/// Returns whether it held anything.
	fn fold_entry(info: &mut AttesterInfo<T>, entry: &mut CandidateOf<T>) -> bool {
		let drawn = core::mem::take(&mut entry.drawn);
		let agreed = core::mem::take(&mut entry.agreed);
		let fees = core::mem::take(&mut entry.fees);
		// Drawn first: a seat may have been drawn and judged since the ledger was written.
		Self::add_seats(info, drawn);
		Self::free_agreed_seats(info, agreed);
		info.fees.saturating_accrue(fees);
		drawn > 0 || agreed > 0 || !fees.is_zero()
	}

	/// Records `agreed` judgements the attester agreed with: each frees a seat and its bond,
	/// counts as judged and moves the score toward one.
	fn free_agreed_seats(info: &mut AttesterInfo<T>, agreed: u32) {
		if agreed == 0 {
			return;
		}
		Self::free_judged_seats(info, agreed);
		info.score = score_after_agreements(info.score, agreed, T::ReputationSmoothing::get());
	}

	/// Frees `judged` seats and their bonds, each counted as judged.
	fn free_judged_seats(info: &mut AttesterInfo<T>, judged: u32) {
		let bonds = T::SeatBond::get().saturating_mul(judged.into());
		info.stake.allocated = info.stake.allocated.defensive_saturating_sub(bonds);
		info.seats = info.seats.defensive_saturating_sub(judged);
		info.judged.saturating_accrue(judged);
	}

	/// An entry's free stake for a ledger whose entry holds `drawn` seats and `agreed`
	/// judgements not yet in it.
	fn entry_free(info: &AttesterInfo<T>, drawn: u32, agreed: u32) -> BalanceOf<T> {
		let seat = T::SeatBond::get();
		info.stake
			.free()
			.saturating_add(seat.saturating_mul(agreed.into()))
			.saturating_sub(seat.saturating_mul(drawn.into()))
	}

	/// Records `drawn` more seats, and their bonds, in a ledger.
	fn add_seats(info: &mut AttesterInfo<T>, drawn: u32) {
		info.seats.saturating_accrue(drawn);
		info.stake.allocated.saturating_accrue(T::SeatBond::get().saturating_mul(drawn.into()));
	}

	// ---- Invariants ----

	/// Checks the invariants this pallet owns: holds equal ledgers (§7.1), seats equal the
	/// committees' unjudged members, timers exist exactly for collecting rounds (§7.3),
	/// commitments within the stake, and the candidate list and totals in step.
	// `std` too: the runtime's invariant fuzzing calls it without a try-runtime build.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;

		let mut seats: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut timers: Vec<(BlockNumberFor<T>, OrderId)> = Vec::new();
		for (at, queue) in DeadlineQueue::<T>::iter() {
			for order in queue {
				timers.push((at, order));
			}
		}
		let mut expected_timers = 0usize;
		for (order, committee) in Committees::<T>::iter() {
			for m in committee.members.iter().filter(|m| m.verdict.is_none()) {
				seats.entry(m.who.clone()).or_default().saturating_inc();
			}
			let timed =
				timers.iter().filter(|(at, o)| *o == order && *at == committee.deadline_block);
			if committee.status == RoundStatus::Collecting {
				ensure!(timed.count() == 1, "a collecting round needs exactly one timer");
				expected_timers += 1;
			}
		}
		ensure!(timers.len() == expected_timers, "a timer for a round that is not collecting");
		let candidates = Candidates::<T>::get();
		let mut total_active = BalanceOf::<T>::zero();
		let mut with_stake = 0usize;
		let mut credited = BalanceOf::<T>::zero();
		for (who, info) in Attesters::<T>::iter() {
			credited.saturating_accrue(info.fees);
			ensure!(
				T::Currency::balance_on_hold(&Self::reason(), &who) == info.stake.total,
				"stake hold differs from the attester's ledger"
			);
			let entry = candidates.iter().find(|c| c.who == who);
			let (drawn, agreed) = entry.map_or((0, 0), |c| (c.drawn, c.agreed));
			credited.saturating_accrue(entry.map_or(Zero::zero(), |c| c.fees));
			// The seats the ledger's attester holds: the ledger's, plus those drawn and less
			// those freed by agreeing judgements since it was written.
			let Some(held) = info.seats.saturating_add(drawn).checked_sub(agreed) else {
				return Err("an entry frees more seats than its ledger holds".into());
			};
			ensure!(
				seats.remove(&who).unwrap_or_default() == held,
				"seat count differs from the committees"
			);
			let seat = T::SeatBond::get();
			ensure!(
				info.stake.allocated == seat.saturating_mul(info.seats.into()),
				"allocation differs from the seats"
			);
			ensure!(
				seat.saturating_mul(held.into()).saturating_add(info.stake.reserved)
					<= info.stake.active(),
				"seats and reservations exceed the active stake"
			);
			let active = info.stake.active();
			total_active.saturating_accrue(active);
			if !active.is_zero() {
				with_stake += 1;
				ensure!(
					entry
						.is_some_and(|c| c.active == active
							&& c.free == Self::entry_free(&info, drawn, agreed)),
					"candidate entry differs from the ledger"
				);
			}
		}
		ensure!(seats.is_empty(), "a member is not a registered attester");
		ensure!(candidates.len() == with_stake, "a candidate has no active stake");
		ensure!(TotalActiveStake::<T>::get() == total_active, "total active stake differs");
		for (order, _) in OrderReporters::<T>::iter() {
			ensure!(
				Committees::<T>::contains_key(order),
				"reporters of an order without committee"
			);
		}
		let mut owed = credited;
		for (order, fee) in Fees::<T>::iter() {
			ensure!(Committees::<T>::contains_key(order), "a fee for an order without committee");
			owed.saturating_accrue(fee);
		}
		ensure!(
			T::Currency::balance(&Self::fee_pot()) >= owed,
			"the fee pot holds less than the fees credited and waiting"
		);
		Ok(())
	}
}

impl<T: Config> AttestationHandler<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn open(
		order: OrderId,
		shipper: &T::AccountId,
		carrier: &T::AccountId,
		report_by: Moment,
	) -> Result<Weight, DispatchError> {
		// Callers may run outside a transaction: a failed draw must leave no seat behind.
		let scanned = frame_support::storage::with_storage_layer(|| {
			Self::do_open(order, shipper, carrier, report_by)
		})?;
		Ok(Self::unused_draw_weight(T::WeightInfo::open, scanned))
	}

	fn max_spill() -> queue::Spill {
		queue::Spill::longest_hinted(Self::deadline_tries())
	}

	fn close(order: OrderId) {
		Self::do_close(order)
	}

	fn fee_account() -> T::AccountId {
		Self::fee_pot()
	}

	fn fee_paid(order: OrderId, amount: BalanceOf<T>) {
		if Committees::<T>::contains_key(order) {
			Fees::<T>::mutate(order, |f| *f = Some(f.unwrap_or_default().saturating_add(amount)));
		} else {
			defensive!("a fee for an order without committee");
		}
	}
}

impl<T: Config> CommitteeProvider<T::AccountId> for Pallet<T> {
	fn is_member(order: OrderId, who: &T::AccountId) -> bool {
		Committees::<T>::get(order).is_some_and(|c| c.members.iter().any(|m| m.who == *who))
	}

	fn escalate(order: OrderId) -> Result<Weight, DispatchError> {
		let scanned = frame_support::storage::with_storage_layer(|| Self::do_escalate(order))?;
		Ok(Self::unused_draw_weight(T::WeightInfo::escalate, scanned))
	}

	fn max_spill() -> queue::Spill {
		queue::Spill::longest_hinted(Self::deadline_tries())
	}

	fn agrees(report: &Report, outcome: &Report) -> bool {
		T::Tolerance::get().agrees(report, outcome)
	}

	fn note_reporter(order: OrderId, who: &T::AccountId) {
		OrderReporters::<T>::mutate(order, |r| {
			if !r.contains(who) && r.try_push(who.clone()).is_err() {
				log::debug!(target: LOG_TARGET, "order {order}: reporters full, {who:?} not added");
			}
		});
	}
}

impl<T: Config> OutcomeHandler for Pallet<T> {
	fn on_final_outcome(order: OrderId, outcome: Report) -> Result<OutcomePath, DispatchError> {
		// Callers may run in a hook, where nothing is rolled back for them.
		frame_support::storage::with_storage_layer(|| Self::do_judge(order, outcome))
	}
}

impl<T: Config> SlashableStake<T::AccountId, BalanceOf<T>> for Pallet<T> {
	type Credit = frame_support::traits::fungible::Credit<T::AccountId, T::Currency>;

	fn slash_reserved(kind: StakeKind, who: &T::AccountId, amount: BalanceOf<T>) -> Self::Credit {
		if kind != StakeKind::Attester {
			defensive!("attestation only holds attester stake");
			return Default::default();
		}
		let Some(credit) = Self::update_one_attester(who, |info| {
			let requested = info.stake.slashable(amount);
			let (taken, _missing) = T::Currency::slash(&Self::reason(), who, requested);
			info.stake.slashed(requested, frame_support::traits::Imbalance::peek(&taken));
			taken
		}) else {
			return Default::default();
		};
		Self::deposit_event(Event::AttesterSlashed {
			attester: who.clone(),
			amount: frame_support::traits::Imbalance::peek(&credit),
		});
		credit
	}

	fn release_reserved(kind: StakeKind, who: &T::AccountId, amount: BalanceOf<T>) {
		if kind != StakeKind::Attester {
			defensive!("attestation only holds attester stake");
			return;
		}
		let released = Self::update_one_attester(who, |info| {
			let released = info.stake.slashable(amount);
			info.stake.reserved.saturating_reduce(released);
			released
		});
		if let Some(amount) = released {
			Self::deposit_event(Event::SlashReservationReleased { attester: who.clone(), amount });
		}
	}

	fn total_stake(kind: StakeKind) -> BalanceOf<T> {
		match kind {
			StakeKind::Attester => TotalActiveStake::<T>::get(),
			_ => Zero::zero(),
		}
	}

	fn reserved(kind: StakeKind, who: &T::AccountId) -> BalanceOf<T> {
		match kind {
			StakeKind::Attester => {
				Attesters::<T>::get(who).map(|i| i.stake.reserved).unwrap_or_default()
			}
			_ => Zero::zero(),
		}
	}
}
