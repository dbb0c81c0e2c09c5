//! Extrinsic builders for `benchmark overhead` and `benchmark extrinsic`.
//!
//! They sign with Bob's dev key; use them only on benchmark chains.

use std::{sync::Arc, time::Duration};

use sc_cli::Result;
use sc_client_api::BlockBackend;
use sp_core::{Encode, Pair};
use sp_inherents::{InherentData, InherentDataProvider};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{OpaqueExtrinsic, SaturatedConversion};
use surety_runtime as runtime;

use crate::service::FullClient;

/// Builds `system.remark` extrinsics: the cheapest possible transaction.
pub struct RemarkBuilder {
	client: Arc<FullClient>,
}

impl RemarkBuilder {
	/// A builder signing against `client`'s chain.
	pub fn new(client: Arc<FullClient>) -> Self {
		Self { client }
	}
}

impl frame_benchmarking_cli::ExtrinsicBuilder for RemarkBuilder {
	fn pallet(&self) -> &str {
		"system"
	}

	fn extrinsic(&self) -> &str {
		"remark"
	}

	fn build(&self, nonce: u32) -> std::result::Result<OpaqueExtrinsic, &'static str> {
		let call = runtime::SystemCall::remark { remark: vec![] }.into();
		signed_extrinsic(&self.client, Sr25519Keyring::Bob.pair(), call, nonce)
	}
}

/// Builds `balances.transfer_keep_alive` extrinsics: the yardstick protocol calls are
/// compared against.
pub struct TransferKeepAliveBuilder {
	client: Arc<FullClient>,
	dest: runtime::AccountId,
	value: runtime::Balance,
}

impl TransferKeepAliveBuilder {
	/// A builder sending `value` to `dest` against `client`'s chain.
	pub fn new(client: Arc<FullClient>, dest: runtime::AccountId, value: runtime::Balance) -> Self {
		Self { client, dest, value }
	}
}

impl frame_benchmarking_cli::ExtrinsicBuilder for TransferKeepAliveBuilder {
	fn pallet(&self) -> &str {
		"balances"
	}

	fn extrinsic(&self) -> &str {
		"transfer_keep_alive"
	}

	fn build(&self, nonce: u32) -> std::result::Result<OpaqueExtrinsic, &'static str> {
		let call = runtime::BalancesCall::transfer_keep_alive {
			dest: self.dest.clone().into(),
			value: self.value,
		}
		.into();
		signed_extrinsic(&self.client, Sr25519Keyring::Bob.pair(), call, nonce)
	}
}

/// Builds `fulfillment.create_order` extrinsics from Alice, each a fresh order: its acceptance
/// deadline moves on by a block every 64 orders (a block's expiry queue holds 64), its delivery
/// deadline by 100 ms per order (a block's deadline queue holds 32 committees). With `book`, the
/// same orders as `fulfillment.book` extrinsics naming Bob, whose standing offer the benchmark
/// chain sets (`runtime/src/bench_state.rs`).
pub struct CreateOrderBuilder {
	client: Arc<FullClient>,
	book: bool,
}

impl CreateOrderBuilder {
	/// A builder signing against `client`'s chain, whose best block's time is 0 (as in every
	/// benchmark block).
	pub fn new(client: Arc<FullClient>, book: bool) -> Self {
		Self { client, book }
	}
}

impl frame_benchmarking_cli::ExtrinsicBuilder for CreateOrderBuilder {
	fn pallet(&self) -> &str {
		"fulfillment"
	}

	fn extrinsic(&self) -> &str {
		if self.book {
			"book"
		} else {
			"create_order"
		}
	}

	fn build(&self, nonce: u32) -> std::result::Result<OpaqueExtrinsic, &'static str> {
		use runtime::{currency::UNIT, time::MILLISECS_PER_BLOCK};
		let terms = runtime::OrderTerms {
			value: 100 * UNIT,
			payment: 10 * UNIT,
			carrier: self.book.then(|| Sr25519Keyring::Bob.to_account_id()),
			accept_by: 100_000 + nonce / 64,
			deliver_by: 1_000 * MILLISECS_PER_BLOCK + u64::from(nonce) * 100,
			grace: 0,
			temperature: None,
			reference: None,
		};
		let call = if self.book {
			runtime::FulfillmentCall::book { terms }
		} else {
			runtime::FulfillmentCall::create_order { terms }
		};
		signed_extrinsic(&self.client, Sr25519Keyring::Alice.pair(), call.into(), nonce)
	}
}

/// The orders a benchmark chain was prepared with (`runtime/src/bench_state.rs`), read from
/// its chain spec's `suretyBench` property.
pub struct BenchPlan(serde_json::Value);

impl BenchPlan {
	/// The plan in `properties`, if the chain was prepared for benchmarks.
	pub fn from_properties(properties: &sc_service::Properties) -> Option<Self> {
		properties.get("suretyBench").cloned().map(Self)
	}

	fn field(&self, name: &str) -> Result<&serde_json::Value> {
		self.0.get(name).ok_or_else(|| format!("the benchmark plan has no `{name}`").into())
	}

	fn account(&self, name: &str) -> Result<sp_core::sr25519::Pair> {
		keyring_pair(self.field(name)?)
	}

	fn orders(&self, name: &str) -> Result<Vec<u64>> {
		serde_json::from_value(self.field(name)?.clone())
			.map_err(|e| format!("the benchmark plan's `{name}`: {e}").into())
	}

	/// One builder per prepared call.
	pub fn builders(
		&self,
		client: Arc<FullClient>,
	) -> Result<Vec<Box<dyn frame_benchmarking_cli::ExtrinsicBuilder>>> {
		let accept_by = self.account("acceptBy")?;
		let accept = self
			.orders("accept")?
			.into_iter()
			.map(|order| {
				(accept_by.clone(), runtime::FulfillmentCall::accept_order { order }.into())
			})
			.collect();
		let report = surety_primitives::protocol::Report::Delivered {
			at: self.field("deliveredAt")?.as_u64().ok_or("`deliveredAt` is not a time")?,
			max_excursion_centi_c_minutes: 0,
			damage: sp_runtime::Perbill::zero(),
		};
		let attest: Vec<(sp_core::sr25519::Pair, runtime::RuntimeCall)> = self
			.field("attest")?
			.as_array()
			.ok_or("`attest` is not a list")?
			.iter()
			.map(|entry| {
				let order = entry.get(0).and_then(|o| o.as_u64()).ok_or("an `attest` order")?;
				let who = keyring_pair(entry.get(1).ok_or("an `attest` member")?)?;
				let call = runtime::AttestationCall::attest {
					order,
					report,
					evidence: Default::default(),
				};
				Ok((who, call.into()))
			})
			.collect::<Result<_>>()?;
		let attest_signed = signed_report_batches(&client, &attest)?;
		let dispute_by = self.account("disputeBy")?;
		let dispute = self
			.orders("dispute")?
			.into_iter()
			.map(|order| {
				let call = runtime::DisputesCall::dispute {
					order,
					claim: surety_primitives::protocol::Report::Lost,
					evidence: Default::default(),
				};
				(dispute_by.clone(), call.into())
			})
			.collect();
		Ok(vec![
			Box::new(PreparedBuilder::new(client.clone(), "fulfillment", "accept_order", accept)?),
			Box::new(PreparedBuilder::new(client.clone(), "attestation", "attest", attest)?),
			Box::new(PreparedBuilder::new(
				client.clone(),
				"attestation",
				"attest_signed",
				attest_signed,
			)?),
			Box::new(PreparedBuilder::new(client, "disputes", "dispute", dispute)?),
		])
	}
}

/// One `attestation.attest_signed` per order of the `attest` calls, in their order: all of the
/// order's reports, each signed by its member over its payload (round 1 of this chain), the
/// extrinsic signed by the first of them.
fn signed_report_batches(
	client: &FullClient,
	attest: &[(sp_core::sr25519::Pair, runtime::RuntimeCall)],
) -> Result<Vec<(sp_core::sr25519::Pair, runtime::RuntimeCall)>> {
	use sp_core::Pair;
	let genesis = client.block_hash(0).ok().flatten().ok_or("the chain has no genesis block")?;
	let mut batches: Vec<(u64, sp_core::sr25519::Pair, Vec<runtime::SignedReport>)> = Vec::new();
	for (pair, call) in attest {
		let runtime::RuntimeCall::Attestation(runtime::AttestationCall::attest {
			order,
			report,
			evidence,
		}) = call
		else {
			return Err("an `attest` call of the plan is not a report".into());
		};
		let payload =
			surety_primitives::protocol::report_payload(genesis, *order, 1, report, evidence);
		let signed = runtime::SignedReport {
			who: sp_runtime::AccountId32::from(pair.public()),
			report: *report,
			evidence: *evidence,
			signature: runtime::Signature::Sr25519(pair.sign(&payload)),
		};
		match batches.last_mut() {
			Some((last, _, reports)) if last == order => reports.push(signed),
			_ => batches.push((*order, pair.clone(), vec![signed])),
		}
	}
	batches
		.into_iter()
		.map(|(order, submitter, reports)| {
			let reports = reports.try_into().map_err(|_| "more reports than a batch holds")?;
			let call = runtime::AttestationCall::attest_signed { order, reports };
			Ok((submitter, call.into()))
		})
		.collect()
}

/// The dev key of a keyring account, given as `0x`-prefixed hex of its public key.
fn keyring_pair(account: &serde_json::Value) -> Result<sp_core::sr25519::Pair> {
	let public = account
		.as_str()
		.and_then(|hex| sp_core::bytes::from_hex(hex).ok())
		.and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
		.ok_or("an account in the benchmark plan is not 32 bytes of hex")?;
	Sr25519Keyring::from_account_id(&public.into())
		.map(|k| k.pair())
		.ok_or_else(|| "an account in the benchmark plan is not a dev keyring account".into())
}

/// Signs prepared calls in their order: the block's `i`-th extrinsic is the `i`-th call, with
/// its signer's next nonce.
pub struct PreparedBuilder {
	client: Arc<FullClient>,
	pallet: &'static str,
	extrinsic: &'static str,
	calls: Vec<(sp_core::sr25519::Pair, runtime::RuntimeCall, u32)>,
}

impl PreparedBuilder {
	fn new(
		client: Arc<FullClient>,
		pallet: &'static str,
		extrinsic: &'static str,
		calls: Vec<(sp_core::sr25519::Pair, runtime::RuntimeCall)>,
	) -> Result<Self> {
		let best = client.chain_info().best_hash;
		let mut next_nonce = std::collections::BTreeMap::<[u8; 32], u32>::new();
		let mut numbered = Vec::with_capacity(calls.len());
		for (pair, call) in calls {
			let who = pair.public().0;
			let nonce = match next_nonce.get(&who) {
				Some(nonce) => *nonce,
				None => account_nonce(&client, best, who.into())?,
			};
			next_nonce.insert(who, nonce.saturating_add(1));
			numbered.push((pair, call, nonce));
		}
		Ok(Self { client, pallet, extrinsic, calls: numbered })
	}
}

impl frame_benchmarking_cli::ExtrinsicBuilder for PreparedBuilder {
	fn pallet(&self) -> &str {
		self.pallet
	}

	fn extrinsic(&self) -> &str {
		self.extrinsic
	}

	fn build(&self, index: u32) -> std::result::Result<OpaqueExtrinsic, &'static str> {
		let (pair, call, nonce) = self.calls.get(index as usize).ok_or(
			"the benchmark state holds fewer prepared orders than a block takes: raise PER_CALL \
			 in runtime/src/bench_state.rs",
		)?;
		signed_extrinsic(&self.client, pair.clone(), call.clone(), *nonce)
	}
}

/// `who`'s nonce at block `at`.
fn account_nonce(
	client: &FullClient,
	at: runtime::Hash,
	who: runtime::AccountId,
) -> Result<runtime::Nonce> {
	use sc_client_api::StorageProvider;
	use sp_runtime::codec::Decode;
	let key = frame_system::Account::<runtime::Runtime>::hashed_key_for(&who);
	let info = client
		.storage(at, &sp_core::storage::StorageKey(key))
		.map_err(|e| format!("reading an account: {e}"))?;
	// The nonce is the first field of `AccountInfo`.
	match info {
		Some(data) => runtime::Nonce::decode(&mut &data.0[..])
			.map_err(|e| format!("decoding an account's nonce: {e}").into()),
		None => Ok(0),
	}
}

/// Signs `call` by `sender` with `nonce`, mortal from the client's best block.
fn signed_extrinsic(
	client: &FullClient,
	sender: sp_core::sr25519::Pair,
	call: runtime::RuntimeCall,
	nonce: u32,
) -> std::result::Result<OpaqueExtrinsic, &'static str> {
	let genesis_hash =
		client.block_hash(0).ok().flatten().ok_or("the chain has no genesis block")?;
	let best_hash = client.chain_info().best_hash;
	let best_block = client.chain_info().best_number;

	let period = runtime::configs::BlockHashCount::get()
		.checked_next_power_of_two()
		.map(|c| c / 2)
		.unwrap_or(2) as u64;
	let tx_ext: runtime::TxExtension = (
		frame_system::AuthorizeCall::<runtime::Runtime>::new(),
		frame_system::CheckNonZeroSender::<runtime::Runtime>::new(),
		frame_system::CheckSpecVersion::<runtime::Runtime>::new(),
		frame_system::CheckTxVersion::<runtime::Runtime>::new(),
		frame_system::CheckGenesis::<runtime::Runtime>::new(),
		frame_system::CheckEra::<runtime::Runtime>::from(sp_runtime::generic::Era::mortal(
			period,
			best_block.saturated_into(),
		)),
		frame_system::CheckNonce::<runtime::Runtime>::from(nonce),
		frame_system::CheckWeight::<runtime::Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<runtime::Runtime>::from(0),
	);

	let raw_payload = runtime::SignedPayload::from_raw(
		call.clone(),
		tx_ext.clone(),
		(
			(),
			(),
			runtime::VERSION.spec_version,
			runtime::VERSION.transaction_version,
			genesis_hash,
			best_hash,
			(),
			(),
			(),
		),
	);
	let signature = raw_payload.using_encoded(|e| sender.sign(e));

	Ok(runtime::UncheckedExtrinsic::new_signed(
		call,
		sp_runtime::AccountId32::from(sender.public()).into(),
		runtime::Signature::Sr25519(signature),
		tx_ext,
	)
	.into())
}

/// The inherents of a benchmark block: a timestamp.
pub fn inherent_benchmark_data() -> Result<InherentData> {
	let mut inherent_data = InherentData::new();
	let timestamp = sp_timestamp::InherentDataProvider::new(Duration::from_millis(0).into());
	futures::executor::block_on(timestamp.provide_inherent_data(&mut inherent_data))
		.map_err(|e| format!("creating inherent data: {e:?}"))?;
	Ok(inherent_data)
}
