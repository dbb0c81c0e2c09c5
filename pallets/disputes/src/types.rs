//! Types of the disputes pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::*, traits::fungible::Inspect};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;
use surety_primitives::protocol::Report;

use crate::Config;

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// A case as stored.
pub type CaseOf<T> = Case<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	BlockNumberFor<T>,
	<T as Config>::MaxRounds,
>;

/// A challenge of a proposed outcome, backed by a deposit.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Dispute<AccountId, Balance> {
	/// Who disputed.
	pub who: AccountId,
	/// The committee round whose proposal was disputed.
	pub round: u8,
	/// The proposal disputed.
	pub disputed: Report,
	/// What the disputer says happened.
	pub claim: Report,
	/// Digest of the disputer's evidence.
	pub evidence: sp_core::H256,
	/// On hold until the case is final.
	pub deposit: Balance,
}

/// Where a case stands.
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
pub enum CaseStatus<BlockNumber> {
	/// A proposal is open to dispute until the hook finalizes it at block `ends`.
	Window { ends: BlockNumber },
	/// A fresh committee is re-attesting (after a dispute or a round without quorum).
	Reattesting,
	/// The committee rounds are exhausted: `ArbitrationOrigin` rules, or at block `until`
	/// the default applies (see the crate docs).
	AwaitingRuling { until: BlockNumber },
	/// The outcome is final but handing it on failed (e.g. the slashing queue was full): it is
	/// tried again at block `retry_at`.
	Finalizing { outcome: Report, retry_at: BlockNumber },
}

/// An order's way from its first proposal (or missed quorum) to its final outcome.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxRounds))]
pub struct Case<AccountId, Balance, BlockNumber, MaxRounds: Get<u32>> {
	/// The order's shipper.
	pub shipper: AccountId,
	/// The order's carrier.
	pub carrier: AccountId,
	/// The order's declared value: the base of the deposit.
	pub value: Balance,
	/// The committee round concerned (1 is the first).
	pub round: u8,
	/// Where it stands.
	pub status: CaseStatus<BlockNumber>,
	/// The latest proposed outcome, if any round reached quorum.
	pub proposed: Option<Report>,
	/// The disputes raised, at most one per round.
	pub disputes: BoundedVec<Dispute<AccountId, Balance>, MaxRounds>,
}

impl<AccountId, Balance, BlockNumber: Copy, MaxRounds: Get<u32>>
	Case<AccountId, Balance, BlockNumber, MaxRounds>
{
	/// The block of the case's timer, if its status has one.
	pub fn timer(&self) -> Option<BlockNumber> {
		match self.status {
			CaseStatus::Window { ends } => Some(ends),
			CaseStatus::AwaitingRuling { until } => Some(until),
			CaseStatus::Finalizing { retry_at, .. } => Some(retry_at),
			CaseStatus::Reattesting => None,
		}
	}
}

/// What an account has on the `DisputeDeposit` hold.
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
pub struct DepositLedger<Balance> {
	/// Deposits of live disputes.
	pub live: Balance,
	/// Forfeited deposits reserved for pending slashes.
	pub reserved: Balance,
}
