//! `qualys::users::parse_user_output` (the `/msp/user.php` answer) on arbitrary bytes.
//!
//! Besides "no panic, no hang": a failure is one of the kinds the module documents for a
//! FAILED answer, or `bad-response`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qualys_connector::ErrorKind;
use qualys_connector::qualys::users;

fuzz_target!(|data: &[u8]| {
    if let Err(error) = users::parse_user_output(data) {
        assert!(
            matches!(
                error.kind,
                ErrorKind::BadResponse
                    | ErrorKind::PermissionDenied
                    | ErrorKind::NotFound
                    | ErrorKind::Conflict
                    | ErrorKind::Upstream
            ),
            "{error:?}"
        );
    }
});
