//! The engine, the linker, and the compiled-component cache.
//!
//! One [`Runtime`] per process is enough: it owns the wasmtime [`Engine`] (component model,
//! epoch interruption), a thread that advances the epoch every [`EPOCH_TICK`], a [`Linker`]
//! holding only what the component may import, and a cache so each component file is compiled
//! once however many connectors load it.
//!
//! Compiling the component takes a few hundred milliseconds; loading it precompiled, under a
//! millisecond. So compiled components are also kept on disk (see [`default_cache_dir`]), one
//! file per component and engine configuration: the file name hashes the component's bytes
//! with [`Engine::precompile_compatibility_hash`] (the wasmtime version, the target, the
//! compiler settings and the wasm features), so a new wasmtime or another configuration never
//! picks up an old artifact, and wasmtime checks the artifact again when it loads it. The 16
//! most recently written artifacts are kept. Loading an artifact runs its code, so a directory
//! or file that others may write to is never used. A cache that cannot be read or written is
//! skipped: the component is compiled as if there were none.
//!
//! Set `QUALYS_HARNESS_PERFMAP` to have wasmtime write `/tmp/perf-<pid>.map`, so that `perf`
//! names the guest's functions (see the Performance section of the README).
//!
//! What the linker offers the guest, and nothing else: `wasi:http/types` and
//! `wasi:http/outgoing-handler`, `wasi:io/{error,poll,streams}` (the streams and pollables of
//! HTTP bodies), and `wasi:clocks/monotonic-clock` (deadlines and waits). No filesystem, no
//! sockets, no environment, no random, no stdio: a component that imports more fails to load.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Precompiled};
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
    cache_dir: Option<PathBuf>,
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
                cache_dir,
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
        let component = self.compile(&bytes)?;
        let pre = self.pre_instantiate(&component)?;
        compiled.insert(key, pre.clone());
        Ok(pre)
    }

    /// The component of `bytes`: loaded from the disk cache when it holds it, else compiled
    /// (and then stored there).
    pub fn compile(&self, bytes: &[u8]) -> Result<Component, ConnectorError> {
        let engine = &self.inner.engine;
        let Some(dir) = &self.inner.cache_dir else {
            return Component::new(engine, bytes).map_err(load_error);
        };
        let file = dir.join(format!("{:016x}.cwasm", cache_key(engine, bytes)));
        if is_private(dir)
            && is_private(&file)
            && let Ok(Some(Precompiled::Component)) = Engine::detect_precompiled_file(&file)
        {
            // SAFETY: only `store_artifact` writes files here, each the `serialize` of a
            // component compiled by an engine of the configuration its name hashes, in a
            // directory only this user may write to; wasmtime checks that configuration
            // again and refuses an artifact of another one.
            if let Ok(component) = unsafe { Component::deserialize_file(engine, &file) } {
                return Ok(component);
            }
        }
        let component = Component::new(engine, bytes).map_err(load_error)?;
        if let Ok(artifact) = component.serialize() {
            store_artifact(dir, &file, &artifact);
        }
        Ok(component)
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

/// Whether only its owner may write to `path` (loading an artifact runs its code, so one that
/// someone else could have written is not loaded).
fn is_private(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|meta| meta.permissions().mode() & 0o022 == 0)
    }
    #[cfg(not(unix))]
    {
        path.exists()
    }
}

/// The cache key of `bytes` compiled by `engine`.
fn cache_key(engine: &Engine, bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    bytes.hash(&mut hasher);
    hasher.finish()
}

/// Writes `artifact` to `file` in `dir` (created private to this user when missing) through a
/// temporary file and a rename, so that a concurrent reader never sees half a file. Best
/// effort: nothing is written to a directory others may write to.
fn store_artifact(dir: &Path, file: &Path, artifact: &[u8]) {
    // A directory that exists is left as it is (it could be anyone's): used if private.
    if !dir.exists() && (std::fs::create_dir_all(dir).is_err() || make_private(dir).is_err()) {
        return;
    }
    if !is_private(dir) {
        return;
    }
    let temporary = file.with_extension(format!("{}.tmp", std::process::id()));
    if std::fs::write(&temporary, artifact).is_err()
        || make_private(&temporary).is_err()
        || std::fs::rename(&temporary, file).is_err()
    {
        let _ = std::fs::remove_file(&temporary);
        return;
    }
    prune(dir, CACHED_ARTIFACTS);
}

/// Artifacts kept on disk: every build of the component is a new one, so the oldest go.
const CACHED_ARTIFACTS: usize = 16;

/// Removes all but the `keep` most recently written artifacts of `dir`. Best effort.
fn prune(dir: &Path, keep: usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut artifacts: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let written = std::fs::metadata(&path).ok()?.modified().ok()?;
            (path.extension()? == "cwasm").then_some((written, path))
        })
        .collect();
    artifacts.sort_unstable_by_key(|(written, _)| std::cmp::Reverse(*written));
    for (_, path) in artifacts.into_iter().skip(keep) {
        let _ = std::fs::remove_file(path);
    }
}

/// Leaves `path` writable by its owner only, whatever the umask.
fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if path.is_dir() { 0o700 } else { 0o600 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
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

    fn artifacts(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        files
    }

    #[test]
    fn a_compiled_component_is_stored_once_and_loaded_by_the_next_runtime() {
        let dir = scratch_dir("reuse");
        Runtime::with_cache_dir(Some(dir.clone()))
            .unwrap()
            .compile(EMPTY_COMPONENT)
            .unwrap();
        let stored = artifacts(&dir);
        assert_eq!(stored.len(), 1, "{stored:?}");
        assert_eq!(
            Engine::detect_precompiled_file(&stored[0]).unwrap(),
            Some(Precompiled::Component)
        );
        let written = std::fs::metadata(&stored[0]).unwrap().modified().unwrap();
        Runtime::with_cache_dir(Some(dir.clone()))
            .unwrap()
            .compile(EMPTY_COMPONENT)
            .unwrap();
        assert_eq!(artifacts(&dir), stored);
        let reread = std::fs::metadata(&stored[0]).unwrap().modified().unwrap();
        assert_eq!(written, reread, "the second runtime compiled again");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_damaged_artifact_is_compiled_again_and_replaced() {
        let dir = scratch_dir("damaged");
        let runtime = Runtime::with_cache_dir(Some(dir.clone())).unwrap();
        runtime.compile(EMPTY_COMPONENT).unwrap();
        let stored = artifacts(&dir);
        std::fs::write(&stored[0], b"not an artifact").unwrap();
        Runtime::with_cache_dir(Some(dir.clone()))
            .unwrap()
            .compile(EMPTY_COMPONENT)
            .unwrap();
        assert_eq!(
            Engine::detect_precompiled_file(&stored[0]).unwrap(),
            Some(Precompiled::Component)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn an_artifact_others_may_write_is_not_loaded() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch_dir("shared");
        Runtime::with_cache_dir(Some(dir.clone()))
            .unwrap()
            .compile(EMPTY_COMPONENT)
            .unwrap();
        let stored = artifacts(&dir);
        assert!(is_private(&dir) && is_private(&stored[0]));
        std::fs::set_permissions(&stored[0], std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(!is_private(&stored[0]));
        Runtime::with_cache_dir(Some(dir.clone()))
            .unwrap()
            .compile(EMPTY_COMPONENT)
            .unwrap();
        assert!(is_private(&stored[0]), "compiled again and replaced");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_the_most_recent_artifacts_are_kept() {
        let dir = scratch_dir("prune");
        std::fs::create_dir_all(&dir).unwrap();
        for n in 0..5u32 {
            std::fs::write(dir.join(format!("{n}.cwasm")), b"x").unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
        std::fs::write(dir.join("notes.txt"), b"not an artifact").unwrap();
        prune(&dir, 2);
        let names: Vec<String> = artifacts(&dir)
            .iter()
            .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["3.cwasm", "4.cwasm", "notes.txt"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_key_depends_on_the_bytes_and_the_engine_configuration() {
        let engine = Engine::default();
        let mut other = Config::new();
        other.epoch_interruption(true);
        let other = Engine::new(&other).unwrap();
        let key = cache_key(&engine, EMPTY_COMPONENT);
        assert_eq!(key, cache_key(&engine, EMPTY_COMPONENT));
        assert_ne!(key, cache_key(&engine, b"\0asm\x0d\0\x01\0\0"));
        assert_ne!(key, cache_key(&other, EMPTY_COMPONENT));
    }
}
