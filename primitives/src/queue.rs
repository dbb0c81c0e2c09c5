//! Per-block timer queues, the way every protocol pallet drives its timers: a bounded list of
//! ids per block, so a hook's work never depends on how many timers are pending.
//!
//! When a block's queue is full, an entry spills to the next block with room. Every benchmark
//! finds room in the first block it tries, so the full queues a search reads before it are
//! counted here ([`counting_spills`]) and charged by whoever made the search: a call declares
//! the most its searches may read and is refunded what they did not; a hook adds what they
//! read.

use frame_support::{
	dispatch_context::{run_in_context, with_context},
	weights::{RuntimeDbWeight, Weight},
};
use sp_runtime::{
	traits::{Get, One, Saturating},
	BoundedVec,
};

/// The full queues read by the searches of the current dispatch (or hook) so far.
#[derive(Default)]
struct SpilledReads(u32);

/// The first of `tries` blocks from `start` whose queue takes the entry (`push` says whether
/// it did), or `None` when all of them are full. Each full queue read on the way is counted
/// for [`counting_spills`].
pub fn first_with_room<Block: Copy + Saturating + One>(
	start: Block,
	tries: u32,
	mut push: impl FnMut(Block) -> bool,
) -> Option<Block> {
	let mut block = start;
	for full in 0..tries {
		if push(block) {
			note_spilled(full);
			return Some(block);
		}
		block = block.saturating_add(One::one());
	}
	note_spilled(tries);
	None
}

fn note_spilled(reads: u32) {
	if reads > 0 {
		// Outside any count (a benchmark's set-up, or a search a call weighs itself) there is
		// nobody to charge: `None` is expected then.
		let _ = with_context::<SpilledReads, _>(|count| {
			let count = count.or_default();
			count.0 = count.0.saturating_add(reads);
		});
	}
}

fn spilled_so_far() -> u32 {
	with_context::<SpilledReads, _>(|count| count.or_default().0).unwrap_or_default()
}

/// Runs `f` and returns its result with the full queues its searches read. Counts nest: a
/// count inside another (a call in a batch) sees only its own reads, and the outer one sees
/// them too. Reads are counted even when `f` fails and its writes are rolled back.
pub fn counting_spills<R>(f: impl FnOnce() -> R) -> (R, u32) {
	run_in_context(|| {
		let before = spilled_so_far();
		let result = f();
		(result, spilled_so_far().saturating_sub(before))
	})
}

/// The weight of `reads` full queues read by searches: a read each (a full queue is left as
/// it was, so nothing is written).
pub fn spill_weight(db: RuntimeDbWeight, reads: u32) -> Weight {
	db.reads(reads.into())
}

/// Runs a hook that returns its benchmarked weight, and adds the full queues its searches read.
pub fn hook_with_spills(db: RuntimeDbWeight, hook: impl FnOnce() -> Weight) -> Weight {
	let (weight, spilled) = counting_spills(hook);
	weight.saturating_add(spill_weight(db, spilled))
}

/// A search that reads `full` full queues before it finds room: for a mock that stands in for
/// a pallet whose queues are full.
#[cfg(feature = "std")]
pub fn search_past(full: u32) {
	let _ = first_with_room(0u32, full.saturating_add(1), |block| block == full);
}

/// Takes `entry` out of a block's queue (as given by `mutate_exists`), dropping the queue once
/// it is empty so no empty lists stay in storage.
pub fn remove_entry<Id: PartialEq, Bound: Get<u32>>(
	queue: &mut Option<BoundedVec<Id, Bound>>,
	entry: &Id,
) {
	if let Some(q) = queue {
		q.retain(|x| x != entry);
		if q.is_empty() {
			*queue = None;
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_runtime::traits::ConstU32;

	#[test]
	fn spills_to_the_first_block_with_room() {
		let full = [3u32, 4];
		assert_eq!(first_with_room(3u32, 3, |b| !full.contains(&b)), Some(5));
		assert_eq!(first_with_room(3u32, 2, |b| !full.contains(&b)), None);
		assert_eq!(first_with_room(7u32, 1, |_| true), Some(7));
	}

	#[test]
	fn a_count_sees_the_full_queues_its_searches_read() {
		let full = [3u32, 4, 5];
		let room = |b: u32| !full.contains(&b);
		// Room in the first block: nothing beyond a benchmark's read.
		assert_eq!(counting_spills(|| first_with_room(6u32, 4, room)), (Some(6), 0));
		// Two searches in one count, one of them failing: 3 + 2 full queues.
		let (found, spilled) =
			counting_spills(|| (first_with_room(3u32, 4, room), first_with_room(3u32, 3, room)));
		assert_eq!((found, spilled), ((Some(6), None), 6));
	}

	#[test]
	fn a_count_inside_another_sees_only_its_own_reads() {
		let full = [3u32, 4];
		let room = |b: u32| !full.contains(&b);
		let ((inner, at), outer) = counting_spills(|| {
			let before = first_with_room(4u32, 4, room);
			let (at, inner) = counting_spills(|| first_with_room(3u32, 4, room));
			assert_eq!(before, Some(5));
			(inner, at)
		});
		assert_eq!((inner, at, outer), (2, Some(5), 3));
		// Outside any count, a search is not counted, and a later count starts from nothing.
		assert_eq!(first_with_room(3u32, 4, room), Some(5));
		assert_eq!(counting_spills(|| ()), ((), 0));
	}

	#[test]
	fn a_hook_is_charged_a_read_per_full_queue() {
		let db = RuntimeDbWeight { read: 7, write: 100 };
		let full = [3u32];
		let weight = hook_with_spills(db, || {
			first_with_room(3u32, 2, |b| !full.contains(&b));
			db.writes(1)
		});
		assert_eq!(weight, db.reads_writes(1, 1));
	}

	#[test]
	fn an_emptied_queue_is_dropped() {
		let mut queue: Option<BoundedVec<u64, ConstU32<4>>> = Some(vec![1, 2].try_into().unwrap());
		remove_entry(&mut queue, &1);
		assert_eq!(queue.as_ref().map(|q| q.to_vec()), Some(vec![2]));
		remove_entry(&mut queue, &9);
		assert_eq!(queue.as_ref().map(|q| q.to_vec()), Some(vec![2]));
		remove_entry(&mut queue, &2);
		assert_eq!(queue, None);
	}
}
