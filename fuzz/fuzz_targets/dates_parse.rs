//! `qualys::dates::UtcInstant::parse` on arbitrary text (bytes read as lossy UTF-8).
//!
//! Besides "no panic, no hang": a failure is `invalid-input`, and an instant that parses
//! writes itself as `YYYY-MM-DDTHH:MM:SSZ`, which parses back to the same instant.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qualys_connector::ErrorKind;
use qualys_connector::qualys::dates::UtcInstant;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match UtcInstant::parse(&text) {
        Ok(instant) => {
            let written = instant.to_qualys();
            assert_eq!(written.len(), 20, "{written}");
            assert!(written.ends_with('Z'));
            assert_eq!(UtcInstant::parse(&written), Ok(instant), "{written}");
        }
        Err(error) => assert_eq!(error.kind, ErrorKind::InvalidInput, "{error:?}"),
    }
});
