//! Users (`/msp/user_list.php`, `/msp/user.php`): listing users and their state.
//!
//! `user_list.php` has no filter by login, so finding one user means reading the list. A long
//! list is truncated the way Qualys truncates its list APIs: a `WARNING` with code 1980 whose
//! `URL` continues at `id_min`; [`UserListPage::next_id_min`] carries it.

use super::client::ApiRequest;
use super::errors::shorten;
use super::xml::{self, Flow, Node};
use crate::{Error, ErrorKind, Result};

/// Path of the user list endpoint.
pub const USER_LIST_PATH: &str = "/msp/user_list.php";

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
    /// `USER_ID`.
    pub user_id: Option<String>,
    /// `USER_STATUS`: Active, Inactive, Pending Activation.
    pub status: Option<String>,
    /// `USER_ROLE`.
    pub role: Option<String>,
    /// `BUSINESS_UNIT`.
    pub business_unit: Option<String>,
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
                    let slot = match field.as_str() {
                        "USER_LOGIN" => {
                            user.login = text;
                            return Ok(Flow::Continue);
                        }
                        "USER_ID" => &mut user.user_id,
                        "USER_STATUS" => &mut user.status,
                        "USER_ROLE" => &mut user.role,
                        "BUSINESS_UNIT" => &mut user.business_unit,
                        _ => return Ok(Flow::Continue),
                    };
                    *slot = Some(text);
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
        assert_eq!(page.users[0].user_id.as_deref(), Some("101"));
        assert_eq!(page.users[0].role.as_deref(), Some("Manager"));
        assert_eq!(page.users[1].status.as_deref(), Some("Pending Activation"));
        assert_eq!(page.users[1].business_unit, None);
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
}
