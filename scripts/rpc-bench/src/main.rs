//! `surety-rpc-bench`: requests per second and latency of JSON-RPC methods on a node (issue 8,
//! item 4), each method in turn for the same time with the same connections, so their figures
//! stand side by side.
//!
//!     surety-rpc-bench 127.0.0.1:9944 SECONDS CONNECTIONS METHOD PARAMS [METHOD PARAMS ...]
//!
//! PARAMS is the JSON array of positional parameters. Each connection is a thread sending one
//! HTTP/1.1 keep-alive request at a time and waiting for its answer (closed loop), so the rate
//! is what the node serves, not what the tool offers. One line per method on stdout:
//! `rpc <method> <requests> <errors> <seconds> <p50 µs> <p99 µs>`. Plain std networking: the tool
//! is to cost the node's core nothing and itself as little as possible.

use std::{
	io::{BufRead, BufReader, Read, Write},
	net::TcpStream,
	process::ExitCode,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc,
	},
	thread,
	time::{Duration, Instant},
};

/// A request's answer counted as an error: not HTTP 200, or a JSON-RPC error object.
#[derive(Default)]
struct Tally {
	latencies_us: Vec<u32>,
	errors: u64,
}

fn request(address: &str, method: &str, params: &str) -> String {
	let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{params}}}"#);
	format!(
		"POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
		 Content-Length: {}\r\n\r\n{body}",
		body.len()
	)
}

/// Reads one HTTP response; returns whether it was a success (200 and no JSON-RPC error).
fn read_response(reader: &mut BufReader<TcpStream>, body: &mut Vec<u8>) -> std::io::Result<bool> {
	let mut line = String::new();
	reader.read_line(&mut line)?;
	let ok_status = line.split_whitespace().nth(1) == Some("200");
	let mut length = None;
	loop {
		line.clear();
		if reader.read_line(&mut line)? == 0 {
			return Err(std::io::ErrorKind::UnexpectedEof.into());
		}
		let header = line.trim_end();
		if header.is_empty() {
			break;
		}
		if let Some((name, value)) = header.split_once(':') {
			if name.eq_ignore_ascii_case("content-length") {
				length = value.trim().parse::<usize>().ok();
			}
		}
	}
	let length = length.ok_or(std::io::Error::other("a response without Content-Length"))?;
	body.resize(length, 0);
	reader.read_exact(body)?;
	let error = body.windows(8).any(|w| w == b"\"error\":");
	Ok(ok_status && !error)
}

fn run_connection(address: &str, payload: &[u8], stop: &AtomicBool) -> std::io::Result<Tally> {
	let stream = TcpStream::connect(address)?;
	stream.set_nodelay(true)?;
	let mut writer = stream.try_clone()?;
	let mut reader = BufReader::new(stream);
	let mut body = Vec::new();
	let mut tally = Tally::default();
	while !stop.load(Ordering::Relaxed) {
		let sent = Instant::now();
		writer.write_all(payload)?;
		let ok = read_response(&mut reader, &mut body)?;
		tally.latencies_us.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
		if !ok {
			tally.errors += 1;
		}
	}
	Ok(tally)
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
	if sorted.is_empty() {
		return 0;
	}
	let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
	sorted[rank - 1]
}

fn bench(address: &str, seconds: u64, connections: usize, method: &str, params: &str) -> Tally {
	let payload = Arc::new(request(address, method, params).into_bytes());
	let stop = Arc::new(AtomicBool::new(false));
	let started = Instant::now();
	let threads: Vec<_> = (0..connections)
		.map(|_| {
			let (address, payload, stop) = (address.to_string(), payload.clone(), stop.clone());
			thread::spawn(move || run_connection(&address, &payload, &stop))
		})
		.collect();
	thread::sleep(Duration::from_secs(seconds).saturating_sub(started.elapsed()));
	stop.store(true, Ordering::Relaxed);
	let mut all = Tally::default();
	for handle in threads {
		match handle.join() {
			Ok(Ok(tally)) => {
				all.latencies_us.extend(tally.latencies_us);
				all.errors += tally.errors;
			}
			Ok(Err(e)) => {
				eprintln!("{method}: a connection failed: {e}");
				all.errors += 1;
			}
			Err(_) => all.errors += 1,
		}
	}
	all
}

fn main() -> ExitCode {
	let args: Vec<String> = std::env::args().skip(1).collect();
	let usage =
		"usage: surety-rpc-bench HOST:PORT SECONDS CONNECTIONS METHOD PARAMS [METHOD PARAMS ...]";
	if args.len() < 5 || (args.len() - 3) % 2 != 0 {
		eprintln!("{usage}");
		return ExitCode::from(2);
	}
	let (Ok(seconds), Ok(connections)) = (args[1].parse::<u64>(), args[2].parse::<usize>()) else {
		eprintln!("{usage}");
		return ExitCode::from(2);
	};
	let mut failed = false;
	for pair in args[3..].chunks(2) {
		let (method, params) = (&pair[0], &pair[1]);
		// A short warm-up on the same connections count: caches and the runtime instance.
		bench(&args[0], 1, connections, method, params);
		let started = Instant::now();
		let mut tally = bench(&args[0], seconds, connections, method, params);
		let elapsed = started.elapsed().as_secs_f64();
		tally.latencies_us.sort_unstable();
		println!(
			"rpc {method} {} {} {elapsed:.3} {} {}",
			tally.latencies_us.len(),
			tally.errors,
			percentile(&tally.latencies_us, 0.50),
			percentile(&tally.latencies_us, 0.99)
		);
		failed |= tally.errors > 0 || tally.latencies_us.is_empty();
	}
	if failed {
		eprintln!("some requests failed: the figures above are not comparable");
		return ExitCode::FAILURE;
	}
	ExitCode::SUCCESS
}
