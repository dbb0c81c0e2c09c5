//! How long one lookup in `kvdb-memorydb` takes as it grows: the database `benchmark pallet`
//! (sc-client-db's `BenchmarkingState`) reads every trie node from. Keys are 32-byte hashes,
//! as trie nodes' are; values 100 bytes. For each size given, prints the fastest of five passes
//! of 200,000 lookups of present keys, in nanoseconds per lookup.
//!
//!     surety-memdb-probe 1000 450000
use kvdb::KeyValueDB;
use std::time::Instant;

const LOOKUPS: u64 = 200_000;
const PASSES: usize = 5;

/// The `i`-th key: 32 bytes spread like a hash (splitmix64).
fn key(i: u64) -> [u8; 32] {
	let mut out = [0u8; 32];
	let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
	for chunk in out.chunks_mut(8) {
		x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
		let mut z = x;
		z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
		chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
	}
	out
}

fn main() {
	let sizes: Vec<u64> = std::env::args()
		.skip(1)
		.map(|a| a.parse().expect("each argument is a number of keys"))
		.collect();
	for n in sizes.into_iter().filter(|n| *n > 0) {
		let db = kvdb_memorydb::create(1);
		let mut tx = db.transaction();
		for i in 0..n {
			tx.put(0, &key(i), &[7u8; 100]);
		}
		db.write(tx).expect("an in-memory write cannot fail");
		let mut fastest = f64::MAX;
		for _ in 0..PASSES {
			let start = Instant::now();
			let mut found = 0usize;
			for j in 0..LOOKUPS {
				// Strided over all keys: consecutive lookups land far apart in the map.
				let value = db.get(0, &key(j.wrapping_mul(7_919) % n)).expect("in memory");
				found += value.map(|v| v.len()).unwrap_or(0);
			}
			assert_eq!(found, LOOKUPS as usize * 100, "every key looked up is present");
			fastest = fastest.min(start.elapsed().as_nanos() as f64 / LOOKUPS as f64);
		}
		println!("memdb {n} {fastest:.0}");
	}
}
