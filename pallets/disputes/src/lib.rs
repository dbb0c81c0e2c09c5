//! # Disputes pallet
//!
//! Nothing is settled and nobody is slashed until a dispute window has closed (protocol §4):
//! the layer that assumes oracles can be wrong.
//!
//! - **Windows.** A committee's proposal ([`ProposalHandler::on_proposed`]) opens a window of
//!   `DisputeWindow` blocks. At its last block's end nothing has been disputed and the hook of
//!   the next block (`ends`) hands the proposal on as final ([`OutcomeHandler`]). Timers live
//!   in a bounded per-block queue: the hook's cost does not grow with the number of open
//!   windows, and a full block spills timers to the next.
//! - **Disputes.** `dispute(order, claim, evidence)` by the shipper, the carrier or any member
//!   of the order's committee (any round), within the window, with a deposit of
//!   `max(MinDisputeDeposit, DisputeDepositRatio × value)` on the `DisputeDeposit` hold; one per
//!   round.
//! - **Rounds.** There are `MaxRounds` rounds: committee rounds, then arbitration. A dispute of
//!   a committee round, or a committee round without quorum, asks the attestation side for a
//!   fresh, larger committee ([`CommitteeProvider::escalate`]); a dispute of (or a missed
//!   quorum in) the last committee round goes to `ArbitrationOrigin`, which calls `rule`. If
//!   escalation is impossible (too few attesters), the case goes to arbitration at once.
//! - **No ruling.** If `ArbitrationPeriod` blocks pass without a ruling, the last proposal
//!   stands and every deposit is returned without reward (no ruling is nobody's loss); with no
//!   proposal at all (no committee reached quorum) the cargo counts as **lost**: the carrier
//!   bonded to deliver and could not get its delivery confirmed by staked attesters.
//! - **Loser pays.** When the outcome is final, each dispute is resolved: overturned (the final
//!   outcome does not agree with the proposal it disputed, under the committees' tolerance) →
//!   the deposit is returned and the disputer becomes a reporter of the wrong members' slashes
//!   (`ReporterShare`); stands → the deposit is forfeited through the slashing side (deferred,
//!   vetoable) to the winning side: the carrier when the shipper disputed, the shipper when
//!   the carrier did, the treasury for a committee member.
//! - **Retry.** If handing on the final outcome fails (for instance the slashing queue is full),
//!   nothing of it is kept and it is tried again the next block.
//! - **Weight by path.** The hook charges each timer for the path it took: an undisputed window
//!   of the first round whose order settled with nobody at fault ([`OutcomePath::Clean`],
//!   most orders) at the
//!   clean path's measured weight, anything else at the heaviest path's (a ruling defaulting
//!   after every round was disputed, on a faulted order; never less than a ruling). Searches
//!   past full queues (timers, the new committee's deadline, the slashes settlement schedules)
//!   are charged a read per full queue on top: the calls declare their longest and are
//!   refunded the rest, the hook adds what it read ([`surety_primitives::queue`]).
//!
//! [`ProposalHandler::on_proposed`]: surety_primitives::protocol::ProposalHandler::on_proposed
//! [`OutcomeHandler`]: surety_primitives::protocol::OutcomeHandler
//! [`OutcomePath::Clean`]: surety_primitives::protocol::OutcomePath::Clean
//! [`CommitteeProvider::escalate`]: surety_primitives::protocol::CommitteeProvider::escalate

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
mod impls;
use impls::NextRound;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

/// Log target of this pallet.
pub const LOG_TARGET: &str = "runtime::disputes";

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{pallet_prelude::*, traits::fungible};
	use frame_system::pallet_prelude::*;
	use sp_runtime::Perbill;
	use surety_primitives::{
		protocol::{CommitteeProvider, OrderId, OrderInfo, OutcomeHandler, Report, SlashScheduler},
		queue,
	};

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A disputer's deposit.
		DisputeDeposit,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The currency deposits are held in.
		type Currency: fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::BalancedHold<Self::AccountId>;

		/// The orders (the fulfillment pallet): parties and value.
		type Orders: OrderInfo<Self::AccountId, BalanceOf<Self>>;

		/// The committees (the attestation pallet): membership, escalation, tolerance.
		type Committees: CommitteeProvider<Self::AccountId>;

		/// Receives final outcomes (fulfillment settles, then attestation judges).
		type Outcomes: OutcomeHandler;

		/// Schedules the forfeit of losing deposits (the slashing pallet).
		type Slasher: SlashScheduler<Self::AccountId, BalanceOf<Self>>;

		/// Rules the last round (governance; Root on test networks).
		type ArbitrationOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Blocks a proposal stays open to dispute.
		#[pallet::constant]
		type DisputeWindow: Get<BlockNumberFor<Self>>;

		/// Blocks `ArbitrationOrigin` has to rule before the default applies.
		#[pallet::constant]
		type ArbitrationPeriod: Get<BlockNumberFor<Self>>;

		/// Least deposit of a dispute.
		#[pallet::constant]
		type MinDisputeDeposit: Get<BalanceOf<Self>>;

		/// Deposit of a dispute as a share of the order's value (when above the minimum).
		#[pallet::constant]
		type DisputeDepositRatio: Get<Perbill>;

		/// Rounds of a case: committee rounds, then arbitration (at least 2).
		#[pallet::constant]
		type MaxRounds: Get<u32>;

		/// Timers handled per block; a full block spills to the next ones.
		#[pallet::constant]
		type MaxTimersPerBlock: Get<u32>;

		/// How many blocks, its own first, a timer may be queued in: with `MaxTimersPerBlock`
		/// each, how many windows the proposals of one block may open.
		#[pallet::constant]
		type MaxTimerSpill: Get<u32>;

		/// Weights of this pallet's calls, hook and trait entry points.
		type WeightInfo: WeightInfo;

		/// Sets up orders in the other pallets for benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: crate::benchmarking::BenchmarkHelper<Self>;
	}

	/// Cases of orders whose outcome is not final yet.
	#[pallet::storage]
	pub type Cases<T: Config> = StorageMap<_, Twox64Concat, OrderId, CaseOf<T>>;

	/// Case timers by block.
	#[pallet::storage]
	pub type Timers<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<OrderId, T::MaxTimersPerBlock>,
		ValueQuery,
	>;

	/// Where the last timer search that spilled found room: `(wanted block, found block)`,
	/// so the next search for the same block skips the full queues before it (see
	/// `surety_primitives::queue`).
	#[pallet::storage]
	pub type TimerSpillHint<T: Config> =
		StorageValue<_, (BlockNumberFor<T>, BlockNumberFor<T>), OptionQuery>;

	/// What each disputer has on hold.
	#[pallet::storage]
	pub type Deposits<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, DepositLedger<BalanceOf<T>>>;

	/// Sum of all deposits of live disputes.
	#[pallet::storage]
	pub type TotalLiveDeposits<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A proposal is open to dispute until block `ends`.
		WindowOpened { order: OrderId, round: u8, outcome: Report, ends: BlockNumberFor<T> },
		/// A proposal was disputed.
		Disputed {
			order: OrderId,
			round: u8,
			who: T::AccountId,
			claim: Report,
			deposit: BalanceOf<T>,
		},
		/// A fresh committee was asked to re-attest.
		Escalated { order: OrderId, round: u8 },
		/// The case awaits `ArbitrationOrigin` until block `until`.
		AwaitingRuling { order: OrderId, until: BlockNumberFor<T> },
		/// `ArbitrationOrigin` ruled.
		Ruled { order: OrderId, outcome: Report },
		/// No ruling came in time: the default applied.
		RulingDefaulted { order: OrderId, outcome: Report },
		/// The outcome is final and was handed on.
		Finalized { order: OrderId, outcome: Report },
		/// The order ended without an outcome (cancelled by both parties): deposits returned.
		CaseDropped { order: OrderId },
		/// Handing on the final outcome failed; it is tried again at `retry_at`.
		FinalizationDeferred { order: OrderId, retry_at: BlockNumberFor<T> },
		/// A dispute won (or no ruling came): its deposit was returned.
		DepositReturned { order: OrderId, who: T::AccountId, amount: BalanceOf<T> },
		/// A dispute lost: `slashed` of its deposit was scheduled to be forfeited.
		DepositForfeited { order: OrderId, who: T::AccountId, slashed: BalanceOf<T> },
		/// An applied slash took `amount` of a forfeited deposit.
		DepositSlashed { who: T::AccountId, amount: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The order is not bonded (or does not exist).
		UnknownOrder,
		/// The order has no case: nothing was proposed, or it is already final.
		NoCase,
		/// The order's proposal is not open to dispute (never opened, or the window closed).
		WindowClosed,
		/// Only the shipper, the carrier or a committee member may dispute.
		NotParty,
		/// The claim agrees with the proposal: nothing to dispute.
		ClaimMatchesProposal,
		/// This round was already disputed.
		AlreadyDisputed,
		/// The account cannot hold the deposit.
		InsufficientBalance,
		/// The case is not waiting for a ruling.
		NotAwaitingRuling,
		/// A proposal or missed quorum arrived for a case not re-attesting.
		UnexpectedRound,
		/// Every block the timer could be queued in is full.
		QueueFull,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			queue::hook_with_spills(T::DbWeight::get(), || Self::run_timers(now))
		}

		fn integrity_test() {
			assert!(T::MaxRounds::get() >= 2, "one committee round and arbitration at least");
			assert!(T::MaxRounds::get() <= u8::MAX as u32, "rounds are counted in a u8");
			assert!(!T::DisputeWindow::get().is_zero(), "a window lasts at least a block");
			assert!(!T::ArbitrationPeriod::get().is_zero(), "arbitration takes time");
			assert!(T::MaxTimersPerBlock::get() > 0, "timers must be able to fire");
			assert!(T::MaxTimerSpill::get() > 0, "a timer's own block is the first try");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Disputes `order`'s proposed outcome, claiming `claim` with `evidence` (a digest of
		/// the disputer's evidence). The shipper, the carrier or a committee member; within the
		/// window; with a deposit of `max(MinDisputeDeposit, DisputeDepositRatio × value)`.
		/// Escalates to a fresh committee, or to arbitration after the last committee round.
		///
		/// Errors: `NoCase`, `WindowClosed`, `NotParty`, `ClaimMatchesProposal`,
		/// `AlreadyDisputed`, `InsufficientBalance`. Events: `Disputed`, `Escalated` or
		/// `AwaitingRuling`.
		///
		/// Weighed for the heavier path, a committee drawn among the most attesters there can
		/// be, and for the longest searches for blocks with room (the new committee's deadline,
		/// then arbitration's end should its queues be full); charged for the attesters there
		/// are, or `dispute_to_arbitration` for a dispute of the last committee round, which
		/// goes to arbitration without a draw, and for the full queues the searches read.
		#[pallet::call_index(0)]
		#[pallet::weight(
			T::WeightInfo::dispute_escalating()
				.max(T::WeightInfo::dispute_to_arbitration())
				.saturating_add(Pallet::<T>::max_dispute_spill().weight(T::DbWeight::get()))
		)]
		pub fn dispute(
			origin: OriginFor<T>,
			order: OrderId,
			claim: Report,
			evidence: sp_core::H256,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let (next, spilled) =
				queue::counting_spills(|| Self::do_dispute(who, order, claim, evidence));
			let charged = match next? {
				NextRound::Escalated { unused } => {
					Some(T::WeightInfo::dispute_escalating().saturating_sub(unused))
				}
				// Lighter than a draw that succeeds, and without a benchmark of its own.
				NextRound::ArbitrationAfterFailedDraw => None,
				NextRound::Arbitration => Some(T::WeightInfo::dispute_to_arbitration()),
			};
			let spills = spilled.weight(T::DbWeight::get());
			Ok(charged.map(|w| w.saturating_add(spills)).into())
		}

		/// Rules the final outcome of a case awaiting arbitration.
		///
		/// Origin: `ArbitrationOrigin`. Errors: `NoCase`, `NotAwaitingRuling`, or the error
		/// of handing the outcome on (nothing is changed then). Events: `Ruled`, `Finalized`.
		///
		/// Weighed for the heaviest measured path. The slashes it schedules may each search
		/// the slash queue for a block with room: the full queues read are added to the block's
		/// weight as the hooks' are (rulings are rare and pay no fee, so no call is declared for
		/// every member's longest search).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::rule())]
		pub fn rule(origin: OriginFor<T>, order: OrderId, outcome: Report) -> DispatchResult {
			T::ArbitrationOrigin::ensure_origin(origin)?;
			let (ruled, spilled) = queue::counting_spills(|| Self::do_rule(order, outcome));
			frame_system::Pallet::<T>::register_extra_weight_unchecked(
				spilled.weight(T::DbWeight::get()),
				DispatchClass::Normal,
			);
			ruled
		}
	}
}
