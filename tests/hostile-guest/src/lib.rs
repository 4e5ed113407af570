//! # hostile-guest: a deliberately misbehaving test fixture (never shipped)
//!
//! This is **not** a connector. It exports the same `connector` world as qualys-connector
//! (`wit/connector.wit`), but each export misbehaves in exactly one way, so that the
//! integration tests in `tests/component/limits.rs` can prove the host harness ends a
//! misbehaving guest cleanly and stays usable afterwards:
//!
//! | export | misbehaviour | the harness must answer |
//! |---|---|---|
//! | `test-connection` | spins on the CPU forever, never calling the host | `DeadlineExceeded` (epoch interruption) |
//! | `search-agents` | allocates and touches 1 MiB chunks until memory runs out | `MemoryLimit` |
//! | `activate-user` | sends `GET https://evil.example.com/`, returns what came back as the error message | the request refused by the allow-list |
//! | `launch-scan` | blocks forever in a host call (a monotonic-clock pollable a day away) | `DeadlineExceeded` (timer) |
//! | `describe` | panics (with `panic = "abort"`: a trap) | `Trap` |
//!
//! One escape hatch: `test-connection` with the username [`CALM_USERNAME`] answers a fixed
//! report at once, so a test can show that the very connector that just ran a hostile call
//! still serves a normal one.
//!
//! `cargo xtask test` builds it to `target/hostile-guest.wasm` (passed to the tests as
//! `HOSTILE_GUEST_WASM`). Only the wasm32 build has content; natively the crate is empty.

/// The username that makes `test-connection` answer normally instead of spinning.
pub const CALM_USERNAME: &str = "calm";

#[cfg(target_arch = "wasm32")]
mod hostile {
    use std::hint::black_box;

    use waki::bindings::wasi::clocks::monotonic_clock;

    use super::CALM_USERNAME;
    use exports::qualys::connector::actions::{
        AgentPage, AgentQuery, ConnectionReport, Guest, ScanLaunch, ScanRequest, UserResult,
        UserStatusChange,
    };
    use exports::qualys::connector::types::{Connection, Error, ErrorKind};

    wit_bindgen::generate!({
        path: "../../wit",
        world: "connector",
        generate_all,
    });

    /// The host no allow-list should contain.
    const EVIL_URL: &str = "https://evil.example.com/";

    /// How much memory each step of the hog takes.
    const CHUNK_BYTES: usize = 1024 * 1024;

    /// How long `launch-scan` waits in the host: a day, in nanoseconds.
    const A_DAY_NANOS: u64 = 24 * 60 * 60 * 1_000_000_000;

    struct Hostile;

    impl Guest for Hostile {
        /// Spins forever without a host call (unless the username is [`CALM_USERNAME`]).
        fn test_connection(conn: Connection) -> Result<ConnectionReport, Error> {
            if conn.username == CALM_USERNAME {
                return Ok(calm_report());
            }
            let mut turns: u64 = 0;
            loop {
                turns = black_box(turns.wrapping_add(1));
            }
        }

        /// Allocates and touches memory until the host stops it.
        fn search_agents(_conn: Connection, _query: AgentQuery) -> Result<AgentPage, Error> {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                let mut chunk = vec![0u8; CHUNK_BYTES];
                for page in chunk.iter_mut().step_by(4096) {
                    *page = 1;
                }
                hoard.push(black_box(chunk));
            }
        }

        /// Tries to reach a host outside any allow-list; reports what happened as the error.
        fn activate_user(_conn: Connection, _login: String) -> Result<UserStatusChange, Error> {
            let message = match waki::Client::new().get(EVIL_URL).send() {
                Ok(response) => format!("reached {EVIL_URL}: HTTP {}", response.status_code()),
                Err(error) => format!("{EVIL_URL} not reached: {error:#}"),
            };
            Err(Error {
                kind: ErrorKind::Transport,
                message,
                http_status: None,
                qualys_code: None,
                retry_after_secs: None,
                hint: None,
            })
        }

        /// Refused: the hostile fixture has no users to change.
        fn deactivate_user(_conn: Connection, login: String) -> Result<UserStatusChange, Error> {
            Err(refused(&login))
        }

        /// Refused, for the whole batch.
        fn activate_users(
            _conn: Connection,
            _logins: Vec<String>,
        ) -> Result<Vec<UserResult>, Error> {
            Err(refused("every login"))
        }

        /// Refused, for the whole batch.
        fn deactivate_users(
            _conn: Connection,
            _logins: Vec<String>,
        ) -> Result<Vec<UserResult>, Error> {
            Err(refused("every login"))
        }

        /// Blocks in the host on a clock a day away.
        fn launch_scan(_conn: Connection, _request: ScanRequest) -> Result<ScanLaunch, Error> {
            loop {
                monotonic_clock::subscribe_duration(A_DAY_NANOS).block();
            }
        }

        /// Panics: with `panic = "abort"` the guest traps.
        fn describe() -> String {
            panic!("hostile-guest: describe panics on purpose");
        }
    }

    /// The error of the user actions this fixture does not act out.
    fn refused(what: &str) -> Error {
        Error {
            kind: ErrorKind::InvalidInput,
            message: format!("hostile-guest changes no user: {what}"),
            http_status: None,
            qualys_code: None,
            retry_after_secs: None,
            hint: None,
        }
    }

    fn calm_report() -> ConnectionReport {
        ConnectionReport {
            api_server: "https://calm.invalid".to_owned(),
            platform: None,
            api_version: None,
            web_version: None,
            rate_limit: None,
            capabilities: Vec::new(),
        }
    }

    export!(Hostile);
}
