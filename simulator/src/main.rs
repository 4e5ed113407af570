//! `qualys-simulator`: the Qualys simulator as a process of its own.
//!
//! For hosts that are not this harness (the stock wasmtime CLI, Node through jco) and for tests
//! that must not share a process with the simulator (jco's `wasi:http` blocks the JavaScript
//! thread while it waits for an answer):
//!
//! ```sh
//! cargo run -p qualys-simulator --bin qualys-simulator -- --port 8080
//! ```
//!
//! It prints its origin (`http://127.0.0.1:PORT`) on one line on stdout, then serves until its
//! standard input closes or it is killed. When standard input is a terminal it serves until
//! killed (Ctrl-C), so that it can also run in the background of an interactive shell.
//!
//! The data comes from [`SimulatorConfig::default`] with the seed and the number of agents
//! given on the command line; the accounts are the fixed ones of
//! [`qualys_simulator::accounts`] (e.g. `acme_mg1` / `Mg1-Simulated-2026`).
//!
//! `--replay PATH_FRAGMENT=STATUS:FILE` (repeatable) serves a recorded answer: every request
//! whose path contains `PATH_FRAGMENT` gets HTTP `STATUS` and the bytes of `FILE`, unchanged,
//! instead of the simulated answer (`Simulator::replay`, for ever). The first `--replay` whose
//! fragment matches wins. The `Content-Type` follows the file's extension: `.xml`
//! `text/xml; charset=UTF-8`, `.html`/`.htm` `text/html; charset=UTF-8`, `.txt`
//! `text/plain; charset=UTF-8`, anything else none. For example:
//!
//! ```sh
//! qualys-simulator --replay about.php=200:recorded/about.xml \
//!                  --replay search/am/hostasset=409:recorded/limit.txt
//! ```

#![deny(missing_docs)]

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

use qualys_simulator::{CannedAnswer, Simulator, SimulatorConfig};

/// The command line (parsed by hand: four flags do not need an argument parser).
#[derive(Debug, PartialEq, Eq)]
struct Args {
    /// Serve a recorded answer, byte for byte, to every request whose path contains
    /// PATH_FRAGMENT (repeatable; the first match wins).
    replay: Vec<ReplaySpec>,
    /// Number of Cloud Agent assets to generate.
    agents: usize,
    /// Seed of every generated asset and user: same seed, same data.
    seed: u64,
    /// Port on 127.0.0.1 to listen on; 0 picks a free one.
    port: u16,
}

/// What `--help` prints.
fn usage() -> String {
    let defaults = SimulatorConfig::default();
    format!(
        "Starts the Qualys simulator on loopback and prints its origin.

Usage: qualys-simulator [OPTIONS]

Options:
      --replay <PATH_FRAGMENT=STATUS:FILE>
          Serve a recorded answer, byte for byte, to every request whose path contains
          PATH_FRAGMENT: HTTP STATUS and the bytes of FILE (repeatable; the first match wins).
          Content-Type from the extension: .xml text/xml, .html/.htm text/html, .txt
          text/plain, otherwise none. Example: --replay about.php=200:recorded/about.xml
      --agents <AGENTS>  Number of Cloud Agent assets to generate [default: {}]
      --seed <SEED>      Seed of every generated asset and user: same seed, same data [default: {}]
      --port <PORT>      Port on 127.0.0.1 to listen on; 0 picks a free one [default: 0]
  -h, --help             Print help
  -V, --version          Print version
",
        defaults.agents, defaults.seed
    )
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Invocation {
    /// Serve with these arguments.
    Serve(Args),
    /// Print this text on stdout and exit successfully (`--help`, `--version`).
    Print(String),
}

impl Args {
    /// Parses the arguments after the program name (`--flag value` or `--flag=value`).
    fn parse_from(arguments: impl IntoIterator<Item = String>) -> Result<Invocation, String> {
        let defaults = SimulatorConfig::default();
        let mut args = Args {
            replay: Vec::new(),
            agents: defaults.agents,
            seed: defaults.seed,
            port: 0,
        };
        let mut arguments = arguments.into_iter();
        while let Some(argument) = arguments.next() {
            let (flag, inline) = match argument.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value)),
                _ => (argument.clone(), None),
            };
            match flag.as_str() {
                "-h" | "--help" => return Ok(Invocation::Print(usage())),
                "-V" | "--version" => {
                    return Ok(Invocation::Print(format!(
                        "qualys-simulator {}\n",
                        env!("CARGO_PKG_VERSION")
                    )));
                }
                "--replay" | "--agents" | "--seed" | "--port" => {}
                _ => return Err(format!("unexpected argument `{argument}`\n\n{}", usage())),
            }
            let value = match inline {
                Some(value) => value.to_owned(),
                None => arguments
                    .next()
                    .ok_or_else(|| format!("a value is required for `{flag}`"))?,
            };
            let number_error = |error: std::num::ParseIntError| {
                format!("invalid value `{value}` for `{flag}`: {error}")
            };
            match flag.as_str() {
                "--replay" => args.replay.push(
                    value
                        .parse()
                        .map_err(|error| format!("invalid value for `--replay`: {error}"))?,
                ),
                "--agents" => args.agents = value.parse().map_err(number_error)?,
                "--seed" => args.seed = value.parse().map_err(number_error)?,
                _ => args.port = value.parse().map_err(number_error)?,
            }
        }
        Ok(Invocation::Serve(args))
    }
}

fn main() -> ExitCode {
    let args = match Args::parse_from(std::env::args().skip(1)) {
        Ok(Invocation::Serve(args)) => args,
        Ok(Invocation::Print(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("qualys-simulator: {error}");
            return ExitCode::from(2);
        }
    };
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
    let answers = args
        .replay
        .iter()
        .map(|spec| {
            spec.answer()
                .map(|answer| (spec.path_fragment.as_str(), answer))
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    let simulator = Simulator::start_blocking_on(config, args.port)?;
    for (path_fragment, answer) in answers {
        simulator.replay(path_fragment, answer, usize::MAX);
    }
    announce(&simulator.origin())?;
    wait_for_the_end()?;
    drop(simulator);
    Ok(())
}

/// One `--replay PATH_FRAGMENT=STATUS:FILE`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ReplaySpec {
    /// Requests whose path contains this get the answer.
    path_fragment: String,
    /// The HTTP status.
    status: u16,
    /// The body, served unchanged.
    file: PathBuf,
}

impl FromStr for ReplaySpec {
    type Err = String;

    fn from_str(text: &str) -> Result<ReplaySpec, String> {
        let usage = || format!("expected PATH_FRAGMENT=STATUS:FILE, got `{text}`");
        let (path_fragment, rest) = text.split_once('=').ok_or_else(usage)?;
        let (status, file) = rest.split_once(':').ok_or_else(usage)?;
        let status: u16 = status
            .parse()
            .ok()
            .filter(|status| (100..=999).contains(status))
            .ok_or_else(|| format!("`{status}` is not an HTTP status (in `{text}`)"))?;
        if path_fragment.is_empty() || file.is_empty() {
            return Err(usage());
        }
        Ok(ReplaySpec {
            path_fragment: path_fragment.to_owned(),
            status,
            file: PathBuf::from(file),
        })
    }
}

impl ReplaySpec {
    /// Reads the file into the answer to serve.
    fn answer(&self) -> std::io::Result<CannedAnswer> {
        let body = std::fs::read(&self.file).map_err(|error| {
            std::io::Error::new(
                error.kind(),
                format!("--replay {}: {error}", self.file.display()),
            )
        })?;
        let answer = CannedAnswer::new(self.status, body);
        Ok(match content_type_of(&self.file) {
            Some(content_type) => answer.with_header("Content-Type", content_type),
            None => answer,
        })
    }
}

/// The `Content-Type` a replayed file is served with, from its extension.
fn content_type_of(file: &Path) -> Option<&'static str> {
    let extension = file.extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "xml" => Some("text/xml; charset=UTF-8"),
        "html" | "htm" => Some("text/html; charset=UTF-8"),
        "txt" => Some("text/plain; charset=UTF-8"),
        _ => None,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_spec_splits_fragment_status_and_file() {
        let spec: ReplaySpec = "about.php=200:C:/recorded/about.xml"
            .parse()
            .expect("valid");
        assert_eq!(spec.path_fragment, "about.php");
        assert_eq!(spec.status, 200);
        assert_eq!(spec.file, PathBuf::from("C:/recorded/about.xml"));
    }

    #[test]
    fn replay_spec_rejects_missing_parts_and_bad_statuses() {
        for bad in [
            "about.php",
            "about.php=200",
            "=200:x.xml",
            "about.php=200:",
            "about.php=abc:x.xml",
            "about.php=42:x.xml",
        ] {
            assert!(bad.parse::<ReplaySpec>().is_err(), "{bad}");
        }
    }

    fn parse(arguments: &[&str]) -> Result<Invocation, String> {
        Args::parse_from(arguments.iter().map(|argument| (*argument).to_owned()))
    }

    #[test]
    fn flags_take_their_value_after_a_space_or_an_equals_sign() {
        let Ok(Invocation::Serve(args)) = parse(&[
            "--seed",
            "11",
            "--agents=5",
            "--port",
            "8080",
            "--replay",
            "about.php=200:a.xml",
            "--replay=x=500:b.txt",
        ]) else {
            panic!("valid arguments");
        };
        assert_eq!((args.seed, args.agents, args.port), (11, 5, 8080));
        assert_eq!(args.replay.len(), 2);
        assert_eq!(args.replay[1].path_fragment, "x");
        let Ok(Invocation::Serve(defaults)) = parse(&[]) else {
            panic!("no arguments is valid");
        };
        assert_eq!(defaults.agents, SimulatorConfig::default().agents);
        assert_eq!(defaults.port, 0);
    }

    #[test]
    fn unknown_flags_missing_values_and_bad_numbers_are_refused() {
        for bad in [
            &["--nope"][..],
            &["--seed"],
            &["--port", "70000"],
            &["--agents", "-1"],
            &["--replay", "about.php"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(parse(&["--help"]), Ok(Invocation::Print(_))));
    }

    #[test]
    fn replayed_content_type_follows_the_extension() {
        assert_eq!(
            content_type_of(Path::new("a/about.XML")),
            Some("text/xml; charset=UTF-8")
        );
        assert_eq!(
            content_type_of(Path::new("page.htm")),
            Some("text/html; charset=UTF-8")
        );
        assert_eq!(content_type_of(Path::new("body.bin")), None);
        assert_eq!(content_type_of(Path::new("noextension")), None);
    }
}
