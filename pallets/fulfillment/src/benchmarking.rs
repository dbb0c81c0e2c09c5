//! Benchmarks (frame-benchmarking v2) of every call, the expiry hook and settlement.

use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get, Hooks, UnixTime};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::{
	traits::{One, Saturating},
	BoundedVec, Perbill,
};
use surety_primitives::protocol::{OrderId, OutcomeHandler, Report};

use crate::{pallet::*, types::*, EXPIRY_SPILL_BLOCKS};

/// What the runtime sets up in the other protocol pallets for these benchmarks.
pub trait BenchmarkHelper<AccountId> {
	/// Makes opening attestation for an order between `shipper` and `carrier` succeed
	/// (for instance by registering enough attesters).
	fn prepare_attestation(shipper: &AccountId, carrier: &AccountId);
}

impl<AccountId> BenchmarkHelper<AccountId> for () {
	fn prepare_attestation(_: &AccountId, _: &AccountId) {}
}

const SEED: u32 = 0;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	let amount = T::MinCarrierStake::get().saturating_mul(1_000_000u32.into());
	T::Currency::set_balance(&who, amount);
	who
}

fn stake<T: Config>() -> BalanceOf<T> {
	T::MinCarrierStake::get().saturating_mul(10u32.into())
}

fn terms<T: Config>(
	accept_by: BlockNumberFor<T>,
) -> OrderTerms<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> {
	let now_ms = T::UnixTime::now().as_millis() as u64;
	OrderTerms {
		value: T::MinCarrierStake::get(),
		payment: T::MinPayment::get().max(One::one()),
		carrier: None,
		accept_by,
		deliver_by: now_ms.saturating_add(T::MaxDeliveryHorizon::get() / 2).max(now_ms + 1),
		grace: T::MaxGrace::get(),
		temperature: Some(TemperatureBand { min_centi_c: 200, max_centi_c: 800 }),
		reference: Some(Default::default()),
	}
}

/// A few blocks ahead: the benchmark harness may move from block 0 to 1 between set-up and
/// call.
fn accept_by<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number().saturating_add(10u32.into())
}

/// Fills the expiry queue of `accept_by` with `n` orders of another shipper; their ids.
fn fill_queue<T: Config>(accept_by: BlockNumberFor<T>, n: u32) -> alloc::vec::Vec<OrderId> {
	let filler = funded::<T>("filler", 0);
	(0..n)
		.map(|_| {
			Pallet::<T>::do_create_order(filler.clone(), terms::<T>(accept_by))
				.expect("room in queue")
				.0
		})
		.collect()
}

/// A standing offer every benchmark order fits, with one booking left.
fn offer<T: Config>(shipper: Option<T::AccountId>) -> OfferOf<T> {
	BookingOffer {
		shipper,
		max_value: T::MinCarrierStake::get(),
		min_payment: T::MinPayment::get(),
		min_lead: 0,
		temperature_controlled: true,
		remaining: 1,
	}
}

/// A registered carrier and a shipper's order it accepted.
fn bonded<T: Config>() -> (T::AccountId, T::AccountId, OrderId) {
	let shipper = funded::<T>("shipper", 0);
	let carrier = funded::<T>("carrier", 0);
	Pallet::<T>::do_register_carrier(carrier.clone(), stake::<T>()).expect("funded");
	let (id, _) =
		Pallet::<T>::do_create_order(shipper.clone(), terms::<T>(accept_by::<T>())).expect("valid");
	T::BenchmarkHelper::prepare_attestation(&shipper, &carrier);
	Pallet::<T>::do_accept_order(carrier.clone(), id).expect("enough stake");
	(shipper, carrier, id)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_carrier() {
		let carrier = funded::<T>("carrier", 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(carrier.clone()), stake::<T>());
		assert!(Carriers::<T>::contains_key(&carrier));
	}

	#[benchmark]
	fn bond_extra() {
		let carrier = funded::<T>("carrier", 0);
		Pallet::<T>::do_register_carrier(carrier.clone(), stake::<T>()).expect("funded");
		#[extrinsic_call]
		_(RawOrigin::Signed(carrier.clone()), stake::<T>());
		assert_eq!(
			Carriers::<T>::get(&carrier).expect("registered").stake.total,
			stake::<T>() + stake::<T>()
		);
	}

	#[benchmark]
	fn unbond() {
		let carrier = funded::<T>("carrier", 0);
		Pallet::<T>::do_register_carrier(carrier.clone(), stake::<T>()).expect("funded");
		// All but one chunk taken: the push is the last that fits.
		for _ in 1..T::MaxUnbondingChunks::get() {
			Pallet::<T>::do_unbond(carrier.clone(), One::one()).expect("free stake");
		}
		#[extrinsic_call]
		_(RawOrigin::Signed(carrier.clone()), One::one());
		assert_eq!(
			Carriers::<T>::get(&carrier).expect("registered").stake.unbonding.len() as u32,
			T::MaxUnbondingChunks::get()
		);
	}

	#[benchmark]
	fn withdraw_unbonded(c: Linear<1, { T::MaxUnbondingChunks::get() }>) {
		let carrier = funded::<T>("carrier", 0);
		let min = T::MinCarrierStake::get();
		Pallet::<T>::do_register_carrier(carrier.clone(), min.saturating_mul(c.into()))
			.expect("funded");
		// Deregistering ends the carrier's standing offer too.
		Pallet::<T>::do_set_offer(carrier.clone(), offer::<T>(None)).expect("a carrier");
		for _ in 0..c {
			Pallet::<T>::do_unbond(carrier.clone(), min).expect("free stake");
		}
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get()),
		);
		#[extrinsic_call]
		_(RawOrigin::Signed(carrier.clone()));
		// Everything withdrawn: the carrier is gone (the heaviest path), and its offer.
		assert!(!Carriers::<T>::contains_key(&carrier));
		assert!(!Offers::<T>::contains_key(&carrier));
	}

	/// `s`: full expiry blocks the order passes over before the one it is queued in, which has
	/// one place left. No spill hint: the search reads every one of them. For `s > 0` it also
	/// reads the hint and writes it (it moves), so `create_order(s)` includes both, and the call
	/// charges nothing on top for them.
	#[benchmark]
	fn create_order(s: Linear<0, { EXPIRY_SPILL_BLOCKS - 1 }>) {
		let shipper = funded::<T>("shipper", 0);
		let at = accept_by::<T>();
		let first = at.saturating_add(One::one());
		// Entries of orders long accepted: the search reads them all the same.
		let full: BoundedVec<OrderId, T::MaxExpiriesPerBlock> =
			BoundedVec::truncate_from((0..T::MaxExpiriesPerBlock::get() as u64).collect());
		for i in 0..s {
			ExpiryQueue::<T>::insert(first.saturating_add(i.into()), full.clone());
		}
		let last = first.saturating_add(s.into());
		let mut almost = full.clone();
		almost.pop();
		ExpiryQueue::<T>::insert(last, almost);
		let id = NextOrderId::<T>::get();
		#[extrinsic_call]
		_(RawOrigin::Signed(shipper), terms::<T>(at));
		assert!(Orders::<T>::contains_key(id));
		assert!(ExpiryQueue::<T>::get(last).contains(&id));
	}

	#[benchmark]
	fn accept_order() {
		let shipper = funded::<T>("shipper", 0);
		let carrier = funded::<T>("carrier", 0);
		Pallet::<T>::do_register_carrier(carrier.clone(), stake::<T>()).expect("funded");
		let (id, _) = Pallet::<T>::do_create_order(shipper.clone(), terms::<T>(accept_by::<T>()))
			.expect("valid");
		T::BenchmarkHelper::prepare_attestation(&shipper, &carrier);
		#[extrinsic_call]
		_(RawOrigin::Signed(carrier), id);
		assert!(matches!(Orders::<T>::get(id).expect("live").status, OrderStatus::Bonded { .. }));
	}

	#[benchmark]
	fn set_offer() {
		let carrier = funded::<T>("carrier", 0);
		Pallet::<T>::do_register_carrier(carrier.clone(), stake::<T>()).expect("funded");
		#[extrinsic_call]
		_(RawOrigin::Signed(carrier.clone()), offer::<T>(Some(funded::<T>("shipper", 0))));
		assert!(Offers::<T>::contains_key(&carrier));
	}

	#[benchmark]
	fn withdraw_offer() {
		let carrier = funded::<T>("carrier", 0);
		Pallet::<T>::do_register_carrier(carrier.clone(), stake::<T>()).expect("funded");
		Pallet::<T>::do_set_offer(carrier.clone(), offer::<T>(None)).expect("a carrier");
		#[extrinsic_call]
		_(RawOrigin::Signed(carrier.clone()));
		assert!(!Offers::<T>::contains_key(&carrier));
	}

	/// As `accept_order`, with the order created in the same call; the offer's last booking,
	/// so the offer is removed too.
	#[benchmark]
	fn book() {
		let shipper = funded::<T>("shipper", 0);
		let carrier = funded::<T>("carrier", 0);
		Pallet::<T>::do_register_carrier(carrier.clone(), stake::<T>()).expect("funded");
		Pallet::<T>::do_set_offer(carrier.clone(), offer::<T>(Some(shipper.clone())))
			.expect("a carrier");
		T::BenchmarkHelper::prepare_attestation(&shipper, &carrier);
		let terms = OrderTerms { carrier: Some(carrier.clone()), ..terms::<T>(accept_by::<T>()) };
		let id = NextOrderId::<T>::get();
		#[extrinsic_call]
		_(RawOrigin::Signed(shipper), terms);
		assert!(matches!(Orders::<T>::get(id).expect("live").status, OrderStatus::Bonded { .. }));
		assert!(!Offers::<T>::contains_key(&carrier));
	}

	#[benchmark]
	fn cancel_order() {
		let (shipper, carrier, id) = bonded::<T>();
		Pallet::<T>::do_release_order(carrier, id).expect("bonded");
		#[extrinsic_call]
		_(RawOrigin::Signed(shipper), id);
		assert!(OrderRecords::<T>::contains_key(id));
	}

	#[benchmark]
	fn release_order() {
		let (shipper, carrier, id) = bonded::<T>();
		Pallet::<T>::do_cancel_order(shipper, id).expect("bonded");
		#[extrinsic_call]
		_(RawOrigin::Signed(carrier), id);
		assert!(OrderRecords::<T>::contains_key(id));
	}

	#[benchmark]
	fn on_initialize(n: Linear<0, { T::MaxExpiriesPerBlock::get() }>) {
		let at = accept_by::<T>();
		let expiring = fill_queue::<T>(at, n);
		let expiry = at.saturating_add(One::one());
		frame_system::Pallet::<T>::set_block_number(expiry);
		#[block]
		{
			Pallet::<T>::on_initialize(expiry);
		}
		assert!(ExpiryQueue::<T>::get(expiry).is_empty());
		// Only these: the chain may hold other orders (scripts/bench.sh measures the hook beside
		// 100,000 of them).
		assert!(expiring.iter().all(|id| OrderRecords::<T>::contains_key(id)));
	}

	#[benchmark]
	fn settle_delivered_on_time() {
		let (_, _, id) = bonded::<T>();
		let at = Orders::<T>::get(id).expect("live").terms.deliver_by;
		let report =
			Report::Delivered { at, max_excursion_centi_c_minutes: 0, damage: Perbill::zero() };
		#[block]
		{
			Pallet::<T>::on_final_outcome(id, report).expect("bonded");
		}
		assert_eq!(OrderRecords::<T>::get(id).expect("ended").end, OrderEnd::DeliveredOnTime);
	}

	#[benchmark]
	fn settle_delivered_with_fault() {
		let (_, _, id) = bonded::<T>();
		let terms = Orders::<T>::get(id).expect("live").terms;
		let report = Report::Delivered {
			at: terms.deliver_by.saturating_add(terms.grace).saturating_add(7_200_000),
			max_excursion_centi_c_minutes: 1_000,
			damage: Perbill::from_percent(5),
		};
		#[block]
		{
			Pallet::<T>::on_final_outcome(id, report).expect("bonded");
		}
		assert_eq!(OrderRecords::<T>::get(id).expect("ended").end, OrderEnd::DeliveredWithFault);
	}

	#[benchmark]
	fn settle_lost() {
		let (_, _, id) = bonded::<T>();
		#[block]
		{
			Pallet::<T>::on_final_outcome(id, Report::Lost).expect("bonded");
		}
		assert_eq!(OrderRecords::<T>::get(id).expect("ended").end, OrderEnd::Lost);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
