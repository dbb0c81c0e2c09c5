//! The chain state `scripts/bench.sh` measures the stateful protocol calls on (issue 8, item 1).
//!
//! The node's `benchmark extrinsic` fills one block with a single kind of extrinsic on top of a
//! chain's best block. Accepting, attesting and disputing each need orders in the right state,
//! one per extrinsic: this builds them on the real runtime from the development genesis, and
//! writes the whole storage and a plan (which order each extrinsic acts on, and who signs it) to
//! the file named by `SURETY_BENCH_STATE`. The script turns that into a raw chain spec whose
//! genesis is this state; the node's builders read the plan from the spec's properties.
//!
//! Beside them, `SURETY_BENCH_BACKGROUND` (default 100) open orders of another shipper and as
//! many pending slashes of another carrier, which nothing measured touches: the script measures
//! each call with 100 and with 100,000 of each (scaling, issue 8 item 2).
//!
//! With `SURETY_BENCH_HOOKS=1` the state is the background alone: `scripts/bench-backend.sh`
//! runs `benchmark pallet` on it, whose benchmarks set up their own work from block 0, where no
//! prepared order's timer may fall.
//!
//! With `SURETY_BENCH_HOOKS=due` the background is joined by each protocol hook's full load,
//! falling due in a block of its own (`hooks_due`): a node authors those blocks from this
//! genesis and its `block-times` executes them again on the node's own database, so the hooks
//! are measured where the calls are (`scripts/bench-hooks.sh`).
//!
//! Run by the script, not by the test command:
//! `SURETY_BENCH_STATE=<file> cargo test -p surety-runtime bench_state -- --ignored`.

use frame_support::{
	assert_ok,
	storage::with_transaction,
	traits::{fungible::Mutate, Get},
};
use sp_core::hexdisplay::HexDisplay;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{traits::Dispatchable, TransactionOutcome};
use surety_primitives::{
	currency::UNIT,
	protocol::{Report, Severity, SlashRequest, SlashScheduler, StakeKind},
	time::MILLISECS_PER_BLOCK,
	Balance,
};

use crate::{
	tests::{all_storage, attest_all, delivered, genesis, protocol_hooks, HOUR_MS, T0},
	AccountId, Attestation, Balances, Fulfillment, Runtime, RuntimeCall, RuntimeOrigin, Slashing,
	System,
};
use pallet_fulfillment::OrderTerms;
use sp_genesis_builder::DEV_RUNTIME_PRESET;

/// Orders prepared for each stateful call: more than a block holds of the cheapest of them
/// (a block's normal class, 750 ms, over the extrinsic base weight alone, 107 µs, is 7,000).
const PER_CALL: u32 = 7_200;

/// Orders whose expiry falls in one block (`MaxExpiriesPerBlock`).
const EXPIRIES_PER_BLOCK: u32 = 64;

/// Plenty: no balance, stake or leverage limit is what stops a benchmark block.
const PLENTY: u128 = 1_000_000_000 * UNIT;

/// Where the background's queues start: far past any block a benchmark reaches (the capacity
/// benchmarks execute block 1, the hook benchmarks queue their work from block 0).
const FAR: u32 = 10_000_000;

pub(crate) fn terms(i: u32) -> OrderTerms<AccountId, u128, u32> {
	OrderTerms {
		value: 100 * UNIT,
		payment: 10 * UNIT,
		carrier: None,
		// Spread over blocks: a block's expiry queue holds 64 orders.
		accept_by: 1_000 + i / EXPIRIES_PER_BLOCK,
		// 30 deliveries per 3-second block: a block's deadline queue holds 32 committees.
		deliver_by: T0 + HOUR_MS + u64::from(i) * 100,
		grace: 0,
		temperature: None,
		reference: None,
	}
}

/// The `i`th booking of the node's builder (`node/src/benchmarking.rs`, whose block runs with
/// the clock at 0): naming the carrier whose standing offer `per_call_orders` sets (Bob).
pub(crate) fn booking_terms(i: u32) -> OrderTerms<AccountId, u128, u32> {
	OrderTerms {
		carrier: Some(Sr25519Keyring::Bob.to_account_id()),
		accept_by: 100_000 + i / EXPIRIES_PER_BLOCK,
		deliver_by: 1_000 * MILLISECS_PER_BLOCK + u64::from(i) * 100,
		..terms(i)
	}
}

/// Creates `count` orders by `shipper`; the ids.
fn create(shipper: &AccountId, count: u32) -> Vec<u64> {
	(0..count)
		.map(|_| {
			let id = pallet_fulfillment::NextOrderId::<Runtime>::get();
			assert_ok!(Fulfillment::create_order(
				RuntimeOrigin::signed(shipper.clone()),
				terms(id as u32)
			));
			id
		})
		.collect()
}

fn accept(carrier: &AccountId, orders: &[u64]) {
	for &id in orders {
		assert_ok!(Fulfillment::accept_order(RuntimeOrigin::signed(carrier.clone()), id));
	}
}

/// `count` open orders of a bystander shipper and `count` pending slashes of a bystander
/// carrier, every expiry and slash queued from block `FAR`: state that nothing measured touches.
fn background(count: u32) {
	let now = System::block_number();
	System::set_block_number(FAR);
	let shipper = AccountId::from([0xbb; 32]);
	Balances::set_balance(&shipper, PLENTY);
	for i in 0..count {
		let terms = OrderTerms { accept_by: FAR + 1 + i / EXPIRIES_PER_BLOCK, ..terms(i) };
		assert_ok!(Fulfillment::create_order(RuntimeOrigin::signed(shipper.clone()), terms));
	}

	let offender = AccountId::from([0xbc; 32]);
	Balances::set_balance(&offender, PLENTY);
	assert_ok!(Fulfillment::register_carrier(RuntimeOrigin::signed(offender.clone()), PLENTY / 2));
	let per_block: u32 = <Runtime as pallet_slashing::Config>::MaxSlashesPerBlock::get();
	for i in 0..count {
		System::set_block_number(FAR + i / per_block);
		let request = SlashRequest {
			offender: offender.clone(),
			kind: StakeKind::Carrier,
			order: u64::MAX,
			at_risk: UNIT,
			severity: Severity { late_hours: 1, ..Default::default() },
			value: UNIT,
			beneficiary: None,
			reporters: Default::default(),
		};
		let amount = <Slashing as SlashScheduler<AccountId, Balance>>::schedule(request)
			.expect("a block's apply queue per block");
		// Reserved as the carrier's pallet reserves a scheduled slash.
		pallet_fulfillment::Carriers::<Runtime>::mutate(&offender, |ledger| {
			if let Some(ledger) = ledger {
				ledger.stake.reserved += amount;
			}
		});
	}
	// The correlation window forgets these faults, so the measured slashes are scaled as on a
	// calm chain.
	let _ = pallet_slashing::FaultedInBlock::<Runtime>::clear_prefix(
		StakeKind::Carrier,
		u32::MAX,
		None,
	);
	pallet_slashing::FaultedInWindow::<Runtime>::remove(StakeKind::Carrier);
	System::set_block_number(now);
}

/// Moves to the next block without running any hook, so no window or deadline of the prepared
/// orders passes: only the per-block queues (proposals' dispute timers) need the room.
fn next_block() {
	System::set_block_number(System::block_number() + 1);
	pallet_timestamp::Now::<Runtime>::mutate(|now| *now += MILLISECS_PER_BLOCK);
}

/// Every byte: `HexDisplay`'s `Display` elides the middle of values over 1,026 bytes (the
/// candidate list of 256 attesters is 16 KB).
fn hex(bytes: &[u8]) -> String {
	format!("0x{:?}", HexDisplay::from(&bytes))
}

#[test]
#[ignore = "writes the state scripts/bench.sh measures on; run by that script"]
fn bench_state() {
	let path = std::env::var("SURETY_BENCH_STATE").expect("SURETY_BENCH_STATE names the output");
	let count: u32 =
		std::env::var("SURETY_BENCH_BACKGROUND").ok().and_then(|n| n.parse().ok()).unwrap_or(100);
	let hooks = std::env::var("SURETY_BENCH_HOOKS").unwrap_or_default();
	genesis(DEV_RUNTIME_PRESET).execute_with(|| {
		beside_background(count);
		let (plan, due) = match hooks.as_str() {
			"1" => (serde_json::json!({}), serde_json::json!([])),
			"due" => (serde_json::json!({}), serde_json::json!(hooks_due())),
			_ => (per_call_orders(PER_CALL).to_json(), serde_json::json!([])),
		};
		as_genesis();

		let top: serde_json::Map<String, serde_json::Value> = all_storage()
			.into_iter()
			.map(|(key, value)| (hex(&key), serde_json::Value::String(hex(&value))))
			.collect();
		let keys = top.len();
		let out = serde_json::json!({ "top": top, "plan": plan, "due": due });
		std::fs::write(&path, serde_json::to_vec(&out).expect("serialises")).expect("writes");
		println!(
			"bench state: {keys} keys, {count} other open orders and pending slashes, {} to \
			 accept, {} reports, {} to dispute -> {path}",
			plan_len(&out["plan"], "accept"),
			plan_len(&out["plan"], "attest"),
			plan_len(&out["plan"], "dispute"),
		);
	});
}

/// Block 1 at `T0`, beside `count` other open orders and pending slashes: the size of the
/// state everything measured runs beside (scaling, issue 8 item 2).
pub(crate) fn beside_background(count: u32) {
	System::set_block_number(1);
	pallet_timestamp::Now::<Runtime>::put(T0);
	background(count);
}

/// The benchmark block is block 1 at time 0 on the spec built from this state: the timestamp
/// must be 0 for BABE (its current slot is 0) and for `Timestamp::set`.
pub(crate) fn as_genesis() {
	pallet_timestamp::Now::<Runtime>::kill();
	System::set_block_number(0);
	System::reset_events();
}

/// Blocks of the chain `hooks_due` prepares, each carrying one hook's full load.
const EXPIRY_BLOCK: u32 = 4;
const CLEAN_SETTLEMENT_BLOCK: u32 = 14;
const FAULTED_SETTLEMENT_BLOCK: u32 = 16;
/// The faulted settlements' slashes (the carrier's and the dissenting member's), deferred.
const SLASH_BLOCK: u32 = 26;
const DEADLINE_BLOCK: u32 = 31;

/// Sets the block number and the clock as a chain of 3-second blocks from `T0` has them.
fn at_block(n: u32) {
	System::set_block_number(n);
	pallet_timestamp::Now::<Runtime>::put(T0 + u64::from(n) * MILLISECS_PER_BLOCK);
}

/// Each protocol hook's full load due in a block of its own, beside the background: 64 orders
/// expiring unaccepted (block 4); 16 orders settled clean, every member agreeing on an on-time
/// delivery (14); 16 settled faulted, late and damaged with one member dissenting (16); their
/// 32 slashes applied (26); 32 first rounds at their deadline with no report, whose silent
/// members are judged and whose next rounds are drawn among 256 attesters (31). Every other
/// block up to the last carries none, so the block before each is its baseline. Checked by
/// running the hooks over those blocks; returns `(hook, block, items)` per loaded block.
pub(crate) fn hooks_due() -> Vec<(&'static str, u32, u32)> {
	use crate::genesis_config_presets::ATTESTER_STAKE;
	let shipper = Sr25519Keyring::Alice.to_account_id();
	let carrier = Sr25519Keyring::Charlie.to_account_id();
	for who in [&shipper, &carrier] {
		Balances::set_balance(who, PLENTY);
	}
	assert_ok!(Fulfillment::bond_extra(RuntimeOrigin::signed(carrier.clone()), PLENTY / 2));
	// Every draw goes through `MaxAttesters` candidates, as the hooks' weights assume.
	let max_attesters: u32 = <Runtime as pallet_attestation::Config>::MaxAttesters::get();
	let registered =
		pallet_attestation::Candidates::<Runtime>::decode_len().unwrap_or_default() as u32;
	for i in registered..max_attesters {
		let mut raw = [0xaa; 32];
		raw[..4].copy_from_slice(&i.to_le_bytes());
		let attester = AccountId::from(raw);
		Balances::set_balance(&attester, 2 * ATTESTER_STAKE);
		assert_ok!(Attestation::register_attester(RuntimeOrigin::signed(attester), ATTESTER_STAKE));
	}

	let expiries: u32 = <Runtime as pallet_fulfillment::Config>::MaxExpiriesPerBlock::get();
	let timers: u32 = <Runtime as pallet_disputes::Config>::MaxTimersPerBlock::get();
	let deadlines: u32 = <Runtime as pallet_attestation::Config>::MaxDeadlinesPerBlock::get();
	let slashes: u32 = <Runtime as pallet_slashing::Config>::MaxSlashesPerBlock::get();
	let order = |accept_by: u32, deliver_by: u64| {
		let id = pallet_fulfillment::NextOrderId::<Runtime>::get();
		let terms = OrderTerms { accept_by, deliver_by, ..terms(0) };
		assert_ok!(Fulfillment::create_order(RuntimeOrigin::signed(shipper.clone()), terms));
		id
	};
	let bonded = |count: u32, deliver_by: u64| -> Vec<u64> {
		let ids: Vec<u64> = (0..count).map(|_| order(1_000, deliver_by)).collect();
		accept(&carrier, &ids);
		ids
	};

	at_block(0);
	for _ in 0..expiries {
		order(EXPIRY_BLOCK - 1, T0 + HOUR_MS);
	}

	let window: u32 = <Runtime as pallet_disputes::Config>::DisputeWindow::get();
	at_block(CLEAN_SETTLEMENT_BLOCK - window);
	for id in bonded(timers, T0 + HOUR_MS) {
		attest_all(id, delivered(T0 + HOUR_MS));
	}

	at_block(FAULTED_SETTLEMENT_BLOCK - window);
	let late_and_damaged = Report::Delivered {
		at: T0 + 3 * HOUR_MS,
		max_excursion_centi_c_minutes: 1_000,
		damage: sp_runtime::Perbill::from_percent(5),
	};
	for id in bonded(timers, T0 + HOUR_MS) {
		let committee = pallet_attestation::Committees::<Runtime>::get(id).expect("drawn");
		// Two agreeing reports propose; the third, reported after, is judged wrong.
		for (i, member) in committee.members.into_iter().enumerate() {
			let report = if i < 2 { late_and_damaged } else { Report::Lost };
			assert_ok!(Attestation::attest(
				RuntimeOrigin::signed(member.who),
				id,
				report,
				Default::default()
			));
		}
		assert!(pallet_disputes::Cases::<Runtime>::contains_key(id), "order {id} proposed");
	}

	// A first round's deadline is its `report_by` plus the response window, checked two
	// blocks after the last block expected before it.
	let prepared_at = 8;
	at_block(prepared_at);
	let response: u64 = <Runtime as pallet_attestation::Config>::ResponseWindow::get();
	let wait_blocks = u64::from(DEADLINE_BLOCK - prepared_at - 2);
	let deliver_by =
		T0 + u64::from(prepared_at) * MILLISECS_PER_BLOCK + wait_blocks * MILLISECS_PER_BLOCK
			- response;
	bonded(deadlines, deliver_by);

	let expected = [
		("pallet_fulfillment::on_initialize", EXPIRY_BLOCK, expiries),
		("pallet_disputes::on_initialize", CLEAN_SETTLEMENT_BLOCK, timers),
		("pallet_disputes::on_initialize_faulted", FAULTED_SETTLEMENT_BLOCK, timers),
		("pallet_slashing::on_initialize", SLASH_BLOCK, slashes),
		("pallet_attestation::on_initialize", DEADLINE_BLOCK, deadlines),
	];
	check_hooks_due(&expected);
	expected.to_vec()
}

/// Runs the protocol hooks over blocks 1 to the last of `expected` (and rolls them back), each
/// block's clock far past every prepared deadline as a live chain's is, and checks that each
/// block queues exactly the load `expected` gives it, every other block none, and that the
/// hook handles each item: an order expired, settled or left without quorum, a slash applied.
fn check_hooks_due(expected: &[(&str, u32, u32)]) {
	use crate::RuntimeEvent;
	let handled = |event: &RuntimeEvent| match event {
		RuntimeEvent::Fulfillment(pallet_fulfillment::Event::OrderExpired { .. })
		| RuntimeEvent::Fulfillment(pallet_fulfillment::Event::OrderSettled { .. })
		| RuntimeEvent::Attestation(pallet_attestation::Event::NoQuorum { .. })
		| RuntimeEvent::Slashing(pallet_slashing::Event::SlashApplied { .. }) => 1,
		_ => 0,
	};
	let last = expected.iter().map(|(_, block, _)| *block).max().unwrap_or_default();
	as_genesis();
	let _ = with_transaction(|| {
		for n in 1..=last {
			System::set_block_number(n);
			pallet_timestamp::Now::<Runtime>::put(T0 + 10 * HOUR_MS);
			let queued = [
				pallet_fulfillment::ExpiryQueue::<Runtime>::get(n).len(),
				pallet_disputes::Timers::<Runtime>::get(n).len(),
				pallet_slashing::ApplyQueue::<Runtime>::get(n).len(),
				pallet_attestation::DeadlineQueue::<Runtime>::get(n).len(),
			]
			.iter()
			.sum::<usize>() as u32;
			let want =
				expected.iter().find(|(_, block, _)| *block == n).map_or(0, |(_, _, items)| *items);
			assert_eq!(queued, want, "block {n} queues {queued} items, {want} expected");
			System::reset_events();
			protocol_hooks(n);
			let done: u32 = System::events().iter().map(|record| handled(&record.event)).sum();
			assert_eq!(done, want, "block {n} handled {done} items, {want} expected");
		}
		TransactionOutcome::Rollback(Ok::<(), sp_runtime::DispatchError>(()))
	});
}

fn plan_len(plan: &serde_json::Value, call: &str) -> usize {
	plan[call].as_array().map_or(0, |a| a.len())
}

/// Who signs each stateful call and the orders it acts on, one per extrinsic.
pub(crate) struct CallPlan {
	pub(crate) shipper: AccountId,
	accept_by: AccountId,
	accept: Vec<u64>,
	attest: Vec<(u64, AccountId)>,
	dispute: Vec<u64>,
}

impl CallPlan {
	/// Each stateful call's extrinsics with their signers, in the order the node's builders
	/// put them in the benchmark block.
	pub(crate) fn extrinsics(&self) -> Vec<(&'static str, Vec<(AccountId, RuntimeCall)>)> {
		let accept = self.accept.iter().map(|&order| {
			let call = pallet_fulfillment::Call::accept_order { order };
			(self.accept_by.clone(), RuntimeCall::Fulfillment(call))
		});
		let attest = self.attest.iter().map(|(order, member)| {
			let report = delivered(T0 + HOUR_MS);
			let call = pallet_attestation::Call::attest {
				order: *order,
				report,
				evidence: Default::default(),
			};
			(member.clone(), RuntimeCall::Attestation(call))
		});
		let dispute = self.dispute.iter().map(|&order| {
			let call = pallet_disputes::Call::dispute {
				order,
				claim: Report::Lost,
				evidence: Default::default(),
			};
			(self.shipper.clone(), RuntimeCall::Disputes(call))
		});
		vec![
			("fulfillment.accept_order", accept.collect()),
			("attestation.attest", attest.collect()),
			("disputes.dispute", dispute.collect()),
		]
	}

	/// Each stateful call on the last order prepared for it, with its signer: what the
	/// benchmark block's last extrinsic of that call does.
	pub(crate) fn last_of_each(&self) -> Vec<(&'static str, AccountId, RuntimeCall)> {
		self.extrinsics()
			.into_iter()
			.map(|(name, mut calls)| {
				let (signer, call) = calls.pop().expect("prepared");
				(name, signer, call)
			})
			.collect()
	}

	/// The plan that tells the node's builders which order is which (the shipper disputes).
	fn to_json(&self) -> serde_json::Value {
		serde_json::json!({
			"acceptBy": hex(self.accept_by.as_ref()),
			"accept": self.accept,
			"attest": self
				.attest
				.iter()
				.map(|(order, who)| serde_json::json!([order, hex(who.as_ref())]))
				.collect::<Vec<_>>(),
			"disputeBy": hex(self.shipper.as_ref()),
			"dispute": self.dispute,
			"deliveredAt": T0 + HOUR_MS,
		})
	}
}

/// `per_call` orders for each stateful call, one per extrinsic, checked to go through as the
/// benchmark block will see them.
pub(crate) fn per_call_orders(per_call: u32) -> CallPlan {
	let shipper = Sr25519Keyring::Alice.to_account_id();
	let accepting = Sr25519Keyring::Bob.to_account_id();
	let bonded = Sr25519Keyring::Charlie.to_account_id();
	for who in [&shipper, &accepting, &bonded] {
		Balances::set_balance(who, PLENTY);
	}
	for carrier in [&accepting, &bonded] {
		assert_ok!(Fulfillment::bond_extra(RuntimeOrigin::signed(carrier.clone()), PLENTY / 2));
	}
	for attester in crate::genesis_config_presets::genesis_attesters() {
		Balances::set_balance(&attester, PLENTY);
		assert_ok!(Attestation::bond_extra(RuntimeOrigin::signed(attester), PLENTY / 2));
	}

	// accept_order: open orders, any carrier.
	let to_accept = create(&shipper, per_call);

	// book: the accepting carrier's standing offer takes any order of the benchmark block
	// (the node's builder books `booking_terms(i)`).
	assert_ok!(Fulfillment::set_offer(
		RuntimeOrigin::signed(accepting.clone()),
		pallet_fulfillment::BookingOffer {
			shipper: None,
			max_value: u128::MAX,
			min_payment: 0,
			min_lead: 0,
			temperature_controlled: true,
			remaining: u32::MAX,
		}
	));

	// attest: bonded orders whose first round collects; one extrinsic per member.
	let collecting = create(&shipper, per_call / 3 + 1);
	accept(&bonded, &collecting);
	let mut to_attest = Vec::new();
	for &id in &collecting {
		let committee = pallet_attestation::Committees::<Runtime>::get(id).expect("drawn");
		to_attest.extend(committee.members.into_iter().map(|m| (id, m.who)));
	}
	to_attest.truncate(per_call as usize);

	// dispute: orders with a proposed outcome, in their dispute window. A block's dispute
	// timers take 16 cases. Their windows end after every block the benchmark block's reports
	// may open windows in (`MaxTimerSpill` blocks from its own window's end), so a block of
	// reports finds room for all of its proposals.
	let to_dispute = create(&shipper, per_call);
	accept(&bonded, &to_dispute);
	let spill: u32 = <Runtime as pallet_disputes::Config>::MaxTimerSpill::get();
	for _ in 0..spill {
		next_block();
	}
	for chunk in to_dispute.chunks(16) {
		for &id in chunk {
			attest_all(id, delivered(T0 + HOUR_MS));
		}
		next_block();
	}

	let plan = CallPlan {
		shipper,
		accept_by: accepting,
		accept: to_accept,
		attest: to_attest,
		dispute: to_dispute,
	};
	// Each kind of call goes through on this state, as the benchmark block will see it.
	as_genesis();
	let _ = with_transaction(|| {
		System::set_block_number(1);
		for (_, signer, call) in plan.last_of_each() {
			assert_ok!(call.dispatch(RuntimeOrigin::signed(signer)));
		}
		assert_ok!(Fulfillment::book(
			RuntimeOrigin::signed(plan.shipper.clone()),
			booking_terms(0)
		));
		TransactionOutcome::Rollback(Ok::<(), sp_runtime::DispatchError>(()))
	});

	plan
}

/// What the runtime's weights say a block holds, for `scripts/bench.sh` to set beside the
/// blocks the node fills: one `figure <name> <picoseconds>` line per declared weight, the
/// committee's size, and the attesters registered and their bound.
#[test]
#[ignore = "prints the weights scripts/bench.sh compares; run by that script"]
fn bench_weights() {
	use frame_support::dispatch::GetDispatchInfo;
	use pallet_disputes::WeightInfo as _;
	use pallet_fulfillment::WeightInfo as _;
	let (base_extrinsic, normal_class_max) = normal_class();
	let call = |call: crate::RuntimeCall| call.get_dispatch_info().total_weight().ref_time();
	let who = Sr25519Keyring::Alice.to_account_id();
	let report = delivered(T0);
	let remark: crate::RuntimeCall = frame_system::Call::remark { remark: vec![] }.into();
	let figures = [
		("normal_class_max", normal_class_max.ref_time()),
		("extrinsic_base", base_extrinsic.ref_time()),
		("extensions", extensions_weight(&remark).ref_time()),
		("remark", call(remark.clone())),
		(
			"transfer_keep_alive",
			call(pallet_balances::Call::transfer_keep_alive { dest: who.into(), value: 1 }.into()),
		),
		("create_order", call(pallet_fulfillment::Call::create_order { terms: terms(0) }.into())),
		// Accept and dispute at the bound of their draw: what they are charged with the most
		// attesters there can be, and no queue full (their declared weight also covers the
		// longest searches past full queues, refunded when not made).
		(
			"accept_order",
			<Runtime as pallet_fulfillment::Config>::WeightInfo::accept_order().ref_time(),
		),
		("book", <Runtime as pallet_fulfillment::Config>::WeightInfo::book().ref_time()),
		(
			"attest",
			call(
				pallet_attestation::Call::attest { order: 0, report, evidence: Default::default() }
					.into(),
			),
		),
		// Declared (any batch: the most reports, the longest window search): what a batch that
		// fails is charged.
		(
			"attest_signed_declared",
			call(
				pallet_attestation::Call::attest_signed { order: 0, reports: Default::default() }
					.into(),
			),
		),
		(
			"dispute",
			<Runtime as pallet_disputes::Config>::WeightInfo::dispute_escalating()
				.max(<Runtime as pallet_disputes::Config>::WeightInfo::dispute_to_arbitration())
				.ref_time(),
		),
		// An order's settlement is the work of one dispute-window timer: the slope of the hook.
		(
			"settlement",
			<Runtime as pallet_disputes::Config>::WeightInfo::on_initialize(1)
				.saturating_sub(<Runtime as pallet_disputes::Config>::WeightInfo::on_initialize(0))
				.ref_time(),
		),
	];
	for (name, weight) in figures {
		println!("figure {name} {weight}");
	}
	let committee: u32 = <Runtime as pallet_attestation::Config>::CommitteeSize::get();
	println!("figure committee_size {committee}");
	// The most dispute windows that can open in one block: the blocks a window's end may be
	// searched for, each holding `MaxTimersPerBlock`.
	let spill: u32 = <Runtime as pallet_disputes::Config>::MaxTimerSpill::get();
	let per_block: u32 = <Runtime as pallet_disputes::Config>::MaxTimersPerBlock::get();
	let windows = spill * per_block;
	println!("figure windows_per_block {windows}");
	// Accept and dispute are charged for the attesters their draw goes through: the benchmark
	// chain's (the genesis ones), and at most `MaxAttesters`, what their declared weight is for.
	let attesters = crate::genesis_config_presets::genesis_attesters().len();
	println!("figure attesters {attesters}");
	let max: u32 = <Runtime as pallet_attestation::Config>::MaxAttesters::get();
	println!("figure max_attesters {max}");
}

/// Every extrinsic's base weight and the most the normal class may hold in a block.
fn normal_class() -> (frame_support::weights::Weight, frame_support::weights::Weight) {
	use frame_support::dispatch::DispatchClass;
	let block = crate::configs::RuntimeBlockWeights::get();
	let normal = block.get(DispatchClass::Normal);
	(normal.base_extrinsic, normal.max_total.unwrap_or(block.max_block))
}

/// What a signed extrinsic's transaction extensions weigh (the same for every call).
fn extensions_weight(call: &RuntimeCall) -> frame_support::weights::Weight {
	use sp_runtime::traits::TransactionExtension;
	let extensions: crate::TxExtension = (
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(sp_runtime::generic::Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(0),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
	);
	TransactionExtension::weight(&extensions, call)
}

/// A block of disputes escalates each to a fresh committee while the blocks its deadline may
/// go in have room (32 of 32: 1,024 a block), and sends the rest to arbitration only once every
/// one of them is full: the deadline search's hint never makes a search fail early.
fn escalations_beyond_the_deadline_blocks_go_to_arbitration(disputed: &[u64]) {
	use pallet_disputes::{CaseStatus, Cases};
	let status = |order: &u64| Cases::<Runtime>::get(order).expect("a disputed case").status;
	let escalated = disputed.iter().take_while(|o| status(o) == CaseStatus::Reattesting).count();
	let to_arbitration = &disputed[escalated..];
	assert!(
		to_arbitration.iter().all(|o| matches!(status(o), CaseStatus::AwaitingRuling { .. })),
		"a dispute after the first sent to arbitration escalated"
	);
	let tries: u32 = <Runtime as pallet_attestation::Config>::MaxDeadlinesPerBlock::get();
	if !to_arbitration.is_empty() {
		let (wanted, _) = pallet_attestation::DeadlineSpillHint::<Runtime>::get().expect("spilled");
		for block in wanted..wanted + tries {
			let queue = pallet_attestation::DeadlineQueue::<Runtime>::get(block);
			assert_eq!(queue.len() as u32, tries, "room left in deadline block {block}");
		}
	}
	println!(
		"disputes.dispute: {escalated} escalated, {} to arbitration (every deadline block full)",
		to_arbitration.len()
	);
}

/// Every extrinsic `benchmark extrinsic` puts in a block of accepts, reports or disputes goes
/// through: otherwise failed extrinsics would count as capacity. The block is filled the way a
/// block builder fills it: an extrinsic is admitted if its declared weight fits what is left
/// of the normal class, and the block then keeps only the weight it was charged.
#[test]
fn a_benchmark_block_of_each_call_goes_through() {
	use frame_support::dispatch::GetDispatchInfo;
	let (base_extrinsic, limit) = normal_class();
	let limit = limit.ref_time();
	genesis(DEV_RUNTIME_PRESET).execute_with(|| {
		beside_background(10);
		let plan = per_call_orders(PER_CALL);
		for (name, calls) in plan.extrinsics() {
			let _ = with_transaction(|| {
				let mut used = 0u64;
				let mut held = 0usize;
				let mut disputed = Vec::new();
				for (signer, call) in calls.iter().cloned() {
					let info = call.get_dispatch_info();
					let overhead = base_extrinsic + extensions_weight(&call);
					if used + (info.total_weight() + overhead).ref_time() > limit {
						break;
					}
					if let RuntimeCall::Disputes(pallet_disputes::Call::dispute { order, .. }) =
						&call
					{
						disputed.push(*order);
					}
					let post = call
						.dispatch(RuntimeOrigin::signed(signer))
						.unwrap_or_else(|e| panic!("{name} #{held} of the block failed: {e:?}"));
					used += (post.calc_actual_weight(&info) + overhead).ref_time();
					held += 1;
				}
				assert!(held < calls.len(), "{name}: the plan fills the block");
				println!("{name}: {held} in a block, all through");
				if !disputed.is_empty() {
					escalations_beyond_the_deadline_blocks_go_to_arbitration(&disputed);
				}
				TransactionOutcome::Rollback(Ok::<(), sp_runtime::DispatchError>(()))
			});
		}
	});
}
