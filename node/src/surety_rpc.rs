//! `surety_*` RPC methods: the `SuretyApi` runtime API as JSON, at the best block or at a given
//! block hash. Balances are decimal strings (they exceed JavaScript's safe integers), accounts
//! SS58, scores parts per billion, leverages decimal strings. Documented in `docs/rpc.md`.

use std::sync::Arc;

use jsonrpsee::{
	types::{ErrorObject, ErrorObjectOwned, Params},
	RpcModule,
};
use serde_json::{json, Value};
use sp_api::{ApiExt, ProvideRuntimeApi};
use sp_blockchain::HeaderBackend;
use sp_core::crypto::Ss58Codec;
use sp_runtime::{traits::Block as BlockT, FixedPointNumber, FixedU128};
use surety_primitives::{
	api::{
		AttesterProfile, CarrierProfile, OrderStage, OrderView, PendingSlashView, SecurityLeverage,
		StakeView, SuretyApi,
	},
	protocol::{OrderEnd, Report, StakeKind},
};
use surety_runtime::{opaque::Block, AccountId, Balance, BlockNumber};

/// JSON-RPC error code of a failed runtime API call.
pub const RUNTIME_ERROR: i32 = 1;
/// JSON-RPC error code of invalid parameters (the standard one).
pub const INVALID_PARAMS: i32 = -32602;

type Hash = <Block as BlockT>::Hash;

fn invalid(message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObject::owned(INVALID_PARAMS, message.into(), None::<()>)
}

fn runtime_error(e: impl std::fmt::Debug) -> ErrorObjectOwned {
	ErrorObject::owned(RUNTIME_ERROR, "runtime API call failed", Some(format!("{e:?}")))
}

fn balance(b: Balance) -> Value {
	Value::String(b.to_string())
}

fn account(a: &AccountId) -> Value {
	Value::String(a.to_ss58check())
}

fn fixed(f: FixedU128) -> Value {
	let inner = f.into_inner();
	let div = FixedU128::DIV;
	Value::String(format!("{}.{:018}", inner / div, inner % div))
}

fn report(r: &Report) -> Value {
	match r {
		Report::Lost => json!("lost"),
		Report::Delivered { at, max_excursion_centi_c_minutes, damage } => json!({
			"delivered": {
				"at": at,
				"maxExcursionCentiCMinutes": max_excursion_centi_c_minutes,
				"damagePpb": damage.deconstruct(),
			}
		}),
	}
}

fn end(e: &OrderEnd) -> &'static str {
	match e {
		OrderEnd::DeliveredOnTime => "deliveredOnTime",
		OrderEnd::DeliveredWithFault => "deliveredWithFault",
		OrderEnd::Lost => "lost",
		OrderEnd::Cancelled => "cancelled",
		OrderEnd::Expired => "expired",
	}
}

fn stage(s: &OrderStage<Balance, BlockNumber>) -> Value {
	match s {
		OrderStage::Open { accept_by } => json!({ "stage": "open", "acceptBy": accept_by }),
		OrderStage::Attesting { round } => json!({ "stage": "attesting", "round": round }),
		OrderStage::DisputeWindow { outcome, window_ends } => json!({
			"stage": "disputeWindow", "outcome": report(outcome), "windowEnds": window_ends,
		}),
		OrderStage::Reattesting { round } => json!({ "stage": "reattesting", "round": round }),
		OrderStage::AwaitingRuling { until } => {
			json!({ "stage": "awaitingRuling", "until": until })
		}
		OrderStage::Finalizing { outcome, retry_at } => json!({
			"stage": "finalizing", "outcome": report(outcome), "retryAt": retry_at,
		}),
		OrderStage::Ended { end: e, paid_to_carrier, refunded, slash_scheduled } => json!({
			"stage": "ended",
			"end": end(e),
			"paidToCarrier": balance(*paid_to_carrier),
			"refunded": balance(*refunded),
			"slashScheduled": balance(*slash_scheduled),
		}),
	}
}

fn order(o: &OrderView<AccountId, Balance, BlockNumber>) -> Value {
	json!({
		"shipper": account(&o.shipper),
		"carrier": o.carrier.as_ref().map(account),
		"value": balance(o.value),
		"bond": balance(o.bond),
		"status": stage(&o.stage),
	})
}

fn stake(s: &StakeView<Balance>) -> Value {
	json!({
		"total": balance(s.total),
		"active": balance(s.active),
		"allocated": balance(s.allocated),
		"reserved": balance(s.reserved),
		"unbonding": balance(s.unbonding),
	})
}

fn carrier(p: &CarrierProfile<Balance>) -> Value {
	json!({
		"stake": stake(&p.stake),
		"openValue": balance(p.open_value),
		"openOrders": p.open_orders,
		"scorePpb": p.score.deconstruct(),
		"settled": p.settled,
		"faults": p.faults,
		"leverage": fixed(p.leverage),
	})
}

fn attester(p: &AttesterProfile<Balance>) -> Value {
	json!({
		"stake": stake(&p.stake),
		"seats": p.seats,
		"scorePpb": p.score.deconstruct(),
		"judged": p.judged,
		"faults": p.faults,
		"fees": balance(p.fees),
	})
}

fn kind(k: &StakeKind) -> &'static str {
	match k {
		StakeKind::Carrier => "carrier",
		StakeKind::Attester => "attester",
		StakeKind::DisputeDeposit => "disputeDeposit",
	}
}

fn pending(p: &PendingSlashView<Balance, BlockNumber>) -> Value {
	json!({
		"id": p.id,
		"kind": kind(&p.kind),
		"order": p.order,
		"amount": balance(p.amount),
		"due": p.due,
	})
}

fn leverage(l: &SecurityLeverage<Balance>) -> Value {
	json!({
		"openValue": balance(l.open_value),
		"carrierStake": balance(l.carrier_stake),
		"attesterStake": balance(l.attester_stake),
		"leverage": fixed(l.leverage),
	})
}

/// A parameter: an account as SS58.
fn parse_account(text: &str) -> Result<AccountId, ErrorObjectOwned> {
	AccountId::from_ss58check(text).map_err(|e| invalid(format!("not an SS58 account: {e:?}")))
}

/// A parameter: a balance as a decimal string (or a JSON integer).
fn parse_balance(value: &Value) -> Result<Balance, ErrorObjectOwned> {
	match value {
		Value::String(s) => s.parse().map_err(|_| invalid(format!("not a balance: {s:?}"))),
		Value::Number(n) => {
			n.as_u64().map(Balance::from).ok_or_else(|| invalid(format!("not a balance: {n}")))
		}
		other => Err(invalid(format!("not a balance: {other}"))),
	}
}

/// Registers a method taking `arity` leading parameters and an optional block hash last.
fn register<C, F>(
	module: &mut RpcModule<()>,
	client: &Arc<C>,
	name: &'static str,
	arity: usize,
	answer: F,
) -> Result<(), jsonrpsee::core::RegisterMethodError>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: SuretyApi<Block, AccountId, Balance, BlockNumber>,
	F: Fn(&C::Api, Hash, &[Value]) -> Result<Value, ErrorObjectOwned> + Send + Sync + 'static,
{
	let client = client.clone();
	module.register_method(name, move |params: Params, _, _| {
		let args: Vec<Value> = if params.is_object() {
			return Err(invalid("parameters are positional"));
		} else {
			params.parse::<Option<Vec<Value>>>()?.unwrap_or_default()
		};
		if args.len() < arity || args.len() > arity + 1 {
			return Err(invalid(format!(
				"{name} takes {arity} parameters and an optional block hash"
			)));
		}
		let at = match args.get(arity) {
			None | Some(Value::Null) => client.info().best_hash,
			Some(hash) => serde_json::from_value::<Hash>(hash.clone())
				.map_err(|e| invalid(format!("not a block hash: {e}")))?,
		};
		answer(&client.runtime_api(), at, &args[..arity])
	})?;
	Ok(())
}

fn text(value: &Value) -> Result<&str, ErrorObjectOwned> {
	value.as_str().ok_or_else(|| invalid(format!("expected a string, got {value}")))
}

/// The `surety_*` methods.
pub fn module<C>(client: Arc<C>) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: SuretyApi<Block, AccountId, Balance, BlockNumber>,
{
	let mut module = RpcModule::new(());
	register(&mut module, &client, "surety_quoteBond", 2, |api, at, args| {
		let value = parse_balance(&args[0])?;
		let carrier = parse_account(text(&args[1])?)?;
		api.quote_bond(at, value, carrier).map(balance).map_err(runtime_error)
	})?;
	register(&mut module, &client, "surety_order", 1, |api, at, args| {
		let id =
			args[0].as_u64().ok_or_else(|| invalid("an order id is a non-negative integer"))?;
		let view = api.order(at, id).map_err(runtime_error)?;
		Ok(view.as_ref().map(order).unwrap_or(Value::Null))
	})?;
	register(&mut module, &client, "surety_carrier", 1, |api, at, args| {
		let who = parse_account(text(&args[0])?)?;
		let profile = api.carrier(at, who).map_err(runtime_error)?;
		Ok(profile.as_ref().map(carrier).unwrap_or(Value::Null))
	})?;
	register(&mut module, &client, "surety_attester", 1, |api, at, args| {
		let who = parse_account(text(&args[0])?)?;
		let version = api
			.api_version::<dyn SuretyApi<Block, AccountId, Balance, BlockNumber>>(at)
			.map_err(runtime_error)?
			.unwrap_or(1);
		// A block of a runtime before 102 (e.g. one before an upgrade): the profile had no
		// fees, as those runtimes paid every share at once.
		let profile = if version < 2 {
			#[allow(deprecated)]
			api.attester_before_version_2(at, who).map_err(runtime_error)?.map(Into::into)
		} else {
			api.attester(at, who).map_err(runtime_error)?
		};
		Ok(profile.as_ref().map(attester).unwrap_or(Value::Null))
	})?;
	register(&mut module, &client, "surety_pendingSlashes", 1, |api, at, args| {
		let who = parse_account(text(&args[0])?)?;
		let slashes = api.pending_slashes(at, who).map_err(runtime_error)?;
		Ok(Value::Array(slashes.iter().map(pending).collect()))
	})?;
	register(&mut module, &client, "surety_securityLeverage", 0, |api, at, _| {
		api.security_leverage(at).map(|l| leverage(&l)).map_err(runtime_error)
	})?;
	Ok(module)
}
