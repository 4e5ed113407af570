//! Input validation: every check of what a caller passes, in one layer.
//!
//! The actions are the layer that validates. Each action hands its WIT inputs to this module
//! before it opens a client, so a bad input is `invalid-input` and nothing is sent. The layers
//! below (the protocol in [`qualys`](crate::qualys), the transport) trust what they are given:
//! they check what Qualys and the host answer, never what the caller asked.
//!
//! * [`credentials`]: the connection's username, password and time budget (every action);
//! * [`validate_login`]: the login of `activate-user`;
//! * [`search_query`]: the filters, limit, check-in window and cursor of `search-agents`;
//! * [`distinct_asset_ids`]: the asset ids of `launch-scan`.
//!
//! The connection's `server` is checked where it is resolved, by
//! [`ApiServer::resolve`](crate::qualys::server::ApiServer::resolve), which the platform table
//! owns.

use crate::contract::{AgentQuery, Connection};
use crate::qualys::client::{Credentials, DEFAULT_TIMEOUT_MS};
use crate::qualys::cursor;
use crate::qualys::dates::UtcInstant;
use crate::{Error, Result};

/// Longest login accepted.
pub const MAX_LOGIN_CHARS: usize = 64;

/// Most characters of one `search-agents` filter.
pub const MAX_FILTER_CHARS: usize = 256;

/// Agents returned when the query sets no limit.
pub const DEFAULT_LIMIT: u32 = 1000;

/// Most agents one `search-agents` call returns.
pub const MAX_LIMIT: u32 = 10_000;

/// Most distinct asset ids one `launch-scan` call takes.
pub const MAX_ASSET_IDS: usize = 10_000;

/// The credentials and time budget of `conn`: a username without ':' or control characters,
/// a password, and a timeout of at least 1 ms ([`DEFAULT_TIMEOUT_MS`] when unset).
pub fn credentials(conn: &Connection) -> Result<Credentials> {
    let (username, password, timeout_ms) = (&conn.username, &conn.password, conn.timeout_ms);
    if username.trim().is_empty() {
        return Err(Error::invalid_input("the username is empty"));
    }
    if username.contains(':') || username.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            "the username must not contain ':' or control characters",
        ));
    }
    if password.is_empty() {
        return Err(Error::invalid_input("the password is empty"));
    }
    if timeout_ms == Some(0) {
        return Err(Error::invalid_input("timeout-ms must be at least 1"));
    }
    Ok(Credentials {
        username: username.trim().to_owned(),
        password: password.clone(),
        timeout_ms: timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS),
    })
}

/// Checks that `login` looks like a Qualys login: 1 to [`MAX_LOGIN_CHARS`] characters of
/// `A-Z a-z 0-9 _ - ! .`; anything else is `invalid-input`.
pub fn validate_login(login: &str) -> Result<()> {
    if login.is_empty() {
        return Err(Error::invalid_input("the login is empty"));
    }
    let allowed = |c: &char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '!' | '.');
    if let Some(bad) = login.chars().find(|c| !allowed(c)) {
        return Err(Error::invalid_input(format!(
            "the login holds {bad:?}; Qualys logins are letters, digits, '_', '-', '!' and '.'"
        )));
    }
    if login.len() > MAX_LOGIN_CHARS {
        return Err(Error::invalid_input(format!(
            "the login is {} characters long; Qualys logins have at most {MAX_LOGIN_CHARS}",
            login.len()
        )));
    }
    Ok(())
}

/// A validated `search-agents` query: what to ask for, how many agents, and where to start.
#[derive(Debug)]
pub struct SearchQuery {
    /// The filters a cursor is bound to, normalised.
    pub filters: SearchFilters,
    /// How many agents to return at most.
    pub limit: usize,
    /// The asset id to continue after, from the cursor.
    pub start_after: Option<u64>,
}

/// The filters of a query, dates written as Qualys takes them.
#[derive(Debug)]
pub struct SearchFilters {
    /// `last-checked-in-from`, as a Qualys instant.
    pub from: Option<String>,
    /// `last-checked-in-to`, as a Qualys instant.
    pub to: Option<String>,
    /// `host-name`.
    pub host_name: Option<String>,
    /// `os`.
    pub os: Option<String>,
    /// `tags`, sorted and each once: the order of tags does not change what matches.
    pub tags: Vec<String>,
}

/// Separates tags in a cursor's binding; a control character, which no tag may hold.
const TAG_SEPARATOR: &str = "\u{1f}";

impl SearchFilters {
    /// What a cursor is bound to, in a fixed order; the tags come last, and only when there
    /// are any, so a cursor of a search without tags binds exactly the four other filters.
    pub fn key(&self) -> Vec<Option<String>> {
        let mut key = vec![
            self.from.clone(),
            self.to.clone(),
            self.host_name.clone(),
            self.os.clone(),
        ];
        if !self.tags.is_empty() {
            key.push(Some(self.tags.join(TAG_SEPARATOR)));
        }
        key
    }
}

/// `query` once valid: each filter at most [`MAX_FILTER_CHARS`] characters without control
/// characters (an empty string is no filter), `limit` in 1..=[`MAX_LIMIT`], dates in one of
/// the [accepted formats], the window not reversed, and the cursor one made for these same
/// filters.
///
/// [accepted formats]: crate::qualys::dates::ACCEPTED_FORMATS
pub fn search_query(query: &AgentQuery) -> Result<SearchQuery> {
    let from = text_filter(
        "last-checked-in-from",
        query.last_checked_in_from.as_deref(),
    )?;
    let to = text_filter("last-checked-in-to", query.last_checked_in_to.as_deref())?;
    let host_name = text_filter("host-name", query.host_name.as_deref())?;
    let os = text_filter("os", query.os.as_deref())?;
    let limit = limit(query.limit)?;
    let (from, to) = window(from, to)?;
    let filters = SearchFilters {
        from,
        to,
        host_name: host_name.map(str::to_owned),
        os: os.map(str::to_owned),
        tags: tags(query.tags.as_deref())?,
    };
    let key = filters.key();
    let start_after = match query.cursor.as_deref().filter(|text| !text.is_empty()) {
        Some(text) => Some(cursor::decode(text, &borrowed(&key))?),
        None => None,
    };
    Ok(SearchQuery {
        filters,
        limit,
        start_after,
    })
}

/// The tags filter: each tag checked like a text filter (an empty one is no filter), then
/// sorted and each kept once.
fn tags(tags: Option<&[String]>) -> Result<Vec<String>> {
    let mut valid: Vec<String> = Vec::new();
    for tag in tags.unwrap_or_default() {
        let Some(tag) = text_filter("a tag", Some(tag))? else {
            continue;
        };
        // Kept sorted by insertion: a sort routine would weigh on the component's size.
        if let Err(at) = valid.binary_search_by(|have| have.as_str().cmp(tag)) {
            valid.insert(at, tag.to_owned());
        }
    }
    Ok(valid)
}

/// `key` as the cursor module takes it.
pub fn borrowed(key: &[Option<String>]) -> Vec<Option<&str>> {
    key.iter().map(Option::as_deref).collect()
}

/// A filter's text: `None` when absent or empty; too long or with control characters is
/// `invalid-input`.
fn text_filter<'q>(name: &str, text: Option<&'q str>) -> Result<Option<&'q str>> {
    let Some(text) = text.filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_FILTER_CHARS {
        return Err(Error::invalid_input(format!(
            "{name} is longer than {MAX_FILTER_CHARS} characters"
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(Error::invalid_input(format!(
            "{name} must not contain control characters"
        )));
    }
    Ok(Some(text))
}

/// The limit, defaulted and checked.
fn limit(limit: Option<u32>) -> Result<usize> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::invalid_input(format!(
            "limit must be from 1 to {MAX_LIMIT}, not {limit}"
        )));
    }
    Ok(limit as usize)
}

/// The check-in window as Qualys takes it; a window whose start is after its end is
/// `invalid-input` naming both.
fn window(from: Option<&str>, to: Option<&str>) -> Result<(Option<String>, Option<String>)> {
    let start = instant("last-checked-in-from", from)?;
    let end = instant("last-checked-in-to", to)?;
    if let (Some(start), Some(end), Some(from), Some(to)) = (start, end, from, to)
        && start > end
    {
        return Err(Error::invalid_input(format!(
            "last-checked-in-from {from:?} is later than last-checked-in-to {to:?}"
        )));
    }
    Ok((
        start.map(UtcInstant::to_qualys),
        end.map(UtcInstant::to_qualys),
    ))
}

/// A date filter as a UTC instant; a date that does not parse is `invalid-input` naming the
/// field, the value and the accepted formats.
fn instant(name: &str, text: Option<&str>) -> Result<Option<UtcInstant>> {
    let Some(text) = text else {
        return Ok(None);
    };
    UtcInstant::parse(text).map(Some).map_err(|error| Error {
        message: [name, ": ", &error.message].concat(),
        ..error
    })
}

/// `ids` without duplicates, in the order given, once they are valid: 1 to
/// [`MAX_ASSET_IDS`] distinct ids, none 0. The first occurrence of a duplicate keeps its place.
pub fn distinct_asset_ids(ids: &[u64]) -> Result<Vec<u64>> {
    if ids.is_empty() {
        return Err(Error::invalid_input(
            "asset-ids is empty: give 1 to 10000 host asset ids (search-agents' asset-id)",
        ));
    }
    if ids.contains(&0) {
        return Err(Error::invalid_input(
            "asset-ids holds 0, which is no host asset id: take the ids from search-agents' \
             asset-id",
        ));
    }
    let mut distinct = ids.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() > MAX_ASSET_IDS {
        return Err(Error::invalid_input(format!(
            "asset-ids holds {} distinct ids; at most {MAX_ASSET_IDS} per call",
            distinct.len()
        )));
    }
    let mut taken = vec![false; distinct.len()];
    let mut first_time = |id: &u64| {
        let slot = distinct
            .binary_search(id)
            .ok()
            .and_then(|at| taken.get_mut(at));
        slot.is_some_and(|taken| !std::mem::replace(taken, true))
    };
    Ok(ids.iter().copied().filter(|id| first_time(id)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn connection(username: &str, password: &str, timeout_ms: Option<u32>) -> Connection {
        Connection {
            server: None,
            username: username.to_owned(),
            password: password.to_owned(),
            timeout_ms,
        }
    }

    #[test]
    fn credentials_are_validated_before_anything_is_sent() {
        let cases = [
            ("", "pw", None),
            ("  ", "pw", None),
            ("a:b", "pw", None),
            ("acme_ab1", "", None),
            ("acme_ab1", "pw", Some(0)),
        ];
        for (username, password, timeout) in cases {
            let error = credentials(&connection(username, password, timeout)).unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidInput, "{username:?}");
        }
    }

    #[test]
    fn credentials_never_print_the_password() {
        let credentials = credentials(&connection("acme_ab1", "hunter2", None)).unwrap();
        assert!(!format!("{credentials:?}").contains("hunter2"));
        assert_eq!(credentials.timeout_ms, DEFAULT_TIMEOUT_MS);
    }

    #[test]
    fn qualys_logins_are_accepted() {
        let longest = "a".repeat(MAX_LOGIN_CHARS);
        for login in [
            "acme_mg1",
            "acme-ab1",
            "acme!ab1",
            "first.last",
            "A9",
            &longest,
        ] {
            assert_eq!(validate_login(login), Ok(()), "{login}");
        }
    }

    #[test]
    fn empty_long_or_foreign_logins_are_invalid_input() {
        let too_long = "a".repeat(MAX_LOGIN_CHARS + 1);
        let cases = [
            "",
            " acme_mg1",
            "acme mg1",
            "acme_mg1\n",
            "acmé",
            "a;b",
            "a&login=b",
            &too_long,
        ];
        for login in cases {
            let error = validate_login(login).unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidInput, "{login:?}");
        }
    }

    #[test]
    fn duplicates_are_dropped_in_the_order_given() {
        assert_eq!(
            distinct_asset_ids(&[5, 3, 5, 1, 3, 9]).unwrap(),
            [5, 3, 1, 9]
        );
        let many_repeats: Vec<u64> = (0..30_000).map(|n| n % 7 + 1).collect();
        assert_eq!(
            distinct_asset_ids(&many_repeats).unwrap(),
            [1, 2, 3, 4, 5, 6, 7]
        );
    }
}
