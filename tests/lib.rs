//! Integration tests of the qualys-connector component live in `component/`; this crate has no library code.
