//! The pallets whose benchmarks the node's `benchmark pallet` command can run, and what the
//! protocol pallets' benchmarks need set up in each other.

pub use frame_benchmarking::baseline::Pallet as BaselineBench;
pub use frame_system_benchmarking::Pallet as SystemBench;
// `define_benchmarks!` expands in `apis.rs`, which names the pallets through this module.
pub use crate::{Attestation, Balances, Disputes, Fulfillment, Slashing, Sudo, Timestamp, Utility};

use frame_support::traits::{fungible::Mutate, Get};
use sp_runtime::Perbill;
use surety_primitives::protocol::{OrderId, Report, StakeKind};

use crate::*;

impl frame_system_benchmarking::Config for Runtime {}
impl frame_benchmarking::baseline::Config for Runtime {}

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_utility, Utility]
	[pallet_sudo, Sudo]
	[pallet_fulfillment, Fulfillment]
	[pallet_attestation, Attestation]
	[pallet_disputes, Disputes]
	[pallet_slashing, Slashing]
);

/// Sets the protocol pallets up for each other's benchmarks, through their own calls.
pub struct ProtocolBenchmarkHelper;

fn funded(name: &'static str, index: u32) -> AccountId {
	let who: AccountId = frame_benchmarking::account(name, index, 0);
	Balances::set_balance(&who, 1_000_000_000 * currency::UNIT);
	who
}

/// Registers attesters until `MaxAttesters` are: the committee draw's worst case.
fn fill_attesters() {
	type Max = <Runtime as pallet_attestation::Config>::MaxAttesters;
	let stake =
		100 * <<Runtime as pallet_attestation::Config>::MinAttesterStake as Get<Balance>>::get();
	let mut index = 0;
	while (pallet_attestation::Candidates::<Runtime>::decode_len().unwrap_or(0) as u32) < Max::get()
	{
		let who = funded("attester", index);
		index += 1;
		if !pallet_attestation::Attesters::<Runtime>::contains_key(&who) {
			Attestation::register_attester(RuntimeOrigin::signed(who), stake)
				.expect("funded, room left");
		}
	}
}

impl pallet_fulfillment::benchmarking::BenchmarkHelper<AccountId> for ProtocolBenchmarkHelper {
	fn prepare_attestation(_shipper: &AccountId, _carrier: &AccountId) {
		fill_attesters();
	}
}

/// The `i`-th benchmark order: created by shipper `i`, accepted by carrier `i`, which draws its
/// committee among the registered attesters. Delivery is due an hour from now.
fn bonded_order(i: u32) -> OrderId {
	let shipper = funded("shipper", i);
	let carrier = funded("carrier", i);
	let min_stake: Balance = <Runtime as pallet_fulfillment::Config>::MinCarrierStake::get();
	if !pallet_fulfillment::Carriers::<Runtime>::contains_key(&carrier) {
		Fulfillment::register_carrier(RuntimeOrigin::signed(carrier.clone()), 10 * min_stake)
			.expect("funded");
	}
	let order = pallet_fulfillment::NextOrderId::<Runtime>::get();
	let terms = pallet_fulfillment::OrderTerms {
		value: min_stake,
		payment: 10 * currency::UNIT,
		carrier: None,
		accept_by: System::block_number() + 10,
		deliver_by: pallet_timestamp::Now::<Runtime>::get() + 3_600_000,
		grace: 0,
		temperature: None,
		reference: None,
	};
	Fulfillment::create_order(RuntimeOrigin::signed(shipper), terms).expect("valid terms");
	Fulfillment::accept_order(RuntimeOrigin::signed(carrier), order).expect("enough stake");
	order
}

/// Where the attestation benchmarks keep the keys they sign reports with (the benchmark
/// command's in-memory keystore).
const REPORT_KEYS: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"srpt");

impl pallet_attestation::benchmarking::BenchmarkHelper<AccountId, surety_primitives::Signature>
	for ProtocolBenchmarkHelper
{
	fn set_time(ms: u64) {
		pallet_timestamp::Now::<Runtime>::put(ms);
	}

	fn open_order(i: u32) -> OrderId {
		bonded_order(i)
	}

	fn signer(i: u32) -> AccountId {
		use sp_runtime::{app_crypto::RuntimePublic, traits::IdentifyAccount};
		let seed = alloc::format!("//surety-report-signer-{i}").into_bytes();
		let public = sp_core::sr25519::Public::generate_pair(REPORT_KEYS, Some(seed));
		sp_runtime::MultiSigner::from(public).into_account()
	}

	fn sign(who: &AccountId, payload: &[u8]) -> surety_primitives::Signature {
		use sp_runtime::app_crypto::RuntimePublic;
		let public =
			sp_core::sr25519::Public::from_raw(*<AccountId as AsRef<[u8; 32]>>::as_ref(who));
		let signature = public.sign(REPORT_KEYS, &payload).expect("a key `signer` generated");
		surety_primitives::Signature::Sr25519(signature)
	}
}

impl pallet_disputes::benchmarking::BenchmarkHelper<Runtime> for ProtocolBenchmarkHelper {
	fn proposed_order(i: u32, faulted: bool) -> OrderId {
		fill_attesters();
		let order = bonded_order(i);
		let terms = pallet_fulfillment::Orders::<Runtime>::get(order).expect("bonded").terms;
		// Late past the grace, damaged, with an excursion: every part of the carrier's fault.
		let reported = if faulted {
			Report::Delivered {
				at: terms.deliver_by + terms.grace + 7_200_000,
				max_excursion_centi_c_minutes: 1_000,
				damage: Perbill::from_percent(5),
			}
		} else {
			Report::Delivered {
				at: pallet_timestamp::Now::<Runtime>::get(),
				max_excursion_centi_c_minutes: 0,
				damage: Perbill::zero(),
			}
		};
		let members: alloc::vec::Vec<AccountId> =
			pallet_attestation::Committees::<Runtime>::get(order)
				.expect("drawn on accept")
				.members
				.iter()
				.map(|m| m.who.clone())
				.collect();
		// Every member reports: those after the quorum report late, which a faulted order's
		// dissenters do by reporting it lost (judged wrong, slashed).
		for member in members {
			let proposed = pallet_attestation::Committees::<Runtime>::get(order)
				.is_some_and(|c| c.status == pallet_attestation::RoundStatus::Proposed);
			let report = if proposed && faulted { Report::Lost } else { reported };
			Attestation::attest(RuntimeOrigin::signed(member), order, report, Default::default())
				.expect("member, in time");
		}
		order
	}
}

impl pallet_slashing::benchmarking::BenchmarkHelper<AccountId, Balance>
	for ProtocolBenchmarkHelper
{
	fn reserve(kind: StakeKind, who: &AccountId, amount: Balance) {
		Balances::set_balance(who, 1_000_000_000 * currency::UNIT);
		match kind {
			StakeKind::Carrier => {
				let stake =
					amount.max(<Runtime as pallet_fulfillment::Config>::MinCarrierStake::get());
				if !pallet_fulfillment::Carriers::<Runtime>::contains_key(who) {
					Fulfillment::register_carrier(RuntimeOrigin::signed(who.clone()), 2 * stake)
						.expect("funded");
				}
				pallet_fulfillment::Carriers::<Runtime>::mutate(who, |l| {
					if let Some(l) = l {
						l.stake.reserved += amount;
					}
				});
			}
			StakeKind::Attester => {
				let stake =
					amount.max(<Runtime as pallet_attestation::Config>::MinAttesterStake::get());
				if !pallet_attestation::Attesters::<Runtime>::contains_key(who) {
					Attestation::register_attester(RuntimeOrigin::signed(who.clone()), 2 * stake)
						.expect("funded, room left");
				}
				pallet_attestation::Attesters::<Runtime>::mutate(who, |i| {
					if let Some(i) = i {
						i.stake.reserved += amount;
					}
				});
				// Keep the draw's view of free stake in step with the ledger.
				pallet_attestation::Candidates::<Runtime>::mutate(|c| {
					for entry in c.iter_mut().filter(|e| e.who == *who) {
						entry.free = entry.free.saturating_sub(amount);
					}
				});
			}
			StakeKind::DisputeDeposit => {
				use frame_support::traits::fungible::MutateHold;
				Balances::hold(&pallet_disputes::HoldReason::DisputeDeposit.into(), who, amount)
					.expect("funded");
				pallet_disputes::Deposits::<Runtime>::mutate(who, |d| {
					d.get_or_insert_with(Default::default).reserved += amount;
				});
			}
		}
	}
}
