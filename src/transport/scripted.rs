//! A scripted [`Transport`] for unit tests: answers come from a list, the clock is fake.
//!
//! The layers above the transport (client, protocol, actions) are tested natively by handing
//! them `&mut Scripted`: each request is recorded in [`Scripted::started`] when it is started,
//! and in [`Scripted::sent`] when its answer is read (the next scripted answer); sleeping only
//! moves the fake clock forward.

use std::collections::VecDeque;

use super::{HttpRequest, HttpResponse, Instant, Transport};
use crate::contract::Connection;
use crate::{Error, ErrorKind, Result};

/// A transport that answers from a script and keeps a fake clock.
pub struct Scripted {
    /// Answers still to give, in order.
    pub answers: VecDeque<Result<HttpResponse>>,
    /// Every request sent (answered), in order.
    pub sent: Vec<HttpRequest>,
    /// Every request started, in order, whether it was then answered or abandoned.
    pub started: Vec<HttpRequest>,
    /// The fake clock.
    pub now: Instant,
    /// How long each sleep lasted, in nanoseconds.
    pub slept: Vec<u64>,
}

impl Scripted {
    /// A transport that gives `answers` in order, then fails with `transport`.
    pub fn new(answers: Vec<Result<HttpResponse>>) -> Self {
        Self {
            answers: answers.into(),
            sent: Vec::new(),
            started: Vec::new(),
            now: 1_000,
            slept: Vec::new(),
        }
    }
}

impl Transport for &mut Scripted {
    /// A started request is only sent (recorded and answered) when it is finished, so a
    /// request started and then dropped never happened.
    type Pending = HttpRequest;

    fn start(&mut self, request: &HttpRequest, _deadline: Instant) -> Result<HttpRequest> {
        self.started.push(request.clone());
        Ok(request.clone())
    }

    fn finish(&mut self, request: HttpRequest) -> Result<HttpResponse> {
        self.sent.push(request);
        self.answers
            .pop_front()
            .unwrap_or_else(|| Err(Error::new(ErrorKind::Transport, "script exhausted")))
    }

    fn now(&self) -> Instant {
        self.now
    }

    fn sleep_until(&mut self, instant: Instant) {
        self.slept.push(instant - self.now);
        self.now = instant;
    }
}

/// An HTTP 200 answer with `body`.
pub fn ok(body: impl Into<Vec<u8>>) -> Result<HttpResponse> {
    Ok(HttpResponse {
        status: 200,
        headers: Vec::new(),
        body: body.into(),
    })
}

/// A valid connection for scripted actions: US1, a Manager's login, a 10 s budget.
pub fn connection() -> Connection {
    Connection {
        server: Some("US1".to_owned()),
        username: "acme_mg1".to_owned(),
        password: "secret".to_owned(),
        timeout_ms: Some(10_000),
    }
}
