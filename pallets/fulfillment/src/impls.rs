//! The logic behind the calls, the hook, and the traits the other pallets call.

use frame_support::{
	defensive,
	pallet_prelude::*,
	traits::{
		fungible::{BalancedHold, InspectHold, MutateHold},
		tokens::{Fortitude, Precision, Restriction},
		Defensive, DefensiveSaturating, Get, UnixTime,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{CheckedAdd, One, Saturating, Zero},
	DispatchResult, FixedPointNumber, Perbill,
};
use surety_primitives::{
	protocol::{
		updated_score, AttestationHandler, OrderId, OrderInfo, OutcomeHandler, OutcomePath, Report,
		Severity, SlashRequest, SlashScheduler, SlashableStake, StakeKind,
	},
	queue,
	stake::{StakeError, StakeLedger},
	Moment,
};

use crate::{pallet::*, types::*, WeightInfo, EXPIRY_SPILL_BLOCKS, LOG_TARGET};

type OrderOf<T> = Order<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
type TermsOf<T> =
	OrderTerms<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

/// Parts per billion in one whole.
const BILLION: u64 = 1_000_000_000;

impl<T: Config> From<StakeError> for Error<T> {
	fn from(e: StakeError) -> Self {
		match e {
			StakeError::ZeroAmount => Error::<T>::ZeroAmount,
			StakeError::InsufficientFree => Error::<T>::InsufficientFreeStake,
			StakeError::BelowMinimum => Error::<T>::StakeBelowMinimum,
			StakeError::TooManyChunks => Error::<T>::TooManyUnbondingChunks,
			StakeError::NothingToWithdraw => Error::<T>::NothingToWithdraw,
		}
	}
}

impl<T: Config> Pallet<T> {
	fn now_ms() -> Moment {
		T::UnixTime::now().as_millis().min(u64::MAX as u128) as u64
	}

	fn stake_reason() -> T::RuntimeHoldReason {
		HoldReason::CarrierStake.into()
	}

	fn escrow_reason() -> T::RuntimeHoldReason {
		HoldReason::OrderEscrow.into()
	}

	// ---- Carriers ----

	pub(crate) fn do_register_carrier(who: T::AccountId, stake: BalanceOf<T>) -> DispatchResult {
		ensure!(!Carriers::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
		ensure!(stake >= T::MinCarrierStake::get(), Error::<T>::StakeBelowMinimum);
		Self::hold(&Self::stake_reason(), &who, stake)?;
		let ledger = CarrierLedger::<T> {
			stake: StakeLedger::new(stake),
			score: T::NeutralScore::get(),
			..Default::default()
		};
		Carriers::<T>::insert(&who, ledger);
		TotalActiveStake::<T>::mutate(|t| t.saturating_accrue(stake));
		Self::deposit_event(Event::CarrierRegistered { carrier: who, stake });
		Ok(())
	}

	pub(crate) fn do_bond_extra(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut ledger = Carriers::<T>::get(&who).ok_or(Error::<T>::NotCarrier)?;
		let active = ledger.stake.active().saturating_add(amount);
		ensure!(active >= T::MinCarrierStake::get(), Error::<T>::StakeBelowMinimum);
		Self::hold(&Self::stake_reason(), &who, amount)?;
		ledger.stake.total.saturating_accrue(amount);
		Carriers::<T>::insert(&who, ledger);
		TotalActiveStake::<T>::mutate(|t| t.saturating_accrue(amount));
		Self::deposit_event(Event::StakeBonded { carrier: who, amount });
		Ok(())
	}

	pub(crate) fn do_unbond(who: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		let mut ledger = Carriers::<T>::get(&who).ok_or(Error::<T>::NotCarrier)?;
		let unlock_at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
		ledger
			.stake
			.unbond(amount, T::MinCarrierStake::get(), unlock_at)
			.map_err(Error::<T>::from)?;
		Carriers::<T>::insert(&who, ledger);
		TotalActiveStake::<T>::mutate(|t| t.saturating_reduce(amount));
		Self::deposit_event(Event::StakeUnbonding { carrier: who, amount, unlock_at });
		Ok(())
	}

	pub(crate) fn do_withdraw_unbonded(who: T::AccountId) -> DispatchResult {
		let mut ledger = Carriers::<T>::get(&who).ok_or(Error::<T>::NotCarrier)?;
		let now = frame_system::Pallet::<T>::block_number();
		let withdrawn = ledger.stake.withdraw_ripe(now).map_err(Error::<T>::from)?;
		Self::release(&Self::stake_reason(), &who, withdrawn)?;
		Self::deposit_event(Event::StakeWithdrawn { carrier: who.clone(), amount: withdrawn });
		if ledger.stake.is_empty() && ledger.open_orders == 0 {
			Carriers::<T>::remove(&who);
			if Offers::<T>::take(&who).is_some() {
				Self::deposit_event(Event::OfferWithdrawn { carrier: who.clone() });
			}
			Self::deposit_event(Event::CarrierDeregistered { carrier: who });
		} else {
			Carriers::<T>::insert(&who, ledger);
		}
		Ok(())
	}

	// ---- Quotes ----

	/// The collateral ratio for a carrier with `score`: the base ratio scaled by
	/// `1.5 − score` (so a perfect record halves it and the worst adds half), clamped to
	/// `[MinCollateralRatio, MaxCollateralRatio]`.
	pub fn collateral_ratio(score: Perbill) -> Perbill {
		let base = T::BaseCollateralRatio::get().deconstruct() as u64;
		let risk = BILLION * 3 / 2 - score.deconstruct() as u64;
		// base ≤ 1e9 and risk ≤ 1.5e9: the product fits in a u64.
		let scaled = base.saturating_mul(risk) / BILLION;
		let ratio = Perbill::from_parts(scaled.min(BILLION) as u32);
		ratio.clamp(T::MinCollateralRatio::get(), T::MaxCollateralRatio::get())
	}

	/// The bond `carrier` would allocate to carry cargo worth `value`. Unknown accounts are
	/// quoted at the neutral score. Never zero for a non-zero value.
	pub fn quote_bond(value: BalanceOf<T>, carrier: &T::AccountId) -> BalanceOf<T> {
		let score =
			Carriers::<T>::get(carrier).map(|l| l.score).unwrap_or_else(T::NeutralScore::get);
		Self::bond_for(value, score)
	}

	fn bond_for(value: BalanceOf<T>, score: Perbill) -> BalanceOf<T> {
		let bond = Self::collateral_ratio(score).mul_ceil(value);
		if bond.is_zero() && !value.is_zero() {
			One::one()
		} else {
			bond
		}
	}

	/// Whether `open_value` of orders is within `MaxLeverage` of `active` stake.
	pub fn within_leverage(open_value: BalanceOf<T>, active: BalanceOf<T>) -> bool {
		open_value <= T::MaxLeverage::get().saturating_mul_int(active)
	}

	/// The score after one more outcome scored `outcome`.
	pub fn updated_score(score: Perbill, outcome: Perbill) -> Perbill {
		updated_score(score, outcome, T::ReputationSmoothing::get())
	}

	// ---- Orders ----

	fn validate_terms(shipper: &T::AccountId, terms: &TermsOf<T>) -> DispatchResult {
		ensure!(!terms.value.is_zero(), Error::<T>::ZeroValue);
		ensure!(terms.payment >= T::MinPayment::get(), Error::<T>::PaymentBelowMinimum);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(terms.accept_by > now, Error::<T>::AcceptDeadlinePassed);
		ensure!(
			terms.accept_by <= now.saturating_add(T::MaxAcceptWindow::get()),
			Error::<T>::AcceptWindowTooLong
		);
		let now_ms = Self::now_ms();
		ensure!(terms.deliver_by > now_ms, Error::<T>::DeliveryDeadlinePassed);
		ensure!(
			terms.deliver_by <= now_ms.saturating_add(T::MaxDeliveryHorizon::get()),
			Error::<T>::DeliveryTooFar
		);
		ensure!(terms.grace <= T::MaxGrace::get(), Error::<T>::GraceTooLong);
		if let Some(band) = &terms.temperature {
			ensure!(band.min_centi_c <= band.max_centi_c, Error::<T>::InvalidTemperatureBand);
		}
		ensure!(terms.carrier.as_ref() != Some(shipper), Error::<T>::CarrierIsShipper);
		Ok(())
	}

	/// Returns the order's id and what its expiry search read and wrote past a full first
	/// queue.
	pub(crate) fn do_create_order(
		shipper: T::AccountId,
		terms: TermsOf<T>,
	) -> Result<(OrderId, queue::Spill), DispatchError> {
		Self::validate_terms(&shipper, &terms)?;
		let id = NextOrderId::<T>::get();
		let first = Self::expiry_block(&terms);
		let (expiry, spilled) = queue::counting_spills(|| {
			queue::push_hinted::<ExpiryQueue<T>, ExpirySpillHint<T>, _, _, _>(
				first,
				EXPIRY_SPILL_BLOCKS,
				id,
			)
		});
		expiry.ok_or(Error::<T>::ExpiryQueueFull)?;
		let order = Self::escrow_order(id, shipper, terms)?;
		Orders::<T>::insert(id, order);
		Ok((id, spilled))
	}

	/// Holds the escrow of an order with valid `terms` and takes the id `id`, the next one;
	/// the caller stores the order.
	fn escrow_order(
		id: OrderId,
		shipper: T::AccountId,
		terms: TermsOf<T>,
	) -> Result<OrderOf<T>, DispatchError> {
		let order = Order {
			shipper: shipper.clone(),
			fee: T::AttestationFee::get(),
			terms,
			status: OrderStatus::Open,
		};
		let escrow = order.escrow();
		let next = id.checked_add(1).ok_or(Error::<T>::Defensive)?;
		Self::hold(&Self::escrow_reason(), &shipper, escrow)?;
		NextOrderId::<T>::put(next);
		Self::deposit_event(Event::OrderCreated {
			order: id,
			shipper,
			value: order.terms.value,
			payment: order.terms.payment,
			escrow,
		});
		Ok(order)
	}

	/// Returns the weight the committee draw did not use (see `AttestationHandler::open`).
	pub(crate) fn do_accept_order(
		carrier: T::AccountId,
		id: OrderId,
	) -> Result<Weight, DispatchError> {
		let ledger = Carriers::<T>::get(&carrier).ok_or(Error::<T>::NotCarrier)?;
		let order = Orders::<T>::get(id).ok_or(Error::<T>::OrderNotFound)?;
		ensure!(order.status == OrderStatus::Open, Error::<T>::NotOpen);
		if let Some(named) = &order.terms.carrier {
			ensure!(*named == carrier, Error::<T>::NotNamedCarrier);
		}
		ensure!(order.shipper != carrier, Error::<T>::CarrierIsShipper);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= order.terms.accept_by, Error::<T>::AcceptWindowClosed);
		Self::bond_order(carrier, ledger, id, order)
	}

	/// Allocates `carrier`'s bond to the open order `id` and opens its attestation; stores
	/// both. Returns the weight the committee draw did not use.
	fn bond_order(
		carrier: T::AccountId,
		mut ledger: CarrierLedger<T>,
		id: OrderId,
		mut order: OrderOf<T>,
	) -> Result<Weight, DispatchError> {
		let bond = Self::bond_for(order.terms.value, ledger.score);
		ensure!(bond <= ledger.stake.free(), Error::<T>::InsufficientFreeStake);
		let open_value = ledger
			.open_value
			.checked_add(&order.terms.value)
			.ok_or(Error::<T>::LeverageExceeded)?;
		ensure!(
			Self::within_leverage(open_value, ledger.stake.active()),
			Error::<T>::LeverageExceeded
		);

		let unused = T::Attestation::open(
			id,
			&order.shipper,
			&carrier,
			order.terms.deliver_by.saturating_add(order.terms.grace),
		)?;

		ledger.stake.allocated.saturating_accrue(bond);
		ledger.open_value = open_value;
		ledger.open_orders.saturating_inc();
		Carriers::<T>::insert(&carrier, ledger);
		TotalOpenValue::<T>::mutate(|v| v.saturating_accrue(order.terms.value));
		order.status =
			OrderStatus::Bonded { carrier: carrier.clone(), bond, cancel_requested_by: None };
		Orders::<T>::insert(id, order);
		Self::deposit_event(Event::OrderAccepted { order: id, carrier, bond });
		Ok(unused)
	}

	// ---- Standing offers ----

	pub(crate) fn do_set_offer(carrier: T::AccountId, offer: OfferOf<T>) -> DispatchResult {
		ensure!(Carriers::<T>::contains_key(&carrier), Error::<T>::NotCarrier);
		ensure!(offer.remaining > 0, Error::<T>::ZeroBookings);
		ensure!(offer.shipper.as_ref() != Some(&carrier), Error::<T>::CarrierIsShipper);
		Offers::<T>::insert(&carrier, &offer);
		Self::deposit_event(Event::OfferSet { carrier, offer });
		Ok(())
	}

	pub(crate) fn do_withdraw_offer(carrier: T::AccountId) -> DispatchResult {
		Offers::<T>::take(&carrier).ok_or(Error::<T>::NoOffer)?;
		Self::deposit_event(Event::OfferWithdrawn { carrier });
		Ok(())
	}

	/// Checks `terms` against the standing `offer` they are booked on.
	fn within_offer(
		shipper: &T::AccountId,
		terms: &TermsOf<T>,
		offer: &OfferOf<T>,
	) -> DispatchResult {
		if let Some(only) = &offer.shipper {
			ensure!(only == shipper, Error::<T>::OfferNotForShipper);
		}
		ensure!(terms.value <= offer.max_value, Error::<T>::OfferValueTooHigh);
		ensure!(terms.payment >= offer.min_payment, Error::<T>::OfferPaymentTooLow);
		ensure!(
			terms.deliver_by >= Self::now_ms().saturating_add(offer.min_lead),
			Error::<T>::OfferLeadTooShort
		);
		ensure!(
			terms.temperature.is_none() || offer.temperature_controlled,
			Error::<T>::OfferNoTemperatureControl
		);
		Ok(())
	}

	/// Creates an order and bonds it against the named carrier's standing offer, using one of
	/// the offer's bookings. Returns the weight the committee draw did not use.
	pub(crate) fn do_book(
		shipper: T::AccountId,
		terms: TermsOf<T>,
	) -> Result<Weight, DispatchError> {
		Self::validate_terms(&shipper, &terms)?;
		let carrier = terms.carrier.clone().ok_or(Error::<T>::NoCarrierNamed)?;
		let mut offer = Offers::<T>::get(&carrier).ok_or(Error::<T>::NoOffer)?;
		Self::within_offer(&shipper, &terms, &offer)?;
		let ledger = Carriers::<T>::get(&carrier).ok_or(Error::<T>::NotCarrier)?;
		let id = NextOrderId::<T>::get();
		let order = Self::escrow_order(id, shipper, terms)?;
		let unused = Self::bond_order(carrier.clone(), ledger, id, order)?;
		offer.remaining.saturating_dec();
		if offer.remaining == 0 {
			Offers::<T>::remove(&carrier);
			Self::deposit_event(Event::OfferWithdrawn { carrier });
		} else {
			Offers::<T>::insert(&carrier, offer);
		}
		Ok(unused)
	}

	/// What a call that draws a committee is charged: its `declared` weight (a draw among
	/// `MaxAttesters`) less what the draw did not use, plus the full queues its deadline
	/// search read.
	pub(crate) fn charged_for_draw(
		declared: Weight,
		unused: Weight,
		spilled: queue::Spill,
	) -> frame_support::dispatch::PostDispatchInfo {
		let used = declared.saturating_sub(unused);
		Some(used.saturating_add(spilled.weight(T::DbWeight::get()))).into()
	}

	pub(crate) fn do_cancel_order(who: T::AccountId, id: OrderId) -> DispatchResult {
		let mut order = Orders::<T>::get(id).ok_or(Error::<T>::OrderNotFound)?;
		ensure!(order.shipper == who, Error::<T>::NotShipper);
		match &mut order.status {
			OrderStatus::Open => {
				Self::release_expiry(id, &order.terms);
				let refund = Self::refund_all(&order)?;
				Self::end_order(
					id,
					order,
					None,
					OrderEnd::Cancelled,
					Zero::zero(),
					refund,
					Zero::zero(),
				);
				Self::deposit_event(Event::OrderCancelled { order: id, refund });
			}
			OrderStatus::Bonded { cancel_requested_by: Some(Party::Carrier), .. } => {
				Self::cancel_bonded(id, order)?;
			}
			OrderStatus::Bonded { cancel_requested_by: Some(Party::Shipper), .. } => {
				return Err(Error::<T>::CancellationAlreadyRequested.into())
			}
			OrderStatus::Bonded { cancel_requested_by, .. } => {
				*cancel_requested_by = Some(Party::Shipper);
				Orders::<T>::insert(id, order);
				Self::deposit_event(Event::CancellationRequested { order: id, by: Party::Shipper });
			}
		}
		Ok(())
	}

	pub(crate) fn do_release_order(who: T::AccountId, id: OrderId) -> DispatchResult {
		let mut order = Orders::<T>::get(id).ok_or(Error::<T>::OrderNotFound)?;
		let OrderStatus::Bonded { carrier, cancel_requested_by, .. } = &mut order.status else {
			return Err(Error::<T>::NotBonded.into());
		};
		ensure!(*carrier == who, Error::<T>::NotOrderCarrier);
		match cancel_requested_by {
			Some(Party::Shipper) => Self::cancel_bonded(id, order),
			Some(Party::Carrier) => Err(Error::<T>::CancellationAlreadyRequested.into()),
			None => {
				*cancel_requested_by = Some(Party::Carrier);
				Orders::<T>::insert(id, order);
				Self::deposit_event(Event::CancellationRequested { order: id, by: Party::Carrier });
				Ok(())
			}
		}
	}

	/// Both parties agreed: refund the shipper in full, free the bond, release the committee.
	fn cancel_bonded(id: OrderId, order: OrderOf<T>) -> DispatchResult {
		let OrderStatus::Bonded { carrier, bond, .. } = order.status.clone() else {
			return Err(Error::<T>::Defensive.into());
		};
		Self::release_expiry(id, &order.terms);
		let refund = Self::refund_all(&order)?;
		Self::free_allocation(&carrier, bond, order.terms.value, Zero::zero(), None);
		T::Attestation::close(id);
		Self::end_order(
			id,
			order,
			Some(carrier),
			OrderEnd::Cancelled,
			Zero::zero(),
			refund,
			Zero::zero(),
		);
		Self::deposit_event(Event::OrderCancelled { order: id, refund });
		Ok(())
	}

	/// Expires the orders queued for `now` that are still open (the others were accepted or
	/// ended since). Returns the weight used.
	pub(crate) fn expire_orders(now: BlockNumberFor<T>) -> Weight {
		let due = ExpiryQueue::<T>::take(now);
		let count = due.len() as u32;
		for id in due {
			let Some(order) = Orders::<T>::get(id) else { continue };
			if order.status != OrderStatus::Open {
				continue;
			}
			if now <= order.terms.accept_by {
				defensive!("an order queued to expire before its accept window closed");
				continue;
			}
			match Self::refund_all(&order) {
				Ok(refund) => {
					Self::end_order(
						id,
						order,
						None,
						OrderEnd::Expired,
						Zero::zero(),
						refund,
						Zero::zero(),
					);
					Self::deposit_event(Event::OrderExpired { order: id, refund });
				}
				Err(e) => {
					log::error!(target: LOG_TARGET, "refund of expired order {id} failed: {e:?}")
				}
			}
		}
		T::WeightInfo::on_initialize(count)
	}

	/// The block whose hook expires an order: the one after its last acceptable block.
	fn expiry_block(terms: &TermsOf<T>) -> BlockNumberFor<T> {
		terms.accept_by.saturating_add(One::one())
	}

	/// The blocks an order's expiry may be queued in: its expiry block and the spill blocks.
	fn expiry_blocks(terms: &TermsOf<T>) -> impl Iterator<Item = BlockNumberFor<T>> {
		let first = Self::expiry_block(terms);
		(0..EXPIRY_SPILL_BLOCKS).map(move |offset| first.saturating_add(offset.into()))
	}

	/// Gives a cancelled order's place in its expiry queue back while that block is still
	/// ahead: otherwise orders created and cancelled at once could fill a window's queues for
	/// the price of their fees. An accepted order keeps its place until the block (taking it
	/// out would cost every accept a write; its bond and fee are what it costs to hold one).
	fn release_expiry(id: OrderId, terms: &TermsOf<T>) {
		let now = frame_system::Pallet::<T>::block_number();
		for block in Self::expiry_blocks(terms) {
			if block > now && ExpiryQueue::<T>::get(block).contains(&id) {
				ExpiryQueue::<T>::mutate_exists(block, |queue| queue::remove_entry(queue, &id));
				return;
			}
		}
	}

	// ---- Settlement ----

	/// Settles a bonded order on its final outcome (see the crate docs).
	pub(crate) fn do_settle(id: OrderId, outcome: Report) -> Result<OutcomePath, DispatchError> {
		let order = Orders::<T>::get(id).ok_or(Error::<T>::OrderNotFound)?;
		let OrderStatus::Bonded { carrier, bond, .. } = order.status.clone() else {
			return Err(Error::<T>::NotBonded.into());
		};
		let deadline = order.terms.deliver_by.saturating_add(order.terms.grace);
		let severity = Severity::of(&outcome, deadline, order.terms.temperature.is_some());
		let escrow = Self::escrow_reason();

		// The committee is paid whatever happened: it reported.
		Self::pay_fee(id, &order);

		let (end, paid, refunded) = if severity.lost {
			Self::release(&escrow, &order.shipper, order.terms.payment)?;
			(OrderEnd::Lost, Zero::zero(), order.terms.payment)
		} else {
			T::Currency::transfer_on_hold(
				&escrow,
				&order.shipper,
				&carrier,
				order.terms.payment,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Polite,
			)?;
			let end = if severity.is_fault() {
				OrderEnd::DeliveredWithFault
			} else {
				OrderEnd::DeliveredOnTime
			};
			(end, order.terms.payment, Zero::zero())
		};

		let slashed = if severity.is_fault() {
			let scheduled = T::Slasher::schedule(SlashRequest {
				offender: carrier.clone(),
				kind: StakeKind::Carrier,
				order: id,
				at_risk: bond,
				severity,
				value: order.terms.value,
				beneficiary: Some(order.shipper.clone()),
				reporters: Default::default(),
			})?;
			// The slashing side promises never to exceed what is at risk.
			scheduled.min(bond)
		} else {
			Zero::zero()
		};
		let outcome_score = match end {
			OrderEnd::DeliveredOnTime => Perbill::one(),
			OrderEnd::DeliveredWithFault => {
				Perbill::one().saturating_sub(Perbill::from_rational(slashed, bond))
			}
			_ => Perbill::zero(),
		};
		Self::free_allocation(&carrier, bond, order.terms.value, slashed, Some(outcome_score));
		Self::end_order(id, order, Some(carrier), end, paid, refunded, slashed);
		Self::deposit_event(Event::OrderSettled {
			order: id,
			end,
			paid_to_carrier: paid,
			refunded,
			slash_scheduled: slashed,
		});
		Ok(if severity.is_fault() { OutcomePath::Faulted } else { OutcomePath::Clean })
	}

	/// Pays the order's attestation fee from the shipper's escrow to the attestation side. If
	/// that account cannot receive it, the fee goes back to the shipper rather than being lost.
	fn pay_fee(id: OrderId, order: &OrderOf<T>) {
		if order.fee.is_zero() {
			return;
		}
		let escrow = Self::escrow_reason();
		let paid = T::Currency::transfer_on_hold(
			&escrow,
			&order.shipper,
			&T::Attestation::fee_account(),
			order.fee,
			Precision::Exact,
			Restriction::Free,
			Fortitude::Polite,
		);
		match paid {
			Ok(_) => T::Attestation::fee_paid(id, order.fee),
			Err(e) => {
				log::warn!(target: LOG_TARGET, "attestation fee of order {id} refunded: {e:?}");
				let _ = Self::release(&escrow, &order.shipper, order.fee).defensive();
			}
		}
	}

	/// Takes a bond off the carrier's allocation: `reserve` of it stays reserved for a pending
	/// slash, the rest is free again. With `outcome`, the order was settled: the score moves.
	fn free_allocation(
		carrier: &T::AccountId,
		bond: BalanceOf<T>,
		value: BalanceOf<T>,
		reserve: BalanceOf<T>,
		outcome: Option<Perbill>,
	) {
		Carriers::<T>::mutate(carrier, |maybe| {
			let Some(ledger) = maybe else {
				defensive!("a bonded order's carrier has no ledger");
				return;
			};
			ledger.stake.allocated = ledger.stake.allocated.defensive_saturating_sub(bond);
			ledger.stake.reserved.saturating_accrue(reserve);
			ledger.open_value = ledger.open_value.defensive_saturating_sub(value);
			ledger.open_orders = ledger.open_orders.saturating_sub(1);
			if let Some(outcome) = outcome {
				ledger.settled.saturating_inc();
				if outcome != Perbill::one() {
					ledger.faults.saturating_inc();
				}
				ledger.score = Self::updated_score(ledger.score, outcome);
				Self::deposit_event(Event::ReputationUpdated {
					carrier: carrier.clone(),
					score: ledger.score,
				});
			}
		});
		TotalOpenValue::<T>::mutate(|v| *v = v.defensive_saturating_sub(value));
	}

	fn end_order(
		id: OrderId,
		order: OrderOf<T>,
		carrier: Option<T::AccountId>,
		end: OrderEnd,
		paid_to_carrier: BalanceOf<T>,
		refunded: BalanceOf<T>,
		slash_scheduled: BalanceOf<T>,
	) {
		Orders::<T>::remove(id);
		let bond = match order.status {
			OrderStatus::Bonded { bond, .. } => bond,
			OrderStatus::Open => Zero::zero(),
		};
		OrderRecords::<T>::insert(
			id,
			OrderRecord {
				shipper: order.shipper,
				carrier,
				value: order.terms.value,
				bond,
				end,
				paid_to_carrier,
				refunded,
				slash_scheduled,
				ended_at: frame_system::Pallet::<T>::block_number(),
			},
		);
	}

	// ---- Funds ----

	fn hold(
		reason: &T::RuntimeHoldReason,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(T::Currency::can_hold(reason, who, amount), Error::<T>::InsufficientBalance);
		T::Currency::hold(reason, who, amount)
	}

	fn release(
		reason: &T::RuntimeHoldReason,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		T::Currency::release(reason, who, amount, Precision::Exact).map(|_| ())
	}

	fn refund_all(order: &OrderOf<T>) -> Result<BalanceOf<T>, DispatchError> {
		let refund = order.escrow();
		Self::release(&Self::escrow_reason(), &order.shipper, refund)?;
		Ok(refund)
	}

	// ---- Invariants ----

	/// Checks the protocol invariants this pallet owns (protocol §7.1, §7.3, §7.5).
	// `std` too: the runtime's invariant fuzzing calls it without a try-runtime build.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::{collections::btree_map::BTreeMap, vec::Vec};
		use frame_support::ensure;

		let mut escrow_by_shipper: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut allocated: BTreeMap<T::AccountId, (BalanceOf<T>, BalanceOf<T>, u32)> =
			BTreeMap::new();
		let mut queued: Vec<OrderId> = Vec::new();
		let mut total_open_value: BalanceOf<T> = Zero::zero();

		let now = frame_system::Pallet::<T>::block_number();
		let next = NextOrderId::<T>::get();
		for (at, queue) in ExpiryQueue::<T>::iter() {
			ensure!(at > now, "an expiry queue was left behind by its block's hook");
			for id in queue {
				ensure!(id < next, "queued order id not yet assigned");
				// Accepted and ended orders keep their entries until the block: only open ones
				// need one, in the block after their window or one of the spill blocks.
				if let Some(order) = Orders::<T>::get(id).filter(|o| o.status == OrderStatus::Open)
				{
					ensure!(
						Self::expiry_blocks(&order.terms).any(|block| block == at),
						"open order queued outside its expiry blocks"
					);
					queued.push(id);
				}
			}
		}
		for (id, order) in Orders::<T>::iter() {
			ensure!(id < next, "order id not yet assigned");
			ensure!(!OrderRecords::<T>::contains_key(id), "order both live and ended");
			escrow_by_shipper
				.entry(order.shipper.clone())
				.or_default()
				.saturating_accrue(order.escrow());
			match order.status {
				OrderStatus::Open => ensure!(
					queued.iter().filter(|x| **x == id).count() == 1,
					"an open order must have exactly one expiry timer"
				),
				OrderStatus::Bonded { carrier, bond, .. } => {
					let entry = allocated.entry(carrier).or_default();
					entry.0.saturating_accrue(bond);
					entry.1.saturating_accrue(order.terms.value);
					entry.2 += 1;
					total_open_value.saturating_accrue(order.terms.value);
				}
			}
		}
		for (shipper, escrow) in &escrow_by_shipper {
			ensure!(
				T::Currency::balance_on_hold(&Self::escrow_reason(), shipper) == *escrow,
				"escrow hold differs from the shipper's live orders"
			);
		}
		let mut total_active: BalanceOf<T> = Zero::zero();
		for (carrier, ledger) in Carriers::<T>::iter() {
			ensure!(
				T::Currency::balance_on_hold(&Self::stake_reason(), &carrier) == ledger.stake.total,
				"stake hold differs from the carrier's ledger"
			);
			let (bonds, value, count) = allocated.remove(&carrier).unwrap_or_default();
			ensure!(ledger.stake.allocated == bonds, "allocation differs from the bonded orders");
			ensure!(ledger.open_value == value, "open value differs from the bonded orders");
			ensure!(ledger.open_orders == count, "open order count differs");
			ensure!(
				ledger.stake.allocated.saturating_add(ledger.stake.reserved)
					<= ledger.stake.active(),
				"allocated and reserved bonds exceed the active stake"
			);
			ensure!(
				ledger.open_value.is_zero()
					|| Self::within_leverage(ledger.open_value, ledger.stake.active()),
				"carrier leverage above MaxLeverage"
			);
			total_active.saturating_accrue(ledger.stake.active());
		}
		ensure!(allocated.is_empty(), "a bonded order's carrier is not registered");
		for (carrier, offer) in Offers::<T>::iter() {
			ensure!(Carriers::<T>::contains_key(&carrier), "an offer of no registered carrier");
			ensure!(offer.remaining > 0, "an offer with no booking left is kept");
			ensure!(offer.shipper.as_ref() != Some(&carrier), "an offer reserved for its carrier");
		}
		ensure!(TotalActiveStake::<T>::get() == total_active, "total active stake differs");
		ensure!(TotalOpenValue::<T>::get() == total_open_value, "total open value differs");
		Ok(())
	}
}

impl<T: Config> OutcomeHandler for Pallet<T> {
	fn on_final_outcome(order: OrderId, outcome: Report) -> Result<OutcomePath, DispatchError> {
		// Callers may run in a hook, where nothing is rolled back for them.
		frame_support::storage::with_storage_layer(|| Self::do_settle(order, outcome))
	}
}

impl<T: Config> OrderInfo<T::AccountId, BalanceOf<T>> for Pallet<T> {
	fn parties(order: OrderId) -> Option<(T::AccountId, T::AccountId, BalanceOf<T>)> {
		let order = Orders::<T>::get(order)?;
		match order.status {
			OrderStatus::Bonded { carrier, .. } => {
				Some((order.shipper, carrier, order.terms.value))
			}
			OrderStatus::Open => None,
		}
	}
}

impl<T: Config> SlashableStake<T::AccountId, BalanceOf<T>> for Pallet<T> {
	type Credit = frame_support::traits::fungible::Credit<T::AccountId, T::Currency>;

	fn slash_reserved(kind: StakeKind, who: &T::AccountId, amount: BalanceOf<T>) -> Self::Credit {
		if kind != StakeKind::Carrier {
			defensive!("fulfillment only holds carrier stake");
			return Default::default();
		}
		let Some(mut ledger) = Carriers::<T>::get(who) else {
			defensive!("slash of an unknown carrier");
			return Default::default();
		};
		let amount = ledger.stake.slashable(amount);
		let (credit, _missing) = T::Currency::slash(&Self::stake_reason(), who, amount);
		let taken = frame_support::traits::Imbalance::peek(&credit);
		ledger.stake.slashed(amount, taken);
		TotalActiveStake::<T>::mutate(|t| t.saturating_reduce(taken));
		Carriers::<T>::insert(who, ledger);
		Self::deposit_event(Event::CarrierSlashed { carrier: who.clone(), amount: taken });
		credit
	}

	fn reserved(kind: StakeKind, who: &T::AccountId) -> BalanceOf<T> {
		match kind {
			StakeKind::Carrier => {
				Carriers::<T>::get(who).map(|l| l.stake.reserved).unwrap_or_default()
			}
			_ => Zero::zero(),
		}
	}

	fn total_stake(kind: StakeKind) -> BalanceOf<T> {
		match kind {
			StakeKind::Carrier => TotalActiveStake::<T>::get(),
			_ => Zero::zero(),
		}
	}

	fn release_reserved(kind: StakeKind, who: &T::AccountId, amount: BalanceOf<T>) {
		if kind != StakeKind::Carrier {
			defensive!("fulfillment only holds carrier stake");
			return;
		}
		Carriers::<T>::mutate(who, |maybe| {
			if let Some(ledger) = maybe {
				let amount = ledger.stake.slashable(amount);
				ledger.stake.reserved.saturating_reduce(amount);
				Self::deposit_event(Event::SlashReservationReleased {
					carrier: who.clone(),
					amount,
				});
			}
		});
	}
}
