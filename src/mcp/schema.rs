//! The tools' JSON Schemas, read from the REST API's own OpenAPI document:
//! a tool's arguments are its operation's parameters and body members, its
//! output the operation's success body, so every limit is the one the REST
//! schema declares (one declaration, two surfaces).
//!
//! The document is OpenAPI 3.0; MCP wants JSON Schema 2020-12, so
//! `nullable` becomes a `null` type, component references point into
//! `$defs`, and `example` (not a JSON Schema keyword) is dropped.
use serde_json::{Map, Value, json};

const COMPONENTS: &str = "#/components/schemas/";
const DEFS: &str = "#/$defs/";

/// Where an argument goes in the operation's request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Path(String),
    Query(String),
    Header(String),
    Body,
}

/// One argument of a tool.
#[derive(Debug, Clone)]
pub struct Arg {
    pub name: String,
    pub place: Place,
}

/// The operation a tool calls, as the document declares it.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: String,
    pub path: String,
    pub args: Vec<Arg>,
    pub has_body: bool,
    pub input: Map<String, Value>,
    pub output: Option<Map<String, Value>>,
}

/// Parameters a tool never takes: the owner comes from the token, and the
/// conditional read and request id are HTTP's business.
const NOT_ARGUMENTS: [&str; 3] = ["user_id", "If-None-Match", "X-Request-Id"];

/// The operation `id` of `spec`, less the query parameters `fixed` (the
/// tool sets them itself).
pub fn operation(spec: &Value, id: &str, fixed: &[&str]) -> Option<Operation> {
    let (path, method, op) = find(spec, id)?;
    let mut args = Vec::new();
    let mut properties = Map::new();
    let mut required = Vec::new();
    for param in op["parameters"].as_array().into_iter().flatten() {
        let name = param["name"].as_str()?;
        if NOT_ARGUMENTS.contains(&name) || fixed.contains(&name) {
            continue;
        }
        let arg = name.to_ascii_lowercase().replace('-', "_");
        let place = match param["in"].as_str()? {
            "path" => Place::Path(name.to_owned()),
            "query" => Place::Query(name.to_owned()),
            _ => Place::Header(name.to_owned()),
        };
        let mut schema = convert(&param["schema"]);
        if let (Some(text), Value::Object(schema)) = (param["description"].as_str(), &mut schema) {
            schema.insert("description".into(), text.into());
        }
        if param["required"] == true {
            required.push(Value::String(arg.clone()));
        }
        properties.insert(arg.clone(), schema);
        args.push(Arg { name: arg, place });
    }
    let body = &op["requestBody"]["content"]["application/json"]["schema"];
    let has_body = !body.is_null();
    if has_body {
        let body = convert(resolve(spec, body));
        for (name, schema) in body["properties"].as_object().into_iter().flatten() {
            properties.insert(name.clone(), schema.clone());
            args.push(Arg {
                name: name.clone(),
                place: Place::Body,
            });
        }
        required.extend(body["required"].as_array().into_iter().flatten().cloned());
    }
    let mut input = object(properties, required);
    add_defs(spec, &mut input);
    let output = success_schema(spec, op).map(|schema| {
        let mut schema = as_object(convert(resolve(spec, schema)));
        add_defs(spec, &mut schema);
        schema
    });
    Some(Operation {
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        args,
        has_body,
        input,
        output,
    })
}

fn find<'a>(spec: &'a Value, id: &str) -> Option<(&'a str, &'a str, &'a Value)> {
    spec["paths"].as_object()?.iter().find_map(|(path, ops)| {
        let (method, op) = ops
            .as_object()?
            .iter()
            .find(|(_, op)| op["operationId"] == id)?;
        Some((path.as_str(), method.as_str(), op))
    })
}

/// The JSON body of the operation's first 2xx answer.
fn success_schema<'a>(spec: &'a Value, op: &'a Value) -> Option<&'a Value> {
    let responses = op["responses"].as_object()?;
    let (_, ok) = responses
        .iter()
        .find(|(status, _)| status.starts_with('2'))?;
    let schema = &resolve(spec, ok)["content"]["application/json"]["schema"];
    (!schema.is_null()).then_some(schema)
}

/// `value` itself, or the component it refers to.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            spec.pointer(pointer).unwrap_or(&Value::Null)
        }
        None => value,
    }
}

/// An object schema with these members.
pub fn object(properties: Map<String, Value>, required: Vec<Value>) -> Map<String, Value> {
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    schema.insert("properties".into(), properties.into());
    if !required.is_empty() {
        schema.insert("required".into(), required.into());
    }
    schema
}

fn as_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// An OpenAPI 3.0 schema as JSON Schema 2020-12.
pub fn convert(schema: &Value) -> Value {
    let Value::Object(members) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in members {
        let value = match key.as_str() {
            "example" | "nullable" | "deprecated" => continue,
            "$ref" => Value::String(value.as_str().unwrap_or_default().replace(COMPONENTS, DEFS)),
            "properties" => Value::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, schema)| (name.clone(), convert(schema)))
                    .collect(),
            ),
            _ => convert_any(value),
        };
        out.insert(key.clone(), value);
    }
    if members.get("nullable") == Some(&Value::Bool(true)) {
        return nullable(out);
    }
    Value::Object(out)
}

fn convert_any(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(convert_any).collect()),
        Value::Object(_) => convert(value),
        other => other.clone(),
    }
}

/// `schema`, or null: an `anyOf` of single types, which clients that map
/// tool schemas onto a one-`type` dialect (Gemini's) take as well.
fn nullable(mut schema: Map<String, Value>) -> Value {
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        values.retain(|value| !value.is_null());
    }
    let description = schema.remove("description");
    let mut wrapped = Map::new();
    wrapped.insert(
        "anyOf".into(),
        json!([Value::Object(schema), {"type": "null"}]),
    );
    if let Some(description) = description {
        wrapped.insert("description".into(), description);
    }
    Value::Object(wrapped)
}

/// The components `schema` refers to (and they to others), as `$defs`.
fn add_defs(spec: &Value, schema: &mut Map<String, Value>) {
    let mut defs = Map::new();
    let mut pending = references(&Value::Object(schema.clone()));
    while let Some(name) = pending.pop() {
        if defs.contains_key(&name) {
            continue;
        }
        let component = convert(&spec["components"]["schemas"][&name]);
        pending.extend(references(&component));
        defs.insert(name, component);
    }
    if !defs.is_empty() {
        schema.insert("$defs".into(), defs.into());
    }
}

fn references(value: &Value) -> Vec<String> {
    match value {
        Value::Object(members) => members
            .iter()
            .flat_map(|(key, value)| match (key.as_str(), value) {
                ("$ref", Value::String(r)) => r
                    .strip_prefix(DEFS)
                    .map(str::to_owned)
                    .into_iter()
                    .collect(),
                _ => references(value),
            })
            .collect(),
        Value::Array(items) => items.iter().flat_map(references).collect(),
        _ => Vec::new(),
    }
}
