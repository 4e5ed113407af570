//! Response writers: every XML answer is built here with quick-xml's escaping `Writer`, never by
//! formatting values into markup.
//!
//! [`XmlDoc`] writes the envelope Qualys uses (XML declaration, optional DOCTYPE, the root
//! element, then a trailing confidentiality comment); the functions below it write the shared
//! shapes: `SIMPLE_RETURN`, `GENERIC_RETURN` and the QPS `ServiceResponse` error.

use quick_xml::Writer;
use quick_xml::events::{BytesCData, BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::agents::{REFERENCE_INSTANT, format_instant};

/// The comment Qualys appends after the root element of its answers.
const TRAILING_COMMENT: &str = " CONFIDENTIAL AND PROPRIETARY INFORMATION. Qualys provides the \
QualysGuard Service \"As Is,\" without any warranty of any kind. Qualys makes no warranty that \
the information contained in this report is complete or error-free. Copyright 2026, Qualys, Inc. ";

/// `SIMPLE_RETURN`'s DOCTYPE.
pub(crate) const SIMPLE_RETURN_DOCTYPE: &str =
    "SIMPLE_RETURN SYSTEM \"https://qualysapi.qualys.com/api/2.0/simple_return.dtd\"";

/// `GENERIC_RETURN`'s DOCTYPE (recorded answer).
pub(crate) const GENERIC_RETURN_DOCTYPE: &str =
    "GENERIC_RETURN SYSTEM \"https://qualysapi.qualys.com/generic_return.dtd\"";

/// The XML declaration as the recorded `GENERIC_RETURN` writes it: a space before `?>`.
const SPACED_DECLARATION: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n";

/// The `xsi` namespace of QPS answers.
const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Schema location of the asset-management (hostasset) answers.
pub(crate) const HOSTASSET_SCHEMA: &str =
    "https://qualysapi.qualys.com/qps/xsd/2.0/am/hostasset.xsd";
/// Schema location of the portal version answer.
pub(crate) const PORTAL_VERSION_SCHEMA: &str =
    "https://qualysapi.qualys.com/qps/xsd/portal/version.xsd";
/// Schema location of the on-demand scan answers.
pub(crate) const AGENT_ASSET_SCHEMA: &str =
    "https://qualysapi.qualys.com/qps/xsd/1.0/ca/agentasset.xsd";

/// Layout of a document: MSP answers are indented, QPS answers are on one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    Indented,
    Compact,
}

/// An XML document being written into memory.
pub(crate) struct XmlDoc {
    writer: Writer<Vec<u8>>,
    layout: Layout,
}

impl XmlDoc {
    /// Starts a document: the XML declaration, then the DOCTYPE line when given (its content,
    /// e.g. `ABOUT SYSTEM "https://…/about.dtd"`, is a constant of this module's callers).
    pub(crate) fn new(layout: Layout, doctype: Option<&'static str>) -> XmlDoc {
        let writer = match layout {
            Layout::Indented => Writer::new_with_indent(Vec::with_capacity(4096), b' ', 2),
            Layout::Compact => Writer::new(Vec::with_capacity(4096)),
        };
        let mut doc = XmlDoc { writer, layout };
        doc.emit(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        if layout == Layout::Compact {
            doc.raw_newline();
        }
        if let Some(doctype) = doctype {
            doc.emit(Event::DocType(BytesText::from_escaped(doctype)));
            if layout == Layout::Compact {
                doc.raw_newline();
            }
        }
        doc
    }

    /// Starts an indented document the way the recorded `GENERIC_RETURN` does: the declaration
    /// `<?xml version="1.0" encoding="UTF-8" ?>` (a space before `?>`), then the DOCTYPE line.
    pub(crate) fn new_spaced_declaration(doctype: &'static str) -> XmlDoc {
        let mut buffer = Vec::with_capacity(1024);
        buffer.extend_from_slice(SPACED_DECLARATION);
        let mut doc = XmlDoc {
            writer: Writer::new_with_indent(buffer, b' ', 2),
            layout: Layout::Indented,
        };
        doc.emit(Event::DocType(BytesText::from_escaped(doctype)));
        doc
    }

    /// `<name>`
    pub(crate) fn open(&mut self, name: &str) {
        self.emit(Event::Start(BytesStart::new(name)));
    }

    /// `<name a="v" …>`, attribute values escaped.
    pub(crate) fn open_with(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let start = BytesStart::new(name).with_attributes(attributes.iter().copied());
        self.emit(Event::Start(start));
    }

    /// `<name a="v" …/>`, attribute values escaped.
    pub(crate) fn empty_with(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let start = BytesStart::new(name).with_attributes(attributes.iter().copied());
        self.emit(Event::Empty(start));
    }

    /// `<name a="v" … />` with a space before `/>`, as the recorded `GENERIC_RETURN` writes its
    /// `API` element; attribute values escaped.
    pub(crate) fn empty_spaced(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let start = BytesStart::new(name).with_attributes(attributes.iter().copied());
        // The content is already escaped markup (name and attributes): only a space is added.
        let mut content = String::from_utf8_lossy(&start).into_owned();
        content.push(' ');
        self.emit(Event::Empty(BytesStart::from_content(content, name.len())));
    }

    /// `</name>`
    pub(crate) fn close(&mut self, name: &str) {
        self.emit(Event::End(BytesEnd::new(name)));
    }

    /// Escaped text inside the open element.
    pub(crate) fn text(&mut self, text: &str) {
        self.emit(Event::Text(BytesText::new(text)));
    }

    /// `<name>text</name>`, text escaped.
    pub(crate) fn leaf(&mut self, name: &str, text: &str) {
        self.open(name);
        self.emit(Event::Text(BytesText::new(text)));
        self.close(name);
    }

    /// `<name>text</name>` when there is a value; nothing otherwise.
    pub(crate) fn leaf_opt(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.leaf(name, text);
        }
    }

    /// `<name><![CDATA[text]]></name>`; a `]]>` inside the text is split across sections.
    pub(crate) fn leaf_cdata(&mut self, name: &str, text: &str) {
        self.open(name);
        // `escaped` yields one (possibly empty) section per `]]>`-free run: `<![CDATA[]]>` for "".
        for section in BytesCData::escaped(text) {
            self.emit(Event::CData(section));
        }
        self.close(name);
    }

    /// Ends the document: a line break and the trailing comment after the root element.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        if self.layout == Layout::Compact {
            self.raw_newline();
        }
        self.emit(Event::Comment(BytesText::from_escaped(TRAILING_COMMENT)));
        self.raw_newline();
        self.writer.into_inner()
    }

    /// Ends the document with a line break after the root element and no trailing comment, as
    /// the recorded `GENERIC_RETURN` does.
    pub(crate) fn finish_without_comment(mut self) -> Vec<u8> {
        self.raw_newline();
        self.writer.into_inner()
    }

    fn raw_newline(&mut self) {
        self.writer.get_mut().push(b'\n');
    }

    fn emit(&mut self, event: Event<'_>) {
        // Writing into a Vec<u8> cannot fail: the io::Result is always Ok.
        let _infallible = self.writer.write_event(event);
    }
}

/// A message as real answers write it inside an indented element at `depth` (the root is 0):
/// on a line of its own, indented two levels deeper than the element, the closing tag on the
/// next line (`\n      Account Expired\n  ` at depth 1). Readers must trim.
pub(crate) fn padded_message(text: &str, depth: usize) -> String {
    let element_indent = " ".repeat(2 * depth);
    format!("\n{element_indent}    {text}\n{element_indent}")
}

/// `<SIMPLE_RETURN><RESPONSE><DATETIME/><CODE/><TEXT/>[<ITEM_LIST>]</RESPONSE></SIMPLE_RETURN>`
/// with its DOCTYPE, the TEXT padded with line breaks and spaces ([`padded_message`]). When
/// `seconds_to_wait` is given an `ITEM_LIST` holds
/// `<ITEM><KEY>SECONDS_TO_WAIT</KEY><VALUE>n</VALUE></ITEM>`.
pub(crate) fn simple_return(code: u32, text: &str, seconds_to_wait: Option<u32>) -> Vec<u8> {
    let mut doc = XmlDoc::new(Layout::Indented, Some(SIMPLE_RETURN_DOCTYPE));
    doc.open("SIMPLE_RETURN");
    doc.open("RESPONSE");
    doc.leaf("DATETIME", &format_instant(REFERENCE_INSTANT));
    doc.leaf("CODE", &code.to_string());
    doc.leaf("TEXT", &padded_message(text, 2));
    if let Some(seconds) = seconds_to_wait {
        doc.open("ITEM_LIST");
        doc.open("ITEM");
        doc.leaf("KEY", "SECONDS_TO_WAIT");
        doc.leaf("VALUE", &seconds.to_string());
        doc.close("ITEM");
        doc.close("ITEM_LIST");
    }
    doc.close("RESPONSE");
    doc.close("SIMPLE_RETURN");
    doc.finish()
}

/// The `GENERIC_RETURN` of the old MSP (v1) APIs, shaped like the recorded answer:
///
/// ```xml
/// <?xml version="1.0" encoding="UTF-8" ?>
/// <!DOCTYPE GENERIC_RETURN SYSTEM "https://qualysapi.qualys.com/generic_return.dtd">
/// <GENERIC_RETURN>
///   <API name="about.php" username="acme_ex1" at="2026-11-01T00:00:00Z" />
///   <RETURN status="FAILED" number="2001">
///       Account Expired
///   </RETURN>
/// </GENERIC_RETURN>
/// ```
///
/// `number` is left out when `None`. No trailing comment, as recorded.
pub(crate) fn generic_return(
    api_name: &str,
    username: &str,
    number: Option<u32>,
    text: &str,
) -> Vec<u8> {
    let mut doc = XmlDoc::new_spaced_declaration(GENERIC_RETURN_DOCTYPE);
    doc.open("GENERIC_RETURN");
    doc.empty_spaced(
        "API",
        &[
            ("name", api_name),
            ("username", username),
            ("at", &format_instant(REFERENCE_INSTANT)),
        ],
    );
    let number = number.map(|number| number.to_string());
    let mut attributes = vec![("status", "FAILED")];
    attributes.extend(number.as_deref().map(|number| ("number", number)));
    doc.open_with("RETURN", &attributes);
    doc.text(&padded_message(text, 1));
    doc.close("RETURN");
    doc.close("GENERIC_RETURN");
    doc.finish_without_comment()
}

/// Opens `<ServiceResponse xmlns:xsi=… xsi:noNamespaceSchemaLocation=SCHEMA>` in a compact
/// document and writes `<responseCode>`.
pub(crate) fn open_service_response(schema: &str, response_code: &str) -> XmlDoc {
    let mut doc = XmlDoc::new(Layout::Compact, None);
    doc.open_with(
        "ServiceResponse",
        &[
            ("xmlns:xsi", XSI_NAMESPACE),
            ("xsi:noNamespaceSchemaLocation", schema),
        ],
    );
    doc.leaf("responseCode", response_code);
    doc
}

/// A QPS error: `ServiceResponse` with `responseCode` and
/// `responseErrorDetails/{errorMessage,errorResolution}`.
pub(crate) fn service_error(
    schema: &str,
    response_code: &str,
    message: &str,
    resolution: &str,
) -> Vec<u8> {
    let mut doc = open_service_response(schema, response_code);
    doc.open("responseErrorDetails");
    doc.leaf("errorMessage", message);
    doc.leaf("errorResolution", resolution);
    doc.close("responseErrorDetails");
    doc.close("ServiceResponse");
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn values_are_escaped_in_text_and_attributes() {
        let mut doc = XmlDoc::new(Layout::Compact, None);
        doc.open_with("A", &[("v", "a\"b<c&")]);
        doc.leaf("B", "x < y & 'z' > \"w\"");
        doc.close("A");
        let body = text(doc.finish());
        assert!(body.contains(r#"<A v="a&quot;b&lt;c&amp;">"#), "{body}");
        assert!(
            body.contains("<B>x &lt; y &amp; &apos;z&apos; &gt; &quot;w&quot;</B>"),
            "{body}"
        );
    }

    #[test]
    fn cdata_splits_the_terminator() {
        let mut doc = XmlDoc::new(Layout::Compact, None);
        doc.leaf_cdata("C", "a]]>b");
        let body = text(doc.finish());
        assert!(
            body.contains("<C><![CDATA[a]]]]><![CDATA[>b]]></C>"),
            "{body}"
        );
    }

    #[test]
    fn simple_return_has_declaration_doctype_and_trailing_comment() {
        let body = text(simple_return(1965, "wait", Some(12)));
        assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
        assert!(body.contains("<!DOCTYPE SIMPLE_RETURN SYSTEM"));
        assert!(body.contains("<CODE>1965</CODE>"));
        assert!(body.contains("<VALUE>12</VALUE>"));
        assert!(body.trim_end().ends_with("-->"));
        assert!(body.find("</SIMPLE_RETURN>") < body.find("<!--"));
    }

    #[test]
    fn simple_return_text_is_padded_with_a_line_break_and_spaces() {
        let body = text(simple_return(2001, "Expired", None));
        assert!(
            body.contains("<TEXT>\n        Expired\n    </TEXT>"),
            "{body}"
        );
    }

    #[test]
    fn generic_return_is_byte_for_byte_the_recorded_shape() {
        let body = text(generic_return(
            "about.php",
            "acme_ex1",
            Some(2001),
            "Account Expired",
        ));
        let recorded = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n\
<!DOCTYPE GENERIC_RETURN SYSTEM \"https://qualysapi.qualys.com/generic_return.dtd\">\n\
<GENERIC_RETURN>\n\
\x20 <API name=\"about.php\" username=\"acme_ex1\" at=\"2026-11-01T00:00:00Z\" />\n\
\x20 <RETURN status=\"FAILED\" number=\"2001\">\n\
\x20     Account Expired\n\
\x20 </RETURN>\n\
</GENERIC_RETURN>\n";
        assert_eq!(body, recorded);
    }

    #[test]
    fn generic_return_escapes_attributes_and_may_omit_the_number() {
        let body = text(generic_return("a\"b.php", "x<y", None, "a & b"));
        assert!(
            body.contains(r#"name="a&quot;b.php" username="x&lt;y""#),
            "{body}"
        );
        assert!(body.contains("<RETURN status=\"FAILED\">"), "{body}");
        assert!(body.contains("a &amp; b"), "{body}");
    }
}
