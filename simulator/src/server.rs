//! The HTTP side: the accept loop, and the path of every request through
//! record → fault → authenticate → limits → endpoint.
//!
//! The server is hyper 1's HTTP/1.1 connection handler on a tokio `TcpListener` bound to
//! `127.0.0.1:0`. Each connection is served by its own task in a `JoinSet` owned by the accept
//! task, so aborting the accept task (what dropping the `Simulator` does) also ends every
//! connection. The `Host` header is never checked: the harness routes Qualys hosts here and
//! keeps the original `Host`.

use std::net::SocketAddr;
use std::sync::Arc;

use http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinSet};

use super::accounts::{self, Account, AccountState, FailureFamily};
use super::faults::{FaultEffect, effect_of};
use super::log::RecordedRequest;
use super::reply::{Delivery, PLAIN_TEXT, Reply, SimBody};
use super::xml::{
    AGENT_ASSET_SCHEMA, HOSTASSET_SCHEMA, PORTAL_VERSION_SCHEMA, generic_return, service_error,
    simple_return,
};
use super::{SimState, about, hostasset, lock, scans, users};

/// What an endpoint handler gets: the shared state, the request and the authenticated account.
pub(crate) struct Call<'a> {
    pub(crate) state: &'a SimState,
    pub(crate) request: &'a RecordedRequest,
    pub(crate) account: &'static Account,
}

/// The error a handler returns to make hyper close the connection without answering.
#[derive(Debug, thiserror::Error)]
#[error("simulated connection drop")]
pub(crate) struct ConnectionDropped;

/// Binds `127.0.0.1:port` (0: an ephemeral port) and spawns the accept loop on `runtime`.
pub(crate) fn spawn(
    state: Arc<SimState>,
    runtime: &tokio::runtime::Handle,
    port: u16,
) -> std::io::Result<(SocketAddr, AbortHandle)> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let task = runtime.spawn(accept_loop(listener, state));
    Ok((addr, task.abort_handle()))
}

async fn accept_loop(listener: std::net::TcpListener, state: Arc<SimState>) {
    let Ok(listener) = TcpListener::from_std(listener) else {
        return;
    };
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _peer)) = accepted {
                    connections.spawn(serve_connection(stream, state.clone()));
                }
            }
            Some(_finished) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, state: Arc<SimState>) {
    let _nodelay = stream.set_nodelay(true);
    let service = service_fn(move |request| handle(state.clone(), request));
    // A connection ending badly (client hang-up, simulated drop) is nothing to report.
    let _ended = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn handle(
    state: Arc<SimState>,
    request: Request<Incoming>,
) -> Result<Response<SimBody>, ConnectionDropped> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => return Err(ConnectionDropped),
    };
    let recorded = RecordedRequest::from_parts(&parts, body);
    state.log.push(recorded.clone());
    let endpoint = Endpoint::route(&parts.method, &recorded.path);
    let _in_flight = (endpoint.family() == Some(Family::Msp))
        .then(|| recorded.basic_login())
        .flatten()
        .map(|login| state.limits.track_running(login));
    let fault = state.faults.take_for_request(&recorded.path);
    let delivery = match fault.map(|fault| effect_of(fault, &recorded)) {
        None => Delivery::Whole,
        Some(FaultEffect::Replace(reply)) => return Ok(reply.into_response(Delivery::Whole)),
        Some(FaultEffect::Drop) => return Err(ConnectionDropped),
        Some(FaultEffect::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            Delivery::Whole
        }
        Some(FaultEffect::Deliver(delivery)) => delivery,
    };
    Ok(answer(&state, &recorded, &endpoint).into_response(delivery))
}

/// Which API family a path belongs to: they fail authentication differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Msp,
    Qps,
}

/// The endpoints the simulator knows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Endpoint {
    About,
    UserList,
    UserAction,
    PortalVersion,
    CountHostAsset,
    SearchHostAsset,
    LaunchScanOne(String),
    LaunchScanBulk,
    MethodNotAllowed(&'static str),
    NotFound,
}

const SCAN_PATH: &str = "/qps/rest/1.0/ods/ca/agentasset";

impl Endpoint {
    fn route(method: &Method, path: &str) -> Endpoint {
        let get_or_post = *method == Method::GET || *method == Method::POST;
        let post = *method == Method::POST;
        let get = *method == Method::GET;
        let (endpoint, allowed, allow) = match path {
            "/msp/about.php" => (Endpoint::About, get_or_post, "GET, POST"),
            "/msp/user_list.php" => (Endpoint::UserList, get_or_post, "GET, POST"),
            "/msp/user.php" => (Endpoint::UserAction, get_or_post, "GET, POST"),
            "/qps/rest/portal/version" => (Endpoint::PortalVersion, get, "GET"),
            "/qps/rest/2.0/count/am/hostasset" => (Endpoint::CountHostAsset, post, "POST"),
            "/qps/rest/2.0/search/am/hostasset" => (Endpoint::SearchHostAsset, post, "POST"),
            SCAN_PATH => (Endpoint::LaunchScanBulk, post, "POST"),
            _ => match path
                .strip_prefix(SCAN_PATH)
                .and_then(|rest| rest.strip_prefix('/'))
            {
                Some(id) if !id.is_empty() && !id.contains('/') => {
                    (Endpoint::LaunchScanOne(id.to_owned()), post, "POST")
                }
                _ => return Endpoint::NotFound,
            },
        };
        if allowed {
            endpoint
        } else {
            Endpoint::MethodNotAllowed(allow)
        }
    }

    fn family(&self) -> Option<Family> {
        match self {
            Endpoint::About | Endpoint::UserList | Endpoint::UserAction => Some(Family::Msp),
            Endpoint::PortalVersion
            | Endpoint::CountHostAsset
            | Endpoint::SearchHostAsset
            | Endpoint::LaunchScanOne(_)
            | Endpoint::LaunchScanBulk => Some(Family::Qps),
            Endpoint::MethodNotAllowed(_) | Endpoint::NotFound => None,
        }
    }

    /// The schema location QPS answers of this endpoint name.
    fn schema(&self) -> &'static str {
        match self {
            Endpoint::PortalVersion => PORTAL_VERSION_SCHEMA,
            Endpoint::LaunchScanOne(_) | Endpoint::LaunchScanBulk => AGENT_ASSET_SCHEMA,
            _ => HOSTASSET_SCHEMA,
        }
    }
}

/// Authentication, limits and the endpoint: the answer as it would be without faults.
fn answer(state: &SimState, request: &RecordedRequest, endpoint: &Endpoint) -> Reply {
    let family = match (endpoint, endpoint.family()) {
        (Endpoint::MethodNotAllowed(allow), _) => return Reply::method_not_allowed(allow),
        (_, None) => return Reply::not_found(),
        (_, Some(family)) => family,
    };
    let account = match authenticate(state, request, family, endpoint.schema()) {
        Ok(account) => account,
        Err(refusal) => return refusal,
    };
    let call = Call {
        state,
        request,
        account,
    };
    match family {
        Family::Msp => match state.limits.admit(account.login) {
            Ok(headers) => run(&call, endpoint).with_headers(headers),
            Err(limited) => limited,
        },
        Family::Qps => run(&call, endpoint),
    }
}

fn run(call: &Call<'_>, endpoint: &Endpoint) -> Reply {
    match endpoint {
        Endpoint::About => about::about(),
        Endpoint::UserList => users::user_list(call),
        Endpoint::UserAction => users::user_action(call),
        Endpoint::PortalVersion => about::portal_version(),
        Endpoint::CountHostAsset => hostasset::count(call),
        Endpoint::SearchHostAsset => hostasset::search(call),
        Endpoint::LaunchScanOne(id) => scans::launch(call, scans::Target::One(id)),
        Endpoint::LaunchScanBulk => scans::launch(call, scans::Target::Filtered),
        Endpoint::MethodNotAllowed(allow) => Reply::method_not_allowed(allow),
        Endpoint::NotFound => Reply::not_found(),
    }
}

/// The account the request logs into, or the answer Qualys gives instead.
fn authenticate(
    state: &SimState,
    request: &RecordedRequest,
    family: Family,
    schema: &'static str,
) -> Result<&'static Account, Reply> {
    let account = request
        .header("authorization")
        .and_then(accounts::decode_basic)
        .as_ref()
        .and_then(accounts::verify)
        .filter(|account| lock(&state.users).is_active(account.login))
        .ok_or_else(|| bad_credentials(family, schema))?;
    if let Some(number) = account.state.refusal_number() {
        return Err(refused_account(state, request, family, account, number));
    }
    match (account.state, family) {
        (AccountState::NoQpsAccess, Family::Qps) => Err(Reply::qps_xml(
            StatusCode::OK,
            service_error(
                schema,
                "UNAUTHORIZED",
                "User does not have access to the Cloud Agent and Asset Management APIs.",
                "Ask a Manager to enable API access to the Cloud Agent module for this user.",
            ),
        )),
        _ => Ok(account),
    }
}

/// The HTTP 200 answer to every call of an account Qualys refuses (2001, 2003, 2007):
/// `GENERIC_RETURN` on `/msp/` (unless the test chose [`FailureFamily::SimpleReturn`]),
/// `SIMPLE_RETURN` elsewhere.
fn refused_account(
    state: &SimState,
    request: &RecordedRequest,
    family: Family,
    account: &Account,
    number: u32,
) -> Reply {
    let msp_family = *lock(&state.msp_failure_family);
    match (family, msp_family) {
        (Family::Msp, FailureFamily::GenericReturn) => Reply::msp_xml(generic_return(
            api_file_name(&request.path),
            account.login,
            Some(number),
            generic_return_text(number),
        )),
        _ => Reply::msp_xml(simple_return(number, simple_return_text(number), None)),
    }
}

/// The `RETURN` text of a refused account's `GENERIC_RETURN` (2001 recorded, others unverified).
fn generic_return_text(number: u32) -> &'static str {
    match number {
        2001 => "Account Expired",
        _ => simple_return_text(number),
    }
}

/// The `TEXT` of a refused account's `SIMPLE_RETURN` (wording unverified).
fn simple_return_text(number: u32) -> &'static str {
    match number {
        2001 => "Your account has expired. Please contact your Qualys account manager.",
        2003 => "Registration must be completed before API requests will be processed.",
        _ => "Login failed: Your IP address is not allowed to access this account.",
    }
}

/// The file name of an endpoint, `API@name` of the MSP answers: `/msp/about.php` → `about.php`.
pub(crate) fn api_file_name(path: &str) -> &str {
    path.rsplit('/')
        .find(|segment| !segment.is_empty())
        .unwrap_or(path)
}

fn bad_credentials(family: Family, schema: &'static str) -> Reply {
    match family {
        Family::Msp => Reply::new(
            StatusCode::UNAUTHORIZED,
            PLAIN_TEXT,
            b"Bad Login/Password".to_vec(),
        ),
        Family::Qps => Reply::qps_xml(
            StatusCode::OK,
            service_error(
                schema,
                "INVALID_CREDENTIALS",
                "Bad Login/Password",
                "Check the user name, the password and the platform (API server) of the account.",
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{
        EXPIRED, IP_NOT_ALLOWED, MANAGER, NO_API_ACCESS, READER, REGISTRATION_INCOMPLETE,
        SPECIAL_PASSWORD_MANAGER,
    };
    use crate::testing::{COUNT, TestRequest, service_request, small_simulator};

    fn cloud_agent_filter() -> String {
        service_request(&[("tagName", "EQUALS", "Cloud Agent")], None)
    }

    #[tokio::test]
    async fn msp_bad_or_missing_credentials_answer_401_bad_login_password() {
        let sim = small_simulator().await;
        for request in [
            TestRequest::get("/msp/about.php").credentials(MANAGER.login, "wrong"),
            TestRequest::get("/msp/about.php"),
            TestRequest::get("/msp/user_list.php").credentials("acme_zz9", "x"),
            TestRequest::get("/msp/about.php").header("Authorization", "Basic ###"),
        ] {
            let response = request.send(sim.addr()).await.expect("answer");
            assert_eq!(response.status, 401);
            assert_eq!(response.text(), "Bad Login/Password");
            assert!(response.header("x-ratelimit-limit").is_none());
        }
    }

    #[tokio::test]
    async fn qps_bad_credentials_answer_200_invalid_credentials() {
        let sim = small_simulator().await;
        let response = TestRequest::post(COUNT)
            .credentials(MANAGER.login, "wrong")
            .xml(&cloud_agent_filter())
            .send(sim.addr())
            .await
            .expect("answer");
        assert_eq!(response.status, 200);
        assert_eq!(
            response.first("responseCode").as_deref(),
            Some("INVALID_CREDENTIALS")
        );
        assert_eq!(
            response.first("errorMessage").as_deref(),
            Some("Bad Login/Password")
        );
        assert!(response.first("errorResolution").is_some());
        let text = response.text();
        assert!(text.contains(
            r#"xsi:noNamespaceSchemaLocation="https://qualysapi.qualys.com/qps/xsd/2.0/am/hostasset.xsd""#
        ));
        assert!(response.first("count").is_none());
    }

    #[tokio::test]
    async fn password_with_colon_and_non_ascii_logs_in() {
        let sim = small_simulator().await;
        let response = TestRequest::get("/msp/about.php")
            .auth(&SPECIAL_PASSWORD_MANAGER)
            .send(sim.addr())
            .await
            .expect("answer");
        assert_eq!(response.status, 200);
        assert!(response.text().contains("<WEB-VERSION>"));
    }

    #[tokio::test]
    async fn refused_accounts_answer_generic_return_on_msp_and_simple_return_on_qps_in_200() {
        let sim = small_simulator().await;
        for (account, code, generic_text) in [
            (EXPIRED, "2001", "Account Expired"),
            (
                REGISTRATION_INCOMPLETE,
                "2003",
                "Registration must be completed before API requests will be processed.",
            ),
            (
                IP_NOT_ALLOWED,
                "2007",
                "Login failed: Your IP address is not allowed to access this account.",
            ),
        ] {
            let msp = TestRequest::get("/msp/user_list.php")
                .auth(&account)
                .send(sim.addr())
                .await
                .expect("answer");
            assert_eq!(msp.status, 200);
            let text = msp.text();
            assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n"));
            assert!(text.contains(
                r#"<!DOCTYPE GENERIC_RETURN SYSTEM "https://qualysapi.qualys.com/generic_return.dtd">"#
            ));
            let api = format!(
                r#"<API name="user_list.php" username="{}" at="2026-11-01T00:00:00Z" />"#,
                account.login
            );
            assert!(text.contains(&api), "{text}");
            assert!(
                text.contains(&format!(r#"<RETURN status="FAILED" number="{code}">"#)),
                "{text}"
            );
            let message = msp.first("RETURN").expect("RETURN text");
            assert_ne!(message, message.trim(), "padded like the recorded answer");
            assert_eq!(message.trim(), generic_text);
            assert!(msp.first("CODE").is_none());
            assert!(msp.header("x-ratelimit-limit").is_none());

            let qps = TestRequest::post(COUNT)
                .xml(&cloud_agent_filter())
                .auth(&account)
                .send(sim.addr())
                .await
                .expect("answer");
            assert_eq!(qps.status, 200);
            assert_eq!(qps.first("CODE").as_deref(), Some(code));
            assert!(qps.text().contains("<!DOCTYPE SIMPLE_RETURN"));
            let text = qps.first("TEXT").expect("TEXT");
            assert!(text.starts_with('\n') && !text.trim().is_empty());
        }
    }

    #[tokio::test]
    async fn msp_failure_family_switch_gives_simple_return_on_msp() {
        let sim = small_simulator().await;
        sim.set_msp_failure_family(FailureFamily::SimpleReturn);
        for (account, code) in [
            (EXPIRED, "2001"),
            (REGISTRATION_INCOMPLETE, "2003"),
            (IP_NOT_ALLOWED, "2007"),
        ] {
            let response = TestRequest::get("/msp/about.php")
                .auth(&account)
                .send(sim.addr())
                .await
                .expect("answer");
            assert_eq!(response.status, 200);
            assert_eq!(response.first("CODE").as_deref(), Some(code));
            assert!(response.text().contains("<!DOCTYPE SIMPLE_RETURN"));
            assert!(!response.text().contains("GENERIC_RETURN"));
        }
        sim.set_msp_failure_family(FailureFamily::GenericReturn);
        let back = TestRequest::get("/msp/about.php")
            .auth(&EXPIRED)
            .send(sim.addr())
            .await
            .expect("answer");
        assert!(back.text().contains("<GENERIC_RETURN>"));
    }

    #[test]
    fn api_file_name_is_the_last_path_segment() {
        assert_eq!(api_file_name("/msp/about.php"), "about.php");
        assert_eq!(api_file_name("/api/2.0/fo/scan/"), "scan");
        assert_eq!(api_file_name("/"), "/");
    }

    #[tokio::test]
    async fn account_without_api_access_is_unauthorized_on_qps_only() {
        let sim = small_simulator().await;
        let qps = TestRequest::get("/qps/rest/portal/version")
            .auth(&NO_API_ACCESS)
            .send(sim.addr())
            .await
            .expect("answer");
        assert_eq!(qps.status, 200);
        assert_eq!(qps.first("responseCode").as_deref(), Some("UNAUTHORIZED"));
        assert!(qps.first("errorMessage").is_some());
        let msp = TestRequest::get("/msp/about.php")
            .auth(&NO_API_ACCESS)
            .send(sim.addr())
            .await
            .expect("answer");
        assert_eq!(msp.status, 200);
        assert!(msp.first("WEB-VERSION").is_some());
    }

    #[tokio::test]
    async fn unknown_path_is_404_and_wrong_method_is_405_both_recorded() {
        let sim = small_simulator().await;
        let missing = TestRequest::get("/api/2.0/fo/scan/?action=list")
            .send(sim.addr())
            .await
            .expect("answer");
        assert_eq!(missing.status, 404);
        assert!(
            missing
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/html"))
        );
        let wrong = TestRequest::get(COUNT)
            .auth(&MANAGER)
            .send(sim.addr())
            .await
            .expect("answer");
        assert_eq!(wrong.status, 405);
        assert_eq!(wrong.header("allow"), Some("POST"));
        let requests = sim.requests();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].path, "/api/2.0/fo/scan/");
        assert_eq!(requests[0].query.as_deref(), Some("action=list"));
    }

    #[tokio::test]
    async fn requests_are_recorded_with_lower_case_headers_and_body() {
        let sim = small_simulator().await;
        TestRequest::post("/msp/user.php?action=activate")
            .auth(&READER)
            .header("X-Requested-With", "qualys-connector")
            .form("login=acme_im1")
            .send(sim.addr())
            .await
            .expect("answer");
        let requests = sim.requests();
        let request = requests.first().expect("recorded");
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/msp/user.php");
        assert_eq!(request.header("x-requested-with"), Some("qualys-connector"));
        assert!(
            request
                .headers
                .iter()
                .all(|(name, _)| *name == name.to_ascii_lowercase())
        );
        assert_eq!(request.body_text(), "login=acme_im1");
        assert_eq!(request.form_value("action").as_deref(), Some("activate"));
        assert_eq!(request.form_value("login").as_deref(), Some("acme_im1"));
        assert_eq!(request.basic_login().as_deref(), Some(READER.login));
        sim.clear_requests();
        assert!(sim.requests().is_empty());
    }

    #[tokio::test]
    async fn about_and_portal_version_have_qualys_shapes() {
        let sim = small_simulator().await;
        let about = TestRequest::get("/msp/about.php")
            .auth(&MANAGER)
            .send(sim.addr())
            .await
            .expect("answer");
        let text = about.text();
        assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
        assert!(
            text.contains(r#"<!DOCTYPE ABOUT SYSTEM "https://qualysapi.qualys.com/about.dtd">"#)
        );
        assert!(text.trim_end().ends_with("-->"));
        assert_eq!(about.first("WEB-VERSION").as_deref(), Some("10.30.1-1"));
        assert!(
            text.contains(r#"<API-VERSION MAJOR="2" MINOR="0"/>"#),
            "version as attributes: {text}"
        );
        assert!(about.first("MAJOR").is_none(), "no MAJOR element");
        assert!(about.first("SCANNER-VERSION").is_some());
        assert!(about.first("VULNSIGS-VERSION").is_some());
        assert_eq!(about.header("x-ratelimit-limit"), Some("300"));
        assert_eq!(about.header("x-ratelimit-window-sec"), Some("3600"));
        assert_eq!(about.header("x-ratelimit-remaining"), Some("299"));
        assert_eq!(about.header("x-ratelimit-towait-sec"), Some("0"));
        assert_eq!(about.header("x-concurrency-limit-limit"), Some("2"));
        assert_eq!(about.header("x-concurrency-limit-running"), Some("1"));

        let version = TestRequest::get("/qps/rest/portal/version")
            .auth(&MANAGER)
            .send(sim.addr())
            .await
            .expect("answer");
        assert_eq!(version.status, 200);
        assert_eq!(version.first("responseCode").as_deref(), Some("SUCCESS"));
        assert_eq!(
            version.first("PortalApplicationVersion").as_deref(),
            Some("3.18.0.0")
        );
        assert!(version.first("CA-VERSION").is_some());
        assert!(version.header("x-ratelimit-limit").is_none());
        assert!(!version.text().contains("<!DOCTYPE"));
    }

    #[tokio::test]
    async fn host_header_is_not_checked() {
        let sim = small_simulator().await;
        let response = TestRequest::get("/msp/about.php")
            .header("Host", "qualysapi.qg2.apps.qualys.com")
            .auth(&MANAGER)
            .send(sim.addr())
            .await
            .expect("answer");
        assert_eq!(response.status, 200);
    }

    #[test]
    fn blocking_start_works_without_a_runtime() {
        let sim = crate::Simulator::start_blocking(Default::default()).expect("starts");
        let mut stream = std::net::TcpStream::connect(sim.addr()).expect("connects");
        use std::io::{Read, Write};
        stream
            .write_all(b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .expect("writes");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("reads");
        assert!(answer.starts_with("HTTP/1.1 404"));
    }

    #[test]
    fn routes_known_paths_methods_and_scan_ids() {
        assert_eq!(
            Endpoint::route(&Method::GET, "/msp/about.php"),
            Endpoint::About
        );
        assert_eq!(
            Endpoint::route(&Method::GET, "/qps/rest/2.0/search/am/hostasset"),
            Endpoint::MethodNotAllowed("POST")
        );
        assert_eq!(
            Endpoint::route(&Method::POST, "/qps/rest/1.0/ods/ca/agentasset/123"),
            Endpoint::LaunchScanOne("123".to_owned())
        );
        assert_eq!(
            Endpoint::route(&Method::POST, "/qps/rest/1.0/ods/ca/agentasset/1/2"),
            Endpoint::NotFound
        );
        assert_eq!(
            Endpoint::route(&Method::GET, "/api/2.0/fo/scan/"),
            Endpoint::NotFound
        );
    }
}
