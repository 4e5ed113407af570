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
//! A host that runs many calls at once can take every call's instance from a pool instead
//! ([`Runtime::with_pooling`], wasmtime's pooling allocator): the memory, tables and stacks of
//! [`PoolingLimits::concurrent_calls`] instances are reserved when the runtime is created and
//! reused from one call to the next, so a call maps nothing; in exchange the number of calls at
//! once and the shape of each instance are fixed up front (see [`PoolingLimits`]).
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
use wasmtime::{
    Cache, CacheConfig, Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig,
};
use wasmtime_wasi::clocks::WasiClocks;

use crate::bindings::ConnectorPre;
use crate::connector::CallLimits;
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
    pooling: Option<PoolingLimits>,
}

/// The limits of a runtime whose instances come from a pool: see [`Runtime::with_pooling`].
///
/// Each call holds one instance of the component from the moment it is instantiated until the
/// call ends. [`PoolingLimits::new`] fits the connector component (3 core instances, 1 linear
/// memory, 2 tables; its sizes are in `docs/performance.md`) with room for one more core
/// module, and gives each call [`CallLimits::default`]'s memory.
///
/// When a limit is exceeded, no action runs:
/// - a component that does not fit one instance's limits fails to load
///   ([`ConnectorError::Load`], naming the limit);
/// - a call made while `concurrent_calls` calls are running fails at once with
///   [`ConnectorError::PoolFull`], without instantiating
///   the component; the next call after one has ended gets its instance;
/// - a guest growing its memory past `memory_bytes` is stopped with
///   [`ConnectorError::MemoryLimit`].
///
/// Each memory slot reserves (does not commit) the engine's memory reservation of address
/// space, 4 GiB plus 32 MiB of guard on 64-bit hosts: 1,000 concurrent calls reserve about
/// 4 TiB of the 128 TiB of a Linux x86-64 process. The pages a call touched are given back to
/// the kernel when it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolingLimits {
    /// Calls that may run at once in the runtime, across all its connectors: one component
    /// instance, one linear memory and one async stack each.
    pub concurrent_calls: u32,
    /// Most linear memory of one call, in bytes. A connector whose
    /// [`CallLimits::memory_bytes`] is larger is held to this.
    pub memory_bytes: usize,
    /// Core module instances in one call's instance (the connector has 3).
    pub core_instances_per_call: u32,
    /// Linear memories defined in one call's instance (the connector has 1).
    pub memories_per_call: u32,
    /// Tables defined in one call's instance (the connector has 2), at most one per core module.
    pub tables_per_call: u32,
    /// Most elements of any table, at start and after growth.
    pub table_elements: usize,
    /// Most bytes of one call's instance metadata: wasmtime's `VMComponentContext` plus its
    /// core instances' `VMContext`s.
    pub instance_metadata_bytes: usize,
}

impl PoolingLimits {
    /// Limits for `concurrent_calls` calls of the connector component at once, each with
    /// [`CallLimits::default`]'s memory.
    pub fn new(concurrent_calls: u32) -> Self {
        Self {
            concurrent_calls,
            memory_bytes: CallLimits::default().memory_bytes,
            core_instances_per_call: 4,
            memories_per_call: 1,
            tables_per_call: 4,
            table_elements: 1_000,
            instance_metadata_bytes: 64 * 1024,
        }
    }

    /// wasmtime's pooling allocator sized by these limits.
    fn allocation_config(&self) -> Result<PoolingAllocationConfig, ConnectorError> {
        if self.concurrent_calls == 0 {
            return Err(ConnectorError::Config(
                "a pool needs room for at least one concurrent call".into(),
            ));
        }
        let total = |per_call: u32, what: &str| {
            self.concurrent_calls.checked_mul(per_call).ok_or_else(|| {
                ConnectorError::Config(format!(
                    "{} concurrent calls of {per_call} {what} each overflow the pool",
                    self.concurrent_calls
                ))
            })
        };
        let mut config = PoolingAllocationConfig::new();
        config
            .total_component_instances(self.concurrent_calls)
            .total_stacks(self.concurrent_calls)
            .total_core_instances(total(self.core_instances_per_call, "core instances")?)
            .total_memories(total(self.memories_per_call, "memories")?)
            .total_tables(total(self.tables_per_call, "tables")?)
            .max_core_instances_per_component(self.core_instances_per_call)
            .max_memories_per_component(self.memories_per_call)
            .max_tables_per_component(self.tables_per_call)
            .max_memory_size(self.memory_bytes)
            .table_elements(self.table_elements)
            .max_component_instance_size(self.instance_metadata_bytes)
            .max_core_instance_size(self.instance_metadata_bytes);
        Ok(config)
    }
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
        Self::build(cache_dir, None)
    }

    /// Like [`Runtime::new`], taking every call's instance from a pool sized by `limits`,
    /// reserved now. Fails with [`ConnectorError::Config`] when the pool cannot be set up
    /// (no concurrent call, a memory larger than the engine's reservation, or not enough
    /// address space).
    pub fn with_pooling(limits: PoolingLimits) -> Result<Self, ConnectorError> {
        Self::build(default_cache_dir(), Some(limits))
    }

    fn build(
        cache_dir: Option<PathBuf>,
        pooling: Option<PoolingLimits>,
    ) -> Result<Self, ConnectorError> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        let disk_cache = cache_dir.and_then(|dir| disk_cache(&dir));
        config.cache(disk_cache.clone());
        if std::env::var_os("QUALYS_HARNESS_PERFMAP").is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        if let Some(limits) = &pooling {
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(
                limits.allocation_config()?,
            ));
        }
        let engine = Engine::new(&config)
            .map_err(|error| ConnectorError::Config(format!("the wasmtime engine: {error:#}")))?;
        let linker = linker(&engine)?;
        start_epoch_thread(&engine);
        Ok(Self {
            inner: Arc::new(RuntimeInner {
                engine,
                linker,
                compiled: Mutex::new(HashMap::new()),
                disk_cache,
                pooling,
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

    /// The limits of the pool the instances come from (`None`: each call allocates its own).
    pub fn pooling(&self) -> Option<PoolingLimits> {
        self.inner.pooling
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

    fn pool_refusal(limits: PoolingLimits) -> String {
        match Runtime::with_pooling(limits) {
            Err(ConnectorError::Config(message)) => message,
            Err(other) => panic!("expected a configuration error, got {other:?}"),
            Ok(_) => panic!("the pool {limits:?} was set up"),
        }
    }

    #[test]
    fn a_pooled_runtime_keeps_its_limits_and_a_default_one_has_none() {
        let limits = PoolingLimits::new(2);
        assert_eq!(
            Runtime::with_pooling(limits).unwrap().pooling(),
            Some(limits)
        );
        assert_eq!(Runtime::with_cache_dir(None).unwrap().pooling(), None);
    }

    #[test]
    fn the_default_pool_memory_is_the_default_call_memory_limit() {
        assert_eq!(
            PoolingLimits::new(1).memory_bytes,
            CallLimits::default().memory_bytes
        );
    }

    #[test]
    fn a_pool_without_room_for_a_call_is_refused() {
        let message = pool_refusal(PoolingLimits::new(0));
        assert!(
            message.contains("at least one concurrent call"),
            "{message}"
        );
    }

    #[test]
    fn a_pool_whose_totals_overflow_is_refused() {
        let message = pool_refusal(PoolingLimits::new(u32::MAX));
        assert!(message.contains("overflow the pool"), "{message}");
    }

    #[test]
    fn a_pool_memory_beyond_the_engine_reservation_is_refused() {
        let message = pool_refusal(PoolingLimits {
            memory_bytes: 8 << 30,
            ..PoolingLimits::new(1)
        });
        assert!(message.contains("memory reservation"), "{message}");
    }

    #[test]
    fn without_a_cache_dir_there_is_no_disk_cache() {
        assert_eq!(
            Runtime::with_cache_dir(None).unwrap().disk_cache_use(),
            None
        );
    }
}
