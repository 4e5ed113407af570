//! `GET /qps/rest/portal/version`: the portal's modules, among them Cloud Agent.

use super::client::ApiRequest;
use super::xml::{self, Flow, Node};
use crate::Result;

/// The request.
pub fn request() -> ApiRequest {
    ApiRequest::get("/qps/rest/portal/version")
}

/// The Cloud Agent module's version (`CA-VERSION`), when the subscription has the module.
pub fn parse_cloud_agent_version(body: &[u8]) -> Result<Option<String>> {
    let mut version = None;
    xml::walk(body, |node| {
        if let Node::Text { path, text } = node
            && path.last().is_some_and(|name| name == "CA-VERSION")
        {
            version = Some(text);
            return Ok(Flow::Stop);
        }
        Ok(Flow::Continue)
    })?;
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cloud_agent_version_is_found_under_portal_version() {
        let body = b"<ServiceResponse><responseCode>SUCCESS</responseCode><data><Portal-Version>\
                     <PortalApplicationVersion>3.18</PortalApplicationVersion><CA-VERSION>4.9\
                     </CA-VERSION></Portal-Version></data></ServiceResponse>";
        assert_eq!(
            parse_cloud_agent_version(body).unwrap().as_deref(),
            Some("4.9")
        );
    }

    #[test]
    fn no_cloud_agent_module_is_none() {
        let body = b"<ServiceResponse><responseCode>SUCCESS</responseCode><data>\
                     <Portal-Version/></data></ServiceResponse>";
        assert_eq!(parse_cloud_agent_version(body).unwrap(), None);
    }
}
