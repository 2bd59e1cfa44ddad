//! Resource indicators (RFC 8707): which resource a token is for. A wiki's authorization server
//! issues tokens for two: the wiki's MCP endpoint (`<wiki>/mcp`, what MCP clients name, per the
//! protected-resource metadata) and the wiki itself (`<wiki>`, every agent surface). A grant
//! keeps the one approved; the context resolver refuses its tokens anywhere else.

use super::OAuthError;

/// The canonical form of `requested` (no trailing slash) if it is a resource of the wiki at
/// `wiki_url`; `None` otherwise.
pub fn canonical(wiki_url: &str, requested: &str) -> Option<String> {
    let requested = requested.trim_end_matches('/');
    let mcp = format!("{wiki_url}/mcp");
    (requested == wiki_url || requested == mcp).then(|| requested.to_string())
}

/// The `invalid_target` error of a resource this wiki does not serve.
pub fn invalid_target() -> OAuthError {
    OAuthError::invalid_target(
        "This server issues tokens only for this wiki and its MCP endpoint (resource).",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_wiki_and_its_mcp_endpoint_are_resources() {
        let wiki = "https://notes.robot.wtf";
        assert_eq!(
            canonical(wiki, "https://notes.robot.wtf/mcp/").as_deref(),
            Some("https://notes.robot.wtf/mcp")
        );
        assert_eq!(
            canonical(wiki, "https://notes.robot.wtf").as_deref(),
            Some(wiki)
        );
        for other in [
            "https://other.robot.wtf/mcp",
            "https://notes.robot.wtf/api/v1",
            "https://notes.robot.wtf.evil.example/mcp",
            "http://notes.robot.wtf/mcp",
            "",
        ] {
            assert_eq!(canonical(wiki, other), None, "{other}");
        }
    }
}
