//! Finding the API server of a subscription: the platform table and the resolution live in
//! [`qualys_platforms`] (the host shares them); here a failure becomes `invalid-input`, with
//! its message and hint unchanged.

pub use qualys_platforms::{ApiServer, PLATFORMS};

use crate::{Error, Result};

/// Resolves the `server` of a connection, falling back to the platform in `username`
/// ([`ApiServer::resolve`]); a failure is `invalid-input`.
pub fn resolve(server: Option<&str>, username: &str) -> Result<ApiServer> {
    Ok(ApiServer::resolve(server, username)?)
}

impl From<qualys_platforms::Error> for Error {
    fn from(error: qualys_platforms::Error) -> Self {
        let invalid = Error::invalid_input(error.message);
        match error.hint {
            Some(hint) => invalid.with_hint(hint),
            None => invalid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn a_resolution_failure_is_invalid_input_with_its_message_and_hint() {
        let error = resolve(Some("US9"), "acme_ab1").unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidInput);
        assert_eq!(error.message, "unknown Qualys platform code \"US9\"");
        assert!(error.hint.unwrap().contains("KSA1"));
        let error = resolve(Some("ftp://qualysapi.qualys.com"), "x").unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidInput);
        assert_eq!(error.hint, None);
    }

    #[test]
    fn a_resolved_server_is_the_platform_crates() {
        let server = resolve(None, "acme2ab1").unwrap();
        assert_eq!(server.platform, Some("US2"));
    }
}
