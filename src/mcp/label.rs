//! What the request log and the metrics call an MCP request: a tool call by
//! the tool's name, any other message by its method. Every label is one of
//! a fixed set, so a client cannot invent metric series.
use serde::Deserialize;

use super::tools::TOOLS;

/// A message's method and, for a tool call, the tool's name; the rest is
/// skipped unread.
#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    method: Option<&'a str>,
    #[serde(borrow)]
    params: Option<Params<'a>>,
}

#[derive(Deserialize)]
struct Params<'a> {
    #[serde(borrow)]
    name: Option<&'a str>,
}

/// The other messages a client sends, and their labels.
const METHODS: [(&str, &str); 5] = [
    ("initialize", "mcp_initialize"),
    ("notifications/initialized", "mcp_initialized"),
    ("server/discover", "mcp_discover"),
    ("tools/list", "mcp_list_tools"),
    ("ping", "mcp_ping"),
];

/// The label of a request to `/mcp` whose body is `body`.
pub fn operation(body: &[u8]) -> &'static str {
    let Ok(message) = serde_json::from_slice::<Message>(body) else {
        return "mcp";
    };
    let tool = message.params.and_then(|p| p.name);
    match (message.method, tool) {
        (Some("tools/call"), Some(name)) => TOOLS
            .iter()
            .find(|def| def.name == name)
            .map_or("mcp_unknown_tool", |def| def.name),
        (Some(method), _) => METHODS
            .iter()
            .find(|(known, _)| *known == method)
            .map_or("mcp", |(_, label)| label),
        (None, _) => "mcp",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_call_is_named_after_its_tool_and_nothing_else_invents_a_label() {
        let call = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add_task","arguments":{"title":"x"}}}"#;
        assert_eq!(operation(call), "add_task");
        let unknown =
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"rm -rf"}}"#;
        assert_eq!(operation(unknown), "mcp_unknown_tool");
        let list = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
        assert_eq!(operation(list), "mcp_list_tools");
        assert_eq!(operation(br#"{"method":"made/up"}"#), "mcp");
        assert_eq!(operation(b"not json"), "mcp");
    }
}
