//! `qualys::errors::check` (and the rate-limit header reader) on an `HttpResponse` built
//! from the input, written like an HTTP answer:
//!
//! ```text
//! 409
//! x-ratelimit-towait-sec: 42
//! content-type: text/xml
//!
//! <SIMPLE_RETURN>…
//! ```
//!
//! The first line is the status (digits, or any bytes folded into a `u16`), then one header
//! per line up to an empty line (names lower-cased, values kept as raw bytes), then the body.
//!
//! Besides "no panic, no hang": 401 is always `auth-failed`, `Ok` only ever for a 2xx, and
//! every error carries the answer's status.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qualys_connector::ErrorKind;
use qualys_connector::qualys::errors;
use qualys_connector::qualys::rate_limit::RateLimitHeaders;
use qualys_connector::transport::HttpResponse;

fn response(data: &[u8]) -> HttpResponse {
    let (head, body) = match data.windows(2).position(|pair| pair == b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };
    let mut lines = head.split(|byte| *byte == b'\n');
    let status_line = lines.next().unwrap_or_default();
    let status_line = status_line.strip_suffix(b"\r").unwrap_or(status_line);
    let status = std::str::from_utf8(status_line)
        .ok()
        .and_then(|text| text.trim().parse::<u16>().ok())
        .unwrap_or_else(|| {
            status_line.iter().fold(0u16, |folded, byte| {
                folded.wrapping_mul(31).wrapping_add(u16::from(*byte))
            })
        });
    let headers = lines
        .map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let (name, value) = match line.iter().position(|byte| *byte == b':') {
                Some(colon) => (&line[..colon], &line[colon + 1..]),
                None => (line, &[][..]),
            };
            let name = String::from_utf8_lossy(name).trim().to_ascii_lowercase();
            (name, value.to_vec())
        })
        .collect();
    HttpResponse {
        status,
        headers,
        body: body.to_vec(),
    }
}

fuzz_target!(|data: &[u8]| {
    let response = response(data);
    let status = response.status;
    let _ = RateLimitHeaders::from_response(&response);
    let limited = errors::rate_limited(status, Some(errors::RATE_LIMIT_CODE), &response);
    assert!(limited.is_some_and(|error| error.kind == ErrorKind::RateLimited));
    match errors::check(&response) {
        Ok(()) => assert!((200..300).contains(&status), "Ok for HTTP {status}"),
        Err(error) => {
            assert_eq!(error.http_status, Some(status), "{error:?}");
            assert!(!error.message.is_empty());
            if status == 401 {
                assert_eq!(error.kind, ErrorKind::AuthFailed);
            }
        }
    }
});
