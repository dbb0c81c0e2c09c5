//! `surety`: the shipper's, carrier's and attester's command line for a Surety chain.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use anyhow::{anyhow, bail};
use clap::{Args, Parser, Subcommand};
use subxt::utils::H256;
use subxt_signer::sr25519::Keypair;
use surety_cli::{
	format_amount, keypair_from_file, keypair_from_suri, parse_account, parse_amount, parse_digest,
	parse_duration, Claim, ClaimKind, Included, NewOrder, Offer, OrderId, Surety,
};

/// The endpoint used when `--url` is not given, and the default when this is not set either.
const URL_VARIABLE: &str = "SURETY_URL";
const DEFAULT_URL: &str = "ws://127.0.0.1:9944";
/// The signer's secret URI when neither `--suri` nor `--keystore-file` is given.
const SURI_VARIABLE: &str = "SURETY_SURI";

#[derive(Parser)]
#[command(name = "surety", version, about = "Bonded orders on a Surety chain", long_about = None)]
struct Cli {
	/// The node's RPC endpoint [default: SURETY_URL, else ws://127.0.0.1:9944].
	#[arg(long, global = true)]
	url: Option<String>,
	#[command(subcommand)]
	command: Command,
}

/// Who signs: a secret URI, a keystore file, or the secret URI in SURETY_SURI.
#[derive(Args)]
#[group(multiple = false)]
struct Signer {
	/// Secret URI of the signing key: `//Alice` on dev chains, or a mnemonic / hex seed with
	/// optional derivations. Prefer `--keystore-file` (or SURETY_SURI) outside test networks:
	/// arguments are visible to other users of the machine.
	#[arg(long)]
	suri: Option<String>,
	/// A file holding the secret URI: a node keystore entry (a JSON string) or plain text.
	#[arg(long)]
	keystore_file: Option<PathBuf>,
}

impl Signer {
	fn keypair(&self) -> anyhow::Result<Keypair> {
		match (&self.suri, &self.keystore_file) {
			(Some(suri), _) => keypair_from_suri(suri),
			(None, Some(path)) => keypair_from_file(path),
			(None, None) => match std::env::var(SURI_VARIABLE) {
				Ok(suri) => keypair_from_suri(&suri),
				Err(_) => bail!("who signs? give --suri, --keystore-file or set {SURI_VARIABLE}"),
			},
		}
	}
}

/// What happened to the cargo: exactly one of `--at`, `--on-time`, `--late`, `--lost`.
#[derive(Args)]
#[group(required = true, multiple = false, id = "when")]
struct When {
	/// Delivered at this time (unix milliseconds).
	#[arg(long)]
	at: Option<u64>,
	/// Delivered at the order's deadline.
	#[arg(long)]
	on_time: bool,
	/// Delivered this long after the order's deadline (e.g. `2h`).
	#[arg(long, value_parser = parse_duration)]
	late: Option<Duration>,
	/// Never delivered.
	#[arg(long)]
	lost: bool,
}

#[derive(Args)]
struct ClaimArgs {
	#[command(flatten)]
	when: When,
	/// Temperature excursion outside the agreed band, in centi-°C × minutes.
	#[arg(long, default_value_t = 0)]
	excursion: u32,
	/// Share of the cargo's value destroyed, in percent (up to 100, decimals allowed).
	#[arg(long, default_value_t = 0.0)]
	damage_percent: f64,
	/// Digest of the off-chain evidence (32 bytes, hex).
	#[arg(long, value_parser = parse_digest, default_value = "0x0000000000000000000000000000000000000000000000000000000000000000")]
	evidence: H256,
}

/// Who claims what about which order.
#[derive(Args)]
struct ClaimCommand {
	#[command(flatten)]
	signer: Signer,
	order: OrderId,
	#[command(flatten)]
	claim: ClaimArgs,
}

#[derive(Subcommand)]
enum Command {
	#[command(flatten)]
	Online(OnlineCommand),
	/// The SS58 account of a key.
	Account {
		#[command(flatten)]
		signer: Signer,
	},
}

/// The commands that talk to a node.
#[derive(Subcommand)]
enum OnlineCommand {
	/// Ship: create an order, escrowing its payment and the attestation fee.
	CreateOrder {
		#[command(flatten)]
		signer: Signer,
		/// Declared value of the cargo, in SURE: what the carrier bonds against.
		#[arg(long, value_parser = parse_amount)]
		value: u128,
		/// Paid to the carrier on delivery, in SURE.
		#[arg(long, value_parser = parse_amount)]
		payment: u128,
		/// Only this carrier may accept (SS58).
		#[arg(long)]
		carrier: Option<String>,
		/// Carriers can accept for this many blocks.
		#[arg(long, default_value_t = 100)]
		accept_within: u32,
		/// Delivery deadline, from the chain's current time (e.g. `2h`, `3d`).
		#[arg(long, value_parser = parse_duration)]
		deliver_in: Duration,
		/// Lateness tolerated before it is a fault (e.g. `15m`).
		#[arg(long, value_parser = parse_duration, default_value = "0s")]
		grace: Duration,
		/// Lowest allowed temperature, in centi-°C (with --max-temperature).
		#[arg(long, requires = "max_temperature", allow_hyphen_values = true)]
		min_temperature: Option<i32>,
		/// Highest allowed temperature, in centi-°C (with --min-temperature).
		#[arg(long, requires = "min_temperature", allow_hyphen_values = true)]
		max_temperature: Option<i32>,
		/// Digest of an off-chain document, e.g. the bill of lading (32 bytes, hex).
		#[arg(long, value_parser = parse_digest)]
		reference: Option<H256>,
		/// Book it against the standing offer of the carrier given by --carrier: created and
		/// bonded in one transaction, with no acceptance to wait for.
		#[arg(long, requires = "carrier")]
		book: bool,
		/// Then follow the order until it settles.
		#[arg(long)]
		watch: bool,
	},
	/// Carry: accept an open order, bonding it from your carrier stake.
	Accept {
		#[command(flatten)]
		signer: Signer,
		order: OrderId,
	},
	/// Carry: set your standing offer; orders that name you and fit it are bonded as they are
	/// booked (`create-order --book`), each from your carrier stake as an accept would be.
	SetOffer {
		#[command(flatten)]
		signer: Signer,
		/// Largest declared cargo value taken, in SURE.
		#[arg(long, value_parser = parse_amount)]
		max_value: u128,
		/// Smallest payment taken, in SURE.
		#[arg(long, value_parser = parse_amount)]
		min_payment: u128,
		/// Shortest time from booking to the delivery deadline (e.g. `2h`).
		#[arg(long, value_parser = parse_duration, default_value = "0s")]
		min_lead: Duration,
		/// Take orders with a temperature band.
		#[arg(long)]
		temperature_controlled: bool,
		/// Only this shipper may book (SS58).
		#[arg(long)]
		shipper: Option<String>,
		/// Bookings the offer takes before it ends.
		#[arg(long)]
		bookings: u32,
	},
	/// Carry: withdraw your standing offer (orders booked on it stay bonded).
	WithdrawOffer {
		#[command(flatten)]
		signer: Signer,
	},
	/// Attest, as a member of the order's committee, what happened to the cargo.
	Attest(ClaimCommand),
	/// Committee member: sign your report for another account to submit with the others'
	/// (`attest-signed`); prints it in hex.
	SignReport(ClaimCommand),
	/// Submit committee members' signed reports on an order in one transaction, paying its fee.
	AttestSigned {
		#[command(flatten)]
		signer: Signer,
		order: OrderId,
		/// The signed reports, as `sign-report` printed them.
		#[arg(required = true)]
		reports: Vec<String>,
	},
	/// Dispute the outcome proposed for an order, within its window, with a deposit.
	Dispute(ClaimCommand),
	/// Attester: be paid the fee shares credited to you for reports that agreed with outcomes.
	ClaimFees {
		#[command(flatten)]
		signer: Signer,
	},
	/// Follow an order block by block until it has ended.
	Watch {
		order: OrderId,
		/// Give up after this long.
		#[arg(long, value_parser = parse_duration, default_value = "30m")]
		timeout: Duration,
	},
	/// The bond a carrier would put up for cargo of a given value.
	Quote {
		/// Declared value, in SURE.
		#[arg(long, value_parser = parse_amount)]
		value: u128,
		/// The carrier (SS58).
		#[arg(long)]
		carrier: String,
	},
	/// An order, live or ended.
	Order { order: OrderId },
	/// An order's committee: each round's members and whether they have reported.
	Committee { order: OrderId },
	/// A carrier's profile: stake, open orders, score, leverage.
	Carrier { account: String },
	/// A carrier's standing offer: what it takes from `create-order --book`.
	Offer { carrier: String },
	/// An attester's profile: stake, seats, score, faults, fees waiting to be claimed.
	Attester { account: String },
	/// Slashes pending against an account, within their veto period.
	PendingSlashes { account: String },
	/// How much order value the chain's stake secures.
	Leverage,
}

fn progress(step: &str) {
	eprintln!("  … {step}");
}

fn print_included(what: &str, included: &Included) {
	println!("{what} in block #{} ({:?})", included.block_number, included.block);
	for event in included.protocol_events() {
		println!("  {event}");
	}
}

fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
	println!("{}", serde_json::to_string_pretty(value)?);
	Ok(())
}

/// One line for where an order stands.
fn describe(block: u32, view: &serde_json::Value) -> String {
	let status = &view["status"];
	let stage = status["stage"].as_str().unwrap_or("unknown");
	let until = |key: &str| {
		status[key].as_u64().map(|end| {
			format!(" until block #{end} ({} blocks left)", end.saturating_sub(block.into()))
		})
	};
	let detail = match stage {
		"open" => until("acceptBy").unwrap_or_default(),
		"attesting" | "reattesting" => format!(", round {}", status["round"]),
		"disputeWindow" => {
			format!(", proposed {}{}", status["outcome"], until("windowEnds").unwrap_or_default())
		}
		"awaitingRuling" => until("until").unwrap_or_default(),
		"finalizing" => format!(", retried at block #{}", status["retryAt"]),
		"ended" => format!(
			": {}, paid to carrier {}, refunded {}, slash scheduled {}",
			status["end"].as_str().unwrap_or("?"),
			amount_of(&status["paidToCarrier"]),
			amount_of(&status["refunded"]),
			amount_of(&status["slashScheduled"]),
		),
		_ => String::new(),
	};
	format!("block #{block}: {stage}{detail}")
}

fn amount_of(value: &serde_json::Value) -> String {
	value
		.as_str()
		.and_then(|v| v.parse().ok())
		.map(format_amount)
		.unwrap_or_else(|| value.to_string())
}

async fn claim(surety: &Surety, order: OrderId, args: &ClaimArgs) -> anyhow::Result<Claim> {
	if !(0.0..=100.0).contains(&args.damage_percent) {
		bail!("--damage-percent must be between 0 and 100");
	}
	let at_ms = match (&args.when.at, args.when.on_time, &args.when.late, args.when.lost) {
		(_, _, _, true) => return Ok(Claim::Lost),
		(Some(at), ..) => *at,
		(None, true, ..) => surety.deliver_by(order).await?,
		(None, false, Some(late), _) => {
			let late =
				u64::try_from(late.as_millis()).map_err(|_| anyhow!("--late is too long"))?;
			surety.deliver_by(order).await?.saturating_add(late)
		}
		(None, false, None, false) => bail!("say when: --at, --on-time, --late or --lost"),
	};
	Ok(Claim::Delivered {
		at_ms,
		excursion_centi_c_minutes: args.excursion,
		damage_ppb: (args.damage_percent * 10_000_000.0).round() as u32,
	})
}

async fn make_claim(surety: &Surety, kind: ClaimKind, command: ClaimCommand) -> anyhow::Result<()> {
	let ClaimCommand { signer, order, claim: args } = command;
	let claim = claim(surety, order, &args).await?;
	let included =
		surety.claim(&signer.keypair()?, kind, order, &claim, args.evidence, progress).await?;
	let done = match kind {
		ClaimKind::Attestation => format!("order {order}: attested {claim}"),
		ClaimKind::Dispute => format!("order {order}: disputed, claiming {claim}"),
	};
	print_included(&done, &included);
	Ok(())
}

async fn watch(surety: &Surety, order: OrderId, timeout: Duration) -> anyhow::Result<()> {
	let view = surety
		.watch(order, timeout, |block, view| eprintln!("  {}", describe(block, view)))
		.await?;
	println!("order {order} ended: {}", view["status"]["end"].as_str().unwrap_or("?"));
	print_json(&view)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
	match cli.command {
		Command::Account { signer } => {
			println!("{}", signer.keypair()?.public_key().to_account_id());
			Ok(())
		}
		Command::Online(command) => {
			let url = cli.url.or_else(|| std::env::var(URL_VARIABLE).ok());
			run_online(url.as_deref().unwrap_or(DEFAULT_URL), command).await
		}
	}
}

async fn run_online(url: &str, command: OnlineCommand) -> anyhow::Result<()> {
	let surety = Surety::connect(url).await?;
	match command {
		OnlineCommand::CreateOrder {
			signer,
			value,
			payment,
			carrier,
			accept_within,
			deliver_in,
			grace,
			min_temperature,
			max_temperature,
			reference,
			book,
			watch: follow,
		} => {
			let signer = signer.keypair()?;
			let deliver_in = u64::try_from(deliver_in.as_millis())
				.map_err(|_| anyhow!("--deliver-in is too long"))?;
			let order = NewOrder {
				value,
				payment,
				carrier: carrier.as_deref().map(parse_account).transpose()?,
				accept_by: surety.best_number().await?.saturating_add(accept_within),
				deliver_by: surety.now_ms().await?.saturating_add(deliver_in),
				grace_ms: u64::try_from(grace.as_millis())
					.map_err(|_| anyhow!("--grace is too long"))?,
				temperature_centi_c: min_temperature.zip(max_temperature),
				reference,
			};
			eprintln!(
				"creating an order: value {}, payment {}, due by {} (unix ms)",
				format_amount(order.value),
				format_amount(order.payment),
				order.deliver_by
			);
			let ((id, included), done) = if book {
				(surety.book(&signer, order, progress).await?, "booked")
			} else {
				(surety.create_order(&signer, order, progress).await?, "created")
			};
			print_included(&format!("order {id} {done}"), &included);
			if follow {
				watch(&surety, id, Duration::from_secs(30 * 60)).await?;
			}
		}
		OnlineCommand::Accept { signer, order } => {
			let included = surety.accept_order(&signer.keypair()?, order, progress).await?;
			print_included(&format!("order {order} accepted"), &included);
		}
		OnlineCommand::SetOffer {
			signer,
			max_value,
			min_payment,
			min_lead,
			temperature_controlled,
			shipper,
			bookings,
		} => {
			let offer = Offer {
				shipper: shipper.as_deref().map(parse_account).transpose()?,
				max_value,
				min_payment,
				min_lead_ms: u64::try_from(min_lead.as_millis())
					.map_err(|_| anyhow!("--min-lead is too long"))?,
				temperature_controlled,
				bookings,
			};
			let included = surety.set_offer(&signer.keypair()?, offer, progress).await?;
			print_included("offer set", &included);
		}
		OnlineCommand::WithdrawOffer { signer } => {
			let included = surety.withdraw_offer(&signer.keypair()?, progress).await?;
			print_included("offer withdrawn", &included);
		}
		OnlineCommand::Attest(command) => {
			make_claim(&surety, ClaimKind::Attestation, command).await?
		}
		OnlineCommand::SignReport(ClaimCommand { signer, order, claim: args }) => {
			let claim = claim(&surety, order, &args).await?;
			println!(
				"{}",
				surety.sign_report(&signer.keypair()?, order, &claim, args.evidence).await?
			);
		}
		OnlineCommand::AttestSigned { signer, order, reports } => {
			let included =
				surety.attest_signed(&signer.keypair()?, order, &reports, progress).await?;
			print_included(&format!("order {order}: {} signed reports", reports.len()), &included);
		}
		OnlineCommand::Dispute(command) => make_claim(&surety, ClaimKind::Dispute, command).await?,
		OnlineCommand::ClaimFees { signer } => {
			let included = surety.claim_fees(&signer.keypair()?, progress).await?;
			print_included("fees claimed", &included);
		}
		OnlineCommand::Watch { order, timeout } => watch(&surety, order, timeout).await?,
		OnlineCommand::Quote { value, carrier } => {
			let bond = surety.quote_bond(value, &parse_account(&carrier)?).await?;
			println!("{}", format_amount(bond));
		}
		OnlineCommand::Order { order } => {
			let view = surety.order(order, None).await?;
			if view.is_null() {
				bail!("there is no order {order}");
			}
			print_json(&view)?;
		}
		OnlineCommand::Committee { order } => {
			let committee = surety.committee(order).await?;
			if committee.is_null() {
				bail!("order {order} has no committee (not accepted yet, or ended)");
			}
			print_json(&committee)?;
		}
		OnlineCommand::Carrier { account } => {
			let profile = surety.carrier(&parse_account(&account)?).await?;
			if profile.is_null() {
				bail!("{account} is not a registered carrier");
			}
			print_json(&profile)?;
		}
		OnlineCommand::Offer { carrier } => {
			let offer = surety.offer(&parse_account(&carrier)?).await?;
			if offer.is_null() {
				bail!("{carrier} has no standing offer");
			}
			print_json(&offer)?;
		}
		OnlineCommand::Attester { account } => {
			let profile = surety.attester(&parse_account(&account)?).await?;
			if profile.is_null() {
				bail!("{account} is not a registered attester");
			}
			print_json(&profile)?;
		}
		OnlineCommand::PendingSlashes { account } => {
			print_json(&surety.pending_slashes(&parse_account(&account)?).await?)?
		}
		OnlineCommand::Leverage => print_json(&surety.security_leverage().await?)?,
	}
	Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
	match run(Cli::parse()).await {
		Ok(()) => ExitCode::SUCCESS,
		Err(error) => {
			eprintln!("error: {error:#}");
			ExitCode::FAILURE
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use clap::CommandFactory;

	#[test]
	fn the_command_line_is_well_formed() {
		Cli::command().debug_assert();
	}

	#[test]
	fn a_report_says_exactly_one_when() {
		let parse = |args: &[&str]| Cli::try_parse_from([&["surety", "attest"], args].concat());
		assert!(parse(&["--suri", "//Dave", "0", "--on-time"]).is_ok());
		assert!(parse(&["--suri", "//Dave", "0", "--late", "2h", "--damage-percent", "5"]).is_ok());
		assert!(parse(&["--suri", "//Dave", "0"]).is_err(), "no when");
		assert!(parse(&["--suri", "//Dave", "0", "--on-time", "--lost"]).is_err(), "two whens");
		assert!(parse(&["--suri", "//Dave", "--keystore-file", "k", "0", "--lost"]).is_err());
	}

	#[test]
	fn amounts_and_durations_are_checked_while_parsing() {
		let parse =
			|args: &[&str]| Cli::try_parse_from([&["surety", "create-order"], args].concat());
		let ok = ["--suri", "//Alice", "--value", "1000", "--payment", "10", "--deliver-in", "1h"];
		assert!(parse(&ok).is_ok());
		let mut bad = ok;
		bad[3] = "-5";
		assert!(parse(&bad).is_err(), "a negative value");
		let mut bad = ok;
		bad[7] = "soon";
		assert!(parse(&bad).is_err(), "a duration without a unit");
	}

	#[test]
	fn stages_are_described_with_what_is_left() {
		let view = serde_json::json!({ "status": { "stage": "disputeWindow", "windowEnds": 30,
			"outcome": { "lost": null } } });
		assert_eq!(
			describe(25, &view),
			"block #25: disputeWindow, proposed {\"lost\":null} until block #30 (5 blocks left)"
		);
		let ended = serde_json::json!({ "status": { "stage": "ended", "end": "deliveredOnTime",
			"paidToCarrier": "10000000000000", "refunded": "0", "slashScheduled": "0" } });
		assert_eq!(
			describe(40, &ended),
			"block #40: ended: deliveredOnTime, paid to carrier 10 SURE, refunded 0 SURE, slash \
			 scheduled 0 SURE"
		);
	}
}
