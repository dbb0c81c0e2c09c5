//! Storage migrations of the fulfillment pallet.
//!
//! Each migration is a [`VersionedMigration`]: it runs only when the pallet's on-chain storage
//! version is its `FROM`, sets `TO` afterwards, and is a no-op (logged) on every later upgrade,
//! so a runtime may keep it in its `Migrations` until every chain it serves has passed it.
//!
//! Every migration has a pre-upgrade check, which returns the state it expects to survive, and a
//! post-upgrade check, which verifies it. They are the `pre_upgrade` / `post_upgrade` hooks that
//! `try-runtime` runs against live state, and the runtime's upgrade tests call them directly in
//! ordinary builds, so the checks themselves are tested in the test command.

use frame_support::{migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade};

/// v1: an ended order's record keeps the order's declared value and its carrier's bond, so a
/// shipper can read what was at stake after the order ended.
pub mod v1 {
	use super::*;
	use crate::{BalanceOf, Config, OrderEnd, OrderRecord, OrderRecords, Pallet, LOG_TARGET};
	use alloc::vec::Vec;
	use codec::{Decode, Encode};
	use frame_support::{
		pallet_prelude::*,
		storage::{migration::storage_key_iter, StoragePrefixedMap},
		traits::Get,
	};
	use frame_system::pallet_prelude::BlockNumberFor;
	use sp_runtime::{traits::Zero, Saturating};
	use surety_primitives::protocol::OrderId;

	/// The v0 layout, kept only to decode records written before this migration.
	pub mod v0 {
		use super::*;

		/// An ended order's record before v1: without value and bond.
		#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
		pub struct OrderRecord<AccountId, Balance, BlockNumber> {
			pub shipper: AccountId,
			pub carrier: Option<AccountId>,
			pub end: OrderEnd,
			pub paid_to_carrier: Balance,
			pub refunded: Balance,
			pub slash_scheduled: Balance,
			pub ended_at: BlockNumber,
		}

		/// The v0 fields of a v1 record: what the migration must leave as it was.
		impl<AccountId, Balance, BlockNumber>
			From<crate::OrderRecord<AccountId, Balance, BlockNumber>>
			for OrderRecord<AccountId, Balance, BlockNumber>
		{
			fn from(record: crate::OrderRecord<AccountId, Balance, BlockNumber>) -> Self {
				Self {
					shipper: record.shipper,
					carrier: record.carrier,
					end: record.end,
					paid_to_carrier: record.paid_to_carrier,
					refunded: record.refunded,
					slash_scheduled: record.slash_scheduled,
					ended_at: record.ended_at,
				}
			}
		}
	}

	type V0RecordOf<T> =
		v0::OrderRecord<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

	/// The v0 → v1 translation, without the version check: use [`MigrateV0ToV1`].
	pub struct UncheckedMigrateV0ToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for UncheckedMigrateV0ToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut translated = 0u64;
			// Records written before v1 never recorded the value or the bond: zero says "unknown".
			OrderRecords::<T>::translate::<V0RecordOf<T>, _>(|_, old| {
				translated.saturating_inc();
				Some(OrderRecord {
					shipper: old.shipper,
					carrier: old.carrier,
					value: Zero::zero(),
					bond: Zero::zero(),
					end: old.end,
					paid_to_carrier: old.paid_to_carrier,
					refunded: old.refunded,
					slash_scheduled: old.slash_scheduled,
					ended_at: old.ended_at,
				})
			});
			log::info!(target: LOG_TARGET, "v1: {translated} order records translated");
			T::DbWeight::get().reads_writes(translated, translated)
		}

		surety_primitives::upgrade_checks!();
	}

	/// v0 → v1, run once: see the module docs.
	pub type MigrateV0ToV1<T> = VersionedMigration<
		0,
		1,
		UncheckedMigrateV0ToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;

	/// Before: every record, decoded in the v0 layout. One that does not decode is left out,
	/// and the count check after the upgrade fails on it (`translate` would have dropped it).
	pub fn pre_upgrade_check<T: Config>() -> Vec<u8> {
		let (pallet, map) =
			(OrderRecords::<T>::pallet_prefix(), OrderRecords::<T>::storage_prefix());
		storage_key_iter::<OrderId, V0RecordOf<T>, Twox64Concat>(pallet, map)
			.collect::<Vec<_>>()
			.encode()
	}

	/// After: the same records, each with its v0 fields unchanged and no value or bond invented,
	/// and the pallet at storage version 1.
	pub fn post_upgrade_check<T: Config>(
		state: Vec<u8>,
	) -> Result<(), sp_runtime::TryRuntimeError> {
		let before = Vec::<(OrderId, V0RecordOf<T>)>::decode(&mut &state[..])
			.map_err(|_| "v1: the pre-upgrade state does not decode")?;
		ensure!(
			OrderRecords::<T>::iter_keys().count() == before.len(),
			"v1: the number of order records changed"
		);
		for (id, old) in before {
			let new = OrderRecords::<T>::get(id).ok_or("v1: a record was lost")?;
			ensure!(new.value.is_zero() && new.bond.is_zero(), "v1: a legacy record got amounts");
			ensure!(V0RecordOf::<T>::from(new) == old, "v1: a record's v0 fields changed");
		}
		ensure!(
			Pallet::<T>::on_chain_storage_version() == StorageVersion::new(1),
			"v1: the storage version was not set"
		);
		Ok(())
	}
}
