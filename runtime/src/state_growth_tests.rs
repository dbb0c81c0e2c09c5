//! State growth (issue 8, item 5): the bytes of state an order adds while it is open, while it
//! is bonded (its committee, timers and fee with it), and what it leaves once settled, measured
//! on the real runtime as the change in the keys' and values' total length. Trie nodes come on
//! top (about a node per 16 keys). `scripts/bench.sh` prints these figures
//! (`cargo test -p surety-runtime state_growth -- --nocapture`).
//!
//! Each figure must stay within what the types' `MaxEncodedLen` allow, so a field that makes
//! an order's state unbounded, or larger than declared, fails here.

use codec::MaxEncodedLen;
use frame_support::{assert_ok, traits::Get};
use surety_primitives::currency::UNIT;

use crate::{
	tests::{advance, all_storage, attest_all, delivered, on_dev_chain, HOUR_MS, T0},
	AccountId, Fulfillment, Runtime, RuntimeOrigin, System,
};
use pallet_fulfillment::OrderTerms;

/// Orders per measurement: the figures are averages over them.
const ORDERS: u64 = 20;

/// Total length of every key and value in storage, without this block's events (they are
/// cleared at the start of every block) and the timer searches' spill hints (a value each per
/// chain, written once the orders of a block first spill a queue).
fn state_bytes() -> u64 {
	System::reset_events();
	let hints = [
		pallet_fulfillment::ExpirySpillHint::<Runtime>::hashed_key().to_vec(),
		pallet_attestation::DeadlineSpillHint::<Runtime>::hashed_key().to_vec(),
		pallet_disputes::TimerSpillHint::<Runtime>::hashed_key().to_vec(),
		pallet_slashing::ApplySpillHint::<Runtime>::hashed_key().to_vec(),
	];
	all_storage()
		.iter()
		.filter(|(key, _)| !hints.contains(key))
		.map(|(key, value)| (key.len() + value.len()) as u64)
		.sum()
}

fn per_order(before: u64, after: u64) -> u64 {
	after.saturating_sub(before) / ORDERS
}

/// A map entry's key: pallet and item prefixes (32 bytes) and a `Twox64Concat` order id.
const ORDER_KEY: u64 = 32 + 8 + 8;

#[test]
fn state_growth_per_order_is_within_the_declared_bounds() {
	on_dev_chain(|shipper, carrier| {
		let create = |count: u64| {
			let first = pallet_fulfillment::NextOrderId::<Runtime>::get();
			for _ in 0..count {
				assert_ok!(Fulfillment::create_order(
					RuntimeOrigin::signed(shipper.clone()),
					OrderTerms {
						value: 100 * UNIT,
						payment: 10 * UNIT,
						carrier: None,
						// Passed by the time the orders settle: their expiry entries are gone.
						accept_by: System::block_number() + 2,
						deliver_by: T0 + HOUR_MS,
						grace: 0,
						temperature: None,
						reference: None,
					}
				));
			}
			first..first + count
		};
		let accept = |orders: core::ops::Range<u64>| {
			for id in orders {
				assert_ok!(Fulfillment::accept_order(RuntimeOrigin::signed(carrier.clone()), id));
			}
		};
		let settle = |orders: core::ops::Range<u64>| {
			for id in orders {
				attest_all(id, delivered(T0));
			}
			let window: u32 = <Runtime as pallet_disputes::Config>::DisputeWindow::get();
			advance(window + 1);
			assert!(pallet_fulfillment::Orders::<Runtime>::iter().next().is_none(), "settled");
		};
		// One order first, so what is written once per chain (counters, totals, the first
		// hold entries) is in the baseline, not in the per-order figures.
		let warm_up = create(1);
		accept(warm_up.clone());
		settle(warm_up);

		let empty = state_bytes();
		let orders = create(ORDERS);
		let open = state_bytes();
		accept(orders.clone());
		let bonded = state_bytes();
		settle(orders);
		let settled = state_bytes();

		let open_order = per_order(empty, open);
		let bonded_order = per_order(empty, bonded);
		let settled_record = per_order(empty, settled);
		println!("state per open order: {open_order} bytes");
		println!("state per bonded order: {bonded_order} bytes");
		println!("state per settled order record: {settled_record} bytes");

		let order_max =
			ORDER_KEY + pallet_fulfillment::Order::<AccountId, u128, u32>::max_encoded_len() as u64;
		let record_max = ORDER_KEY
			+ pallet_fulfillment::OrderRecord::<AccountId, u128, u32>::max_encoded_len() as u64;
		let committee_max =
			ORDER_KEY + pallet_attestation::CommitteeOf::<Runtime>::max_encoded_len() as u64;
		// An open order is its entry and its place in an expiry queue (an id, 8 bytes).
		assert!(open_order <= order_max + 8, "{open_order} > {order_max} + 8");
		// Bonded: the order, its committee, its fee, its place in a deadline queue and, until
		// its acceptance window's expiry block, its old place in an expiry queue.
		let fee = ORDER_KEY + 16;
		assert!(
			bonded_order <= order_max + committee_max + fee + 8 + 8,
			"{bonded_order} > {}",
			order_max + committee_max + fee + 8 + 8
		);
		// Settled: the record alone (every field fixed-size, the carrier present), everything
		// else of the order gone.
		assert_eq!(settled_record, record_max);
	});
}
