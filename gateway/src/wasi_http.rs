//! Reading the incoming request and writing the response over `wasi:http` streams.

use crate::bindings::wasi::http::types::{
    Fields, IncomingRequest, Method as WasiMethod, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use crate::bindings::wasi::io::streams::StreamError;
use crate::error::GatewayError;
use crate::outputs::Response;
use crate::request::{BODY_CAP, Method, Request, path_of};

/// Bytes asked of the body stream per read.
const READ_CHUNK: u64 = 64 * 1024;
/// Bytes written per `blocking-write-and-flush`, the most that call takes.
const WRITE_CHUNK: usize = 4096;

/// The request's method, path, the two headers the gateway reads and the body, refusing a body
/// over [`BODY_CAP`] as soon as its length or its bytes show it.
pub fn read_request(request: IncomingRequest) -> Result<Request, GatewayError> {
    let headers = request.headers();
    let header = |name: &str| {
        headers
            .get(name)
            .into_iter()
            .next()
            .and_then(|value| String::from_utf8(value).ok())
    };
    let declared_length =
        header("content-length").and_then(|value| value.trim().parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > BODY_CAP as u64) {
        return Err(GatewayError::BodyTooLarge { cap: BODY_CAP });
    }
    let method = match request.method() {
        WasiMethod::Get => Method::Get,
        WasiMethod::Post => Method::Post,
        _ => Method::Other,
    };
    let target = request.path_with_query().unwrap_or_default();
    let authorization = header("authorization");
    let content_type = header("content-type");
    drop(headers);
    let body = read_body(&request)?;
    Ok(Request {
        method,
        path: path_of(&target).to_owned(),
        authorization,
        content_type,
        body,
    })
}

/// The whole body, at most [`BODY_CAP`] bytes.
fn read_body(request: &IncomingRequest) -> Result<Vec<u8>, GatewayError> {
    let body = request.consume().map_err(|()| GatewayError::Read)?;
    let stream = body.stream().map_err(|()| GatewayError::Read)?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(READ_CHUNK) {
            Ok(chunk) => {
                if bytes.len() + chunk.len() > BODY_CAP {
                    return Err(GatewayError::BodyTooLarge { cap: BODY_CAP });
                }
                bytes.extend_from_slice(&chunk);
            }
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(_)) => return Err(GatewayError::Read),
        }
    }
    Ok(bytes)
}

/// Writes `response`. A client that went away leaves nothing to report to, so write failures
/// end the response quietly.
pub fn send(out: ResponseOutparam, response: Response) {
    let headers = Fields::new();
    let length = response.body.len().to_string();
    let all = response
        .headers
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .chain([("content-length", length.as_str())]);
    for (name, value) in all {
        // The names and values are the gateway's own, all valid: nothing to refuse.
        let _ = headers.append(name, value.as_bytes());
    }
    let outgoing = OutgoingResponse::new(headers);
    let _ = outgoing.set_status_code(response.status);
    let Ok(body) = outgoing.body() else {
        return;
    };
    ResponseOutparam::set(out, Ok(outgoing));
    let Ok(stream) = body.write() else {
        return;
    };
    for chunk in response.body.chunks(WRITE_CHUNK) {
        if stream.blocking_write_and_flush(chunk).is_err() {
            return;
        }
    }
    drop(stream);
    let _ = OutgoingBody::finish(body, None);
}
