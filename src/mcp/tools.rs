//! The tools: each names the REST operation it is (by operationId) and says
//! what a model needs to use it well; its schemas come from that
//! operation's declaration (`schema::operation`).
use std::sync::Arc;

use rmcp::model::{Tool, ToolAnnotations};
use serde_json::{Map, Value, json};

use super::schema::{self, Operation};

/// What a tool is beyond its operation.
pub struct ToolDef {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub operation_id: &'static str,
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    /// Query parameters the tool sets itself.
    pub fixed: &'static [(&'static str, &'static str)],
    /// Arguments whose default differs from the operation's.
    pub defaults: &'static [(&'static str, bool)],
}

const ETAG: &str = " The result's `_meta.etag` is the task's version: pass it as \
`if_match` to a later update_task, complete_task or delete_task to change the task only if \
nobody changed it meanwhile.";

pub const TOOLS: &[ToolDef] = &[
    ToolDef {
        name: "list_tasks",
        title: "List tasks",
        description: "One page of the user's tasks, newest first by default, with `total` \
(how many match across all pages). Filters combine: `status` (all, pending, completed), `q` \
(text in the title or description), `priority` (any of a list), `tag` (every one of a list), \
`due_before` / `due_after` (RFC 3339 date-times), `overdue` (true: open tasks past their due \
date). Sort with `sort` (created_at, updated_at, due_date, priority, title) and `order` (asc, \
desc). Page with `limit` (1 to 100, default 50) and `offset`: the next page is `offset + \
limit` while that is below `total`.",
        operation_id: "listTasks",
        read_only: true,
        destructive: false,
        idempotent: true,
        fixed: &[],
        defaults: &[],
    },
    ToolDef {
        name: "get_task",
        title: "Get a task",
        description: "One task of the user by its id (a UUID from list_tasks or add_task).",
        operation_id: "getTask",
        read_only: true,
        destructive: false,
        idempotent: true,
        fixed: &[],
        defaults: &[],
    },
    ToolDef {
        name: "add_task",
        title: "Add a task",
        description: "Creates a task and returns it. Only `title` is required; priority \
defaults to medium, `due_date` is an RFC 3339 date-time, `recurrence` daily, weekly or \
monthly (completing a recurring task creates its next occurrence). Pass an \
`idempotency_key` to make a retry safe: the same key with the same arguments returns the \
first task instead of adding another.",
        operation_id: "createTask",
        read_only: false,
        destructive: false,
        idempotent: false,
        fixed: &[],
        defaults: &[],
    },
    ToolDef {
        name: "update_task",
        title: "Update a task",
        description: "Changes the fields given and leaves every other as it is; `due_date` \
or `recurrence` set to null clears it. `tags` replaces every tag.",
        operation_id: "updateTask",
        read_only: false,
        destructive: false,
        idempotent: true,
        fixed: &[],
        defaults: &[],
    },
    ToolDef {
        name: "complete_task",
        title: "Complete a task",
        description: "Marks a task done (`completed` true, the default) or open again \
(`completed` false). Completing a recurring task creates its next occurrence, named in the \
result's `next_task_id`.",
        operation_id: "setTaskCompletion",
        read_only: false,
        destructive: false,
        idempotent: true,
        fixed: &[],
        defaults: &[("completed", true)],
    },
    ToolDef {
        name: "delete_task",
        title: "Delete a task",
        description: "Deletes one task for good. Confirm with the user first.",
        operation_id: "deleteTask",
        read_only: false,
        destructive: true,
        idempotent: false,
        fixed: &[],
        defaults: &[],
    },
    ToolDef {
        name: "clear_completed",
        title: "Delete completed tasks",
        description: "Deletes every completed task of the user and says how many. \
Confirm with the user first.",
        operation_id: "deleteCompletedTasks",
        read_only: false,
        destructive: true,
        idempotent: true,
        fixed: &[("status", "completed")],
        defaults: &[],
    },
];

/// A tool, ready to list and to call.
pub struct Ready {
    pub def: &'static ToolDef,
    pub operation: Operation,
    pub tool: Tool,
}

/// Every tool, its schemas read from `spec`; `None` when an operation a
/// tool names is not in it.
pub fn ready(spec: &Value) -> Option<Vec<Ready>> {
    TOOLS.iter().map(|def| one(spec, def)).collect()
}

fn one(spec: &Value, def: &'static ToolDef) -> Option<Ready> {
    let fixed: Vec<&str> = def.fixed.iter().map(|(name, _)| *name).collect();
    let mut operation = schema::operation(spec, def.operation_id, &fixed)?;
    for (name, default) in def.defaults {
        let member = operation
            .input
            .get_mut("properties")
            .and_then(|properties| properties.get_mut(*name))
            .and_then(Value::as_object_mut)?;
        member.insert("default".into(), json!(default));
    }
    // A bodiless success (204) says which task is gone.
    let output = operation
        .output
        .clone()
        .unwrap_or_else(|| deleted_schema(spec));
    // The tools of one task answer with its version.
    let description = if operation.path.contains("{task_id}") {
        format!("{}{ETAG}", def.description)
    } else {
        def.description.to_owned()
    };
    let annotations = ToolAnnotations::with_title(def.title)
        .read_only(def.read_only)
        .destructive(def.destructive)
        .idempotent(def.idempotent)
        .open_world(false);
    let tool = Tool::new(def.name, description, Arc::new(operation.input.clone()))
        .with_title(def.title)
        .with_raw_output_schema(Arc::new(output))
        .with_annotations(annotations);
    Some(Ready {
        def,
        operation,
        tool,
    })
}

/// The output of a delete: the id of the task deleted, typed as the
/// operation's own `task_id` parameter.
fn deleted_schema(spec: &Value) -> Map<String, Value> {
    let id = schema::operation(spec, "deleteTask", &[])
        .map(|op| op.input["properties"]["task_id"].clone())
        .unwrap_or_default();
    let mut properties = Map::new();
    properties.insert("deleted".into(), id);
    schema::object(properties, vec!["deleted".into()])
}
