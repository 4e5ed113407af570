//! Host bindings generated from `wit/connector.wit` by wasmtime's `bindgen!`. Private: the
//! crate root re-exports the records a host needs.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "connector",
    exports: { default: async },
    additional_derives: [PartialEq, Eq, serde::Serialize],
});
