//! `qualys::about::parse` (`GET /msp/about.php`) on arbitrary bytes.
//!
//! Besides "no panic, no hang": every failure is `bad-response`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qualys_connector::ErrorKind;
use qualys_connector::qualys::about;

fuzz_target!(|data: &[u8]| {
    if let Err(error) = about::parse(data) {
        assert_eq!(error.kind, ErrorKind::BadResponse, "{error:?}");
    }
});
