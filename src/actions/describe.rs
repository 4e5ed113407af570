//! `describe`: the manifest of what the component can do.

/// The JSON manifest.
pub fn describe() -> String {
    serde_json::json!({
        "package": "qualys:connector@0.1.0",
        "actions": ["test-connection", "activate-user", "search-agents", "launch-scan"],
    })
    .to_string()
}
