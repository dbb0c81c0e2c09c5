//! The `SuretyApi` runtime API: what shippers, carriers, attesters and operators read from the
//! chain (protocol §8), and the views it answers with. The node's `surety_*` RPC methods call it.

use alloc::vec::Vec;
use codec::{Codec, Decode, Encode};
use scale_info::TypeInfo;
use sp_runtime::{FixedU128, Perbill};

use crate::protocol::{OrderEnd, OrderId, Report, StakeKind};

/// Where an order stands.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub enum OrderStage<Balance, BlockNumber> {
	/// Waiting for a carrier until `accept_by`.
	Open { accept_by: BlockNumber },
	/// Bonded; its committee is reporting (round `round`).
	Attesting { round: u8 },
	/// A committee proposed `outcome`; it can be disputed until block `window_ends`.
	DisputeWindow { outcome: Report, window_ends: BlockNumber },
	/// Disputed or without quorum: a fresh committee of round `round` is reporting.
	Reattesting { round: u8 },
	/// Waiting for `ArbitrationOrigin` to rule, until block `until`.
	AwaitingRuling { until: BlockNumber },
	/// Final; handing the outcome on is retried at `retry_at`.
	Finalizing { outcome: Report, retry_at: BlockNumber },
	/// Ended: how, and what moved.
	Ended { end: OrderEnd, paid_to_carrier: Balance, refunded: Balance, slash_scheduled: Balance },
}

/// An order as the runtime API shows it.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct OrderView<AccountId, Balance, BlockNumber> {
	/// Who created it.
	pub shipper: AccountId,
	/// Who accepted it, if anyone did.
	pub carrier: Option<AccountId>,
	/// Declared cargo value (zero for orders that ended before runtime 101, whose records did
	/// not keep it).
	pub value: Balance,
	/// The bond allocated from the carrier's stake (zero while open, if no carrier accepted, and
	/// for orders that ended before runtime 101).
	pub bond: Balance,
	/// Where it stands.
	pub stage: OrderStage<Balance, BlockNumber>,
}

/// A stake and what is committed from it.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct StakeView<Balance> {
	/// Everything on hold.
	pub total: Balance,
	/// Not unbonding.
	pub active: Balance,
	/// Committed to orders (carriers) or committee seats (attesters).
	pub allocated: Balance,
	/// Reserved for pending slashes.
	pub reserved: Balance,
	/// On its way out, still slashable until withdrawn.
	pub unbonding: Balance,
}

/// A carrier's profile.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct CarrierProfile<Balance> {
	/// Its stake.
	pub stake: StakeView<Balance>,
	/// Declared value of its bonded orders.
	pub open_value: Balance,
	/// Its bonded orders.
	pub open_orders: u32,
	/// Performance score.
	pub score: Perbill,
	/// Orders settled, and how many of them were faulted or lost.
	pub settled: u32,
	/// Settled orders that were faulted or lost.
	pub faults: u32,
	/// Open value ÷ active stake.
	pub leverage: FixedU128,
}

/// An attester's profile.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct AttesterProfile<Balance> {
	/// Its stake.
	pub stake: StakeView<Balance>,
	/// Committee seats held.
	pub seats: u32,
	/// Performance score.
	pub score: Perbill,
	/// Reports judged.
	pub judged: u32,
	/// Judged reports that were wrong or missing.
	pub faults: u32,
	/// Fee shares credited and not yet claimed (`claim_fees`).
	pub fees: Balance,
}

/// An attester's profile as `SuretyApi` versions before 2 return it (runtimes before 102,
/// which paid fee shares at once and so never owed any).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct AttesterProfileV1<Balance> {
	/// Its stake.
	pub stake: StakeView<Balance>,
	/// Committee seats held.
	pub seats: u32,
	/// Performance score.
	pub score: Perbill,
	/// Reports judged.
	pub judged: u32,
	/// Judged reports that were wrong or missing.
	pub faults: u32,
}

impl<Balance: Default> From<AttesterProfileV1<Balance>> for AttesterProfile<Balance> {
	fn from(p: AttesterProfileV1<Balance>) -> Self {
		Self {
			stake: p.stake,
			seats: p.seats,
			score: p.score,
			judged: p.judged,
			faults: p.faults,
			fees: Balance::default(),
		}
	}
}

/// A slash waiting out its defer period.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct PendingSlashView<Balance, BlockNumber> {
	/// Its id (for `cancel_slash` / `reduce_slash`).
	pub id: u64,
	/// Which hold it takes from.
	pub kind: StakeKind,
	/// The order the fault belongs to.
	pub order: OrderId,
	/// How much.
	pub amount: Balance,
	/// The block it is applied in.
	pub due: BlockNumber,
}

/// How much order value the chain's slashable stake secures (protocol §6).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct SecurityLeverage<Balance> {
	/// Declared value of all bonded orders.
	pub open_value: Balance,
	/// All carriers' active stake.
	pub carrier_stake: Balance,
	/// All attesters' active stake.
	pub attester_stake: Balance,
	/// Open value ÷ carrier stake.
	pub leverage: FixedU128,
}

sp_api::decl_runtime_apis! {
	/// What the chain tells shippers, carriers, attesters and operators.
	///
	/// Version 2 (runtime 102): an attester's profile shows the fee shares it has not claimed.
	#[api_version(2)]
	pub trait SuretyApi<AccountId, Balance, BlockNumber>
	where
		AccountId: Codec,
		Balance: Codec,
		BlockNumber: Codec,
	{
		/// The bond `carrier` would allocate for cargo worth `value` (unknown carriers are quoted
		/// at the neutral score).
		fn quote_bond(value: Balance, carrier: AccountId) -> Balance;
		/// An order, live or ended.
		fn order(order: OrderId) -> Option<OrderView<AccountId, Balance, BlockNumber>>;
		/// A carrier's profile, if registered.
		fn carrier(who: AccountId) -> Option<CarrierProfile<Balance>>;
		/// An attester's profile, if registered.
		fn attester(who: AccountId) -> Option<AttesterProfile<Balance>>;
		/// An attester's profile, before version 2 (without credited fees).
		#[changed_in(2)]
		fn attester(who: AccountId) -> Option<AttesterProfileV1<Balance>>;
		/// The pending slashes of `who`, on any of its holds.
		fn pending_slashes(who: AccountId) -> Vec<PendingSlashView<Balance, BlockNumber>>;
		/// Chain-wide security leverage.
		fn security_leverage() -> SecurityLeverage<Balance>;
	}
}
