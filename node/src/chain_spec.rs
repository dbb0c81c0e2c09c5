//! Chain specifications: `dev` and `local` are built from the runtime's genesis presets.

use sc_service::ChainType;
use surety_runtime::WASM_BINARY;

/// Surety's chain spec type: no extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| "The wasm runtime was not built (SKIP_WASM_BUILD set?)".to_string())
}

/// What wallets show: token symbol, decimals and address format.
fn properties() -> sc_service::Properties {
	use surety_runtime::currency::{SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL};
	let mut properties = sc_service::Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), SS58_PREFIX.into());
	properties
}

/// `--chain dev`: Alice alone validates.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Surety Development")
		.with_id("surety_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// `--chain local`: Alice, Bob, Charlie and Dave validate.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Surety Local Testnet")
		.with_id("surety_local")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_runtime::BuildStorage as _;

	fn genesis_json(spec: &ChainSpec) -> serde_json::Value {
		serde_json::from_str(&spec.as_json(false).expect("spec serializes")).expect("valid json")
	}

	#[test]
	fn local_spec_carries_four_validators_and_token_properties() {
		let spec = local_chain_spec().unwrap();
		assert_eq!(spec.id(), "surety_local");
		assert_eq!(spec.properties()["tokenSymbol"], "SURE");
		assert_eq!(spec.properties()["tokenDecimals"], 12);
		// The runtime's `local_testnet` preset, expanded into the spec's genesis patch.
		let json = genesis_json(&spec);
		let patch = &json["genesis"]["runtimeGenesis"]["patch"];
		assert_eq!(patch["staking"]["validatorCount"], 4);
		assert_eq!(patch["staking"]["stakers"].as_array().map(Vec::len), Some(4));
		assert_eq!(patch["session"]["keys"].as_array().map(Vec::len), Some(4));
	}

	#[test]
	fn dev_and_local_specs_build_a_genesis_state() {
		for spec in [development_chain_spec().unwrap(), local_chain_spec().unwrap()] {
			let storage = spec.build_storage().expect("preset genesis builds");
			assert!(!storage.top.is_empty());
		}
	}
}
