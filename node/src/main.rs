//! The Surety node.

#![warn(missing_docs)]

mod benchmarking;
mod block_times;
mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;
mod surety_rpc;

fn main() -> sc_cli::Result<()> {
	command::run()
}
