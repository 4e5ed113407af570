//! `activate-user`: makes an Inactive user Active.
//!
//! 1. The login is validated ([`input::validate_login`]) before anything is sent.
//! 2. The user's state is read from `user_list.php`, page after page (`id_min`), until the login
//!    is found or the list ends. Logins are matched exactly, case included.
//! 3. Only an Inactive user is activated, with one `user.php` write that is never retried
//!    (except when Qualys said it did not run it: 409 with 1960 or 1965). Already Active is a
//!    success that sends nothing; Pending Activation is `conflict`; not in the list is
//!    `not-found`.
//! 4. The `user.php` answer is read for SUCCESS or FAILED: a FAILED inside HTTP 200 is an error
//!    carrying Qualys's message (see [`users`] for how FAILED answers are mapped).

use crate::contract::{Connection, UserActivation};
use crate::qualys::client::QualysClient;
use crate::qualys::users::{self, UserEntry, UserStatus};

use super::input;
use crate::transport::Transport;
use crate::{Error, ErrorKind, Result};

/// Runs `activate-user` for `login`.
pub fn activate_user<T: Transport>(
    transport: T,
    conn: &Connection,
    login: &str,
) -> Result<UserActivation> {
    input::validate_login(login)?;
    let mut client = super::open_client(transport, conn)?;
    let user = find_user(&mut client, login)?.ok_or_else(|| not_found(login))?;
    let previous = user.status.ok_or_else(|| {
        Error::bad_response(format!("user_list.php gives no USER_STATUS for {login}"))
    })?;
    let message = match UserStatus::parse(&previous) {
        UserStatus::Active => None,
        UserStatus::Inactive => Some(activate(&mut client, login)?),
        UserStatus::PendingActivation => return Err(pending(login)),
        UserStatus::Other => return Err(unknown_status(login, &previous)),
    };
    Ok(UserActivation {
        login: login.to_owned(),
        previous_status: Some(previous),
        changed: message.is_some(),
        message: message.unwrap_or_default(),
    })
}

/// The user with `login`, reading the list page after page until it is found or ends.
fn find_user<T: Transport>(client: &mut QualysClient<T>, login: &str) -> Result<Option<UserEntry>> {
    let mut id_min: Option<String> = None;
    loop {
        let response = client.send(&users::user_list_request(id_min.as_deref()))?;
        let page = users::parse_user_list(&response.body)?;
        if let Some(user) = page.users.into_iter().find(|user| user.login == login) {
            return Ok(Some(user));
        }
        match page.next_id_min {
            None => return Ok(None),
            Some(next) if id_min.as_ref() == Some(&next) => {
                return Err(Error::bad_response(format!(
                    "user_list.php sent the page at id_min={next} again instead of the next one"
                )));
            }
            next => id_min = next,
        }
    }
}

/// Sends the activation; Qualys's message, empty when it sent none.
fn activate<T: Transport>(client: &mut QualysClient<T>, login: &str) -> Result<String> {
    let response = client.send(&users::status_change_request(
        users::UserAction::Activate,
        login,
    ))?;
    let message = users::parse_user_output(&response.body)
        .map_err(|error| error.or_status(response.status))?;
    Ok(message.unwrap_or_default())
}

fn not_found(login: &str) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!("no user with the login {login} is visible to this account"),
    )
    .with_hint(
        "check the login (matched exactly, case included); a Unit Manager only sees the users \
         of their own business unit",
    )
}

fn pending(login: &str) -> Error {
    Error::new(
        ErrorKind::Conflict,
        format!("user {login} is Pending Activation and cannot be activated through the API"),
    )
    .with_hint(
        "the user must finish the first login (from Qualys's activation e-mail); the account is \
         Active after that",
    )
}

fn unknown_status(login: &str, status: &str) -> Error {
    Error::new(
        ErrorKind::Conflict,
        format!("user {login} has the status {status:?}; only an Inactive user can be activated"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::scripted::{self, Scripted, ok};
    use crate::transport::{HttpResponse, Method};

    fn conn() -> Connection {
        scripted::connection()
    }

    fn user(login: &str, status: &str) -> String {
        format!(
            "<USER><USER_LOGIN>{login}</USER_LOGIN><USER_ID>1</USER_ID>\
             <USER_STATUS>{status}</USER_STATUS><USER_ROLE>Scanner</USER_ROLE></USER>"
        )
    }

    fn list(users: &[String], next_id_min: Option<&str>) -> String {
        let warning = next_id_min
            .map(|id| {
                format!(
                    "<WARNING><CODE>1980</CODE><URL>https://qualysapi.qualys.com/msp/\
                     user_list.php?id_min={id}</URL></WARNING>"
                )
            })
            .unwrap_or_default();
        format!(
            "<USER_LIST_OUTPUT><USER_LIST>{}</USER_LIST>{warning}</USER_LIST_OUTPUT>",
            users.concat()
        )
    }

    fn user_output(status: &str, message: &str) -> String {
        format!(
            "<USER_OUTPUT><RETURN status=\"{status}\"><MESSAGE>{message}</MESSAGE></RETURN>\
             </USER_OUTPUT>"
        )
    }

    fn run(script: &mut Scripted, login: &str) -> Result<UserActivation> {
        activate_user(script, &conn(), login)
    }

    #[test]
    fn an_invalid_login_is_rejected_before_any_request() {
        let mut script = Scripted::new(vec![]);
        for login in ["", "acme mg1", "a&login=acme_mg1"] {
            let error = run(&mut script, login).unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidInput);
        }
        assert!(script.sent.is_empty());
    }

    #[test]
    fn an_inactive_user_is_activated_with_one_form_post() {
        let mut script = Scripted::new(vec![
            ok(list(
                &[user("acme_mg1", "Active"), user("acme_ir1", "Inactive")],
                None,
            )),
            ok(user_output("SUCCESS", "User acme_ir1 has been activated.")),
        ]);
        let activation = run(&mut script, "acme_ir1").unwrap();
        assert_eq!(activation.login, "acme_ir1");
        assert_eq!(activation.previous_status.as_deref(), Some("Inactive"));
        assert!(activation.changed);
        assert_eq!(activation.message, "User acme_ir1 has been activated.");
        assert_eq!(script.sent.len(), 2);
        let write = &script.sent[1];
        assert_eq!(write.method, Method::Post);
        assert_eq!(write.path_and_query, "/msp/user.php");
        assert_eq!(write.body, b"action=activate&login=acme_ir1");
        assert!(write.headers.contains(&(
            "content-type".to_owned(),
            "application/x-www-form-urlencoded".to_owned()
        )));
    }

    #[test]
    fn the_user_list_is_paged_until_the_login_is_found() {
        let mut script = Scripted::new(vec![
            ok(list(&[user("acme_aa1", "Active")], Some("2001"))),
            ok(list(&[user("acme_bb1", "Active")], Some("3001"))),
            ok(list(&[user("acme_ir1", "Inactive")], Some("4001"))),
            ok(user_output("SUCCESS", "done")),
        ]);
        assert!(run(&mut script, "acme_ir1").unwrap().changed);
        let paths: Vec<&str> = script
            .sent
            .iter()
            .map(|r| r.path_and_query.as_str())
            .collect();
        assert_eq!(
            paths,
            [
                "/msp/user_list.php",
                "/msp/user_list.php?id_min=2001",
                "/msp/user_list.php?id_min=3001",
                "/msp/user.php"
            ]
        );
    }

    #[test]
    fn an_active_user_is_a_success_that_sends_nothing() {
        let mut script = Scripted::new(vec![ok(list(&[user("acme_ea1", "Active")], None))]);
        let activation = run(&mut script, "acme_ea1").unwrap();
        assert!(!activation.changed);
        assert_eq!(activation.previous_status.as_deref(), Some("Active"));
        assert_eq!(activation.message, "");
        assert_eq!(script.sent.len(), 1);
    }

    #[test]
    fn a_pending_user_is_a_conflict_with_the_first_login_hint() {
        let mut script = Scripted::new(vec![ok(list(
            &[user("acme_ep1", "Pending Activation")],
            None,
        ))]);
        let error = run(&mut script, "acme_ep1").unwrap_err();
        assert_eq!(error.kind, ErrorKind::Conflict);
        assert!(error.hint.unwrap().contains("first login"));
        assert_eq!(script.sent.len(), 1);
    }

    #[test]
    fn an_unknown_status_is_a_conflict_and_nothing_is_written() {
        let mut script = Scripted::new(vec![ok(list(&[user("acme_lk1", "Locked")], None))]);
        let error = run(&mut script, "acme_lk1").unwrap_err();
        assert_eq!(error.kind, ErrorKind::Conflict);
        assert!(error.message.contains("Locked"));
        assert_eq!(script.sent.len(), 1);
    }

    #[test]
    fn a_login_missing_from_every_page_is_not_found_with_the_business_unit_hint() {
        let mut script = Scripted::new(vec![
            ok(list(&[user("acme_aa1", "Active")], Some("2001"))),
            ok(list(&[user("ACME_ZZ1", "Inactive")], None)),
        ]);
        let error = run(&mut script, "acme_zz1").unwrap_err();
        assert_eq!(error.kind, ErrorKind::NotFound);
        assert!(error.hint.unwrap().contains("business unit"));
        assert_eq!(script.sent.len(), 2);
    }

    #[test]
    fn a_list_that_repeats_its_page_is_a_bad_response() {
        let page = list(&[user("acme_aa1", "Active")], Some("2001"));
        let mut script = Scripted::new(vec![ok(page.clone()), ok(page.clone()), ok(page)]);
        let error = run(&mut script, "acme_zz1").unwrap_err();
        assert_eq!(error.kind, ErrorKind::BadResponse);
        assert_eq!(script.sent.len(), 2);
    }

    #[test]
    fn a_role_that_may_not_list_users_is_permission_denied_before_any_write() {
        let refused = "<USER_LIST_OUTPUT><ERROR number=\"2002\">Sorry, you do not have \
                       permission to list users.</ERROR></USER_LIST_OUTPUT>";
        let mut script = Scripted::new(vec![ok(refused)]);
        let error = run(&mut script, "acme_ir1").unwrap_err();
        assert_eq!(error.kind, ErrorKind::PermissionDenied);
        assert_eq!(error.hint.as_deref(), Some(users::ROLE_RULES_HINT));
        assert_eq!(script.sent.len(), 1);
    }

    #[test]
    fn failed_inside_http_200_is_an_error_with_the_message_and_status() {
        let mut script = Scripted::new(vec![
            ok(list(&[user("acme_im1", "Inactive")], None)),
            ok(
                "<USER_OUTPUT><RETURN status=\"FAILED\" number=\"2002\"><MESSAGE>You do not \
                 have permission to activate user acme_im1.</MESSAGE></RETURN></USER_OUTPUT>",
            ),
        ]);
        let error = run(&mut script, "acme_im1").unwrap_err();
        assert_eq!(error.kind, ErrorKind::PermissionDenied);
        assert_eq!(error.http_status, Some(200));
        assert!(
            error
                .message
                .ends_with("You do not have permission to activate user acme_im1.")
        );
    }

    #[test]
    fn the_write_is_not_retried_after_a_server_error() {
        let mut script = Scripted::new(vec![
            ok(list(&[user("acme_ir1", "Inactive")], None)),
            Ok(HttpResponse {
                status: 503,
                headers: Vec::new(),
                body: b"Service Unavailable".to_vec(),
            }),
            ok(user_output("SUCCESS", "late")),
        ]);
        let error = run(&mut script, "acme_ir1").unwrap_err();
        assert_eq!(error.kind, ErrorKind::Upstream);
        assert_eq!(script.sent.len(), 2);
    }

    #[test]
    fn the_write_is_retried_when_qualys_did_not_run_it() {
        let busy = "<SIMPLE_RETURN><RESPONSE><CODE>1960</CODE><TEXT>busy</TEXT></RESPONSE>\
                    </SIMPLE_RETURN>";
        let mut script = Scripted::new(vec![
            ok(list(&[user("acme_ir1", "Inactive")], None)),
            Ok(HttpResponse {
                status: 409,
                headers: Vec::new(),
                body: busy.as_bytes().to_vec(),
            }),
            ok(user_output("SUCCESS", "User acme_ir1 has been activated.")),
        ]);
        assert!(run(&mut script, "acme_ir1").unwrap().changed);
        assert_eq!(script.sent.len(), 3);
        assert_eq!(script.sent[1], script.sent[2]);
    }
}
