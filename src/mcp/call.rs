//! A tool call is its REST operation, called in process: the arguments
//! become the operation's path, query, headers and body, and the answer
//! (the body, or the problem) becomes the tool's result. So a call is read,
//! checked, admitted, written and announced exactly as the REST request
//! would be, and fails with the same codes.
use poem::Endpoint;
use poem::http::{HeaderValue, Method, Uri, header, request::Parts};
use poem_openapi::types::ToJSON;
use rmcp::model::{CallToolResult, ContentBlock, MetaObject};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::schema::Place;
use super::tools::Ready;
use crate::api::error::{ApiError, Problem, problems};
use crate::domain::{Error, FieldError, Source, Violation};
use crate::http::RouteTable;

/// Calls `tool` for `caller` with `args`, as the request `outer` asked.
pub async fn call<E: Endpoint>(
    api: &E,
    table: &RouteTable,
    tool: &Ready,
    caller: Uuid,
    outer: &Parts,
    mut args: Map<String, Value>,
) -> CallToolResult {
    for (name, default) in tool.def.defaults {
        args.entry(*name).or_insert(Value::Bool(*default));
    }
    let request = match build(tool, caller, outer, args) {
        Ok(request) => request,
        Err(failures) => return problem(ApiError::Domain(Error::Validation(failures))),
    };
    let deleted = request.1;
    let resp = problems(api, table, request.0).await;
    let status = resp.status();
    let etag = resp.headers().get(header::ETAG).cloned();
    let body = resp.into_body().into_bytes().await.unwrap_or_default();
    let value = if body.is_empty() {
        json!({ "deleted": deleted })
    } else {
        serde_json::from_slice(&body).unwrap_or_else(|_| json!({ "detail": "unreadable answer" }))
    };
    if status.is_success() {
        // The operation's own bytes are the text: the same JSON, not written again.
        let text = String::from_utf8(body.to_vec()).unwrap_or_default();
        let mut result = if text.is_empty() {
            structured(value, false)
        } else {
            let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
            result.structured_content = Some(value);
            result
        };
        if let Some(etag) = etag.as_ref().and_then(|e| e.to_str().ok()) {
            let mut meta = MetaObject::default();
            meta.insert("etag".into(), etag.into());
            result.meta = Some(meta);
        }
        result
    } else {
        structured(failure(value), true)
    }
}

/// The problem's `code`, `detail` and `errors`, as a tool error.
fn failure(problem: Value) -> Value {
    let mut out = Map::new();
    for key in ["code", "detail", "errors"] {
        if let Some(value) = problem.get(key) {
            out.insert(key.into(), value.clone());
        }
    }
    Value::Object(out)
}

/// A failure found before the operation was called, worded as it words its own.
fn problem(err: ApiError) -> CallToolResult {
    let problem = ToJSON::to_json(&Problem::from(&err)).unwrap_or_default();
    structured(failure(problem), true)
}

/// A result carrying `value` as structured content and as text.
fn structured(value: Value, is_error: bool) -> CallToolResult {
    let text = value.to_string();
    let mut result = if is_error {
        CallToolResult::error(vec![ContentBlock::text(text)])
    } else {
        CallToolResult::success(vec![ContentBlock::text(text)])
    };
    result.structured_content = Some(value);
    result
}

/// The operation's request, and the task id a delete names.
fn build(
    tool: &Ready,
    caller: Uuid,
    outer: &Parts,
    mut args: Map<String, Value>,
) -> Result<(poem::Request, Value), Vec<FieldError>> {
    let op = &tool.operation;
    let mut failures = Vec::new();
    let mut path = op.path.replace("{user_id}", &caller.to_string());
    let mut query: Vec<(String, String)> = tool
        .def
        .fixed
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    let mut headers = Vec::new();
    let mut named = Value::Null;
    for arg in &op.args {
        let value = match arg.place {
            Place::Body => continue,
            _ => args.remove(&arg.name),
        };
        match (&arg.place, value) {
            (Place::Path(name), Some(value)) => {
                path = path.replace(&format!("{{{name}}}"), &encode(&text(&value)));
                named = value;
            }
            (Place::Path(name), None) => {
                failures.push(missing(name));
            }
            (_, None | Some(Value::Null)) => {}
            (Place::Query(name), Some(Value::Array(items))) => {
                query.extend(items.iter().map(|item| (name.clone(), text(item))));
            }
            (Place::Query(name), Some(value)) => query.push((name.clone(), text(&value))),
            (Place::Header(name), Some(value)) => match HeaderValue::from_str(&text(&value)) {
                Ok(value) => headers.push((name.clone(), value)),
                Err(_) => failures.push(
                    FieldError::new("", Violation::InvalidFormat, "must be printable ASCII")
                        .at(Source::Header, name),
                ),
            },
            (Place::Body, _) => unreachable!("skipped above"),
        }
    }
    if !failures.is_empty() {
        return Err(failures);
    }
    if !query.is_empty() {
        let pairs: Vec<String> = query
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect();
        path = format!("{path}?{}", pairs.join("&"));
    }
    // Every part was percent-encoded above, so the URI parses.
    let uri = path.parse::<Uri>().map_err(|err| {
        vec![FieldError::new(
            "",
            Violation::InvalidFormat,
            err.to_string(),
        )]
    })?;
    let method = Method::from_bytes(op.method.as_bytes()).unwrap_or(Method::GET);
    let mut builder = poem::Request::builder().method(method).uri(uri);
    for name in [header::AUTHORIZATION, header::HOST] {
        if let Some(value) = outer.headers.get(&name) {
            builder = builder.header(name, value.clone());
        }
    }
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let body = if op.has_body {
        builder = builder.content_type("application/json");
        Value::Object(args).to_string()
    } else {
        String::new()
    };
    let mut request = builder.body(body);
    *request.extensions_mut() = outer.extensions.clone();
    Ok((request, named))
}

fn missing(name: &str) -> FieldError {
    FieldError::new("", Violation::Required, "is required").at(Source::Path, name)
}

/// A JSON value as a parameter's text: a string as it is, anything else as
/// JSON (which the operation then refuses in its own words).
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Percent-encodes all but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
