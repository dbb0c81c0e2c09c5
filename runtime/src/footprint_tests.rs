//! Issue 8, item 2, counted instead of timed: the trie nodes each per-block hook at its bound
//! (`bench_state::hooks_due`, the loads `scripts/bench-hooks.sh` times) and each protocol call
//! (on the orders `bench_state::per_call_orders` prepares for `scripts/bench.sh`) reads from the
//! state, beside 100, 1,000 and 10,000 other open orders and pending slashes.
//!
//! A timed ratio on this machine moves by up to 0.4 between runs of the same cell; a count of
//! nodes read does not move at all. Going to a key reads the branch nodes on its path, and a
//! path gains about one node each time the map under it grows sixteen-fold (the trie's depth),
//! so a tenfold step of the background adds at most about one node per path, fewer than the
//! block read in all beside the smallest background. A scan reads every entry of what it
//! scans, so a tenfold step adds ten times what the step before added, and soon more than
//! that. The tests tell the two apart, and show on a scanning control that they do.
//!
//! `SURETY_FOOTPRINT_SIZES=100,1000,10000,100000 cargo test -p surety-runtime --lib footprint --
//! --nocapture` prints the figures for other backgrounds (docs/performance.md, section 1).

use crate::{
	bench_state,
	tests::{genesis, protocol_hooks, HOUR_MS, T0},
	AccountId, Runtime, RuntimeCall, RuntimeOrigin, System,
};
use frame_support::assert_ok;
use sp_genesis_builder::DEV_RUNTIME_PRESET;
use sp_runtime::{traits::Dispatchable, StateVersion};

/// What one block read from the state: distinct trie nodes, and their bytes.
#[derive(Clone, Copy, Debug, Default)]
struct Reads {
	nodes: usize,
	bytes: usize,
}

impl Reads {
	fn beyond(self, baseline: Self) -> Self {
		Self {
			nodes: self.nodes.saturating_sub(baseline.nodes),
			bytes: self.bytes.saturating_sub(baseline.bytes),
		}
	}
}

/// What was measured (a hook or a call), its items, and its reads beside one background.
type Measured = (&'static str, u32, Reads);
/// The same at each size of the background.
type Row = (&'static str, u32, Vec<Reads>);

/// Runs `block` on `ext`'s committed state as a node imports a block, recording the nodes it
/// reads (its state root included: recomputing it reads the siblings of every changed path),
/// then commits what it wrote, as the next block finds it.
fn execute(ext: &mut sp_io::TestExternalities, block: impl FnOnce()) -> Reads {
	let ((), proof) = ext.execute_and_prove(|| {
		block();
		sp_io::storage::root(StateVersion::V1);
	});
	ext.commit_all().expect("no transaction is left open");
	Reads { nodes: proof.len(), bytes: codec::Encode::encoded_size(&proof) }
}

/// The development genesis beside `background` other orders and pending slashes, with what
/// `prepare` adds, committed as a node's database holds it.
fn prepared<R>(background: u32, prepare: impl FnOnce() -> R) -> (sp_io::TestExternalities, R) {
	let mut ext = genesis(DEV_RUNTIME_PRESET);
	let prepared = ext.execute_with(|| {
		bench_state::beside_background(background);
		let prepared = prepare();
		bench_state::as_genesis();
		prepared
	});
	ext.commit_all().expect("no transaction is left open");
	(ext, prepared)
}

/// Each protocol hook at its bound: the nodes its block read beyond those of the block before
/// it, which carries no load. A `control`, if given, runs after the hooks of every loaded
/// block (to check the check).
fn hook_reads(background: u32, control: Option<fn()>) -> Vec<Measured> {
	let (mut ext, due) = prepared(background, bench_state::hooks_due);
	let last = due.iter().map(|(_, block, _)| *block).max().unwrap_or_default();
	let mut per_block = vec![Reads::default()];
	for n in 1..=last {
		let loaded = due.iter().any(|(_, block, _)| *block == n);
		per_block.push(execute(&mut ext, || {
			System::set_block_number(n);
			System::reset_events();
			// Far past every prepared deadline, as in `bench_state`'s own check of the loads.
			pallet_timestamp::Now::<Runtime>::put(T0 + 10 * HOUR_MS);
			protocol_hooks(n);
			if let Some(control) = control.filter(|_| loaded) {
				control();
			}
		}));
	}
	due.into_iter()
		.map(|(hook, block, items)| {
			(hook, items, per_block[block as usize].beyond(per_block[block as usize - 1]))
		})
		.collect()
}

/// Each protocol call `scripts/bench.sh` measures, in a block of its own: the nodes the block
/// read beyond those of an empty block.
fn call_reads(background: u32) -> Vec<Measured> {
	let (mut ext, plan) = prepared(background, || bench_state::per_call_orders(1));
	let mut calls = plan.last_of_each();
	calls.push((
		"fulfillment.create_order",
		plan.shipper.clone(),
		RuntimeCall::Fulfillment(pallet_fulfillment::Call::create_order {
			terms: bench_state::terms(0),
		}),
	));
	let block = |call: Option<(AccountId, RuntimeCall)>| {
		move || {
			System::set_block_number(1);
			System::reset_events();
			pallet_timestamp::Now::<Runtime>::put(T0);
			if let Some((signer, call)) = call {
				assert_ok!(call.dispatch(RuntimeOrigin::signed(signer)));
			}
		}
	};
	let empty = execute(&mut ext, block(None));
	calls
		.into_iter()
		.map(|(name, signer, call)| {
			(name, 1, execute(&mut ext, block(Some((signer, call)))).beyond(empty))
		})
		.collect()
}

fn sizes() -> Vec<u32> {
	std::env::var("SURETY_FOOTPRINT_SIZES")
		.ok()
		.map(|s| s.split(',').map(|n| n.trim().parse().expect("sizes are numbers")).collect())
		.unwrap_or_else(|| vec![100, 1_000, 10_000])
}

/// What `reads` measures at each size, printed: one row a hook or call.
fn measure(sizes: &[u32], reads: impl Fn(u32) -> Vec<Measured>) -> Vec<Row> {
	let runs: Vec<Vec<Measured>> = sizes.iter().map(|&n| reads(n)).collect();
	let rows: Vec<Row> = runs[0]
		.iter()
		.enumerate()
		.map(|(i, (name, items, _))| (*name, *items, runs.iter().map(|run| run[i].2).collect()))
		.collect();
	for (name, items, reads) in &rows {
		let cells: Vec<String> =
			reads.iter().map(|r| format!("{} nodes / {} bytes", r.nodes, r.bytes)).collect();
		println!("footprint {name} ({items} items) beside {sizes:?}: {}", cells.join(", "));
	}
	rows
}

/// The rows whose reads grow, at some tenfold step of the background, by more nodes than they
/// read in all beside the smallest: what a scan does, and going along key paths does not.
fn scanning(sizes: &[u32], rows: &[Row]) -> Vec<&'static str> {
	assert!(
		sizes.len() >= 2 && sizes.windows(2).all(|w| w[1] == w[0] * 10),
		"the check compares tenfold steps: each size ten times the one before"
	);
	rows.iter()
		.filter(|(_, _, reads)| {
			reads.windows(2).any(|r| r[1].nodes.saturating_sub(r[0].nodes) > reads[0].nodes)
		})
		.map(|(name, ..)| *name)
		.collect()
}

/// Checks that every row read something and none grew as a scan does.
fn assert_no_scan(sizes: &[u32], rows: &[Row], expected: usize) {
	assert_eq!(rows.len(), expected, "everything is measured");
	assert!(rows.iter().all(|(_, _, reads)| reads[0].nodes > 0), "everything reads its state");
	let scans = scanning(sizes, rows);
	assert!(scans.is_empty(), "reads grow faster than the trie's depth: {scans:?}");
}

#[test]
fn no_protocol_hook_reads_more_than_its_keys_paths_as_the_state_grows() {
	let sizes = sizes();
	assert_no_scan(&sizes, &measure(&sizes, |n| hook_reads(n, None)), 5);
}

#[test]
fn no_protocol_call_reads_more_than_its_keys_paths_as_the_state_grows() {
	let sizes = sizes();
	assert_no_scan(&sizes, &measure(&sizes, call_reads), 4);
}

/// The check fails for hooks that scan the open orders: a control that counts them in every
/// loaded block is caught in every hook's block, on smaller backgrounds to keep it quick.
#[test]
fn a_scan_of_the_open_orders_is_caught() {
	fn count_orders() {
		let _ = pallet_fulfillment::Orders::<Runtime>::iter_keys().count();
	}
	let sizes = [10, 100, 1_000];
	let rows = measure(&sizes, |n| hook_reads(n, Some(count_orders)));
	assert_eq!(scanning(&sizes, &rows), rows.iter().map(|(name, ..)| *name).collect::<Vec<_>>());
}
