//! Embeds `src/actions/describe.json` minified: the manifest is written to be read and
//! reviewed, but every byte of it is carried by the component (`cargo xtask bench` counts them).

use std::path::Path;

fn main() {
    let source = Path::new("src/actions/describe.json");
    println!("cargo::rerun-if-changed={}", source.display());
    let text = std::fs::read_to_string(source).expect("src/actions/describe.json is readable");
    // `preserve_order` keeps every object's keys in the order they are written.
    let manifest: serde_json::Value =
        serde_json::from_str(&text).expect("src/actions/describe.json is JSON");
    let out = Path::new(&std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("describe.min.json");
    std::fs::write(out, manifest.to_string()).expect("OUT_DIR is writable");
}
