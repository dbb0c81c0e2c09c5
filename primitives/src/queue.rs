//! Per-block timer queues, the way every protocol pallet drives its timers: a bounded list of
//! ids per block, so a hook's work never depends on how many timers are pending.
//!
//! When a block's queue is full, an entry spills to the next block with room. The benchmarks
//! find room in the first block they try (but `create_order(s)`, whose parameter is the full
//! queues it reads), so what a search reads and writes past a full first queue is counted here
//! ([`counting_spills`]) and charged by whoever made the search: a call declares the most its
//! searches may read and write and is refunded what they did not; a hook adds what they did.
//!
//! Timers wanted in the same block come in bursts (every report that reaches quorum in a block
//! wants its window to end in the same later block), so a search that spills leaves a hint of
//! where it found room ([`first_with_room_hinted`]): the next search for the same block starts
//! there instead of reading again every full queue before it, which made a burst's reads grow
//! with its square. Pallets queue through [`push_hinted`].

use codec::FullCodec;
use frame_support::{
	dispatch_context::{run_in_context, with_context},
	storage::{StorageMap, StorageValue},
	weights::{RuntimeDbWeight, Weight},
};
use sp_runtime::{
	traits::{Get, One, Saturating},
	BoundedVec,
};

/// Queues `id` in `Queue`'s first block from `start` with room, of `tries`, following and
/// leaving the family's `Hint` (see [`first_with_room_hinted`]): the block it went in, or
/// `None` when every block is full.
pub fn push_hinted<Queue, Hint, Block, Id, Bound>(start: Block, tries: u32, id: Id) -> Option<Block>
where
	Queue: StorageMap<Block, BoundedVec<Id, Bound>, Query = BoundedVec<Id, Bound>>,
	Hint: StorageValue<(Block, Block), Query = Option<(Block, Block)>>,
	Block: FullCodec + Copy + Saturating + One + PartialOrd + From<u32>,
	Id: FullCodec + Clone,
	Bound: Get<u32>,
{
	first_with_room_hinted(start, tries, Hint::get, Hint::put, |block| {
		Queue::try_mutate(block, |queue| queue.try_push(id.clone())).is_ok()
	})
}

/// What searches read and wrote past the first queue they tried, beyond their benchmarks.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Spill {
	/// Full queues, and the hint a search reads when its first queue is full.
	pub reads: u32,
	/// Hints written.
	pub writes: u32,
}

impl Spill {
	/// `reads` queues or hints read, nothing written.
	pub const fn reads(reads: u32) -> Spill {
		Spill { reads, writes: 0 }
	}

	/// The most a hinted search of `tries` blocks reads and writes: every block it tries, the
	/// hint, and the hint written.
	pub const fn longest_hinted(tries: u32) -> Spill {
		Spill { reads: tries.saturating_add(1), writes: 1 }
	}

	/// A hinted search's spill as the full queues it read and the hint's reads and writes: one
	/// search that spilled read its hint once.
	pub fn split_hint(self) -> (u32, Spill) {
		match self.reads {
			0 => (0, Spill::default()),
			reads => (reads.saturating_sub(1), Spill { reads: 1, writes: self.writes }),
		}
	}

	pub fn saturating_add(self, other: Spill) -> Spill {
		Spill {
			reads: self.reads.saturating_add(other.reads),
			writes: self.writes.saturating_add(other.writes),
		}
	}

	pub fn saturating_sub(self, other: Spill) -> Spill {
		Spill {
			reads: self.reads.saturating_sub(other.reads),
			writes: self.writes.saturating_sub(other.writes),
		}
	}

	/// Its weight: a read per full queue or hint read (a full queue is left as it was), a write
	/// per hint written.
	pub fn weight(self, db: RuntimeDbWeight) -> Weight {
		db.reads_writes(self.reads.into(), self.writes.into())
	}
}

/// The first of `tries` blocks from `start` whose queue takes the entry (`push` says whether
/// it did), or `None` when all of them are full, starting past full queues where the last
/// search that wanted `start` found room. What it reads and writes past a full first queue is
/// counted for [`counting_spills`]. The hint (`get_hint`, `set_hint`: one storage value per
/// family of queues) is `(wanted, found)`. Blocks it skips were full when it was written; an
/// entry taken out of one since leaves room there that this search does not use (the timer fires later,
/// never earlier) unless no block from the hint on has room: then the skipped blocks are tried
/// too, so a search fails only when every block it may try is full. It reads at most
/// [`Spill::longest_hinted`]`(tries)`.
pub fn first_with_room_hinted<Block: Copy + Saturating + One + PartialOrd + From<u32>>(
	start: Block,
	tries: u32,
	get_hint: impl FnOnce() -> Option<(Block, Block)>,
	set_hint: impl FnOnce((Block, Block)),
	mut push: impl FnMut(Block) -> bool,
) -> Option<Block> {
	if tries == 0 {
		return None;
	}
	if push(start) {
		return Some(start);
	}
	let next = start.saturating_add(One::one());
	let end = start.saturating_add(Block::from(tries));
	let hint = get_hint();
	// The full first queue and the hint.
	let mut spill = Spill::reads(2);
	let resume = match hint {
		Some((wanted, at)) if wanted == start && next < at && at < end => at,
		_ => next,
	};
	let skipped = count_between(next, resume);
	let (mut found, full) =
		scan(resume, tries.saturating_sub(1).saturating_sub(skipped), &mut push);
	spill.reads.saturating_accrue(full);
	if found.is_none() {
		let (again, full) = scan(next, skipped, &mut push);
		spill.reads.saturating_accrue(full);
		found = again;
	}
	if let Some(at) = found {
		if hint != Some((start, at)) {
			set_hint((start, at));
			spill.writes = 1;
		}
	}
	note_spilled(spill);
	found
}

/// How many blocks from `from` before `to`, counted by stepping (the block type has no
/// subtraction into `u32`); at most `u32::MAX`.
fn count_between<Block: Copy + Saturating + One + PartialOrd>(from: Block, to: Block) -> u32 {
	let (mut block, mut count) = (from, 0u32);
	while block < to && count < u32::MAX {
		block = block.saturating_add(One::one());
		count += 1;
	}
	count
}

/// Tries `tries` blocks from `start`: the first that takes the entry, and how many full queues
/// were read before it (all of them when none did).
fn scan<Block: Copy + Saturating + One>(
	start: Block,
	tries: u32,
	push: &mut impl FnMut(Block) -> bool,
) -> (Option<Block>, u32) {
	let mut block = start;
	for full in 0..tries {
		if push(block) {
			return (Some(block), full);
		}
		block = block.saturating_add(One::one());
	}
	(None, tries)
}

fn note_spilled(spill: Spill) {
	if spill != Spill::default() {
		// Outside any count (a benchmark's set-up, or a search a call weighs itself) there is
		// nobody to charge: `None` is expected then.
		let _ = with_context::<Spill, _>(|count| {
			let count = count.or_default();
			*count = count.saturating_add(spill);
		});
	}
}

fn spilled_so_far() -> Spill {
	with_context::<Spill, _>(|count| *count.or_default()).unwrap_or_default()
}

/// Runs `f` and returns its result with what its searches read and wrote past full queues.
/// Counts nest: a count inside another (a call in a batch) sees only its own, and the outer one
/// sees them too. They are counted even when `f` fails and its writes are rolled back.
pub fn counting_spills<R>(f: impl FnOnce() -> R) -> (R, Spill) {
	run_in_context(|| {
		let before = spilled_so_far();
		let result = f();
		(result, spilled_so_far().saturating_sub(before))
	})
}

/// Runs a hook that returns its benchmarked weight, and adds what its searches spilled.
pub fn hook_with_spills(db: RuntimeDbWeight, hook: impl FnOnce() -> Weight) -> Weight {
	let (weight, spilled) = counting_spills(hook);
	weight.saturating_add(spilled.weight(db))
}

/// A hinted search that finds `full` full queues (none hinted) before room: for a mock that
/// stands in for a pallet whose queues are full. It spills [`spilled_past`]`(full)`.
#[cfg(feature = "std")]
pub fn search_past(full: u32) {
	let _ = first_with_room_hinted(
		0u32,
		full.saturating_add(1),
		|| None,
		|_| (),
		|block| block == full,
	);
}

/// What a hinted search that finds `full` full queues before room, none of them hinted,
/// spills: nothing when the first has room, else the full queues, the hint, the hint written.
pub const fn spilled_past(full: u32) -> Spill {
	if full == 0 {
		Spill { reads: 0, writes: 0 }
	} else {
		Spill { reads: full.saturating_add(1), writes: 1 }
	}
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

	/// A search without a hint kept between searches.
	fn first_with_room(start: u32, tries: u32, room: impl FnMut(u32) -> bool) -> Option<u32> {
		first_with_room_hinted(start, tries, || None, |_| (), room)
	}

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
		assert_eq!(counting_spills(|| first_with_room(6u32, 4, room)), (Some(6), Spill::default()));
		// Two searches in one count, one of them failing: 3 + 3 full queues, a hint read by
		// each, and written by the one that found room.
		let (found, spilled) =
			counting_spills(|| (first_with_room(3u32, 4, room), first_with_room(3u32, 3, room)));
		assert_eq!((found, spilled), ((Some(6), None), Spill { reads: 8, writes: 1 }));
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
		let inner_spill = Spill { reads: 3, writes: 1 };
		assert_eq!((inner, at), (inner_spill, Some(5)));
		assert_eq!(outer, Spill { reads: 2, writes: 1 }.saturating_add(inner_spill));
		// Outside any count, a search is not counted, and a later count starts from nothing.
		assert_eq!(first_with_room(3u32, 4, room), Some(5));
		assert_eq!(counting_spills(|| ()), ((), Spill::default()));
	}

	#[test]
	fn a_hook_is_charged_what_its_searches_spilled() {
		let db = RuntimeDbWeight { read: 7, write: 100 };
		let full = [3u32];
		let weight = hook_with_spills(db, || {
			first_with_room(3u32, 2, |b| !full.contains(&b));
			db.writes(1)
		});
		// Its write, and the full queue, the hint read and the hint written.
		assert_eq!(weight, db.reads_writes(2, 2));
	}

	/// Queues of `capacity` per block, and one hint, as a pallet keeps them.
	struct Queues {
		held: std::collections::BTreeMap<u32, u32>,
		capacity: u32,
		hint: Option<(u32, u32)>,
	}

	impl Queues {
		fn new(capacity: u32) -> Self {
			Queues { held: Default::default(), capacity, hint: None }
		}

		fn push(&mut self, start: u32, tries: u32) -> (Option<u32>, Spill) {
			let hint = self.hint;
			let mut set = None;
			let (found, spill) = counting_spills(|| {
				first_with_room_hinted(
					start,
					tries,
					|| hint,
					|h| set = Some(h),
					|block| {
						let held = self.held.entry(block).or_default();
						let room = *held < self.capacity;
						if room {
							*held += 1;
						}
						room
					},
				)
			});
			if set.is_some() {
				self.hint = set;
			}
			(found, spill)
		}
	}

	#[test]
	fn a_burst_reads_two_queues_each_not_every_full_one() {
		let mut queues = Queues::new(2);
		let mut spills = Spill::default();
		let mut found = vec![];
		for _ in 0..10 {
			let (at, spill) = queues.push(100, 8);
			found.push(at.unwrap());
			spills = spills.saturating_add(spill);
		}
		// The same blocks as a search from the start every time would find.
		assert_eq!(found, vec![100, 100, 101, 101, 102, 102, 103, 103, 104, 104]);
		// 8 spilled searches: each reads the first queue and the hint, and those that start at
		// a hinted block found full on the way (3 of them: 101, 102, 103) read it too and move the
		// hint. Without the hint they would read 1+1+2+2+3+3+4+4 = 20 full queues.
		assert_eq!(spills, Spill { reads: 8 * 2 + 3, writes: 4 });
		// The hint is one search's worth: a search reads at most every block, the hint, a write.
		assert!(spills.reads <= 8 * Spill::longest_hinted(8).reads);
	}

	#[test]
	fn a_hinted_search_fails_only_when_every_block_is_full() {
		let mut queues = Queues::new(1);
		for expected in 0..4 {
			assert_eq!(queues.push(10, 4).0, Some(10 + expected));
		}
		assert_eq!(queues.hint, Some((10, 13)));
		// Room left before the hint (an entry taken out): the hint is tried first, then the
		// blocks it skipped.
		queues.held.insert(11, 0);
		let (at, spill) = queues.push(10, 4);
		assert_eq!(at, Some(11));
		// The first queue, the hint, 13 full, then 11 has room: every block once at most.
		assert_eq!(spill, Spill { reads: 3, writes: 1 });
		assert!(spill.reads <= Spill::longest_hinted(4).reads);
		// Every block full: all tried, once each, and nothing found.
		let (at, spill) = queues.push(10, 4);
		assert_eq!(at, None);
		assert_eq!(spill, Spill { reads: 5, writes: 0 });
		assert_eq!(spill.reads, Spill::longest_hinted(4).reads);
		// A hint for another block, or out of the blocks tried, is not followed.
		queues.hint = Some((9, 14));
		assert_eq!(queues.push(13, 3), (Some(14), Spill { reads: 2, writes: 1 }));
		assert_eq!(queues.hint, Some((13, 14)));
		queues.hint = Some((13, 20));
		assert_eq!(queues.push(13, 3), (Some(15), Spill { reads: 3, writes: 1 }));
	}

	#[test]
	fn a_mock_search_spills_what_spilled_past_says() {
		for full in 0..4 {
			assert_eq!(counting_spills(|| search_past(full)).1, spilled_past(full));
			// A search that spills reads the hint, and writes it at most once.
			let hint = if full == 0 { Spill::default() } else { Spill { reads: 1, writes: 1 } };
			assert_eq!(spilled_past(full).split_hint(), (full, hint));
		}
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
