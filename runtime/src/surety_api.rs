//! The answers of the `SuretyApi` runtime API, assembled from the protocol pallets' storage.

use alloc::vec::Vec;
use sp_runtime::{traits::Zero, FixedPointNumber, FixedU128};
use surety_primitives::{
	api::{
		AttesterProfile, CarrierProfile, OrderStage, OrderView, PendingSlashView, SecurityLeverage,
		StakeView,
	},
	protocol::OrderId,
	stake::StakeLedger,
};

use crate::{AccountId, Balance, BlockNumber, Fulfillment, Runtime};

/// Most pending slashes one answer lists: keeps the call bounded.
pub const MAX_PENDING_SLASHES: usize = 256;

type Stage = OrderStage<Balance, BlockNumber>;

fn stake_view<S: frame_support::traits::Get<u32>>(
	stake: &StakeLedger<Balance, BlockNumber, S>,
) -> StakeView<Balance> {
	StakeView {
		total: stake.total,
		active: stake.active(),
		allocated: stake.allocated,
		reserved: stake.reserved,
		unbonding: stake.unbonding_total(),
	}
}

fn ratio(numerator: Balance, denominator: Balance) -> FixedU128 {
	FixedU128::checked_from_rational(numerator, denominator).unwrap_or_default()
}

pub fn quote_bond(value: Balance, carrier: AccountId) -> Balance {
	Fulfillment::quote_bond(value, &carrier)
}

/// Where a bonded order is: with the disputes side once a committee proposed or missed quorum,
/// with its committee before.
fn bonded_stage(order: OrderId) -> Stage {
	use pallet_disputes::CaseStatus;
	match pallet_disputes::Cases::<Runtime>::get(order) {
		Some(case) => match case.status {
			CaseStatus::Window { ends } => match case.proposed {
				Some(outcome) => Stage::DisputeWindow { outcome, window_ends: ends },
				None => Stage::Reattesting { round: case.round },
			},
			CaseStatus::Reattesting => Stage::Reattesting { round: case.round },
			CaseStatus::AwaitingRuling { until } => Stage::AwaitingRuling { until },
			CaseStatus::Finalizing { outcome, retry_at } => Stage::Finalizing { outcome, retry_at },
		},
		None => Stage::Attesting {
			round: pallet_attestation::Committees::<Runtime>::get(order).map_or(1, |c| c.round),
		},
	}
}

pub fn order(order: OrderId) -> Option<OrderView<AccountId, Balance, BlockNumber>> {
	use pallet_fulfillment::OrderStatus;
	if let Some(live) = pallet_fulfillment::Orders::<Runtime>::get(order) {
		let (carrier, bond, stage) = match live.status {
			OrderStatus::Open => {
				(None, Zero::zero(), Stage::Open { accept_by: live.terms.accept_by })
			}
			OrderStatus::Bonded { carrier, bond, .. } => (Some(carrier), bond, bonded_stage(order)),
		};
		return Some(OrderView {
			shipper: live.shipper,
			carrier,
			value: live.terms.value,
			bond,
			stage,
		});
	}
	let record = pallet_fulfillment::OrderRecords::<Runtime>::get(order)?;
	Some(OrderView {
		shipper: record.shipper,
		carrier: record.carrier,
		value: record.value,
		bond: record.bond,
		stage: Stage::Ended {
			end: record.end,
			paid_to_carrier: record.paid_to_carrier,
			refunded: record.refunded,
			slash_scheduled: record.slash_scheduled,
		},
	})
}

pub fn carrier(who: AccountId) -> Option<CarrierProfile<Balance>> {
	let ledger = pallet_fulfillment::Carriers::<Runtime>::get(&who)?;
	Some(CarrierProfile {
		leverage: ratio(ledger.open_value, ledger.stake.active()),
		stake: stake_view(&ledger.stake),
		open_value: ledger.open_value,
		open_orders: ledger.open_orders,
		score: ledger.score,
		settled: ledger.settled,
		faults: ledger.faults,
	})
}

pub fn attester(who: AccountId) -> Option<AttesterProfile<Balance>> {
	let info = pallet_attestation::Pallet::<Runtime>::attester(&who)?;
	Some(AttesterProfile {
		stake: stake_view(&info.stake),
		seats: info.seats,
		score: info.score,
		judged: info.judged,
		faults: info.faults,
		fees: info.fees,
	})
}

pub fn pending_slashes(who: AccountId) -> Vec<PendingSlashView<Balance, BlockNumber>> {
	pallet_slashing::PendingByOffender::<Runtime>::iter_key_prefix(&who)
		.filter_map(|id| {
			pallet_slashing::PendingSlashes::<Runtime>::get(id).map(|slash| PendingSlashView {
				id,
				kind: slash.kind,
				order: slash.order,
				amount: slash.amount,
				due: slash.due,
			})
		})
		.take(MAX_PENDING_SLASHES)
		.collect()
}

pub fn security_leverage() -> SecurityLeverage<Balance> {
	let open_value = pallet_fulfillment::TotalOpenValue::<Runtime>::get();
	let carrier_stake = pallet_fulfillment::TotalActiveStake::<Runtime>::get();
	SecurityLeverage {
		open_value,
		carrier_stake,
		attester_stake: pallet_attestation::TotalActiveStake::<Runtime>::get(),
		leverage: ratio(open_value, carrier_stake),
	}
}
