//! A runtime with balances and recording mocks of time, randomness, the disputes side and the
//! slashing side.

use core::{cell::RefCell, time::Duration};

use codec::Encode;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, Randomness, UnixTime},
	weights::Weight,
	PalletId,
};
use sp_core::H256;
use sp_runtime::{BuildStorage, DispatchError, DispatchResult, Perbill};
use surety_primitives::protocol::{OrderId, ProposalHandler, Report, SlashRequest, SlashScheduler};

use crate as pallet_attestation;
use crate::ReportTolerance;

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Attestation: pallet_attestation,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	// Not zero, so the full queues a search reads show in what a call or hook is charged.
	type DbWeight = frame_support::weights::constants::RocksDbWeight;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<1>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

pub const SHIPPER: AccountId = 1;
pub const CARRIER: AccountId = 2;
/// Attesters are accounts 10..=10 + ATTESTERS - 1.
pub const FIRST_ATTESTER: AccountId = 10;
pub const ATTESTERS: u64 = 8;
pub const POOR: AccountId = 5;
pub const INITIAL: Balance = 1_000_000;
pub const MIN_STAKE: Balance = 1_000;
pub const SEAT: Balance = 100;
pub const UNBONDING: u64 = 10;
pub const COMMITTEE: u32 = 3;
pub const ESCALATED: u32 = 4;
pub const RESPONSE_MS: u64 = 60_000;
pub const BLOCK_MS: u64 = 6_000;
pub const T0_MS: u64 = 1_000_000_000;

thread_local! {
	static NOW_MS: RefCell<u64> = const { RefCell::new(T0_MS) };
	static SEED: RefCell<u64> = const { RefCell::new(0) };
	pub static PROPOSED: RefCell<Vec<(OrderId, Report)>> = const { RefCell::new(Vec::new()) };
	pub static NO_QUORUM: RefCell<Vec<OrderId>> = const { RefCell::new(Vec::new()) };
	pub static SLASHES: RefCell<Vec<SlashRequest<AccountId, Balance>>> = const { RefCell::new(Vec::new()) };
	/// The full queues each proposal's search reads before the window's end finds room.
	pub static PROPOSAL_SPILLS: RefCell<u32> = const { RefCell::new(0) };
}

/// The most the mock says its search may read and write past full queues: a search of 5 blocks.
pub const MAX_SPILL: surety_primitives::queue::Spill =
	surety_primitives::queue::Spill::longest_hinted(5);

pub struct MockTime;
impl UnixTime for MockTime {
	fn now() -> Duration {
		Duration::from_millis(NOW_MS.with(|n| *n.borrow()))
	}
}

pub fn set_now_ms(ms: u64) {
	NOW_MS.with(|n| *n.borrow_mut() = ms);
}

pub fn set_seed(seed: u64) {
	SEED.with(|s| *s.borrow_mut() = seed);
}

/// Randomness that depends on the subject and a seed tests can change.
pub struct MockRandomness;
impl Randomness<H256, u64> for MockRandomness {
	fn random(subject: &[u8]) -> (H256, u64) {
		let seed = SEED.with(|s| *s.borrow());
		(H256(sp_io::hashing::blake2_256(&(subject, seed).encode())), System::block_number())
	}
}

pub struct MockProposals;
impl ProposalHandler for MockProposals {
	fn on_proposed(order: OrderId, outcome: Report) -> DispatchResult {
		PROPOSED.with(|p| p.borrow_mut().push((order, outcome)));
		surety_primitives::queue::search_past(PROPOSAL_SPILLS.with(|s| *s.borrow()));
		Ok(())
	}
	fn on_no_quorum(order: OrderId) -> DispatchResult {
		NO_QUORUM.with(|n| n.borrow_mut().push(order));
		Ok(())
	}
	fn max_spill() -> surety_primitives::queue::Spill {
		MAX_SPILL
	}
}

/// Schedules the misconduct fraction of the seat bond, never zero, as the slashing pallet does
/// for an isolated fault.
pub struct MockSlasher;
impl SlashScheduler<AccountId, Balance> for MockSlasher {
	fn schedule(request: SlashRequest<AccountId, Balance>) -> Result<Balance, DispatchError> {
		let amount = request.severity.misconduct.mul_ceil(request.at_risk).max(1);
		SLASHES.with(|s| s.borrow_mut().push(request));
		Ok(amount)
	}
}

/// A unit of weight per deadline handled, plus a base.
pub struct MockWeights;
impl crate::WeightInfo for MockWeights {
	fn register_attester() -> Weight {
		Weight::from_parts(1, 0)
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(1, 0)
	}
	fn unbond() -> Weight {
		Weight::from_parts(1, 0)
	}
	fn withdraw_unbonded(c: u32) -> Weight {
		Weight::from_parts(1 + c as u64, 0)
	}
	fn attest() -> Weight {
		Weight::from_parts(3, 0)
	}
	fn attest_recorded() -> Weight {
		Weight::from_parts(2, 0)
	}
	fn attest_signed(n: u32) -> Weight {
		Weight::from_parts(10 + n as u64, 0)
	}
	fn on_initialize(n: u32) -> Weight {
		Weight::from_parts(1_000 + 100 * n as u64, 0)
	}
	fn open(a: u32) -> Weight {
		Weight::from_parts(1 + a as u64, 0)
	}
	fn escalate(a: u32) -> Weight {
		Weight::from_parts(1 + a as u64, 0)
	}
	fn judge(m: u32) -> Weight {
		Weight::from_parts(1 + m as u64, 0)
	}
	fn claim_fees() -> Weight {
		Weight::from_parts(1, 0)
	}
}

parameter_types! {
	pub const AttestationPalletId: PalletId = PalletId(*b"sure/att");
	pub const Quorum: Perbill = Perbill::from_percent(66);
	pub const Tolerance: ReportTolerance = ReportTolerance {
		at_ms: 600_000,
		excursion_centi_c_minutes: 50,
		damage: Perbill::from_percent(5),
	};
	pub const WrongFraction: Perbill = Perbill::from_percent(50);
	pub const SilenceFraction: Perbill = Perbill::from_percent(5);
	pub const Neutral: Perbill = Perbill::from_percent(50);
	pub const Smoothing: Perbill = Perbill::from_percent(20);
}

impl pallet_attestation::Config for Test {
	type RuntimeHoldReason = RuntimeHoldReason;
	type Currency = Balances;
	type UnixTime = MockTime;
	type Randomness = MockRandomness;
	type Proposals = MockProposals;
	type Slasher = MockSlasher;
	type PalletId = AttestationPalletId;
	type MinAttesterStake = ConstU128<MIN_STAKE>;
	type SeatBond = ConstU128<SEAT>;
	type UnbondingPeriod = ConstU64<UNBONDING>;
	type MaxUnbondingChunks = ConstU32<4>;
	type MaxAttesters = ConstU32<16>;
	type CommitteeSize = ConstU32<COMMITTEE>;
	type EscalationCommitteeSize = ConstU32<ESCALATED>;
	type MaxCommitteeMembers = ConstU32<{ COMMITTEE + ESCALATED }>;
	type QuorumThreshold = Quorum;
	type ResponseWindow = ConstU64<RESPONSE_MS>;
	type MillisPerBlock = ConstU64<BLOCK_MS>;
	type MaxDeadlinesPerBlock = ConstU32<4>;
	type Tolerance = Tolerance;
	type WrongReportFraction = WrongFraction;
	type SilenceFraction = SilenceFraction;
	type NeutralScore = Neutral;
	type ReputationSmoothing = Smoothing;
	// Valid when its signer is the account and its message the payload.
	type ReportSignature = sp_runtime::testing::TestSignature;
	type WeightInfo = MockWeights;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockClock;
}

#[cfg(feature = "runtime-benchmarks")]
pub struct MockClock;
#[cfg(feature = "runtime-benchmarks")]
impl crate::benchmarking::BenchmarkHelper<AccountId, sp_runtime::testing::TestSignature>
	for MockClock
{
	fn set_time(ms: u64) {
		set_now_ms(ms);
	}
	fn open_order(i: u32) -> OrderId {
		let order = i as OrderId;
		<Attestation as surety_primitives::protocol::AttestationHandler<_, _>>::open(
			order,
			&SHIPPER,
			&CARRIER,
			now_ms() + 3_600_000,
		)
		.expect("enough attesters");
		order
	}
	fn signer(i: u32) -> AccountId {
		1_000 + i as AccountId
	}
	fn sign(who: &AccountId, payload: &[u8]) -> sp_runtime::testing::TestSignature {
		sp_runtime::testing::TestSignature(*who, payload.to_vec())
	}
}

pub fn attester(i: u64) -> AccountId {
	FIRST_ATTESTER + i
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut balances = vec![(SHIPPER, INITIAL), (CARRIER, INITIAL), (POOR, 500)];
	balances.extend((0..ATTESTERS + 4).map(|i| (attester(i), INITIAL)));
	pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
		.assimilate_storage(&mut t)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| {
		System::set_block_number(1);
		set_now_ms(T0_MS);
		set_seed(0);
		PROPOSED.with(|p| p.borrow_mut().clear());
		NO_QUORUM.with(|n| n.borrow_mut().clear());
		SLASHES.with(|s| s.borrow_mut().clear());
	});
	ext
}

/// Runs `test` and then checks the pallet's invariants, as every test must.
pub fn test(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Attestation::do_try_state().expect("invariants hold after the test");
	});
}

/// Advances to block `n`, the clock by `BLOCK_MS` a block, running the pallet's hook.
pub fn run_to_block(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		set_now_ms(NOW_MS.with(|t| *t.borrow()) + BLOCK_MS);
		Attestation::on_initialize(next);
	}
}

pub fn now_ms() -> u64 {
	NOW_MS.with(|n| *n.borrow())
}
