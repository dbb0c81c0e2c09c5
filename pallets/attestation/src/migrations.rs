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

	/// Before: every ledger, decoded in the v0 layout. One that does not decode is left out, and
	/// the count check after the upgrade fails on it (`translate` would have dropped it).
	pub fn pre_upgrade_check<T: Config>() -> Vec<u8> {
		let (pallet, map) = (Attesters::<T>::pallet_prefix(), Attesters::<T>::storage_prefix());
		storage_key_iter::<T::AccountId, V0InfoOf<T>, Blake2_128Concat>(pallet, map)
			.collect::<Vec<_>>()
			.encode()
	}

	/// After: the same ledgers, each with its v0 fields unchanged and nothing owed, and the
	/// pallet at storage version 1 (or a later one, when later migrations ran too).
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
			Pallet::<T>::on_chain_storage_version() >= StorageVersion::new(1),
			"v1: the storage version was not set"
		);
		Ok(())
	}
}

/// v2: a candidate entry carries the seats drawn since its attester's ledger was last written
/// (`Candidate::drawn`), so a draw writes the candidate list and no ledger. Entries written
/// before v2 owe their ledgers nothing: each gets `drawn` 0.
pub mod v2 {
	use super::*;
	use crate::{BalanceOf, Candidates, Config, Pallet, LOG_TARGET};
	use alloc::vec::Vec;
	use codec::{Decode, Encode};
	use frame_support::{pallet_prelude::*, storage::unhashed, traits::Get};

	/// An entry before v2: the attester, its active stake and its free stake.
	pub type V1Entry<T> = (<T as frame_system::Config>::AccountId, BalanceOf<T>, BalanceOf<T>);

	/// An entry from v2 to v3: a v1 entry and the seats drawn since its ledger was written.
	pub type V2Entry<T> = (<T as frame_system::Config>::AccountId, BalanceOf<T>, BalanceOf<T>, u32);

	/// The v1 → v2 translation, without the version check: use [`MigrateV1ToV2`]. It writes
	/// the v2 layout, which v3 then translates.
	pub struct UncheckedMigrateV1ToV2<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for UncheckedMigrateV1ToV2<T> {
		fn on_runtime_upgrade() -> Weight {
			let key = Candidates::<T>::hashed_key();
			let Some(old) = unhashed::get::<Vec<V1Entry<T>>>(&key) else {
				if unhashed::exists(&key) {
					log::error!(target: LOG_TARGET, "v2: the candidate list did not decode");
				}
				return T::DbWeight::get().reads(1);
			};
			let entries: Vec<V2Entry<T>> =
				old.into_iter().map(|(who, active, free)| (who, active, free, 0)).collect();
			log::info!(target: LOG_TARGET, "v2: {} candidate entries translated", entries.len());
			unhashed::put(&key, &entries);
			T::DbWeight::get().reads_writes(1, 1)
		}

		surety_primitives::upgrade_checks!();
	}

	/// v1 → v2, run once: see the module docs.
	pub type MigrateV1ToV2<T> = VersionedMigration<
		1,
		2,
		UncheckedMigrateV1ToV2<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;

	/// Before: the candidate list in its v1 layout (empty if absent or not decodable; the check
	/// after the upgrade then fails on a list that had entries).
	pub fn pre_upgrade_check<T: Config>() -> Vec<u8> {
		unhashed::get::<Vec<V1Entry<T>>>(&Candidates::<T>::hashed_key())
			.unwrap_or_default()
			.encode()
	}

	/// After: the same entries in the same order, each owing its ledger no seat, and the pallet
	/// at storage version 2 (or a later one, when later migrations ran too: the entries are
	/// then read in the current layout).
	pub fn post_upgrade_check<T: Config>(
		state: Vec<u8>,
	) -> Result<(), sp_runtime::TryRuntimeError> {
		let before = Vec::<V1Entry<T>>::decode(&mut &state[..])
			.map_err(|_| "v2: the pre-upgrade state does not decode")?;
		let version = Pallet::<T>::on_chain_storage_version();
		ensure!(version >= StorageVersion::new(2), "v2: the storage version was not set");
		let after: Vec<V2Entry<T>> = if version == StorageVersion::new(2) {
			unhashed::get(&Candidates::<T>::hashed_key()).unwrap_or_default()
		} else {
			Candidates::<T>::get().into_iter().map(|c| (c.who, c.active, c.free, c.drawn)).collect()
		};
		ensure!(after.len() == before.len(), "v2: the number of candidates changed");
		for ((who, active, free), entry) in before.into_iter().zip(after) {
			ensure!(
				entry.0 == who && entry.1 == active && entry.2 == free,
				"v2: an entry's v1 fields changed"
			);
			ensure!(entry.3 == 0, "v2: a legacy entry owes seats");
		}
		Ok(())
	}
}

/// v3: a candidate entry also carries the judgements its attester agreed with since its ledger
/// was last written, and their fee shares (`Candidate::agreed`, `Candidate::fees`), so a
/// settlement writes the candidate list and no agreeing member's ledger. Entries written before
/// v3 owe their ledgers none of them.
pub mod v3 {
	use super::{v2::V2Entry, *};
	use crate::{Candidate, CandidateOf, Candidates, Config, Pallet, LOG_TARGET};
	use alloc::vec::Vec;
	use codec::{Decode, Encode};
	use frame_support::{pallet_prelude::*, storage::unhashed, traits::Get};
	use sp_runtime::traits::Zero;

	/// The v2 → v3 translation, without the version check: use [`MigrateV2ToV3`].
	pub struct UncheckedMigrateV2ToV3<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for UncheckedMigrateV2ToV3<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut translated = 0usize;
			let result = Candidates::<T>::translate::<Vec<V2Entry<T>>, _>(|old| {
				let entries: Vec<CandidateOf<T>> = old
					.unwrap_or_default()
					.into_iter()
					.map(|(who, active, free, drawn)| Candidate {
						drawn,
						..Candidate::new(who, active, free)
					})
					.collect();
				translated = entries.len();
				// The same bound held the v2 entries: nothing is cut.
				Some(BoundedVec::truncate_from(entries))
			});
			if result.is_err() {
				log::error!(target: LOG_TARGET, "v3: the candidate list did not decode");
			}
			log::info!(target: LOG_TARGET, "v3: {translated} candidate entries translated");
			T::DbWeight::get().reads_writes(1, 1)
		}

		surety_primitives::upgrade_checks!();
	}

	/// v2 → v3, run once: see the module docs.
	pub type MigrateV2ToV3<T> = VersionedMigration<
		2,
		3,
		UncheckedMigrateV2ToV3<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;

	/// Before: the candidate list in its v2 layout (empty if absent or not decodable; the check
	/// after the upgrade then fails on a list that had entries).
	pub fn pre_upgrade_check<T: Config>() -> Vec<u8> {
		unhashed::get::<Vec<V2Entry<T>>>(&Candidates::<T>::hashed_key())
			.unwrap_or_default()
			.encode()
	}

	/// After: the same entries in the same order with their v2 fields, none owing a judgement
	/// or a fee share, and the pallet at storage version 3.
	pub fn post_upgrade_check<T: Config>(
		state: Vec<u8>,
	) -> Result<(), sp_runtime::TryRuntimeError> {
		let before = Vec::<V2Entry<T>>::decode(&mut &state[..])
			.map_err(|_| "v3: the pre-upgrade state does not decode")?;
		let after = Candidates::<T>::get();
		ensure!(after.len() == before.len(), "v3: the number of candidates changed");
		for ((who, active, free, drawn), entry) in before.into_iter().zip(after.iter()) {
			ensure!(
				entry.who == who
					&& entry.active == active
					&& entry.free == free
					&& entry.drawn == drawn,
				"v3: an entry's v2 fields changed"
			);
			ensure!(
				entry.agreed == 0 && entry.fees.is_zero(),
				"v3: a legacy entry owes judgements"
			);
		}
		ensure!(
			Pallet::<T>::on_chain_storage_version() == StorageVersion::new(3),
			"v3: the storage version was not set"
		);
		Ok(())
	}
}
