//! `search-agents` end to end, every answer checked against ground truth computed here from
//! the simulator's dataset (never with the simulator's own filter code).

use std::collections::HashSet;

use host_harness::{Agent, AgentPage, AgentQuery, ErrorKind};
use qualys_simulator::{
    Asset, RecordedRequest, Simulator, SimulatorConfig, accounts, format_instant,
};
use time::macros::{datetime, format_description, offset};
use time::{Duration, OffsetDateTime};

use crate::support::{Harness, action_error, agent_query, conn, measured, requests_to};

const SEARCH_PATH: &str = "/qps/rest/2.0/search/am/hostasset";

/// Enough agents for several 1000-record Qualys pages.
const PAGING_AGENTS: usize = 3_200;

/// What a query asks for, as the ground truth reads it.
#[derive(Debug, Clone, Default)]
struct Truth {
    after: Option<OffsetDateTime>,
    before: Option<OffsetDateTime>,
    host_name: Option<String>,
    os: Option<String>,
}

impl Truth {
    /// Whether Qualys returns `asset` for this query: the Cloud Agent tag, strict bounds,
    /// case-sensitive substrings.
    fn matches(&self, asset: &Asset) -> bool {
        let tagged = asset.tags.iter().any(|tag| tag.name == "Cloud Agent");
        let checked_in = asset.agent_info.as_ref().map(|agent| agent.last_checked_in);
        tagged
            && self
                .after
                .is_none_or(|after| checked_in.is_some_and(|instant| instant > after))
            && self
                .before
                .is_none_or(|before| checked_in.is_some_and(|instant| instant < before))
            && self
                .host_name
                .as_deref()
                .is_none_or(|part| asset.name.contains(part))
            && self
                .os
                .as_deref()
                .is_none_or(|part| asset.os.as_deref().is_some_and(|os| os.contains(part)))
    }

    /// The ids Qualys returns, ascending.
    fn ids(&self, sim: &Simulator) -> Vec<u64> {
        sim.dataset()
            .assets
            .iter()
            .filter(|asset| self.matches(asset))
            .map(|asset| asset.id)
            .collect()
    }
}

fn no_filters() -> AgentQuery {
    agent_query(Some(10_000))
}

fn paging_config() -> SimulatorConfig {
    SimulatorConfig {
        agents: PAGING_AGENTS,
        untagged_assets: 300,
        ..SimulatorConfig::default()
    }
}

async fn search(harness: &Harness, query: &AgentQuery) -> AgentPage {
    harness
        .connector
        .search_agents(&conn(&accounts::MANAGER), query)
        .await
        .unwrap_or_else(|error| panic!("{query:?}: {error:?}"))
}

fn ids(page: &AgentPage) -> Vec<u64> {
    page.agents.iter().map(|agent| agent.asset_id).collect()
}

/// The text of `<tag>` in a request body.
fn element<'b>(body: &'b str, tag: &str) -> Option<&'b str> {
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find('<')? + start;
    Some(&body[start..end])
}

fn criterion(field: &str, operator: &str, value: &str) -> String {
    format!("<Criteria field=\"{field}\" operator=\"{operator}\">{value}</Criteria>")
}

/// The agent the dataset says Qualys returns for `asset`.
fn expected_agent(asset: &Asset) -> Agent {
    let info = asset.agent_info.as_ref().expect("an agent");
    Agent {
        asset_id: asset.id,
        agent_id: Some(info.agent_id.clone()),
        name: asset.name.clone(),
        dns_host_name: asset.dns_host_name.clone(),
        address: asset.address.clone(),
        os: asset.os.clone(),
        platform: Some(info.platform.clone()),
        agent_version: info.agent_version.clone(),
        status: Some(info.status.clone()),
        last_checked_in: Some(format_instant(info.last_checked_in)),
        activated_modules: info.activated_modules.clone(),
        tags: asset.tags.iter().map(|tag| tag.name.clone()).collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_agent_comes_back_with_every_field_and_no_untagged_asset() {
    let harness = Harness::start().await;
    let page = search(&harness, &no_filters()).await;
    let dataset = harness.sim.dataset();
    let expected: Vec<Agent> = dataset
        .assets
        .iter()
        .filter(|asset| Truth::default().matches(asset))
        .map(expected_agent)
        .collect();
    assert_eq!(expected.len(), 300);
    assert_eq!(page.agents, expected);
    assert_eq!(page.next_cursor, None);
    let untagged: HashSet<u64> = dataset
        .assets
        .iter()
        .filter(|asset| !asset.has_cloud_agent_tag())
        .map(|asset| asset.id)
        .collect();
    assert_eq!(untagged.len(), 40);
    assert!(
        page.agents
            .iter()
            .all(|agent| !untagged.contains(&agent.asset_id))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_asks_only_for_the_agent_fields_with_the_cloud_agent_tag() {
    let harness = Harness::start().await;
    search(&harness, &no_filters()).await;
    let requests = requests_to(&harness.sim, SEARCH_PATH);
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.header("content-type"), Some("text/xml"));
    let query = request.query.as_deref().unwrap_or_default();
    assert!(
        query.starts_with("fields=id,name,"),
        "commas stay literal: {query}"
    );
    assert!(
        !query.contains("software") && !query.contains("openPort"),
        "{query}"
    );
    let body = request.body_text();
    assert!(
        body.contains(&criterion("tagName", "EQUALS", "Cloud Agent")),
        "{body}"
    );
    assert_eq!(element(&body, "limitResults"), Some("1000"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_filter_alone_and_combined_returns_exactly_the_matching_agents() {
    let harness = Harness::start().await;
    let sim = &harness.sim;
    let from = datetime!(2026-10-10 00:00 UTC);
    let to = datetime!(2026-10-20 00:00 UTC);
    let cases = [
        ("no filter", Truth::default()),
        (
            "from",
            Truth {
                after: Some(from),
                ..Truth::default()
            },
        ),
        (
            "to",
            Truth {
                before: Some(to),
                ..Truth::default()
            },
        ),
        (
            "host name",
            Truth {
                host_name: Some("web".into()),
                ..Truth::default()
            },
        ),
        (
            "os",
            Truth {
                os: Some("Windows".into()),
                ..Truth::default()
            },
        ),
        (
            "os is case-sensitive",
            Truth {
                os: Some("windows".into()),
                ..Truth::default()
            },
        ),
        (
            "window",
            Truth {
                after: Some(from),
                before: Some(to),
                ..Truth::default()
            },
        ),
        (
            "everything",
            Truth {
                after: Some(from),
                before: Some(to),
                host_name: Some("-".into()),
                os: Some("Microsoft".into()),
            },
        ),
        (
            "nothing matches",
            Truth {
                host_name: Some("no such host".into()),
                ..Truth::default()
            },
        ),
    ];
    for (case, truth) in cases {
        let query = AgentQuery {
            last_checked_in_from: truth.after.map(format_instant),
            last_checked_in_to: truth.before.map(format_instant),
            host_name: truth.host_name.clone(),
            os: truth.os.clone(),
            ..no_filters()
        };
        let expected = truth.ids(sim);
        assert_eq!(ids(&search(&harness, &query).await), expected, "{case}");
        if !matches!(case, "nothing matches" | "os is case-sensitive") {
            assert!(!expected.is_empty(), "{case} should match some agents");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_bounds_exactly_at_a_check_in_instant_are_strict() {
    let harness = Harness::start().await;
    let sim = &harness.sim;
    // The 8th agent checked in at exactly the same second as the 7th.
    let instant = sim
        .dataset()
        .agents()
        .nth(7)
        .and_then(Asset::last_checked_in)
        .expect("an agent");
    let second = Duration::seconds(1);
    let at_instant = Truth {
        after: Some(instant - second),
        before: Some(instant + second),
        ..Truth::default()
    };
    assert!(
        at_instant.ids(sim).len() >= 2,
        "two agents share the instant"
    );
    let cases = [
        ("around the instant", at_instant),
        (
            "from the instant",
            Truth {
                after: Some(instant),
                ..Truth::default()
            },
        ),
        (
            "to the instant",
            Truth {
                before: Some(instant),
                ..Truth::default()
            },
        ),
        (
            "from the instant to a second later",
            Truth {
                after: Some(instant),
                before: Some(instant + second),
                ..Truth::default()
            },
        ),
        (
            "from and to the instant",
            Truth {
                after: Some(instant),
                before: Some(instant),
                ..Truth::default()
            },
        ),
    ];
    for (case, truth) in cases {
        let query = AgentQuery {
            last_checked_in_from: truth.after.map(format_instant),
            last_checked_in_to: truth.before.map(format_instant),
            ..no_filters()
        };
        let found = ids(&search(&harness, &query).await);
        assert_eq!(found, truth.ids(sim), "{case}");
        if case != "around the instant" {
            let at: Vec<u64> = sim
                .dataset()
                .agents()
                .filter(|asset| asset.last_checked_in() == Some(instant))
                .map(|asset| asset.id)
                .collect();
            assert!(at.iter().all(|id| !found.contains(id)), "{case}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_date_format_gives_the_same_window() {
    let harness = Harness::start().await;
    let sim = &harness.sim;
    let froms = [
        "2026-10-15T00:00:00Z",
        "2026-10-15",
        "2026-10-15T02:00:00+02:00",
        "2026-10-14T19:00:00-05:00",
        "10/15/2026 12:00 AM",
    ];
    let tos = [
        "2026-10-20T13:30:00Z",
        "2026-10-20T15:30:00+02:00",
        "10/20/2026 01:30 PM",
        "10/20/2026 01:30 pm",
    ];
    let truth = Truth {
        after: Some(datetime!(2026-10-15 00:00 UTC)),
        before: Some(datetime!(2026-10-20 13:30 UTC)),
        ..Truth::default()
    };
    let expected = truth.ids(sim);
    assert!(!expected.is_empty());
    for from in froms {
        for to in tos {
            sim.clear_requests();
            let query = AgentQuery {
                last_checked_in_from: Some(from.to_owned()),
                last_checked_in_to: Some(to.to_owned()),
                ..no_filters()
            };
            assert_eq!(
                ids(&search(&harness, &query).await),
                expected,
                "{from} .. {to}"
            );
            let body = requests_to(sim, SEARCH_PATH)[0].body_text();
            let sent_from = criterion("lastCheckedIn", "GREATER", "2026-10-15T00:00:00Z");
            let sent_to = criterion("lastCheckedIn", "LESSER", "2026-10-20T13:30:00Z");
            assert!(
                body.contains(&sent_from) && body.contains(&sent_to),
                "{body}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offset_instant_is_converted_to_utc() {
    let harness = Harness::start().await;
    let sim = &harness.sim;
    let instant = sim
        .dataset()
        .agents()
        .nth(40)
        .and_then(Asset::last_checked_in)
        .expect("an agent");
    let with_offset = instant
        .to_offset(offset!(+05:30))
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
        ))
        .expect("formats");
    let query = AgentQuery {
        last_checked_in_from: Some(with_offset),
        ..no_filters()
    };
    let truth = Truth {
        after: Some(instant),
        ..Truth::default()
    };
    assert_eq!(ids(&search(&harness, &query).await), truth.ids(sim));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xml_special_characters_in_host_names_are_searched_literally() {
    let harness = Harness::start().await;
    let sim = &harness.sim;
    for part in [
        "R&D",
        "o'brien",
        "<test>",
        "\"lobby\"",
        "a&b<c>d",
        "Zürich",
        "東京",
    ] {
        let query = AgentQuery {
            host_name: Some(part.to_owned()),
            ..no_filters()
        };
        let truth = Truth {
            host_name: Some(part.to_owned()),
            ..Truth::default()
        };
        let expected = truth.ids(sim);
        assert!(
            !expected.is_empty(),
            "the dataset has a host name with {part}"
        );
        let page = search(&harness, &query).await;
        assert_eq!(ids(&page), expected, "{part}");
        assert!(
            page.agents.iter().all(|agent| agent.name.contains(part)),
            "{part}"
        );
    }
    let escaped = requests_to(sim, SEARCH_PATH)
        .iter()
        .any(|request| request.body_text().contains("a&amp;b&lt;c&gt;d"));
    assert!(escaped, "the body escapes the value");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_crosses_three_qualys_pages_with_a_limit_that_is_not_a_multiple_of_the_page_size() {
    let harness = Harness::with_config(paging_config()).await;
    let sim = &harness.sim;
    let everything = Truth::default().ids(sim);
    assert_eq!(everything.len(), PAGING_AGENTS);
    let page = search(
        &harness,
        &AgentQuery {
            limit: Some(2_500),
            ..no_filters()
        },
    )
    .await;
    assert_eq!(ids(&page), everything[..2_500]);
    assert!(page.next_cursor.is_some(), "700 more agents match");
    let requests = requests_to(sim, SEARCH_PATH);
    let bodies: Vec<String> = requests.iter().map(RecordedRequest::body_text).collect();
    let sizes: Vec<Option<&str>> = bodies
        .iter()
        .map(|body| element(body, "limitResults"))
        .collect();
    assert_eq!(sizes, [Some("1000"), Some("1000"), Some("500")]);
    assert!(!bodies[0].contains("field=\"id\""));
    for (body, after) in bodies[1..].iter().zip([everything[999], everything[1_999]]) {
        assert!(
            body.contains(&criterion("id", "GREATER", &after.to_string())),
            "{body}"
        );
        assert!(
            body.contains(&criterion("tagName", "EQUALS", "Cloud Agent")),
            "{body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursor_continuation_over_the_whole_dataset_equals_one_big_search() {
    let harness = Harness::with_config(paging_config()).await;
    for (filter, limit) in [(None, 777), (Some("Windows"), 333)] {
        let base = AgentQuery {
            os: filter.map(str::to_owned),
            ..no_filters()
        };
        let big = search(&harness, &base).await;
        assert_eq!(big.next_cursor, None);
        let truth = Truth {
            os: filter.map(str::to_owned),
            ..Truth::default()
        };
        assert_eq!(ids(&big), truth.ids(&harness.sim), "{filter:?}");
        let mut joined: Vec<u64> = Vec::new();
        let mut cursor = None;
        let mut calls = 0;
        loop {
            let query = AgentQuery {
                limit: Some(limit),
                cursor: cursor.take(),
                ..base.clone()
            };
            let page = search(&harness, &query).await;
            calls += 1;
            assert!(page.agents.len() <= limit as usize);
            joined.extend(ids(&page));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(joined, ids(&big), "{filter:?}: no duplicates, no gaps");
        assert_eq!(
            calls,
            big.agents.len().div_ceil(limit as usize),
            "{filter:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_or_foreign_cursor_is_invalid_input_and_sends_nothing() {
    let harness = Harness::start().await;
    let windows = AgentQuery {
        os: Some("Windows".to_owned()),
        limit: Some(10),
        ..no_filters()
    };
    let cursor = search(&harness, &windows)
        .await
        .next_cursor
        .expect("more than 10 Windows agents");
    harness.sim.clear_requests();
    let mut tampered = cursor.clone().into_bytes();
    let last = tampered.len() - 5;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let cases = [
        (
            "tampered",
            Some(String::from_utf8(tampered).unwrap()),
            Some("Windows"),
        ),
        ("other filters", Some(cursor.clone()), Some("Linux")),
        ("no filters", Some(cursor), None),
        (
            "made up",
            Some("bm90IGEgY3Vyc29y".to_owned()),
            Some("Windows"),
        ),
    ];
    for (case, cursor, os) in cases {
        let query = AgentQuery {
            cursor,
            os: os.map(str::to_owned),
            ..windows.clone()
        };
        let error = action_error(
            harness
                .connector
                .search_agents(&conn(&accounts::MANAGER), &query)
                .await,
        );
        assert_eq!(error.kind, ErrorKind::InvalidInput, "{case}");
        assert!(
            error.message.contains("cursor"),
            "{case}: {}",
            error.message
        );
    }
    assert!(harness.sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_invalid_input_is_rejected_before_any_request() {
    let harness = Harness::start().await;
    let cursor = search(
        &harness,
        &AgentQuery {
            limit: Some(1),
            ..no_filters()
        },
    )
    .await
    .next_cursor
    .expect("more than one agent");
    harness.sim.clear_requests();
    let query = |edit: fn(&mut AgentQuery)| {
        let mut query = no_filters();
        edit(&mut query);
        query
    };
    let cases: Vec<(&str, AgentQuery, &str)> = vec![
        ("limit 0", query(|q| q.limit = Some(0)), "limit"),
        ("limit 10001", query(|q| q.limit = Some(10_001)), "limit"),
        (
            "long host name",
            query(|q| q.host_name = Some("x".repeat(257))),
            "host-name",
        ),
        ("long os", query(|q| q.os = Some("x".repeat(257))), "os"),
        (
            "control character",
            query(|q| q.host_name = Some("web\u{0}".into())),
            "host-name",
        ),
        (
            "newline in os",
            query(|q| q.os = Some("Win\ndows".into())),
            "os",
        ),
        (
            "unknown from",
            query(|q| q.last_checked_in_from = Some("yesterday".into())),
            "yesterday",
        ),
        (
            "no such day",
            query(|q| q.last_checked_in_to = Some("2026-02-30".into())),
            "2026-02-30",
        ),
        (
            "offset too large",
            query(|q| q.last_checked_in_to = Some("2026-10-01T00:00:00+24:00".into())),
            "+24:00",
        ),
        (
            "twelve-hour clock past 12",
            query(|q| q.last_checked_in_from = Some("10/01/2026 13:00 PM".into())),
            "13:00 PM",
        ),
        (
            "from later than to",
            query(|q| {
                q.last_checked_in_from = Some("2026-10-20".into());
                q.last_checked_in_to = Some("10/19/2026 11:59 PM".into());
            }),
            "\"2026-10-20\" is later than last-checked-in-to \"10/19/2026 11:59 PM\"",
        ),
        (
            "made-up cursor",
            query(|q| q.cursor = Some("!!".into())),
            "cursor",
        ),
        (
            "cursor with a limit of 0",
            AgentQuery {
                cursor: Some(cursor),
                limit: Some(0),
                ..no_filters()
            },
            "limit",
        ),
    ];
    for (case, query, named) in cases {
        let error = action_error(
            harness
                .connector
                .search_agents(&conn(&accounts::MANAGER), &query)
                .await,
        );
        assert_eq!(error.kind, ErrorKind::InvalidInput, "{case}");
        assert!(error.message.contains(named), "{case}: {}", error.message);
    }
    assert!(harness.sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_without_api_access_is_permission_denied() {
    let harness = Harness::start().await;
    let error = action_error(
        harness
            .connector
            .search_agents(&conn(&accounts::NO_API_ACCESS), &no_filters())
            .await,
    );
    assert_eq!(error.kind, ErrorKind::PermissionDenied);
    assert_eq!(error.qualys_code.as_deref(), Some("UNAUTHORIZED"));
    assert_eq!(requests_to(&harness.sim, SEARCH_PATH).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_agents_with_heavy_assets_are_read_in_little_memory() {
    let harness = Harness::with_config(SimulatorConfig {
        agents: 12_000,
        untagged_assets: 500,
        heavy_fields: true,
        ..SimulatorConfig::default()
    })
    .await;
    let (connector, measured) = measured(&harness.connector);
    let result = connector
        .search_agents(&conn(&accounts::MANAGER), &no_filters())
        .await;
    let stats = measured.last();
    let page = result.expect("the search succeeds");
    assert_eq!(ids(&page), Truth::default().ids(&harness.sim)[..10_000]);
    assert!(page.next_cursor.is_some());
    assert_eq!(requests_to(&harness.sim, SEARCH_PATH).len(), 10);
    assert!(stats.peak_memory_bytes < 16 * 1024 * 1024, "{stats:?}");
}

/// The ids of the Cloud Agents carrying every tag of `tags`, ascending, from the dataset.
fn tagged_ids(sim: &Simulator, tags: &[&str]) -> Vec<u64> {
    sim.dataset()
        .agents()
        .filter(|asset| {
            tags.iter()
                .all(|wanted| asset.tag_names().any(|tag| tag == *wanted))
        })
        .map(|asset| asset.id)
        .collect()
}

/// A query for the agents carrying every tag of `tags`, at most `limit`.
fn tags_query(tags: &[&str], limit: Option<u32>) -> AgentQuery {
    AgentQuery {
        tags: Some(tags.iter().map(|tag| (*tag).to_owned()).collect()),
        ..agent_query(limit)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_tag_returns_exactly_the_agents_carrying_it() {
    let harness = Harness::start().await;
    let expected = tagged_ids(&harness.sim, &["Production"]);
    assert!(!expected.is_empty(), "the dataset has Production agents");
    let page = search(&harness, &tags_query(&["Production"], Some(10_000))).await;
    assert_eq!(ids(&page), expected);
    let sent = requests_to(&harness.sim, SEARCH_PATH)[0].body_text();
    assert!(
        sent.contains(&criterion("tagName", "EQUALS", "Production")),
        "{sent}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tags_return_only_the_agents_carrying_both() {
    let harness = Harness::start().await;
    let both = tagged_ids(&harness.sim, &["Windows", "Production"]);
    let windows = tagged_ids(&harness.sim, &["Windows"]);
    assert!(!both.is_empty() && both.len() < windows.len(), "a real AND");
    let page = search(
        &harness,
        &tags_query(&["Windows", "Production"], Some(10_000)),
    )
    .await;
    assert_eq!(ids(&page), both);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_nobody_carries_returns_no_agent_and_no_cursor() {
    let harness = Harness::start().await;
    let page = search(&harness, &tags_query(&["Nobody Has This Tag"], None)).await;
    assert!(page.agents.is_empty());
    assert_eq!(page.next_cursor, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_with_xml_special_characters_are_matched_literally() {
    let harness = Harness::start().await;
    for tag in ["PCI <Scope>", "R&D", "Crown \"Jewels\""] {
        let expected = tagged_ids(&harness.sim, &[tag]);
        assert!(!expected.is_empty(), "the dataset has {tag} agents");
        let page = search(&harness, &tags_query(&[tag], Some(10_000))).await;
        assert_eq!(ids(&page), expected, "{tag}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tagged_search_continues_with_its_cursor_and_the_cursor_needs_the_same_tags() {
    let harness = Harness::start().await;
    let expected = tagged_ids(&harness.sim, &["Production"]);
    let mut found = Vec::new();
    let mut query = tags_query(&["Production"], Some(250));
    loop {
        let page = search(&harness, &query).await;
        found.extend(ids(&page));
        let Some(cursor) = page.next_cursor else {
            break;
        };
        query.cursor = Some(cursor);
    }
    assert_eq!(found, expected);
    let first = search(&harness, &tags_query(&["Production"], Some(1))).await;
    let foreign = AgentQuery {
        cursor: first.next_cursor,
        ..tags_query(&["Europe"], Some(1))
    };
    harness.sim.clear_requests();
    let error = action_error(
        harness
            .connector
            .search_agents(&conn(&accounts::MANAGER), &foreign)
            .await,
    );
    assert_eq!(error.kind, ErrorKind::InvalidInput);
    assert!(harness.sim.requests().is_empty());
}
