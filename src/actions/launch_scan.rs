//! `launch-scan`: on-demand Cloud Agent scans.

use crate::contract::{Connection, ScanLaunch, ScanRequest};
use crate::transport::Transport;
use crate::{Error, ErrorKind, Result};

/// Runs `launch-scan` for `request`.
pub fn launch_scan<T: Transport>(
    transport: T,
    conn: &Connection,
    request: &ScanRequest,
) -> Result<ScanLaunch> {
    let _ = (transport, conn, request);
    Err(Error::new(
        ErrorKind::Upstream,
        "launch-scan is not implemented yet",
    ))
}
