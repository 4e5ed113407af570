//! Robustness of every parser of untrusted text: Qualys's answers, and the dates, cursors and
//! server names callers pass. Each runs on arbitrary bytes and on realistic answers cut short,
//! spliced with junk or with a byte changed, and must fail with the documented error kind,
//! never panic. (`hostasset::parse_search_page` has its own such properties in its module.)
//!
//! This is the quick, always-on sibling of the cargo-fuzz targets in `fuzz/` (see
//! `docs/fuzzing.md`), which check the same properties for minutes at a time.

use proptest::prelude::*;

use super::cursor;
use super::dates::UtcInstant;
use super::errors;
use super::server::PLATFORMS;
use super::xml::{self, Flow, Node};
use super::{about, hostasset, portal_version, scans, users};
use crate::transport::{HttpResponse, Scheme};
use crate::{ErrorKind, Result};

/// Realistic answers of every endpoint the connector reads, and of Qualys's error shapes.
const BODIES: &[&str] = &[
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<!DOCTYPE ABOUT SYSTEM \
     \"https://qualysapi.qualys.com/about.dtd\">\n<ABOUT><API-VERSION><MAJOR>2</MAJOR>\
     <MINOR>0</MINOR></API-VERSION><WEB-VERSION>10.30.1-1</WEB-VERSION></ABOUT>\n\
     <!-- CONFIDENTIAL -->",
    "<ServiceResponse><responseCode>SUCCESS</responseCode><count>1</count><data>\
     <Portal-Version><PortalApplicationVersion>3.18</PortalApplicationVersion>\
     <CA-VERSION>4.9</CA-VERSION></Portal-Version></data></ServiceResponse>",
    "<?xml version=\"1.0\"?><ServiceResponse><responseCode>SUCCESS</responseCode>\
     <count>1234</count></ServiceResponse>",
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<USER_LIST_OUTPUT><USER_LIST><USER>\
     <USER_LOGIN>acme_mg1</USER_LOGIN><USER_ID>101</USER_ID><CONTACT_INFO><COMPANY>\
     <![CDATA[Acme & Co. <EU>]]></COMPANY></CONTACT_INFO><USER_STATUS>Active</USER_STATUS>\
     <USER_ROLE>Manager</USER_ROLE><BUSINESS_UNIT>R&amp;D</BUSINESS_UNIT></USER></USER_LIST>\
     <WARNING><CODE>1980</CODE><URL>https://qualysapi.qualys.com/msp/user_list.php?\
     action=list&amp;id_min=2001</URL></WARNING></USER_LIST_OUTPUT>",
    "<USER_LIST_OUTPUT><ERROR number=\"2002\">No permission</ERROR></USER_LIST_OUTPUT>",
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<USER_OUTPUT><API name=\"user.php\" \
     username=\"acme_mg1\"/><RETURN status=\"FAILED\" number=\"1920\"><MESSAGE>User acme_ep1 \
     is pending activation.</MESSAGE></RETURN></USER_OUTPUT>",
    "<USER_OUTPUT><RETURN status=\"SUCCESS\"><MESSAGE>User acme_im1 has been activated.\
     </MESSAGE></RETURN></USER_OUTPUT>",
    "<ServiceResponse><responseCode>SUCCESS</responseCode><count>1</count><data>\
     <SingleModuleResponse><assetIds>[48213005,48213017]</assetIds></SingleModuleResponse>\
     <SingleModuleResponse><assetIds><list><long>7</long></list></assetIds>\
     </SingleModuleResponse></data></ServiceResponse>",
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<SIMPLE_RETURN><RESPONSE><CODE>1965</CODE>\
     <TEXT>This API cannot be run again for another 42 seconds.</TEXT></RESPONSE>\
     </SIMPLE_RETURN>",
    "<ServiceResponse><responseCode>INVALID_CREDENTIALS</responseCode><responseErrorDetails>\
     <errorMessage>Bad creds</errorMessage><errorResolution>Fix it</errorResolution>\
     </responseErrorDetails></ServiceResponse>",
    "<!DOCTYPE html>\n<html><head><title>Maintenance</title></head><body>Back soon</body></html>",
    "<!DOCTYPE A [<!ENTITY x \"boom\">]><A b=\"a&amp;b\"><B>&x; &#x20AC; <![CDATA[a<b]]></B></A>",
];

/// Junk to splice into bodies: XML syntax, references and names the parsers look for.
const JUNK: &str = "[<>/=\"'&;#!?\\[\\]a-zA-Z0-9_ -]{0,16}|&#x[0-9A-F]{1,8};|</?[A-Za-z_]{1,12}>";

/// A realistic body, changed: junk spliced in at a point, cut short there, or a byte replaced.
fn near_bodies() -> impl Strategy<Value = Vec<u8>> {
    (
        0..BODIES.len(),
        any::<prop::sample::Index>(),
        JUNK,
        0..3u8,
        any::<u8>(),
    )
        .prop_map(|(which, at, junk, how, byte)| {
            let mut body = BODIES[which].as_bytes().to_vec();
            let at = at.index(body.len() + 1);
            match how {
                0 => drop(body.splice(at..at, junk.bytes())),
                1 => body.truncate(at),
                _ => {
                    if let Some(slot) = body.get_mut(at) {
                        *slot = byte;
                    }
                }
            }
            body
        })
}

/// Arbitrary bytes or a near-realistic body.
fn bodies() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        near_bodies(),
        near_bodies(),
    ]
}

fn is_bad_response<T>(result: &Result<T>) -> bool {
    result
        .as_ref()
        .err()
        .is_none_or(|error| error.kind == ErrorKind::BadResponse)
}

/// An answer with `status`, a few of the headers the error mapping reads, and `body`.
fn responses() -> impl Strategy<Value = HttpResponse> {
    let names = prop::sample::select(vec![
        "content-type",
        "retry-after",
        "x-ratelimit-towait-sec",
        "x-ratelimit-limit",
        "x-concurrency-limit-running",
    ]);
    let value = prop_oneof![
        "[0-9]{1,11}",
        "text/html|text/xml|application/xml; charset=UTF-8",
        proptest::collection::vec(any::<u8>(), 0..12)
            .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
    ];
    let header = (names, value).prop_map(|(name, value)| (name.to_owned(), value.into_bytes()));
    let status = prop_oneof![
        prop::sample::select(vec![200u16, 204, 400, 401, 403, 404, 409, 429, 500, 503]),
        any::<u16>(),
    ];
    (status, proptest::collection::vec(header, 0..4), bodies()).prop_map(
        |(status, headers, body)| HttpResponse {
            status,
            headers,
            body,
        },
    )
}

/// Text that is, or is close to, one of the date formats callers write.
fn date_texts() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?)?",
        "[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2} (AM|PM|am|pm|XM)",
        " ?[0-9:/TZ+ -]{0,26} ?",
    ]
}

/// Server names: platform codes, URLs and hosts, and anything at all.
fn servers() -> impl Strategy<Value = Option<String>> {
    let url = "(https?|HTTP|ftp)://[a-zA-Z0-9.:@\\[\\]/?#%_ -]{0,30}";
    let host = "[a-zA-Z0-9.:@\\[\\]/-]{0,30}";
    let short = "(https://)?[a-z.]{0,4}(:[0-9a-z+-]{0,6})?/?";
    prop::option::of(prop_oneof![
        url,
        host,
        short,
        "(us|US|eu|KSA)[0-9]",
        any::<String>()
    ])
}

proptest! {
    #[test]
    fn the_xml_walk_is_well_nested_and_fails_only_as_bad_response(body in bodies()) {
        let mut open: Vec<String> = Vec::new();
        let result = xml::walk(&body, |node| {
            match node {
                Node::Open { path, .. } => {
                    assert_eq!(path.len(), open.len() + 1);
                    assert_eq!(&path[..open.len()], open.as_slice());
                    open = path.to_vec();
                }
                Node::Text { path, text } => {
                    assert_eq!(path, open.as_slice());
                    assert!(!text.is_empty() && text.trim() == text);
                }
                Node::Close { path } => {
                    assert_eq!(path, open.as_slice());
                    open.pop();
                }
            }
            Ok(Flow::Continue)
        });
        prop_assert!(is_bad_response(&result), "{result:?}");
        if result.is_ok() {
            prop_assert!(open.is_empty());
            prop_assert!(xml::root_name(&body).is_some());
        }
    }

    #[test]
    fn the_error_mapping_never_panics_and_keeps_the_status(response in responses()) {
        let status = response.status;
        match errors::check(&response) {
            Ok(()) => prop_assert!((200..300).contains(&status), "Ok for HTTP {status}"),
            Err(error) => {
                prop_assert_eq!(error.http_status, Some(status));
                if status == 401 {
                    prop_assert_eq!(error.kind, ErrorKind::AuthFailed);
                }
            }
        }
    }

    #[test]
    fn the_endpoint_parsers_fail_only_as_documented(body in bodies()) {
        let about = about::parse(&body);
        prop_assert!(is_bad_response(&about), "{about:?}");
        let version = portal_version::parse_cloud_agent_version(&body);
        prop_assert!(is_bad_response(&version), "{version:?}");
        let count = hostasset::parse_count(&body);
        prop_assert!(is_bad_response(&count), "{count:?}");
        let launched = scans::parse_launched(&body);
        prop_assert!(is_bad_response(&launched), "{launched:?}");
        if let Err(error) = users::parse_user_list(&body) {
            prop_assert!(
                matches!(error.kind, ErrorKind::BadResponse | ErrorKind::PermissionDenied),
                "{error:?}"
            );
        }
        if let Err(error) = users::parse_user_output(&body) {
            prop_assert!(
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
    }

    #[test]
    fn a_date_that_parses_writes_itself_back_as_the_same_instant(text in date_texts()) {
        match UtcInstant::parse(&text) {
            Ok(instant) => {
                let written = instant.to_qualys();
                prop_assert_eq!(written.len(), 20);
                prop_assert_eq!(UtcInstant::parse(&written), Ok(instant));
            }
            Err(error) => prop_assert_eq!(error.kind, ErrorKind::InvalidInput),
        }
    }

    #[test]
    fn a_cursor_decodes_only_as_the_one_spelling_encode_writes(
        text in prop_oneof!["[A-Za-z0-9_-]{22,24}", any::<String>()],
        after_id in any::<u64>(),
        filters in proptest::collection::vec(prop::option::of(".{0,8}"), 4),
    ) {
        let filters: Vec<Option<&str>> = filters.iter().map(Option::as_deref).collect();
        match cursor::decode(&text, &filters) {
            Ok(id) => prop_assert_eq!(cursor::encode(id, &filters), text),
            Err(error) => prop_assert_eq!(error.kind, ErrorKind::InvalidInput),
        }
        let real = cursor::encode(after_id, &filters);
        prop_assert_eq!(cursor::decode(&real, &filters), Ok(after_id));
    }

    #[test]
    fn a_resolved_server_is_a_bare_host_reached_safely(
        server in servers(),
        username in prop_oneof!["[a-z]{1,6}[_23456!-][a-z]{1,3}[0-9]?", any::<String>()],
    ) {
        let resolved = match super::server::resolve(server.as_deref(), &username) {
            Ok(resolved) => resolved,
            Err(error) => {
                prop_assert_eq!(error.kind, ErrorKind::InvalidInput);
                return Ok(());
            }
        };
        let host = resolved.host.as_str();
        prop_assert!(!host.is_empty(), "{resolved:?}");
        prop_assert!(!host.contains(['@', '/', '?', '#', ' ']), "{resolved:?}");
        if resolved.scheme == Scheme::Http {
            let loopback = host == "localhost"
                || host == "[::1]"
                || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
            prop_assert!(loopback, "plain HTTP to {host}");
        }
        if let Some(code) = resolved.platform {
            prop_assert!(PLATFORMS.contains(&(code, host)));
        }
        let uri: http::Uri = resolved.base_url().parse().expect("base URL parses");
        prop_assert_eq!(uri.host(), Some(host));
    }
}
