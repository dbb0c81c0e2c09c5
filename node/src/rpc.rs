//! The node's RPC methods beyond the standard set: account nonces, fee estimates, BABE epoch
//! authorship and the protocol's `surety_*` methods.

use std::sync::Arc;

use jsonrpsee::RpcModule;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use surety_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Nonce};

/// What the BABE RPC needs.
pub struct BabeDeps {
	/// Handle to the BABE worker, for epoch data. The worker runs while a handle exists.
	pub worker_handle: sc_consensus_babe::BabeWorkerHandle<Block>,
	/// The node's keystore, to tell which slots its keys can author.
	pub keystore: sp_keystore::KeystorePtr,
}

/// What the RPC extensions need.
pub struct FullDeps<C, P, SC> {
	/// The client.
	pub client: Arc<C>,
	/// The transaction pool.
	pub pool: Arc<P>,
	/// The chain selection rule.
	pub select_chain: SC,
	/// BABE.
	pub babe: BabeDeps,
}

/// The RPC extensions of a full node: account nonces, fee estimates and
/// `babe_epochAuthorship` (which slots of the epoch this node's keys may author).
pub fn create_full<C, P, SC>(
	deps: FullDeps<C, P, SC>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: BlockBuilder<Block>,
	C::Api: sp_consensus_babe::BabeApi<Block>,
	C::Api: surety_primitives::api::SuretyApi<Block, AccountId, Balance, BlockNumber>,
	P: TransactionPool + 'static,
	SC: sp_consensus::SelectChain<Block> + 'static,
{
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use sc_consensus_babe_rpc::{Babe, BabeApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	let FullDeps { client, pool, select_chain, babe } = deps;

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(crate::surety_rpc::module(client.clone())?)?;
	module.merge(Babe::new(client, babe.worker_handle, babe.keystore, select_chain).into_rpc())?;
	Ok(module)
}
