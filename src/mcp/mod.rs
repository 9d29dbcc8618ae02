//! `/mcp`: the tasks for AI assistants, over the Model Context Protocol's
//! Streamable HTTP transport (rmcp's server, mounted in this poem server).
//! Each tool is a REST operation (`tools`), its schemas read from the
//! API's published document (`schema`) and its calls made through that
//! operation in process (`call`); the bearer guard and the discovery
//! documents are in `auth`.
mod auth;
mod call;
mod handler;
mod label;
mod schema;
mod tools;

use std::sync::Arc;

use anyhow::Context;
use poem::endpoint::{BoxEndpoint, TowerCompatExt, make_sync};
use poem::{EndpointExt, Route, get};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::Value;

pub use handler::{Caller, TaskTools};
pub use tools::{TOOLS, ToolDef};

use crate::config::Settings;
use crate::http::{MAX_BODY_BYTES, RouteTable};

/// Adds `/mcp` and its discovery documents to `tree`. `api` is the REST
/// operations' service, `spec` their published document.
pub fn mount(
    tree: Route,
    api: Arc<BoxEndpoint<'static>>,
    table: RouteTable,
    spec: &str,
    settings: &Settings,
) -> anyhow::Result<Route> {
    let spec: Value = serde_json::from_str(spec).context("reading the API's document")?;
    let ready = tools::ready(&spec).context("a tool names an operation the API lacks")?;
    let token_path = token_path(&spec).context("the API has no token endpoint")?;
    let server = TaskTools::new(ready, api, table);
    // Stateless and answered as JSON: nothing of a client is kept between
    // requests, so any instance answers any of them.
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_allowed_hosts(settings.mcp_allowed_hosts.clone())
        .with_max_request_body_bytes(MAX_BODY_BYTES);
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    let documents = Route::new()
        .at("/", get(make_sync(|req| auth::protected_resource(&req))))
        .at("/mcp", get(make_sync(|req| auth::protected_resource(&req))));
    Ok(tree
        .at("/mcp", auth::Guard(service.compat()).boxed())
        .nest(auth::PROTECTED_RESOURCE, documents)
        .at(
            auth::AUTHORIZATION_SERVER,
            get(make_sync(move |req| {
                auth::authorization_server(&req, &token_path)
            })),
        ))
}

/// The path of the OAuth token endpoint, as the document declares it.
fn token_path(spec: &Value) -> Option<String> {
    schema::operation(spec, "issueToken", &[]).map(|op| op.path)
}
