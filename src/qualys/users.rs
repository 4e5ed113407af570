//! Users (`/msp/user_list.php`, `/msp/user.php`): listing users, their state, and activating one.
//!
//! `user_list.php` has no filter by login, so finding one user means reading the list. A long
//! list is truncated the way Qualys truncates its list APIs: a `WARNING` with code 1980 whose
//! `URL` continues at `id_min`; [`UserListPage::next_id_min`] carries it.
//!
//! `user.php` takes `action=activate&login=…` as a form body and always answers HTTP 200 with
//! `USER_OUTPUT/RETURN@status` SUCCESS or FAILED and an optional `MESSAGE`. [`parse_user_output`]
//! turns FAILED into an error that carries Qualys's MESSAGE verbatim. Qualys documents neither
//! the wording nor the `number` attribute of a FAILED answer, so both are read:
//!
//! * `number` 2002, or a MESSAGE about permission or the business unit: `permission-denied`,
//!   with the role rules ([`ROLE_RULES_HINT`]) as hint;
//! * a MESSAGE saying the user does not exist: `not-found`;
//! * a MESSAGE about the user's state (already active or inactive, pending activation):
//!   `conflict`;
//! * anything else, with or without MESSAGE: `upstream`.
//!
//! Numbers that mean the same on every endpoint (1920/1960/1965: a limit, the call did not
//! run; 2001/2003/2007: the account) never reach these parsers: [`errors::check`] maps them
//! first, so a limit on `user.php` is waited out and retried like any other.
//!
//! [`errors::check`]: super::errors::check
//!
//! The action reads the user's state before writing, so a state or existence failure here
//! means the user changed in between.

use super::client::{ApiRequest, Effect};
use super::errors::shorten;
use super::xml::{self, Flow, Node};
use crate::{Error, ErrorKind, Result};

/// Path of the user list endpoint.
pub const USER_LIST_PATH: &str = "/msp/user_list.php";

/// Path of the user action endpoint.
pub const USER_ACTION_PATH: &str = "/msp/user.php";

/// Content type of `user.php` form bodies.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The hint for a role that may not administer users.
pub const ROLE_RULES_HINT: &str = "activating users needs the Manager role (any user), \
     Administrator (any user but Managers and Administrators) or Unit Manager (users of their \
     own business unit)";

/// The request for the page of users starting at `id_min` (the first page when `None`).
pub fn user_list_request(id_min: Option<&str>) -> ApiRequest {
    let request = ApiRequest::get(USER_LIST_PATH);
    match id_min {
        Some(id) => request.with_query("id_min", id),
        None => request,
    }
}

/// One `USER` of the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserEntry {
    /// `USER_LOGIN`.
    pub login: String,
    /// `USER_STATUS`: Active, Inactive, Pending Activation.
    pub status: Option<String>,
}

/// One page of `user_list.php`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserListPage {
    /// The users of this page.
    pub users: Vec<UserEntry>,
    /// Where the next page starts, when the list was truncated.
    pub next_id_min: Option<String>,
}

/// Parses a `USER_LIST_OUTPUT`; its `ERROR` is `permission-denied`.
pub fn parse_user_list(body: &[u8]) -> Result<UserListPage> {
    let mut page = UserListPage::default();
    let mut user = UserEntry::default();
    let mut failure: Option<(Option<String>, String)> = None;
    let mut error_number = None;
    xml::walk(body, |node| {
        match node {
            Node::Open { path, attributes }
                if xml::is_path(path, &["USER_LIST_OUTPUT", "ERROR"]) =>
            {
                error_number = attributes
                    .into_iter()
                    .find(|(name, _)| name == "number")
                    .map(|(_, value)| value);
            }
            Node::Text { path, text } => match path.get(1..).unwrap_or_default() {
                [list, entry, field] if list == "USER_LIST" && entry == "USER" => {
                    match field.as_str() {
                        "USER_LOGIN" => user.login = text,
                        "USER_STATUS" => user.status = Some(text),
                        _ => {}
                    }
                }
                [warning, field] if warning == "WARNING" && field == "URL" => {
                    page.next_id_min = id_min_of(&text);
                }
                [name] if name == "ERROR" => failure = Some((error_number.take(), text)),
                _ => {}
            },
            Node::Close { path }
                if xml::is_path(path, &["USER_LIST_OUTPUT", "USER_LIST", "USER"]) =>
            {
                page.users.push(std::mem::take(&mut user));
            }
            _ => {}
        }
        Ok(Flow::Continue)
    })?;
    match failure {
        Some((number, text)) => Err(list_refused(number, &text)),
        None => Ok(page),
    }
}

fn list_refused(number: Option<String>, text: &str) -> Error {
    let error = Error::new(
        ErrorKind::PermissionDenied,
        format!("Qualys refused to list users: {}", shorten(text)),
    )
    .with_hint(ROLE_RULES_HINT);
    match number {
        Some(number) => error.with_code(number),
        None => error,
    }
}

/// The `id_min` parameter of a continuation URL.
fn id_min_of(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "id_min")
        .map(|(_, value)| value.into_owned())
}

/// A user's `USER_STATUS`, read without regard to case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// `Active`.
    Active,
    /// `Inactive`: the only status that can be activated.
    Inactive,
    /// `Pending Activation`: the user never finished the first login.
    PendingActivation,
    /// A status this connector does not know.
    Other,
}

impl UserStatus {
    /// The status `USER_STATUS` names.
    pub fn parse(text: &str) -> Self {
        let known = [
            ("Active", Self::Active),
            ("Inactive", Self::Inactive),
            ("Pending Activation", Self::PendingActivation),
        ];
        known
            .into_iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(text))
            .map_or(Self::Other, |(_, status)| status)
    }
}

/// What `user.php` is asked to do to a user's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAction {
    /// `action=activate`: Inactive to Active.
    Activate,
    /// `action=deactivate`: Active to Inactive; Qualys keeps the user's settings.
    Deactivate,
}

impl UserAction {
    /// The `action` parameter, which is also the verb of messages.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Activate => "activate",
            Self::Deactivate => "deactivate",
        }
    }
}

/// `POST /msp/user.php` with the form body `action=activate|deactivate&login=…`; a write.
pub fn status_change_request(action: UserAction, login: &str) -> ApiRequest {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("action", action.verb())
        .append_pair("login", login)
        .finish();
    ApiRequest::post(
        USER_ACTION_PATH,
        FORM_CONTENT_TYPE,
        body.into_bytes(),
        Effect::Write,
    )
}

/// What `USER_OUTPUT/RETURN` says.
#[derive(Debug, Default)]
struct UserOutput {
    status: Option<String>,
    number: Option<String>,
    message: Option<String>,
}

/// Reads a `user.php` answer: Qualys's MESSAGE on SUCCESS (`None` when it sent none), or the
/// FAILED answer as an error (see the module docs).
pub fn parse_user_output(body: &[u8]) -> Result<Option<String>> {
    let mut output = UserOutput::default();
    xml::walk(body, |node| {
        match node {
            Node::Open { path, attributes } if is_user_return(path) => {
                for (name, value) in attributes {
                    match name.as_str() {
                        "status" => output.status = Some(value),
                        "number" => output.number = Some(value),
                        _ => {}
                    }
                }
            }
            Node::Text { path, text }
                if path.len() == 3 && is_user_return(&path[..2]) && path[2] == "MESSAGE" =>
            {
                output.message = Some(text);
            }
            Node::Text { path, text } if is_user_return(path) => output.message = Some(text),
            _ => {}
        }
        Ok(Flow::Continue)
    })?;
    match output.status.as_deref() {
        Some("SUCCESS") => Ok(output.message),
        Some("FAILED") => Err(user_action_failed(output.number, output.message)),
        Some(other) => Err(Error::bad_response(format!(
            "user.php answered with the unknown status {:?}",
            shorten(other)
        ))),
        None => Err(Error::bad_response(
            "the user.php answer holds no USER_OUTPUT/RETURN status",
        )),
    }
}

/// `USER_OUTPUT/RETURN`, or `GENERIC_RETURN/RETURN` (the MSP v1 family, whose text is the
/// message), so that a SUCCESS in either is read as one.
fn is_user_return(path: &[String]) -> bool {
    xml::is_path(path, &["USER_OUTPUT", "RETURN"])
        || xml::is_path(path, &["GENERIC_RETURN", "RETURN"])
}

/// A FAILED `user.php` answer as an error (see the module docs), MESSAGE kept verbatim.
fn user_action_failed(number: Option<String>, message: Option<String>) -> Error {
    let said = message.as_deref().unwrap_or_default().to_ascii_lowercase();
    let kind = if number.as_deref() == Some("2002")
        || said.contains("permission")
        || said.contains("business unit")
    {
        ErrorKind::PermissionDenied
    } else if said.contains("does not exist") {
        ErrorKind::NotFound
    } else if ["pending", "already", "inactive", "status"]
        .iter()
        .any(|word| said.contains(word))
    {
        ErrorKind::Conflict
    } else {
        ErrorKind::Upstream
    };
    let text = match &message {
        Some(message) => format!("Qualys answered FAILED: {message}"),
        None => "Qualys answered FAILED without a message".to_owned(),
    };
    let error = Error::new(kind, text);
    let error = match kind {
        ErrorKind::PermissionDenied => error.with_hint(ROLE_RULES_HINT),
        _ => error,
    };
    match number {
        Some(number) => error.with_code(number),
        None => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<!DOCTYPE USER_LIST_OUTPUT \
        SYSTEM \"https://qualysapi.qualys.com/user_list_output.dtd\">\n<USER_LIST_OUTPUT>\
        <USER_LIST><USER><USER_LOGIN>acme_mg1</USER_LOGIN><USER_ID>101</USER_ID><CONTACT_INFO>\
        <FIRSTNAME>Ann</FIRSTNAME></CONTACT_INFO><USER_STATUS>Active</USER_STATUS><USER_ROLE>\
        Manager</USER_ROLE><BUSINESS_UNIT>Unassigned</BUSINESS_UNIT></USER><USER><USER_LOGIN>\
        acme_xx9</USER_LOGIN><USER_STATUS>Pending Activation</USER_STATUS></USER></USER_LIST>\
        <WARNING><CODE>1980</CODE><TEXT>more</TEXT><URL>https://qualysapi.qualys.com/msp/\
        user_list.php?action=list&amp;id_min=2001</URL></WARNING></USER_LIST_OUTPUT>\n\
        <!-- CONFIDENTIAL -->";

    #[test]
    fn users_and_the_continuation_are_read() {
        let page = parse_user_list(LIST.as_bytes()).unwrap();
        assert_eq!(page.users.len(), 2);
        assert_eq!(page.users[0].login, "acme_mg1");
        assert_eq!(page.users[0].status.as_deref(), Some("Active"));
        assert_eq!(page.users[1].login, "acme_xx9");
        assert_eq!(page.users[1].status.as_deref(), Some("Pending Activation"));
        assert_eq!(page.next_id_min.as_deref(), Some("2001"));
    }

    #[test]
    fn an_error_in_the_list_is_permission_denied_with_the_role_rules() {
        let body = b"<USER_LIST_OUTPUT><ERROR number=\"2002\">No permission</ERROR>\
                     </USER_LIST_OUTPUT>";
        let error = parse_user_list(body).unwrap_err();
        assert_eq!(error.kind, ErrorKind::PermissionDenied);
        assert_eq!(error.qualys_code.as_deref(), Some("2002"));
        assert!(error.message.contains("No permission"));
        assert!(error.hint.unwrap().contains("Unit Manager"));
    }

    #[test]
    fn the_next_page_request_carries_id_min() {
        assert_eq!(
            user_list_request(Some("2001")).path_and_query(),
            "/msp/user_list.php?id_min=2001"
        );
        assert_eq!(
            user_list_request(None).path_and_query(),
            "/msp/user_list.php"
        );
    }

    fn user_output(inner: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<!DOCTYPE USER_OUTPUT SYSTEM \
             \"https://qualysapi.qualys.com/user_output.dtd\">\n<USER_OUTPUT>\n  <API \
             name=\"user.php\" username=\"acme_mg1\" at=\"2026-11-01T00:00:00Z\"/>\n  {inner}\n\
             </USER_OUTPUT>\n<!-- CONFIDENTIAL -->"
        )
    }

    fn failure(inner: &str) -> Error {
        parse_user_output(user_output(inner).as_bytes()).unwrap_err()
    }

    #[test]
    fn the_activation_is_a_form_encoded_write_to_user_php() {
        let request = status_change_request(UserAction::Activate, "acme!ab1.x");
        assert_eq!(request.method, crate::transport::Method::Post);
        assert_eq!(request.path_and_query(), "/msp/user.php");
        assert_eq!(request.effect, Effect::Write);
        let (content_type, body) = request.body.unwrap();
        assert_eq!(content_type, "application/x-www-form-urlencoded");
        assert_eq!(body, b"action=activate&login=acme%21ab1.x");
    }

    #[test]
    fn the_deactivation_is_the_same_write_with_action_deactivate() {
        let request = status_change_request(UserAction::Deactivate, "acme_ea1");
        assert_eq!(request.effect, Effect::Write);
        let (_, body) = request.body.unwrap();
        assert_eq!(body, b"action=deactivate&login=acme_ea1");
    }

    #[test]
    fn success_gives_the_message_verbatim() {
        let body = user_output(
            "<RETURN status=\"SUCCESS\"><MESSAGE>User acme_im1 has been activated.</MESSAGE>\
             </RETURN>",
        );
        let message = parse_user_output(body.as_bytes()).unwrap();
        assert_eq!(
            message.as_deref(),
            Some("User acme_im1 has been activated.")
        );
    }

    #[test]
    fn success_in_the_msp_v1_family_is_still_success() {
        let body = "<GENERIC_RETURN><API name=\"user.php\"/><RETURN status=\"SUCCESS\">\n  \
                    User acme_im1 has been activated.\n</RETURN></GENERIC_RETURN>";
        assert_eq!(
            parse_user_output(body.as_bytes()).unwrap().as_deref(),
            Some("User acme_im1 has been activated.")
        );
    }

    #[test]
    fn success_without_a_message_is_still_success() {
        let body = user_output("<RETURN status=\"SUCCESS\"/>");
        assert_eq!(parse_user_output(body.as_bytes()), Ok(None));
    }

    #[test]
    fn a_role_refusal_is_permission_denied_with_the_verbatim_message_and_role_rules() {
        let error = failure(
            "<RETURN status=\"FAILED\" number=\"2002\"><MESSAGE>You do not have permission to \
             activate user acme_im1: Manager accounts can only be changed by a Manager.</MESSAGE>\
             </RETURN>",
        );
        assert_eq!(error.kind, ErrorKind::PermissionDenied);
        assert_eq!(
            error.message,
            "Qualys answered FAILED: You do not have permission to activate user acme_im1: \
             Manager accounts can only be changed by a Manager."
        );
        assert_eq!(error.qualys_code.as_deref(), Some("2002"));
        assert_eq!(error.hint.as_deref(), Some(ROLE_RULES_HINT));
    }

    #[test]
    fn a_role_refusal_without_a_message_is_still_permission_denied() {
        let error = failure("<RETURN status=\"FAILED\" number=\"2002\"/>");
        assert_eq!(error.kind, ErrorKind::PermissionDenied);
        assert_eq!(error.message, "Qualys answered FAILED without a message");
        assert_eq!(error.hint.as_deref(), Some(ROLE_RULES_HINT));
    }

    #[test]
    fn a_refusal_is_recognised_by_its_message_when_there_is_no_number() {
        let error = failure(
            "<RETURN status=\"FAILED\"><MESSAGE>User acme_as1 is not in your business unit \
             (Europe).</MESSAGE></RETURN>",
        );
        assert_eq!(error.kind, ErrorKind::PermissionDenied);
        assert_eq!(error.qualys_code, None);
    }

    #[test]
    fn a_state_failure_is_a_conflict() {
        let error = failure(
            "<RETURN status=\"FAILED\" number=\"1904\"><MESSAGE>User acme_ep1 is pending \
             activation.</MESSAGE></RETURN>",
        );
        assert_eq!(error.kind, ErrorKind::Conflict);
        assert_eq!(error.qualys_code.as_deref(), Some("1904"));
    }

    #[test]
    fn a_vanished_user_is_not_found() {
        let error = failure(
            "<RETURN status=\"FAILED\" number=\"1905\"><MESSAGE>User login 'acme_zz1' does \
             not exist.</MESSAGE></RETURN>",
        );
        assert_eq!(error.kind, ErrorKind::NotFound);
    }

    #[test]
    fn any_other_failure_is_upstream_with_the_message_unescaped_and_unshortened() {
        let long = "x".repeat(400);
        let error = failure(&format!(
            "<RETURN status=\"FAILED\"><MESSAGE>R&amp;D &lt;odd&gt; {long}</MESSAGE></RETURN>"
        ));
        assert_eq!(error.kind, ErrorKind::Upstream);
        assert_eq!(
            error.message,
            format!("Qualys answered FAILED: R&D <odd> {long}")
        );
        let bare = failure("<RETURN status=\"FAILED\"/>");
        assert_eq!(bare.kind, ErrorKind::Upstream);
        assert_eq!(bare.hint, None);
    }

    #[test]
    fn an_answer_without_a_return_status_is_a_bad_response() {
        for inner in [
            "",
            "<RETURN><MESSAGE>?</MESSAGE></RETURN>",
            "<RETURN status=\"MAYBE\"/>",
        ] {
            let error = parse_user_output(user_output(inner).as_bytes()).unwrap_err();
            assert_eq!(error.kind, ErrorKind::BadResponse, "{inner}");
        }
    }

    #[test]
    fn statuses_are_read_without_regard_to_case() {
        assert_eq!(UserStatus::parse("Active"), UserStatus::Active);
        assert_eq!(UserStatus::parse("INACTIVE"), UserStatus::Inactive);
        assert_eq!(
            UserStatus::parse("Pending Activation"),
            UserStatus::PendingActivation
        );
        assert_eq!(UserStatus::parse("Locked"), UserStatus::Other);
    }
}
