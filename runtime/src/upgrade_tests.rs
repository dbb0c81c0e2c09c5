//! Runtime upgrades: this runtime's `Migrations`, run by `Executive` as on the first block
//! after a `set_code`, on a chain the previous release (spec 100) left with open and bonded
//! orders, a committee collecting reports, ended orders and a pending slash. The checks are
//! the ones try-runtime makes against live state: each migration's pre/post-upgrade checks,
//! every pallet's try-state, and here also that nothing outside what a migration owns changed.

use codec::{Decode, Encode};
use frame_support::{
	assert_ok,
	storage::unhashed,
	storage::StoragePrefixedMap,
	traits::{Get, GetStorageVersion, StorageVersion},
	weights::Weight,
};
use sp_keyring::Sr25519Keyring;
use surety_primitives::{api::OrderStage, currency::UNIT};

use crate::{
	surety_api as api,
	tests::{
		advance, all_storage, attest_all, delivered, genesis, protocol_try_state,
		register_attesters, HOUR_MS, T0,
	},
	AccountId, Attestation, Balances, Executive, Fulfillment, Runtime, RuntimeOrigin, System,
	VERSION,
};
use pallet_attestation::{
	migrations::{v1 as attestation_v1, v2 as attestation_v2, v3 as attestation_v3},
	Attesters, Candidates,
};
use pallet_fulfillment::{migrations::v1, OrderEnd, OrderRecords, OrderTerms};
use sp_genesis_builder::DEV_RUNTIME_PRESET;

fn shipper() -> AccountId {
	Sr25519Keyring::Alice.to_account_id()
}

fn carrier() -> AccountId {
	Sr25519Keyring::Bob.to_account_id()
}

fn create_order(accept_by: u32) -> u64 {
	let id = pallet_fulfillment::NextOrderId::<Runtime>::get();
	assert_ok!(Fulfillment::create_order(
		RuntimeOrigin::signed(shipper()),
		OrderTerms {
			value: 1_000 * UNIT,
			payment: 50 * UNIT,
			carrier: None,
			accept_by,
			deliver_by: T0 + HOUR_MS,
			grace: 0,
			temperature: None,
			reference: None,
		}
	));
	id
}

fn bonded_order() -> u64 {
	let id = create_order(1_000);
	assert_ok!(Fulfillment::accept_order(RuntimeOrigin::signed(carrier()), id));
	id
}

/// The orders of the chain runtime 100 left.
struct InFlight {
	open: u64,
	attesting: u64,
	cancelled: u64,
	slashed: u64,
}

/// The dev chain with orders at every stage, then rewritten to what runtime 100 stored: order
/// records and attester ledgers in their v0 layouts, both pallets at storage version 0, spec
/// 100 last run.
fn chain_left_by_runtime_100() -> InFlight {
	System::set_block_number(1);
	pallet_timestamp::Now::<Runtime>::put(T0);
	register_attesters();
	let slashed = bonded_order();
	attest_all(slashed, delivered(T0 + 3 * HOUR_MS));
	let cancelled = create_order(1_000);
	assert_ok!(Fulfillment::cancel_order(RuntimeOrigin::signed(shipper()), cancelled));
	advance(<Runtime as pallet_disputes::Config>::DisputeWindow::get());
	assert_eq!(OrderRecords::<Runtime>::get(slashed).unwrap().end, OrderEnd::DeliveredWithFault);
	assert_eq!(api::pending_slashes(carrier()).len(), 1, "the late delivery's slash is pending");
	let open = create_order(1_000);
	let attesting = bonded_order();

	for (id, record) in OrderRecords::<Runtime>::iter() {
		let v0 = v1::v0::OrderRecord::from(record);
		unhashed::put_raw(&OrderRecords::<Runtime>::hashed_key_for(id), &v0.encode());
	}
	StorageVersion::new(0).put::<Fulfillment>();
	// Runtime 100 kept every seat in the ledger and the candidate entries without them.
	let ledgers: Vec<AccountId> = Attesters::<Runtime>::iter_keys().collect();
	for who in ledgers {
		let info = Attestation::attester(&who).expect("registered");
		let v0 = attestation_v1::v0::AttesterInfo {
			stake: info.stake,
			seats: info.seats,
			score: info.score,
			judged: info.judged,
			faults: info.faults,
		};
		unhashed::put_raw(&Attesters::<Runtime>::hashed_key_for(&who), &v0.encode());
	}
	let entries: Vec<attestation_v2::V1Entry<Runtime>> =
		Candidates::<Runtime>::get().into_iter().map(|c| (c.who, c.active, c.free)).collect();
	unhashed::put_raw(&Candidates::<Runtime>::hashed_key(), &entries.encode());
	StorageVersion::new(0).put::<Attestation>();
	frame_system::LastRuntimeUpgrade::<Runtime>::put(frame_system::LastRuntimeUpgradeInfo {
		spec_version: 100.into(),
		spec_name: VERSION.spec_name.clone(),
	});
	InFlight { open, attesting, cancelled, slashed }
}

/// Whether a key belongs to what a migration owns: the order records, the attester ledgers,
/// the candidate list and the two pallets' versions.
fn migrated(key: &[u8]) -> bool {
	key.starts_with(&OrderRecords::<Runtime>::final_prefix())
		|| key == StorageVersion::storage_key::<Fulfillment>()
		|| key.starts_with(&Attesters::<Runtime>::final_prefix())
		|| key == Candidates::<Runtime>::hashed_key()
		|| key == StorageVersion::storage_key::<Attestation>()
}

#[test]
fn the_upgrade_from_runtime_100_migrates_records_and_ledgers_and_keeps_everything_in_flight() {
	genesis(DEV_RUNTIME_PRESET).execute_with(|| {
		let orders = chain_left_by_runtime_100();
		let frame_system_upgraded = frame_system::LastRuntimeUpgrade::<Runtime>::get()
			.is_some_and(|last| last.was_upgraded(&VERSION));
		assert!(frame_system_upgraded, "this spec counts as an upgrade from 100");
		let before = all_storage();
		let checked = v1::pre_upgrade_check::<Runtime>();
		let ledgers = attestation_v1::pre_upgrade_check::<Runtime>();
		let candidates = attestation_v2::pre_upgrade_check::<Runtime>();
		// v3 runs on what v2 writes: the same entries, each owing no seat.
		let v2_written: Vec<attestation_v2::V2Entry<Runtime>> =
			Vec::<attestation_v2::V1Entry<Runtime>>::decode(&mut &candidates[..])
				.expect("the v1 entries")
				.into_iter()
				.map(|(who, active, free)| (who, active, free, 0))
				.collect();
		let pending = api::pending_slashes(carrier());
		let bob = api::carrier(carrier()).unwrap();

		Executive::execute_on_runtime_upgrade();

		v1::post_upgrade_check::<Runtime>(checked).expect("v1's post-upgrade check");
		attestation_v1::post_upgrade_check::<Runtime>(ledgers)
			.expect("attestation v1's post-upgrade check");
		attestation_v2::post_upgrade_check::<Runtime>(candidates)
			.expect("attestation v2's post-upgrade check");
		attestation_v3::post_upgrade_check::<Runtime>(v2_written.encode())
			.expect("attestation v3's post-upgrade check");
		protocol_try_state().expect("protocol invariants");
		assert_eq!(Fulfillment::on_chain_storage_version(), StorageVersion::new(1));
		assert_eq!(Attestation::on_chain_storage_version(), StorageVersion::new(3));
		let after = all_storage();
		let untouched = |pairs: &[(Vec<u8>, Vec<u8>)]| {
			pairs.iter().filter(|(k, _)| !migrated(k)).cloned().collect::<Vec<_>>()
		};
		assert_eq!(untouched(&after), untouched(&before), "only the migrations' keys changed");
		assert_eq!(after.len(), before.len());

		// The views the RPC serves: records from runtime 100 show no value or bond.
		for ended in [orders.cancelled, orders.slashed] {
			let view = api::order(ended).unwrap();
			assert_eq!((view.value, view.bond), (0, 0));
			assert!(matches!(view.stage, OrderStage::Ended { .. }));
		}
		assert_eq!(api::order(orders.open).unwrap().stage, OrderStage::Open { accept_by: 1_000 });
		assert_eq!(api::order(orders.attesting).unwrap().stage, OrderStage::Attesting { round: 1 });
		assert_eq!(api::pending_slashes(carrier()), pending);
		assert_eq!(api::carrier(carrier()).unwrap(), bob);

		// The chain goes on under this runtime: the slash compensates the shipper, and the
		// bonded order settles into a record that keeps its value and bond, its fee credited to
		// the members who agreed, each of whom can claim it.
		let bond = api::order(orders.attesting).unwrap().bond;
		let paid_before = Balances::free_balance(shipper());
		advance(<Runtime as pallet_slashing::Config>::SlashDeferPeriod::get());
		assert!(api::pending_slashes(carrier()).is_empty());
		assert!(Balances::free_balance(shipper()) > paid_before, "the shipper got the slash");
		let members: Vec<AccountId> =
			pallet_attestation::Committees::<Runtime>::get(orders.attesting)
				.expect("collecting")
				.members
				.into_iter()
				.map(|m| m.who)
				.collect();
		attest_all(orders.attesting, delivered(T0));
		advance(<Runtime as pallet_disputes::Config>::DisputeWindow::get());
		let record = OrderRecords::<Runtime>::get(orders.attesting).expect("settled");
		assert_eq!(record.end, OrderEnd::DeliveredOnTime);
		assert_eq!((record.value, record.bond), (1_000 * UNIT, bond));
		let fees: Vec<u128> =
			members.iter().map(|m| Attestation::attester(m).expect("registered").fees).collect();
		let fee = <Runtime as pallet_fulfillment::Config>::AttestationFee::get();
		assert_eq!(fees.iter().sum::<u128>(), fee, "the fee is credited in full: {fees:?}");
		let balance = Balances::free_balance(&members[0]);
		assert_ok!(Attestation::claim_fees(RuntimeOrigin::signed(members[0].clone())));
		assert_eq!(Balances::free_balance(&members[0]), balance + fees[0]);
		protocol_try_state().expect("protocol invariants");
	});
}

#[test]
fn a_chain_that_started_with_this_runtime_has_nothing_to_migrate() {
	genesis(DEV_RUNTIME_PRESET).execute_with(|| {
		assert_eq!(Fulfillment::on_chain_storage_version(), StorageVersion::new(1));
		assert_eq!(Attestation::on_chain_storage_version(), StorageVersion::new(3));
		let root = sp_io::storage::root(sp_runtime::StateVersion::V1);
		Executive::execute_on_runtime_upgrade();
		assert_eq!(sp_io::storage::root(sp_runtime::StateVersion::V1), root);
	});
}

/// The v1 migration runs in one block: it must fit in one for the number of records a chain
/// may have when it upgrades. Past the figure this test prints, it needs to become a
/// multi-block migration.
#[test]
fn the_v1_migration_of_ten_thousand_records_fits_in_a_block() {
	const RECORDS: u64 = 10_000;
	genesis(DEV_RUNTIME_PRESET).execute_with(|| {
		for id in 0..RECORDS {
			let record = v1::v0::OrderRecord {
				shipper: shipper(),
				carrier: Some(carrier()),
				end: OrderEnd::DeliveredOnTime,
				paid_to_carrier: 50 * UNIT,
				refunded: 0u128,
				slash_scheduled: 0u128,
				ended_at: 1u32,
			};
			unhashed::put_raw(&OrderRecords::<Runtime>::hashed_key_for(id), &record.encode());
		}
		StorageVersion::new(0).put::<Fulfillment>();
		let weight = Executive::execute_on_runtime_upgrade();
		assert_eq!(OrderRecords::<Runtime>::iter().count() as u64, RECORDS);

		let block: Weight = <Runtime as frame_system::Config>::BlockWeights::get().max_block;
		let db = <Runtime as frame_system::Config>::DbWeight::get();
		let per_record = db.reads_writes(1, 1).ref_time();
		println!(
			"v1 over {RECORDS} records: {:.1} % of a block; a block holds {} records",
			weight.ref_time() as f64 * 100.0 / block.ref_time() as f64,
			block.ref_time() / per_record
		);
		assert!(weight.all_lte(block), "{weight:?} exceeds a block ({block:?})");
	});
}
