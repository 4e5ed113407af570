//! Reading Qualys XML: one streaming walk that every response parser builds on.
//!
//! [`walk`] reads a document once, front to back, and reports each element opening (with its
//! attributes), the text of each leaf element, and each closing, together with the path of
//! element names from the root. Parsers match on paths such as
//! `["ServiceResponse", "data", "HostAsset", "id"]` and never hold a tree.
//!
//! What Qualys sends and this accepts: an XML declaration, a `DOCTYPE` naming an external DTD
//! (never fetched, and no entity it declares is expanded: an unknown `&name;` stays as written),
//! comments anywhere including after the root element, CDATA, and character references. A
//! document that is malformed or ends before its root closes is `bad-response`.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::{Error, Result};

/// Deepest element nesting accepted; Qualys documents stay well under ten levels.
const MAX_DEPTH: usize = 64;

/// One step of a [`walk`].
#[derive(Debug, PartialEq, Eq)]
pub enum Node<'p> {
    /// An element opened; `path` ends with its name.
    Open {
        /// Element names from the root to this element.
        path: &'p [String],
        /// Its attributes, unescaped.
        attributes: Vec<(String, String)>,
    },
    /// The trimmed, unescaped text of a leaf element, reported just before it closes.
    Text {
        /// Element names from the root to this element.
        path: &'p [String],
        /// The text.
        text: String,
    },
    /// An element closed; `path` still ends with its name.
    Close {
        /// Element names from the root to this element.
        path: &'p [String],
    },
}

/// Whether a [`walk`] goes on after a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Read on.
    Continue,
    /// Stop reading: the visitor has what it needs.
    Stop,
}

/// Walks `body`, calling `visit` for every node, until the document ends, `visit` says
/// [`Flow::Stop`], or `visit` fails.
pub fn walk(body: &[u8], mut visit: impl FnMut(Node<'_>) -> Result<Flow>) -> Result<()> {
    walk_dyn(body, &mut visit)
}

/// The walk itself, compiled once for every parser's visitor (a `dyn` call per node is far
/// cheaper than a copy of the reader per parser in the component).
///
/// The walk allocates almost nothing per element: the path keeps one `String` per depth and
/// reuses it for every element at that depth, element names are borrowed from the body, and a
/// leaf's text is only copied once, into the `String` the visitor receives.
fn walk_dyn(body: &[u8], visit: &mut dyn FnMut(Node<'_>) -> Result<Flow>) -> Result<()> {
    let mut reader = Reader::from_reader(body);
    reader.config_mut().check_end_names = true;
    let mut path = Path::default();
    let mut text = Text::default();
    let mut leaf = false;
    let mut root_seen = false;
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|error| {
            if reader.buffer_position() >= body.len() as u64 {
                return truncated(path.last());
            }
            malformed(position, &error.to_string())
        })?;
        match event {
            Event::Start(start) => {
                if open(&mut path, &start, position, visit)? == Flow::Stop {
                    return Ok(());
                }
                text.clear();
                leaf = true;
                root_seen = true;
            }
            Event::Empty(start) => {
                if open(&mut path, &start, position, visit)? == Flow::Stop
                    || visit(Node::Close { path: path.names() })? == Flow::Stop
                {
                    return Ok(());
                }
                path.pop();
                leaf = false;
                root_seen = true;
            }
            Event::End(_) => {
                if leaf {
                    let trimmed = text.as_str().trim();
                    if !trimmed.is_empty() {
                        let node = Node::Text {
                            path: path.names(),
                            text: trimmed.to_owned(),
                        };
                        if visit(node)? == Flow::Stop {
                            return Ok(());
                        }
                    }
                }
                text.clear();
                if visit(Node::Close { path: path.names() })? == Flow::Stop {
                    return Ok(());
                }
                path.pop();
                leaf = false;
            }
            Event::Text(chunk) => {
                let decoded = chunk
                    .decode()
                    .map_err(|error| malformed(position, &error.to_string()))?;
                text.push(decoded);
            }
            Event::CData(chunk) => {
                let decoded = chunk
                    .decode()
                    .map_err(|error| malformed(position, &error.to_string()))?;
                text.push(decoded);
            }
            Event::GeneralRef(reference) => {
                let name = reference
                    .decode()
                    .map_err(|error| malformed(position, &error.to_string()))?;
                text.push(resolve_reference(&name));
            }
            Event::Eof if path.depth == 0 && root_seen => return Ok(()),
            Event::Eof if root_seen => return Err(truncated(path.last())),
            Event::Eof => return Err(Error::bad_response("the answer holds no XML element")),
            Event::Decl(_) | Event::PI(_) | Event::DocType(_) | Event::Comment(_) => {}
        }
    }
}

/// The element names from the root to the current element. The `String` of each depth is
/// kept when its element closes and reused by the next element at that depth.
#[derive(Default)]
struct Path {
    slots: Vec<String>,
    depth: usize,
}

impl Path {
    fn names(&self) -> &[String] {
        &self.slots[..self.depth]
    }

    fn last(&self) -> Option<&String> {
        self.names().last()
    }

    fn push(&mut self, name: &str) {
        match self.slots.get_mut(self.depth) {
            Some(slot) => {
                slot.clear();
                slot.push_str(name);
            }
            None => self.slots.push(name.to_owned()),
        }
        self.depth += 1;
    }

    fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}

/// The text of the current element so far: a single chunk stays borrowed from the body, more
/// than one are joined in a buffer that is reused from element to element.
#[derive(Default)]
struct Text<'b> {
    single: Option<&'b str>,
    joined: String,
}

impl<'b> Text<'b> {
    fn push(&mut self, chunk: Cow<'b, str>) {
        match chunk {
            Cow::Borrowed(chunk) if self.single.is_none() && self.joined.is_empty() => {
                self.single = Some(chunk);
            }
            chunk => {
                if let Some(first) = self.single.take() {
                    self.joined.push_str(first);
                }
                self.joined.push_str(&chunk);
            }
        }
    }

    fn as_str(&self) -> &str {
        self.single.unwrap_or(&self.joined)
    }

    fn clear(&mut self) {
        self.single = None;
        self.joined.clear();
    }
}

/// Pushes the element's name and reports it with its attributes.
fn open(
    path: &mut Path,
    start: &BytesStart<'_>,
    position: u64,
    visit: &mut dyn FnMut(Node<'_>) -> Result<Flow>,
) -> Result<Flow> {
    if path.depth >= MAX_DEPTH {
        return Err(malformed(position, "elements nested too deeply"));
    }
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|error| malformed(position, &error.to_string()))?;
        let key = String::from_utf8_lossy(attribute.key.local_name().as_ref()).into_owned();
        let value = attribute
            .unescape_value()
            .map_err(|error| malformed(position, &error.to_string()))?;
        attributes.push((key, value.into_owned()));
    }
    let name = start.local_name();
    match std::str::from_utf8(name.as_ref()) {
        Ok(name) => path.push(name),
        Err(_) => path.push(&String::from_utf8_lossy(name.as_ref())),
    }
    visit(Node::Open {
        path: path.names(),
        attributes,
    })
}

/// The text of a predefined entity or character reference; anything else stays as written.
fn resolve_reference(name: &str) -> Cow<'static, str> {
    if let Some(resolved) = quick_xml::escape::resolve_predefined_entity(name) {
        return Cow::Borrowed(resolved);
    }
    let written = ["&", name, ";"].concat();
    match quick_xml::escape::unescape(&written) {
        Ok(resolved) => Cow::Owned(resolved.into_owned()),
        Err(_) => Cow::Owned(written),
    }
}

fn truncated(open_element: Option<&String>) -> Error {
    let name = open_element.map(String::as_str).unwrap_or_default();
    Error::bad_response(format!("the XML answer ended inside <{name}> (truncated?)"))
}

fn malformed(position: u64, detail: &str) -> Error {
    Error::bad_response(format!("malformed XML at byte {position}: {detail}"))
}

/// True when `path` is exactly `expected`.
pub fn is_path(path: &[String], expected: &[&str]) -> bool {
    path.len() == expected.len() && path.iter().zip(expected).all(|(have, want)| have == want)
}

/// The name of the root element of `body`, or `None` when it has no XML element (HTML
/// pages count as having no XML element only when they are not well-formed).
pub fn root_name(body: &[u8]) -> Option<String> {
    let mut reader = Reader::from_reader(body);
    loop {
        match reader.read_event() {
            Ok(Event::Start(start) | Event::Empty(start)) => {
                return Some(String::from_utf8_lossy(start.local_name().as_ref()).into_owned());
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(body: &str) -> Result<Vec<(String, String)>> {
        let mut found = Vec::new();
        walk(body.as_bytes(), |node| {
            if let Node::Text { path, text } = node {
                found.push((path.join("/"), text));
            }
            Ok(Flow::Continue)
        })?;
        Ok(found)
    }

    #[test]
    fn leaf_texts_come_with_their_paths() {
        let body = "<?xml version=\"1.0\"?>\n<!DOCTYPE A SYSTEM \"https://x/a.dtd\">\
                    <A><B>one</B><C><D> two </D></C></A>\n<!-- CONFIDENTIAL -->\n";
        let found = texts(body).unwrap();
        assert_eq!(
            found,
            vec![
                ("A/B".to_owned(), "one".to_owned()),
                ("A/C/D".to_owned(), "two".to_owned())
            ]
        );
    }

    #[test]
    fn entities_character_references_and_cdata_are_unescaped() {
        let body = "<A><B>R&amp;D &lt;lab&gt; &#233;&#x20AC; <![CDATA[a<b]]></B></A>";
        assert_eq!(texts(body).unwrap()[0].1, "R&D <lab> é€ a<b");
    }

    #[test]
    fn an_unknown_entity_is_kept_as_written_never_expanded() {
        let body = "<!DOCTYPE A [<!ENTITY x \"boom\">]><A><B>&x;</B></A>";
        assert_eq!(texts(body).unwrap()[0].1, "&x;");
    }

    #[test]
    fn attributes_are_reported_unescaped_on_open() {
        let mut seen = Vec::new();
        walk(
            b"<R><RETURN status=\"FAILED\" note=\"a&amp;b\"/></R>",
            |node| {
                if let Node::Open { path, attributes } = node {
                    seen.push((path.join("/"), attributes));
                }
                Ok(Flow::Continue)
            },
        )
        .unwrap();
        assert_eq!(seen[1].0, "R/RETURN");
        assert_eq!(
            seen[1].1,
            vec![
                ("status".to_owned(), "FAILED".to_owned()),
                ("note".to_owned(), "a&b".to_owned())
            ]
        );
    }

    #[test]
    fn a_visitor_can_stop_the_walk_early() {
        let mut opened = 0;
        walk(b"<A><B/><C/><D/></A>", |node| {
            if let Node::Open { .. } = node {
                opened += 1;
            }
            Ok(if opened == 2 {
                Flow::Stop
            } else {
                Flow::Continue
            })
        })
        .unwrap();
        assert_eq!(opened, 2);
    }

    #[test]
    fn a_truncated_document_is_a_bad_response() {
        let error = texts("<A><B>one</B><C>").unwrap_err();
        assert_eq!(error.kind, crate::ErrorKind::BadResponse);
        assert!(error.message.contains("truncated"));
    }

    #[test]
    fn a_body_cut_inside_a_tag_is_reported_as_truncated() {
        let error = texts("<A><B>one</B><C").unwrap_err();
        assert_eq!(error.kind, crate::ErrorKind::BadResponse);
        assert!(error.message.contains("truncated"), "{}", error.message);
    }

    #[test]
    fn mismatched_tags_are_a_bad_response() {
        let error = texts("<A><B>one</C></A>").unwrap_err();
        assert_eq!(error.kind, crate::ErrorKind::BadResponse);
    }

    #[test]
    fn a_body_without_elements_is_a_bad_response() {
        assert!(texts("").is_err());
        assert!(texts("just text").is_err());
    }

    #[test]
    fn nesting_beyond_the_limit_is_a_bad_response() {
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(texts(&deep).is_err());
    }

    #[test]
    fn the_root_name_skips_declaration_doctype_and_comments() {
        let body = b"<?xml version=\"1.0\"?><!-- c --><!DOCTYPE X><SIMPLE_RETURN/>";
        assert_eq!(root_name(body).as_deref(), Some("SIMPLE_RETURN"));
        assert_eq!(root_name(b"no xml"), None);
    }
}
