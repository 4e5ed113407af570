//! Bindings generated from `wit/connector.wit` by wit-bindgen. Private: the rest of the crate
//! reaches the WIT types through [`crate::contract`].
//!
//! The world declares its `wasi:http` and clock imports; the transport calls them through the
//! bindings `waki` generates, so the copies generated here for them are never called and are
//! dropped by the linker.

wit_bindgen::generate!({
    path: "wit",
    world: "connector",
    generate_all,
});
