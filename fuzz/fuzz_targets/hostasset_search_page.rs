//! `qualys::hostasset::parse_search_page` (a host asset search page) on arbitrary bytes.
//!
//! Besides "no panic, no hang": every failure is `bad-response`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qualys_connector::ErrorKind;
use qualys_connector::qualys::hostasset;

fuzz_target!(|data: &[u8]| {
    if let Err(error) = hostasset::parse_search_page(data) {
        assert_eq!(error.kind, ErrorKind::BadResponse, "{error:?}");
    }
});
