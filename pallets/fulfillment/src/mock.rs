//! A runtime with balances, timestamp-like time, and recording mocks of the attestation and
//! slashing sides.

use core::cell::RefCell;
use core::time::Duration;

use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, UnixTime},
	weights::Weight,
};
use sp_runtime::{BuildStorage, DispatchError, FixedU128, Perbill};
use surety_primitives::protocol::{AttestationHandler, OrderId, SlashRequest, SlashScheduler};

use crate as pallet_fulfillment;

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Fulfillment: pallet_fulfillment,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
	// Non-zero, so the migrations' weights say what they read and wrote.
	type DbWeight = frame_support::weights::constants::RocksDbWeight;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<1>;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

pub const ALICE: AccountId = 1; // shipper
pub const BOB: AccountId = 2; // carrier
pub const CHARLIE: AccountId = 3; // second carrier
pub const DAVE: AccountId = 4; // second shipper
pub const POOR: AccountId = 5;
pub const FEE_POT: AccountId = 99;
pub const INITIAL: Balance = 1_000_000;

pub const FEE: Balance = 10;
pub const MIN_STAKE: Balance = 1_000;
pub const UNBONDING: u64 = 10;
/// Genesis wall clock: 1 000 000 s after the epoch.
pub const T0_MS: u64 = 1_000_000_000;
pub const HOUR_MS: u64 = 3_600_000;

thread_local! {
	static NOW_MS: RefCell<u64> = const { RefCell::new(T0_MS) };
	/// Orders the attestation side was asked to open, with the report deadline.
	pub static OPENED: RefCell<Vec<(OrderId, AccountId, AccountId, u64)>> = const { RefCell::new(Vec::new()) };
	pub static CLOSED: RefCell<Vec<OrderId>> = const { RefCell::new(Vec::new()) };
	pub static FEES: RefCell<Vec<(OrderId, Balance)>> = const { RefCell::new(Vec::new()) };
	/// When set, opening attestation fails (e.g. too few attesters).
	pub static ATTESTATION_FAILS: RefCell<bool> = const { RefCell::new(false) };
	/// The full queues each committee's deadline search reads before it finds room.
	pub static OPEN_SPILLS: RefCell<u32> = const { RefCell::new(0) };
	pub static SLASHES: RefCell<Vec<SlashRequest<AccountId, Balance>>> = const { RefCell::new(Vec::new()) };
	/// The fraction of `at_risk` the mock slasher schedules for a fault.
	pub static SLASH_FRACTION: RefCell<Perbill> = const { RefCell::new(Perbill::from_percent(25)) };
}

pub struct MockTime;
impl UnixTime for MockTime {
	fn now() -> Duration {
		Duration::from_millis(NOW_MS.with(|n| *n.borrow()))
	}
}

pub fn set_now_ms(ms: u64) {
	NOW_MS.with(|n| *n.borrow_mut() = ms);
}

/// The most the mock says its search may read and write past full queues: a search of 5 blocks.
pub const MAX_SPILL: surety_primitives::queue::Spill =
	surety_primitives::queue::Spill::longest_hinted(5);

/// What the mock's committee draw says it did not use of the weight charged for it.
pub const UNUSED_DRAW_WEIGHT: Weight = Weight::from_parts(3, 0);

pub struct MockAttestation;
impl AttestationHandler<AccountId, Balance> for MockAttestation {
	fn open(
		order: OrderId,
		shipper: &AccountId,
		carrier: &AccountId,
		report_by: u64,
	) -> Result<Weight, DispatchError> {
		if ATTESTATION_FAILS.with(|f| *f.borrow()) {
			return Err(DispatchError::Other("too few attesters"));
		}
		OPENED.with(|o| o.borrow_mut().push((order, *shipper, *carrier, report_by)));
		surety_primitives::queue::search_past(OPEN_SPILLS.with(|s| *s.borrow()));
		Ok(UNUSED_DRAW_WEIGHT)
	}
	fn max_spill() -> surety_primitives::queue::Spill {
		MAX_SPILL
	}
	fn close(order: OrderId) {
		CLOSED.with(|c| c.borrow_mut().push(order));
	}
	fn fee_account() -> AccountId {
		FEE_POT
	}
	fn fee_paid(order: OrderId, amount: Balance) {
		FEES.with(|f| f.borrow_mut().push((order, amount)));
	}
}

/// Schedules `SLASH_FRACTION` of what is at risk (all of it when the cargo was lost), never
/// zero for a fault, as the slashing pallet promises.
pub struct MockSlasher;
impl SlashScheduler<AccountId, Balance> for MockSlasher {
	fn schedule(request: SlashRequest<AccountId, Balance>) -> Result<Balance, DispatchError> {
		let amount = if request.severity.lost {
			request.at_risk
		} else {
			SLASH_FRACTION.with(|f| *f.borrow()).mul_ceil(request.at_risk).max(1)
		};
		SLASHES.with(|s| s.borrow_mut().push(request));
		Ok(amount)
	}
}

/// Counts the entries the hook processes: a unit of weight per expired order, plus a base.
pub struct MockWeights;
impl crate::WeightInfo for MockWeights {
	fn register_carrier() -> Weight {
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
	fn create_order(s: u32) -> Weight {
		Weight::from_parts(1 + s as u64, 0)
	}
	fn accept_order() -> Weight {
		Weight::from_parts(10, 0)
	}
	fn set_offer() -> Weight {
		Weight::from_parts(1, 0)
	}
	fn withdraw_offer() -> Weight {
		Weight::from_parts(1, 0)
	}
	fn book() -> Weight {
		Weight::from_parts(20, 0)
	}
	fn cancel_order() -> Weight {
		Weight::from_parts(1, 0)
	}
	fn release_order() -> Weight {
		Weight::from_parts(1, 0)
	}
	fn on_initialize(n: u32) -> Weight {
		Weight::from_parts(1_000 + 100 * n as u64, 0)
	}
	fn settle_delivered_on_time() -> Weight {
		Weight::from_parts(1, 0)
	}
	fn settle_delivered_with_fault() -> Weight {
		Weight::from_parts(2, 0)
	}
	fn settle_lost() -> Weight {
		Weight::from_parts(3, 0)
	}
}

parameter_types! {
	pub const MaxLeverage: FixedU128 = FixedU128::from_u32(3);
	pub const BaseRatio: Perbill = Perbill::from_percent(50);
	pub const MinRatio: Perbill = Perbill::from_percent(20);
	pub const MaxRatio: Perbill = Perbill::from_percent(100);
	pub const Neutral: Perbill = Perbill::from_percent(50);
	pub const Smoothing: Perbill = Perbill::from_percent(20);
}

impl pallet_fulfillment::Config for Test {
	type RuntimeHoldReason = RuntimeHoldReason;
	type Currency = Balances;
	type UnixTime = MockTime;
	type Attestation = MockAttestation;
	type Slasher = MockSlasher;
	type MinCarrierStake = ConstU128<MIN_STAKE>;
	type UnbondingPeriod = ConstU64<UNBONDING>;
	type MaxUnbondingChunks = ConstU32<4>;
	type AttestationFee = ConstU128<FEE>;
	type MinPayment = ConstU128<50>;
	type MaxAcceptWindow = ConstU64<1_000>;
	type MaxDeliveryHorizon = ConstU64<{ 30 * 24 * HOUR_MS }>;
	type MaxGrace = ConstU64<{ 24 * HOUR_MS }>;
	type MaxExpiriesPerBlock = ConstU32<16>;
	type BaseCollateralRatio = BaseRatio;
	type MinCollateralRatio = MinRatio;
	type MaxCollateralRatio = MaxRatio;
	type MaxLeverage = MaxLeverage;
	type NeutralScore = Neutral;
	type ReputationSmoothing = Smoothing;
	type WeightInfo = MockWeights;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(ALICE, INITIAL),
			(BOB, INITIAL),
			(CHARLIE, INITIAL),
			(DAVE, INITIAL),
			(POOR, 50),
			(FEE_POT, 1),
		],
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| {
		System::set_block_number(1);
		set_now_ms(T0_MS);
		OPENED.with(|o| o.borrow_mut().clear());
		CLOSED.with(|c| c.borrow_mut().clear());
		FEES.with(|f| f.borrow_mut().clear());
		SLASHES.with(|s| s.borrow_mut().clear());
		ATTESTATION_FAILS.with(|f| *f.borrow_mut() = false);
		SLASH_FRACTION.with(|f| *f.borrow_mut() = Perbill::from_percent(25));
	});
	ext
}

/// Runs `test` and then checks the pallet's invariants, as every test must.
pub fn test(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Fulfillment::do_try_state().expect("invariants hold after the test");
	});
}

/// Advances to block `n`, running the pallet's hook for each block.
pub fn run_to_block(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Fulfillment::on_initialize(next);
	}
}
