//! Test helpers: a handwritten HTTP/1.1 client over a plain `TcpStream` (so tests see exactly
//! what went over the wire, including cut and stalled bodies) and small XML readers.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::accounts::{Account, basic_authorization};

/// A request to send.
#[derive(Debug, Clone)]
pub(crate) struct TestRequest {
    method: &'static str,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// What came back.
#[derive(Debug, Clone)]
pub(crate) struct TestResponse {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// Time from sending the request to the end of the head.
    pub(crate) head_after: Duration,
    /// Time from sending the request to the end of the body.
    pub(crate) body_after: Duration,
}

impl TestRequest {
    pub(crate) fn get(target: &str) -> TestRequest {
        TestRequest::new("GET", target)
    }

    pub(crate) fn post(target: &str) -> TestRequest {
        TestRequest::new("POST", target)
    }

    fn new(method: &'static str, target: &str) -> TestRequest {
        TestRequest {
            method,
            target: target.to_owned(),
            headers: vec![("Host".to_owned(), "qualysapi.qualys.com".to_owned())],
            body: Vec::new(),
        }
    }

    pub(crate) fn auth(self, account: &Account) -> TestRequest {
        self.credentials(account.login, account.password)
    }

    pub(crate) fn credentials(self, login: &str, password: &str) -> TestRequest {
        self.header("Authorization", &basic_authorization(login, password))
    }

    pub(crate) fn header(mut self, name: &str, value: &str) -> TestRequest {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub(crate) fn xml(self, body: &str) -> TestRequest {
        self.header("Content-Type", "text/xml")
            .body(body.as_bytes())
    }

    pub(crate) fn form(self, body: &str) -> TestRequest {
        self.header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.as_bytes())
    }

    pub(crate) fn body(mut self, body: &[u8]) -> TestRequest {
        self.body = body.to_vec();
        self
    }

    /// Sends on a fresh connection (`Connection: close`) and reads everything.
    pub(crate) async fn send(self, addr: SocketAddr) -> std::io::Result<TestResponse> {
        let mut stream = TcpStream::connect(addr).await?;
        let started = Instant::now();
        stream.write_all(&self.head()).await?;
        stream.write_all(&self.body).await?;
        read_response(&mut stream, started).await
    }

    fn head(&self) -> Vec<u8> {
        let mut head = format!("{} {} HTTP/1.1\r\n", self.method, self.target);
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.body.len()
        ));
        head.into_bytes()
    }
}

async fn read_response(stream: &mut TcpStream, started: Instant) -> std::io::Result<TestResponse> {
    let mut received = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let mut head_after = None;
    loop {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        received.extend_from_slice(&chunk[..read]);
        if head_after.is_none() && find_head_end(&received).is_some() {
            head_after = Some(started.elapsed());
        }
    }
    let body_after = started.elapsed();
    let head_end = find_head_end(&received).ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no response head")
    })?;
    let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Ok(TestResponse {
        status,
        headers,
        body: received[head_end + 4..].to_vec(),
        head_after: head_after.unwrap_or(body_after),
        body_after,
    })
}

fn find_head_end(bytes: &[u8]) -> Option<usize> {
    bytes.windows(4).position(|window| window == b"\r\n\r\n")
}

impl TestResponse {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header == name)
            .map(|(_, value)| value.as_str())
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The decoded text of every element with this name, in document order.
    pub(crate) fn texts(&self, element: &str) -> Vec<String> {
        element_texts(&self.text(), element)
    }

    /// The text of the first element with this name.
    pub(crate) fn first(&self, element: &str) -> Option<String> {
        self.texts(element).into_iter().next()
    }
}

/// The decoded text of every element named `element` (entities and CDATA resolved); panics
/// on XML that does not parse, which is what a test wants.
pub(crate) fn element_texts(xml: &str, element: &str) -> Vec<String> {
    let mut reader = Reader::from_str(xml);
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    let mut depth_in_element = 0usize;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(start) => {
                if current.is_some() {
                    depth_in_element += 1;
                } else if start.name().as_ref() == element.as_bytes() {
                    current = Some(String::new());
                }
            }
            Event::Empty(start)
                if current.is_none() && start.name().as_ref() == element.as_bytes() =>
            {
                found.push(String::new());
            }
            Event::End(_) if current.is_some() => {
                if depth_in_element == 0 {
                    found.extend(current.take());
                } else {
                    depth_in_element -= 1;
                }
            }
            Event::Text(text) => {
                if let Some(current) = current.as_mut() {
                    current.push_str(&text.decode().expect("utf-8"));
                }
            }
            Event::CData(data) => {
                if let Some(current) = current.as_mut() {
                    current.push_str(&data.decode().expect("utf-8"));
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(current) = current.as_mut() {
                    match reference.resolve_char_ref().expect("valid reference") {
                        Some(character) => current.push(character),
                        None => {
                            let name = reference.decode().expect("utf-8");
                            current.push_str(
                                resolve_predefined_entity(&name).expect("predefined entity"),
                            );
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    found
}

/// A `ServiceRequest` body built with quick-xml's writer from (field, operator, value) and an
/// optional `limitResults`.
pub(crate) fn service_request(criteria: &[(&str, &str, &str)], limit: Option<&str>) -> String {
    use quick_xml::Writer;
    use quick_xml::events::{BytesEnd, BytesStart, BytesText};
    let mut writer = Writer::new(Vec::new());
    let mut emit = |event: Event<'_>| writer.write_event(event).expect("write to Vec");
    emit(Event::Start(BytesStart::new("ServiceRequest")));
    if let Some(limit) = limit {
        emit(Event::Start(BytesStart::new("preferences")));
        emit(Event::Start(BytesStart::new("limitResults")));
        emit(Event::Text(BytesText::new(limit)));
        emit(Event::End(BytesEnd::new("limitResults")));
        emit(Event::End(BytesEnd::new("preferences")));
    }
    emit(Event::Start(BytesStart::new("filters")));
    for (field, operator, value) in criteria {
        let start = BytesStart::new("Criteria")
            .with_attributes([("field", *field), ("operator", *operator)]);
        emit(Event::Start(start));
        emit(Event::Text(BytesText::new(value)));
        emit(Event::End(BytesEnd::new("Criteria")));
    }
    emit(Event::End(BytesEnd::new("filters")));
    emit(Event::End(BytesEnd::new("ServiceRequest")));
    String::from_utf8(writer.into_inner()).expect("utf-8")
}

/// A simulator small enough for quick tests (120 agents, 20 untagged assets, 10 users).
pub(crate) async fn small_simulator() -> super::Simulator {
    super::Simulator::start(super::SimulatorConfig {
        agents: 120,
        untagged_assets: 20,
        users: 10,
        ..super::SimulatorConfig::default()
    })
    .await
    .expect("simulator starts")
}

/// The path of the search endpoint.
pub(crate) const SEARCH: &str = "/qps/rest/2.0/search/am/hostasset";
/// The path of the count endpoint.
pub(crate) const COUNT: &str = "/qps/rest/2.0/count/am/hostasset";

/// Whether the text is one well-formed XML document (balanced, every reference predefined).
pub(crate) fn is_well_formed(xml: &str) -> bool {
    let mut reader = Reader::from_str(xml);
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        match reader.read_event() {
            Err(_) => return false,
            Ok(Event::Start(_)) => {
                roots += usize::from(depth == 0);
                depth += 1;
            }
            Ok(Event::Empty(_)) => roots += usize::from(depth == 0),
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::GeneralRef(reference)) => {
                let known = reference.resolve_char_ref().ok().flatten().is_some()
                    || reference
                        .decode()
                        .ok()
                        .and_then(|name| resolve_predefined_entity(&name))
                        .is_some();
                if !known {
                    return false;
                }
            }
            Ok(Event::Eof) => return depth == 0 && roots == 1,
            Ok(_) => {}
        }
    }
}
