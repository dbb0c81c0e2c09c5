//! The Surety runtime.
//!
//! A solochain secured by NPoS validators (BABE block production, GRANDPA finality,
//! pallet-staking with on-chain elections, equivocations reported through pallet-offences
//! and slashed by staking). Pallet configurations live in [`configs`], runtime APIs in
//! [`apis`], genesis presets in [`genesis_config_presets`].

#![cfg_attr(not(feature = "std"), no_std)]
// The runtime macro expands deeply.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

// Declared first: it defines the macros `apis` uses.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
#[cfg(test)]
mod bad_input_tests;
#[cfg(test)]
mod bench_state;
pub mod configs;
#[cfg(test)]
mod footprint_tests;
#[cfg(test)]
mod fuzz_tests;
pub mod genesis_config_presets;
#[cfg(test)]
mod protocol_tests;
#[cfg(test)]
mod state_growth_tests;
pub mod surety_api;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod upgrade_tests;
pub mod weights;

use alloc::{borrow::Cow, vec::Vec};
use sp_runtime::{generic, impl_opaque_keys, traits::BlakeTwo256};
use sp_version::RuntimeVersion;

pub use surety_primitives::{
	currency, time, AccountId, Balance, BlockNumber, Hash, Moment, Nonce, Signature,
};

pub use frame_system::Call as SystemCall;
pub use pallet_attestation::Call as AttestationCall;
/// A member's report signed for `attestation.attest_signed`.
pub type SignedReport = pallet_attestation::SignedReport<AccountId, Signature>;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_disputes::Call as DisputesCall;
pub use pallet_fulfillment::{Call as FulfillmentCall, OrderTerms};
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
}

impl_opaque_keys! {
	/// The keys a validator registers with `session.set_keys`.
	pub struct SessionKeys {
		pub babe: Babe,
		pub grandpa: Grandpa,
	}
}

#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: Cow::Borrowed("surety"),
	impl_name: Cow::Borrowed("surety-node"),
	authoring_version: 1,
	// Bump on every change of runtime logic; a node only imports blocks of versions it knows
	// how to execute through the on-chain wasm.
	spec_version: 109,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// BABE's epoch configuration at genesis: one primary slot leader per four slots on average,
/// secondary VRF slots filling the rest so every slot has an author.
pub const BABE_GENESIS_EPOCH_CONFIG: sp_consensus_babe::BabeEpochConfiguration =
	sp_consensus_babe::BabeEpochConfiguration {
		c: (1, 4),
		allowed_slots: sp_consensus_babe::AllowedSlots::PrimaryAndSecondaryVRFSlots,
	};

/// The address format for describing accounts.
pub type Address = sp_runtime::MultiAddress<AccountId, ()>;
/// Block header type as expected by this runtime.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type as expected by this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block with a justification.
pub type SignedBlock = generic::SignedBlock<Block>;

/// The transaction extensions every signed transaction carries.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
);

/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations run on a runtime upgrade, on top of the pallets' own hooks. Each is a
/// `VersionedMigration`: it runs on a chain whose pallet is at its `FROM` version and is a logged
/// no-op everywhere else (a chain that started with this code is already at `TO`). Remove one
/// once every chain this runtime serves has passed it. `upgrade_tests` checks each on a state
/// with live orders, bonds and pending slashes.
pub type Migrations = (
	// Runtime 101: order records keep the order's value and bond.
	pallet_fulfillment::migrations::v1::MigrateV0ToV1<Runtime>,
	// Runtime 102: attester ledgers keep the fee shares credited until claimed.
	pallet_attestation::migrations::v1::MigrateV0ToV1<Runtime>,
	// Runtime 104: candidate entries keep the seats drawn since their ledger was written.
	pallet_attestation::migrations::v2::MigrateV1ToV2<Runtime>,
	// Runtime 109: candidate entries keep the judgements agreed since their ledger was written.
	pallet_attestation::migrations::v3::MigrateV2ToV3<Runtime>,
);

/// Executive: dispatches to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

// `frame_support::runtime` takes plain crate paths; historical is a module of pallet-session.
use pallet_session::historical as pallet_session_historical;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Babe = pallet_babe;
	#[runtime::pallet_index(2)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(3)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(4)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(5)]
	pub type Authorship = pallet_authorship;
	#[runtime::pallet_index(6)]
	pub type Staking = pallet_staking;
	#[runtime::pallet_index(7)]
	pub type Offences = pallet_offences;
	#[runtime::pallet_index(8)]
	pub type Historical = pallet_session_historical;
	#[runtime::pallet_index(9)]
	pub type Session = pallet_session;
	#[runtime::pallet_index(10)]
	pub type Grandpa = pallet_grandpa;
	#[runtime::pallet_index(11)]
	pub type Utility = pallet_utility;
	#[runtime::pallet_index(12)]
	pub type Sudo = pallet_sudo;

	// The protocol.
	#[runtime::pallet_index(20)]
	pub type Fulfillment = pallet_fulfillment;
	#[runtime::pallet_index(21)]
	pub type Attestation = pallet_attestation;
	#[runtime::pallet_index(22)]
	pub type Disputes = pallet_disputes;
	#[runtime::pallet_index(23)]
	pub type Slashing = pallet_slashing;
}
