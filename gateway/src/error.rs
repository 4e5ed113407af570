//! Why the gateway answers a request with an error of its own (the connector's errors are WIT
//! `error` records, [`crate::wit::Error`]).

/// A request the gateway refuses, or a configuration it cannot use.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// No route has this path.
    #[error("no such path: {0}; the actions are POST /v1/<action> (see GET /openapi.json)")]
    NotFound(String),
    /// The path exists, for another method.
    #[error("this path takes {allow} only")]
    MethodNotAllowed {
        /// The method the path takes.
        allow: &'static str,
    },
    /// The body is longer than [`crate::request::BODY_CAP`].
    #[error("the request body is over {cap} bytes")]
    BodyTooLarge {
        /// The cap, in bytes.
        cap: usize,
    },
    /// The body is declared as something other than JSON.
    #[error("the body must be application/json (Content-Type: application/json)")]
    UnsupportedMediaType,
    /// No usable `Authorization: Basic` header.
    #[error("{0}")]
    Credentials(&'static str),
    /// The body is not the JSON the action takes.
    #[error("the body is not valid for this action: {0}")]
    Body(String),
    /// The server named cannot be resolved.
    #[error("{message}")]
    Server {
        /// Why.
        message: String,
        /// What to do about it.
        hint: Option<String>,
    },
    /// The server is not one this service may reach.
    #[error("this service does not reach {0}")]
    ServerNotAllowed(String),
    /// The operator's configuration cannot be read or is malformed; the text says why and is
    /// for the operator's log only: the caller's answer does not repeat it.
    #[error("this service's configuration is unusable: {0}")]
    Config(String),
    /// The request's body could not be read from the engine.
    #[error("the request body could not be read")]
    Read,
}
