//! The typed API: one async method per action, each on a fresh instance.
//!
//! A [`Connector`] is a pre-instantiated component plus the rules of its calls: the outbound
//! policy and the limits. Every call gets a new `Store` and instance (an instance that trapped
//! cannot be entered again, and nothing leaks from one call to the next), and ends in one of
//! three ways: the action's result, the action's WIT error ([`ConnectorError::Action`]), or a
//! harness verdict (deadline, memory limit, trap, a full instance pool).
//!
//! The deadline of a call is the connection's `timeout-ms` (60 s when unset) plus
//! [`CallLimits::grace`]. It is enforced twice: a timer around the whole call ends a guest that
//! waits in a host call, and epoch interruption stops a guest that spins without calling out.
//! At every epoch tick ([`EPOCH_TICK`](crate::runtime::EPOCH_TICK)) a running guest yields to
//! the async executor, so a spinning guest never starves the other calls (or a simulator)
//! sharing its thread; once the deadline has passed, the next tick traps it instead.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use qualys_platforms::ApiServer;
use wasmtime::component::ResourceTable;
use wasmtime::{PoolConcurrencyLimitError, Store, Trap, UpdateDeadline};
use wasmtime_wasi::clocks::WasiClocksCtx;
use wasmtime_wasi_http::WasiHttpCtx;

use crate::bindings::{self, ConnectorPre};
use crate::error::ConnectorError;
use crate::policy::{Origin, OutboundHooks, OutboundLog, OutboundPolicy};
use crate::runtime::Runtime;
use crate::state::{CallState, MemoryCap};
use crate::{
    ActionError, AgentPage, AgentQuery, Connection, ConnectionReport, ScanLaunch, ScanRequest,
    UserResult, UserStatusChange,
};

/// Time budget of an action whose connection sets none (the component's default too).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Limits of every call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    /// Most linear memory the guest may have (in a pooled runtime, at most the pool's
    /// [`PoolingLimits::memory_bytes`](crate::runtime::PoolingLimits::memory_bytes)).
    pub memory_bytes: usize,
    /// Time allowed beyond the action's own timeout before the harness stops the guest.
    pub grace: Duration,
}

impl Default for CallLimits {
    fn default() -> Self {
        Self {
            memory_bytes: 128 * 1024 * 1024,
            grace: Duration::from_secs(2),
        }
    }
}

/// What the harness measured of one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallStats {
    /// The guest's largest linear memory during the call, in bytes.
    pub peak_memory_bytes: usize,
}

/// Told what the harness measured of every call, once the call has ended (whatever its
/// outcome): see [`Connector::with_call_observer`].
pub type CallObserver = Arc<dyn Fn(&CallStats) + Send + Sync>;

/// The connector component, ready to run actions.
#[derive(Clone)]
pub struct Connector {
    pre: ConnectorPre<CallState>,
    runtime: Runtime,
    policy: Arc<OutboundPolicy>,
    log: OutboundLog,
    limits: CallLimits,
    observer: Option<CallObserver>,
}

impl Connector {
    /// Loads the component at `path` into the process-wide [`Runtime`] (compiled once).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ConnectorError> {
        Self::load_in(&Runtime::shared()?, path)
    }

    /// Loads the component at `path` into `runtime` (compiled once per runtime).
    pub fn load_in(runtime: &Runtime, path: impl AsRef<Path>) -> Result<Self, ConnectorError> {
        let pre = runtime.load(path.as_ref())?;
        Ok(Self {
            pre,
            runtime: runtime.clone(),
            policy: Arc::new(OutboundPolicy::new()),
            log: OutboundLog::default(),
            limits: CallLimits::default(),
            observer: None,
        })
    }

    /// Uses `policy` for outbound requests. With no allowed hosts, each call allows the
    /// server its connection resolves to, and nothing else.
    pub fn with_policy(mut self, policy: OutboundPolicy) -> Self {
        self.policy = Arc::new(policy);
        self
    }

    /// Uses `limits` for every call.
    pub fn with_limits(mut self, limits: CallLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Tells `observer` what the harness measured of every call made through this connector
    /// (and its clones), e.g. the guest's peak memory, for metrics or a benchmark.
    pub fn with_call_observer(
        mut self,
        observer: impl Fn(&CallStats) + Send + Sync + 'static,
    ) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// The outbound requests of every call made through this connector (and its clones).
    pub fn outbound_log(&self) -> &OutboundLog {
        &self.log
    }

    /// The runtime this connector runs in.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Runs `test-connection`.
    pub async fn test_connection(
        &self,
        conn: &Connection,
    ) -> Result<ConnectionReport, ConnectorError> {
        let result = self
            .call(Some(conn), async |actions, store| {
                actions.call_test_connection(store, conn).await
            })
            .await;
        flatten(result)
    }

    /// Runs `activate-user`.
    pub async fn activate_user(
        &self,
        conn: &Connection,
        login: &str,
    ) -> Result<UserStatusChange, ConnectorError> {
        let result = self
            .call(Some(conn), async |actions, store| {
                actions.call_activate_user(store, conn, login).await
            })
            .await;
        flatten(result)
    }

    /// Runs `deactivate-user`.
    pub async fn deactivate_user(
        &self,
        conn: &Connection,
        login: &str,
    ) -> Result<UserStatusChange, ConnectorError> {
        let result = self
            .call(Some(conn), async |actions, store| {
                actions.call_deactivate_user(store, conn, login).await
            })
            .await;
        flatten(result)
    }

    /// Runs `activate-users`: one result per distinct login, in the order given.
    pub async fn activate_users(
        &self,
        conn: &Connection,
        logins: &[String],
    ) -> Result<Vec<UserResult>, ConnectorError> {
        let result = self
            .call(Some(conn), async |actions, store| {
                actions.call_activate_users(store, conn, logins).await
            })
            .await;
        flatten(result)
    }

    /// Runs `deactivate-users`: one result per distinct login, in the order given.
    pub async fn deactivate_users(
        &self,
        conn: &Connection,
        logins: &[String],
    ) -> Result<Vec<UserResult>, ConnectorError> {
        let result = self
            .call(Some(conn), async |actions, store| {
                actions.call_deactivate_users(store, conn, logins).await
            })
            .await;
        flatten(result)
    }

    /// Runs `search-agents`.
    pub async fn search_agents(
        &self,
        conn: &Connection,
        query: &AgentQuery,
    ) -> Result<AgentPage, ConnectorError> {
        let result = self
            .call(Some(conn), async |actions, store| {
                actions.call_search_agents(store, conn, query).await
            })
            .await;
        flatten(result)
    }

    /// Runs `launch-scan`.
    pub async fn launch_scan(
        &self,
        conn: &Connection,
        request: &ScanRequest,
    ) -> Result<ScanLaunch, ConnectorError> {
        let result = self
            .call(Some(conn), async |actions, store| {
                actions.call_launch_scan(store, conn, request).await
            })
            .await;
        flatten(result)
    }

    /// Runs `describe`: the JSON manifest of the actions.
    pub async fn describe(&self) -> Result<String, ConnectorError> {
        self.call(None, async |actions, store| {
            actions.call_describe(store).await
        })
        .await
    }

    /// Creates a store and an instance and drops them, calling nothing: what every call pays
    /// before the guest runs. For warming up and for benchmarks.
    pub async fn instantiate(&self) -> Result<(), ConnectorError> {
        let mut store = self.store(None, DEFAULT_TIMEOUT + self.limits.grace);
        self.pre
            .instantiate_async(&mut store)
            .await
            .map(drop)
            .map_err(failure)
    }

    /// Runs one export on a fresh instance within the call's limits.
    async fn call<R>(
        &self,
        conn: Option<&Connection>,
        export: impl AsyncFnOnce(
            &bindings::exports::qualys::connector::actions::Guest,
            &mut Store<CallState>,
        ) -> wasmtime::Result<R>,
    ) -> Result<R, ConnectorError> {
        let budget = conn
            .and_then(|conn| conn.timeout_ms)
            .map_or(DEFAULT_TIMEOUT, |ms| Duration::from_millis(ms.into()));
        let deadline = budget + self.limits.grace;
        let mut store = self.store(conn, deadline);
        let run = async {
            let instance = self.pre.instantiate_async(&mut store).await?;
            export(instance.qualys_connector_actions(), &mut store).await
        };
        let outcome = tokio::time::timeout(deadline, run).await;
        let memory = &store.data().memory;
        if let Some(observer) = &self.observer {
            observer(&CallStats {
                peak_memory_bytes: memory.peak_bytes,
            });
        }
        match outcome {
            Ok(Ok(value)) => Ok(value),
            Err(_) => Err(deadline_exceeded(deadline)),
            Ok(Err(_)) if memory.exceeded => Err(ConnectorError::MemoryLimit {
                limit_bytes: memory.limit_bytes,
            }),
            Ok(Err(error)) if error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) => {
                Err(deadline_exceeded(deadline))
            }
            Ok(Err(error)) => Err(failure(error)),
        }
    }

    /// A store for one call: its outbound hooks, memory cap and epoch deadline.
    fn store(&self, conn: Option<&Connection>, deadline: Duration) -> Store<CallState> {
        let state = CallState {
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            clocks: WasiClocksCtx::default(),
            hooks: OutboundHooks {
                policy: self.policy.clone(),
                connection_origin: self.connection_origin(conn),
                log: self.log.clone(),
            },
            memory: MemoryCap {
                limit_bytes: self.memory_limit(),
                peak_bytes: 0,
                exceeded: false,
            },
        };
        let mut store = Store::new(self.runtime.engine(), state);
        store.limiter(|state| &mut state.memory);
        // Every tick: yield to the executor, or trap once the deadline has passed.
        let ends = Instant::now().checked_add(deadline);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if ends.is_some_and(|ends| Instant::now() >= ends) {
                return Ok(UpdateDeadline::Interrupt);
            }
            Ok(UpdateDeadline::YieldCustom(
                1,
                Box::pin(tokio::task::yield_now()),
            ))
        });
        store
    }

    /// The call's memory limit: its own, within the pool's.
    fn memory_limit(&self) -> usize {
        let pool = self.runtime.pooling().map(|limits| limits.memory_bytes);
        pool.map_or(self.limits.memory_bytes, |pool| {
            pool.min(self.limits.memory_bytes)
        })
    }

    /// The origin a call may reach beside the policy's allow-list: the connection's own
    /// server (scheme, host and port), when the policy allows no origin of its own.
    fn connection_origin(&self, conn: Option<&Connection>) -> Option<Origin> {
        if !self.policy.has_no_allowed_origins() {
            return None;
        }
        let conn = conn?;
        ApiServer::resolve(conn.server.as_deref(), conn.username.trim())
            .ok()
            .map(|server| Origin::of_server(&server))
    }
}

fn flatten<T>(result: Result<Result<T, ActionError>, ConnectorError>) -> Result<T, ConnectorError> {
    result?.map_err(ConnectorError::Action)
}

/// What a failed instance or export means: a full pool (nothing ran), else a trap.
fn failure(error: wasmtime::Error) -> ConnectorError {
    if error.is::<PoolConcurrencyLimitError>() {
        return ConnectorError::PoolFull(format!("{error:#}"));
    }
    ConnectorError::Trap(format!("{error:#}"))
}

fn deadline_exceeded(deadline: Duration) -> ConnectorError {
    ConnectorError::DeadlineExceeded {
        seconds: deadline.as_secs_f64(),
    }
}
