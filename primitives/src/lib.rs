//! Types shared by the Surety runtime, the node and the protocol pallets.
//!
//! The node never links the runtime's logic, only these definitions, so that it keeps
//! working across runtime upgrades that do not change them.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod api;
pub mod protocol;
pub mod queue;
pub mod stake;

use sp_runtime::{
	traits::{IdentifyAccount, Verify},
	MultiSignature,
};

/// An index to a block.
pub type BlockNumber = u32;

/// Signature of a transaction: sr25519, ed25519 or ecdsa.
pub type Signature = MultiSignature;

/// An account is the public key of its signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;

/// Balance of an account, in the chain's smallest unit.
pub type Balance = u128;

/// Transaction counter of an account.
pub type Nonce = u32;

/// Hash of a block or of a piece of state.
pub type Hash = sp_core::H256;

/// Moments are milliseconds since the Unix epoch, as pallet-timestamp keeps them.
pub type Moment = u64;

/// The chain's token, as wallets show it.
pub mod currency {
	use super::Balance;

	/// Ticker shown by wallets (chain properties `tokenSymbol`).
	pub const TOKEN_SYMBOL: &str = "SURE";
	/// Decimal places of one token (chain properties `tokenDecimals`).
	pub const TOKEN_DECIMALS: u8 = 12;
	/// One token in the smallest unit.
	pub const UNIT: Balance = 10u128.pow(TOKEN_DECIMALS as u32);
	/// A thousandth of a token.
	pub const MILLI_UNIT: Balance = UNIT / 1_000;
	/// The SS58 address prefix (42: the generic Substrate prefix, until we register our own).
	pub const SS58_PREFIX: u16 = 42;
}

/// Block time and the periods derived from it.
pub mod time {
	use super::BlockNumber;

	/// Target block time. BABE's slot duration: it cannot change once a chain has started.
	pub const MILLISECS_PER_BLOCK: u64 = 3_000;
	/// Slot duration in milliseconds.
	pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;
	/// Blocks per minute.
	pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
	/// Blocks per hour.
	pub const HOURS: BlockNumber = MINUTES * 60;
	/// Blocks per day.
	pub const DAYS: BlockNumber = HOURS * 24;
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn time_constants_agree() {
		assert_eq!(time::MINUTES, 20);
		assert_eq!(time::HOURS, 1_200);
		assert_eq!(time::DAYS, 28_800);
	}

	#[test]
	fn unit_matches_decimals() {
		assert_eq!(currency::UNIT, 1_000_000_000_000);
		assert_eq!(currency::MILLI_UNIT * 1_000, currency::UNIT);
	}
}

/// The `try-runtime` hooks of an `UncheckedOnRuntimeUpgrade` in a module that defines
/// `pre_upgrade_check::<T>() -> Vec<u8>` and `post_upgrade_check::<T>(state)`: try-runtime calls
/// the checks through these hooks, the runtime's upgrade tests call them directly.
#[macro_export]
macro_rules! upgrade_checks {
	() => {
		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(pre_upgrade_check::<T>())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			post_upgrade_check::<T>(state)
		}
	};
}
