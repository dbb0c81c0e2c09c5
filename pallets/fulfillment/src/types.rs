//! Types of the fulfillment pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::*, traits::fungible::Inspect};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;
use sp_runtime::{Perbill, Saturating};
use surety_primitives::{stake::StakeLedger, Moment};

use crate::Config;

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// An agreed temperature range for the cargo, in centi-°C.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct TemperatureBand {
	/// Lowest allowed temperature.
	pub min_centi_c: i32,
	/// Highest allowed temperature.
	pub max_centi_c: i32,
}

/// What a shipper asks for and offers (protocol §2).
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct OrderTerms<AccountId, Balance, BlockNumber> {
	/// Declared value of the cargo: the base of the carrier's bond and the cap of compensation.
	pub value: Balance,
	/// Paid to the carrier on delivery.
	pub payment: Balance,
	/// Only this carrier may accept, when set.
	pub carrier: Option<AccountId>,
	/// Last block at which a carrier can accept; the order is refunded after it.
	pub accept_by: BlockNumber,
	/// Delivery deadline (unix milliseconds).
	pub deliver_by: Moment,
	/// Lateness tolerated before it is a fault (milliseconds).
	pub grace: Moment,
	/// Temperature range the cargo must stay in, if any.
	pub temperature: Option<TemperatureBand>,
	/// Digest of an off-chain document (e.g. the bill of lading), if any.
	pub reference: Option<sp_core::H256>,
}

/// Which party asked to cancel a bonded order.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Party {
	/// The shipper called `cancel_order`.
	Shipper,
	/// The carrier called `release_order`.
	Carrier,
}

/// Where a live order stands.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub enum OrderStatus<AccountId, Balance> {
	/// Waiting for a carrier.
	Open,
	/// A carrier accepted and allocated `bond` from its stake; attestation is under way.
	Bonded {
		/// The carrier.
		carrier: AccountId,
		/// The bond allocated from the carrier's stake.
		bond: Balance,
		/// One party asked to cancel; the other's consent cancels the order.
		cancel_requested_by: Option<Party>,
	},
}

/// A live order: open or bonded. Ended orders leave an [`OrderRecord`].
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Order<AccountId, Balance, BlockNumber> {
	/// Who created it and escrowed its payment and fee.
	pub shipper: AccountId,
	/// The agreed terms.
	pub terms: OrderTerms<AccountId, Balance, BlockNumber>,
	/// The attestation fee escrowed with the payment.
	pub fee: Balance,
	/// Open or bonded.
	pub status: OrderStatus<AccountId, Balance>,
}

impl<AccountId, Balance: Saturating + Copy, BlockNumber> Order<AccountId, Balance, BlockNumber> {
	/// Everything held from the shipper for this order.
	pub fn escrow(&self) -> Balance {
		self.terms.payment.saturating_add(self.fee)
	}
}

pub use surety_primitives::protocol::OrderEnd;

/// What remains of an ended order: its outcome and the money it moved.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct OrderRecord<AccountId, Balance, BlockNumber> {
	/// The shipper.
	pub shipper: AccountId,
	/// The carrier, if one accepted.
	pub carrier: Option<AccountId>,
	/// The declared cargo value (zero in records written before storage version 1).
	pub value: Balance,
	/// The carrier's bond, zero if none accepted (and in records written before storage
	/// version 1).
	pub bond: Balance,
	/// How it ended.
	pub end: OrderEnd,
	/// Paid to the carrier.
	pub paid_to_carrier: Balance,
	/// Returned to the shipper.
	pub refunded: Balance,
	/// Scheduled to be slashed from the carrier's bond.
	pub slash_scheduled: Balance,
	/// Block at which it ended.
	pub ended_at: BlockNumber,
}

/// A carrier's stake and what is committed from it. All of `stake.total` is on the
/// `CarrierStake` hold; bonds of bonded orders are its allocation.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	frame_support::DefaultNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct CarrierLedger<T: Config> {
	/// The stake; bonds allocated to bonded orders; reservations for pending slashes; stake
	/// on its way out, still slashable until withdrawn.
	pub stake: StakeLedger<BalanceOf<T>, BlockNumberFor<T>, T::MaxUnbondingChunks>,
	/// Declared value of the bonded orders (the numerator of the carrier's leverage).
	pub open_value: BalanceOf<T>,
	/// Number of bonded orders.
	pub open_orders: u32,
	/// Performance score (exponential moving average of settled outcomes).
	pub score: Perbill,
	/// Orders settled.
	pub settled: u32,
	/// Settled orders that were faulted or lost.
	pub faults: u32,
}

/// A carrier's standing offer: an order naming the carrier that fits these terms is bonded as
/// it is created, by the shipper's `book`, with no `accept_order` of the carrier's. What a
/// carrier would otherwise check before accepting, it states here once.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct BookingOffer<AccountId, Balance> {
	/// Only this shipper may book, when set (a contract with one shipper).
	pub shipper: Option<AccountId>,
	/// Largest declared cargo value taken.
	pub max_value: Balance,
	/// Smallest payment taken.
	pub min_payment: Balance,
	/// Shortest time from booking to `deliver_by` taken (milliseconds).
	pub min_lead: Moment,
	/// Whether orders with a temperature band are taken.
	pub temperature_controlled: bool,
	/// Bookings left: each one uses one, and the offer ends with the last.
	pub remaining: u32,
}

/// A carrier's standing offer in this pallet's types.
pub type OfferOf<T> = BookingOffer<<T as frame_system::Config>::AccountId, BalanceOf<T>>;
