//! `GET /msp/about.php`: versions, and proof that the credentials and platform are right.

use super::client::ApiRequest;
use super::xml::{self, Flow, Node};
use crate::Result;

/// The request.
pub fn request() -> ApiRequest {
    ApiRequest::get("/msp/about.php")
}

/// What `<ABOUT>` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct About {
    /// `MAJOR.MINOR` of `API-VERSION`.
    pub api_version: Option<String>,
    /// `WEB-VERSION`.
    pub web_version: Option<String>,
}

/// Parses `<ABOUT><API-VERSION MAJOR="1" MINOR="4"/><WEB-VERSION/>…</ABOUT>`.
///
/// Real answers carry `MAJOR` and `MINOR` as attributes of `API-VERSION` (see
/// `docs/fidelity.md`); child elements of the same names are read too, and win when both are
/// there.
pub fn parse(body: &[u8]) -> Result<About> {
    let mut major = None;
    let mut minor = None;
    let mut web_version = None;
    xml::walk(body, |node| {
        match node {
            Node::Open { path, attributes } if xml::is_path(path, &["ABOUT", "API-VERSION"]) => {
                for (name, value) in attributes {
                    let value = value.trim().to_owned();
                    match name.as_str() {
                        "MAJOR" if !value.is_empty() => major = Some(value),
                        "MINOR" if !value.is_empty() => minor = Some(value),
                        _ => {}
                    }
                }
            }
            Node::Text { path, text } => match path.get(1..).unwrap_or_default() {
                [version, part] if version == "API-VERSION" && part == "MAJOR" => {
                    major = Some(text)
                }
                [version, part] if version == "API-VERSION" && part == "MINOR" => {
                    minor = Some(text)
                }
                [name] if name == "WEB-VERSION" => web_version = Some(text),
                _ => {}
            },
            _ => {}
        }
        Ok(Flow::Continue)
    })?;
    let api_version = major.map(|major| match minor {
        Some(minor) => [major.as_str(), ".", &minor].concat(),
        None => major,
    });
    Ok(About {
        api_version,
        web_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_about() {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<!DOCTYPE ABOUT SYSTEM \
                    \"https://qualysapi.qualys.com/about.dtd\">\n<ABOUT><API-VERSION><MAJOR>2\
                    </MAJOR><MINOR>0</MINOR></API-VERSION><WEB-VERSION>10.30.1-1</WEB-VERSION>\
                    <SCANNER-VERSION>13.1</SCANNER-VERSION></ABOUT>\n<!-- CONFIDENTIAL -->";
        let about = parse(body.as_bytes()).unwrap();
        assert_eq!(about.api_version.as_deref(), Some("2.0"));
        assert_eq!(about.web_version.as_deref(), Some("10.30.1-1"));
    }

    #[test]
    fn the_api_version_is_read_from_attributes_as_real_answers_write_it() {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<ABOUT>\n  <API-VERSION \
                    MAJOR=\"1\" MINOR=\"4\" />\n  <WEB-VERSION>7.10.61-1</WEB-VERSION>\n</ABOUT>";
        let about = parse(body.as_bytes()).unwrap();
        assert_eq!(about.api_version.as_deref(), Some("1.4"));
        assert_eq!(about.web_version.as_deref(), Some("7.10.61-1"));
    }

    #[test]
    fn missing_versions_are_none() {
        assert_eq!(parse(b"<ABOUT/>").unwrap(), About::default());
    }
}
