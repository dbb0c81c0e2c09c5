//! Genesis presets build a consistent NPoS genesis.

use crate::{configs::TreasuryAccount, genesis_config_presets, Runtime, RuntimeGenesisConfig};
use frame_support::genesis_builder_helper::build_state;
use sp_genesis_builder::{PresetId, DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Applies `patch` over `base` the way chain specs apply a preset to the default genesis.
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(serde_json::Value::Null), value);
			}
		}
		(base, patch) => *base = patch,
	}
}

/// The wall clock at block 1 of the runtime's tests.
pub(crate) const T0: u64 = 1_700_000_000_000;
pub(crate) const HOUR_MS: u64 = 3_600_000;

/// Advances `blocks` blocks, the clock with them, running the protocol pallets' hooks.
/// Returns the weights the hooks of the last block said they used.
pub(crate) fn advance(blocks: u32) -> [frame_support::weights::Weight; 4] {
	use crate::System;
	let mut weights = Default::default();
	for _ in 0..blocks {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		pallet_timestamp::Now::<Runtime>::mutate(|now| {
			*now += surety_primitives::time::MILLISECS_PER_BLOCK
		});
		weights = protocol_hooks(next);
	}
	weights
}

/// The protocol pallets' per-block hooks of block `n`, in the runtime's order. Returns the
/// weight each of them said it used, in that order.
pub(crate) fn protocol_hooks(n: u32) -> [frame_support::weights::Weight; 4] {
	use crate::{Attestation, Disputes, Fulfillment, Slashing};
	use frame_support::traits::Hooks;
	[
		Fulfillment::on_initialize(n),
		Attestation::on_initialize(n),
		Disputes::on_initialize(n),
		Slashing::on_initialize(n),
	]
}

/// Registers eight more attesters, `[1; 32]` to `[8; 32]`, each staking 500 SURE: enough for
/// a first round and an escalation drawn from other accounts than the genesis ones.
pub(crate) fn register_attesters() {
	use crate::{Attestation, Balances, RuntimeOrigin};
	use frame_support::traits::fungible::Mutate;
	use surety_primitives::currency::UNIT;
	for i in 1..=8u8 {
		let attester = crate::AccountId::from([i; 32]);
		Balances::set_balance(&attester, 1_000 * UNIT);
		frame_support::assert_ok!(Attestation::register_attester(
			RuntimeOrigin::signed(attester),
			500 * UNIT
		));
	}
}

/// Every member of the order's current round reports `report` (reports are taken until the
/// outcome is final, so none of them is judged missing).
pub(crate) fn attest_all(order: u64, report: surety_primitives::protocol::Report) {
	use crate::{Attestation, RuntimeOrigin};
	let committee = pallet_attestation::Committees::<Runtime>::get(order).expect("drawn");
	for member in committee.members.into_iter().filter(|m| m.round == committee.round) {
		frame_support::assert_ok!(Attestation::attest(
			RuntimeOrigin::signed(member.who),
			order,
			report,
			Default::default()
		));
	}
}

/// A report that the cargo was delivered intact at `at` (unix ms).
pub(crate) fn delivered(at: u64) -> surety_primitives::protocol::Report {
	surety_primitives::protocol::Report::Delivered {
		at,
		max_excursion_centi_c_minutes: 0,
		damage: sp_runtime::Perbill::zero(),
	}
}

/// Every key and value in storage, in key order.
pub(crate) fn all_storage() -> Vec<(Vec<u8>, Vec<u8>)> {
	let mut pairs = Vec::new();
	let mut key = Vec::new();
	while let Some(next) = sp_io::storage::next_key(&key) {
		let value = sp_io::storage::get(&next).map(|v| v.to_vec()).unwrap_or_default();
		pairs.push((next.clone(), value));
		key = next;
	}
	pairs
}

/// The four protocol pallets' invariants; an error names the pallet.
pub(crate) fn protocol_try_state() -> Result<(), (&'static str, sp_runtime::TryRuntimeError)> {
	use crate::{Attestation, Disputes, Fulfillment, Slashing};
	Fulfillment::do_try_state().map_err(|e| ("fulfillment", e))?;
	Attestation::do_try_state().map_err(|e| ("attestation", e))?;
	Disputes::do_try_state().map_err(|e| ("disputes", e))?;
	Slashing::do_try_state().map_err(|e| ("slashing", e))
}

pub(crate) fn genesis(preset: &str) -> sp_io::TestExternalities {
	let patch = genesis_config_presets::get_preset(&PresetId::from(preset))
		.unwrap_or_else(|| panic!("preset {preset} exists"));
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	merge(&mut config, serde_json::from_slice(&patch).unwrap());
	let mut ext = sp_io::TestExternalities::new_empty();
	ext.execute_with(|| {
		build_state::<RuntimeGenesisConfig>(serde_json::to_vec(&config).unwrap())
			.expect("genesis builds")
	});
	ext
}

/// Runs `test` on the dev chain at block 1, the clock at `T0`, with the extra attesters
/// registered; it gets the shipper (Alice) and the carrier (Bob, a carrier from genesis).
pub(crate) fn on_dev_chain(test: impl FnOnce(crate::AccountId, crate::AccountId)) {
	genesis(DEV_RUNTIME_PRESET).execute_with(|| {
		crate::System::set_block_number(1);
		pallet_timestamp::Now::<Runtime>::put(T0);
		register_attesters();
		test(Sr25519Keyring::Alice.to_account_id(), Sr25519Keyring::Bob.to_account_id())
	})
}

#[test]
fn presets_are_listed_and_unknown_ones_are_not() {
	let names = genesis_config_presets::preset_names();
	assert!(names.contains(&PresetId::from(DEV_RUNTIME_PRESET)));
	assert!(names.contains(&PresetId::from(LOCAL_TESTNET_RUNTIME_PRESET)));
	assert!(genesis_config_presets::get_preset(&PresetId::from("mainnet")).is_none());
}

#[test]
fn local_testnet_has_four_bonded_validators_with_session_keys() {
	genesis(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let stashes = [
			Sr25519Keyring::AliceStash,
			Sr25519Keyring::BobStash,
			Sr25519Keyring::CharlieStash,
			Sr25519Keyring::DaveStash,
		]
		.map(|k| k.to_account_id());
		assert_eq!(pallet_staking::Validators::<Runtime>::count(), 4);
		assert_eq!(pallet_session::Validators::<Runtime>::get().len(), 4);
		for stash in &stashes {
			let ledger = pallet_staking::Ledger::<Runtime>::get(stash).expect("bonded");
			assert_eq!(ledger.active, genesis_config_presets::VALIDATOR_BOND);
			assert!(pallet_session::NextKeys::<Runtime>::get(stash).is_some());
		}
		// BABE and GRANDPA authorities are the `//Name` keys the nodes run with.
		let babe: Vec<_> =
			pallet_babe::Authorities::<Runtime>::get().iter().map(|(id, _)| id.clone()).collect();
		assert!(babe.contains(&Sr25519Keyring::Bob.public().into()));
		let grandpa = pallet_grandpa::Pallet::<Runtime>::grandpa_authorities();
		assert_eq!(grandpa.len(), 4);
		assert!(grandpa.iter().any(|(id, _)| *id == Ed25519Keyring::Dave.public().into()));
	});
}

#[test]
fn development_has_alice_alone_and_sudo() {
	genesis(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(pallet_staking::Validators::<Runtime>::count(), 1);
		assert_eq!(
			pallet_session::Validators::<Runtime>::get(),
			vec![Sr25519Keyring::AliceStash.to_account_id()]
		);
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(Sr25519Keyring::Alice.to_account_id()));
		// The treasury exists from genesis, so fees and slashes sent to it are never dropped.
		assert_eq!(
			pallet_balances::Pallet::<Runtime>::free_balance(TreasuryAccount::get()),
			genesis_config_presets::ENDOWMENT
		);
	});
}

#[test]
fn genesis_issuance_is_the_sum_of_endowments() {
	genesis(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
		let accounts = Sr25519Keyring::iter().count() as u128 + 1;
		assert_eq!(
			pallet_balances::Pallet::<Runtime>::total_issuance(),
			accounts * genesis_config_presets::ENDOWMENT
		);
	});
}

#[test]
fn both_presets_register_carriers_and_enough_attesters_for_two_rounds() {
	use frame_support::traits::{fungible::InspectHold, Get};
	for preset in [DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET] {
		genesis(preset).execute_with(|| {
			for carrier in genesis_config_presets::genesis_carriers() {
				let ledger =
					pallet_fulfillment::Carriers::<Runtime>::get(&carrier).expect("carrier");
				assert_eq!(ledger.stake.total, genesis_config_presets::CARRIER_STAKE);
				assert_eq!(
					pallet_balances::Pallet::<Runtime>::balance_on_hold(
						&pallet_fulfillment::HoldReason::CarrierStake.into(),
						&carrier
					),
					genesis_config_presets::CARRIER_STAKE
				);
			}
			let attesters = genesis_config_presets::genesis_attesters();
			let first: u32 = <Runtime as pallet_attestation::Config>::CommitteeSize::get();
			let escalated: u32 =
				<Runtime as pallet_attestation::Config>::EscalationCommitteeSize::get();
			assert!(attesters.len() as u32 >= first + escalated, "a fresh escalated round fits");
			assert_eq!(pallet_attestation::Candidates::<Runtime>::get().len(), attesters.len());
			for attester in attesters {
				assert!(pallet_attestation::Attesters::<Runtime>::contains_key(&attester));
			}
		});
	}
}

/// The `surety` client's types are generated at compile time from `cli/metadata/surety.scale`,
/// which must be this runtime's metadata. `SURETY_BLESS_METADATA=1 cargo test -p
/// surety-runtime metadata` rewrites it after a runtime change.
#[test]
fn the_clients_metadata_is_this_runtimes() {
	let metadata = Runtime::metadata_at_version(15).expect("metadata v15 is supported");
	let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../cli/metadata/surety.scale");
	if std::env::var_os("SURETY_BLESS_METADATA").is_some() {
		std::fs::write(path, &*metadata).expect("cli/metadata is writable");
	}
	let committed = std::fs::read(path).unwrap_or_default();
	assert!(
		committed == *metadata,
		"{path} is not this runtime's metadata: rerun with SURETY_BLESS_METADATA=1"
	);
}
