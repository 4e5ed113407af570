//! Integration tests: the built component, loaded by the host harness, against the simulator.
//!
//! Run through `cargo xtask test`, which builds `target/qualys-connector.wasm` first and passes
//! its path in `QUALYS_CONNECTOR_WASM`. Each test starts its own simulator on an ephemeral
//! loopback port and routes every Qualys platform host there, so the component resolves
//! platforms exactly as it does against the real Qualys.

mod activate_user;
mod hosts;
mod launch_scan;
mod limits;
mod load;
mod openapi;
mod pooling;
mod real_answers;
mod resilience;
mod search_agents;
mod served;
mod served_schema;
mod support;
mod test_connection;
mod user_lifecycle;
