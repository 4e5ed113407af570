//! `qualys::portal_version::parse_cloud_agent_version` on arbitrary bytes.
//!
//! Besides "no panic, no hang": every failure is `bad-response`, and a version found is
//! non-empty and trimmed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qualys_connector::ErrorKind;
use qualys_connector::qualys::portal_version;

fuzz_target!(|data: &[u8]| {
    match portal_version::parse_cloud_agent_version(data) {
        Ok(Some(version)) => assert!(!version.is_empty() && version.trim() == version),
        Ok(None) => {}
        Err(error) => assert_eq!(error.kind, ErrorKind::BadResponse, "{error:?}"),
    }
});
