//! # Fulfillment pallet
//!
//! A shipper's order backed by a carrier's slashable performance bond (protocol §2, §6).
//!
//! - Carriers keep a stake on the `CarrierStake` hold. Accepting an order allocates a bond
//!   from it: `value × collateral_ratio(score)`, where a better record means a smaller bond;
//!   a carrier's open order value may not exceed `MaxLeverage` times its active stake.
//! - Shippers create orders; the payment and the attestation fee are escrowed on the
//!   `OrderEscrow` hold until the order ends. Nothing is held for rejected terms.
//! - A carrier may keep a standing offer ([`BookingOffer`]): an order that names it and fits
//!   is booked (`book`), created and bonded in the shipper's one extrinsic, as if the carrier
//!   had accepted it. Each booking uses one of the offer's bookings.
//! - An order ends by expiry (no carrier by `accept_by`), by cancellation (while open, or by
//!   both parties once bonded) or by settlement on its final outcome, which the disputes side
//!   delivers through [`OutcomeHandler`]: on-time delivery pays the carrier and frees the bond;
//!   a faulted delivery pays the carrier and schedules a proportional slash of the bond with the
//!   shipper as beneficiary; lost cargo refunds the shipper and schedules a full slash.
//! - Expiries run from a bounded per-block queue (a full block's spill into the next ones): the
//!   hook never looks at other orders.
//! - Ended orders leave a compact [`OrderRecord`] (outcome, value, bond and the money moved);
//!   their history is in the events.

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
pub const LOG_TARGET: &str = "runtime::fulfillment";

/// How many blocks after the first full one an order's expiry may move to: with
/// `MaxExpiriesPerBlock` each, the orders that may share one `accept_by`.
pub const EXPIRY_SPILL_BLOCKS: u32 = 16;

/// The reads a cancellation may make beyond its benchmark's, which finds the order's expiry
/// place in the first block it looks at.
fn spill_search<T: pallet::Config>() -> frame_support::weights::Weight {
	use frame_support::traits::Get;
	T::DbWeight::get().reads(EXPIRY_SPILL_BLOCKS.saturating_sub(1).into())
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		traits::{fungible, UnixTime},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{FixedU128, Perbill};
	use surety_primitives::{
		protocol::{AttestationHandler, OrderId, SlashScheduler},
		queue,
	};

	/// The in-code storage version: 1 since order records keep value and bond
	/// ([`migrations::v1`]).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A carrier's stake, bonds allocated from it included.
		CarrierStake,
		/// A shipper's payment and attestation fee for its live orders.
		OrderEscrow,
	}

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// The currency stakes and escrows are held in.
		type Currency: fungible::Mutate<Self::AccountId>
			+ fungible::hold::Mutate<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::hold::Balanced<Self::AccountId>;

		/// Wall-clock time, for delivery deadlines.
		type UnixTime: UnixTime;

		/// The attestation side: committees for accepted orders, and their fees.
		type Attestation: AttestationHandler<Self::AccountId, BalanceOf<Self>>;

		/// The slashing side: where faults are scheduled.
		type Slasher: SlashScheduler<Self::AccountId, BalanceOf<Self>>;

		/// Smallest stake a carrier can register with or keep active.
		#[pallet::constant]
		type MinCarrierStake: Get<BalanceOf<Self>>;

		/// Blocks between an unbond request and the withdrawal of its funds.
		#[pallet::constant]
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// Unbonding requests a carrier can have outstanding.
		#[pallet::constant]
		type MaxUnbondingChunks: Get<u32>;

		/// Escrowed with each order's payment; paid to the attestation side on settlement.
		#[pallet::constant]
		type AttestationFee: Get<BalanceOf<Self>>;

		/// Smallest payment an order can offer.
		#[pallet::constant]
		type MinPayment: Get<BalanceOf<Self>>;

		/// How far ahead `accept_by` may be, in blocks.
		#[pallet::constant]
		type MaxAcceptWindow: Get<BlockNumberFor<Self>>;

		/// How far ahead `deliver_by` may be, in milliseconds.
		#[pallet::constant]
		type MaxDeliveryHorizon: Get<u64>;

		/// Largest grace an order may grant, in milliseconds.
		#[pallet::constant]
		type MaxGrace: Get<u64>;

		/// Orders that can expire in one block: bounds the hook's work.
		#[pallet::constant]
		type MaxExpiriesPerBlock: Get<u32>;

		/// Collateral ratio of a carrier with the neutral score.
		#[pallet::constant]
		type BaseCollateralRatio: Get<Perbill>;

		/// Lowest collateral ratio, however good the record.
		#[pallet::constant]
		type MinCollateralRatio: Get<Perbill>;

		/// Highest collateral ratio, however bad the record.
		#[pallet::constant]
		type MaxCollateralRatio: Get<Perbill>;

		/// Most open order value a carrier may carry per unit of active stake.
		#[pallet::constant]
		type MaxLeverage: Get<FixedU128>;

		/// Score of a new carrier.
		#[pallet::constant]
		type NeutralScore: Get<Perbill>;

		/// Weight of the latest outcome in the score's moving average.
		#[pallet::constant]
		type ReputationSmoothing: Get<Perbill>;

		/// Weights of this pallet's calls and hook.
		type WeightInfo: WeightInfo;

		/// Sets up the other protocol pallets for benchmarks (e.g. attesters for a committee).
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: crate::benchmarking::BenchmarkHelper<Self::AccountId>;
	}

	/// Registered carriers.
	#[pallet::storage]
	pub type Carriers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, CarrierLedger<T>>;

	/// The id the next order gets.
	#[pallet::storage]
	pub type NextOrderId<T> = StorageValue<_, OrderId, ValueQuery>;

	/// Live orders: open or bonded.
	#[pallet::storage]
	pub type Orders<T: Config> =
		StorageMap<_, Twox64Concat, OrderId, Order<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>>;

	/// What remains of ended orders.
	#[pallet::storage]
	pub type OrderRecords<T: Config> = StorageMap<
		_,
		Twox64Concat,
		OrderId,
		OrderRecord<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
	>;

	/// Orders by the block whose hook expires them if they are still open: the block after their
	/// `accept_by`, or one of the next [`EXPIRY_SPILL_BLOCKS`] when that block's queue is full.
	/// An accepted order keeps its entry (taking it out would cost the accept a read and a
	/// write) and the hook skips it; a cancelled one gives its entry back.
	#[pallet::storage]
	pub type ExpiryQueue<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<OrderId, T::MaxExpiriesPerBlock>,
		ValueQuery,
	>;

	/// Where the last expiry search that spilled found room: `(wanted block, found block)`,
	/// so the next search for the same block skips the full queues before it (see
	/// `surety_primitives::queue`).
	#[pallet::storage]
	pub type ExpirySpillHint<T: Config> =
		StorageValue<_, (BlockNumberFor<T>, BlockNumberFor<T>), OptionQuery>;

	/// Sum of all carriers' active stake.
	#[pallet::storage]
	pub type TotalActiveStake<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// Sum of the declared value of all bonded orders.
	#[pallet::storage]
	pub type TotalOpenValue<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// Carriers' standing offers, one at most per registered carrier (see [`BookingOffer`]).
	#[pallet::storage]
	pub type Offers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, OfferOf<T>>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A carrier registered with `stake` on hold.
		CarrierRegistered { carrier: T::AccountId, stake: BalanceOf<T> },
		/// A carrier added `amount` to its stake.
		StakeBonded { carrier: T::AccountId, amount: BalanceOf<T> },
		/// A carrier started unbonding `amount`, withdrawable from block `unlock_at`.
		StakeUnbonding { carrier: T::AccountId, amount: BalanceOf<T>, unlock_at: BlockNumberFor<T> },
		/// Unbonded stake was released from hold.
		StakeWithdrawn { carrier: T::AccountId, amount: BalanceOf<T> },
		/// A carrier with no stake left was removed.
		CarrierDeregistered { carrier: T::AccountId },
		/// A shipper created an order and escrowed `escrow` (payment and attestation fee).
		OrderCreated {
			order: OrderId,
			shipper: T::AccountId,
			value: BalanceOf<T>,
			payment: BalanceOf<T>,
			escrow: BalanceOf<T>,
		},
		/// A carrier accepted an order, allocating `bond` from its stake.
		OrderAccepted { order: OrderId, carrier: T::AccountId, bond: BalanceOf<T> },
		/// A carrier set its standing offer: orders that fit it are bonded when booked.
		OfferSet { carrier: T::AccountId, offer: OfferOf<T> },
		/// A carrier's standing offer ended: withdrawn, its last booking used, or the carrier
		/// deregistered.
		OfferWithdrawn { carrier: T::AccountId },
		/// One party of a bonded order asked to cancel it; the other's consent cancels it.
		CancellationRequested { order: OrderId, by: Party },
		/// An order was cancelled and `refund` returned to the shipper.
		OrderCancelled { order: OrderId, refund: BalanceOf<T> },
		/// No carrier accepted in time; `refund` returned to the shipper.
		OrderExpired { order: OrderId, refund: BalanceOf<T> },
		/// An order was settled on its final outcome.
		OrderSettled {
			order: OrderId,
			end: OrderEnd,
			paid_to_carrier: BalanceOf<T>,
			refunded: BalanceOf<T>,
			slash_scheduled: BalanceOf<T>,
		},
		/// A carrier's score changed after a settlement.
		ReputationUpdated { carrier: T::AccountId, score: Perbill },
		/// A pending slash took `amount` from a carrier's stake.
		CarrierSlashed { carrier: T::AccountId, amount: BalanceOf<T> },
		/// A pending slash was cancelled or reduced: `amount` is free again.
		SlashReservationReleased { carrier: T::AccountId, amount: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a carrier. Use `bond_extra` to add stake.
		AlreadyRegistered,
		/// The account is not a registered carrier. Register with `register_carrier` first.
		NotCarrier,
		/// The stake would be below `MinCarrierStake`. Bond more, or unbond everything.
		StakeBelowMinimum,
		/// Not enough free balance to hold the amount (stake or escrow).
		InsufficientBalance,
		/// An amount of zero was given.
		ZeroAmount,
		/// More than the carrier's free stake (not allocated, reserved or unbonding).
		InsufficientFreeStake,
		/// The carrier already has `MaxUnbondingChunks` unbonding requests: withdraw first.
		TooManyUnbondingChunks,
		/// No unbonding stake has reached its unlock block yet.
		NothingToWithdraw,
		/// The order's cargo value is zero.
		ZeroValue,
		/// The payment is below `MinPayment`.
		PaymentBelowMinimum,
		/// `accept_by` is not after the current block.
		AcceptDeadlinePassed,
		/// `accept_by` is more than `MaxAcceptWindow` blocks ahead.
		AcceptWindowTooLong,
		/// `deliver_by` is not in the future.
		DeliveryDeadlinePassed,
		/// `deliver_by` is more than `MaxDeliveryHorizon` ahead.
		DeliveryTooFar,
		/// `grace` is longer than `MaxGrace`.
		GraceTooLong,
		/// The temperature band's minimum is above its maximum.
		InvalidTemperatureBand,
		/// The named carrier is the shipper itself.
		CarrierIsShipper,
		/// `MaxExpiriesPerBlock` orders already expire in the block after `accept_by` and in each
		/// of the [`EXPIRY_SPILL_BLOCKS`] blocks after it: choose another `accept_by`.
		ExpiryQueueFull,
		/// No live order has this id.
		OrderNotFound,
		/// Only the order's shipper may do this.
		NotShipper,
		/// Only the order's carrier may do this.
		NotOrderCarrier,
		/// The order has been accepted already.
		NotOpen,
		/// The order has not been accepted.
		NotBonded,
		/// The order names another carrier.
		NotNamedCarrier,
		/// The order's `accept_by` block has passed.
		AcceptWindowClosed,
		/// Accepting would take the carrier's open order value past `MaxLeverage` × stake.
		LeverageExceeded,
		/// This party has already asked to cancel the order.
		CancellationAlreadyRequested,
		/// The carrier still has bonded orders or reserved slashes.
		CarrierBusy,
		/// A booking must name its carrier.
		NoCarrierNamed,
		/// The carrier has no standing offer.
		NoOffer,
		/// An offer must allow at least one booking.
		ZeroBookings,
		/// The carrier's offer is reserved for another shipper.
		OfferNotForShipper,
		/// The cargo value is above the offer's `max_value`.
		OfferValueTooHigh,
		/// The payment is below the offer's `min_payment`.
		OfferPaymentTooLow,
		/// `deliver_by` is sooner than the offer's `min_lead` from now.
		OfferLeadTooShort,
		/// The order has a temperature band and the offer takes none.
		OfferNoTemperatureControl,
		/// An internal invariant was violated; the state is unchanged.
		Defensive,
	}

	/// Carriers registered at genesis, so a new chain can take orders at once.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Each carrier and the stake it registers with (taken from its genesis balance).
		pub carriers: alloc::vec::Vec<(T::AccountId, BalanceOf<T>)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (carrier, stake) in &self.carriers {
				// A genesis that cannot be built must not start a chain.
				Pallet::<T>::do_register_carrier(carrier.clone(), *stake)
					.expect("a genesis carrier is funded, registered once, above the minimum");
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::expire_orders(now)
		}

		fn integrity_test() {
			assert!(
				T::MinCollateralRatio::get() <= T::BaseCollateralRatio::get()
					&& T::BaseCollateralRatio::get() <= T::MaxCollateralRatio::get(),
				"collateral ratios must satisfy min <= base <= max"
			);
			assert!(!T::MinCollateralRatio::get().is_zero(), "a bond of zero secures nothing");
			assert!(T::MaxExpiriesPerBlock::get() > 0, "orders must be able to expire");
			assert!(T::MaxUnbondingChunks::get() > 0, "carriers must be able to unbond");
			assert!(!T::MinCarrierStake::get().is_zero(), "MinCarrierStake must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Registers the caller as a carrier with `stake` on hold.
		///
		/// Origin: signed. Errors: `AlreadyRegistered`, `StakeBelowMinimum`,
		/// `InsufficientBalance`. Event: `CarrierRegistered`.
		#[pallet::call_index(0)]
		pub fn register_carrier(origin: OriginFor<T>, stake: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register_carrier(who, stake)
		}

		/// Adds `amount` to the caller's stake.
		///
		/// Origin: a carrier. Errors: `NotCarrier`, `ZeroAmount`, `InsufficientBalance`.
		/// Event: `StakeBonded`.
		#[pallet::call_index(1)]
		pub fn bond_extra(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_bond_extra(who, amount)
		}

		/// Starts unbonding `amount` of free stake; it stays on hold, and slashable, for
		/// `UnbondingPeriod` blocks. Stake allocated to orders or reserved for pending slashes
		/// cannot be unbonded, so faults committed before the request are always covered.
		///
		/// Origin: a carrier. Errors: `NotCarrier`, `ZeroAmount`, `InsufficientFreeStake`,
		/// `StakeBelowMinimum` (what stays active must be zero or at least the minimum),
		/// `TooManyUnbondingChunks`. Event: `StakeUnbonding`.
		#[pallet::call_index(2)]
		pub fn unbond(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unbond(who, amount)
		}

		/// Releases all unbonding stake whose unlock block has come. A carrier left with no
		/// stake, no orders and no pending slashes is deregistered.
		///
		/// Origin: a carrier. Errors: `NotCarrier`, `NothingToWithdraw`.
		/// Events: `StakeWithdrawn`, `CarrierDeregistered`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded(T::MaxUnbondingChunks::get()))]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw_unbonded(who)
		}

		/// Creates an order and escrows its payment plus `AttestationFee`.
		///
		/// Origin: signed (the shipper). Errors: `ZeroValue`, `PaymentBelowMinimum`,
		/// `AcceptDeadlinePassed`, `AcceptWindowTooLong`, `DeliveryDeadlinePassed`,
		/// `DeliveryTooFar`, `GraceTooLong`, `InvalidTemperatureBand`, `CarrierIsShipper`,
		/// `ExpiryQueueFull`, `InsufficientBalance`; nothing is held on error.
		/// Event: `OrderCreated`.
		/// Weighed for the longest search for an expiry block with room (every full block read,
		/// the hint read and written); charged for the full blocks it read, hint included.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::create_order(EXPIRY_SPILL_BLOCKS - 1))]
		pub fn create_order(
			origin: OriginFor<T>,
			terms: OrderTerms<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let (_, spilled) = Self::do_create_order(who, terms)?;
			// The benchmark's parameter is the full queues read; for s > 0 it measured the hint
			// read and written too, and a search reads the hint only once a queue is full.
			let (full, _) = spilled.split_hint();
			Ok(Some(T::WeightInfo::create_order(full)).into())
		}

		/// Accepts an open order: allocates the quoted bond from the caller's free stake and
		/// opens attestation for the order. (An order booked against a standing offer needs
		/// no accept: see `book`.)
		///
		/// Origin: a carrier (the named one, if the order names one). Errors: `NotCarrier`,
		/// `OrderNotFound`, `NotOpen`, `NotNamedCarrier`, `CarrierIsShipper`,
		/// `AcceptWindowClosed`, `InsufficientFreeStake`, `LeverageExceeded`, and any error of
		/// the attestation side (e.g. too few attesters). Event: `OrderAccepted`.
		///
		/// Weighed for a committee drawn among the most attesters there can be and the longest
		/// search for a deadline block with room; charged for the attesters there are and the
		/// full queues the search read.
		#[pallet::call_index(5)]
		#[pallet::weight(
			T::WeightInfo::accept_order()
				.saturating_add(T::Attestation::max_spill().weight(T::DbWeight::get()))
		)]
		pub fn accept_order(origin: OriginFor<T>, order: OrderId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let (unused, spilled) = queue::counting_spills(|| Self::do_accept_order(who, order));
			Ok(Self::charged_for_draw(T::WeightInfo::accept_order(), unused?, spilled))
		}

		/// Cancels an order. Open: at once, with a full refund. Bonded: records the shipper's
		/// request; the carrier's `release_order` then cancels it (or had already consented).
		///
		/// Origin: the order's shipper. Errors: `OrderNotFound`, `NotShipper`,
		/// `CancellationAlreadyRequested`. Events: `OrderCancelled`, `CancellationRequested`.
		///
		/// Weighed for a place given back in the last of the order's expiry blocks.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::cancel_order().saturating_add(spill_search::<T>()))]
		pub fn cancel_order(origin: OriginFor<T>, order: OrderId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel_order(who, order)
		}

		/// The carrier consents to cancel a bonded order: if the shipper asked, the order is
		/// cancelled, the shipper refunded and the bond freed; otherwise the consent is recorded
		/// for the shipper's `cancel_order`.
		///
		/// Origin: the order's carrier. Errors: `OrderNotFound`, `NotBonded`,
		/// `NotOrderCarrier`, `CancellationAlreadyRequested`. Events: `OrderCancelled`,
		/// `CancellationRequested`.
		///
		/// Weighed for a place given back in the last of the order's expiry blocks.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::release_order().saturating_add(spill_search::<T>()))]
		pub fn release_order(origin: OriginFor<T>, order: OrderId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_release_order(who, order)
		}

		/// Sets the caller's standing offer, replacing any it had: an order that names the
		/// caller and fits `offer` can then be booked, created and bonded in the shipper's one
		/// extrinsic, as if the caller had accepted it. The bond, leverage and committee checks
		/// of `accept_order` apply to each booking all the same.
		///
		/// Origin: a carrier. Errors: `NotCarrier`, `ZeroBookings`, `CarrierIsShipper` (an
		/// offer reserved for the carrier itself). Event: `OfferSet`.
		#[pallet::call_index(8)]
		pub fn set_offer(origin: OriginFor<T>, offer: OfferOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_offer(who, offer)
		}

		/// Withdraws the caller's standing offer; orders booked against it stay bonded.
		///
		/// Origin: signed. Errors: `NoOffer`. Event: `OfferWithdrawn`.
		#[pallet::call_index(9)]
		pub fn withdraw_offer(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_withdraw_offer(who)
		}

		/// Creates an order and bonds it at once against the standing offer of the carrier
		/// the terms name: `create_order` and that carrier's `accept_order` in one extrinsic.
		/// The order never waits for a carrier, so it takes no place in an expiry queue
		/// (`accept_by` is still checked as `create_order` checks it).
		///
		/// Origin: signed (the shipper). Errors: those of `create_order` but
		/// `ExpiryQueueFull`; `NoCarrierNamed`, `NoOffer`, `OfferNotForShipper`,
		/// `OfferValueTooHigh`, `OfferPaymentTooLow`, `OfferLeadTooShort`,
		/// `OfferNoTemperatureControl`; those of `accept_order` on the carrier's side
		/// (`NotCarrier`, `InsufficientFreeStake`, `LeverageExceeded`, the attestation side's);
		/// nothing is held or used of the offer on error. Events: `OrderCreated`,
		/// `OrderAccepted`, and `OfferWithdrawn` with the offer's last booking.
		///
		/// Weighed as `accept_order` is: for a committee drawn among the most attesters there
		/// can be and the longest search for a deadline block with room; charged for the
		/// attesters there are and the full queues the search read.
		#[pallet::call_index(10)]
		#[pallet::weight(
			T::WeightInfo::book()
				.saturating_add(T::Attestation::max_spill().weight(T::DbWeight::get()))
		)]
		pub fn book(
			origin: OriginFor<T>,
			terms: OrderTerms<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let (unused, spilled) = queue::counting_spills(|| Self::do_book(who, terms));
			Ok(Self::charged_for_draw(T::WeightInfo::book(), unused?, spilled))
		}
	}
}
