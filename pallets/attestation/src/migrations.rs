//! Storage migrations of the attestation pallet.
//!
//! Each migration is a [`VersionedMigration`]: it runs only when the pallet's on-chain storage
//! version is its `FROM`, sets `TO` afterwards, and is a no-op (logged) on every later upgrade.
//! Its pre- and post-upgrade checks are the `try-runtime` hooks, and the runtime's upgrade tests
//! call them directly in ordinary builds.

use frame_support::{migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade};

/// v1: an attester's ledger keeps the fee shares credited to it until it claims them
/// (`claim_fees`), instead of each share being transferred when its order is judged.
pub mod v1 {
	use super::*;
	use crate::{AttesterInfo, Attesters, Config, LedgerOf, Pallet, LOG_TARGET};
	use alloc::vec::Vec;
	use codec::{Decode, Encode};
	use frame_support::{
		pallet_prelude::*,
		storage::{migration::storage_key_iter, StoragePrefixedMap},
		traits::Get,
	};
	use sp_runtime::{traits::Zero, Perbill, Saturating};

	/// The v0 layout, kept only to decode ledgers written before this migration.
	pub mod v0 {
		use super::*;

		/// An attester's ledger before v1: without credited fees.
		#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
		pub struct AttesterInfo<Ledger> {
			pub stake: Ledger,
			pub seats: u32,
			pub score: Perbill,
			pub judged: u32,
			pub faults: u32,
		}
	}

	type V0InfoOf<T> = v0::AttesterInfo<LedgerOf<T>>;

	/// The v0 → v1 translation, without the version check: use [`MigrateV0ToV1`].
	pub struct UncheckedMigrateV0ToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for UncheckedMigrateV0ToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut translated = 0u64;
			// Shares judged before v1 were paid at once: nothing is owed for them.
			Attesters::<T>::translate::<V0InfoOf<T>, _>(|_, old| {
				translated.saturating_inc();
				Some(AttesterInfo::<T> {
					stake: old.stake,
					seats: old.seats,
					score: old.score,
					judged: old.judged,
					faults: old.faults,
					fees: Zero::zero(),
				})
			});
			log::info!(target: LOG_TARGET, "v1: {translated} attester ledgers translated");
			T::DbWeight::get().reads_writes(translated, translated)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(pre_upgrade_check::<T>())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			post_upgrade_check::<T>(state)
		}
	}

	/// v0 → v1, run once: see the module docs.
	pub type MigrateV0ToV1<T> = VersionedMigration<
		0,
		1,
		UncheckedMigrateV0ToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;

	/// Before: every ledger, decoded in the v0 layout. One that does not decode is left out, and
	/// the count check after the upgrade fails on it (`translate` would have dropped it).
	pub fn pre_upgrade_check<T: Config>() -> Vec<u8> {
		let (pallet, map) = (Attesters::<T>::pallet_prefix(), Attesters::<T>::storage_prefix());
		storage_key_iter::<T::AccountId, V0InfoOf<T>, Blake2_128Concat>(pallet, map)
			.collect::<Vec<_>>()
			.encode()
	}

	/// After: the same ledgers, each with its v0 fields unchanged and nothing owed, and the
	/// pallet at storage version 1.
	pub fn post_upgrade_check<T: Config>(
		state: Vec<u8>,
	) -> Result<(), sp_runtime::TryRuntimeError> {
		let before = Vec::<(T::AccountId, V0InfoOf<T>)>::decode(&mut &state[..])
			.map_err(|_| "v1: the pre-upgrade state does not decode")?;
		ensure!(
			Attesters::<T>::iter_keys().count() == before.len(),
			"v1: the number of attesters changed"
		);
		for (who, old) in before {
			let new = Attesters::<T>::get(&who).ok_or("v1: a ledger was lost")?;
			ensure!(new.fees.is_zero(), "v1: a legacy ledger got fees");
			let kept = v0::AttesterInfo {
				stake: new.stake,
				seats: new.seats,
				score: new.score,
				judged: new.judged,
				faults: new.faults,
			};
			ensure!(kept == old, "v1: a ledger's v0 fields changed");
		}
		ensure!(
			Pallet::<T>::on_chain_storage_version() == StorageVersion::new(1),
			"v1: the storage version was not set"
		);
		Ok(())
	}
}
