//! An answer before it goes on the wire ([`Reply`]), how it is delivered ([`Delivery`]: whole,
//! cut short or stalled half-way) and the response body type that can do all three
//! ([`SimBody`]).

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use tokio::sync::mpsc;

/// `Content-Type` of `/msp/` XML answers.
pub(crate) const MSP_XML: &str = "text/xml; charset=UTF-8";
/// `Content-Type` of `/qps/` XML answers.
pub(crate) const QPS_XML: &str = "application/xml";
/// `Content-Type` of HTML pages.
pub(crate) const HTML: &str = "text/html; charset=UTF-8";
/// `Content-Type` of plain-text answers ("Bad Login/Password").
pub(crate) const PLAIN_TEXT: &str = "text/plain; charset=UTF-8";

/// An answer: status, content type, extra headers and the complete body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    /// The `Content-Type`, unless a `content-type` in `headers` overrides it; `None`: whatever
    /// `headers` say, possibly nothing.
    pub(crate) content_type: Option<&'static str>,
    pub(crate) headers: Vec<(HeaderName, String)>,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// Any answer with a body.
    pub(crate) fn new(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type: Some(content_type),
            headers: Vec::new(),
            body,
        }
    }

    /// An answer with exactly these headers (no `Content-Type` of its own) and this body.
    pub(crate) fn bare(
        status: StatusCode,
        headers: Vec<(HeaderName, String)>,
        body: Vec<u8>,
    ) -> Reply {
        Reply {
            status,
            content_type: None,
            headers,
            body,
        }
    }

    /// An `/msp/` XML answer with HTTP 200.
    pub(crate) fn msp_xml(body: Vec<u8>) -> Reply {
        Reply::new(StatusCode::OK, MSP_XML, body)
    }

    /// A `/qps/` XML answer.
    pub(crate) fn qps_xml(status: StatusCode, body: Vec<u8>) -> Reply {
        Reply::new(status, QPS_XML, body)
    }

    /// A small HTML page `<html><head><title>T</title></head><body><h1>T</h1><p>P</p></body></html>`.
    pub(crate) fn html_page(status: StatusCode, title: &str, paragraph: &str) -> Reply {
        Reply::new(status, HTML, html_document(title, paragraph))
    }

    /// The 404 page for unknown paths.
    pub(crate) fn not_found() -> Reply {
        Reply::html_page(
            StatusCode::NOT_FOUND,
            "404 Not Found",
            "The requested URL was not found on this server.",
        )
    }

    /// The 405 page for a known path called with the wrong method.
    pub(crate) fn method_not_allowed(allow: &'static str) -> Reply {
        Reply::html_page(
            StatusCode::METHOD_NOT_ALLOWED,
            "405 Method Not Allowed",
            "The requested method is not allowed for this URL.",
        )
        .with_header(ALLOW, allow.to_owned())
    }

    /// Changes the status.
    pub(crate) fn with_status(mut self, status: StatusCode) -> Reply {
        self.status = status;
        self
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: HeaderName, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }

    /// Adds several headers.
    pub(crate) fn with_headers(mut self, headers: Vec<(HeaderName, String)>) -> Reply {
        self.headers.extend(headers);
        self
    }

    /// The HTTP response, its body delivered as asked.
    pub(crate) fn into_response(self, delivery: Delivery) -> Response<SimBody> {
        let body = match delivery {
            Delivery::Whole => SimBody::whole(self.body),
            Delivery::Truncated => SimBody::whole(truncate_in_the_middle(self.body)),
            Delivery::Stalled { after_bytes, stall } => {
                SimBody::stalled(self.body, after_bytes, stall)
            }
        };
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        let explicit_type = self.headers.iter().any(|(name, _)| *name == CONTENT_TYPE);
        if let Some(content_type) = self.content_type.filter(|_| !explicit_type) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        for (name, value) in self.headers {
            // `from_bytes` keeps non-ASCII (obs-text) values that recorded answers may carry.
            if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
                headers.append(name, value);
            }
        }
        response
    }
}

/// How the body of an answer reaches the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// All of it.
    Whole,
    /// Only the first half, with a `Content-Length` that matches what is sent: a well-framed
    /// HTTP answer whose XML ends in the middle.
    Truncated,
    /// The first `after_bytes`, a pause of `stall`, then the rest (`Content-Length` is the full
    /// length, so the client waits).
    Stalled { after_bytes: usize, stall: Duration },
}

fn truncate_in_the_middle(mut body: Vec<u8>) -> Vec<u8> {
    body.truncate(body.len() / 2);
    body
}

fn html_document(title: &str, paragraph: &str) -> Vec<u8> {
    use quick_xml::escape::escape;
    let mut page = String::from("<!DOCTYPE html>\n<html><head><title>");
    page.push_str(&escape(title));
    page.push_str("</title></head><body><h1>");
    page.push_str(&escape(title));
    page.push_str("</h1><p>");
    page.push_str(&escape(paragraph));
    page.push_str("</p></body></html>\n");
    page.into_bytes()
}

/// The response body: either a complete buffer or a stream fed by a task (for stalls).
#[derive(Debug)]
pub(crate) struct SimBody {
    kind: BodyKind,
    length: u64,
}

#[derive(Debug)]
enum BodyKind {
    Whole(Option<Bytes>),
    Streamed(mpsc::Receiver<Bytes>),
}

impl SimBody {
    fn whole(body: Vec<u8>) -> SimBody {
        let length = body.len() as u64;
        let chunk = (!body.is_empty()).then(|| Bytes::from(body));
        SimBody {
            kind: BodyKind::Whole(chunk),
            length,
        }
    }

    /// Sends `after_bytes` of `body`, sleeps `stall`, then sends the rest, from a task on the
    /// current runtime. A client that hangs up ends the task.
    fn stalled(body: Vec<u8>, after_bytes: usize, stall: Duration) -> SimBody {
        let length = body.len() as u64;
        let mut body = Bytes::from(body);
        let head = body.split_to(after_bytes.min(body.len()));
        let (sender, receiver) = mpsc::channel(2);
        tokio::spawn(async move {
            if !head.is_empty() && sender.send(head).await.is_err() {
                return;
            }
            tokio::time::sleep(stall).await;
            if !body.is_empty() {
                let _client_gone = sender.send(body).await;
            }
        });
        SimBody {
            kind: BodyKind::Streamed(receiver),
            length,
        }
    }
}

impl Body for SimBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match &mut self.kind {
            BodyKind::Whole(chunk) => Poll::Ready(chunk.take().map(|data| Ok(Frame::data(data)))),
            BodyKind::Streamed(receiver) => receiver
                .poll_recv(context)
                .map(|chunk| chunk.map(|data| Ok(Frame::data(data)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.kind, BodyKind::Whole(None))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.length)
    }
}
