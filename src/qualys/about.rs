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

/// Parses `<ABOUT><API-VERSION><MAJOR/><MINOR/></API-VERSION><WEB-VERSION/>…</ABOUT>`.
pub fn parse(body: &[u8]) -> Result<About> {
    let mut major = None;
    let mut minor = None;
    let mut web_version = None;
    xml::walk(body, |node| {
        if let Node::Text { path, text } = node {
            match path.get(1..).unwrap_or_default() {
                [version, part] if version == "API-VERSION" && part == "MAJOR" => {
                    major = Some(text)
                }
                [version, part] if version == "API-VERSION" && part == "MINOR" => {
                    minor = Some(text)
                }
                [name] if name == "WEB-VERSION" => web_version = Some(text),
                _ => {}
            }
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
    fn missing_versions_are_none() {
        assert_eq!(parse(b"<ABOUT/>").unwrap(), About::default());
    }
}
