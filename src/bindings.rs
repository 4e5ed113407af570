//! Bindings generated from `wit/connector.wit` by wit-bindgen. Private: the rest of the crate
//! reaches the WIT types through [`crate::contract`].

wit_bindgen::generate!({
    path: "wit",
    world: "connector",
});
