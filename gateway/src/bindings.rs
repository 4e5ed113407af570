//! Bindings generated from `wit/served.wit` by wit-bindgen. Private: the rest of the crate
//! reaches the connector's types through [`crate::wit`].

#[cfg(feature = "operator-config")]
wit_bindgen::generate!({
    path: "../wit",
    world: "gateway",
    generate_all,
});

#[cfg(not(feature = "operator-config"))]
wit_bindgen::generate!({
    path: "../wit",
    world: "gateway-strict",
    generate_all,
});
