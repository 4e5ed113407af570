//! Per-account rate and concurrency limits of `/msp/` calls, with Qualys's headers.
//!
//! Each account has a window of calls and a count of calls in flight. The headers always report
//! them; limits are only *enforced* for accounts given one with `Simulator::set_rate_limit`.
//! An enforced account whose window is used up gets 409 / CODE 1965 with the seconds left in the
//! window; one with more calls in flight than its concurrency limit gets 409 / CODE 1960. A
//! refused call does not count against the window.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::StatusCode;
use http::header::HeaderName;

use super::lock;
use super::reply::Reply;
use super::xml::simple_return;

/// The limits of one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Calls allowed per window (`X-RateLimit-Limit`).
    pub calls_per_window: u32,
    /// Length of the window in seconds (`X-RateLimit-Window-Sec`).
    pub window_secs: u32,
    /// Calls allowed in flight at once (`X-Concurrency-Limit-Limit`).
    pub concurrency_limit: u32,
}

impl Default for RateLimitConfig {
    /// The standard subscription: 300 calls per 3600 s, 2 concurrent.
    fn default() -> Self {
        RateLimitConfig {
            calls_per_window: 300,
            window_secs: 3600,
            concurrency_limit: 2,
        }
    }
}

/// Qualys's code for "another instance of this API is running" (wording unverified).
pub(crate) const CONCURRENT_INSTANCE_CODE: u32 = 1920;
/// Qualys's code for "too many concurrent calls".
pub(crate) const CONCURRENCY_LIMIT_CODE: u32 = 1960;
/// Qualys's code for "rate limit reached".
pub(crate) const RATE_LIMIT_CODE: u32 = 1965;

#[derive(Debug)]
struct Usage {
    enforced: Option<RateLimitConfig>,
    window_started: Instant,
    calls_in_window: u32,
    running: u32,
}

impl Usage {
    fn new() -> Usage {
        Usage {
            enforced: None,
            window_started: Instant::now(),
            calls_in_window: 0,
            running: 0,
        }
    }

    fn config(&self) -> RateLimitConfig {
        self.enforced.unwrap_or_default()
    }

    fn window(&self) -> Duration {
        Duration::from_secs(u64::from(self.config().window_secs))
    }

    fn roll_window(&mut self, now: Instant) {
        if now.duration_since(self.window_started) >= self.window() {
            self.window_started = now;
            self.calls_in_window = 0;
        }
    }

    /// Whole seconds left in the window, at least 1.
    fn seconds_to_wait(&self, now: Instant) -> u32 {
        let left = self
            .window()
            .saturating_sub(now.duration_since(self.window_started));
        let seconds = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        u32::try_from(seconds).unwrap_or(u32::MAX).max(1)
    }

    fn headers(&self, to_wait: u32) -> Vec<(HeaderName, String)> {
        let config = self.config();
        let remaining = config.calls_per_window.saturating_sub(self.calls_in_window);
        vec![
            (
                header("x-ratelimit-limit"),
                config.calls_per_window.to_string(),
            ),
            (
                header("x-ratelimit-window-sec"),
                config.window_secs.to_string(),
            ),
            (header("x-ratelimit-remaining"), remaining.to_string()),
            (header("x-ratelimit-towait-sec"), to_wait.to_string()),
            (
                header("x-concurrency-limit-limit"),
                config.concurrency_limit.to_string(),
            ),
            (
                header("x-concurrency-limit-running"),
                self.running.to_string(),
            ),
        ]
    }
}

fn header(name: &'static str) -> HeaderName {
    HeaderName::from_static(name)
}

/// The limits and usage of every account.
#[derive(Debug, Clone, Default)]
pub(crate) struct RateLimiter {
    accounts: Arc<Mutex<HashMap<String, Usage>>>,
}

impl RateLimiter {
    /// Turns enforcement on for `login` with a fresh window.
    pub(crate) fn enforce(&self, login: &str, config: RateLimitConfig) {
        let mut accounts = lock(&self.accounts);
        let usage = accounts.entry(login.to_owned()).or_insert_with(Usage::new);
        usage.enforced = Some(config);
        usage.window_started = Instant::now();
        usage.calls_in_window = 0;
    }

    /// Counts a call of `login` as in flight until the guard is dropped.
    pub(crate) fn track_running(&self, login: String) -> RunningGuard {
        lock(&self.accounts)
            .entry(login.clone())
            .or_insert_with(Usage::new)
            .running += 1;
        RunningGuard {
            limiter: self.clone(),
            login,
        }
    }

    /// Admits an authenticated `/msp/` call: `Ok` with the headers to send, or the 409 answer.
    pub(crate) fn admit(&self, login: &str) -> Result<Vec<(HeaderName, String)>, Reply> {
        let now = Instant::now();
        let mut accounts = lock(&self.accounts);
        let usage = accounts.entry(login.to_owned()).or_insert_with(Usage::new);
        usage.roll_window(now);
        if let Some(config) = usage.enforced {
            if usage.calls_in_window >= config.calls_per_window {
                let wait = usage.seconds_to_wait(now);
                return Err(rate_limited_reply(usage, wait));
            }
            if usage.running > config.concurrency_limit {
                return Err(concurrency_limited_reply(usage));
            }
        }
        usage.calls_in_window = usage.calls_in_window.saturating_add(1);
        Ok(usage.headers(0))
    }

    fn finish_running(&self, login: &str) {
        if let Some(usage) = lock(&self.accounts).get_mut(login) {
            usage.running = usage.running.saturating_sub(1);
        }
    }
}

/// The HTTP 409 `SIMPLE_RETURN` Qualys refuses a call with when a limit is reached.
pub(crate) fn limit_refusal(code: u32, text: &str, wait_secs: Option<u32>) -> Reply {
    Reply::msp_xml(simple_return(code, text, wait_secs)).with_status(StatusCode::CONFLICT)
}

fn rate_limited_reply(usage: &Usage, wait: u32) -> Reply {
    let text = format!("This API cannot be run again for another {wait} seconds.");
    limit_refusal(RATE_LIMIT_CODE, &text, Some(wait)).with_headers(usage.headers(wait))
}

fn concurrency_limited_reply(usage: &Usage) -> Reply {
    let text = format!(
        "This API cannot be run again until {} currently running instances have finished.",
        usage.config().concurrency_limit
    );
    limit_refusal(CONCURRENCY_LIMIT_CODE, &text, None).with_headers(usage.headers(0))
}

/// Keeps one call counted as in flight; dropping it ends the call.
#[derive(Debug)]
pub(crate) struct RunningGuard {
    limiter: RateLimiter,
    login: String,
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        self.limiter.finish_running(&self.login);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{ADMINISTRATOR, MANAGER};
    use crate::testing::{COUNT, TestRequest, service_request, small_simulator};
    use crate::{Fault, FaultRule};

    #[tokio::test]
    async fn enforced_limit_answers_409_1965_with_wait_header_on_msp_only() {
        let sim = small_simulator().await;
        sim.set_rate_limit(
            MANAGER.login,
            RateLimitConfig {
                calls_per_window: 2,
                window_secs: 60,
                concurrency_limit: 2,
            },
        );
        let about = || {
            TestRequest::get("/msp/about.php")
                .auth(&MANAGER)
                .send(sim.addr())
        };
        let first = about().await.expect("answer");
        assert_eq!(first.header("x-ratelimit-limit"), Some("2"));
        assert_eq!(first.header("x-ratelimit-remaining"), Some("1"));
        assert_eq!(
            about()
                .await
                .expect("answer")
                .header("x-ratelimit-remaining"),
            Some("0")
        );
        let refused = about().await.expect("answer");
        assert_eq!(refused.status, 409);
        assert_eq!(refused.first("CODE").as_deref(), Some("1965"));
        let wait: u32 = refused
            .header("x-ratelimit-towait-sec")
            .and_then(|wait| wait.parse().ok())
            .expect("wait header");
        assert!((1..=60).contains(&wait));
        assert!(
            refused
                .first("TEXT")
                .is_some_and(|t| t.contains(&format!("another {wait} seconds")))
        );
        let count = TestRequest::post(COUNT)
            .auth(&MANAGER)
            .xml(&service_request(
                &[("tagName", "EQUALS", "Cloud Agent")],
                None,
            ))
            .send(sim.addr())
            .await
            .expect("answer");
        assert_eq!(count.status, 200, "QPS is never limited");
        assert!(count.header("x-ratelimit-limit").is_none());
        let other = TestRequest::get("/msp/about.php")
            .auth(&ADMINISTRATOR)
            .send(sim.addr());
        assert_eq!(other.await.expect("answer").status, 200);
    }

    #[tokio::test]
    async fn enforced_window_reopens_after_it_elapses() {
        let sim = small_simulator().await;
        sim.set_rate_limit(
            MANAGER.login,
            RateLimitConfig {
                calls_per_window: 1,
                window_secs: 1,
                concurrency_limit: 2,
            },
        );
        let about = || {
            TestRequest::get("/msp/about.php")
                .auth(&MANAGER)
                .send(sim.addr())
        };
        assert_eq!(about().await.expect("answer").status, 200);
        let refused = about().await.expect("answer");
        assert_eq!(refused.status, 409);
        assert_eq!(refused.header("x-ratelimit-towait-sec"), Some("1"));
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(about().await.expect("answer").status, 200);
    }

    #[tokio::test]
    async fn concurrent_calls_beyond_the_limit_answer_409_1960() {
        let sim = small_simulator().await;
        sim.set_rate_limit(
            MANAGER.login,
            RateLimitConfig {
                calls_per_window: 100,
                window_secs: 60,
                concurrency_limit: 1,
            },
        );
        sim.inject(
            FaultRule::once(Fault::DelayBeforeHeaders(Duration::from_millis(400)))
                .on_path("about.php"),
        );
        let addr = sim.addr();
        let slow = tokio::spawn(async move {
            TestRequest::get("/msp/about.php")
                .auth(&MANAGER)
                .send(addr)
                .await
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let second = TestRequest::get("/msp/user_list.php")
            .auth(&MANAGER)
            .send(addr)
            .await
            .expect("answer");
        assert_eq!(second.status, 409);
        assert_eq!(second.first("CODE").as_deref(), Some("1960"));
        assert_eq!(second.header("x-concurrency-limit-running"), Some("2"));
        let slow = slow.await.expect("task").expect("answer");
        assert_eq!(slow.status, 200);
        let third = TestRequest::get("/msp/about.php")
            .auth(&MANAGER)
            .send(addr)
            .await;
        assert_eq!(third.expect("answer").status, 200);
    }

    fn header_value(headers: &[(HeaderName, String)], name: &str) -> String {
        headers
            .iter()
            .find(|(header, _)| header.as_str() == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    }

    #[test]
    fn default_limits_are_reported_but_not_enforced() {
        let limiter = RateLimiter::default();
        for call in 1..=400u32 {
            let headers = limiter.admit("acme_mg1").expect("never refused by default");
            let expected = 300u32.saturating_sub(call).to_string();
            assert_eq!(header_value(&headers, "x-ratelimit-remaining"), expected);
        }
    }

    #[test]
    fn enforced_window_refuses_with_1965_and_seconds_left() {
        let limiter = RateLimiter::default();
        limiter.enforce(
            "acme_mg1",
            RateLimitConfig {
                calls_per_window: 2,
                window_secs: 30,
                concurrency_limit: 5,
            },
        );
        assert!(limiter.admit("acme_mg1").is_ok());
        assert!(limiter.admit("acme_mg1").is_ok());
        let refused = limiter.admit("acme_mg1").expect_err("third call refused");
        assert_eq!(refused.status, StatusCode::CONFLICT);
        let wait = header_value(&refused.headers, "x-ratelimit-towait-sec");
        let wait: u32 = wait.parse().expect("number");
        assert!((1..=30).contains(&wait));
        assert!(String::from_utf8_lossy(&refused.body).contains("<CODE>1965</CODE>"));
        assert!(
            limiter.admit("acme_ad1").is_ok(),
            "other accounts unaffected"
        );
    }

    #[test]
    fn enforced_concurrency_refuses_with_1960() {
        let limiter = RateLimiter::default();
        limiter.enforce(
            "acme_mg1",
            RateLimitConfig {
                calls_per_window: 100,
                window_secs: 30,
                concurrency_limit: 1,
            },
        );
        let first = limiter.track_running("acme_mg1".to_owned());
        assert!(limiter.admit("acme_mg1").is_ok());
        let second = limiter.track_running("acme_mg1".to_owned());
        let refused = limiter.admit("acme_mg1").expect_err("two in flight");
        assert!(String::from_utf8_lossy(&refused.body).contains("<CODE>1960</CODE>"));
        drop(second);
        drop(first);
        let _third = limiter.track_running("acme_mg1".to_owned());
        assert!(limiter.admit("acme_mg1").is_ok());
    }
}
