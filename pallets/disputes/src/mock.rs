//! A runtime with balances and recording mocks of the orders, committees, outcome handlers and
//! slashing side.

use core::cell::RefCell;

use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64},
	weights::Weight,
};
use frame_system::EnsureRoot;
use sp_runtime::{BuildStorage, DispatchError, Perbill};
use surety_primitives::protocol::{
	CommitteeProvider, OrderId, OrderInfo, OutcomeHandler, OutcomePath, Report, SlashRequest,
	SlashScheduler,
};

use crate as pallet_disputes;

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Disputes: pallet_disputes,
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
pub const MEMBER: AccountId = 3;
pub const OUTSIDER: AccountId = 4;
pub const POOR: AccountId = 5;
pub const INITIAL: Balance = 1_000_000;
pub const VALUE: Balance = 100_000;
pub const MIN_DEPOSIT: Balance = 500;
pub const WINDOW: u64 = 10;
pub const ARBITRATION: u64 = 20;
pub const MAX_TIMERS: u32 = 4;
/// The most the mock says its search may read and write past full queues: a search of 5 blocks.
pub const MAX_SPILL: surety_primitives::queue::Spill =
	surety_primitives::queue::Spill::longest_hinted(5);

thread_local! {
	/// Orders known to the mock fulfillment side (all bonded between SHIPPER and CARRIER).
	pub static UNKNOWN_ORDERS: RefCell<Vec<OrderId>> = const { RefCell::new(Vec::new()) };
	pub static ESCALATIONS: RefCell<Vec<OrderId>> = const { RefCell::new(Vec::new()) };
	pub static ESCALATION_FAILS: RefCell<bool> = const { RefCell::new(false) };
	/// The full queues each escalation's search reads before the deadline finds room.
	pub static ESCALATION_SPILLS: RefCell<u32> = const { RefCell::new(0) };
	/// The full queues each slash's search reads before its due block finds room.
	pub static SLASH_SPILLS: RefCell<u32> = const { RefCell::new(0) };
	pub static REPORTERS: RefCell<Vec<(OrderId, AccountId)>> = const { RefCell::new(Vec::new()) };
	pub static FINAL: RefCell<Vec<(OrderId, Report)>> = const { RefCell::new(Vec::new()) };
	pub static OUTCOMES_FAIL: RefCell<bool> = const { RefCell::new(false) };
	/// The ref time the mock weights give a ruling.
	pub static RULE_WEIGHT: RefCell<u64> = const { RefCell::new(1) };
	pub static SLASHES: RefCell<Vec<SlashRequest<AccountId, Balance>>> = const { RefCell::new(Vec::new()) };
}

pub struct MockOrders;
impl OrderInfo<AccountId, Balance> for MockOrders {
	fn parties(order: OrderId) -> Option<(AccountId, AccountId, Balance)> {
		if UNKNOWN_ORDERS.with(|u| u.borrow().contains(&order)) {
			None
		} else {
			Some((SHIPPER, CARRIER, VALUE))
		}
	}
}

/// What the mock's committee draw says it did not use of the weight charged for it.
pub const UNUSED_DRAW_WEIGHT: Weight = Weight::from_parts(1, 0);

/// MEMBER sits on every committee; reports agree when of the same class and, when delivered,
/// within a second of each other.
pub struct MockCommittees;
impl CommitteeProvider<AccountId> for MockCommittees {
	fn is_member(_: OrderId, who: &AccountId) -> bool {
		*who == MEMBER
	}
	fn escalate(order: OrderId) -> Result<Weight, DispatchError> {
		if ESCALATION_FAILS.with(|f| *f.borrow()) {
			return Err(DispatchError::Other("too few attesters"));
		}
		ESCALATIONS.with(|e| e.borrow_mut().push(order));
		surety_primitives::queue::search_past(ESCALATION_SPILLS.with(|s| *s.borrow()));
		Ok(UNUSED_DRAW_WEIGHT)
	}
	fn max_spill() -> surety_primitives::queue::Spill {
		MAX_SPILL
	}
	fn agrees(report: &Report, outcome: &Report) -> bool {
		match (report, outcome) {
			(Report::Lost, Report::Lost) => true,
			(Report::Delivered { at: a, .. }, Report::Delivered { at: b, .. }) => {
				a.abs_diff(*b) <= 1_000
			}
			_ => false,
		}
	}
	fn note_reporter(order: OrderId, who: &AccountId) {
		REPORTERS.with(|r| r.borrow_mut().push((order, *who)));
	}
}

pub struct MockOutcomes;
impl OutcomeHandler for MockOutcomes {
	/// Faulted unless a delivery without damage.
	fn on_final_outcome(order: OrderId, outcome: Report) -> Result<OutcomePath, DispatchError> {
		if OUTCOMES_FAIL.with(|f| *f.borrow()) {
			return Err(DispatchError::Other("slashing queue full"));
		}
		FINAL.with(|f| f.borrow_mut().push((order, outcome)));
		Ok(match outcome {
			Report::Delivered { damage, .. } if damage.is_zero() => OutcomePath::Clean,
			_ => OutcomePath::Faulted,
		})
	}
}

/// A forfeit takes everything at risk.
pub struct MockSlasher;
impl SlashScheduler<AccountId, Balance> for MockSlasher {
	fn schedule(request: SlashRequest<AccountId, Balance>) -> Result<Balance, DispatchError> {
		let amount = request.at_risk;
		SLASHES.with(|s| s.borrow_mut().push(request));
		surety_primitives::queue::search_past(SLASH_SPILLS.with(|s| *s.borrow()));
		Ok(amount)
	}
}

/// A unit of weight per timer handled, plus a base.
pub struct MockWeights;
impl crate::WeightInfo for MockWeights {
	fn dispute_escalating() -> Weight {
		Weight::from_parts(3, 0)
	}
	fn dispute_to_arbitration() -> Weight {
		Weight::from_parts(2, 0)
	}
	fn rule() -> Weight {
		Weight::from_parts(RULE_WEIGHT.with(|w| *w.borrow()), 0)
	}
	fn on_initialize(n: u32) -> Weight {
		Weight::from_parts(1_000 + 100 * n as u64, 0)
	}
	fn on_initialize_faulted(n: u32) -> Weight {
		Weight::from_parts(1_000 + 10_000 * n as u64, 0)
	}
	fn on_proposed() -> Weight {
		Weight::from_parts(1, 0)
	}
}

parameter_types! {
	pub const DepositRatio: Perbill = Perbill::from_percent(1);
}

impl pallet_disputes::Config for Test {
	type RuntimeHoldReason = RuntimeHoldReason;
	type Currency = Balances;
	type Orders = MockOrders;
	type Committees = MockCommittees;
	type Outcomes = MockOutcomes;
	type Slasher = MockSlasher;
	type ArbitrationOrigin = EnsureRoot<AccountId>;
	type DisputeWindow = ConstU64<WINDOW>;
	type ArbitrationPeriod = ConstU64<ARBITRATION>;
	type MinDisputeDeposit = ConstU128<MIN_DEPOSIT>;
	type DisputeDepositRatio = DepositRatio;
	type MaxRounds = ConstU32<3>;
	type MaxTimersPerBlock = ConstU32<MAX_TIMERS>;
	type MaxTimerSpill = ConstU32<MAX_TIMERS>;
	type WeightInfo = MockWeights;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(SHIPPER, INITIAL),
			(CARRIER, INITIAL),
			(MEMBER, INITIAL),
			(OUTSIDER, INITIAL),
			(POOR, 100),
		],
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| {
		System::set_block_number(1);
		UNKNOWN_ORDERS.with(|u| u.borrow_mut().clear());
		ESCALATIONS.with(|e| e.borrow_mut().clear());
		ESCALATION_FAILS.with(|f| *f.borrow_mut() = false);
		REPORTERS.with(|r| r.borrow_mut().clear());
		FINAL.with(|f| f.borrow_mut().clear());
		OUTCOMES_FAIL.with(|f| *f.borrow_mut() = false);
		RULE_WEIGHT.with(|w| *w.borrow_mut() = 1);
		SLASHES.with(|s| s.borrow_mut().clear());
	});
	ext
}

/// Runs `test` and then checks the pallet's invariants, as every test must.
pub fn test(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Disputes::do_try_state().expect("invariants hold after the test");
	});
}

/// Advances to block `n`, running the pallet's hook for each block.
pub fn run_to_block(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Disputes::on_initialize(next);
	}
}
