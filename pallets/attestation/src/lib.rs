//! # Attestation pallet
//!
//! Oracle data with skin in the game (protocol §3). Attesters stake; each accepted order gets
//! a committee drawn by stake from the chain's randomness; members report what happened with
//! a digest of their evidence; a stake-weighted quorum proposes the outcome, which the
//! disputes side then holds open to challenge; once the outcome is final every member is
//! judged against it.
//!
//! - **Stake.** `register_attester`, `bond_extra`, `unbond`, `withdraw_unbonded`, on the
//!   `AttesterStake` hold. Each committee seat allocates `SeatBond` from the member's stake
//!   until the member is judged, so stake backing a report cannot be unbonded before the report
//!   is judged, and a slash reserves what it will take until it is applied. A draw records a
//!   member's seat in the member's entry of the candidate list (`Candidates`), which it
//!   rewrites anyway, and not in its ledger (`Attesters`): the ledger takes the seat the next
//!   time it is written, and everything that reads or changes a ledger's seats or free stake
//!   counts the entry's (`Pallet::attester` for queries).
//! - **Draw.** `CommitteeSize` members (an escalated round: `EscalationCommitteeSize`, excluding
//!   every earlier member) are drawn without replacement, each with probability proportional
//!   to its active stake, from `Randomness` and the order id; the shipper and the carrier, and
//!   attesters whose free stake is below `SeatBond`, are not eligible. Work is bounded by
//!   `MaxAttesters` × committee size, and the draw is a pure function of the seed.
//! - **Quorum.** When reports of one class (delivered or lost) carry `QuorumThreshold` of the
//!   round's drawn stake, that class is proposed; delivery time, excursion and damage are the
//!   stake-weighted (lower) medians of the agreeing reports. The outcome goes to
//!   `Config::Proposals` (the disputes pallet).
//! - **Signed reports.** `attest_signed` takes several members' reports in one extrinsic that
//!   any account submits and pays for: each signed by its member over
//!   [`Pallet::report_payload`] (this chain's genesis hash, the order, the round, the report and
//!   its evidence) and then taken as the member's own `attest`, the batch whole or not at all.
//!   A committee reporting together pays one transaction's fixed cost instead of one each.
//! - **Liveness.** A round without quorum by its deadline (`report_by + ResponseWindow` for the
//!   first round, `ResponseWindow` after an escalation) is handed on as `on_no_quorum`, and its
//!   silent members are slashed `SilenceFraction` of their seat bond at once.
//! - **Judging.** On the final outcome ([`OutcomeHandler`]) every member not yet judged is:
//!   agreeing (same class, numeric fields within `Tolerance`): shares the order's fee equally;
//!   wrong: slashed `WrongReportFraction`; silent: slashed `SilenceFraction`. Scores move as an
//!   exponential moving average; fault counts are kept. A fault is written to the member's
//!   ledger at once. An agreement, most judgements, is kept in the member's candidate entry,
//!   which the judgement rewrites anyway (its seat bond back in the entry's free stake, a count
//!   of agreements, their fee shares), and reaches the ledger when the ledger is next written:
//!   its seats freed, `k` agreements moving the score to `1 - (1 - alpha)^k × (1 - score)` in one
//!   step, with a `ReputationUpdated`. A settlement thus writes no agreeing member's ledger.
//! - **Fees.** A member's share is credited to its candidate entry (an agreement) or ledger,
//!   which the judgement writes anyway, and waits in the fee pot until the member calls
//!   `claim_fees` (or withdraws its last stake, which pays it out): one transfer per claim
//!   instead of one per member and order. Payouts
//!   may empty the pot, so a runtime keeps its smallest share (the order fee split among
//!   `MaxCommitteeMembers`) at or above the existential deposit: a smaller remainder left in
//!   the pot would be removed as dust while still owed.
//!
//! [`OutcomeHandler`]: surety_primitives::protocol::OutcomeHandler

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
mod impls;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

/// Log target of this pallet.
pub const LOG_TARGET: &str = "runtime::attestation";

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, Randomness, UnixTime},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{
		traits::{IdentifyAccount, Verify},
		Perbill,
	};
	use surety_primitives::{
		protocol::{OrderId, ProposalHandler, Report, Reporters, SlashScheduler},
		queue,
	};

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// An attester's stake, committee seat bonds included.
		AttesterStake,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The currency stakes are held and fees paid in.
		type Currency: fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::BalancedHold<Self::AccountId>;

		/// Wall-clock time (pallet-timestamp): deadlines are in unix milliseconds.
		type UnixTime: UnixTime;

		/// The chain's randomness (BABE's in the runtime): seeds committee draws.
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;

		/// Receives proposed outcomes and rounds without quorum (the disputes pallet).
		type Proposals: ProposalHandler;

		/// Schedules the slashes of faulted members (the slashing pallet).
		type Slasher: SlashScheduler<Self::AccountId, BalanceOf<Self>>;

		/// The account attestation fees are paid into until they are shared.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// Least active stake of a registered attester.
		#[pallet::constant]
		type MinAttesterStake: Get<BalanceOf<Self>>;

		/// Stake each committee seat allocates until its member is judged: what a fault risks.
		#[pallet::constant]
		type SeatBond: Get<BalanceOf<Self>>;

		/// Blocks between `unbond` and `withdraw_unbonded`.
		#[pallet::constant]
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// Most unbonding chunks per attester.
		#[pallet::constant]
		type MaxUnbondingChunks: Get<u32>;

		/// Most registered attesters: bounds the draw.
		#[pallet::constant]
		type MaxAttesters: Get<u32>;

		/// Members of an order's first committee.
		#[pallet::constant]
		type CommitteeSize: Get<u32>;

		/// Members drawn for each escalated round.
		#[pallet::constant]
		type EscalationCommitteeSize: Get<u32>;

		/// Most members of one order over all its rounds.
		#[pallet::constant]
		type MaxCommitteeMembers: Get<u32>;

		/// Share of the round's drawn stake that reports of one class need.
		#[pallet::constant]
		type QuorumThreshold: Get<Perbill>;

		/// Milliseconds after `report_by` (or after an escalation) that a round reports within.
		#[pallet::constant]
		type ResponseWindow: Get<u64>;

		/// Expected milliseconds per block: turns deadlines into timer blocks.
		#[pallet::constant]
		type MillisPerBlock: Get<u64>;

		/// Deadlines the hook handles per block.
		#[pallet::constant]
		type MaxDeadlinesPerBlock: Get<u32>;

		/// How far reports may be from the final outcome and still agree.
		#[pallet::constant]
		type Tolerance: Get<ReportTolerance>;

		/// Fraction of the seat bond slashed for a wrong report.
		#[pallet::constant]
		type WrongReportFraction: Get<Perbill>;

		/// Fraction of the seat bond slashed for not reporting.
		#[pallet::constant]
		type SilenceFraction: Get<Perbill>;

		/// Score of a new attester.
		#[pallet::constant]
		type NeutralScore: Get<Perbill>;

		/// Weight of the newest outcome in the score's moving average.
		#[pallet::constant]
		type ReputationSmoothing: Get<Perbill>;

		/// A member's signature on its report, for reports submitted in a batch by another
		/// account (`attest_signed`): the runtime's transaction signature.
		type ReportSignature: Verify<Signer: IdentifyAccount<AccountId = Self::AccountId>>
			+ Parameter;

		/// Weights of this pallet's calls, hook and trait entry points.
		type WeightInfo: WeightInfo;

		/// Sets the clock and signs reports for benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: crate::benchmarking::BenchmarkHelper<
			Self::AccountId,
			Self::ReportSignature,
		>;
	}

	/// Registered attesters.
	#[pallet::storage]
	pub type Attesters<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, AttesterInfo<T>>;

	/// Everyone who can be drawn, with its active and free stake and the seats drawn since its
	/// ledger was last written: one read and one write per draw.
	#[pallet::storage]
	pub type Candidates<T: Config> =
		StorageValue<_, BoundedVec<CandidateOf<T>, T::MaxAttesters>, ValueQuery>;

	/// Committees of orders not yet judged.
	#[pallet::storage]
	pub type Committees<T: Config> = StorageMap<_, Twox64Concat, OrderId, CommitteeOf<T>>;

	/// Rounds whose deadline the hook checks at a block.
	#[pallet::storage]
	pub type DeadlineQueue<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<OrderId, T::MaxDeadlinesPerBlock>,
		ValueQuery,
	>;

	/// Where the last deadline search that spilled found room: `(wanted block, found block)`,
	/// so the next search for the same block skips the full queues before it (see
	/// `surety_primitives::queue`).
	#[pallet::storage]
	pub type DeadlineSpillHint<T: Config> =
		StorageValue<_, (BlockNumberFor<T>, BlockNumberFor<T>), OptionQuery>;

	/// Attestation fees paid for orders not yet judged.
	#[pallet::storage]
	pub type Fees<T: Config> = StorageMap<_, Twox64Concat, OrderId, BalanceOf<T>>;

	/// Disputers who overturned an order's proposal: they share `ReporterShare` of the slashes
	/// of the wrong members.
	#[pallet::storage]
	pub type OrderReporters<T: Config> =
		StorageMap<_, Twox64Concat, OrderId, Reporters<T::AccountId>, ValueQuery>;

	/// Sum of all attesters' active stake.
	#[pallet::storage]
	pub type TotalActiveStake<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An attester registered with `stake` on hold.
		AttesterRegistered { attester: T::AccountId, stake: BalanceOf<T> },
		/// An attester added `amount` to its stake.
		StakeBonded { attester: T::AccountId, amount: BalanceOf<T> },
		/// `amount` started unbonding; withdrawable from `unlock_at`.
		StakeUnbonding {
			attester: T::AccountId,
			amount: BalanceOf<T>,
			unlock_at: BlockNumberFor<T>,
		},
		/// Unbonded stake left the hold.
		StakeWithdrawn { attester: T::AccountId, amount: BalanceOf<T> },
		/// An attester with nothing left on hold and no duties was removed.
		AttesterDeregistered { attester: T::AccountId },
		/// A committee round was drawn; it reports by `deadline` (unix ms).
		CommitteeDrawn {
			order: OrderId,
			round: u8,
			members: alloc::vec::Vec<T::AccountId>,
			deadline: u64,
		},
		/// A member reported.
		Attested { order: OrderId, attester: T::AccountId, report: Report, evidence: sp_core::H256 },
		/// A round reached quorum on `outcome`.
		OutcomeProposed { order: OrderId, round: u8, outcome: Report },
		/// A round's deadline passed without quorum.
		NoQuorum { order: OrderId, round: u8 },
		/// A member was judged; `slashed` was scheduled from its seat bond.
		MemberJudged {
			order: OrderId,
			attester: T::AccountId,
			verdict: Verdict,
			slashed: BalanceOf<T>,
		},
		/// The order's fee was shared: `share` credited to each agreeing member, to claim with
		/// `claim_fees` (or all of it paid back to the shipper when none agreed).
		FeeShared { order: OrderId, share: BalanceOf<T>, recipients: u32 },
		/// An attester was paid the fee shares credited to it.
		FeesClaimed { attester: T::AccountId, amount: BalanceOf<T> },
		/// A committee was released without judging (the order was cancelled).
		CommitteeReleased { order: OrderId },
		/// An applied slash took `amount` from an attester's stake.
		AttesterSlashed { attester: T::AccountId, amount: BalanceOf<T> },
		/// A pending slash was vetoed: `amount` of the reservation is free again.
		SlashReservationReleased { attester: T::AccountId, amount: BalanceOf<T> },
		/// An attester's ledger was written with a new score: at a fault, or when agreements
		/// kept in its candidate entry reach it (`Pallet::attester` gives the current score).
		ReputationUpdated { attester: T::AccountId, score: Perbill },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a registered attester.
		AlreadyRegistered,
		/// The account is not a registered attester.
		NotAttester,
		/// The stake would be below `MinAttesterStake`.
		StakeBelowMinimum,
		/// The amount is zero.
		ZeroAmount,
		/// The account cannot hold that much.
		InsufficientBalance,
		/// More than the free stake (not on a seat, not reserved for a slash).
		InsufficientFreeStake,
		/// Too many unbonding chunks; withdraw the ripe ones first.
		TooManyUnbondingChunks,
		/// No unbonding chunk is ripe.
		NothingToWithdraw,
		/// `MaxAttesters` are registered.
		TooManyAttesters,
		/// Fewer eligible attesters than the committee needs.
		NotEnoughAttesters,
		/// The order already has a committee.
		CommitteeExists,
		/// The order has no committee.
		NoCommittee,
		/// The caller does not sit on the order's current round.
		NotMember,
		/// The caller already reported in this round.
		AlreadyAttested,
		/// The round's deadline has passed.
		DeadlinePassed,
		/// The round is not taking reports.
		RoundClosed,
		/// The order cannot be escalated from where it stands.
		CannotEscalate,
		/// Another round would exceed `MaxCommitteeMembers` or the round counter.
		TooManyRounds,
		/// Every block the deadline could be queued in is full.
		QueueFull,
		/// No fee share is waiting to be claimed.
		NoFeesToClaim,
		/// A batch of signed reports is empty.
		NoReports,
		/// A signed report's signature is not its member's over its payload for this chain,
		/// order and round.
		BadSignature,
		/// An internal invariant failed; nothing was changed.
		Defensive,
	}

	/// Attesters registered at genesis, so a new chain can draw committees at once.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Each attester and the stake it registers with (taken from its genesis balance).
		pub attesters: alloc::vec::Vec<(T::AccountId, BalanceOf<T>)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (attester, stake) in &self.attesters {
				// A genesis that cannot be built must not start a chain.
				Pallet::<T>::do_register(attester.clone(), *stake)
					.expect("a genesis attester is funded, registered once, above the minimum");
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			queue::hook_with_spills(T::DbWeight::get(), || Self::check_deadlines(now))
		}

		fn integrity_test() {
			assert!(T::CommitteeSize::get() > 0, "a committee has members");
			assert!(
				T::CommitteeSize::get() <= T::MaxCommitteeMembers::get()
					&& T::EscalationCommitteeSize::get() <= T::MaxCommitteeMembers::get(),
				"a round fits in a committee"
			);
			assert!(!T::SeatBond::get().is_zero(), "a seat risks something");
			assert!(T::SeatBond::get() <= T::MinAttesterStake::get(), "a minimal attester can sit");
			assert!(T::MaxDeadlinesPerBlock::get() > 0, "deadlines must be able to fire");
			assert!(T::MillisPerBlock::get() > 0, "blocks take time");
			assert!(!T::QuorumThreshold::get().is_zero(), "quorum needs reports");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Registers the caller as an attester with `stake` (at least `MinAttesterStake`) on
		/// hold.
		///
		/// Errors: `AlreadyRegistered`, `StakeBelowMinimum`, `InsufficientBalance`,
		/// `TooManyAttesters`. Event: `AttesterRegistered`.
		#[pallet::call_index(0)]
		pub fn register_attester(origin: OriginFor<T>, stake: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register(who, stake)
		}

		/// Adds `amount` to the caller's stake.
		///
		/// Errors: `NotAttester`, `ZeroAmount`, `InsufficientBalance`. Event: `StakeBonded`.
		#[pallet::call_index(1)]
		pub fn bond_extra(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_bond_extra(who, amount)
		}

		/// Starts unbonding `amount` of free stake; it stays on hold, and slashable, for
		/// `UnbondingPeriod` blocks. The active stake left must be zero (leaving the draw) or at
		/// least `MinAttesterStake`.
		///
		/// Errors: `NotAttester`, `ZeroAmount`, `InsufficientFreeStake`, `StakeBelowMinimum`,
		/// `TooManyUnbondingChunks`. Event: `StakeUnbonding`.
		#[pallet::call_index(2)]
		pub fn unbond(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unbond(who, amount)
		}

		/// Releases the unbonded chunks that are ripe; forgets the attester when nothing is
		/// left, paying out its unclaimed fee shares first.
		///
		/// Errors: `NotAttester`, `NothingToWithdraw`. Events: `StakeWithdrawn`,
		/// `FeesClaimed`, `AttesterDeregistered`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded(T::MaxUnbondingChunks::get()))]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw_unbonded(who)
		}

		/// Reports `order`'s outcome with `evidence`, the digest of the off-chain sensor data.
		/// Only members of the current round, once each; before the deadline while the round
		/// collects, and until judging once it has proposed an outcome.
		///
		/// Errors: `NoCommittee`, `NotMember`, `AlreadyAttested`, `DeadlinePassed`,
		/// `RoundClosed`. Events: `Attested`, `OutcomeProposed`.
		///
		/// Weighed for the report that reaches quorum, with the longest search for a block with
		/// room for the window it opens; a report that only records itself is charged
		/// `attest_recorded`, one that proposes what its search read and wrote past a full
		/// first queue, the rest refunded.
		#[pallet::call_index(4)]
		#[pallet::weight(
			T::WeightInfo::attest()
				.max(T::WeightInfo::attest_recorded())
				.saturating_add(T::Proposals::max_spill().weight(T::DbWeight::get()))
		)]
		pub fn attest(
			origin: OriginFor<T>,
			order: OrderId,
			report: Report,
			evidence: sp_core::H256,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let (proposed, spilled) =
				queue::counting_spills(|| Self::do_attest(who, order, report, evidence));
			let used =
				if proposed? { T::WeightInfo::attest() } else { T::WeightInfo::attest_recorded() };
			Ok(Some(used.saturating_add(spilled.weight(T::DbWeight::get()))).into())
		}

		/// Records several members' reports on `order` in one extrinsic: each signed by its
		/// member over [`Pallet::report_payload`] (this chain, the order, the current round, the
		/// report and its evidence), collected off-chain and submitted by any account, which
		/// pays the fee. Every report is then taken as if its member had called `attest`, in the
		/// batch's order; one that fails fails the batch and nothing of it is kept.
		///
		/// Errors: `NoReports`, `NoCommittee`, `BadSignature`, and those of `attest`. Events:
		/// `Attested` for each report, `OutcomeProposed`.
		///
		/// Weighed for the most reports a batch holds, the last reaching quorum, and the longest
		/// search for the window it opens; charged for the reports it holds and the full queues
		/// the search read.
		#[pallet::call_index(6)]
		#[pallet::weight(
			T::WeightInfo::attest_signed(T::MaxCommitteeMembers::get())
				.saturating_add(T::Proposals::max_spill().weight(T::DbWeight::get()))
		)]
		pub fn attest_signed(
			origin: OriginFor<T>,
			order: OrderId,
			reports: BoundedVec<
				SignedReport<T::AccountId, T::ReportSignature>,
				T::MaxCommitteeMembers,
			>,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let count = reports.len() as u32;
			let (recorded, spilled) =
				queue::counting_spills(|| Self::do_attest_signed(order, reports.into_inner()));
			recorded?;
			let used = T::WeightInfo::attest_signed(count);
			Ok(Some(used.saturating_add(spilled.weight(T::DbWeight::get()))).into())
		}

		/// Pays the caller the fee shares credited to it by the judgements of its reports.
		///
		/// Errors: `NotAttester`, `NoFeesToClaim`. Event: `FeesClaimed`.
		#[pallet::call_index(5)]
		pub fn claim_fees(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_claim_fees(who)
		}
	}
}
