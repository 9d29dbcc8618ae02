//! `/mcp`: the task tools over MCP's Streamable HTTP transport, spoken here
//! as plain JSON-RPC (the Python SDK and the Inspector speak it in
//! `scripts/mcp-test.sh`).
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::backend_test;
use crate::harness::{Backend, Session, TestApp, assert_problem};
use crate::metrics::{sample, scrape};

const TOOLS: [&str; 7] = [
    "list_tasks",
    "get_task",
    "add_task",
    "update_task",
    "complete_task",
    "delete_task",
    "clear_completed",
];

/// The limits a schema can declare.
const LIMITS: [&str; 9] = [
    "maxLength",
    "minLength",
    "maxItems",
    "minItems",
    "maximum",
    "minimum",
    "pattern",
    "enum",
    "format",
];

async fn post(app: &TestApp, token: Option<&str>, message: Value) -> Response {
    let mut req = app
        .request(Method::POST, "/mcp")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .json(&message);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

/// One JSON-RPC request's answer (`result` or `error`).
async fn rpc(app: &TestApp, s: &Session, method: &str, params: Value) -> Value {
    let message = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let resp = post(app, Some(&s.token), message).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn tools(app: &TestApp, s: &Session) -> Vec<Value> {
    let init = json!({
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "tests", "version": "1"},
    });
    let answer = rpc(app, s, "initialize", init).await;
    assert_eq!(
        answer["result"]["protocolVersion"], "2025-06-18",
        "{answer}"
    );
    let answer = rpc(app, s, "tools/list", json!({})).await;
    answer["result"]["tools"].as_array().unwrap().clone()
}

/// A tool call's result: (structured content, is it an error).
async fn call(app: &TestApp, s: &Session, tool: &str, args: Value) -> (Value, bool) {
    let params = json!({"name": tool, "arguments": args});
    let answer = rpc(app, s, "tools/call", params).await;
    let result = &answer["result"];
    let text = result["content"][0]["text"].as_str().unwrap();
    let structured = result["structuredContent"].clone();
    assert_eq!(
        serde_json::from_str::<Value>(text).unwrap(),
        structured,
        "the text is the structured content"
    );
    (structured, result["isError"] == true)
}

/// The schema of `name` in `object`, a `$ref` resolved in `spec`.
fn member<'a>(spec: &'a Value, object: &'a Value, name: &str) -> &'a Value {
    let schema = &object["properties"][name];
    match schema["$ref"].as_str() {
        Some(r) => &spec["components"]["schemas"][r.rsplit('/').next().unwrap()],
        None => schema,
    }
}

backend_test!(
    the_tools_are_listed_with_the_rest_schemas_limits,
    |app| async move {
        let s = app.sign_up().await;
        let spec = app.served_spec().await;
        let listed = tools(&app, &s).await;
        let names: Vec<&str> = listed.iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, TOOLS);
        let ops: Vec<&Value> = spec["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|ops| ops.as_object().unwrap().values())
            .collect();
        let op = |id: &str| *ops.iter().find(|op| op["operationId"] == id).unwrap();
        let compared = [
            ("list_tasks", "listTasks"),
            ("add_task", "createTask"),
            ("update_task", "updateTask"),
            ("complete_task", "setTaskCompletion"),
        ];
        let mut checked = 0;
        for (tool, id) in compared {
            let tool = listed.iter().find(|t| t["name"] == tool).unwrap();
            let input = &tool["inputSchema"];
            let op = op(id);
            let mut rest: Vec<(String, Value)> = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["in"] == "query" || p["name"] == "task_id")
                .map(|p| (p["name"].as_str().unwrap().to_owned(), p["schema"].clone()))
                .collect();
            if let Some(body) =
                op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
            {
                let body = &spec["components"]["schemas"][body.rsplit('/').next().unwrap()];
                for name in body["properties"].as_object().unwrap().keys() {
                    rest.push((name.clone(), member(&spec, body, name).clone()));
                }
            }
            for (name, schema) in rest {
                let mine = member(&spec, input, &name);
                let mine = match mine["$ref"].as_str() {
                    Some(r) => &input["$defs"][r.rsplit('/').next().unwrap()],
                    None => mine,
                };
                // A nullable member is `anyOf` the value and null in JSON Schema.
                let nullable = mine["anyOf"][1] == json!({"type": "null"});
                let mine = if nullable { &mine["anyOf"][0] } else { mine };
                assert_eq!(
                    nullable,
                    schema["nullable"] == true,
                    "{id}: {name} nullable"
                );
                for limit in LIMITS {
                    let (theirs, ours) = (&schema[limit], &mine[limit]);
                    // OpenAPI 3.0 lists a nullable enum's `null`; its `anyOf` branch does not.
                    let theirs = match theirs {
                        Value::Array(v) => {
                            json!(v.iter().filter(|v| !v.is_null()).collect::<Vec<_>>())
                        }
                        _ => theirs.clone(),
                    };
                    assert_eq!(&theirs, ours, "{id}: {name}.{limit}");
                    checked += usize::from(!theirs.is_null());
                }
            }
        }
        assert!(checked > 20, "only {checked} limits compared");
        for tool in &listed {
            let hints = &tool["annotations"];
            let name = tool["name"].as_str().unwrap();
            assert!(tool["title"].is_string() && tool["description"].as_str().unwrap().len() > 40);
            assert_eq!(hints["openWorldHint"], false, "{name}");
            let reads = ["list_tasks", "get_task"].contains(&name);
            assert_eq!(hints["readOnlyHint"], reads, "{name}");
            let deletes = ["delete_task", "clear_completed"].contains(&name);
            assert_eq!(hints["destructiveHint"], deletes, "{name}");
            assert_eq!(tool["outputSchema"]["type"], "object", "{name}");
        }
        let list = listed.iter().find(|t| t["name"] == "list_tasks").unwrap();
        let text = list["description"].as_str().unwrap();
        for word in ["offset", "limit", "total", "status", "tag", "sort"] {
            assert!(text.contains(word), "list_tasks does not explain {word}");
        }
    }
);

backend_test!(
    a_tool_call_is_the_rest_write_and_shows_in_the_feed,
    |app| async move {
        let s = app.sign_up().await;
        let (_, cursor) = app.sync(&s, None, 50).await;
        let args = json!({"title": " Dentist ", "tags": ["Health"], "priority": "high"});
        let (added, failed) = call(&app, &s, "add_task", args).await;
        assert!(!failed, "{added}");
        let id = added["id"].as_str().unwrap();
        assert_eq!(
            app.get_task(&s, id).await,
            added,
            "REST reads what MCP wrote"
        );
        let (got, _) = call(&app, &s, "get_task", json!({"task_id": id})).await;
        assert_eq!(got, added);

        let due = "2030-01-04T09:00:00Z";
        let (updated, _) = call(
            &app,
            &s,
            "update_task",
            json!({"task_id": id, "due_date": due}),
        )
        .await;
        assert_eq!(updated["title"], "Dentist");
        assert_eq!(updated["due_date"], due);
        let (changes, _) = app.sync(&s, Some(&cursor), 50).await;
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            changes[0]["task"], updated,
            "the feed shows the tool's write"
        );
        let (cleared, _) = call(
            &app,
            &s,
            "update_task",
            json!({"task_id": id, "due_date": null}),
        )
        .await;
        assert_eq!(cleared["due_date"], Value::Null, "null clears");
        assert_eq!(cleared["tags"], json!(["health"]), "absent stays");

        let (done, _) = call(&app, &s, "complete_task", json!({"task_id": id})).await;
        assert_eq!(done["completed"], true, "completed defaults to true");
        let (again, _) = call(&app, &s, "complete_task", json!({"task_id": id})).await;
        assert_eq!(again["completed"], true, "completing twice does not toggle");

        let (page, _) = call(
            &app,
            &s,
            "list_tasks",
            json!({"status": "completed", "limit": 1}),
        )
        .await;
        assert_eq!(
            (page["total"].clone(), page["limit"].clone()),
            (json!(1), json!(1))
        );
        assert_eq!(page["items"][0]["id"], id);
        let (cleared, _) = call(&app, &s, "clear_completed", json!({})).await;
        assert_eq!(cleared, json!({"deleted": 1}));

        let (kept, _) = call(&app, &s, "add_task", json!({"title": "keep"})).await;
        let kept = kept["id"].as_str().unwrap();
        let (gone, _) = call(&app, &s, "delete_task", json!({"task_id": kept})).await;
        assert_eq!(gone, json!({"deleted": kept}));

        // The feed holds each task's latest state: both are gone.
        let (changes, _) = app.sync(&s, Some(&cursor), 50).await;
        let gone: Vec<(&str, &str)> = changes
            .iter()
            .map(|c| {
                (
                    c["type"].as_str().unwrap(),
                    c["tombstone"]["id"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(gone, [("task.deleted", id), ("task.deleted", kept)]);
    }
);

backend_test!(
    a_fixable_failure_is_an_error_result_naming_every_argument,
    |app| async move {
        let s = app.sign_up().await;
        let args = json!({"title": " ", "priority": "huge", "tags": [1], "due_date": "soon"});
        let (failure, is_error) = call(&app, &s, "add_task", args).await;
        assert!(is_error);
        assert_eq!(failure["code"], "validation_failed");
        assert!(failure["detail"].is_string());
        let fields: Vec<&str> = failure["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["/title", "/priority", "/tags/0", "/due_date"]);

        let args = json!({"limit": 0, "sort": "size", "due_before": "never"});
        let (failure, is_error) = call(&app, &s, "list_tasks", args).await;
        assert!(is_error);
        assert_eq!(failure["errors"].as_array().unwrap().len(), 3, "{failure}");

        let missing = "01890000-0000-7000-8000-000000000000";
        let (failure, is_error) = call(&app, &s, "get_task", json!({"task_id": missing})).await;
        assert!(is_error);
        assert_eq!(failure["code"], "task_not_found");

        let (task, _) = call(&app, &s, "add_task", json!({"title": "t"})).await;
        let args = json!({"task_id": task["id"], "title": "u", "if_match": "\"stale\""});
        let (failure, is_error) = call(&app, &s, "update_task", args).await;
        assert!(is_error);
        assert_eq!(failure["code"], "precondition_failed");

        let answer = rpc(&app, &s, "tools/call", json!({"name": "no_such_tool"})).await;
        assert!(
            answer["error"]["code"].is_i64(),
            "an unknown tool is a JSON-RPC error: {answer}"
        );
    }
);

backend_test!(
    one_users_token_never_reaches_anothers_tasks,
    |app| async move {
        let (a, b) = (app.sign_up().await, app.sign_up().await);
        let (task, _) = call(
            &app,
            &a,
            "add_task",
            json!({"title": "a's", "completed": true}),
        )
        .await;
        let id = task["id"].clone();
        let (page, _) = call(&app, &b, "list_tasks", json!({})).await;
        assert_eq!(page["total"], 0);
        for (tool, args) in [
            ("get_task", json!({"task_id": id})),
            ("update_task", json!({"task_id": id, "title": "b's now"})),
            ("complete_task", json!({"task_id": id, "completed": false})),
            ("delete_task", json!({"task_id": id})),
        ] {
            let (failure, is_error) = call(&app, &b, tool, args).await;
            assert!(is_error, "{tool}");
            assert_eq!(failure["code"], "task_not_found", "{tool}");
        }
        let (cleared, _) = call(&app, &b, "clear_completed", json!({})).await;
        assert_eq!(cleared["deleted"], 0);
        let id = id.as_str().unwrap();
        assert_eq!(app.get_task(&a, id).await, task, "a's task is untouched");
    }
);

backend_test!(
    without_a_valid_token_the_answer_names_where_tokens_come_from,
    |app| async move {
        let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
        for token in [None, Some("not-a-token")] {
            let resp = post(&app, token, list.clone()).await;
            let challenge = resp.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .to_owned();
            let metadata = format!("{}/.well-known/oauth-protected-resource", app.base);
            assert!(challenge.starts_with("Bearer "), "{challenge}");
            assert!(
                challenge.contains(&format!(r#"resource_metadata="{metadata}""#)),
                "{challenge}"
            );
            assert_eq!(
                challenge.contains("invalid_token"),
                token.is_some(),
                "{challenge}"
            );
            assert_problem(resp, 401, "invalid_token").await;
        }
        let get = |path: &str| app.request(Method::GET, path).send();
        let resource: Value = get("/.well-known/oauth-protected-resource")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(resource["resource"], format!("{}/mcp", app.base));
        let server = resource["authorization_servers"][0]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(server, app.base);
        let issuer: Value = get("/.well-known/oauth-authorization-server")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(issuer["issuer"], server);
        let token_endpoint = issuer["token_endpoint"].as_str().unwrap();
        assert_eq!(token_endpoint, format!("{}/api/auth/token", app.base));
        assert_eq!(issuer["grant_types_supported"], json!(["password"]));
    }
);

backend_test!(
    an_origin_the_api_refuses_is_refused_here_too,
    |app| async move {
        let s = app.sign_up().await;
        let resp = app
            .request(Method::POST, "/mcp")
            .header("origin", "https://evil.test")
            .header("accept", "application/json, text/event-stream")
            .bearer_auth(&s.token)
            .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
            .send()
            .await
            .unwrap();
        assert_problem(resp, 403, "origin_not_allowed").await;
    }
);

backend_test!(
    each_tool_is_counted_under_its_own_name,
    |backend: Backend| async move {
        let app = TestApp::with(backend, |s| s.metrics_addr = Some("127.0.0.1:0".into())).await;
        let s = app.sign_up().await;
        call(&app, &s, "add_task", json!({"title": "counted"})).await;
        call(&app, &s, "list_tasks", json!({})).await;
        call(&app, &s, "list_tasks", json!({"limit": 0})).await;
        rpc(&app, &s, "tools/call", json!({"name": "no_such_tool"})).await;
        let scrape = scrape(&app.client, app.metrics.unwrap()).await;
        let count = |operation: &str| {
            let labels = format!(r#"{{operation="{operation}",status="200"}}"#);
            sample(&scrape, "tasks_api_http_requests_total", &labels)
        };
        assert_eq!(count("add_task"), Some(1.0), "{scrape}");
        assert_eq!(count("list_tasks"), Some(2.0));
        assert_eq!(count("mcp_unknown_tool"), Some(1.0));
        assert_eq!(
            count("createTask"),
            None,
            "the REST operation is not counted twice"
        );
    }
);

backend_test!(
    a_body_over_the_limit_is_refused_as_on_rest,
    |app| async move {
        let s = app.sign_up().await;
        let title = "x".repeat(70 * 1024);
        let params = json!({"name": "add_task", "arguments": {"title": title}});
        let message = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params});
        let resp = post(&app, Some(&s.token), message).await;
        assert_problem(resp, 413, "payload_too_large").await;
        let (page, _) = call(&app, &s, "list_tasks", json!({})).await;
        assert_eq!(page["total"], 0);
    }
);
