//! The data of one store: what a single call of the component may use.
//!
//! A store holds exactly what the linked interfaces need: a resource table, the `wasi:http`
//! context with this call's outbound hooks, the clocks context (only the monotonic clock is
//! linked), and the memory limiter.

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, format_err};
use wasmtime_wasi::clocks::{WasiClocksCtx, WasiClocksCtxView, WasiClocksView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};
use wasmtime_wasi_io::IoView;

use crate::policy::OutboundHooks;

/// Store data of one call.
pub(crate) struct CallState {
    pub(crate) table: ResourceTable,
    pub(crate) http: WasiHttpCtx,
    pub(crate) clocks: WasiClocksCtx,
    pub(crate) hooks: OutboundHooks,
    pub(crate) memory: MemoryCap,
}

impl IoView for CallState {
    fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }
}

impl WasiHttpView for CallState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

impl WasiClocksView for CallState {
    fn clocks(&mut self) -> WasiClocksCtxView<'_> {
        WasiClocksCtxView {
            ctx: &mut self.clocks,
            table: &mut self.table,
        }
    }
}

/// Refuses linear memory growth past a limit, and remembers the peak.
pub(crate) struct MemoryCap {
    pub(crate) limit_bytes: usize,
    pub(crate) peak_bytes: usize,
    pub(crate) exceeded: bool,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit_bytes {
            self.exceeded = true;
            return Err(format_err!(
                "guest memory limit of {} bytes reached",
                self.limit_bytes
            ));
        }
        self.peak_bytes = self.peak_bytes.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}
