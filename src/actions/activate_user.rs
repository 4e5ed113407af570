//! `activate-user`: makes an Inactive user Active.

use crate::contract::{Connection, UserActivation};
use crate::transport::Transport;
use crate::{Error, ErrorKind, Result};

/// Runs `activate-user` for `login`.
pub fn activate_user<T: Transport>(
    transport: T,
    conn: &Connection,
    login: &str,
) -> Result<UserActivation> {
    let _ = (transport, conn, login);
    Err(Error::new(
        ErrorKind::Upstream,
        "activate-user is not implemented yet",
    ))
}
