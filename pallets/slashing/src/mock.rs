//! A runtime with balances and a recording mock of the stake owners: reservations are
//! tracked here and slashes are withdrawn from the offender's free balance.

use core::cell::RefCell;
use std::collections::BTreeMap;

use frame_support::{
	derive_impl, parameter_types,
	traits::{
		fungible::Balanced,
		tokens::{imbalance::ResolveTo, Fortitude, Precision, Preservation},
		ConstU128, ConstU32, ConstU64,
	},
	weights::Weight,
};
use frame_system::EnsureRoot;
use sp_runtime::{BuildStorage, Perbill};
use surety_primitives::protocol::{SlashableStake, StakeKind};

use crate as pallet_slashing;
use crate::CreditOf;

pub type AccountId = u64;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Slashing: pallet_slashing,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<1>;
	type AccountStore = System;
}

pub const CARRIER: AccountId = 1;
pub const ATTESTER: AccountId = 2;
pub const SHIPPER: AccountId = 3;
pub const REPORTER: AccountId = 4;
pub const REPORTER2: AccountId = 5;
pub const TREASURY: AccountId = 100;
pub const INITIAL: Balance = 1_000_000;
pub const DEFER: u64 = 10;
pub const WINDOW: u64 = 20;

thread_local! {
	/// Reserved for pending slashes, per kind and account, as the owner pallet keeps it.
	pub static RESERVED: RefCell<BTreeMap<(StakeKind, AccountId), Balance>> = const { RefCell::new(BTreeMap::new()) };
	/// All active stake per kind (the correlation denominator).
	pub static TOTAL_STAKE: RefCell<BTreeMap<StakeKind, Balance>> = const { RefCell::new(BTreeMap::new()) };
}

pub fn reserved(kind: StakeKind, who: AccountId) -> Balance {
	RESERVED.with(|r| r.borrow().get(&(kind, who)).copied().unwrap_or_default())
}

pub fn set_total_stake(kind: StakeKind, total: Balance) {
	TOTAL_STAKE.with(|t| t.borrow_mut().insert(kind, total));
}

/// What the owning pallet does with a scheduled amount: reserve it.
pub fn reserve(kind: StakeKind, who: AccountId, amount: Balance) {
	RESERVED.with(|r| *r.borrow_mut().entry((kind, who)).or_default() += amount);
}

pub struct MockStakes;
impl SlashableStake<AccountId, Balance> for MockStakes {
	type Credit = CreditOf<Test>;

	fn slash_reserved(kind: StakeKind, who: &AccountId, amount: Balance) -> Self::Credit {
		let amount = amount.min(reserved(kind, *who));
		RESERVED.with(|r| *r.borrow_mut().entry((kind, *who)).or_default() -= amount);
		<Balances as Balanced<AccountId>>::withdraw(
			who,
			amount,
			Precision::BestEffort,
			Preservation::Expendable,
			Fortitude::Force,
		)
		.unwrap_or_default()
	}

	fn release_reserved(kind: StakeKind, who: &AccountId, amount: Balance) {
		RESERVED.with(|r| {
			let mut r = r.borrow_mut();
			let entry = r.entry((kind, *who)).or_default();
			*entry = entry.saturating_sub(amount);
		});
	}

	fn total_stake(kind: StakeKind) -> Balance {
		TOTAL_STAKE.with(|t| t.borrow().get(&kind).copied().unwrap_or_default())
	}

	fn reserved(kind: StakeKind, who: &AccountId) -> Balance {
		reserved(kind, *who)
	}
}

/// Reserves for benchmarks in the mock's stake owner.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;

pub struct MockWeights;
impl crate::WeightInfo for MockWeights {
	fn cancel_slash() -> Weight {
		Weight::from_parts(1, 0)
	}
	fn reduce_slash() -> Weight {
		Weight::from_parts(1, 0)
	}
	fn schedule() -> Weight {
		Weight::from_parts(1, 0)
	}
	fn on_initialize(n: u32) -> Weight {
		Weight::from_parts(1_000 + 100 * n as u64, 0)
	}
}

parameter_types! {
	pub const LatePerHour: Perbill = Perbill::from_percent(2);
	pub const MaxLate: Perbill = Perbill::from_percent(30);
	/// 0.1 % of the bond per 100 centi-°C × minutes (a degree-minute).
	pub const ExcursionPerUnit: Perbill = Perbill::from_parts(10_000);
	pub const MaxExcursion: Perbill = Perbill::from_percent(40);
	pub const MaxFault: Perbill = Perbill::from_percent(60);
	pub const ReporterShare: Perbill = Perbill::from_percent(10);
	pub const Treasury: AccountId = TREASURY;
}

impl pallet_slashing::Config for Test {
	type Currency = Balances;
	type Stakes = MockStakes;
	type OnRemainder = ResolveTo<Treasury, Balances>;
	type VetoOrigin = EnsureRoot<AccountId>;
	type LatePerHour = LatePerHour;
	type MaxLateFraction = MaxLate;
	type ExcursionPerUnit = ExcursionPerUnit;
	type MaxExcursionFraction = MaxExcursion;
	type MaxFaultFraction = MaxFault;
	type CorrelationWindow = ConstU64<WINDOW>;
	type CorrelationFactor = ConstU32<3>;
	type SlashDeferPeriod = ConstU64<DEFER>;
	type ReporterShare = ReporterShare;
	type MaxSlashesPerBlock = ConstU32<4>;
	type MaxQueueSpill = ConstU32<3>;
	type WeightInfo = MockWeights;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(CARRIER, INITIAL),
			(ATTESTER, INITIAL),
			(SHIPPER, INITIAL),
			(REPORTER, INITIAL),
			(REPORTER2, INITIAL),
			(TREASURY, INITIAL),
		],
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(t);
	ext.execute_with(|| {
		System::set_block_number(1);
		RESERVED.with(|r| r.borrow_mut().clear());
		TOTAL_STAKE.with(|t| t.borrow_mut().clear());
		set_total_stake(StakeKind::Carrier, 100_000);
		set_total_stake(StakeKind::Attester, 100_000);
	});
	ext
}

/// Runs `test` and then checks the pallet's invariants, as every test must.
pub fn test(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Slashing::do_try_state().expect("invariants hold after the test");
	});
}

/// Advances to block `n`, running the pallet's hook for each block.
pub fn run_to_block(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Slashing::on_initialize(next);
	}
}
