"""The official MCP Python SDK against a running server's /mcp.

Usage: client_test.py URL MODE   (MODE: "auto" probes the 2026-07-28
discovery, "legacy" forces the initialize handshake)
Environment: TOKEN_A and TOKEN_B, the access tokens of two fresh users.

It lists the tools, calls every one, checks every successful result
against the tool's output schema (and the text against the structured
content), that one user's token never reaches the other's tasks, that
fixable failures are error results with the REST codes, and the 401 with
its discovery documents. Prints "N passed, 0 failed" or exits non-zero.
"""

import asyncio
import json
import os
import sys

import httpx2
import jsonschema
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

TOOLS = {
    "list_tasks", "get_task", "add_task", "update_task",
    "complete_task", "delete_task", "clear_completed",
}

checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1


def connect(url, mode, token):
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return Client(streamable_http_client(url, http_client=http), mode=mode)


class Session:
    """One user's connection: calls tools and checks each result's shape."""

    def __init__(self, client):
        self.client = client
        self.schemas = {}

    async def list(self):
        tools = (await self.client.list_tools()).tools
        for tool in tools:
            self.schemas[tool.name] = tool.output_schema
        return tools

    async def call(self, name, args):
        result = await self.client.call_tool(name, args)
        structured = result.structured_content
        check(json.loads(result.content[0].text) == structured,
              f"{name}: the text is the structured content")
        if not result.is_error:
            jsonschema.Draft202012Validator(self.schemas[name]).validate(structured)
            check(True, f"{name}: matches its output schema")
        return structured, bool(result.is_error)


async def tools_and_calls(url, mode):
    async with connect(url, mode, os.environ["TOKEN_A"]) as a_client, \
            connect(url, mode, os.environ["TOKEN_B"]) as b_client:
        version = a_client.protocol_version
        # "auto" reaches the newest revision; "legacy" stays before it.
        check((version == "2026-07-28") == (mode == "auto"), f"negotiated {version}")
        check(version in ("2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"), version)
        a, b = Session(a_client), Session(b_client)
        tools = await a.list()
        await b.list()
        check({t.name for t in tools} == TOOLS, f"tools: {[t.name for t in tools]}")
        for tool in tools:
            hints = tool.annotations
            check(tool.title and tool.description and hints is not None, tool.name)
            check(hints.open_world_hint is False, f"{tool.name}: closed world")
            check(hints.read_only_hint == (tool.name in ("list_tasks", "get_task")), tool.name)
            jsonschema.Draft202012Validator.check_schema(tool.input_schema)
            jsonschema.Draft202012Validator.check_schema(tool.output_schema)

        task, failed = await a.call("add_task", {
            "title": "Dentist", "priority": "high", "tags": ["Health"],
            "due_date": "2030-01-04T09:00:00Z", "recurrence": "weekly",
            "idempotency_key": f"mcp-{mode}"})
        check(not failed and task["tags"] == ["health"], f"add_task: {task}")
        again, _ = await a.call("add_task", {
            "title": "Dentist", "priority": "high", "tags": ["Health"],
            "due_date": "2030-01-04T09:00:00Z", "recurrence": "weekly",
            "idempotency_key": f"mcp-{mode}"})
        check(again["id"] == task["id"], "a retried add_task with its key adds nothing")
        tid = task["id"]
        got, _ = await a.call("get_task", {"task_id": tid})
        check(got == task, "get_task reads what add_task wrote")
        page, _ = await a.call("list_tasks", {"tag": ["health"], "priority": ["high"], "limit": 1})
        check(page["total"] == 1 and page["items"][0]["id"] == tid, f"list_tasks: {page}")
        updated, _ = await a.call("update_task", {"task_id": tid, "due_date": None})
        check(updated["due_date"] is None and updated["title"] == "Dentist", "null clears, absent stays")
        done, _ = await a.call("complete_task", {"task_id": tid})
        check(done["completed"] and done["next_task_id"], "completing a weekly task books the next")

        # Isolation: b sees none of a's tasks and cannot touch them.
        page, _ = await b.call("list_tasks", {})
        check(page["total"] == 0, "b lists none of a's tasks")
        for name, args in [("get_task", {"task_id": tid}),
                           ("update_task", {"task_id": tid, "title": "b's"}),
                           ("complete_task", {"task_id": tid, "completed": False}),
                           ("delete_task", {"task_id": tid})]:
            failure, failed = await b.call(name, args)
            check(failed and failure["code"] == "task_not_found", f"b's {name}: {failure}")
        cleared, _ = await b.call("clear_completed", {})
        check(cleared == {"deleted": 0}, "b clears none of a's tasks")

        # Fixable failures: the REST codes, every bad argument at once.
        failure, failed = await a.call("add_task", {"title": " ", "priority": "huge", "tags": [1]})
        fields = [e["field"] for e in failure.get("errors", [])]
        check(failed and failure["code"] == "validation_failed", f"{failure}")
        check(fields == ["/title", "/priority", "/tags/0"], f"every argument: {fields}")
        failure, failed = await a.call("list_tasks", {"limit": 0, "sort": "size"})
        check(failed and len(failure["errors"]) == 2, f"list_tasks: {failure}")
        failure, failed = await a.call("update_task", {"task_id": tid, "title": "x", "if_match": '"old"'})
        check(failed and failure["code"] == "precondition_failed", f"if_match: {failure}")

        cleared, _ = await a.call("clear_completed", {})
        check(cleared == {"deleted": 1}, f"clear_completed: {cleared}")
        gone, _ = await a.call("delete_task", {"task_id": done["next_task_id"]})
        check(gone == {"deleted": done["next_task_id"]}, f"delete_task: {gone}")
        page, _ = await a.call("list_tasks", {})
        check(page["total"] == 0, "a's tasks are all gone")
        try:
            await a_client.call_tool("no_such_tool", {})
            check(False, "an unknown tool is refused")
        except Exception as err:  # the SDK raises the JSON-RPC error
            check("no_such_tool" in str(err), f"unknown tool: {err}")


async def discovery(url):
    async with httpx2.AsyncClient(timeout=30) as http:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        headers = {"Accept": "application/json, text/event-stream",
                   "Authorization": "Bearer not-a-token"}
        resp = await http.post(url, json=body, headers=headers)
        check(resp.status_code == 401, f"401, not {resp.status_code}")
        challenge = resp.headers["www-authenticate"]
        check(challenge.startswith("Bearer ") and "resource_metadata=" in challenge, challenge)
        metadata = challenge.split('resource_metadata="')[1].split('"')[0]
        resource = (await http.get(metadata)).json()
        check(resource["resource"] == url, f"resource: {resource}")
        server = resource["authorization_servers"][0]
        issuer = (await http.get(f"{server}/.well-known/oauth-authorization-server")).json()
        check(issuer["issuer"] == server and "password" in issuer["grant_types_supported"], f"{issuer}")
        token = await http.post(issuer["token_endpoint"], data={
            "grant_type": "password", "username": "nobody@example.com", "password": "wrong-password"})
        check(token.status_code in (400, 401), f"the token endpoint answers: {token.status_code}")


def main():
    url, mode = sys.argv[1], sys.argv[2]
    try:
        asyncio.run(tools_and_calls(url, mode))
        asyncio.run(discovery(url))
    except Exception as err:
        print(f"mcp client ({mode}): {type(err).__name__}: {err}", file=sys.stderr)
        print(f"mcp ({mode}): {checks} passed, 1 failed")
        sys.exit(1)
    print(f"mcp ({mode}): {checks} passed, 0 failed")


if __name__ == "__main__":
    main()
