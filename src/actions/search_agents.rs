//! `search-agents`: Cloud Agents by check-in window, host name and OS, page after page.
//!
//! 1. The query is validated before anything is sent ([`input::search_query`]): each filter at
//!    most [`MAX_FILTER_CHARS`](input::MAX_FILTER_CHARS) characters without control characters
//!    (an empty string is no filter), `limit` in 1..=[`MAX_LIMIT`](input::MAX_LIMIT), dates in
//!    one of the [accepted formats], the window not reversed, and the cursor one we made for
//!    these same filters.
//! 2. Every page asks for `tagName EQUALS Cloud Agent`, `lastCheckedIn GREATER from`,
//!    `lastCheckedIn LESSER to`, `name CONTAINS host-name` and `os CONTAINS os` (those given),
//!    with `limitResults` = min(still wanted, 1000); the next page adds `id GREATER lastId`.
//!    Only one page of XML is held at a time. The next page is asked for as soon as this one's
//!    head (`count`, `hasMoreRecords`, `lastId`) has arrived, so that Qualys prepares it while
//!    this one is parsed (see `Search::run`).
//! 3. The search stops when Qualys has no more records or `limit` agents are in hand. When more
//!    match, `next-cursor` continues right after the last agent returned, even when that agent
//!    was in the middle of a Qualys page.
//!
//! An answer that would make the search loop or skip (an empty page that says there is more, a
//! `lastId` that does not advance, ids out of order) ends it with `bad-response`. Qualys's
//! host assets become WIT agents one by one as they are returned, each field moved, not copied.
//!
//! [accepted formats]: crate::qualys::dates::ACCEPTED_FORMATS

use super::input::{self, SearchFilters, SearchQuery};
use crate::contract::{Agent, AgentPage, AgentQuery, Connection};
use crate::qualys::client::{ApiRequest, QualysClient, Started};
use crate::qualys::cursor;
use crate::qualys::hostasset::{self, HostAsset, MAX_LIMIT_RESULTS, SearchPage};
use crate::qualys::service_request::{Criterion, Operator};
use crate::transport::Transport;
use crate::{Error, Result};

/// Runs `search-agents` for `query`.
pub fn search_agents<T: Transport>(
    transport: T,
    conn: &Connection,
    query: &AgentQuery,
) -> Result<AgentPage> {
    let search = input::search_query(query)?;
    let mut client = super::open_client(transport, conn)?;
    search.run(&mut client)
}

/// The search itself, over a validated query.
impl SearchQuery {
    /// Reads pages until `limit` agents are in hand or Qualys has no more.
    ///
    /// As soon as a page has arrived, its head (`count`, `hasMoreRecords`, `lastId`) tells
    /// what the next request will be: it is sent before this page is parsed, so Qualys
    /// prepares the next page while this one is read. Only one request is ever in flight. The
    /// requests are exactly those of reading page after page: the early one is used only when
    /// it is the request this page leads to, and abandoned otherwise (the page turned out
    /// different from its head, or bad).
    fn run<T: Transport>(&self, client: &mut QualysClient<T>) -> Result<AgentPage> {
        let mut agents: Vec<Agent> = Vec::new();
        let mut after = self.start_after;
        let mut early: Option<(PageKey, Started<T::Pending>)> = None;
        loop {
            let wanted = self.limit.saturating_sub(agents.len());
            let page = PageKey::new(wanted, after);
            let response = match early.take().filter(|(sent, _)| *sent == page) {
                Some((_, started)) => client.finish(started)?,
                None => client.send(&self.page_request(page)?)?,
            };
            if let Some(next) = self.next_page(&response.body, agents.len(), wanted)
                && let Ok(request) = self.page_request(next)
            {
                early = Some((next, client.start(&request)));
            }
            let SearchPage {
                has_more_records,
                last_id,
                assets: mut found,
                ..
            } = hostasset::parse_search_page(&response.body)?;
            drop(response);
            let found_len = found.len();
            let fresh = fresh_in_id_order(&mut found, after);
            let more_in_page = fresh.len() > wanted;
            agents.reserve(fresh.len().min(wanted));
            for asset in fresh.take(wanted) {
                after = Some(asset.id);
                agents.push(agent(asset));
            }
            if agents.len() >= self.limit {
                return Ok(self.result(agents, more_in_page || has_more_records));
            }
            if !has_more_records {
                return Ok(self.result(agents, false));
            }
            after = Some(next_after(after, last_id, found_len)?);
        }
    }

    /// The request for `page`.
    fn page_request(&self, page: PageKey) -> Result<ApiRequest> {
        let mut criteria = self.filters.criteria();
        if let Some(after) = page.after {
            criteria.push(Criterion::new("id", Operator::Greater, after.to_string()));
        }
        hostasset::search_request(page.limit_results, &criteria)
    }

    /// The page that follows the page `body` (asked for `wanted` agents with `collected` in
    /// hand) if the page is what its head says, read from the head alone; `None` when the
    /// head says the search ends there, or is not enough to tell.
    fn next_page(&self, body: &[u8], collected: usize, wanted: usize) -> Option<PageKey> {
        let head = hostasset::parse_page_head(body)?;
        if !head.has_more_records {
            return None;
        }
        let count = usize::try_from(head.count?).ok()?;
        let collected = collected + count.min(wanted);
        if count == 0 || collected >= self.limit {
            return None;
        }
        Some(PageKey::new(self.limit - collected, Some(head.last_id?)))
    }

    /// The agents, and a cursor after the last one when `more` match.
    fn result(&self, agents: Vec<Agent>, more: bool) -> AgentPage {
        let next_cursor = match agents.last() {
            Some(last) if more => Some(cursor::encode(
                last.asset_id,
                &input::borrowed(&self.filters.key()),
            )),
            _ => None,
        };
        AgentPage {
            agents,
            next_cursor,
        }
    }
}

impl SearchFilters {
    /// The criteria of every page: the Cloud Agent tag and the filters given, one `tagName
    /// EQUALS` per tag (criteria are AND-ed, so an agent must carry every tag).
    fn criteria(&self) -> Vec<Criterion> {
        let optional = [
            ("lastCheckedIn", Operator::Greater, &self.from),
            ("lastCheckedIn", Operator::Lesser, &self.to),
            ("name", Operator::Contains, &self.host_name),
            ("os", Operator::Contains, &self.os),
        ];
        let mut criteria = vec![Criterion::cloud_agent_tag()];
        for (field, operator, value) in optional {
            if let Some(value) = value {
                criteria.push(Criterion::new(field, operator, value.clone()));
            }
        }
        for tag in &self.tags {
            criteria.push(Criterion::new("tagName", Operator::Equals, tag.clone()));
        }
        criteria
    }
}

/// Which page a search request asks for: its `limitResults` and the id it continues after.
/// Two requests of the same search with the same key are the same request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PageKey {
    limit_results: u32,
    after: Option<u64>,
}

impl PageKey {
    /// The page of at most `wanted` agents (and at most a Qualys page) after `after`.
    fn new(wanted: usize, after: Option<u64>) -> Self {
        let limit_results =
            u32::try_from(wanted).map_or(MAX_LIMIT_RESULTS, |wanted| wanted.min(MAX_LIMIT_RESULTS));
        Self {
            limit_results,
            after,
        }
    }
}

/// The WIT agent of a Qualys host asset, each field moved.
fn agent(asset: HostAsset) -> Agent {
    Agent {
        asset_id: asset.id,
        agent_id: asset.agent_id,
        name: asset.name,
        dns_host_name: asset.dns_host_name,
        address: asset.address,
        os: asset.os,
        platform: asset.platform,
        agent_version: asset.agent_version,
        status: asset.status,
        last_checked_in: asset.last_checked_in,
        activated_modules: asset.activated_modules,
        tags: asset.tags,
    }
}

/// The assets of a page not returned yet, in ascending id order, each once.
///
/// No source says Qualys guarantees the order of a page, so the page is sorted rather than
/// refused; an asset at or before `after` was already returned (a page that repeats one) and
/// is dropped. Paging itself still relies on `lastId` (see [`next_after`]).
fn fresh_in_id_order(
    page: &mut Vec<HostAsset>,
    after: Option<u64>,
) -> std::vec::Drain<'_, HostAsset> {
    page.sort_by_key(|asset| asset.id);
    page.dedup_by_key(|asset| asset.id);
    let seen = after.map_or(0, |after| page.partition_point(|asset| asset.id <= after));
    page.drain(seen..)
}

/// Where the next page starts: after `lastId`, which must be past every agent seen.
fn next_after(last_seen: Option<u64>, last_id: Option<u64>, page_len: usize) -> Result<u64> {
    if page_len == 0 {
        return Err(Error::bad_response(
            "Qualys said more agents match but sent an empty page",
        ));
    }
    let last_id = last_id.ok_or_else(|| {
        Error::bad_response("Qualys said more agents match but gave no lastId to continue after")
    })?;
    match last_seen {
        Some(seen) if last_id < seen => Err(Error::bad_response(format!(
            "Qualys's lastId {last_id} does not advance past asset {seen}"
        ))),
        _ => Ok(last_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::transport::HttpRequest;
    use crate::transport::scripted::{self, Scripted, ok};

    fn conn() -> Connection {
        scripted::connection()
    }

    fn query() -> AgentQuery {
        AgentQuery {
            last_checked_in_from: None,
            last_checked_in_to: None,
            host_name: None,
            os: None,
            tags: None,
            limit: None,
            cursor: None,
        }
    }

    fn with_tags(tags: &[&str]) -> AgentQuery {
        AgentQuery {
            tags: Some(tags.iter().map(|tag| (*tag).to_owned()).collect()),
            ..query()
        }
    }

    #[test]
    fn each_tag_is_one_tag_name_equals_criterion_beside_the_cloud_agent_tag() {
        let mut script = Scripted::new(vec![ok(page([1], false))]);
        run(
            &mut script,
            &with_tags(&["Production", "R&D <lab>", "Production", ""]),
        )
        .unwrap();
        let sent = body(&script.sent[0]);
        assert!(
            sent.contains(&criterion("tagName", "EQUALS", "Cloud Agent")),
            "{sent}"
        );
        assert!(
            sent.contains(&criterion("tagName", "EQUALS", "Production")),
            "{sent}"
        );
        assert!(
            sent.contains(&criterion("tagName", "EQUALS", "R&amp;D &lt;lab&gt;")),
            "{sent}"
        );
        assert_eq!(
            sent.matches("tagName").count(),
            3,
            "repeats and empty tags dropped: {sent}"
        );
    }

    #[test]
    fn a_cursor_is_bound_to_the_tags_in_any_order_and_to_nothing_else() {
        let mut script = Scripted::new(vec![ok(page([1, 2], true))]);
        let first = run(
            &mut script,
            &AgentQuery {
                limit: Some(1),
                ..with_tags(&["a", "b"])
            },
        )
        .unwrap();
        let cursor = first.next_cursor.expect("more agents match");
        let resumed = AgentQuery {
            cursor: Some(cursor.clone()),
            ..with_tags(&["b", "a"])
        };
        let mut script = Scripted::new(vec![ok(page([2], false))]);
        assert_eq!(ids(&run(&mut script, &resumed).unwrap()), [2]);
        for other in [with_tags(&["a"]), query()] {
            let mut script = Scripted::new(vec![]);
            let foreign = AgentQuery {
                cursor: Some(cursor.clone()),
                ..other
            };
            let error = run(&mut script, &foreign).unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidInput);
            assert!(script.sent.is_empty());
        }
    }

    #[test]
    fn a_tag_with_a_control_character_or_too_long_is_invalid_input_and_sends_nothing() {
        let long = "t".repeat(257);
        for tags in [vec!["ok", "bad\ttag"], vec![long.as_str()]] {
            let mut script = Scripted::new(vec![]);
            let error = run(&mut script, &with_tags(&tags)).unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidInput);
            assert!(error.message.contains("a tag"), "{}", error.message);
            assert!(script.sent.is_empty());
        }
    }

    fn with_limit(limit: u32) -> AgentQuery {
        AgentQuery {
            limit: Some(limit),
            ..query()
        }
    }

    /// A search answer holding assets `ids`, with `lastId` the last of them.
    fn page(ids: impl IntoIterator<Item = u64>, has_more: bool) -> String {
        let ids: Vec<u64> = ids.into_iter().collect();
        let last_id = ids
            .last()
            .map(|id| format!("<lastId>{id}</lastId>"))
            .unwrap_or_default();
        let assets: String = ids
            .iter()
            .map(|id| format!("<HostAsset><id>{id}</id><name>host-{id}</name></HostAsset>"))
            .collect();
        format!(
            "<ServiceResponse><responseCode>SUCCESS</responseCode><count>{}</count>\
             <hasMoreRecords>{has_more}</hasMoreRecords>{last_id}<data>{assets}</data>\
             </ServiceResponse>",
            ids.len()
        )
    }

    fn run(script: &mut Scripted, query: &AgentQuery) -> Result<AgentPage> {
        search_agents(script, &conn(), query)
    }

    fn body(request: &HttpRequest) -> String {
        String::from_utf8(request.body.clone()).unwrap()
    }

    fn limit_results(request: &HttpRequest) -> String {
        let body = body(request);
        let start = body.find("<limitResults>").unwrap() + "<limitResults>".len();
        let end = body.find("</limitResults>").unwrap();
        body[start..end].to_owned()
    }

    fn criterion(field: &str, operator: &str, value: &str) -> String {
        format!("<Criteria field=\"{field}\" operator=\"{operator}\">{value}</Criteria>")
    }

    fn ids(page: &AgentPage) -> Vec<u64> {
        page.agents.iter().map(|agent| agent.asset_id).collect()
    }

    #[test]
    fn every_page_asks_for_cloud_agents_with_the_filters_given() {
        let mut script = Scripted::new(vec![ok(page([1, 2], false))]);
        let query = AgentQuery {
            last_checked_in_from: Some("2024-05-01".to_owned()),
            last_checked_in_to: Some("2024-05-02T10:00:00+02:00".to_owned()),
            host_name: Some("R&D <lab>".to_owned()),
            os: Some("Windows".to_owned()),
            ..query()
        };
        let found = run(&mut script, &query).unwrap();
        assert_eq!(ids(&found), [1, 2]);
        assert_eq!(found.next_cursor, None);
        let sent = &script.sent[0];
        assert!(
            sent.path_and_query
                .starts_with("/qps/rest/2.0/search/am/hostasset?fields=")
        );
        let body = body(sent);
        for expected in [
            criterion("tagName", "EQUALS", "Cloud Agent"),
            criterion("lastCheckedIn", "GREATER", "2024-05-01T00:00:00Z"),
            criterion("lastCheckedIn", "LESSER", "2024-05-02T08:00:00Z"),
            criterion("name", "CONTAINS", "R&amp;D &lt;lab&gt;"),
            criterion("os", "CONTAINS", "Windows"),
        ] {
            assert!(body.contains(&expected), "{expected} in {body}");
        }
        assert!(!body.contains("field=\"id\""));
    }

    #[test]
    fn without_filters_only_the_cloud_agent_tag_is_sent_and_empty_filters_count_as_none() {
        let mut script = Scripted::new(vec![ok(page([], false))]);
        let query = AgentQuery {
            host_name: Some(String::new()),
            os: Some(String::new()),
            last_checked_in_from: Some(String::new()),
            cursor: Some(String::new()),
            ..query()
        };
        let found = run(&mut script, &query).unwrap();
        assert!(found.agents.is_empty());
        assert_eq!(body(&script.sent[0]).matches("<Criteria").count(), 1);
    }

    #[test]
    fn the_default_limit_asks_for_a_full_page_of_1000() {
        let mut script = Scripted::new(vec![ok(page([1], false))]);
        run(&mut script, &query()).unwrap();
        assert_eq!(limit_results(&script.sent[0]), "1000");
    }

    #[test]
    fn a_limit_that_is_not_a_multiple_of_the_page_size_asks_only_for_what_is_still_wanted() {
        let mut script = Scripted::new(vec![
            ok(page(1..=1000, true)),
            ok(page(1001..=2000, true)),
            ok(page(2001..=2500, true)),
        ]);
        let found = run(&mut script, &with_limit(2500)).unwrap();
        assert_eq!(ids(&found), (1..=2500).collect::<Vec<_>>());
        let sizes: Vec<String> = script.sent.iter().map(limit_results).collect();
        assert_eq!(sizes, ["1000", "1000", "500"]);
        assert!(!body(&script.sent[0]).contains("field=\"id\""));
        assert!(body(&script.sent[1]).contains(&criterion("id", "GREATER", "1000")));
        assert!(body(&script.sent[2]).contains(&criterion("id", "GREATER", "2000")));
        let cursor = found.next_cursor.expect("more match");
        assert_eq!(cursor::decode(&cursor, &[None; 4]).unwrap(), 2500);
    }

    #[test]
    fn paging_follows_has_more_records_until_it_is_false() {
        let mut script = Scripted::new(vec![ok(page([10, 20], true)), ok(page([30], false))]);
        let found = run(&mut script, &query()).unwrap();
        assert_eq!(ids(&found), [10, 20, 30]);
        assert_eq!(found.next_cursor, None);
        assert_eq!(script.sent.len(), 2);
    }

    #[test]
    fn a_limit_reached_on_the_last_page_gives_no_cursor() {
        let mut script = Scripted::new(vec![ok(page([1, 2, 3], false))]);
        let found = run(&mut script, &with_limit(3)).unwrap();
        assert_eq!(found.next_cursor, None);
    }

    #[test]
    fn a_limit_in_the_middle_of_a_page_continues_after_the_last_agent_returned() {
        let mut script = Scripted::new(vec![ok(page([5, 6, 7, 8, 9], false))]);
        let found = run(&mut script, &with_limit(3)).unwrap();
        assert_eq!(ids(&found), [5, 6, 7]);
        let cursor = found.next_cursor.expect("agents 8 and 9 still match");
        let mut script = Scripted::new(vec![ok(page([8, 9], false))]);
        let rest = run(
            &mut script,
            &AgentQuery {
                cursor: Some(cursor),
                ..with_limit(3)
            },
        )
        .unwrap();
        assert!(body(&script.sent[0]).contains(&criterion("id", "GREATER", "7")));
        assert_eq!(ids(&rest), [8, 9]);
        assert_eq!(rest.next_cursor, None);
    }

    #[test]
    fn a_cursor_is_only_valid_with_the_same_filters_and_nothing_is_sent_otherwise() {
        let mut script = Scripted::new(vec![ok(page([1, 2], true))]);
        let linux = AgentQuery {
            os: Some("Linux".to_owned()),
            ..with_limit(2)
        };
        let cursor = run(&mut script, &linux).unwrap().next_cursor.unwrap();
        let mut script = Scripted::new(Vec::new());
        let other = AgentQuery {
            os: Some("Windows".to_owned()),
            cursor: Some(cursor.clone()),
            ..query()
        };
        let error = run(&mut script, &other).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidInput);
        let tampered = AgentQuery {
            cursor: Some(cursor.replacen(|_| true, "x", 1)),
            ..linux
        };
        let error = run(&mut script, &tampered).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidInput);
        assert!(script.sent.is_empty());
    }

    #[test]
    fn dates_in_any_accepted_format_give_the_same_cursor_binding() {
        let mut script = Scripted::new(vec![ok(page([1], true))]);
        let bare = AgentQuery {
            last_checked_in_from: Some("2024-05-01".to_owned()),
            ..with_limit(1)
        };
        let cursor = run(&mut script, &bare).unwrap().next_cursor.unwrap();
        let mut script = Scripted::new(vec![ok(page([2], false))]);
        let soar = AgentQuery {
            last_checked_in_from: Some("05/01/2024 12:00 AM".to_owned()),
            cursor: Some(cursor),
            ..with_limit(1)
        };
        assert_eq!(ids(&run(&mut script, &soar).unwrap()), [2]);
    }

    #[test]
    fn the_next_page_is_asked_for_from_the_head_of_the_page_before_it_is_parsed() {
        let mut script = Scripted::new(vec![
            ok(page([1, 2], true)),
            ok(page([3, 4], true)),
            ok(page([5], false)),
        ]);
        let found = run(&mut script, &query()).unwrap();
        assert_eq!(ids(&found), [1, 2, 3, 4, 5]);
        // Nothing was abandoned: each early request was the one its page led to.
        assert_eq!(script.started, script.sent);
        assert!(body(&script.sent[1]).contains(&criterion("id", "GREATER", "2")));
        assert!(body(&script.sent[2]).contains(&criterion("id", "GREATER", "4")));
    }

    #[test]
    fn the_early_request_asks_only_for_what_is_still_wanted() {
        let mut script = Scripted::new(vec![ok(page([1, 2], true)), ok(page([3], true))]);
        let found = run(&mut script, &with_limit(3)).unwrap();
        assert_eq!(ids(&found), [1, 2, 3]);
        assert_eq!(script.started, script.sent);
        assert_eq!(limit_results(&script.sent[1]), "1");
    }

    #[test]
    fn a_page_whose_head_promises_more_than_it_holds_abandons_the_early_request() {
        let short = page([1, 2], true).replace("<count>2</count>", "<count>3</count>");
        let mut script = Scripted::new(vec![ok(short), ok(page([3], false))]);
        let found = run(&mut script, &query()).unwrap();
        assert_eq!(ids(&found), [1, 2, 3]);
        assert_eq!(
            script.started.len(),
            3,
            "the early request, then the right one"
        );
        assert_eq!(script.sent.len(), 2, "the early request is never read");
        assert_eq!(limit_results(&script.sent[1]), "998");
    }

    /// `page`, with `count`, `hasMoreRecords` and `lastId` after `data` instead of before.
    fn page_with_late_head(ids: &[u64], has_more: bool) -> String {
        let body = page(ids.iter().copied(), has_more);
        let data = &body[body.find("<data>").unwrap()..body.find("</ServiceResponse>").unwrap()];
        let head = &body[body.find("<count>").unwrap()..body.find("<data>").unwrap()];
        body.replacen(head, "", 1)
            .replacen(data, &[data, head].concat(), 1)
    }

    #[test]
    fn pages_whose_head_comes_after_their_data_are_read_page_after_page() {
        let mut script = Scripted::new(vec![
            ok(page_with_late_head(&[1, 2], true)),
            ok(page_with_late_head(&[3], false)),
        ]);
        let found = run(&mut script, &query()).unwrap();
        assert_eq!(ids(&found), [1, 2, 3]);
        assert_eq!(script.started, script.sent);
        let stuck =
            page_with_late_head(&[1, 2], true).replace("<lastId>2</lastId>", "<lastId>1</lastId>");
        let mut script = Scripted::new(vec![ok(stuck), ok(page([3], false))]);
        assert!(run(&mut script, &query()).is_err());
        assert_eq!(
            script.started.len(),
            1,
            "nothing is asked for early without a head"
        );
    }

    #[test]
    fn a_page_that_says_more_but_holds_nothing_is_a_bad_response() {
        let mut script = Scripted::new(vec![ok(page([1, 2], true)), ok(page([], true))]);
        let error = run(&mut script, &query()).unwrap_err();
        assert_eq!(error.kind, ErrorKind::BadResponse);
        assert!(error.message.contains("empty page"), "{}", error.message);
        assert_eq!(script.sent.len(), 2);
    }

    #[test]
    fn a_last_id_that_does_not_advance_is_a_bad_response() {
        let stuck = page([1, 2], true).replace("<lastId>2</lastId>", "<lastId>1</lastId>");
        let mut script = Scripted::new(vec![ok(stuck)]);
        let error = run(&mut script, &query()).unwrap_err();
        assert_eq!(error.kind, ErrorKind::BadResponse);
        assert!(
            error.message.contains("does not advance"),
            "{}",
            error.message
        );
        assert_eq!(script.sent.len(), 1);
    }

    #[test]
    fn agents_a_later_page_repeats_are_returned_once() {
        let mut script = Scripted::new(vec![ok(page([1, 2], true)), ok(page([2, 3], false))]);
        let found = run(&mut script, &query()).unwrap();
        assert_eq!(ids(&found), [1, 2, 3]);
        assert_eq!(found.next_cursor, None);
    }

    #[test]
    fn a_page_out_of_id_order_is_returned_in_ascending_order() {
        let shuffled = page([3, 1, 2], false).replace("<lastId>2</lastId>", "<lastId>3</lastId>");
        let mut script = Scripted::new(vec![ok(shuffled)]);
        assert_eq!(ids(&run(&mut script, &query()).unwrap()), [1, 2, 3]);
    }

    #[test]
    fn more_without_a_last_id_is_a_bad_response() {
        let no_last_id = page([1, 2], true).replace("<lastId>2</lastId>", "");
        let mut script = Scripted::new(vec![ok(no_last_id)]);
        assert_eq!(
            run(&mut script, &query()).unwrap_err().kind,
            ErrorKind::BadResponse
        );
    }

    #[test]
    fn a_count_that_disagrees_with_the_page_does_not_refuse_its_agents() {
        let wrong = page([1, 2], false).replace("<count>2</count>", "<count>3</count>");
        let mut script = Scripted::new(vec![ok(wrong)]);
        assert_eq!(ids(&run(&mut script, &query()).unwrap()), [1, 2]);
    }

    #[test]
    fn a_qualys_error_on_a_later_page_is_the_search_error() {
        let refused = "<ServiceResponse><responseCode>INVALID_REQUEST</responseCode>\
                       <responseErrorDetails><errorMessage>no</errorMessage>\
                       </responseErrorDetails></ServiceResponse>";
        let mut script = Scripted::new(vec![
            ok(page([1], true)),
            Ok(crate::transport::HttpResponse {
                status: 400,
                headers: Vec::new(),
                body: refused.into(),
            }),
        ]);
        let error = run(&mut script, &query()).unwrap_err();
        assert_eq!(error.qualys_code.as_deref(), Some("INVALID_REQUEST"));
    }

    #[test]
    fn invalid_queries_are_rejected_before_anything_is_sent() {
        let long = "a".repeat(input::MAX_FILTER_CHARS + 1);
        let cases = [
            (
                "limit 0",
                AgentQuery {
                    limit: Some(0),
                    ..query()
                },
            ),
            (
                "limit too high",
                AgentQuery {
                    limit: Some(input::MAX_LIMIT + 1),
                    ..query()
                },
            ),
            (
                "long host name",
                AgentQuery {
                    host_name: Some(long.clone()),
                    ..query()
                },
            ),
            (
                "long os",
                AgentQuery {
                    os: Some(long),
                    ..query()
                },
            ),
            (
                "control character",
                AgentQuery {
                    host_name: Some("a\nb".to_owned()),
                    ..query()
                },
            ),
            (
                "tab in os",
                AgentQuery {
                    os: Some("Win\tdows".to_owned()),
                    ..query()
                },
            ),
            (
                "bad from",
                AgentQuery {
                    last_checked_in_from: Some("yesterday".to_owned()),
                    ..query()
                },
            ),
            (
                "bad to",
                AgentQuery {
                    last_checked_in_to: Some("2024-02-30".to_owned()),
                    ..query()
                },
            ),
            (
                "made-up cursor",
                AgentQuery {
                    cursor: Some("abc".to_owned()),
                    ..query()
                },
            ),
        ];
        for (case, query) in cases {
            let mut script = Scripted::new(Vec::new());
            let error = run(&mut script, &query).unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidInput, "{case}");
            assert!(script.sent.is_empty(), "{case}");
        }
    }

    #[test]
    fn a_filter_of_exactly_256_characters_is_accepted() {
        let mut script = Scripted::new(vec![ok(page([], false))]);
        let query = AgentQuery {
            host_name: Some("é".repeat(input::MAX_FILTER_CHARS)),
            ..query()
        };
        assert!(run(&mut script, &query).is_ok());
    }

    #[test]
    fn a_reversed_window_names_both_values_and_sends_nothing() {
        let mut script = Scripted::new(Vec::new());
        let query = AgentQuery {
            last_checked_in_from: Some("2024-05-02".to_owned()),
            last_checked_in_to: Some("05/01/2024 11:00 PM".to_owned()),
            ..query()
        };
        let error = run(&mut script, &query).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidInput);
        assert!(
            error.message.contains("\"2024-05-02\""),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("\"05/01/2024 11:00 PM\""),
            "{}",
            error.message
        );
        assert!(script.sent.is_empty());
    }

    #[test]
    fn an_invalid_date_names_the_field_and_the_value() {
        let mut script = Scripted::new(Vec::new());
        let query = AgentQuery {
            last_checked_in_to: Some("31/12/2024".to_owned()),
            ..query()
        };
        let error = run(&mut script, &query).unwrap_err();
        assert!(
            error.message.starts_with("last-checked-in-to: "),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("\"31/12/2024\""),
            "{}",
            error.message
        );
    }
}
