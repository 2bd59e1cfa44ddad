//! MCP round trips through the official Rust MCP SDK's client (rmcp, streamable HTTP), the same
//! client against robot.wtf and against the Python MCP server.

use anyhow::{Context as _, Result, bail};
use rmcp::model::{CallToolRequestParams, ClientConfig};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt as _};
use serde_json::{Map, Value};

pub struct McpClient {
    service: RunningService<RoleClient, ClientConfig>,
}

impl McpClient {
    /// Connects to `/mcp` on `port` as the site `host`, with a bearer token.
    pub async fn connect(port: u16, host: &str, token: &str) -> Result<McpClient> {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::HOST, host.parse().context("host header")?);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .tcp_nodelay(true)
            .build()?;
        let config =
            StreamableHttpClientTransportConfig::with_uri(format!("http://127.0.0.1:{port}/mcp"))
                .auth_header(token.to_string());
        let transport = StreamableHttpClientTransport::with_client(http, config);
        let service = ClientConfig::default()
            .serve(transport)
            .await
            .with_context(|| format!("MCP handshake with {host}"))?;
        Ok(McpClient { service })
    }

    /// Calls `tool` and returns its text; a tool error (`isError`) is an error here.
    pub async fn call(&self, tool: &'static str, arguments: Value) -> Result<String> {
        let Value::Object(arguments) = arguments else {
            bail!("tool arguments must be an object");
        };
        let result = self
            .service
            .call_tool(CallToolRequestParams::new(tool).with_arguments(arguments))
            .await
            .with_context(|| format!("calling {tool}"))?;
        let text: String = result
            .content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.clone()))
            .collect::<Vec<_>>()
            .join("\n");
        if result.is_error == Some(true) {
            bail!("{tool} answered an error: {text}");
        }
        Ok(text)
    }
}

/// A JSON object from key/value pairs.
pub fn args<const N: usize>(pairs: [(&str, &str); N]) -> Value {
    let map: Map<String, Value> = pairs
        .into_iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect();
    Value::Object(map)
}
