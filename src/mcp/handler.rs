//! The MCP server: it lists the tools and runs a call as its REST
//! operation (`call`). It keeps nothing between requests, so any instance
//! answers any request.
use std::borrow::Cow;
use std::sync::Arc;

use poem::endpoint::BoxEndpoint;
use poem::http::request::Parts;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ProtocolVersion, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use uuid::Uuid;

use super::call::call;
use super::tools::Ready;
use crate::http::RouteTable;

/// The revisions served: the newest, and the three before it for clients
/// that ask for them.
const VERSIONS: [ProtocolVersion; 4] = [
    ProtocolVersion::V_2025_03_26,
    ProtocolVersion::V_2025_06_18,
    ProtocolVersion::V_2025_11_25,
    ProtocolVersion::V_2026_07_28,
];

const INSTRUCTIONS: &str = "The signed-in user's tasks. Find tasks with list_tasks (filters, \
sort and paging) or get_task; change them with add_task, update_task, complete_task, \
delete_task and clear_completed. A failed call says what to fix in `code`, `detail` and, for \
invalid arguments, `errors` (one entry per argument).";

/// Who is calling: the user the bearer token names.
#[derive(Debug, Clone, Copy)]
pub struct Caller(pub Uuid);

#[derive(Clone)]
pub struct TaskTools(Arc<Inner>);

struct Inner {
    tools: Vec<Ready>,
    api: Arc<BoxEndpoint<'static>>,
    table: RouteTable,
}

impl TaskTools {
    pub fn new(tools: Vec<Ready>, api: Arc<BoxEndpoint<'static>>, table: RouteTable) -> Self {
        Self(Arc::new(Inner { tools, api, table }))
    }

    fn find(&self, name: &str) -> Option<&Ready> {
        self.0.tools.iter().find(|tool| tool.def.name == name)
    }
}

impl ServerHandler for TaskTools {
    fn get_info(&self) -> ServerConfig {
        let server =
            Implementation::new("tasks-api", env!("CARGO_PKG_VERSION")).with_title("Tasks");
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(server)
            .with_instructions(INSTRUCTIONS)
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(&VERSIONS)
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.find(name).map(|tool| tool.tool.clone())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools = self.0.tools.iter().map(|tool| tool.tool.clone()).collect();
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(tool) = self.find(&request.name) else {
            let message = format!("there is no tool named {:?}", request.name);
            return Err(ErrorData::invalid_params(message, None));
        };
        let parts = context.extensions.get::<Parts>();
        let caller = parts.and_then(|parts| parts.extensions.get::<Caller>());
        let (Some(parts), Some(Caller(caller))) = (parts, caller) else {
            // The guard in front of the service admits no call without one.
            return Err(ErrorData::internal_error("no caller on the request", None));
        };
        let args = request.arguments.unwrap_or_default();
        let inner = &self.0;
        let result = call(inner.api.as_ref(), &inner.table, tool, *caller, parts, args).await;
        Ok(result.into())
    }
}
