//! The two "who are you" endpoints: `GET /msp/about.php` and `GET /qps/rest/portal/version`.
//!
//! `API-VERSION` carries the version as **attributes**, as real Qualys does (the answer quoted in
//! the paragbaxi/qualysapi README: `<API-VERSION MAJOR="1" MINOR="4" />`):
//!
//! ```xml
//! <!DOCTYPE ABOUT SYSTEM "https://qualysapi.qualys.com/about.dtd">
//! <ABOUT>
//!   <API-VERSION MAJOR="2" MINOR="0"/>
//!   <WEB-VERSION>10.30.1-1</WEB-VERSION>
//!   <SCANNER-VERSION>13.5.35-1</SCANNER-VERSION>
//!   <VULNSIGS-VERSION>2.6.120-2</VULNSIGS-VERSION>
//!   <VULNSIGS-SIG-VERSION>VULNSIGS-2.6.120.2-1</VULNSIGS-SIG-VERSION>
//! </ABOUT>
//! ```
//!
//! ```xml
//! <ServiceResponse …><responseCode>SUCCESS</responseCode><count>1</count><data>
//!   <Portal-Version><PortalApplicationVersion>3.18.0.0</PortalApplicationVersion>
//!   <PortalModuleVersion>3.18.0.0-1</PortalModuleVersion><QWEB-VERSION>10.30.1-1</QWEB-VERSION>
//!   <CA-VERSION>3.9.2.0-1</CA-VERSION><AM-VERSION>3.20.0.0-1</AM-VERSION>
//!   <CSAM-VERSION>3.20.0.0-1</CSAM-VERSION></Portal-Version>
//! </data></ServiceResponse>
//! ```

use http::StatusCode;

use super::reply::Reply;
use super::xml::{Layout, PORTAL_VERSION_SCHEMA, XmlDoc, open_service_response};

const ABOUT_DOCTYPE: &str = "ABOUT SYSTEM \"https://qualysapi.qualys.com/about.dtd\"";

/// `WEB-VERSION` of `about.php`.
pub(crate) const WEB_VERSION: &str = "10.30.1-1";

/// Answers `about.php`.
pub(crate) fn about() -> Reply {
    let mut doc = XmlDoc::new(Layout::Indented, Some(ABOUT_DOCTYPE));
    doc.open("ABOUT");
    doc.empty_with("API-VERSION", &[("MAJOR", "2"), ("MINOR", "0")]);
    doc.leaf("WEB-VERSION", WEB_VERSION);
    doc.leaf("SCANNER-VERSION", "13.5.35-1");
    doc.leaf("VULNSIGS-VERSION", "2.6.120-2");
    doc.leaf("VULNSIGS-SIG-VERSION", "VULNSIGS-2.6.120.2-1");
    doc.close("ABOUT");
    Reply::msp_xml(doc.finish())
}

/// Answers the portal version.
pub(crate) fn portal_version() -> Reply {
    let mut doc = open_service_response(PORTAL_VERSION_SCHEMA, "SUCCESS");
    doc.leaf("count", "1");
    doc.open("data");
    doc.open("Portal-Version");
    doc.leaf("PortalApplicationVersion", "3.18.0.0");
    doc.leaf("PortalModuleVersion", "3.18.0.0-1");
    doc.leaf("QWEB-VERSION", WEB_VERSION);
    doc.leaf("CA-VERSION", "3.9.2.0-1");
    doc.leaf("AM-VERSION", "3.20.0.0-1");
    doc.leaf("CSAM-VERSION", "3.20.0.0-1");
    doc.close("Portal-Version");
    doc.close("data");
    doc.close("ServiceResponse");
    Reply::qps_xml(StatusCode::OK, doc.finish())
}
