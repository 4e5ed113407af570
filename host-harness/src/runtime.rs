//! The engine, the linker, and the compiled-component cache.
//!
//! One [`Runtime`] per process is enough: it owns the wasmtime [`Engine`] (component model,
//! epoch interruption), a thread that advances the epoch every [`EPOCH_TICK`], a [`Linker`]
//! holding only what the component may import, and a cache so each component file is compiled
//! once however many connectors load it.
//!
//! What the linker offers the guest, and nothing else: `wasi:http/types` and
//! `wasi:http/outgoing-handler`, `wasi:io/{error,poll,streams}` (the streams and pollables of
//! HTTP bodies), and `wasi:clocks/monotonic-clock` (deadlines and waits). No filesystem, no
//! sockets, no environment, no random, no stdio: a component that imports more fails to load.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine};
use wasmtime_wasi::clocks::WasiClocks;

use crate::bindings::ConnectorPre;
use crate::error::ConnectorError;
use crate::state::CallState;

/// How often the epoch advances; deadlines are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// A wasmtime engine and linker set up for the connector component.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
}

struct RuntimeInner {
    engine: Engine,
    linker: Linker<CallState>,
    compiled: Mutex<HashMap<PathBuf, ConnectorPre<CallState>>>,
}

impl Runtime {
    /// A new engine with its epoch thread and linker.
    pub fn new() -> Result<Self, ConnectorError> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        let engine = Engine::new(&config).map_err(load_error)?;
        let linker = linker(&engine)?;
        start_epoch_thread(&engine);
        Ok(Self {
            inner: Arc::new(RuntimeInner {
                engine,
                linker,
                compiled: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The process-wide runtime, created on first use.
    pub fn shared() -> Result<Self, ConnectorError> {
        static SHARED: OnceLock<Runtime> = OnceLock::new();
        if let Some(runtime) = SHARED.get() {
            return Ok(runtime.clone());
        }
        let runtime = Self::new()?;
        Ok(SHARED.get_or_init(|| runtime).clone())
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The pre-instantiated component at `path`, compiled on first use.
    pub(crate) fn load(&self, path: &Path) -> Result<ConnectorPre<CallState>, ConnectorError> {
        let key = path
            .canonicalize()
            .map_err(|error| ConnectorError::Load(format!("{}: {error}", path.display())))?;
        let mut compiled = self
            .inner
            .compiled
            .lock()
            .map_err(|_| ConnectorError::Load("the component cache is poisoned".into()))?;
        if let Some(pre) = compiled.get(&key) {
            return Ok(pre.clone());
        }
        let component = Component::from_file(&self.inner.engine, &key).map_err(load_error)?;
        let pre = self.pre_instantiate(&component)?;
        compiled.insert(key, pre.clone());
        Ok(pre)
    }

    /// The pre-instantiated `component` (not cached).
    pub(crate) fn pre_instantiate(
        &self,
        component: &Component,
    ) -> Result<ConnectorPre<CallState>, ConnectorError> {
        let instance_pre = self
            .inner
            .linker
            .instantiate_pre(component)
            .map_err(load_error)?;
        ConnectorPre::new(instance_pre).map_err(load_error)
    }
}

/// The linker: `wasi:http`, `wasi:io` and the monotonic clock only.
fn linker(engine: &Engine) -> Result<Linker<CallState>, ConnectorError> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi_io::add_to_linker_async(&mut linker).map_err(load_error)?;
    wasmtime_wasi::p2::bindings::clocks::monotonic_clock::add_to_linker::<CallState, WasiClocks>(
        &mut linker,
        wasmtime_wasi::clocks::WasiClocksView::clocks,
    )
    .map_err(load_error)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(load_error)?;
    Ok(linker)
}

/// Advances the engine's epoch every [`EPOCH_TICK`] for as long as the engine lives.
fn start_epoch_thread(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("qualys-harness-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .ok();
}

fn load_error(error: wasmtime::Error) -> ConnectorError {
    ConnectorError::Load(format!("{error:#}"))
}
