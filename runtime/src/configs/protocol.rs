//! The protocol pallets: fulfillment, attestation, disputes and slashing, wired to each other
//! through the traits of `surety_primitives::protocol`.
//!
//! An order flows: fulfillment (accept) → attestation (committee, quorum) → disputes (window,
//! rounds, arbitration) → fulfillment (settle) and attestation (judge) → slashing (pending,
//! vetoable, then applied and distributed).
//!
//! The periods are test-network values, short enough that a whole order lifecycle, its dispute
//! window and its slash's defer period fit in a few minutes; the value a production chain would
//! use is noted beside each.

use frame_support::{
	parameter_types,
	traits::{fungible, tokens::imbalance::ResolveTo, ConstU32},
	PalletId,
};
use frame_system::EnsureRoot;
use sp_runtime::{FixedU128, Perbill};
use surety_primitives::{
	currency::UNIT,
	protocol::{SlashableStake, StakeKind},
	time::{DAYS, MILLISECS_PER_BLOCK, MINUTES},
};

use super::*;

const MINUTE_MS: u64 = 60_000;
const HOUR_MS: u64 = 60 * MINUTE_MS;
const DAY_MS: u64 = 24 * HOUR_MS;
/// One block, for periods counted in blocks.
const BLOCK: BlockNumber = 1;

/// The hold of each kind of slashable stake belongs to one pallet; the slashing pallet reaches
/// each through this.
pub struct ProtocolStakes;

type Credit = fungible::Credit<AccountId, Balances>;

impl SlashableStake<AccountId, Balance> for ProtocolStakes {
	type Credit = Credit;

	fn slash_reserved(kind: StakeKind, who: &AccountId, amount: Balance) -> Credit {
		match kind {
			StakeKind::Carrier => Fulfillment::slash_reserved(kind, who, amount),
			StakeKind::Attester => Attestation::slash_reserved(kind, who, amount),
			StakeKind::DisputeDeposit => Disputes::slash_reserved(kind, who, amount),
		}
	}

	fn release_reserved(kind: StakeKind, who: &AccountId, amount: Balance) {
		match kind {
			StakeKind::Carrier => Fulfillment::release_reserved(kind, who, amount),
			StakeKind::Attester => Attestation::release_reserved(kind, who, amount),
			StakeKind::DisputeDeposit => Disputes::release_reserved(kind, who, amount),
		}
	}

	fn total_stake(kind: StakeKind) -> Balance {
		match kind {
			StakeKind::Carrier => Fulfillment::total_stake(kind),
			StakeKind::Attester => Attestation::total_stake(kind),
			StakeKind::DisputeDeposit => Disputes::total_stake(kind),
		}
	}

	fn reserved(kind: StakeKind, who: &AccountId) -> Balance {
		match kind {
			StakeKind::Carrier => Fulfillment::reserved(kind, who),
			StakeKind::Attester => Attestation::reserved(kind, who),
			StakeKind::DisputeDeposit => Disputes::reserved(kind, who),
		}
	}
}

parameter_types! {
	pub const MaxLeverage: FixedU128 = FixedU128::from_u32(5);
	pub const BaseCollateralRatio: Perbill = Perbill::from_percent(50);
	pub const MinCollateralRatio: Perbill = Perbill::from_percent(20);
	pub const MaxCollateralRatio: Perbill = Perbill::from_percent(100);
	pub const NeutralScore: Perbill = Perbill::from_percent(50);
	pub const ReputationSmoothing: Perbill = Perbill::from_percent(10);
}

impl pallet_fulfillment::Config for Runtime {
	type RuntimeHoldReason = RuntimeHoldReason;
	type Currency = Balances;
	type UnixTime = Timestamp;
	type Attestation = Attestation;
	type Slasher = Slashing;
	type MinCarrierStake = ConstU128<{ 1_000 * UNIT }>;
	// Production: 7 days or more.
	type UnbondingPeriod = ConstU32<{ 5 * MINUTES }>;
	type MaxUnbondingChunks = ConstU32<8>;
	type AttestationFee = ConstU128<{ UNIT }>;
	type MinPayment = ConstU128<{ UNIT }>;
	type MaxAcceptWindow = ConstU32<{ 7 * DAYS }>;
	type MaxDeliveryHorizon = ConstU64<{ 90 * DAY_MS }>;
	type MaxGrace = ConstU64<{ 2 * DAY_MS }>;
	type MaxExpiriesPerBlock = ConstU32<64>;
	type BaseCollateralRatio = BaseCollateralRatio;
	type MinCollateralRatio = MinCollateralRatio;
	type MaxCollateralRatio = MaxCollateralRatio;
	type MaxLeverage = MaxLeverage;
	type NeutralScore = NeutralScore;
	type ReputationSmoothing = ReputationSmoothing;
	type WeightInfo = crate::weights::pallet_fulfillment::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::ProtocolBenchmarkHelper;
}

parameter_types! {
	pub const AttestationPalletId: PalletId = PalletId(*b"sure/att");
	pub QuorumThreshold: Perbill = Perbill::from_rational(2u32, 3u32);
	pub const Tolerance: pallet_attestation::ReportTolerance = pallet_attestation::ReportTolerance {
		at_ms: 15 * 60_000,
		excursion_centi_c_minutes: 100,
		damage: Perbill::from_percent(5),
	};
	pub const WrongReportFraction: Perbill = Perbill::from_percent(50);
	pub const SilenceFraction: Perbill = Perbill::from_percent(5);
}

/// Members of a first committee, and of each escalated round. Test networks: 3 and 4, so the 7
/// genesis attesters can fill both rounds. Production: 5 and 9 or more.
const COMMITTEE_SIZE: u32 = 3;
const ESCALATION_COMMITTEE_SIZE: u32 = 4;
/// Committee rounds, then arbitration.
const MAX_ROUNDS: u32 = 3;

impl pallet_attestation::Config for Runtime {
	type RuntimeHoldReason = RuntimeHoldReason;
	type Currency = Balances;
	type UnixTime = Timestamp;
	type Randomness = pallet_babe::RandomnessFromOneEpochAgo<Runtime>;
	type Proposals = Disputes;
	type Slasher = Slashing;
	type PalletId = AttestationPalletId;
	type MinAttesterStake = ConstU128<{ 100 * UNIT }>;
	type SeatBond = ConstU128<{ 10 * UNIT }>;
	// Production: 7 days or more.
	type UnbondingPeriod = ConstU32<{ 5 * MINUTES }>;
	type MaxUnbondingChunks = ConstU32<8>;
	type MaxAttesters = ConstU32<256>;
	type CommitteeSize = ConstU32<COMMITTEE_SIZE>;
	type EscalationCommitteeSize = ConstU32<ESCALATION_COMMITTEE_SIZE>;
	type MaxCommitteeMembers =
		ConstU32<{ COMMITTEE_SIZE + (MAX_ROUNDS - 2) * ESCALATION_COMMITTEE_SIZE }>;
	type QuorumThreshold = QuorumThreshold;
	// Production: an hour or more.
	type ResponseWindow = ConstU64<{ MINUTE_MS }>;
	type MillisPerBlock = ConstU64<MILLISECS_PER_BLOCK>;
	type MaxDeadlinesPerBlock = ConstU32<32>;
	type Tolerance = Tolerance;
	type WrongReportFraction = WrongReportFraction;
	type SilenceFraction = SilenceFraction;
	type NeutralScore = NeutralScore;
	type ReputationSmoothing = ReputationSmoothing;
	type ReportSignature = surety_primitives::Signature;
	type WeightInfo = crate::weights::pallet_attestation::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::ProtocolBenchmarkHelper;
}

parameter_types! {
	pub const DisputeDepositRatio: Perbill = Perbill::from_percent(1);
}

impl pallet_disputes::Config for Runtime {
	type RuntimeHoldReason = RuntimeHoldReason;
	type Currency = Balances;
	type Orders = Fulfillment;
	type Committees = Attestation;
	// Settlement pays the attestation fee that judging then shares: fulfillment first.
	type Outcomes = (Fulfillment, Attestation);
	type Slasher = Slashing;
	// Test networks: Root (sudo). Production: a council or a referenda track.
	type ArbitrationOrigin = EnsureRoot<AccountId>;
	// Production: 1 to 3 days.
	type DisputeWindow = ConstU32<{ 10 * BLOCK }>;
	// Production: 7 days.
	type ArbitrationPeriod = ConstU32<{ 5 * MINUTES }>;
	type MinDisputeDeposit = ConstU128<{ 10 * UNIT }>;
	type DisputeDepositRatio = DisputeDepositRatio;
	type MaxRounds = ConstU32<MAX_ROUNDS>;
	// Each timer may finalize an order (settlement and judging): 16 keep every protocol hook
	// at its bound within half a block (see `protocol_tests`).
	type MaxTimersPerBlock = ConstU32<16>;
	// A block holds about 400 proposing reports (issue 8's capacity run): 64 blocks of 16 let
	// 1,024 windows open from one block, ending up to 64 blocks (3.2 minutes) late.
	type MaxTimerSpill = ConstU32<64>;
	type WeightInfo = crate::weights::pallet_disputes::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::ProtocolBenchmarkHelper;
}

parameter_types! {
	pub const LatePerHour: Perbill = Perbill::from_percent(2);
	pub const MaxLateFraction: Perbill = Perbill::from_percent(30);
	/// 0.1 % of the bond per degree-minute (100 centi-°C × minutes).
	pub const ExcursionPerUnit: Perbill = Perbill::from_parts(10_000);
	pub const MaxExcursionFraction: Perbill = Perbill::from_percent(40);
	pub const MaxFaultFraction: Perbill = Perbill::from_percent(60);
	pub const ReporterShare: Perbill = Perbill::from_percent(10);
}

impl pallet_slashing::Config for Runtime {
	type Currency = Balances;
	type Stakes = ProtocolStakes;
	type OnRemainder = ResolveTo<TreasuryAccount, Balances>;
	// Test networks: Root (sudo). Production: a council or a referenda track.
	type VetoOrigin = EnsureRoot<AccountId>;
	type LatePerHour = LatePerHour;
	type MaxLateFraction = MaxLateFraction;
	type ExcursionPerUnit = ExcursionPerUnit;
	type MaxExcursionFraction = MaxExcursionFraction;
	type MaxFaultFraction = MaxFaultFraction;
	type CorrelationWindow = ConstU32<{ 7 * DAYS }>;
	type CorrelationFactor = ConstU32<3>;
	// Production: long enough for governance to veto, e.g. 7 days.
	type SlashDeferPeriod = ConstU32<{ 10 * BLOCK }>;
	type ReporterShare = ReporterShare;
	type MaxSlashesPerBlock = ConstU32<32>;
	type MaxQueueSpill = ConstU32<16>;
	type WeightInfo = crate::weights::pallet_slashing::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::ProtocolBenchmarkHelper;
}
