//! Issue 8, item 2, counted instead of timed: the trie nodes each per-block hook reads from the
//! state at its per-block bound (`bench_state::hooks_due`, the loads `scripts/bench-hooks.sh`
//! times), beside 100, 1,000 and 10,000 other open orders and pending slashes.
//!
//! A timed ratio on this machine moves by up to 0.4 between runs of the same cell; a count of
//! nodes read does not move at all. A hook that goes to its items' keys reads one more branch
//! node on each key's path whenever the map under it grows sixteen-fold (the trie's depth), so
//! every tenfold step of the background adds about the same number of nodes; a hook that scans
//! a map reads all of it, so each tenfold step adds ten times what the one before added. The
//! test tells the two apart, and shows on a scanning control that it does.
//!
//! `SURETY_FOOTPRINT_SIZES=100,1000,10000,100000 cargo test -p surety-runtime --lib footprint --
//! --nocapture` prints the figures for other backgrounds (docs/performance.md, section 1).

use crate::{
	bench_state,
	tests::{genesis, protocol_hooks, HOUR_MS, T0},
	Runtime, System,
};
use sp_genesis_builder::DEV_RUNTIME_PRESET;
use sp_runtime::StateVersion;

/// What one execution read from the state: distinct trie nodes, and their bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
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

/// A loaded hook's block, and what it read beyond the block before it (no load).
struct HookReads {
	hook: &'static str,
	items: u32,
	reads: Reads,
}

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

/// Each protocol hook at its bound beside `background` other orders and pending slashes: the
/// nodes its block read beyond those of the block before it, which carries no load. A
/// `control`, if given, runs after the hooks of every loaded block (to check the check).
fn hook_reads(background: u32, control: Option<fn()>) -> Vec<HookReads> {
	let mut ext = genesis(DEV_RUNTIME_PRESET);
	let due = ext.execute_with(|| {
		bench_state::beside_background(background);
		let due = bench_state::hooks_due();
		bench_state::as_genesis();
		due
	});
	ext.commit_all().expect("no transaction is left open");
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
		.map(|(hook, block, items)| HookReads {
			hook,
			items,
			reads: per_block[block as usize].beyond(per_block[block as usize - 1]),
		})
		.collect()
}

fn sizes() -> Vec<u32> {
	std::env::var("SURETY_FOOTPRINT_SIZES")
		.ok()
		.map(|s| s.split(',').map(|n| n.trim().parse().expect("sizes are numbers")).collect())
		.unwrap_or_else(|| vec![100, 1_000, 10_000])
}

/// A hook, its items, and its reads at each size.
type Row = (&'static str, u32, Vec<Reads>);

/// Each hook's reads at each size, printed as a table: one row a hook.
fn measure(sizes: &[u32], control: Option<fn()>) -> Vec<Row> {
	let runs: Vec<Vec<HookReads>> = sizes.iter().map(|&n| hook_reads(n, control)).collect();
	let rows: Vec<Row> = runs[0]
		.iter()
		.enumerate()
		.map(|(i, first)| (first.hook, first.items, runs.iter().map(|run| run[i].reads).collect()))
		.collect();
	for (hook, items, reads) in &rows {
		let cells: Vec<String> =
			reads.iter().map(|r| format!("{} nodes / {} bytes", r.nodes, r.bytes)).collect();
		println!("footprint {hook} ({items} items) beside {sizes:?}: {}", cells.join(", "));
	}
	rows
}

/// The hooks whose reads grow with each tenfold step of the background by more than twice what
/// the step before added, with one node per item of slack (a level of the trie is reached in
/// steps, not smoothly): what a scan does, and reading along key paths does not.
fn scanning(sizes: &[u32], rows: &[Row]) -> Vec<&'static str> {
	assert!(
		sizes.windows(2).all(|w| w[1] == w[0] * 10) && sizes.len() >= 3,
		"the check compares tenfold steps: three sizes or more, each ten times the one before"
	);
	rows.iter()
		.filter(|(_, items, reads)| {
			reads.windows(3).any(|r| {
				let (first, second) =
					(r[1].nodes.saturating_sub(r[0].nodes), r[2].nodes.saturating_sub(r[1].nodes));
				second > 2 * first + *items as usize
			})
		})
		.map(|(hook, ..)| *hook)
		.collect()
}

#[test]
fn no_protocol_hook_reads_more_than_its_keys_paths_as_the_state_grows() {
	let sizes = sizes();
	let rows = measure(&sizes, None);
	assert_eq!(rows.len(), 5, "every protocol hook is measured");
	assert!(rows.iter().all(|(_, _, reads)| reads[0].nodes > 0), "every hook reads its load");
	let scans = scanning(&sizes, &rows);
	assert!(scans.is_empty(), "reads grow faster than the trie's depth: {scans:?}");
}

/// The check above fails for hooks that scan the open orders: a control that counts them in
/// every loaded block is caught in every hook's block, on smaller backgrounds to keep it quick.
#[test]
fn a_scan_of_the_open_orders_is_caught() {
	fn count_orders() {
		let _ = pallet_fulfillment::Orders::<Runtime>::iter_keys().count();
	}
	let sizes = [10, 100, 1_000];
	let rows = measure(&sizes, Some(count_orders));
	assert_eq!(scanning(&sizes, &rows), rows.iter().map(|(hook, ..)| *hook).collect::<Vec<_>>());
}
