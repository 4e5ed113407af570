//! The export: `wasi:http/incoming-handler`, over the imported connector.

use crate::bindings::exports::wasi::http::incoming_handler::Guest;
use crate::bindings::wasi::http::types::{IncomingRequest, ResponseOutparam};
use crate::connector::ImportedConnector;
use crate::{bindings, handler, outputs, policy, wasi_http};

/// The component's implementation of the exported interface.
struct Gateway;

impl Guest for Gateway {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let response = match wasi_http::read_request(request) {
            Ok(request) => handler::respond(&request, &ImportedConnector, policy::configured),
            Err(error) => outputs::gateway_error(&error),
        };
        wasi_http::send(response_out, response);
    }
}

bindings::export!(Gateway with_types_in bindings);
