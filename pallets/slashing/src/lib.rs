//! # Slashing pallet
//!
//! Turns a fault into money that moves (protocol §5): proportional to its severity, harsher
//! when faults correlate, reversible during a defer period, and paid first to whoever was
//! harmed.
//!
//! - **Severity.** [`Pallet::severity_fraction`] maps lateness, temperature excursion and
//!   damage to fractions of the bond at risk (each capped), sums them and caps the sum at
//!   `MaxFaultFraction`; lost cargo is 100 %. A fault never rounds to zero.
//! - **Correlation.** Faults are counted per kind of stake over the last `CorrelationWindow`
//!   blocks, in per-block buckets. With `f` the stake faulted in the window before this fault
//!   and `t` all stake of that kind, the fraction becomes
//!   `min(1, base × (1 + CorrelationFactor × f ÷ t))`: an isolated fault pays its base
//!   fraction; attesters failing together, or a carrier repeating faults, pay more.
//! - **Deferral and veto.** Every slash is pending for `SlashDeferPeriod` blocks while its
//!   funds stay reserved on the offender's hold (the owning pallet refuses to release them).
//!   `VetoOrigin` can cancel or reduce it, which releases the reservation exactly.
//! - **Distribution.** An applied slash is one credit, split: compensation to the beneficiary
//!   up to the damage, `ReporterShare` of the rest to the reporters, the rest to
//!   `OnRemainder`. The parts always sum to the amount slashed.
//! - Slashes of one offender on the same hold are applied in the order they fall due (by id
//!   within a block); each takes only what was reserved for it, so none can take more than is
//!   held, and stake that is unbonding stays on the hold, and slashable, until withdrawn.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarking;
mod impls;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

/// Log target of this pallet.
pub const LOG_TARGET: &str = "runtime::slashing";

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, OnUnbalanced},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::Perbill;
	use surety_primitives::protocol::{SlashableStake, StakeKind};

	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The currency slashes are paid in.
		type Currency: fungible::Balanced<Self::AccountId>;

		/// The pallets whose holds are slashed (carriers, attesters, dispute deposits).
		type Stakes: SlashableStake<Self::AccountId, BalanceOf<Self>, Credit = CreditOf<Self>>;

		/// Receives what is left of a slash after compensation and reporters (the treasury).
		type OnRemainder: OnUnbalanced<CreditOf<Self>>;

		/// May cancel or reduce a pending slash (governance; Root on test networks).
		type VetoOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Fraction of the bond per whole hour late past the grace.
		#[pallet::constant]
		type LatePerHour: Get<Perbill>;

		/// Most lateness can cost.
		#[pallet::constant]
		type MaxLateFraction: Get<Perbill>;

		/// Fraction of the bond per centi-°C × minute of temperature excursion.
		#[pallet::constant]
		type ExcursionPerUnit: Get<Perbill>;

		/// Most a temperature excursion can cost.
		#[pallet::constant]
		type MaxExcursionFraction: Get<Perbill>;

		/// Cap of the summed fraction of a fault that is not a loss.
		#[pallet::constant]
		type MaxFaultFraction: Get<Perbill>;

		/// Blocks over which faults count towards the correlation penalty.
		#[pallet::constant]
		type CorrelationWindow: Get<BlockNumberFor<Self>>;

		/// The `3` in `1 + 3 × faulted ÷ total`.
		#[pallet::constant]
		type CorrelationFactor: Get<u32>;

		/// Blocks a slash stays pending (and vetoable) before it is applied.
		#[pallet::constant]
		type SlashDeferPeriod: Get<BlockNumberFor<Self>>;

		/// Share of a slash, after compensation, paid to its reporters.
		#[pallet::constant]
		type ReporterShare: Get<Perbill>;

		/// Slashes applied in one block: bounds the hook's work.
		#[pallet::constant]
		type MaxSlashesPerBlock: Get<u32>;

		/// When a block's queue is full, how many later blocks are tried.
		#[pallet::constant]
		type MaxQueueSpill: Get<u32>;

		/// Weights of this pallet's calls and hook.
		type WeightInfo: WeightInfo;

		/// Sets up slashable reservations for benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: crate::benchmarking::BenchmarkHelper<Self::AccountId, BalanceOf<Self>>;
	}

	/// The id the next slash gets.
	#[pallet::storage]
	pub type NextSlashId<T> = StorageValue<_, SlashId, ValueQuery>;

	/// Slashes waiting out their defer period.
	#[pallet::storage]
	pub type PendingSlashes<T: Config> = StorageMap<
		_,
		Twox64Concat,
		SlashId,
		PendingSlash<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
	>;

	/// Pending slashes by the block they are applied in.
	#[pallet::storage]
	pub type ApplyQueue<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<SlashId, T::MaxSlashesPerBlock>,
		ValueQuery,
	>;

	/// Where the last search for a slash's block that spilled found room: `(wanted block,
	/// found block)`, so the next search for the same block skips the full queues before it
	/// (see `surety_primitives::queue`).
	#[pallet::storage]
	pub type ApplySpillHint<T: Config> =
		StorageValue<_, (BlockNumberFor<T>, BlockNumberFor<T>), OptionQuery>;

	/// Pending slashes by offender, for queries.
	#[pallet::storage]
	pub type PendingByOffender<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, SlashId, ()>;

	/// Sum of the pending slashes of an offender's stake of a kind: what that stake's owner
	/// keeps reserved.
	#[pallet::storage]
	pub type PendingTotal<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		StakeKind,
		Blake2_128Concat,
		T::AccountId,
		BalanceOf<T>,
		ValueQuery,
	>;

	/// Everything ever slashed from an account.
	#[pallet::storage]
	pub type TotalSlashed<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BalanceOf<T>, ValueQuery>;

	/// Stake faulted per kind and block (the correlation buckets).
	#[pallet::storage]
	pub type FaultedInBlock<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		StakeKind,
		Twox64Concat,
		BlockNumberFor<T>,
		BalanceOf<T>,
		ValueQuery,
	>;

	/// Stake faulted per kind over the correlation window: the sum of its buckets.
	#[pallet::storage]
	pub type FaultedInWindow<T: Config> =
		StorageMap<_, Twox64Concat, StakeKind, BalanceOf<T>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A slash was scheduled, to be applied at block `due`.
		SlashScheduled {
			id: SlashId,
			offender: T::AccountId,
			kind: StakeKind,
			amount: BalanceOf<T>,
			fraction: Perbill,
			due: BlockNumberFor<T>,
		},
		/// A pending slash was cancelled; its reservation is free again.
		SlashCancelled { id: SlashId },
		/// A pending slash was reduced to `amount`.
		SlashReduced { id: SlashId, amount: BalanceOf<T> },
		/// A slash was applied and distributed.
		SlashApplied {
			id: SlashId,
			offender: T::AccountId,
			distribution: Distribution<BalanceOf<T>>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No pending slash has this id (never scheduled, applied, or cancelled).
		SlashNotFound,
		/// A reduction must leave a non-zero amount below the current one; cancel instead.
		InvalidReduction,
		/// The request describes no fault: nothing to slash.
		NotAFault,
		/// `MaxSlashesPerBlock` slashes are already due in each of the next `MaxQueueSpill`
		/// blocks.
		QueueFull,
		/// Slash ids are exhausted.
		Overflow,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::rotate_window(now);
			Self::apply_due(now)
		}

		fn integrity_test() {
			assert!(T::MaxSlashesPerBlock::get() > 0, "slashes must be able to apply");
			assert!(T::MaxQueueSpill::get() > 0, "the due block itself is the first try");
			assert!(
				T::MaxLateFraction::get() <= T::MaxFaultFraction::get()
					&& T::MaxExcursionFraction::get() <= T::MaxFaultFraction::get(),
				"each severity cap fits within the fault cap"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Cancels a pending slash; its reservation on the offender's hold is released exactly.
		///
		/// Origin: `VetoOrigin`. Errors: `SlashNotFound`. Event: `SlashCancelled`.
		#[pallet::call_index(0)]
		pub fn cancel_slash(origin: OriginFor<T>, id: SlashId) -> DispatchResult {
			T::VetoOrigin::ensure_origin(origin)?;
			Self::do_cancel(id)
		}

		/// Reduces a pending slash to `amount`; the difference is released exactly.
		///
		/// Origin: `VetoOrigin`. Errors: `SlashNotFound`, `InvalidReduction` (zero, or not
		/// below the current amount). Event: `SlashReduced`.
		#[pallet::call_index(1)]
		pub fn reduce_slash(
			origin: OriginFor<T>,
			id: SlashId,
			amount: BalanceOf<T>,
		) -> DispatchResult {
			T::VetoOrigin::ensure_origin(origin)?;
			Self::do_reduce(id, amount)
		}
	}
}
