//! The engine, the linker, and the compiled-component cache.
//!
//! One [`Runtime`] per process is enough: it owns the wasmtime [`Engine`] (component model,
//! epoch interruption), a thread that advances the epoch every [`EPOCH_TICK`], a [`Linker`]
//! holding only what the component may import, and a cache so each component file is compiled
//! once however many connectors load it.
//!
//! Compiling the component takes a few hundred milliseconds; loading it precompiled, a few.
//! So compiled components are also kept on disk, in wasmtime's own cache (see
//! [`default_cache_dir`] for where): each entry is keyed by a SHA-256 of the component's bytes
//! and of everything in the engine that changes the compiled code (the wasmtime version, the
//! target, the compiler settings, the wasm features), so a new wasmtime or another
//! configuration never picks up an old artifact; entries are compressed, written atomically,
//! and trimmed by wasmtime's cache worker. A cache directory that cannot be created is
//! skipped: components are then compiled in every process.
//!
//! Set `QUALYS_HARNESS_PERFMAP` to have wasmtime write `/tmp/perf-<pid>.map`, so that `perf`
//! names the guest's functions (see the Performance section of the README).
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
use wasmtime::{Cache, CacheConfig, Config, Engine};
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
    disk_cache: Option<Cache>,
}

impl Runtime {
    /// A new engine with its epoch thread and linker, keeping compiled components in
    /// [`default_cache_dir`].
    pub fn new() -> Result<Self, ConnectorError> {
        Self::with_cache_dir(default_cache_dir())
    }

    /// Like [`Runtime::new`], keeping compiled components in `cache_dir` (`None`: compile
    /// every component in every process).
    pub fn with_cache_dir(cache_dir: Option<PathBuf>) -> Result<Self, ConnectorError> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        let disk_cache = cache_dir.and_then(|dir| disk_cache(&dir));
        config.cache(disk_cache.clone());
        if std::env::var_os("QUALYS_HARNESS_PERFMAP").is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&config).map_err(load_error)?;
        let linker = linker(&engine)?;
        start_epoch_thread(&engine);
        Ok(Self {
            inner: Arc::new(RuntimeInner {
                engine,
                linker,
                compiled: Mutex::new(HashMap::new()),
                disk_cache,
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
        let bytes = std::fs::read(&key)
            .map_err(|error| ConnectorError::Load(format!("{}: {error}", key.display())))?;
        let component = Component::new(&self.inner.engine, &bytes).map_err(load_error)?;
        let pre = self.pre_instantiate(&component)?;
        compiled.insert(key, pre.clone());
        Ok(pre)
    }

    /// How many components were loaded from the disk cache, and how many were compiled and
    /// stored there, by this runtime (`None` without a disk cache).
    pub fn disk_cache_use(&self) -> Option<DiskCacheUse> {
        self.inner.disk_cache.as_ref().map(|cache| DiskCacheUse {
            loaded: cache.cache_hits(),
            compiled: cache.cache_misses(),
        })
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

/// Where [`Runtime::new`] keeps compiled components: `$QUALYS_HARNESS_CACHE_DIR` (empty: no
/// disk cache), else `$XDG_CACHE_HOME/qualys-harness`, else `$HOME/.cache/qualys-harness`.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("QUALYS_HARNESS_CACHE_DIR") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")))?;
    Some(base.join("qualys-harness"))
}

/// What [`Runtime::disk_cache_use`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiskCacheUse {
    /// Components loaded precompiled from the disk cache.
    pub loaded: usize,
    /// Components compiled and then stored in the disk cache.
    pub compiled: usize,
}

/// wasmtime's cache of compiled code in `dir`, or `None` when it cannot be used there.
fn disk_cache(dir: &Path) -> Option<Cache> {
    let dir = std::path::absolute(dir).ok()?;
    let mut config = CacheConfig::new();
    config.with_directory(dir);
    Cache::new(config).ok()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest component: the preamble alone.
    const EMPTY_COMPONENT: &[u8] = b"\0asm\x0d\0\x01\0";

    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "qualys-harness-cache-test-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    /// Best effort: wasmtime's cache worker may still be writing its statistics there.
    fn remove_scratch(dir: &Path) {
        let _ = std::fs::remove_dir_all(dir);
    }

    fn compile(runtime: &Runtime, bytes: &[u8]) {
        Component::new(runtime.engine(), bytes).unwrap();
    }

    #[test]
    fn a_component_compiled_once_is_loaded_by_the_next_runtime() {
        let dir = scratch_dir("reuse");
        let first = Runtime::with_cache_dir(Some(dir.clone())).unwrap();
        compile(&first, EMPTY_COMPONENT);
        let compiled_once = DiskCacheUse {
            loaded: 0,
            compiled: 1,
        };
        assert_eq!(first.disk_cache_use(), Some(compiled_once));
        let second = Runtime::with_cache_dir(Some(dir.clone())).unwrap();
        compile(&second, EMPTY_COMPONENT);
        let loaded_once = DiskCacheUse {
            loaded: 1,
            compiled: 0,
        };
        assert_eq!(second.disk_cache_use(), Some(loaded_once));
        remove_scratch(&dir);
    }

    #[test]
    fn other_bytes_are_compiled_again() {
        let dir = scratch_dir("other-bytes");
        compile(
            &Runtime::with_cache_dir(Some(dir.clone())).unwrap(),
            EMPTY_COMPONENT,
        );
        let other = Runtime::with_cache_dir(Some(dir.clone())).unwrap();
        compile(&other, b"\0asm\x0d\0\x01\0\0\x01\0");
        assert_eq!(other.disk_cache_use().map(|used| used.loaded), Some(0));
        remove_scratch(&dir);
    }

    #[test]
    fn a_relative_cache_dir_is_taken_from_the_working_directory() {
        let relative = PathBuf::from(format!(
            "../target/qualys-harness-cache-test-relative-{}",
            std::process::id()
        ));
        let runtime = Runtime::with_cache_dir(Some(relative.clone())).unwrap();
        compile(&runtime, EMPTY_COMPONENT);
        assert!(runtime.disk_cache_use().is_some());
        assert!(std::path::absolute(&relative).unwrap().is_dir());
        remove_scratch(&relative);
    }

    #[test]
    fn a_cache_dir_that_cannot_be_created_means_no_disk_cache() {
        let file = scratch_dir("not-a-dir");
        std::fs::write(&file, b"a file where the directory would go").unwrap();
        let runtime = Runtime::with_cache_dir(Some(file.join("cache"))).unwrap();
        assert_eq!(runtime.disk_cache_use(), None);
        compile(&runtime, EMPTY_COMPONENT);
        std::fs::remove_file(&file).unwrap();
    }

    #[test]
    fn without_a_cache_dir_there_is_no_disk_cache() {
        assert_eq!(
            Runtime::with_cache_dir(None).unwrap().disk_cache_use(),
            None
        );
    }
}
