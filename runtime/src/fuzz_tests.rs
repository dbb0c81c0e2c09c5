//! Invariant fuzzing of the four protocol pallets in this runtime: long random sequences of
//! calls (valid and invalid, from random signed accounts, Root and unsigned) with blocks
//! advancing in between. After every block each pallet's `do_try_state` must hold (every
//! ledger's hold is there, timers match live state, …), everything held for a protocol reason
//! must be accounted for by a ledger, live order or live deposit (no orphaned holds), and no
//! balance may appear or vanish (total issuance is constant: slashes only move funds). No call
//! may panic.
//!
//! `SURETY_FUZZ_CASES` sets the number of sequences (default 10,000; the test command runs the
//! default) and `SURETY_FUZZ_SEED` the seed they are drawn from (default a fixed one, so the
//! test command checks the same sequences every run; `random` for a fresh seed, which is
//! printed). Proptest shrinks a failing sequence to a minimal one and prints it.

use frame_support::dispatch::RawOrigin;
use proptest::{
	prelude::*,
	test_runner::{RngAlgorithm, TestRng, TestRunner},
};
use sp_core::H256;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{traits::Dispatchable, Perbill};
use surety_primitives::{currency::UNIT, protocol::Report};

use crate::{
	tests::{advance, genesis, protocol_try_state, T0},
	AccountId, Runtime, RuntimeCall, RuntimeHoldReason, System,
};
use pallet_fulfillment::{OrderTerms, TemperatureBand};
use sp_genesis_builder::DEV_RUNTIME_PRESET;

const MINUTE_MS: u64 = 60_000;

/// Who calls: a dev account (shippers, the two genesis carriers, the seven genesis
/// attesters, and accounts that are none of these), a party of the order the call is about (a
/// member of its committee, its shipper or its carrier: calls that can succeed), Root, or
/// nobody.
#[derive(Clone, Debug)]
enum Caller {
	Signed(u8),
	Party(u8),
	Root,
	Unsigned,
}

#[derive(Clone, Debug)]
enum Action {
	Create {
		value: u32,
		payment: u16,
		accept_in: u16,
		deliver_in_min: u16,
		grace_min: u16,
		cold: bool,
	},
	Accept(u8),
	/// A standing offer by a genesis carrier (when a party calls).
	Offer {
		max_value: u32,
		min_payment: u16,
		lead_min: u16,
		cold: bool,
		remaining: u8,
	},
	WithdrawOffer,
	/// An order booked against the offer of a genesis carrier.
	Book {
		carrier: u8,
		value: u32,
		payment: u16,
		deliver_in_min: u16,
		cold: bool,
	},
	Cancel(u8),
	Release(u8),
	Attest {
		order: u8,
		late_min: u16,
		excursion: u16,
		damage_pct: u8,
		lost: bool,
	},
	Dispute {
		order: u8,
		late_min: u16,
		lost: bool,
	},
	Rule {
		order: u8,
		late_min: u16,
		lost: bool,
	},
	RegisterCarrier(u32),
	RegisterAttester(u32),
	BondExtra {
		carrier: bool,
		amount: u32,
	},
	Unbond {
		carrier: bool,
		amount: u32,
	},
	Withdraw {
		carrier: bool,
	},
	CancelSlash(u8),
	ReduceSlash {
		id: u8,
		amount: u32,
	},
	/// Blocks to advance, and the clock with them.
	Advance(u8),
}

fn accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter().map(|k| k.to_account_id()).collect()
}

fn caller() -> impl Strategy<Value = Caller> {
	let signed = (0u8..16).prop_map(Caller::Signed);
	let party = any::<u8>().prop_map(Caller::Party);
	prop_oneof![9 => signed, 9 => party, 1 => Just(Caller::Root), 1 => Just(Caller::Unsigned)]
}

fn action() -> impl Strategy<Value = Action> {
	let report = || (any::<u8>(), 0u16..300, any::<bool>());
	prop_oneof![
		4 => (1u32..5_000, 0u16..50, 0u16..200, 0u16..30, 0u16..30, any::<bool>()).prop_map(
			|(value, payment, accept_in, deliver_in_min, grace_min, cold)| Action::Create {
				value, payment, accept_in, deliver_in_min, grace_min, cold
			}
		),
		4 => any::<u8>().prop_map(Action::Accept),
		1 => (0u32..5_000, 0u16..50, 0u16..30, any::<bool>(), 0u8..4).prop_map(
			|(max_value, min_payment, lead_min, cold, remaining)| Action::Offer {
				max_value, min_payment, lead_min, cold, remaining
			}
		),
		1 => Just(Action::WithdrawOffer),
		3 => (any::<u8>(), 1u32..5_000, 0u16..50, 0u16..30, any::<bool>()).prop_map(
			|(carrier, value, payment, deliver_in_min, cold)| Action::Book {
				carrier, value, payment, deliver_in_min, cold
			}
		),
		1 => any::<u8>().prop_map(Action::Cancel),
		1 => any::<u8>().prop_map(Action::Release),
		8 => (any::<u8>(), 0u16..300, 0u16..500, 0u8..=100, prop::bool::weighted(0.1)).prop_map(
			|(order, late_min, excursion, damage_pct, lost)| Action::Attest {
				order, late_min, excursion, damage_pct, lost
			}
		),
		5 => report().prop_map(|(order, late_min, lost)| Action::Dispute { order, late_min, lost }),
		1 => report().prop_map(|(order, late_min, lost)| Action::Rule { order, late_min, lost }),
		1 => (0u32..20_000).prop_map(Action::RegisterCarrier),
		1 => (0u32..2_000).prop_map(Action::RegisterAttester),
		1 => (any::<bool>(), 0u32..2_000).prop_map(|(carrier, amount)| Action::BondExtra { carrier, amount }),
		1 => (any::<bool>(), 0u32..2_000).prop_map(|(carrier, amount)| Action::Unbond { carrier, amount }),
		1 => any::<bool>().prop_map(|carrier| Action::Withdraw { carrier }),
		1 => any::<u8>().prop_map(Action::CancelSlash),
		1 => (any::<u8>(), 0u32..100).prop_map(|(id, amount)| Action::ReduceSlash { id, amount }),
		6 => (1u8..12).prop_map(Action::Advance),
	]
}

/// An order id: mostly one that exists, sometimes the next (missing) one.
fn order_id(pick: u8) -> u64 {
	let next = pallet_fulfillment::NextOrderId::<Runtime>::get();
	u64::from(pick) % (next + 1)
}

/// What happened, relative to the order's deadline when it is live.
fn report(order: u64, late_min: u16, excursion: u16, damage_pct: u8, lost: bool) -> Report {
	if lost {
		return Report::Lost;
	}
	let deliver_by =
		pallet_fulfillment::Orders::<Runtime>::get(order).map(|o| o.terms.deliver_by).unwrap_or(T0);
	Report::Delivered {
		at: deliver_by + u64::from(late_min) * MINUTE_MS,
		max_excursion_centi_c_minutes: excursion.into(),
		damage: Perbill::from_percent(damage_pct.into()),
	}
}

fn call(action: &Action) -> Option<RuntimeCall> {
	use pallet_attestation::Call as A;
	use pallet_disputes::Call as D;
	use pallet_fulfillment::Call as F;
	use pallet_slashing::Call as S;
	let now = pallet_timestamp::Now::<Runtime>::get();
	let block = System::block_number();
	Some(match *action {
		Action::Create { value, payment, accept_in, deliver_in_min, grace_min, cold } => {
			RuntimeCall::Fulfillment(F::create_order {
				terms: OrderTerms {
					value: u128::from(value) * UNIT,
					payment: u128::from(payment) * UNIT,
					carrier: None,
					accept_by: block + u32::from(accept_in),
					deliver_by: now + u64::from(deliver_in_min) * MINUTE_MS,
					grace: u64::from(grace_min) * MINUTE_MS,
					temperature: cold
						.then_some(TemperatureBand { min_centi_c: 200, max_centi_c: 800 }),
					reference: None,
				},
			})
		}
		Action::Accept(o) => RuntimeCall::Fulfillment(F::accept_order { order: order_id(o) }),
		Action::Offer { max_value, min_payment, lead_min, cold, remaining } => {
			RuntimeCall::Fulfillment(F::set_offer {
				offer: pallet_fulfillment::BookingOffer {
					shipper: None,
					max_value: u128::from(max_value) * UNIT,
					min_payment: u128::from(min_payment) * UNIT,
					min_lead: u64::from(lead_min) * MINUTE_MS,
					temperature_controlled: cold,
					remaining: remaining.into(),
				},
			})
		}
		Action::WithdrawOffer => RuntimeCall::Fulfillment(F::withdraw_offer {}),
		Action::Book { carrier, value, payment, deliver_in_min, cold } => {
			let carriers = crate::genesis_config_presets::genesis_carriers();
			RuntimeCall::Fulfillment(F::book {
				terms: OrderTerms {
					value: u128::from(value) * UNIT,
					payment: u128::from(payment) * UNIT,
					carrier: carriers.get(usize::from(carrier) % (carriers.len() + 1)).cloned(),
					accept_by: block + 1,
					deliver_by: now + u64::from(deliver_in_min) * MINUTE_MS,
					grace: 0,
					temperature: cold
						.then_some(TemperatureBand { min_centi_c: 200, max_centi_c: 800 }),
					reference: None,
				},
			})
		}
		Action::Cancel(o) => RuntimeCall::Fulfillment(F::cancel_order { order: order_id(o) }),
		Action::Release(o) => RuntimeCall::Fulfillment(F::release_order { order: order_id(o) }),
		Action::Attest { order, late_min, excursion, damage_pct, lost } => {
			let order = order_id(order);
			RuntimeCall::Attestation(A::attest {
				order,
				report: report(order, late_min, excursion, damage_pct, lost),
				evidence: H256::repeat_byte(1),
			})
		}
		Action::Dispute { order, late_min, lost } => {
			let order = order_id(order);
			RuntimeCall::Disputes(D::dispute {
				order,
				claim: report(order, late_min, 0, 0, lost),
				evidence: H256::repeat_byte(2),
			})
		}
		Action::Rule { order, late_min, lost } => {
			let order = order_id(order);
			RuntimeCall::Disputes(D::rule { order, outcome: report(order, late_min, 0, 0, lost) })
		}
		Action::RegisterCarrier(stake) => {
			RuntimeCall::Fulfillment(F::register_carrier { stake: u128::from(stake) * UNIT })
		}
		Action::RegisterAttester(stake) => {
			RuntimeCall::Attestation(A::register_attester { stake: u128::from(stake) * UNIT })
		}
		Action::BondExtra { carrier: true, amount } => {
			RuntimeCall::Fulfillment(F::bond_extra { amount: u128::from(amount) * UNIT })
		}
		Action::BondExtra { carrier: false, amount } => {
			RuntimeCall::Attestation(A::bond_extra { amount: u128::from(amount) * UNIT })
		}
		Action::Unbond { carrier: true, amount } => {
			RuntimeCall::Fulfillment(F::unbond { amount: u128::from(amount) * UNIT })
		}
		Action::Unbond { carrier: false, amount } => {
			RuntimeCall::Attestation(A::unbond { amount: u128::from(amount) * UNIT })
		}
		Action::Withdraw { carrier: true } => RuntimeCall::Fulfillment(F::withdraw_unbonded {}),
		Action::Withdraw { carrier: false } => RuntimeCall::Attestation(A::withdraw_unbonded {}),
		Action::CancelSlash(id) => RuntimeCall::Slashing(S::cancel_slash { id: id.into() }),
		Action::ReduceSlash { id, amount } => RuntimeCall::Slashing(S::reduce_slash {
			id: id.into(),
			amount: u128::from(amount) * UNIT,
		}),
		Action::Advance(_) => return None,
	})
}

/// A party of the order `call` is about: for a report, a member of the current round; for
/// accepting or an offer, a genesis carrier; for anything else, the shipper, the carrier or a
/// member.
fn party(call: &RuntimeCall, pick: u8) -> Option<AccountId> {
	let order = match call {
		RuntimeCall::Fulfillment(pallet_fulfillment::Call::accept_order { .. })
		| RuntimeCall::Fulfillment(pallet_fulfillment::Call::set_offer { .. })
		| RuntimeCall::Fulfillment(pallet_fulfillment::Call::withdraw_offer { .. }) => {
			let carriers = crate::genesis_config_presets::genesis_carriers();
			return carriers.get(usize::from(pick) % carriers.len()).cloned();
		}
		RuntimeCall::Fulfillment(pallet_fulfillment::Call::cancel_order { order })
		| RuntimeCall::Fulfillment(pallet_fulfillment::Call::release_order { order })
		| RuntimeCall::Attestation(pallet_attestation::Call::attest { order, .. })
		| RuntimeCall::Disputes(pallet_disputes::Call::dispute { order, .. }) => *order,
		_ => return None,
	};
	let committee = pallet_attestation::Committees::<Runtime>::get(order);
	let members: Vec<_> = committee
		.iter()
		.flat_map(|c| c.members.iter().filter(|m| m.round == c.round).map(|m| m.who.clone()))
		.collect();
	if matches!(call, RuntimeCall::Attestation(_)) {
		return members.get(usize::from(pick) % members.len().max(1)).cloned();
	}
	let live = pallet_fulfillment::Orders::<Runtime>::get(order);
	let mut parties: Vec<AccountId> = live.iter().map(|o| o.shipper.clone()).collect();
	parties.extend(committee.iter().map(|c| c.carrier.clone()));
	parties.extend(members);
	parties.get(usize::from(pick) % parties.len().max(1)).cloned()
}

/// Every invariant the pallets own, and conservation of the total issuance.
fn check(issuance: u128, after: &str) -> Result<(), TestCaseError> {
	protocol_try_state().map_err(|(pallet, e)| {
		TestCaseError::fail(format!("{pallet} invariant broken after {after}: {e:?}"))
	})?;
	prop_assert_eq!(
		pallet_balances::TotalIssuance::<Runtime>::get(),
		issuance,
		"total issuance changed after {}",
		after
	);
	// The pallets check that every ledger's hold is there; from the holds' side, nothing may be
	// held for a protocol reason that no ledger, live order or live deposit accounts for.
	let carriers: u128 =
		pallet_fulfillment::Carriers::<Runtime>::iter_values().map(|l| l.stake.total).sum();
	let escrows: u128 =
		pallet_fulfillment::Orders::<Runtime>::iter_values().map(|o| o.escrow()).sum();
	let attesters: u128 =
		pallet_attestation::Attesters::<Runtime>::iter_values().map(|a| a.stake.total).sum();
	let deposits = pallet_disputes::TotalLiveDeposits::<Runtime>::get();
	let held = held_by_reason();
	for (reason, accounted) in [
		(pallet_fulfillment::HoldReason::CarrierStake.into(), carriers),
		(pallet_fulfillment::HoldReason::OrderEscrow.into(), escrows),
		(pallet_attestation::HoldReason::AttesterStake.into(), attesters),
		(pallet_disputes::HoldReason::DisputeDeposit.into(), deposits),
	] {
		let held = held.iter().find(|(r, _)| *r == reason).map_or(0, |(_, amount)| *amount);
		prop_assert_eq!(held, accounted, "{:?} held after {}", reason, after);
	}
	Ok(())
}

/// Everything held, by reason, over all accounts (one pass over the holds).
fn held_by_reason() -> Vec<(RuntimeHoldReason, u128)> {
	let mut held: Vec<(RuntimeHoldReason, u128)> = Vec::new();
	for hold in pallet_balances::Holds::<Runtime>::iter_values().flatten() {
		match held.iter_mut().find(|(reason, _)| *reason == hold.id) {
			Some((_, amount)) => *amount += hold.amount,
			None => held.push((hold.id, hold.amount)),
		}
	}
	held
}

/// The dev genesis, built once: each sequence starts from a copy of it.
type Snapshot = (Vec<(Vec<u8>, (Vec<u8>, i32))>, H256);

/// What the sequences reached, to show the fuzzing goes past the refusals.
#[derive(Default, Debug)]
struct Reached {
	orders_created: u64,
	orders_ended: u64,
	slashes_scheduled: u64,
	disputes: u64,
}

fn run(
	genesis: &Snapshot,
	steps: &[(Caller, Action)],
	reached: &mut Reached,
) -> Result<(), TestCaseError> {
	let accounts = accounts();
	let mut ext = sp_io::TestExternalities::from_raw_snapshot(
		genesis.0.clone(),
		genesis.1,
		sp_runtime::StateVersion::V1,
	);
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Runtime>::put(T0);
		let issuance = pallet_balances::TotalIssuance::<Runtime>::get();
		check(issuance, "genesis")?;
		for (i, (caller, action)) in steps.iter().enumerate() {
			match (action, call(action)) {
				(Action::Advance(blocks), _) => {
					for _ in 0..*blocks {
						advance(1);
						check(issuance, &format!("step {i}, block {}", System::block_number()))?;
					}
				}
				(_, Some(call)) => {
					let origin = match caller {
						Caller::Signed(who) => {
							RawOrigin::Signed(accounts[usize::from(*who) % accounts.len()].clone())
						}
						Caller::Party(pick) => {
							RawOrigin::Signed(party(&call, *pick).unwrap_or_else(|| {
								accounts[usize::from(*pick) % accounts.len()].clone()
							}))
						}
						Caller::Root => RawOrigin::Root,
						Caller::Unsigned => RawOrigin::None,
					};
					// Refusals are expected; what matters is that nothing breaks either way (the
					// next block's check, and the last one, see what the call left).
					let _ = call.dispatch(origin.into());
				}
				(_, None) => {}
			}
		}
		check(issuance, "the last step")?;
		let next = pallet_fulfillment::NextOrderId::<Runtime>::get();
		reached.orders_created += next;
		reached.orders_ended += pallet_fulfillment::OrderRecords::<Runtime>::iter().count() as u64;
		reached.slashes_scheduled += pallet_slashing::NextSlashId::<Runtime>::get();
		reached.disputes += System::events()
			.iter()
			.filter(|e| {
				matches!(
					e.event,
					crate::RuntimeEvent::Disputes(pallet_disputes::Event::Disputed { .. })
				)
			})
			.count() as u64;
		Ok(())
	})
}

/// A seed from the clock, for exploratory runs.
fn rand_seed() -> u64 {
	let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
	now.map(|d| d.as_nanos() as u64).unwrap_or_default()
}

#[test]
fn random_call_sequences_keep_every_invariant() {
	let cases =
		std::env::var("SURETY_FUZZ_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(10_000);
	let seed: u64 = match std::env::var("SURETY_FUZZ_SEED").as_deref() {
		Ok("random") => rand_seed(),
		Ok(seed) => seed.parse().expect("SURETY_FUZZ_SEED is a number or `random`"),
		Err(_) => 0x5e7e_7700_0000_0001,
	};
	println!("seed {seed}");
	let mut seed_bytes = [0u8; 32];
	seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
	let config = ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() };
	let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
	let mut runner = TestRunner::new_with_rng(config, rng);
	let sequences = prop::collection::vec((caller(), action()), 1..60);
	let mut genesis = genesis(DEV_RUNTIME_PRESET);
	genesis.commit_all().expect("genesis has no open transaction");
	let genesis = genesis.into_raw_snapshot();
	let reached = std::cell::RefCell::new(Reached::default());
	let result = runner.run(&sequences, |steps| run(&genesis, &steps, &mut reached.borrow_mut()));
	if let Err(failure) = result {
		panic!("{failure}");
	}
	let reached = reached.into_inner();
	println!("{cases} sequences reached: {reached:?}");
	assert!(
		reached.orders_ended > 0 && reached.slashes_scheduled > 0 && reached.disputes > 0,
		"the sequences must reach settlements, slashes and disputes: {reached:?}"
	);
}

#[test]
fn a_hold_no_ledger_accounts_for_fails_the_check() {
	use frame_support::traits::fungible::MutateHold;
	genesis(DEV_RUNTIME_PRESET).execute_with(|| {
		let issuance = pallet_balances::TotalIssuance::<Runtime>::get();
		check(issuance, "genesis").expect("genesis is consistent");
		// Ferdie is neither a carrier nor a shipper: a carrier-stake hold on him is orphaned.
		let ferdie = Sr25519Keyring::Ferdie.to_account_id();
		let reason = pallet_fulfillment::HoldReason::CarrierStake.into();
		assert!(!pallet_fulfillment::Carriers::<Runtime>::contains_key(&ferdie));
		assert!(pallet_fulfillment::Pallet::<Runtime>::do_try_state().is_ok());
		crate::Balances::hold(&reason, &ferdie, UNIT).expect("Ferdie has funds");
		let broken = check(issuance, "an orphaned hold").expect_err("the hold is unaccounted for");
		assert!(format!("{broken:?}").contains("CarrierStake"), "{broken:?}");
	});
}
