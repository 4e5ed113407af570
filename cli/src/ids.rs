//! Host asset ids for `launch-scan`, from the arguments or from stdin.
//!
//! Ids are separated by whitespace, commas or the brackets of a JSON array, so that the output
//! of `jq .asset_id` (one JSON number per line), `jq -c '[.[].asset_id]'`, quoted numbers
//! (`"123"`) and hand-typed lists (`1, 2, 3`) all work. A line that is a JSON object, such as
//! a line of `search-agents --json`, gives its `asset_id`. An agent UUID is refused with an
//! explanation: scans take the host asset id, a different number.

use crate::error::CliError;

/// The asset ids in the command's arguments (each may hold several, comma-separated).
pub fn from_arguments(arguments: &[String]) -> Result<Vec<u64>, CliError> {
    let mut ids = Vec::new();
    for argument in arguments {
        ids.extend(from_text(argument)?);
    }
    Ok(ids)
}

/// The asset ids in `text` read from stdin: one JSON object per line, or separated ids.
pub fn from_text(text: &str) -> Result<Vec<u64>, CliError> {
    let mut ids = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with('{') {
            ids.push(from_json_object(line.trim())?);
            continue;
        }
        for token in line.split(is_separator).filter(|token| !token.is_empty()) {
            ids.push(parse_id(token)?);
        }
    }
    Ok(ids)
}

/// Whether `c` separates two ids.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | '[' | ']')
}

/// One id: digits, possibly quoted.
fn parse_id(token: &str) -> Result<u64, CliError> {
    let unquoted = unquote(token);
    if looks_like_agent_uuid(unquoted) {
        return Err(agent_uuid_given(unquoted));
    }
    // Digits only: `u64::from_str` would also take a leading '+'.
    let digits_only = !unquoted.is_empty() && unquoted.bytes().all(|byte| byte.is_ascii_digit());
    match unquoted.parse() {
        Ok(id) if digits_only => Ok(id),
        _ => Err(CliError::invalid(
            format!("{token:?} is not a host asset id (a whole number)"),
            "give the asset_id values of search-agents, as arguments or on stdin",
        )),
    }
}

/// `token` without one pair of surrounding double or single quotes.
fn unquote(token: &str) -> &str {
    ['"', '\'']
        .iter()
        .find_map(|quote| {
            token
                .strip_prefix(*quote)
                .and_then(|rest| rest.strip_suffix(*quote))
        })
        .unwrap_or(token)
}

/// The `asset_id` of a JSON object line (a line of `search-agents --json`).
fn from_json_object(line: &str) -> Result<u64, CliError> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|error| {
        CliError::invalid(
            format!("a line of stdin starts like JSON but does not parse: {error}"),
            "pipe the lines of `search-agents --json`, or the asset ids alone",
        )
    })?;
    if value.get("error").is_some() {
        return Err(CliError::invalid(
            "stdin holds an error of the command before in the pipe, not agents",
            "fix that command first: its error is on its stderr",
        ));
    }
    match value.get("asset_id") {
        Some(serde_json::Value::Number(number)) => number.as_u64().ok_or_else(|| {
            CliError::invalid(
                format!("asset_id {number} is not a host asset id"),
                "asset ids are whole numbers",
            )
        }),
        Some(serde_json::Value::String(text)) => parse_id(text),
        _ => match value.get("agent_id").and_then(serde_json::Value::as_str) {
            Some(uuid) => Err(agent_uuid_given(uuid)),
            None => Err(CliError::invalid(
                "a JSON line of stdin has no asset_id",
                "pipe the lines of `search-agents --json`, or the asset ids alone",
            )),
        },
    }
}

/// Whether `text` has the 8-4-4-4-12 hexadecimal shape of a UUID, as an agent id has.
pub fn looks_like_agent_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|group| group.len()).collect();
    lengths == [8, 4, 4, 4, 12]
        && groups
            .iter()
            .all(|group| group.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

/// The error for an agent UUID where a host asset id belongs.
fn agent_uuid_given(uuid: &str) -> CliError {
    CliError::invalid(
        format!(
            "{uuid} looks like an agent UUID (agent_id), but launch-scan takes host asset ids \
             (asset_id): Qualys would not scan it"
        ),
        "take the asset_id of search-agents, e.g. \
         `qualys-harness search-agents --json | jq .asset_id | qualys-harness launch-scan`",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_separated_by_whitespace_commas_and_brackets_are_all_read() {
        let ids = from_text("1 2,3\n[4, 5]\n\t6,\n").unwrap();
        assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn quoted_numbers_are_ids() {
        assert_eq!(from_text("\"17\"\n'18'").unwrap(), [17, 18]);
    }

    #[test]
    fn search_agents_json_lines_give_their_asset_id() {
        let lines = r#"{"asset_id":12,"agent_id":"6f1c2a40-0b8e-4c1e-9d7a-3e5f00000001"}
{"asset_id":13,"agent_id":null}"#;
        assert_eq!(from_text(lines).unwrap(), [12, 13]);
    }

    #[test]
    fn an_agent_uuid_is_refused_with_the_explanation() {
        let error = from_text("6f1c2a40-0b8e-4c1e-9d7a-3e5f00000001").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("agent UUID"), "{message}");
        assert!(message.contains("asset_id"), "{message}");
        assert_eq!(error.exit_code(), crate::error::EXIT_INVALID_INPUT);
    }

    #[test]
    fn a_quoted_agent_uuid_is_refused_too() {
        let error = from_text("\"6F1C2A40-0B8E-4C1E-9D7A-3E5F00000001\"").unwrap_err();
        assert!(error.to_string().contains("agent UUID"));
    }

    #[test]
    fn words_negative_and_fractional_numbers_are_not_ids() {
        for text in [
            "abc",
            "-4",
            "+4",
            "1.5",
            "null",
            "12x",
            "99999999999999999999",
        ] {
            assert!(from_text(text).is_err(), "{text} was accepted");
        }
    }

    #[test]
    fn an_error_line_from_the_previous_command_is_not_taken_for_agents() {
        let error = from_text(r#"{"error":{"kind":"auth-failed"}}"#).unwrap_err();
        assert!(error.to_string().contains("error of the command before"));
    }

    #[test]
    fn arguments_may_hold_comma_separated_ids() {
        let arguments = ["1,2".to_owned(), "3".to_owned()];
        assert_eq!(from_arguments(&arguments).unwrap(), [1, 2, 3]);
    }

    #[test]
    fn empty_input_gives_no_ids() {
        assert!(from_text(" \n\n").unwrap().is_empty());
    }
}
