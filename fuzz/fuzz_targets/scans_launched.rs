//! `qualys::scans::parse_launched` (the on-demand scan launch answer) on arbitrary bytes.
//!
//! Besides "no panic, no hang": every failure is `bad-response`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qualys_connector::ErrorKind;
use qualys_connector::qualys::scans;

fuzz_target!(|data: &[u8]| {
    if let Err(error) = scans::parse_launched(data) {
        assert_eq!(error.kind, ErrorKind::BadResponse, "{error:?}");
    }
});
