//! Per-block timer queues, the way every protocol pallet drives its timers: a bounded list of
//! ids per block, so a hook's work never depends on how many timers are pending.

use sp_runtime::{
	traits::{Get, One, Saturating},
	BoundedVec,
};

/// The first of `tries` blocks from `start` whose queue takes the entry (`push` says whether
/// it did), or `None` when all of them are full.
pub fn first_with_room<Block: Copy + Saturating + One>(
	start: Block,
	tries: u32,
	mut push: impl FnMut(Block) -> bool,
) -> Option<Block> {
	let mut block = start;
	for _ in 0..tries {
		if push(block) {
			return Some(block);
		}
		block = block.saturating_add(One::one());
	}
	None
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
