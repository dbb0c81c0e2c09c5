//! Types of the attestation pallet.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::*, traits::fungible::Inspect};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;
use sp_runtime::Perbill;
use surety_primitives::{protocol::Report, stake::StakeLedger, Moment};

use crate::Config;

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// An attester's stake ledger.
pub type LedgerOf<T> =
	StakeLedger<BalanceOf<T>, BlockNumberFor<T>, <T as Config>::MaxUnbondingChunks>;

/// A committee as stored.
pub type CommitteeOf<T> = Committee<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	BlockNumberFor<T>,
	<T as Config>::MaxCommitteeMembers,
>;

/// How far a report's numeric fields may be from the final outcome's and still agree.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct ReportTolerance {
	/// Delivery time, in milliseconds.
	pub at_ms: u64,
	/// Temperature excursion, in centi-°C × minutes.
	pub excursion_centi_c_minutes: u32,
	/// Damaged fraction.
	pub damage: Perbill,
}

impl ReportTolerance {
	/// Whether `report` agrees with `outcome`: the same class and, when delivered, every
	/// numeric field within tolerance.
	pub fn agrees(&self, report: &Report, outcome: &Report) -> bool {
		match (report, outcome) {
			(Report::Lost, Report::Lost) => true,
			(
				Report::Delivered { at: a, max_excursion_centi_c_minutes: e, damage: d },
				Report::Delivered { at: fa, max_excursion_centi_c_minutes: fe, damage: fd },
			) => {
				a.abs_diff(*fa) <= self.at_ms
					&& e.abs_diff(*fe) <= self.excursion_centi_c_minutes
					&& d.deconstruct().abs_diff(fd.deconstruct()) <= self.damage.deconstruct()
			}
			_ => false,
		}
	}
}

/// An attester: its stake and its record.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
	frame_support::DefaultNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct AttesterInfo<T: Config> {
	/// Stake on the `AttesterStake` hold; each committee seat allocates `SeatBond` from it.
	pub stake: LedgerOf<T>,
	/// Committee seats held (orders not yet judged).
	pub seats: u32,
	/// Performance score (exponential moving average of judged reports).
	pub score: Perbill,
	/// Reports judged.
	pub judged: u32,
	/// Judged reports that were wrong or missing.
	pub faults: u32,
	/// Fee shares earned and not yet claimed (`claim_fees`). They wait in the fee pot: crediting
	/// the ledger the judgement writes anyway saves a transfer per member and order.
	pub fees: BalanceOf<T>,
}

/// An attester's entry in the candidate list: what a draw needs, read in one value.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Candidate<AccountId, Balance> {
	/// The attester.
	pub who: AccountId,
	/// Its active stake: its weight in a draw.
	pub active: Balance,
	/// Its free stake, less the seats in `drawn`: it is drawn only while this covers a seat.
	pub free: Balance,
	/// Seats drawn since its ledger was last written, not yet in the ledger's `seats` and
	/// `allocated`. A draw writes the list anyway: keeping its seats here spares it a read and
	/// a write of each member's ledger. Folded into the ledger when the ledger is next written.
	pub drawn: u32,
	/// Judgements it agreed with since its ledger was last written: each freed a seat (whose
	/// bond is back in `free` already) and moves its score toward one. A judgement writes the
	/// list anyway: keeping them here spares a settlement a read and a write of each agreeing
	/// member's ledger. Folded into the ledger with `drawn`.
	pub agreed: u32,
	/// The fee shares those judgements credited, folded into the ledger's `fees` with them.
	pub fees: Balance,
}

impl<AccountId, Balance: Default> Candidate<AccountId, Balance> {
	/// An entry that owes its ledger nothing.
	pub fn new(who: AccountId, active: Balance, free: Balance) -> Self {
		Candidate { who, active, free, drawn: 0, agreed: 0, fees: Default::default() }
	}
}

/// A candidate list entry as stored.
pub type CandidateOf<T> = Candidate<<T as frame_system::Config>::AccountId, BalanceOf<T>>;

/// What became of a member's report when it was judged.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Verdict {
	/// Agreed with the final outcome: shares the fee.
	Agreed,
	/// Reported something else: slashed `WrongReportFraction` of its seat bond.
	Wrong,
	/// Never reported: slashed `SilenceFraction` of its seat bond.
	Silent,
}

/// A committee seat.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Member<AccountId, Balance> {
	/// The attester.
	pub who: AccountId,
	/// Its active stake when drawn: its voting weight.
	pub weight: Balance,
	/// The round it was drawn for (1 is the first).
	pub round: u8,
	/// What it reported, with the digest of its evidence.
	pub report: Option<(Report, sp_core::H256)>,
	/// Judged already (silent members of a round without quorum are judged at its deadline).
	pub verdict: Option<Verdict>,
}

/// A member's report signed by the member, for a batch that any account submits
/// (`attest_signed`): the signature is over [`crate::Pallet::report_payload`].
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct SignedReport<AccountId, Signature> {
	/// The member reporting.
	pub who: AccountId,
	/// What it reports.
	pub report: Report,
	/// The digest of its evidence.
	pub evidence: sp_core::H256,
	/// Its signature over the report's payload.
	pub signature: Signature,
}

/// Where a committee's current round stands.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum RoundStatus {
	/// Members are reporting; the deadline timer runs.
	Collecting,
	/// Quorum was reached and the outcome handed on; late reports are still recorded.
	Proposed,
	/// The deadline passed without quorum; the order was escalated.
	NoQuorum,
}

/// The attesters of one order, over all its rounds.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxMembers))]
pub struct Committee<AccountId, Balance, BlockNumber, MaxMembers: Get<u32>> {
	/// The order's shipper: never drawn.
	pub shipper: AccountId,
	/// The order's carrier: never drawn.
	pub carrier: AccountId,
	/// The current round (1 is the first).
	pub round: u8,
	/// Where the current round stands.
	pub status: RoundStatus,
	/// The current round reports by this time (unix ms)...
	pub deadline: Moment,
	/// ...which the hook checks at this block.
	pub deadline_block: BlockNumber,
	/// Members of every round.
	pub members: BoundedVec<Member<AccountId, Balance>, MaxMembers>,
}
