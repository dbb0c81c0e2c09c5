//! Types of the slashing pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::traits::fungible::{Credit, Inspect};
use scale_info::TypeInfo;
use surety_primitives::protocol::{OrderId, Reporters, StakeKind};

use crate::Config;

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Funds taken by a slash, before distribution.
pub type CreditOf<T> = Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;

/// Identifier of a slash, assigned when it is scheduled.
pub type SlashId = u64;

/// A pending slash as this runtime stores it.
pub type PendingSlashOf<T> = PendingSlash<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
>;

/// A slash waiting out its defer period. Its funds stay reserved on the offender's hold.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct PendingSlash<AccountId, Balance, BlockNumber> {
	/// Who is slashed.
	pub offender: AccountId,
	/// From which of the offender's holds.
	pub kind: StakeKind,
	/// The order the fault belongs to.
	pub order: OrderId,
	/// How much will be taken.
	pub amount: Balance,
	/// Most the beneficiary receives: the damage the fault did.
	pub compensation_cap: Balance,
	/// Who is compensated first.
	pub beneficiary: Option<AccountId>,
	/// Who shares `ReporterShare` of what remains after compensation.
	pub reporters: Reporters<AccountId>,
	/// Block at which the slash is applied.
	pub due: BlockNumber,
}

/// How an applied slash was distributed. The parts always sum to `slashed`.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Distribution<Balance> {
	/// Taken from the offender's hold.
	pub slashed: Balance,
	/// Paid to the beneficiary.
	pub compensation: Balance,
	/// Paid to the reporters, together.
	pub reporters: Balance,
	/// Handed to `OnRemainder` (the treasury).
	pub remainder: Balance,
}
