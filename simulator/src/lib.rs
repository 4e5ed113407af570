//! A faithful, stateful fake of the Qualys API, served over real loopback HTTP/1.1.
//!
//! Tests and the demo start a [`Simulator`] in-process; it listens on `127.0.0.1` on an ephemeral
//! port and answers the handful of Qualys endpoints the connector uses, shaped the way Qualys
//! shapes them: an XML declaration, a `<!DOCTYPE …>` line on `/msp/` answers, a trailing
//! `<!-- … -->` comment after the root element, errors hidden inside HTTP 200 answers, lists of one
//! rendered as a single element, messages padded with line breaks and spaces. Where a public
//! recording of a real answer exists the simulator copies it (cited below); a recorded answer
//! can also be replayed as is ([`Fault::Verbatim`], [`Simulator::replay`]). Everything is derived from a seed, so two simulators built from
//! the same [`SimulatorConfig`] hold the same assets and users.
//!
//! # A first session
//!
//! ```no_run
//! use qualys_simulator::{accounts, Simulator, SimulatorConfig};
//!
//! # async fn demo() -> std::io::Result<()> {
//! let sim = Simulator::start(SimulatorConfig::default()).await?;
//! // Route qualysapi.qualys.com:443 to this origin in the host, keeping the Host header.
//! println!("Qualys simulator on {}", sim.origin());
//! // … run the component with accounts::MANAGER.login / accounts::MANAGER_PASSWORD …
//! for request in sim.requests() {
//!     println!("{} {}", request.method, request.path);
//! }
//! # Ok(()) }
//! ```
//!
//! Ground truth for assertions comes from the simulator itself, never from the code under test:
//! [`Simulator::dataset`] is the immutable list of generated assets, [`Simulator::users`] the user
//! directory as it is now (activations show up), [`Simulator::launched_scans`] every scan Qualys
//! accepted, and [`Simulator::requests`] every request received, in order.
//!
//! # How a request is answered
//!
//! Every request goes through the same steps, in this order:
//!
//! 1. **record**: the request (method, path, query, lower-cased headers, body) is appended to the
//!    log, whatever happens next;
//! 2. **fault**: the first injected [`FaultRule`] that matches the path is consumed and may replace
//!    the answer, delay it, cut it or stall it (see [`Fault`]);
//! 3. **authenticate**: HTTP Basic against the fixed [`accounts`]; failures take Qualys's two
//!    shapes (below);
//! 4. **limits** (`/msp/` only): per-account rate and concurrency limits (see
//!    [`RateLimitConfig`]);
//! 5. **endpoint**: the answer itself.
//!
//! An unknown path answers 404 with an HTML page before authentication; a known path with the
//! wrong method answers 405 with an HTML page and an `Allow` header.
//!
//! # Endpoints and shapes
//!
//! | endpoint | answer |
//! |---|---|
//! | `GET\|POST /msp/about.php` | `ABOUT` (`<API-VERSION MAJOR="2" MINOR="0"/>`, WEB-VERSION, SCANNER-VERSION, VULNSIGS-VERSION) |
//! | `GET\|POST /msp/user_list.php` | `USER_LIST_OUTPUT/USER_LIST/USER*`, paged by 1000 (see below) |
//! | `GET\|POST /msp/user.php` | `USER_OUTPUT/RETURN@status` SUCCESS or FAILED, always HTTP 200 |
//! | `GET /qps/rest/portal/version` | `ServiceResponse/data/Portal-Version` |
//! | `POST /qps/rest/2.0/count/am/hostasset` | `ServiceResponse/count` |
//! | `POST /qps/rest/2.0/search/am/hostasset` | `ServiceResponse/{count,hasMoreRecords,lastId,data/HostAsset*}` |
//! | `POST /qps/rest/1.0/ods/ca/agentasset[/<id>]` | `ServiceResponse/data/SingleModuleResponse/{assetIds,count}` (or less, see [`ScanIdsShape`]) |
//!
//! `/msp/` answers are indented, carry a DOCTYPE and `Content-Type: text/xml; charset=UTF-8`;
//! `/qps/` answers are compact, have no DOCTYPE and `Content-Type: application/xml`. XML
//! answers end with the confidentiality comment after the root element, except
//! `GENERIC_RETURN`, which is written exactly as recorded (declaration `<?xml version="1.0"
//! encoding="UTF-8" ?>`, `<API … />`, no comment). Text in `CONTACT_INFO` and `EXTERNAL_ID` of
//! user lists is written as CDATA, as Qualys does.
//!
//! `about.php` gives the API version as attributes of `API-VERSION`, never as child elements:
//! the real answer quoted in the paragbaxi/qualysapi README is `<API-VERSION MAJOR="1"
//! MINOR="4" />`.
//!
//! The text of `SIMPLE_RETURN/RESPONSE/TEXT` and of `GENERIC_RETURN/RETURN` stands on a line of
//! its own, indented (`<TEXT>\n        …\n    </TEXT>`), as in the recorded `GENERIC_RETURN`:
//! readers must trim.
//!
//! ## Authentication failures
//!
//! * `/msp/*`, missing or wrong credentials: HTTP 401, `Content-Type: text/plain`, body
//!   `Bad Login/Password`.
//! * `/qps/*`, missing or wrong credentials: HTTP 200, `ServiceResponse` with `responseCode`
//!   `INVALID_CREDENTIALS` and `responseErrorDetails/{errorMessage,errorResolution}`.
//! * [`accounts::EXPIRED`] (2001), [`accounts::REGISTRATION_INCOMPLETE`] (2003) and
//!   [`accounts::IP_NOT_ALLOWED`] (2007, login refused for the caller's IP address), always
//!   HTTP 200:
//!   * on `/msp/` paths, `GENERIC_RETURN` with `API name="<file name>" username="<login>"` and
//!     `RETURN status="FAILED" number="N"` holding the padded text: the recorded answer of an
//!     expired account (keydra tests) is
//!     `<RETURN status="FAILED" number="2001">\n      Account Expired\n  </RETURN>`.
//!     [`Simulator::set_msp_failure_family`]`(`[`FailureFamily::SimpleReturn`]`)` switches
//!     `/msp/` to the `SIMPLE_RETURN` below;
//!   * on `/qps/` paths (and, on real Qualys, `/api/2.0/fo/`, which the simulator does not
//!     serve), `SIMPLE_RETURN` with `CODE` N.
//!
//!   Only the 2001 `GENERIC_RETURN` text is recorded; the 2003 and 2007 texts and every
//!   `SIMPLE_RETURN` text are unverified wordings (see [`accounts`]).
//! * [`accounts::NO_API_ACCESS`] on `/qps/*`: HTTP 200 `responseCode` `UNAUTHORIZED`; `/msp/`
//!   works for it.
//! * A fixed account that a test deactivated through `user.php` can no longer log in: it gets
//!   the bad-credentials shapes above.
//!
//! ## Rate and concurrency limits
//!
//! Every authenticated `/msp/` answer carries `X-RateLimit-Limit`, `X-RateLimit-Window-Sec`,
//! `X-RateLimit-Remaining`, `X-RateLimit-ToWait-Sec`, `X-Concurrency-Limit-Limit` and
//! `X-Concurrency-Limit-Running`. By default the headers describe the standard subscription
//! (300 calls per 3600 s, 2 concurrent) and `Remaining` counts down per account, **but nothing is
//! enforced**, so tests that make many calls never trip over it. [`Simulator::set_rate_limit`]
//! turns enforcement on for one account: when its calls in the window are used up it answers
//! HTTP 409 `SIMPLE_RETURN` CODE 1965 ("This API cannot be run again for another N seconds") with
//! `X-RateLimit-ToWait-Sec: N`, N being what is left of the window (the window starts when the
//! limit is set and restarts once it has elapsed); when more `/msp/` calls of that account are in
//! flight than its concurrency limit it answers 409 CODE 1960 (`X-RateLimit-ToWait-Sec: 0`).
//! `/qps/` answers carry no rate-limit headers and are never limited. The other shapes a 409 can
//! take (code 1920, `GENERIC_RETURN`, `USER_OUTPUT`, an empty, HTML or text body, with or
//! without `X-RateLimit-ToWait-Sec`) come from [`Fault::Limit409`].
//!
//! ## Host assets (search and count)
//!
//! Criteria are AND-ed. Supported fields and operators:
//!
//! * text, case-sensitive, `EQUALS`, `NOT EQUALS`, `CONTAINS`: `name`, `os`, `dnsHostName`,
//!   `address`, `fqdn`, `netbiosName`, `trackingMethod`, `agentVersion`,
//!   `agentConfigurationName`, `activationKey` (the activation id), `tagName` (matches when any
//!   tag matches; `NOT EQUALS` when no tag equals). An asset without the field never matches
//!   `EQUALS`/`CONTAINS` and always matches `NOT EQUALS`.
//! * integer, `EQUALS`, `NOT EQUALS`, `GREATER`, `LESSER`, `IN` (comma-separated): `id`, `tagId`.
//! * date, `EQUALS`, `GREATER`, `LESSER` (strict, on the instant): `lastCheckedIn`, written
//!   `YYYY-MM-DDTHH:MM:SSZ` (a fraction of a second before the `Z` is accepted too). Assets
//!   without an agent never match.
//!
//! Anything else (unknown field, operator, a value that does not parse, a malformed body, an
//! undefined entity, `limitResults` outside 1..=1000, an unknown `fields` entry) answers HTTP 400
//! with `responseCode` `INVALID_REQUEST`. Results are sorted by id; `preferences/limitResults`
//! (default 100) sizes the page, `preferences/startFromId` starts at that id (inclusive);
//! `hasMoreRecords` says whether more match beyond the page and `lastId` is the last id of the
//! page (omitted on an empty page).
//!
//! The `fields` query parameter is split on **literal** commas before percent-decoding, so a
//! client that percent-encodes the commas asks for one field named `id,name` and gets
//! `INVALID_REQUEST`. Each entry is a dotted path into the `HostAsset` element
//! (`agentInfo.lastCheckedIn`, `tags`, `tags.list.TagSimple.name`, …); naming an element selects
//! it whole, naming a descendant selects just that part. Only the selected elements are written
//! (not even `id` is added).
//!
//! ## Users
//!
//! Manager and Administrator see every user; a Unit Manager sees the users of its own business
//! unit; Reader, Scanner and Auditor get HTTP 200 `USER_LIST_OUTPUT/ERROR number="2002"` (the
//! old MSP APIs report errors inside a 200). Users are sorted by `USER_ID`; `id_min` keeps the
//! users with `USER_ID >= id_min`. When more than 1000 users are visible the answer holds the
//! first 1000 and a `WARNING` (CODE 1980, TEXT, URL ending in `id_min=<next id>`) inside
//! `USER_LIST_OUTPUT`, after `USER_LIST`: this is how Qualys truncates its other list APIs, and
//! the shape a client must follow.
//!
//! `user.php` rules and the exact `RETURN` numbers and messages are documented in [`users`]
//! and on [`UserActionFailure`].
//!
//! ## On-demand scans
//!
//! Exact scan names only (see [`ScanType`]). An asset is accepted when it exists, has the
//! `Cloud Agent` tag and an agent, and the agent has the module the scan needs
//! ([`ScanType::required_module`]). Accepted ids come back sorted and without duplicates, in the
//! shape chosen by [`ScanIdsShape`]; [`ScanIdsShape::CountOnly`] and [`ScanIdsShape::NoData`]
//! answer SUCCESS without naming any asset while the scans are launched and recorded all the
//! same (a client must not report them failed, nor launch them again).
//!
//! ## Faults
//!
//! [`Simulator::inject`] queues a [`Fault`] (next request) or a [`FaultRule`] (next N requests,
//! optionally only paths containing a fragment). The table of what each fault does, and whether
//! the endpoint still runs behind it, is in [`faults`]. In short:
//!
//! | fault | answer |
//! |---|---|
//! | [`Fault::Verbatim`] ([`Simulator::replay`]) | a recorded answer, status, headers and bytes unchanged |
//! | [`Fault::RateLimited`] | 409 `SIMPLE_RETURN` CODE 1960/1965 |
//! | [`Fault::Limit409`] | 409, code 1920/1960/1965 in a [`LimitBody`]: `SIMPLE_RETURN`, `GENERIC_RETURN`, `USER_OUTPUT`, empty, HTML, text |
//! | [`Fault::Status`], [`Fault::Html`], [`Fault::TooManyRequests`] | an HTML page with that status / 200 / 429 |
//! | [`Fault::MalformedXml`], [`Fault::OversizedBody`], [`Fault::ServiceError`] | broken, huge or error XML |
//! | [`Fault::DropConnection`], [`Fault::DelayBeforeHeaders`], [`Fault::TruncatedBody`], [`Fault::StallMidBody`] | transport trouble |
//! | [`Fault::UserFailedWithoutMessage`] | the next FAILED `user.php` answer has no `MESSAGE` |
//!
//! ## Runtimes
//!
//! [`Simulator::start`] serves on the caller's tokio runtime (a `#[tokio::test]` is enough, as
//! long as the test does not block that runtime's only thread while it waits for an answer);
//! [`Simulator::start_blocking`] brings its own two-thread runtime for synchronous callers.
//!
//! ## Time
//!
//! The simulator's clock is frozen at [`REFERENCE_INSTANT`]: every date it writes
//! (`SIMPLE_RETURN/DATETIME`, `USER_OUTPUT/API@at`, `GENERIC_RETURN/API@at`) is that instant,
//! and agent check-ins lie in the 90 days before it. Only rate-limit windows and fault delays
//! use the real clock.

#![deny(missing_docs)]

pub mod about;
pub mod accounts;
pub mod agents;
mod directory;
pub mod faults;
mod filters;
pub mod hostasset;
pub mod log;
pub mod ratelimit;
mod reply;
pub mod scans;
mod server;
mod service_request;
pub mod users;
mod xml;

#[cfg(test)]
mod testing;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

pub use accounts::{Account, AccountState, FailureFamily, Role};
pub use agents::{
    ActivationKey, AgentConfiguration, AgentInfo, Asset, CHECK_IN_WINDOW_DAYS, CLOUD_AGENT_TAG,
    CLOUD_AGENT_TAG_ID, Dataset, InstalledSoftware, MODULE_PC, MODULE_SCA, MODULE_VM, OpenPort,
    REFERENCE_INSTANT, TRACKING_METHOD_AGENT, TRACKING_METHOD_IP, Tag, format_instant,
};
pub use faults::{CannedAnswer, Fault, FaultRule, LimitBody};
pub use log::RecordedRequest;
pub use ratelimit::RateLimitConfig;
pub use scans::{LaunchedScan, ScanIdsShape, ScanType};
pub use users::{SimUser, UserActionFailure, UserStatus, scenario};

use directory::UserDirectory;
use faults::FaultQueue;
use log::RequestLog;
use ratelimit::RateLimiter;

/// How to build a simulator: the seed and the size of what it generates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatorConfig {
    /// Seed of every generated asset and user: same seed, same data.
    pub seed: u64,
    /// Number of Cloud Agent assets (tagged `Cloud Agent`, tracked by `QAGENT`).
    pub agents: usize,
    /// Number of assets WITHOUT the Cloud Agent tag (tracked by `IP`): a search with the tag
    /// criterion must never return them.
    pub untagged_assets: usize,
    /// Give assets installed-software and open-port lists, so that pages have a realistic size
    /// when the client does not use the `fields` parameter.
    pub heavy_fields: bool,
    /// Number of generated users on top of the fixed accounts and the [`scenario`] users.
    pub users: usize,
}

impl Default for SimulatorConfig {
    /// Seed 7, 300 agents, 40 untagged assets, heavy fields, 20 generated users.
    fn default() -> Self {
        SimulatorConfig {
            seed: 7,
            agents: 300,
            untagged_assets: 40,
            heavy_fields: true,
            users: 20,
        }
    }
}

/// Everything the request handlers share: the data, the mutable state and the test controls.
pub(crate) struct SimState {
    pub(crate) dataset: Dataset,
    pub(crate) users: Mutex<UserDirectory>,
    pub(crate) log: RequestLog,
    pub(crate) launched_scans: Mutex<Vec<LaunchedScan>>,
    pub(crate) faults: FaultQueue,
    pub(crate) limits: RateLimiter,
    pub(crate) scan_ids_shape: Mutex<ScanIdsShape>,
    pub(crate) msp_failure_family: Mutex<FailureFamily>,
}

impl SimState {
    fn new(config: &SimulatorConfig) -> SimState {
        SimState {
            dataset: Dataset::generate(
                config.seed,
                config.agents,
                config.untagged_assets,
                config.heavy_fields,
            ),
            users: Mutex::new(UserDirectory::generate(config.seed, config.users)),
            log: RequestLog::default(),
            launched_scans: Mutex::new(Vec::new()),
            faults: FaultQueue::default(),
            limits: RateLimiter::default(),
            scan_ids_shape: Mutex::new(ScanIdsShape::BracketText),
            msp_failure_family: Mutex::new(FailureFamily::GenericReturn),
        }
    }
}

/// Locks a mutex, carrying on with the data even if a panicking thread poisoned it: the
/// simulator's state stays usable for the assertions of a test that already failed elsewhere.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running simulator: a loopback HTTP/1.1 server plus the handles tests use to inspect and
/// steer it. Dropping it stops the server (the accept loop and every open connection).
pub struct Simulator {
    state: Arc<SimState>,
    addr: SocketAddr,
    server: tokio::task::AbortHandle,
    own_runtime: Option<tokio::runtime::Runtime>,
}

impl Simulator {
    /// Generates the data and starts serving on `127.0.0.1:0` on the current tokio runtime.
    pub async fn start(config: SimulatorConfig) -> std::io::Result<Simulator> {
        let runtime = tokio::runtime::Handle::try_current().map_err(std::io::Error::other)?;
        let state = Arc::new(SimState::new(&config));
        let (addr, server) = server::spawn(state.clone(), &runtime, 0)?;
        Ok(Simulator {
            state,
            addr,
            server,
            own_runtime: None,
        })
    }

    /// Like [`Simulator::start`], for callers without a tokio runtime (a synchronous demo or
    /// test): the simulator runs on a small runtime of its own, shut down when it is dropped.
    pub fn start_blocking(config: SimulatorConfig) -> std::io::Result<Simulator> {
        Simulator::start_blocking_on(config, 0)
    }

    /// Like [`Simulator::start_blocking`], listening on `127.0.0.1:port` (0: an ephemeral
    /// port), for a simulator that other processes reach at a known address.
    pub fn start_blocking_on(config: SimulatorConfig, port: u16) -> std::io::Result<Simulator> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("qualys-simulator")
            .enable_all()
            .build()?;
        let state = Arc::new(SimState::new(&config));
        let (addr, server) = server::spawn(state.clone(), runtime.handle(), port)?;
        Ok(Simulator {
            state,
            addr,
            server,
            own_runtime: Some(runtime),
        })
    }

    /// The loopback address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The origin to route Qualys hosts to: `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in arrival order (including those answered by a fault or
    /// an authentication failure).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.log.snapshot()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.state.log.clear();
    }

    /// The generated assets: the ground truth for search and scan tests. Never changes.
    pub fn dataset(&self) -> &Dataset {
        &self.state.dataset
    }

    /// The users of the subscription as they are now, sorted by user id.
    pub fn users(&self) -> Vec<SimUser> {
        lock(&self.state.users).all().to_vec()
    }

    /// One user as it is now, by login.
    pub fn user(&self, login: &str) -> Option<SimUser> {
        lock(&self.state.users).find(login).cloned()
    }

    /// Adds a user, or replaces the user with the same login. A `user_id` of 0 is replaced by
    /// the next free id (above every existing one).
    pub fn add_user(&self, user: SimUser) {
        lock(&self.state.users).insert(user);
    }

    /// Adds many users at once (see [`Simulator::add_user`]), e.g. to build a list longer than
    /// one `user_list.php` page.
    pub fn add_users(&self, users: impl IntoIterator<Item = SimUser>) {
        let mut directory = lock(&self.state.users);
        for user in users {
            directory.insert(user);
        }
    }

    /// Every scan Qualys accepted, one entry per asset, in the order they were accepted.
    pub fn launched_scans(&self) -> Vec<LaunchedScan> {
        lock(&self.state.launched_scans).clone()
    }

    /// Queues a fault: a bare [`Fault`] hits the next request; a [`FaultRule`] says how many
    /// requests and which paths. Rules are tried in the order they were injected.
    pub fn inject(&self, rule: impl Into<FaultRule>) {
        self.state.faults.push(rule.into());
    }

    /// Replays a recorded answer: the next `times` requests whose path contains
    /// `path_fragment` get `answer` byte for byte (see [`Fault::Verbatim`]); the endpoint does
    /// not run. The same as
    /// `inject(FaultRule::times(times, Fault::Verbatim(answer)).on_path(path_fragment))`.
    pub fn replay(&self, path_fragment: &str, answer: CannedAnswer, times: usize) {
        self.inject(FaultRule::times(times, Fault::Verbatim(answer)).on_path(path_fragment));
    }

    /// Drops every fault rule not yet used up.
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Enforces rate and concurrency limits for one account on `/msp/` calls, starting a fresh
    /// window now (see the module docs; without this call limits are reported, not enforced).
    pub fn set_rate_limit(&self, login: &str, limit: RateLimitConfig) {
        self.state.limits.enforce(login, limit);
    }

    /// Chooses how the accepted asset ids of on-demand scan answers are written (default
    /// [`ScanIdsShape::BracketText`]).
    pub fn set_scan_ids_shape(&self, shape: ScanIdsShape) {
        *lock(&self.state.scan_ids_shape) = shape;
    }

    /// Chooses the document `/msp/` calls of refused accounts ([`accounts::EXPIRED`],
    /// [`accounts::REGISTRATION_INCOMPLETE`], [`accounts::IP_NOT_ALLOWED`]) get: real Qualys's
    /// [`FailureFamily::GenericReturn`] (default) or [`FailureFamily::SimpleReturn`]. `/qps/`
    /// calls always get `SIMPLE_RETURN`.
    pub fn set_msp_failure_family(&self, family: FailureFamily) {
        *lock(&self.state.msp_failure_family) = family;
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.server.abort();
        if let Some(runtime) = self.own_runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}
