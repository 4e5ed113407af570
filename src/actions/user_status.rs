//! `activate-user`, `deactivate-user` and their batch forms: a user's status, changed safely.
//!
//! 1. Logins are validated ([`input::validate_login`]) before anything is sent for them.
//! 2. The users' states are read from `user_list.php`, page after page (`id_min`): for one
//!    login until it is found, for a batch until every login is found or the list ends, so a
//!    batch reads the list once whatever its size. Logins are matched exactly, case included.
//! 3. Only a user in the status the change starts from (Inactive to activate, Active to
//!    deactivate) gets one `user.php` write, never retried (except when Qualys said it did not
//!    run it: a limit). A user already in the status asked for is a success that sends nothing;
//!    Pending Activation is `conflict`; not in the list is `not-found`.
//! 4. The `user.php` answer is read for SUCCESS or FAILED: a FAILED inside HTTP 200 is an error
//!    carrying Qualys's message (see [`users`] for how FAILED answers are mapped).
//!
//! A batch keeps its own error for what stops everything before any login is handled (no
//! logins or too many, credentials, the list unreadable); after that every login has its own
//! outcome. When a write fails in a way that would fail the next writes too (a limit that does
//! not fit the budget, the timeout, a lost connection, a refused login), the batch stops there:
//! the logins not yet handled get an error of the same kind saying they were not handled, so a
//! rerun of the same batch finishes the rest and changes nothing twice.

use super::input;
use crate::contract::{Connection, UserStatusChange};
use crate::qualys::client::QualysClient;
use crate::qualys::users::{self, UserAction, UserEntry, UserStatus};
use crate::transport::Transport;
use crate::{Error, ErrorKind, Result};

/// Most distinct logins one batch call takes.
pub const MAX_LOGINS_PER_CALL: usize = 1000;

/// The outcome for one login of a batch; the export boundary converts its error.
pub type UserOutcome = (String, Result<UserStatusChange>);

/// Runs `activate-user` (`action` Activate) or `deactivate-user` for one `login`.
pub fn change_user<T: Transport>(
    transport: T,
    conn: &Connection,
    login: &str,
    action: UserAction,
) -> Result<UserStatusChange> {
    input::validate_login(login)?;
    let mut client = super::open_client(transport, conn)?;
    let found = read_users(&mut client, &[login])?;
    let user = found.get(login).ok_or_else(|| not_found(login))?;
    change(&mut client, user, action)
}

/// Runs `activate-users` or `deactivate-users`: one outcome per distinct login, in the order
/// given.
pub fn change_users<T: Transport>(
    transport: T,
    conn: &Connection,
    logins: &[String],
    action: UserAction,
) -> Result<Vec<UserOutcome>> {
    let logins = distinct_logins(logins)?;
    let mut client = super::open_client(transport, conn)?;
    let wanted: Vec<&str> = logins
        .iter()
        .filter(|login| input::validate_login(login).is_ok())
        .map(String::as_str)
        .collect();
    let found = if wanted.is_empty() {
        Found::default()
    } else {
        read_users(&mut client, &wanted)?
    };
    let mut outcomes = Vec::with_capacity(logins.len());
    let mut stopped: Option<Error> = None;
    for login in logins {
        let outcome = match &stopped {
            Some(reason) => Err(not_handled(reason)),
            None => input::validate_login(&login).and_then(|()| {
                let user = found.get(login.as_str()).ok_or_else(|| not_found(&login))?;
                change(&mut client, user, action)
            }),
        };
        if let Err(error) = &outcome
            && stopped.is_none()
            && stops_the_batch(error)
        {
            stopped = Some(error.clone());
        }
        outcomes.push((login, outcome));
    }
    Ok(outcomes)
}

/// `logins` without repeats, in the order given; none, or more than
/// [`MAX_LOGINS_PER_CALL`], is `invalid-input`.
fn distinct_logins(logins: &[String]) -> Result<Vec<String>> {
    if logins.is_empty() {
        return Err(Error::invalid_input(
            "logins is empty: give 1 to 1000 Qualys logins",
        ));
    }
    let mut seen = SortedLogins::default();
    let distinct: Vec<String> = logins
        .iter()
        .filter(|login| seen.insert(login))
        .cloned()
        .collect();
    if distinct.len() > MAX_LOGINS_PER_CALL {
        return Err(Error::invalid_input(format!(
            "logins holds {} distinct logins; at most {MAX_LOGINS_PER_CALL} per call",
            distinct.len()
        )));
    }
    Ok(distinct)
}

/// A set of logins kept sorted by insertion (no sort routine: it would weigh on the
/// component's size), for lookups by binary search.
#[derive(Default)]
struct SortedLogins<'a>(Vec<&'a str>);

impl<'a> SortedLogins<'a> {
    /// Adds `login`; false when it was already there.
    fn insert(&mut self, login: &'a str) -> bool {
        match self.0.binary_search(&login) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, login);
                true
            }
        }
    }

    fn contains(&self, login: &str) -> bool {
        self.0.binary_search(&login).is_ok()
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// The users found in the list, sorted by login.
#[derive(Default)]
struct Found(Vec<UserEntry>);

impl Found {
    /// The user with exactly `login`.
    fn get(&self, login: &str) -> Option<&UserEntry> {
        let at = self.position(login).ok()?;
        self.0.get(at)
    }

    fn position(&self, login: &str) -> std::result::Result<usize, usize> {
        self.0
            .binary_search_by(|user| user.login.as_str().cmp(login))
    }

    /// Adds `user` unless a user with its login is there already.
    fn insert(&mut self, user: UserEntry) {
        if let Err(at) = self.position(&user.login) {
            self.0.insert(at, user);
        }
    }
}

/// The users among `logins`, reading the list page after page until all are found or it ends.
fn read_users<T: Transport>(client: &mut QualysClient<T>, logins: &[&str]) -> Result<Found> {
    let mut wanted = SortedLogins::default();
    for login in logins {
        wanted.insert(login);
    }
    let mut found = Found::default();
    let mut id_min: Option<String> = None;
    loop {
        let response = client.send(&users::user_list_request(id_min.as_deref()))?;
        let page = users::parse_user_list(&response.body)?;
        for user in page.users {
            if wanted.contains(&user.login) {
                found.insert(user);
            }
        }
        if found.0.len() == wanted.len() {
            return Ok(found);
        }
        match page.next_id_min {
            None => return Ok(found),
            Some(next) if id_min.as_ref() == Some(&next) => {
                return Err(Error::bad_response(format!(
                    "user_list.php sent the page at id_min={next} again instead of the next one"
                )));
            }
            next => id_min = next,
        }
    }
}

/// Changes `user`'s status by `action` when it needs it.
fn change<T: Transport>(
    client: &mut QualysClient<T>,
    user: &UserEntry,
    action: UserAction,
) -> Result<UserStatusChange> {
    let login = user.login.as_str();
    let previous = user.status.clone().ok_or_else(|| {
        Error::bad_response(format!("user_list.php gives no USER_STATUS for {login}"))
    })?;
    let status = UserStatus::parse(&previous);
    let message = match (action, status) {
        (UserAction::Activate, UserStatus::Active)
        | (UserAction::Deactivate, UserStatus::Inactive) => None,
        (UserAction::Activate, UserStatus::Inactive)
        | (UserAction::Deactivate, UserStatus::Active) => Some(write(client, login, action)?),
        (_, UserStatus::PendingActivation) => return Err(pending(login, action)),
        (_, UserStatus::Other) => return Err(unknown_status(login, &previous, action)),
    };
    Ok(UserStatusChange {
        login: login.to_owned(),
        previous_status: Some(previous),
        changed: message.is_some(),
        message: message.unwrap_or_default(),
    })
}

/// Sends the change; Qualys's message, empty when it sent none.
fn write<T: Transport>(
    client: &mut QualysClient<T>,
    login: &str,
    action: UserAction,
) -> Result<String> {
    let response = client.send(&users::status_change_request(action, login))?;
    let message = users::parse_user_output(&response.body)
        .map_err(|error| error.or_status(response.status))?;
    Ok(message.unwrap_or_default())
}

/// Whether `error` would fail the writes after it too: then the batch stops.
fn stops_the_batch(error: &Error) -> bool {
    matches!(
        error.kind,
        ErrorKind::RateLimited | ErrorKind::Timeout | ErrorKind::Transport | ErrorKind::AuthFailed
    )
}

/// The outcome of a login the batch did not reach because of `reason`.
fn not_handled(reason: &Error) -> Error {
    Error {
        message: format!(
            "not handled: the call stopped before this login ({}: {})",
            reason.kind, reason.message
        ),
        hint: Some(
            "nothing was sent for this login; run the same call again: logins already changed \
             are skipped"
                .to_owned(),
        ),
        ..reason.clone()
    }
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

fn pending(login: &str, action: UserAction) -> Error {
    let verb = action.verb();
    Error::new(
        ErrorKind::Conflict,
        format!("user {login} is Pending Activation and cannot be {verb}d through the API"),
    )
    .with_hint(
        "the user must finish the first login (from Qualys's activation e-mail); the account is \
         Active after that",
    )
}

fn unknown_status(login: &str, status: &str, action: UserAction) -> Error {
    let (verb, from) = match action {
        UserAction::Activate => ("activated", "Inactive"),
        UserAction::Deactivate => ("deactivated", "Active"),
    };
    Error::new(
        ErrorKind::Conflict,
        format!("user {login} has the status {status:?}; only an {from} user can be {verb}"),
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

    fn run(script: &mut Scripted, login: &str) -> Result<UserStatusChange> {
        change_user(script, &conn(), login, UserAction::Activate)
    }

    fn deactivate(script: &mut Scripted, login: &str) -> Result<UserStatusChange> {
        change_user(script, &conn(), login, UserAction::Deactivate)
    }

    fn batch(script: &mut Scripted, logins: &[&str], action: UserAction) -> Vec<UserOutcome> {
        let logins: Vec<String> = logins.iter().map(|login| (*login).to_owned()).collect();
        change_users(script, &conn(), &logins, action).unwrap()
    }

    fn writes(script: &Scripted) -> Vec<String> {
        script
            .sent
            .iter()
            .filter(|request| request.path_and_query == "/msp/user.php")
            .map(|request| String::from_utf8(request.body.clone()).unwrap())
            .collect()
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

    #[test]
    fn an_active_user_is_deactivated_with_one_form_post() {
        let mut script = Scripted::new(vec![
            ok(list(&[user("acme_ea1", "Active")], None)),
            ok(user_output(
                "SUCCESS",
                "User acme_ea1 has been deactivated.",
            )),
        ]);
        let change = deactivate(&mut script, "acme_ea1").unwrap();
        assert_eq!(change.previous_status.as_deref(), Some("Active"));
        assert!(change.changed);
        assert_eq!(change.message, "User acme_ea1 has been deactivated.");
        assert_eq!(writes(&script), ["action=deactivate&login=acme_ea1"]);
    }

    #[test]
    fn an_inactive_user_is_a_deactivation_that_sends_nothing() {
        let mut script = Scripted::new(vec![ok(list(&[user("acme_ir1", "Inactive")], None))]);
        let change = deactivate(&mut script, "acme_ir1").unwrap();
        assert!(!change.changed);
        assert_eq!(change.previous_status.as_deref(), Some("Inactive"));
        assert_eq!(script.sent.len(), 1);
    }

    #[test]
    fn a_pending_user_cannot_be_deactivated_either() {
        let mut script = Scripted::new(vec![ok(list(
            &[user("acme_ep1", "Pending Activation")],
            None,
        ))]);
        let error = deactivate(&mut script, "acme_ep1").unwrap_err();
        assert_eq!(error.kind, ErrorKind::Conflict);
        assert!(
            error.message.contains("cannot be deactivated"),
            "{}",
            error.message
        );
        assert_eq!(script.sent.len(), 1);
    }

    #[test]
    fn a_batch_reads_the_list_once_and_writes_only_what_needs_it_in_the_order_given() {
        let mut script = Scripted::new(vec![
            ok(list(
                &[
                    user("acme_a1", "Inactive"),
                    user("acme_b1", "Active"),
                    user("acme_c1", "Pending Activation"),
                    user("acme_d1", "Inactive"),
                ],
                None,
            )),
            ok(user_output("SUCCESS", "d done")),
            ok(user_output("SUCCESS", "a done")),
        ]);
        let logins = [
            "acme_d1",
            "acme_b1",
            "nobody",
            "acme_c1",
            "bad login",
            "acme_a1",
            "acme_d1",
        ];
        let outcomes = batch(&mut script, &logins, UserAction::Activate);
        let order: Vec<&str> = outcomes.iter().map(|(login, _)| login.as_str()).collect();
        assert_eq!(
            order,
            [
                "acme_d1",
                "acme_b1",
                "nobody",
                "acme_c1",
                "bad login",
                "acme_a1"
            ]
        );
        let kinds: Vec<Result<bool, ErrorKind>> = outcomes
            .iter()
            .map(|(_, outcome)| outcome.as_ref().map(|c| c.changed).map_err(|e| e.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                Ok(true),
                Ok(false),
                Err(ErrorKind::NotFound),
                Err(ErrorKind::Conflict),
                Err(ErrorKind::InvalidInput),
                Ok(true)
            ]
        );
        let lists = script.sent.len() - writes(&script).len();
        assert_eq!(lists, 1, "the list is read once");
        assert_eq!(
            writes(&script),
            [
                "action=activate&login=acme_d1",
                "action=activate&login=acme_a1"
            ]
        );
    }

    #[test]
    fn a_batch_stops_reading_the_list_once_every_login_is_found() {
        let mut script = Scripted::new(vec![
            ok(list(&[user("acme_a1", "Active")], Some("2001"))),
            ok(list(&[user("acme_b1", "Active")], Some("3001"))),
        ]);
        let outcomes = batch(&mut script, &["acme_b1", "acme_a1"], UserAction::Activate);
        assert!(outcomes.iter().all(|(_, outcome)| outcome.is_ok()));
        assert_eq!(script.sent.len(), 2);
    }

    #[test]
    fn a_batch_stopped_by_a_limit_says_which_logins_were_not_handled() {
        let limited = "<SIMPLE_RETURN><RESPONSE><CODE>1965</CODE><TEXT>wait</TEXT></RESPONSE>\
                       </SIMPLE_RETURN>";
        let mut script = Scripted::new(vec![
            ok(list(
                &[
                    user("acme_a1", "Inactive"),
                    user("acme_b1", "Inactive"),
                    user("acme_c1", "Inactive"),
                ],
                None,
            )),
            ok(user_output("SUCCESS", "a done")),
            Ok(HttpResponse {
                status: 409,
                headers: vec![("x-ratelimit-towait-sec".into(), b"3600".to_vec())],
                body: limited.as_bytes().to_vec(),
            }),
        ]);
        let outcomes = batch(
            &mut script,
            &["acme_a1", "acme_b1", "acme_c1"],
            UserAction::Activate,
        );
        assert!(outcomes[0].1.as_ref().unwrap().changed);
        let stopped = outcomes[1].1.as_ref().unwrap_err();
        assert_eq!(stopped.kind, ErrorKind::RateLimited);
        assert_eq!(stopped.retry_after_secs, Some(3600));
        let rest = outcomes[2].1.as_ref().unwrap_err();
        assert_eq!(rest.kind, ErrorKind::RateLimited);
        assert!(
            rest.message.starts_with("not handled: "),
            "{}",
            rest.message
        );
        assert_eq!(writes(&script).len(), 2, "nothing sent for acme_c1");
    }

    #[test]
    fn an_empty_or_oversized_batch_is_invalid_input_and_sends_nothing() {
        let mut script = Scripted::new(vec![]);
        let too_many: Vec<String> = (0..=MAX_LOGINS_PER_CALL).map(|n| format!("u{n}")).collect();
        for logins in [Vec::new(), too_many] {
            let error =
                change_users(&mut script, &conn(), &logins, UserAction::Activate).unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidInput);
        }
        assert!(script.sent.is_empty());
    }

    #[test]
    fn a_batch_that_cannot_read_the_list_is_the_calls_error() {
        let refused = "<USER_LIST_OUTPUT><ERROR number=\"2002\">Sorry, you do not have \
                       permission to list users.</ERROR></USER_LIST_OUTPUT>";
        let mut script = Scripted::new(vec![ok(refused)]);
        let logins = vec!["acme_a1".to_owned()];
        let error =
            change_users(&mut script, &conn(), &logins, UserAction::Deactivate).unwrap_err();
        assert_eq!(error.kind, ErrorKind::PermissionDenied);
    }
}
