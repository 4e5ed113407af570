//! `qualys-simulator`: the Qualys simulator as a process of its own.
//!
//! For hosts that are not this harness (the stock wasmtime CLI, Node through jco) and for tests
//! that must not share a process with the simulator (jco's `wasi:http` blocks the JavaScript
//! thread while it waits for an answer):
//!
//! ```sh
//! cargo run -p host-harness --bin qualys-simulator -- --port 8080
//! ```
//!
//! It prints its origin (`http://127.0.0.1:PORT`) on one line on stdout, then serves until its
//! standard input closes or it is killed. When standard input is a terminal it serves until
//! killed (Ctrl-C), so that it can also run in the background of an interactive shell.
//!
//! The data comes from [`SimulatorConfig::default`] with the seed and the number of agents
//! given on the command line; the accounts are the fixed ones of
//! [`host_harness::simulator::accounts`] (e.g. `acme_mg1` / `Mg1-Simulated-2026`).

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use clap::Parser;
use host_harness::simulator::{Simulator, SimulatorConfig};

/// Starts the Qualys simulator on loopback and prints its origin.
#[derive(Debug, Parser)]
#[command(name = "qualys-simulator", version, about)]
struct Args {
    /// Number of Cloud Agent assets to generate.
    #[arg(long, default_value_t = SimulatorConfig::default().agents)]
    agents: usize,
    /// Seed of every generated asset and user: same seed, same data.
    #[arg(long, default_value_t = SimulatorConfig::default().seed)]
    seed: u64,
    /// Port on 127.0.0.1 to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("qualys-simulator: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Starts the simulator, announces its origin, and serves until it is time to stop.
fn serve(args: &Args) -> std::io::Result<()> {
    let config = SimulatorConfig {
        seed: args.seed,
        agents: args.agents,
        ..SimulatorConfig::default()
    };
    let simulator = Simulator::start_blocking_on(config, args.port)?;
    announce(&simulator.origin())?;
    wait_for_the_end()?;
    drop(simulator);
    Ok(())
}

/// Prints the origin on its own line and flushes, so that a parent reading one line gets it.
fn announce(origin: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{origin}")?;
    stdout.flush()
}

/// Returns when standard input closes; never returns when it is a terminal (until killed).
fn wait_for_the_end() -> std::io::Result<()> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        loop {
            std::thread::park();
        }
    }
    let mut sink = [0u8; 1024];
    let mut stdin = stdin.lock();
    while stdin.read(&mut sink)? > 0 {}
    Ok(())
}
