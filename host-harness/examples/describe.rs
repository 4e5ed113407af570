//! Prints the component's `describe()` manifest exactly as the component returns it: what
//! `cargo xtask dist` writes to `dist/describe.json`.
//!
//! `cargo run -p host-harness --example describe -- [COMPONENT]` (default
//! `target/qualys-connector.wasm`).

use std::io::Write;

use host_harness::Connector;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let component = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/qualys-connector.wasm".to_owned());
    let manifest = Connector::load(component)?.describe().await?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(manifest.as_bytes())?;
    stdout.flush()?;
    Ok(())
}
