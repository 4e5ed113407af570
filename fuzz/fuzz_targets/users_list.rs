//! `qualys::users::parse_user_list` (`/msp/user_list.php`) on arbitrary bytes, and
//! `UserStatus::parse` on every status it reads.
//!
//! Besides "no panic, no hang": a failure is `bad-response` (not a list) or
//! `permission-denied` (the list's own `ERROR`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use qualys_connector::ErrorKind;
use qualys_connector::actions::input;
use qualys_connector::qualys::users::{self, UserStatus};

fuzz_target!(|data: &[u8]| {
    match users::parse_user_list(data) {
        Ok(page) => {
            for user in &page.users {
                let _ = UserStatus::parse(user.status.as_deref().unwrap_or_default());
                let _ = input::validate_login(&user.login);
            }
        }
        Err(error) => assert!(
            matches!(
                error.kind,
                ErrorKind::BadResponse | ErrorKind::PermissionDenied
            ),
            "{error:?}"
        ),
    }
});
