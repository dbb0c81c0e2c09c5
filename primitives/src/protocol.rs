//! The protocol's shared vocabulary: orders, reports, faults, and the traits through which
//! the fulfillment, attestation, disputes and slashing pallets call each other.
//!
//! Each pallet depends on these traits only, never on another pallet, so each can be tested
//! against a mock of the others and the runtime wires the real ones together.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{
	traits::ConstU32, BoundedVec, DispatchError, DispatchResult, Perbill, Saturating, Weight,
};

use crate::Moment;

/// Identifier of an order, assigned in creation order.
pub type OrderId = u64;

/// What happened to a shipment, as an attester reports it and as the final outcome states it.
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
pub enum Report {
	/// The cargo arrived.
	Delivered {
		/// When it arrived (unix milliseconds).
		at: Moment,
		/// Time-integrated temperature excursion outside the agreed band, in centi-°C × minutes.
		max_excursion_centi_c_minutes: u32,
		/// Fraction of the cargo's value destroyed.
		damage: Perbill,
	},
	/// The cargo never arrived.
	Lost,
}

/// What a committee member signs to have its report submitted by another account
/// (`attestation.attest_signed`): the SCALE encoding of
/// `(b"surety/attest", genesis hash, order, round, report, evidence)`. The genesis hash keeps a
/// signature to one chain, the order and round to one report.
pub fn report_payload<Hash: Encode>(
	genesis: Hash,
	order: OrderId,
	round: u8,
	report: &Report,
	evidence: &sp_core::H256,
) -> alloc::vec::Vec<u8> {
	(b"surety/attest", genesis, order, round, report, evidence).encode()
}

/// How an order ended.
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
pub enum OrderEnd {
	/// Delivered within the deadline and grace, in band, undamaged.
	DeliveredOnTime,
	/// Delivered with a fault: late, out of band or damaged.
	DeliveredWithFault,
	/// Not delivered.
	Lost,
	/// Cancelled while open, or by both parties after bonding.
	Cancelled,
	/// No carrier accepted before `accept_by`.
	Expired,
}

/// How bad a carrier's fault was: the inputs of the slashing model (protocol §5).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Severity {
	/// Whole hours (rounded up) past the delivery deadline plus grace.
	pub late_hours: u32,
	/// Temperature excursion in centi-°C × minutes (zero when the order has no band).
	pub excursion_centi_c_minutes: u32,
	/// Fraction of the cargo damaged.
	pub damage: Perbill,
	/// The cargo was lost.
	pub lost: bool,
	/// An attester's misconduct (a wrong report, or silence), as a fraction of its seat bond
	/// fixed by the attestation side.
	pub misconduct: Perbill,
}

impl Severity {
	/// The severity of a final report against the order's deadline (`deliver_by + grace`),
	/// counting excursions only when the order set a temperature band.
	pub fn of(report: &Report, deadline: Moment, has_band: bool) -> Self {
		match *report {
			Report::Lost => Severity { lost: true, ..Default::default() },
			Report::Delivered { at, max_excursion_centi_c_minutes, damage } => {
				const HOUR_MS: u64 = 3_600_000;
				let late_ms = at.saturating_sub(deadline);
				let late_hours = late_ms.div_ceil(HOUR_MS).min(u32::MAX as u64) as u32;
				Severity {
					late_hours,
					excursion_centi_c_minutes: if has_band {
						max_excursion_centi_c_minutes
					} else {
						0
					},
					damage,
					lost: false,
					misconduct: Perbill::zero(),
				}
			}
		}
	}

	/// Whether there is anything to slash for.
	pub fn is_fault(&self) -> bool {
		self.lost
			|| self.late_hours > 0
			|| self.excursion_centi_c_minutes > 0
			|| !self.damage.is_zero()
			|| !self.misconduct.is_zero()
	}

	/// Everything at risk is forfeited: lost cargo, or a dispute deposit on a dispute that lost.
	pub fn forfeit() -> Self {
		Severity { lost: true, ..Default::default() }
	}

	/// An attester's fault: `fraction` of its seat bond.
	pub fn misconduct(fraction: Perbill) -> Self {
		Severity { misconduct: fraction, ..Default::default() }
	}
}

/// Whose funds a slash takes, and from which hold.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum StakeKind {
	/// A carrier's stake, from the bond allocated to the faulted order.
	Carrier,
	/// An attester's stake.
	Attester,
	/// A disputer's deposit.
	DisputeDeposit,
}

/// Most reporters one slash rewards.
pub const MAX_REPORTERS: u32 = 4;

/// Who reported a fault (for instance the disputer who proved it); they share `ReporterShare`.
pub type Reporters<AccountId> = BoundedVec<AccountId, ConstU32<MAX_REPORTERS>>;

/// A fault handed to the slashing side (protocol §5).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SlashRequest<AccountId, Balance> {
	/// Who is slashed.
	pub offender: AccountId,
	/// Which of the offender's holds.
	pub kind: StakeKind,
	/// The order the fault belongs to.
	pub order: OrderId,
	/// What the fault puts at risk (the allocated bond): the base of the slash fraction and
	/// its ceiling.
	pub at_risk: Balance,
	/// How bad the fault was.
	pub severity: Severity,
	/// Declared cargo value: compensation is capped at the damage to it.
	pub value: Balance,
	/// Who is compensated first.
	pub beneficiary: Option<AccountId>,
	/// Who reported the fault.
	pub reporters: Reporters<AccountId>,
}

/// The slashing side: schedules a slash as pending (protocol §5). Implemented by the slashing
/// pallet.
pub trait SlashScheduler<AccountId, Balance> {
	/// Schedules a slash for `request` and returns the amount scheduled, which never exceeds
	/// `request.at_risk` and is non-zero for a fault. The funds stay on their hold until the
	/// slash is applied; the owner of the hold keeps them reserved meanwhile.
	fn schedule(request: SlashRequest<AccountId, Balance>) -> Result<Balance, DispatchError>;
}

/// The owner of a slashable hold: the slashing side calls it to apply or release a pending
/// slash, so the owner's ledger always agrees with its hold.
pub trait SlashableStake<AccountId, Balance> {
	/// The funds taken by a slash, to be distributed by the slashing side.
	type Credit;

	/// Takes up to `amount` of what was reserved for a pending slash from `who`'s hold.
	/// Returns the credit taken (possibly less, never more).
	fn slash_reserved(kind: StakeKind, who: &AccountId, amount: Balance) -> Self::Credit;

	/// A pending slash was cancelled or reduced: `amount` of the reservation is free again.
	fn release_reserved(kind: StakeKind, who: &AccountId, amount: Balance);

	/// All active stake of `kind`: the denominator of the correlation penalty.
	fn total_stake(kind: StakeKind) -> Balance;

	/// What `who`'s `kind` stake has reserved for pending slashes.
	fn reserved(kind: StakeKind, who: &AccountId) -> Balance;
}

/// The attestation side as the fulfillment pallet sees it. Implemented by the attestation
/// pallet. The fulfillment pallet's benchmarks run against the real one in the runtime, so
/// its weights include what these calls cost.
pub trait AttestationHandler<AccountId, Balance> {
	/// An order was accepted: draw its committee, which reports by `report_by` (unix ms).
	/// Returns the weight a caller charged for a draw among the most candidates can refund:
	/// the draw's cost grows with the candidates there are.
	fn open(
		order: OrderId,
		shipper: &AccountId,
		carrier: &AccountId,
		report_by: Moment,
	) -> Result<Weight, DispatchError>;

	/// The most [`Self::open`]'s search for a deadline block with room may read and write past
	/// a full first queue, which its caller declares beyond the benchmarks (see [`crate::queue`]).
	fn max_spill() -> crate::queue::Spill;

	/// An order ended before any outcome (cancelled by both parties): release its committee.
	fn close(order: OrderId);

	/// The account that receives the attestation fee of a settled order.
	fn fee_account() -> AccountId;

	/// `amount` was paid into [`Self::fee_account`] for `order`'s committee.
	fn fee_paid(order: OrderId, amount: Balance);
}

/// Which way an order's final outcome was acted on, for the caller to charge the weight of
/// that path rather than the clean one for every order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OutcomePath {
	/// Nobody was at fault: the order settled in full and every member agreed. No slash.
	Clean,
	/// A carrier fault or a member judged wrong or silent: slashes were scheduled.
	Faulted,
}

impl OutcomePath {
	/// The path of two handlers acting on the same outcome: clean only if both were.
	pub fn and(self, other: OutcomePath) -> OutcomePath {
		if self == OutcomePath::Clean {
			other
		} else {
			OutcomePath::Faulted
		}
	}
}

/// Receives the final outcome of an order once no dispute can change it. Implemented by the
/// fulfillment pallet (settlement) and the attestation pallet (judging the committee).
pub trait OutcomeHandler {
	/// Acts on the final outcome of `order`; says which path it took.
	fn on_final_outcome(order: OrderId, outcome: Report) -> Result<OutcomePath, DispatchError>;
}

/// A performance score after one more outcome scored `outcome`: an exponential moving average
/// with weight `alpha` on the newest outcome (protocol §6).
pub fn updated_score(score: Perbill, outcome: Perbill, alpha: Perbill) -> Perbill {
	score.saturating_sub(alpha * score).saturating_add(alpha * outcome)
}

/// A performance score after `agreements` more outcomes that each scored one: the same moving
/// average in closed form, `1 - (1 - alpha)^agreements × (1 - score)`, in one step whatever the
/// count (an attester's agreeing judgements are folded into its ledger in one go).
pub fn score_after_agreements(score: Perbill, agreements: u32, alpha: Perbill) -> Perbill {
	use sp_runtime::PerThing;
	let kept = alpha.left_from_one().saturating_pow(agreements as usize);
	(kept * score.left_from_one()).left_from_one()
}

/// Where attestation hands an order on: implemented by the disputes pallet.
pub trait ProposalHandler {
	/// A committee reached quorum on `outcome`: the dispute window opens (or, in a later
	/// round, the disputed outcome is answered).
	fn on_proposed(order: OrderId, outcome: Report) -> DispatchResult;

	/// The committee's deadline passed without quorum: the order is escalated.
	fn on_no_quorum(order: OrderId) -> DispatchResult;

	/// The most [`Self::on_proposed`]'s search for a block with room for the window's end may
	/// read and write past a full first queue, which its caller declares beyond the benchmarks
	/// (see [`crate::queue`]).
	fn max_spill() -> crate::queue::Spill;
}

/// Committees as the disputes pallet sees them. Implemented by the attestation pallet.
pub trait CommitteeProvider<AccountId> {
	/// Whether `who` sits, or sat, on `order`'s committee in any round.
	fn is_member(order: OrderId, who: &AccountId) -> bool;

	/// Draws the next round's committee for `order`, larger than the first and excluding
	/// everyone who sat on an earlier round, to report within its response window. Returns
	/// the weight a caller charged for a draw among the most candidates can refund.
	fn escalate(order: OrderId) -> Result<Weight, DispatchError>;

	/// The most [`Self::escalate`]'s search for a deadline block with room may read and write
	/// past a full first queue, which its caller declares beyond the benchmarks (see
	/// [`crate::queue`]).
	fn max_spill() -> crate::queue::Spill;

	/// Whether two reports agree: the same class and numeric fields within the tolerance
	/// committees are judged by.
	fn agrees(report: &Report, outcome: &Report) -> bool;

	/// `who` disputed `order`'s proposal and the outcome was overturned: it is rewarded
	/// `ReporterShare` of the slashes of the members who were wrong.
	fn note_reporter(order: OrderId, who: &AccountId);
}

/// Orders as the disputes pallet sees them. Implemented by the fulfillment pallet.
pub trait OrderInfo<AccountId, Balance> {
	/// The shipper, the carrier and the declared value of a bonded order.
	fn parties(order: OrderId) -> Option<(AccountId, AccountId, Balance)>;
}

impl OutcomeHandler for () {
	fn on_final_outcome(_: OrderId, _: Report) -> Result<OutcomePath, DispatchError> {
		Ok(OutcomePath::Clean)
	}
}

/// Both handlers act on the outcome, `A` first (the fulfillment pallet pays the attestation fee
/// on settlement, which the attestation pallet then shares, so it comes first).
impl<A: OutcomeHandler, B: OutcomeHandler> OutcomeHandler for (A, B) {
	fn on_final_outcome(order: OrderId, outcome: Report) -> Result<OutcomePath, DispatchError> {
		let first = A::on_final_outcome(order, outcome)?;
		Ok(first.and(B::on_final_outcome(order, outcome)?))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const HOUR: u64 = 3_600_000;

	#[test]
	fn agreements_in_one_step_move_the_score_as_one_at_a_time_do() {
		let alpha = Perbill::from_percent(10);
		for start in [Perbill::zero(), Perbill::from_percent(37), Perbill::one()] {
			assert_eq!(score_after_agreements(start, 0, alpha), start);
			let mut one_by_one = start;
			for k in 1..=200u32 {
				one_by_one = updated_score(one_by_one, Perbill::one(), alpha);
				let folded = score_after_agreements(start, k, alpha);
				// Each step rounds to a part per billion; the closed form rounds twice.
				let gap = folded.deconstruct().abs_diff(one_by_one.deconstruct());
				assert!(
					gap <= k + 2,
					"{k} agreements from {start:?}: {folded:?} vs {one_by_one:?}"
				);
				assert!(folded >= start);
			}
		}
		// Any count is one step: it never overflows and tends to one.
		let far = score_after_agreements(Perbill::from_percent(50), u32::MAX, alpha);
		assert_eq!(far, Perbill::one());
		assert_eq!(score_after_agreements(Perbill::zero(), 5, Perbill::zero()), Perbill::zero());
	}

	#[test]
	fn on_time_delivery_is_no_fault() {
		let report = Report::Delivered {
			at: 10 * HOUR,
			max_excursion_centi_c_minutes: 0,
			damage: Perbill::zero(),
		};
		let severity = Severity::of(&report, 10 * HOUR, true);
		assert_eq!(severity, Severity::default());
		assert!(!severity.is_fault());
	}

	#[test]
	fn lateness_rounds_up_to_whole_hours() {
		let late = |ms| {
			Severity::of(
				&Report::Delivered {
					at: 10 * HOUR + ms,
					max_excursion_centi_c_minutes: 0,
					damage: Perbill::zero(),
				},
				10 * HOUR,
				false,
			)
			.late_hours
		};
		assert_eq!(late(1), 1);
		assert_eq!(late(HOUR), 1);
		assert_eq!(late(HOUR + 1), 2);
	}

	#[test]
	fn excursion_counts_only_with_a_band() {
		let report = Report::Delivered {
			at: 0,
			max_excursion_centi_c_minutes: 500,
			damage: Perbill::zero(),
		};
		assert!(!Severity::of(&report, 0, false).is_fault());
		assert_eq!(Severity::of(&report, 0, true).excursion_centi_c_minutes, 500);
	}

	#[test]
	fn lost_is_a_fault() {
		assert!(Severity::of(&Report::Lost, 0, false).lost);
		assert!(Severity::of(&Report::Lost, 0, false).is_fault());
	}
}
