//! The rate and concurrency headers Qualys puts on FO and MSP answers.

use crate::transport::HttpResponse;

/// What the `X-RateLimit-*` and `X-Concurrency-Limit-*` headers of one answer said.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimitHeaders {
    /// Calls allowed per window (`X-RateLimit-Limit`).
    pub limit: Option<u32>,
    /// The window in seconds (`X-RateLimit-Window-Sec`).
    pub window_secs: Option<u32>,
    /// Calls left in this window (`X-RateLimit-Remaining`).
    pub remaining: Option<u32>,
    /// Seconds to wait before the next call (`X-RateLimit-ToWait-Sec`).
    pub to_wait_secs: Option<u32>,
    /// Concurrent calls allowed (`X-Concurrency-Limit-Limit`).
    pub concurrency_limit: Option<u32>,
}

impl RateLimitHeaders {
    /// Reads the headers of `response`.
    pub fn from_response(response: &HttpResponse) -> Self {
        Self {
            limit: response.header_u32("x-ratelimit-limit"),
            window_secs: response.header_u32("x-ratelimit-window-sec"),
            remaining: response.header_u32("x-ratelimit-remaining"),
            to_wait_secs: response.header_u32("x-ratelimit-towait-sec"),
            concurrency_limit: response.header_u32("x-concurrency-limit-limit"),
        }
    }

    /// True when the answer carried none of the headers (QPS answers usually do not).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_the_host_names_in_any_case_are_read_through_the_transport() {
        // Built the way the transport builds every answer, from the names as the host gives
        // them: Qualys writes `X-RateLimit-Limit`, a proxy may write `X-RATELIMIT-REMAINING`.
        let response = HttpResponse::from_host(
            200,
            vec![
                ("X-RateLimit-Limit".into(), b"300".to_vec()),
                ("x-ratelimit-window-sec".into(), b" 3600 ".to_vec()),
                ("X-RATELIMIT-REMAINING".into(), b"299".to_vec()),
                ("X-Concurrency-Limit-Limit".into(), b"2".to_vec()),
                ("X-RateLimit-ToWait-Sec".into(), b"soon".to_vec()),
            ],
        );
        let headers = RateLimitHeaders::from_response(&response);
        assert_eq!(headers.limit, Some(300));
        assert_eq!(headers.window_secs, Some(3600));
        assert_eq!(headers.remaining, Some(299));
        assert_eq!(headers.concurrency_limit, Some(2));
        assert_eq!(headers.to_wait_secs, None);
        assert!(!headers.is_empty());
    }
}
