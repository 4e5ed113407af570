//! [`Transport`] over the host's `wasi:http`, with deadlines and a body cap.
//!
//! waki's own `send` blocks on the response with no deadline and reads bodies without a cap, so
//! this module drives the `wasi:http` bindings that waki ships (`waki::bindings`, pinned with
//! waki to 0.5.1) directly:
//!
//! 1. every request carries `Content-Length` (some proxies refuse chunked uploads) and request
//!    options whose connect, first-byte and between-bytes timeouts are the time left;
//! 2. every wait (writing the body, the response head, each body chunk) polls the pending
//!    operation together with a monotonic-clock pollable for the deadline, so a host that
//!    ignores the request options still cannot hold the guest past the deadline;
//! 3. the body is read in chunks and abandoned past [`MAX_BODY_BYTES`].
//!
//! Resources are declared parent first so that Rust drops children (pollables, streams) before
//! their parents, as the component model requires.

use waki::bindings::wasi::clocks::monotonic_clock;
use waki::bindings::wasi::http::outgoing_handler;
use waki::bindings::wasi::http::types::{
    ErrorCode, Fields, FutureIncomingResponse, IncomingResponse, Method as WasiMethod,
    OutgoingBody, OutgoingRequest, RequestOptions, Scheme as WasiScheme,
};
use waki::bindings::wasi::io::poll::{self, Pollable};
use waki::bindings::wasi::io::streams::StreamError;

use super::{HttpRequest, HttpResponse, Instant, MAX_BODY_BYTES, Method, Scheme, Transport};
use crate::{Error, ErrorKind, Result};

/// Bytes asked for per body read.
const READ_CHUNK: u64 = 64 * 1024;

/// Most memory reserved up front from a `Content-Length`; larger bodies grow as they arrive.
const PREALLOCATE_MAX: usize = 8 * 1024 * 1024;

/// The transport of the component: the host's `wasi:http` outgoing handler.
#[derive(Debug, Default)]
pub struct WasiTransport;

/// A request handed to the host whose answer has not been read. Dropping it abandons the
/// request (the host cancels it).
pub struct InFlight {
    future: FutureIncomingResponse,
    deadline: Instant,
    authority: String,
}

impl Transport for WasiTransport {
    type Pending = InFlight;

    fn start(&mut self, request: &HttpRequest, deadline: Instant) -> Result<InFlight> {
        let remaining = deadline.saturating_sub(monotonic_clock::now());
        if remaining == 0 {
            return Err(timed_out(&request.authority));
        }
        let outgoing = outgoing_request(request)?;
        let body = outgoing
            .body()
            .map_err(|()| internal("the request body was already taken"))?;
        let future = outgoing_handler::handle(outgoing, Some(request_options(remaining)))
            .map_err(|code| from_error_code(&code, &request.authority))?;
        write_body(&body, &request.body, deadline, &request.authority)?;
        OutgoingBody::finish(body, None)
            .map_err(|code| from_error_code(&code, &request.authority))?;
        Ok(InFlight {
            future,
            deadline,
            authority: request.authority.clone(),
        })
    }

    fn finish(&mut self, pending: InFlight) -> Result<HttpResponse> {
        let response = await_response(&pending.future, pending.deadline, &pending.authority)?;
        read_response(response, pending.deadline, &pending.authority)
    }

    fn now(&self) -> Instant {
        monotonic_clock::now()
    }

    fn sleep_until(&mut self, instant: Instant) {
        monotonic_clock::subscribe_instant(instant).block();
    }
}

/// Builds the `outgoing-request` resource: headers (plus `Content-Length`), method, URL parts.
fn outgoing_request(request: &HttpRequest) -> Result<OutgoingRequest> {
    let mut entries: Vec<(String, Vec<u8>)> = request
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), value.clone().into_bytes()))
        .collect();
    if request.method == Method::Post {
        let length = request.body.len().to_string().into_bytes();
        entries.push(("content-length".to_owned(), length));
    }
    let fields = Fields::from_list(&entries)
        .map_err(|error| internal(&format!("a request header was refused: {error:?}")))?;
    let outgoing = OutgoingRequest::new(fields);
    let method = match request.method {
        Method::Get => WasiMethod::Get,
        Method::Post => WasiMethod::Post,
    };
    let scheme = match request.scheme {
        Scheme::Https => WasiScheme::Https,
        Scheme::Http => WasiScheme::Http,
    };
    outgoing
        .set_method(&method)
        .and_then(|()| outgoing.set_scheme(Some(&scheme)))
        .and_then(|()| outgoing.set_authority(Some(&request.authority)))
        .and_then(|()| outgoing.set_path_with_query(Some(&request.path_and_query)))
        .map_err(|()| internal("the host refused the request URL"))?;
    Ok(outgoing)
}

/// Request options asking the host to give up when the time left runs out. A host that does
/// not support an option refuses to set it; the deadline polls cover that case.
fn request_options(remaining: u64) -> RequestOptions {
    let options = RequestOptions::new();
    let _ = options.set_connect_timeout(Some(remaining));
    let _ = options.set_first_byte_timeout(Some(remaining));
    let _ = options.set_between_bytes_timeout(Some(remaining));
    options
}

/// Writes `bytes` to the request body as fast as the host accepts them.
fn write_body(body: &OutgoingBody, bytes: &[u8], deadline: Instant, host: &str) -> Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    let stream = body
        .write()
        .map_err(|()| internal("the request body stream was already taken"))?;
    let ready = stream.subscribe();
    let mut rest = bytes;
    while !rest.is_empty() {
        let permitted = stream
            .check_write()
            .map_err(|e| stream_failed(e, host, deadline))?;
        if permitted == 0 {
            wait(&ready, deadline, host)?;
            continue;
        }
        let take = rest
            .len()
            .min(usize::try_from(permitted).unwrap_or(usize::MAX));
        let (chunk, tail) = rest.split_at(take);
        stream
            .write(chunk)
            .map_err(|e| stream_failed(e, host, deadline))?;
        rest = tail;
    }
    // Every byte is written. A host may close the stream as soon as the declared
    // Content-Length has arrived, so a closed stream from here on means done, not failed.
    match stream.flush() {
        Ok(()) => wait(&ready, deadline, host)?,
        Err(StreamError::Closed) => return Ok(()),
        Err(error) => return Err(stream_failed(error, host, deadline)),
    }
    match stream.check_write() {
        Ok(_) | Err(StreamError::Closed) => Ok(()),
        Err(error) => Err(stream_failed(error, host, deadline)),
    }
}

/// Waits for the response head, or the deadline.
fn await_response(
    future: &FutureIncomingResponse,
    deadline: Instant,
    host: &str,
) -> Result<IncomingResponse> {
    let ready = future.subscribe();
    wait(&ready, deadline, host)?;
    match future.get() {
        Some(Ok(Ok(response))) => Ok(response),
        Some(Ok(Err(code))) => Err(from_error_code(&code, host)),
        Some(Err(())) => Err(internal("the response was already taken")),
        None => Err(internal("the host signalled a response that was not there")),
    }
}

/// Reads status, headers and the whole body (at most [`MAX_BODY_BYTES`]).
fn read_response(
    response: IncomingResponse,
    deadline: Instant,
    host: &str,
) -> Result<HttpResponse> {
    let status = response.status();
    let mut answer = HttpResponse::from_host(status, response.headers().entries());
    let declared: Option<usize> = answer
        .header("content-length")
        .and_then(|length| length.parse().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
        return Err(too_large(host, status));
    }
    let body = response
        .consume()
        .map_err(|()| internal("the response body was already taken"))?;
    let stream = body
        .stream()
        .map_err(|()| internal("the response body stream was already taken"))?;
    let ready = stream.subscribe();
    answer.body = Vec::with_capacity(declared.unwrap_or(0).min(PREALLOCATE_MAX));
    loop {
        match stream.read(READ_CHUNK) {
            Ok(chunk) if chunk.is_empty() => wait(&ready, deadline, host)?,
            Ok(chunk) => {
                if answer.body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(too_large(host, status));
                }
                answer.body.extend_from_slice(&chunk);
            }
            Err(StreamError::Closed) => break,
            Err(error) => return Err(stream_failed(error, host, deadline).with_status(status)),
        }
    }
    Ok(answer)
}

fn too_large(host: &str, status: u16) -> Error {
    Error::bad_response(format!(
        "the answer from {host} is larger than {} MiB",
        MAX_BODY_BYTES / (1024 * 1024)
    ))
    .with_status(status)
}

/// Blocks until `ready` fires or the deadline passes.
fn wait(ready: &Pollable, deadline: Instant, host: &str) -> Result<()> {
    if ready.ready() {
        return Ok(());
    }
    let timer = monotonic_clock::subscribe_instant(deadline);
    let fired = poll::poll(&[ready, &timer]);
    if fired.contains(&0) {
        return Ok(());
    }
    Err(timed_out(host))
}

fn timed_out(host: &str) -> Error {
    Error::new(
        ErrorKind::Timeout,
        format!("the time budget ran out waiting for {host}"),
    )
    .with_hint("raise timeout-ms, or try again when Qualys is less busy")
}

fn internal(message: &str) -> Error {
    Error::new(
        ErrorKind::Transport,
        format!("HTTP client error: {message}"),
    )
}

/// A failed body read or write. Hosts do not always attach a `wasi:http` error code to it
/// (wasmtime 48 does not for its own between-bytes timeout), so a failure at or past the
/// deadline is reported as the timeout it almost certainly is.
fn stream_failed(error: StreamError, host: &str, deadline: Instant) -> Error {
    if monotonic_clock::now() >= deadline {
        return timed_out(host);
    }
    match error {
        StreamError::Closed => Error::new(
            ErrorKind::Transport,
            format!("the connection to {host} closed early"),
        ),
        StreamError::LastOperationFailed(cause) => {
            match waki::bindings::wasi::http::types::http_error_code(&cause) {
                Some(code) => from_error_code(&code, host),
                None => Error::new(
                    ErrorKind::Transport,
                    format!(
                        "the connection to {host} failed: {}",
                        cause.to_debug_string()
                    ),
                ),
            }
        }
    }
}

/// Maps a `wasi:http` error code to the connector's error.
fn from_error_code(code: &ErrorCode, host: &str) -> Error {
    let (kind, message) = match code {
        ErrorCode::DnsTimeout | ErrorCode::DnsError(_) | ErrorCode::DestinationNotFound => (
            ErrorKind::Transport,
            format!("the name {host} could not be resolved"),
        ),
        ErrorCode::ConnectionRefused
        | ErrorCode::DestinationUnavailable
        | ErrorCode::DestinationIpProhibited
        | ErrorCode::DestinationIpUnroutable => (
            ErrorKind::Transport,
            format!("the connection to {host} was refused"),
        ),
        ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => return timed_out(host),
        ErrorCode::TlsProtocolError
        | ErrorCode::TlsCertificateError
        | ErrorCode::TlsAlertReceived(_) => (
            ErrorKind::Transport,
            format!("the TLS handshake with {host} failed ({})", code_name(code)),
        ),
        ErrorCode::HttpRequestDenied => return super::host_refused(host),
        ErrorCode::HttpResponseBodySize(_) => (
            ErrorKind::BadResponse,
            format!("the answer from {host} was larger than the host allows"),
        ),
        other => (
            ErrorKind::Transport,
            format!("the request to {host} failed ({})", code_name(other)),
        ),
    };
    Error::new(kind, message)
}

/// The `wasi:http` name of `code`, with the text some codes carry. (The bindings' derived
/// `Debug` would say as much with more code in the component.)
fn code_name(code: &ErrorCode) -> String {
    let name = match code {
        ErrorCode::DnsTimeout => "DNS-timeout",
        ErrorCode::DnsError(_) => "DNS-error",
        ErrorCode::DestinationNotFound => "destination-not-found",
        ErrorCode::DestinationUnavailable => "destination-unavailable",
        ErrorCode::DestinationIpProhibited => "destination-IP-prohibited",
        ErrorCode::DestinationIpUnroutable => "destination-IP-unroutable",
        ErrorCode::ConnectionRefused => "connection-refused",
        ErrorCode::ConnectionTerminated => "connection-terminated",
        ErrorCode::ConnectionTimeout => "connection-timeout",
        ErrorCode::ConnectionReadTimeout => "connection-read-timeout",
        ErrorCode::ConnectionWriteTimeout => "connection-write-timeout",
        ErrorCode::ConnectionLimitReached => "connection-limit-reached",
        ErrorCode::TlsProtocolError => "TLS-protocol-error",
        ErrorCode::TlsCertificateError => "TLS-certificate-error",
        ErrorCode::TlsAlertReceived(_) => "TLS-alert-received",
        ErrorCode::HttpRequestDenied => "HTTP-request-denied",
        ErrorCode::HttpRequestLengthRequired => "HTTP-request-length-required",
        ErrorCode::HttpRequestBodySize(_) => "HTTP-request-body-size",
        ErrorCode::HttpRequestMethodInvalid => "HTTP-request-method-invalid",
        ErrorCode::HttpRequestUriInvalid => "HTTP-request-URI-invalid",
        ErrorCode::HttpRequestUriTooLong => "HTTP-request-URI-too-long",
        ErrorCode::HttpRequestHeaderSectionSize(_) => "HTTP-request-header-section-size",
        ErrorCode::HttpRequestHeaderSize(_) => "HTTP-request-header-size",
        ErrorCode::HttpRequestTrailerSectionSize(_) => "HTTP-request-trailer-section-size",
        ErrorCode::HttpRequestTrailerSize(_) => "HTTP-request-trailer-size",
        ErrorCode::HttpResponseIncomplete => "HTTP-response-incomplete",
        ErrorCode::HttpResponseHeaderSectionSize(_) => "HTTP-response-header-section-size",
        ErrorCode::HttpResponseHeaderSize(_) => "HTTP-response-header-size",
        ErrorCode::HttpResponseBodySize(_) => "HTTP-response-body-size",
        ErrorCode::HttpResponseTrailerSectionSize(_) => "HTTP-response-trailer-section-size",
        ErrorCode::HttpResponseTrailerSize(_) => "HTTP-response-trailer-size",
        ErrorCode::HttpResponseTransferCoding(_) => "HTTP-response-transfer-coding",
        ErrorCode::HttpResponseContentCoding(_) => "HTTP-response-content-coding",
        ErrorCode::HttpResponseTimeout => "HTTP-response-timeout",
        ErrorCode::HttpUpgradeFailed => "HTTP-upgrade-failed",
        ErrorCode::HttpProtocolError => "HTTP-protocol-error",
        ErrorCode::LoopDetected => "loop-detected",
        ErrorCode::ConfigurationError => "configuration-error",
        ErrorCode::InternalError(_) => "internal-error",
    };
    let detail = match code {
        ErrorCode::DnsError(payload) => payload.rcode.as_deref(),
        ErrorCode::TlsAlertReceived(payload) => payload.alert_message.as_deref(),
        ErrorCode::HttpResponseTransferCoding(text)
        | ErrorCode::HttpResponseContentCoding(text)
        | ErrorCode::InternalError(text) => text.as_deref(),
        _ => None,
    };
    match detail {
        Some(detail) => [name, ": ", detail].concat(),
        None => name.to_owned(),
    }
}
