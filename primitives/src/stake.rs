//! A stake on one fungible hold and what is committed from it: the ledger carriers and
//! attesters share. It only does the arithmetic; the owning pallet moves the funds and keeps
//! the hold equal to [`StakeLedger::total`].

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{
	traits::{Get, Saturating, Zero},
	BoundedVec,
};

/// A part of a stake on its way out.
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
pub struct UnbondChunk<Balance, BlockNumber> {
	/// How much.
	pub amount: Balance,
	/// First block at which it can be withdrawn.
	pub unlock_at: BlockNumber,
}

/// Why a change to a [`StakeLedger`] was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StakeError {
	/// The amount is zero.
	ZeroAmount,
	/// More than the free stake (active, not allocated, not reserved).
	InsufficientFree,
	/// The active stake would end between zero and the minimum.
	BelowMinimum,
	/// Too many unbonding chunks; withdraw the ripe ones first.
	TooManyChunks,
	/// No unbonding chunk is ripe.
	NothingToWithdraw,
}

/// A stake and its commitments. All of `total` is on the owner's hold; `allocated` (backing
/// live obligations) and `reserved` (for pending slashes) come out of the active part, so
/// stake can only be unbonded once nothing is committed from it, and unbonding stake stays on
/// the hold, and slashable, until it is withdrawn.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
#[scale_info(skip_type_params(MaxChunks))]
pub struct StakeLedger<Balance, BlockNumber, MaxChunks: Get<u32>> {
	/// Everything on hold: active (free, allocated, reserved) and unbonding.
	pub total: Balance,
	/// Committed to live obligations (order bonds, committee seats).
	pub allocated: Balance,
	/// Reserved for pending slashes until they are applied or vetoed.
	pub reserved: Balance,
	/// Stake on its way out.
	pub unbonding: BoundedVec<UnbondChunk<Balance, BlockNumber>, MaxChunks>,
}

// Written out rather than derived: a derive would demand the bound type `MaxChunks` be
// cloneable, comparable and printable too.
impl<Balance: Clone, BlockNumber: Clone, MaxChunks: Get<u32>> Clone
	for StakeLedger<Balance, BlockNumber, MaxChunks>
{
	fn clone(&self) -> Self {
		Self {
			total: self.total.clone(),
			allocated: self.allocated.clone(),
			reserved: self.reserved.clone(),
			unbonding: self.unbonding.clone(),
		}
	}
}

impl<Balance: PartialEq, BlockNumber: PartialEq, MaxChunks: Get<u32>> PartialEq
	for StakeLedger<Balance, BlockNumber, MaxChunks>
{
	fn eq(&self, other: &Self) -> bool {
		self.total == other.total
			&& self.allocated == other.allocated
			&& self.reserved == other.reserved
			&& self.unbonding == other.unbonding
	}
}

impl<Balance: Eq, BlockNumber: Eq, MaxChunks: Get<u32>> Eq
	for StakeLedger<Balance, BlockNumber, MaxChunks>
{
}

impl<Balance: core::fmt::Debug, BlockNumber: core::fmt::Debug, MaxChunks: Get<u32>> core::fmt::Debug
	for StakeLedger<Balance, BlockNumber, MaxChunks>
{
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("StakeLedger")
			.field("total", &self.total)
			.field("allocated", &self.allocated)
			.field("reserved", &self.reserved)
			.field("unbonding", &self.unbonding)
			.finish()
	}
}

impl<Balance: Zero, BlockNumber, MaxChunks: Get<u32>> Default
	for StakeLedger<Balance, BlockNumber, MaxChunks>
{
	fn default() -> Self {
		Self {
			total: Zero::zero(),
			allocated: Zero::zero(),
			reserved: Zero::zero(),
			unbonding: BoundedVec::new(),
		}
	}
}

impl<Balance, BlockNumber, MaxChunks> StakeLedger<Balance, BlockNumber, MaxChunks>
where
	Balance: Copy + Ord + Zero + Saturating,
	BlockNumber: Copy + Ord,
	MaxChunks: Get<u32>,
{
	/// A new stake of `amount`, all of it active.
	pub fn new(amount: Balance) -> Self {
		Self { total: amount, ..Default::default() }
	}

	/// Stake being unbonded.
	pub fn unbonding_total(&self) -> Balance {
		self.unbonding.iter().fold(Zero::zero(), |acc: Balance, c| acc.saturating_add(c.amount))
	}

	/// Stake not unbonding.
	pub fn active(&self) -> Balance {
		self.total.saturating_sub(self.unbonding_total())
	}

	/// Active stake neither allocated nor reserved: what can be committed or unbonded.
	pub fn free(&self) -> Balance {
		self.active().saturating_sub(self.allocated).saturating_sub(self.reserved)
	}

	/// Whether the ledger holds nothing and owes nothing: its owner can be forgotten.
	pub fn is_empty(&self) -> bool {
		self.total.is_zero() && self.allocated.is_zero() && self.reserved.is_zero()
	}

	/// Starts unbonding `amount` of free stake, withdrawable from `unlock_at`. The active stake
	/// left must be zero or at least `minimum`.
	pub fn unbond(
		&mut self,
		amount: Balance,
		minimum: Balance,
		unlock_at: BlockNumber,
	) -> Result<(), StakeError> {
		if amount.is_zero() {
			return Err(StakeError::ZeroAmount);
		}
		if amount > self.free() {
			return Err(StakeError::InsufficientFree);
		}
		let remaining = self.active().saturating_sub(amount);
		if !remaining.is_zero() && remaining < minimum {
			return Err(StakeError::BelowMinimum);
		}
		self.unbonding
			.try_push(UnbondChunk { amount, unlock_at })
			.map_err(|_| StakeError::TooManyChunks)
	}

	/// Removes the chunks unlocked at `now` and returns their sum, which the owner then
	/// releases from the hold.
	pub fn withdraw_ripe(&mut self, now: BlockNumber) -> Result<Balance, StakeError> {
		let mut withdrawn: Balance = Zero::zero();
		self.unbonding.retain(|chunk| {
			let ripe = chunk.unlock_at <= now;
			if ripe {
				withdrawn = withdrawn.saturating_add(chunk.amount);
			}
			!ripe
		});
		if withdrawn.is_zero() {
			return Err(StakeError::NothingToWithdraw);
		}
		self.total = self.total.saturating_sub(withdrawn);
		Ok(withdrawn)
	}

	/// What a slash of `amount` may take: no more than is reserved for pending slashes.
	pub fn slashable(&self, amount: Balance) -> Balance {
		amount.min(self.reserved)
	}

	/// A slash reserved `requested` and took `taken` from the hold.
	pub fn slashed(&mut self, requested: Balance, taken: Balance) {
		self.reserved = self.reserved.saturating_sub(requested);
		self.total = self.total.saturating_sub(taken);
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_runtime::traits::ConstU32;

	type Ledger = StakeLedger<u128, u32, ConstU32<2>>;

	#[test]
	fn unbonding_takes_only_free_stake_and_respects_the_minimum() {
		let mut l = Ledger::new(100);
		l.allocated = 30;
		l.reserved = 10;
		assert_eq!(l.free(), 60);
		assert_eq!(l.unbond(61, 20, 5), Err(StakeError::InsufficientFree));
		assert_eq!(l.unbond(0, 20, 5), Err(StakeError::ZeroAmount));
		assert_eq!(l.unbond(50, 20, 5), Ok(()));
		assert_eq!(l.active(), 50);
		assert_eq!(l.unbond(5, 48, 6), Err(StakeError::BelowMinimum));
		assert_eq!(l.unbond(5, 20, 6), Ok(()));
		assert_eq!(l.unbond(1, 0, 7), Err(StakeError::TooManyChunks));
	}

	#[test]
	fn withdrawal_takes_ripe_chunks_only() {
		let mut l = Ledger::new(100);
		l.unbond(10, 0, 5).unwrap();
		l.unbond(20, 0, 9).unwrap();
		assert_eq!(l.withdraw_ripe(4), Err(StakeError::NothingToWithdraw));
		assert_eq!(l.withdraw_ripe(5), Ok(10));
		assert_eq!((l.total, l.active(), l.unbonding_total()), (90, 70, 20));
		assert_eq!(l.withdraw_ripe(100), Ok(20));
		assert_eq!((l.total, l.active()), (70, 70));
	}

	#[test]
	fn slashes_take_only_what_is_reserved() {
		let mut l = Ledger::new(100);
		l.reserved = 15;
		assert_eq!(l.slashable(40), 15);
		l.slashed(15, 15);
		assert_eq!((l.total, l.reserved), (85, 0));
		assert!(!l.is_empty());
	}
}
