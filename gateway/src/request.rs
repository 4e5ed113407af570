//! An incoming request as the gateway sees it: read whole, the body capped.

/// Largest request body read, in bytes (1 MiB). The largest input an action takes, 10,000
/// asset ids for `launch-scan`, is about 200 KB of JSON.
pub const BODY_CAP: usize = 1024 * 1024;

/// An HTTP method, as far as the routes tell methods apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// Any other method: no route takes it.
    Other,
}

/// The parts of a request the gateway reads.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The path, without the query.
    pub path: String,
    /// The `Authorization` header, when present and UTF-8.
    pub authorization: Option<String>,
    /// The `Content-Type` header, when present and UTF-8.
    pub content_type: Option<String>,
    /// The body, at most [`BODY_CAP`] bytes.
    pub body: Vec<u8>,
}

impl Request {
    /// Whether the declared content type, if any, is JSON (`application/json`, parameters and
    /// case ignored).
    pub fn declares_json_or_nothing(&self) -> bool {
        self.content_type.as_deref().is_none_or(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("application/json")
        })
    }
}

/// The path of a request target: what comes before `?` or `#`.
pub fn path_of(target: &str) -> &str {
    target.split(['?', '#']).next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_content_type(value: Option<&str>) -> Request {
        Request {
            method: Method::Post,
            path: "/v1/test-connection".to_owned(),
            authorization: None,
            content_type: value.map(str::to_owned),
            body: Vec::new(),
        }
    }

    #[test]
    fn json_with_parameters_or_no_content_type_is_json() {
        assert!(with_content_type(None).declares_json_or_nothing());
        assert!(with_content_type(Some("application/json")).declares_json_or_nothing());
        assert!(
            with_content_type(Some("Application/JSON; charset=utf-8")).declares_json_or_nothing()
        );
    }

    #[test]
    fn form_and_text_bodies_are_not_json() {
        assert!(
            !with_content_type(Some("application/x-www-form-urlencoded"))
                .declares_json_or_nothing()
        );
        assert!(!with_content_type(Some("text/plain")).declares_json_or_nothing());
    }

    #[test]
    fn the_query_is_not_part_of_the_path() {
        assert_eq!(path_of("/v1/describe?x=1"), "/v1/describe");
        assert_eq!(path_of("/openapi.json"), "/openapi.json");
    }
}
