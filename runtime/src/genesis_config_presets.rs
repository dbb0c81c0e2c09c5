//! Genesis presets: the chain specs `dev` and `local` name one of these.
//!
//! - `development`: Alice is the only validator; blocks are produced and finalized at once.
//! - `local_testnet`: Alice, Bob, Charlie and Dave are bonded validators with session keys,
//!   the network the zombienet tests start.
//!
//! Both register the protocol's first participants, so an order can be tried at once: Bob and
//! Charlie are carriers ([`CARRIER_STAKE`]); Dave, Eve, Ferdie, One, Two, `//Eve//stash` and
//! `//Ferdie//stash` are attesters ([`ATTESTER_STAKE`]), enough for a first committee and a
//! fresh escalated one. Alice (sudo) is free to ship.
//!
//! Validator keys follow the convention of `--alice` and of zombienet: BABE is the sr25519
//! key of `//Name`, GRANDPA the ed25519 key of `//Name`, and the stash is `//Name//stash`.

use crate::{
	configs::TreasuryAccount, AccountId, AttestationConfig, BabeConfig, Balance, BalancesConfig,
	FulfillmentConfig, RuntimeGenesisConfig, SessionConfig, SessionKeys, StakingConfig, SudoConfig,
	BABE_GENESIS_EPOCH_CONFIG,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_genesis_builder::PresetId;
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::Perbill;
use surety_primitives::currency::UNIT;

/// What each well-known development account starts with.
pub const ENDOWMENT: Balance = 1_000_000 * UNIT;
/// What each genesis validator bonds.
pub const VALIDATOR_BOND: Balance = 100_000 * UNIT;

/// What each genesis carrier stakes.
pub const CARRIER_STAKE: Balance = 10_000 * UNIT;
/// What each genesis attester stakes.
pub const ATTESTER_STAKE: Balance = 1_000 * UNIT;

/// The genesis carriers.
pub fn genesis_carriers() -> Vec<AccountId> {
	[Sr25519Keyring::Bob, Sr25519Keyring::Charlie].iter().map(|k| k.to_account_id()).collect()
}

/// The genesis attesters.
pub fn genesis_attesters() -> Vec<AccountId> {
	[
		Sr25519Keyring::Dave,
		Sr25519Keyring::Eve,
		Sr25519Keyring::Ferdie,
		Sr25519Keyring::One,
		Sr25519Keyring::Two,
		Sr25519Keyring::EveStash,
		Sr25519Keyring::FerdieStash,
	]
	.iter()
	.map(|k| k.to_account_id())
	.collect()
}

/// A genesis validator: its stash account and the session keys it runs with.
struct Validator {
	stash: AccountId,
	keys: SessionKeys,
}

fn validator(name: Sr25519Keyring, stash: Sr25519Keyring, ed: Ed25519Keyring) -> Validator {
	Validator {
		stash: stash.to_account_id(),
		keys: SessionKeys { babe: name.public().into(), grandpa: ed.public().into() },
	}
}

fn genesis(validators: Vec<Validator>, root: AccountId, min_validators: u32) -> Value {
	let mut endowed: Vec<AccountId> = Sr25519Keyring::iter().map(|k| k.to_account_id()).collect();
	endowed.push(TreasuryAccount::get());
	let validator_count = validators.len() as u32;

	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.iter().cloned().map(|a| (a, ENDOWMENT)).collect::<Vec<_>>(),
		},
		babe: BabeConfig { epoch_config: BABE_GENESIS_EPOCH_CONFIG },
		session: SessionConfig {
			keys: validators
				.iter()
				.map(|v| (v.stash.clone(), v.stash.clone(), v.keys.clone()))
				.collect::<Vec<_>>(),
		},
		staking: StakingConfig {
			validator_count,
			minimum_validator_count: min_validators,
			stakers: validators
				.iter()
				.map(|v| {
					(
						v.stash.clone(),
						v.stash.clone(),
						VALIDATOR_BOND,
						pallet_staking::StakerStatus::<AccountId>::Validator,
					)
				})
				.collect::<Vec<_>>(),
			slash_reward_fraction: Perbill::from_percent(10),
			min_validator_bond: 1_000 * UNIT,
			min_nominator_bond: 10 * UNIT,
		},
		sudo: SudoConfig { key: Some(root) },
		fulfillment: FulfillmentConfig {
			carriers: genesis_carriers()
				.into_iter()
				.map(|c| (c, CARRIER_STAKE))
				.collect::<Vec<_>>(),
		},
		attestation: AttestationConfig {
			attesters: genesis_attesters()
				.into_iter()
				.map(|a| (a, ATTESTER_STAKE))
				.collect::<Vec<_>>(),
		},
	})
}

/// Alice alone: a chain that a single `--dev` node drives.
pub fn development_config_genesis() -> Value {
	genesis(
		vec![validator(Sr25519Keyring::Alice, Sr25519Keyring::AliceStash, Ed25519Keyring::Alice)],
		Sr25519Keyring::Alice.to_account_id(),
		1,
	)
}

/// Alice, Bob, Charlie and Dave: the 4-validator local network.
pub fn local_testnet_genesis() -> Value {
	use Ed25519Keyring as E;
	use Sr25519Keyring as S;
	genesis(
		vec![
			validator(S::Alice, S::AliceStash, E::Alice),
			validator(S::Bob, S::BobStash, E::Bob),
			validator(S::Charlie, S::CharlieStash, E::Charlie),
			validator(S::Dave, S::DaveStash, E::Dave),
		],
		S::Alice.to_account_id(),
		2,
	)
}

/// The JSON patch of the preset `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

/// The names of the presets this runtime has.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
