//! Benchmarks (frame-benchmarking v2) of every call, the deadline hook, and the entry points
//! the other pallets call (draw, escalation, judging).

use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{
	pallet_prelude::BoundedVec,
	traits::{
		fungible::{Inspect, Mutate},
		Get, Hooks, UnixTime,
	},
};
use frame_system::RawOrigin;
use sp_runtime::{
	traits::{One, Saturating, Zero},
	Perbill,
};
use surety_primitives::protocol::{AttestationHandler, OrderId, OutcomeHandler, Report};

use crate::{pallet::*, types::*};

/// What the runtime provides for these benchmarks.
pub trait BenchmarkHelper<AccountId, Signature> {
	/// Sets the wall clock (pallet-timestamp's `Now` in the runtime) to `ms`.
	fn set_time(ms: u64);

	/// The `i`-th order of the benchmark, live in the other pallets, with its first committee
	/// just drawn through [`AttestationHandler::open`] to report by an hour from now. Orders
	/// opened in one block share their deadline.
	fn open_order(i: u32) -> OrderId;

	/// The `i`-th account whose key the helper holds, to sign reports with.
	fn signer(i: u32) -> AccountId;

	/// `who`'s signature over `payload`; `who` is one of [`Self::signer`]'s accounts.
	fn sign(who: &AccountId, payload: &[u8]) -> Signature;
}

const SEED: u32 = 0;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	let amount = T::MinAttesterStake::get().saturating_mul(1_000_000u32.into());
	T::Currency::set_balance(&who, amount);
	who
}

/// Enough stake for a seat on every committee a benchmark draws.
fn stake<T: Config>() -> BalanceOf<T> {
	T::MinAttesterStake::get().saturating_mul(100u32.into())
}

/// Registers attesters until `n` can be drawn (counting any the chain started with); returns
/// the ones it registered.
fn attesters<T: Config>(n: u32) -> Vec<T::AccountId> {
	let existing = Candidates::<T>::decode_len().unwrap_or(0) as u32;
	(existing..n)
		.map(|i| {
			let who = funded::<T>("attester", i);
			Pallet::<T>::do_register(who.clone(), stake::<T>()).expect("funded, room");
			who
		})
		.collect()
}

/// Credits `who` fee shares as judgements would, with the fee pot holding them; returns them.
fn credit_fees<T: Config>(who: &T::AccountId) -> BalanceOf<T> {
	let fees = T::MinAttesterStake::get();
	let pot = Pallet::<T>::fee_pot();
	T::Currency::set_balance(&pot, T::Currency::balance(&pot).saturating_add(fees));
	Attesters::<T>::mutate(who, |info| info.as_mut().expect("registered").fees = fees);
	fees
}

fn parties<T: Config>() -> (T::AccountId, T::AccountId) {
	(account("shipper", 0, SEED), account("carrier", 0, SEED))
}

fn now_ms<T: Config>() -> u64 {
	T::UnixTime::now().as_millis() as u64
}

fn on_time<T: Config>() -> Report {
	Report::Delivered {
		at: now_ms::<T>(),
		max_excursion_centi_c_minutes: 0,
		damage: Perbill::zero(),
	}
}

fn current_members<T: Config>(order: OrderId) -> Vec<T::AccountId> {
	let committee = Committees::<T>::get(order).expect("open");
	committee.members.iter().filter(|m| m.round == committee.round).map(|m| m.who.clone()).collect()
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_attester() {
		// A nearly full candidate list: the push is the last that fits.
		attesters::<T>(T::MaxAttesters::get() - 1);
		let who = funded::<T>("new", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), stake::<T>());
		assert!(Attesters::<T>::contains_key(&who));
	}

	#[benchmark]
	fn bond_extra() {
		let all = attesters::<T>(T::MaxAttesters::get());
		// The last registered is found last in the candidate list.
		let who = all.last().expect("at least one").clone();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), stake::<T>());
		let info = Attesters::<T>::get(&who).expect("registered");
		assert_eq!(info.stake.total, stake::<T>().saturating_add(stake::<T>()));
	}

	#[benchmark]
	fn unbond() {
		let all = attesters::<T>(T::MaxAttesters::get());
		let who = all.last().expect("at least one").clone();
		for _ in 1..T::MaxUnbondingChunks::get() {
			Pallet::<T>::do_unbond(who.clone(), One::one()).expect("free stake");
		}
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), One::one());
		let info = Attesters::<T>::get(&who).expect("registered");
		assert_eq!(info.stake.unbonding.len() as u32, T::MaxUnbondingChunks::get());
	}

	#[benchmark]
	fn withdraw_unbonded(c: Linear<1, { T::MaxUnbondingChunks::get() }>) {
		let who = funded::<T>("attester", 0);
		let min = T::MinAttesterStake::get();
		Pallet::<T>::do_register(who.clone(), min.saturating_mul(c.into())).expect("funded");
		for _ in 0..c {
			Pallet::<T>::do_unbond(who.clone(), min).expect("free stake");
		}
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get()),
		);
		// Fee shares still credited: leaving pays them out.
		let fees = credit_fees::<T>(&who);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		// Everything withdrawn and paid: the attester is gone (the heaviest path).
		assert!(!Attesters::<T>::contains_key(&who));
		assert!(T::Currency::balance(&who) >= fees);
	}

	#[benchmark]
	fn claim_fees() {
		let who = funded::<T>("attester", 0);
		Pallet::<T>::do_register(who.clone(), T::MinAttesterStake::get()).expect("funded");
		let fees = credit_fees::<T>(&who);
		let before = T::Currency::balance(&who);
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));
		assert_eq!(T::Currency::balance(&who), before.saturating_add(fees));
		assert!(Attesters::<T>::get(&who).expect("registered").fees.is_zero());
	}

	#[benchmark]
	fn attest() {
		attesters::<T>(T::CommitteeSize::get());
		let order = T::BenchmarkHelper::open_order(0);
		let members = current_members::<T>(order);
		// Members report one by one until the next report reaches quorum.
		let committee = Committees::<T>::get(order).expect("open");
		let total = committee
			.members
			.iter()
			.fold(BalanceOf::<T>::default(), |a, m| a.saturating_add(m.weight));
		let needed = T::QuorumThreshold::get().mul_ceil(total);
		let mut weight = BalanceOf::<T>::default();
		let mut deciding = None;
		for (member, seat) in members.iter().zip(committee.members.iter()) {
			weight = weight.saturating_add(seat.weight);
			if weight >= needed {
				deciding = Some(member.clone());
				break;
			}
			Pallet::<T>::do_attest(member.clone(), order, on_time::<T>(), Default::default())
				.expect("member");
		}
		let deciding = deciding.expect("the whole committee reaches quorum");
		#[extrinsic_call]
		_(RawOrigin::Signed(deciding), order, on_time::<T>(), Default::default());
		assert_eq!(Committees::<T>::get(order).expect("open").status, RoundStatus::Proposed);
	}

	#[benchmark]
	fn attest_recorded() {
		let size = T::MaxCommitteeMembers::get();
		attesters::<T>(size);
		let (shipper, carrier) = parties::<T>();
		let (members, _) = Pallet::<T>::draw_round(0, 1, size, &[]).expect("enough attesters");
		let report_by = now_ms::<T>().saturating_add(3_600_000);
		Pallet::<T>::start_round(0, shipper, carrier, 1, report_by, members, Default::default())
			.expect("room");
		let members = current_members::<T>(0);
		let seats = Committees::<T>::get(0).expect("open").members;
		let total = seats.iter().fold(BalanceOf::<T>::default(), |a, m| a.saturating_add(m.weight));
		let needed = T::QuorumThreshold::get().mul_ceil(total);
		// Members report on time until the next would reach quorum; that one reports lost, so
		// the aggregation weighs both classes and proposes nothing.
		let mut weight = BalanceOf::<T>::default();
		let mut last = None;
		for (member, seat) in members.iter().zip(seats.iter()) {
			weight = weight.saturating_add(seat.weight);
			if weight >= needed {
				last = Some(member.clone());
				break;
			}
			Pallet::<T>::do_attest(member.clone(), 0, on_time::<T>(), Default::default())
				.expect("member");
		}
		let last = last.expect("the whole committee reaches quorum");
		#[extrinsic_call]
		attest(RawOrigin::Signed(last), 0, Report::Lost, Default::default());
		let committee = Committees::<T>::get(0).expect("open");
		assert_eq!(committee.status, RoundStatus::Collecting);
		assert!(committee.members.iter().filter(|m| m.report.is_some()).count() > 1);
	}

	/// `n` members' signed reports in one batch, on a round of `n` members of equal weight:
	/// the first reports on time fall one short of quorum, the next report lost, and the last,
	/// on time again, reaches quorum, so every report before it is aggregated without a
	/// result and the last opens the dispute window.
	#[benchmark]
	fn attest_signed(n: Linear<1, { T::MaxCommitteeMembers::get() }>) {
		attesters::<T>(T::CommitteeSize::get());
		let order = T::BenchmarkHelper::open_order(0);
		let signers: Vec<T::AccountId> = (0..n).map(T::BenchmarkHelper::signer).collect();
		let weight = stake::<T>();
		let mut committee = Committees::<T>::get(order).expect("open");
		let round = committee.round;
		committee.members = BoundedVec::truncate_from(
			signers
				.iter()
				.map(|who| Member { who: who.clone(), weight, round, report: None, verdict: None })
				.collect(),
		);
		Committees::<T>::insert(order, committee);
		let needed = T::QuorumThreshold::get().mul_ceil(weight.saturating_mul(n.into()));
		let quorum_at = (1..=n)
			.find(|&k| weight.saturating_mul(k.into()) >= needed)
			.expect("all n reach quorum");
		let reports: Vec<_> = (1..=n)
			.zip(&signers)
			.map(|(k, who)| {
				let report = if k < quorum_at || k == n { on_time::<T>() } else { Report::Lost };
				let evidence = Default::default();
				let payload = Pallet::<T>::report_payload(order, round, &report, &evidence);
				let signature = T::BenchmarkHelper::sign(who, &payload);
				SignedReport { who: who.clone(), report, evidence, signature }
			})
			.collect();
		let reports = BoundedVec::try_from(reports).expect("n is at most MaxCommitteeMembers");
		#[extrinsic_call]
		_(RawOrigin::Signed(signers[0].clone()), order, reports);
		let committee = Committees::<T>::get(order).expect("open");
		assert_eq!(committee.status, RoundStatus::Proposed);
		assert!(committee.members.iter().all(|m| m.report.is_some()));
	}

	#[benchmark]
	fn on_initialize(n: Linear<0, { T::MaxDeadlinesPerBlock::get() }>) {
		// A full candidate list: each round without quorum judges its silent members and draws
		// the next round, and both read, scan and rewrite the whole list.
		attesters::<T>(T::MaxAttesters::get());
		let orders: Vec<OrderId> = (0..n).map(T::BenchmarkHelper::open_order).collect();
		let due = orders.first().and_then(Committees::<T>::get);
		let at = due.as_ref().map(|c| c.deadline_block).unwrap_or_default();
		let deadline = due.map(|c| c.deadline).unwrap_or_default();
		T::BenchmarkHelper::set_time(deadline.saturating_add(1));
		frame_system::Pallet::<T>::set_block_number(at);
		#[block]
		{
			Pallet::<T>::on_initialize(at);
		}
		for order in orders {
			let committee = Committees::<T>::get(order).expect("not final yet");
			assert!(committee.status != RoundStatus::Collecting || committee.round > 1);
		}
	}

	#[benchmark]
	fn open(a: Linear<{ T::CommitteeSize::get() }, { T::MaxAttesters::get() }>) {
		attesters::<T>(a);
		let (shipper, carrier) = parties::<T>();
		let report_by = now_ms::<T>().saturating_add(3_600_000);
		#[block]
		{
			Pallet::<T>::open(0, &shipper, &carrier, report_by).expect("enough attesters");
		}
		assert!(Committees::<T>::contains_key(0));
	}

	#[benchmark]
	fn escalate(
		a: Linear<
			{ T::CommitteeSize::get() + T::EscalationCommitteeSize::get() },
			{ T::MaxAttesters::get() },
		>,
	) {
		attesters::<T>(a);
		let order = T::BenchmarkHelper::open_order(0);
		for member in current_members::<T>(order) {
			if Committees::<T>::get(order).expect("open").status != RoundStatus::Collecting {
				break;
			}
			Pallet::<T>::do_attest(member, order, Report::Lost, Default::default())
				.expect("member");
		}
		#[block]
		{
			Pallet::<T>::do_escalate(order).expect("proposed, room");
		}
		assert_eq!(Committees::<T>::get(order).expect("open").round, 2);
	}

	#[benchmark]
	fn judge(m: Linear<1, { T::MaxCommitteeMembers::get() }>) {
		// A full candidate list: judging rewrites each member's entry in it.
		attesters::<T>(T::MaxAttesters::get());
		let (shipper, carrier) = parties::<T>();
		let (members, _) = Pallet::<T>::draw_round(0, 1, m, &[]).expect("enough attesters");
		Pallet::<T>::start_round(
			0,
			shipper,
			carrier,
			1,
			now_ms::<T>(),
			members,
			Default::default(),
		)
		.expect("room");
		// Half agree and share the fee; half are wrong and slashed.
		Committees::<T>::mutate(0, |c| {
			for (i, member) in c.as_mut().expect("open").members.iter_mut().enumerate() {
				let report = if i % 2 == 0 { on_time::<T>() } else { Report::Lost };
				member.report = Some((report, Default::default()));
			}
		});
		let fee = T::MinAttesterStake::get();
		T::Currency::set_balance(&Pallet::<T>::fee_pot(), fee.saturating_mul(2u32.into()));
		Pallet::<T>::fee_paid(0, fee);
		#[block]
		{
			Pallet::<T>::on_final_outcome(0, on_time::<T>()).expect("committee");
		}
		assert!(!Committees::<T>::contains_key(0));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
