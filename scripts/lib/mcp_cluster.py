"""MCP tool calls spread over several instances (scripts/cluster.sh).

Usage: mcp_cluster.py --instances URL,URL,... --proxy URL

One user, signed up through the proxy, adds a task through each instance's
/mcp; every instance then lists all of them and reads each one added
through another; an update_task with the version (_meta.etag) one instance
gave succeeds through another, and the stale version then fails there as
precondition_failed; complete_task and delete_task go through the proxy,
and every instance's REST list agrees. Nothing is kept between requests,
so any instance must answer any call. Exits 1 on the first mismatch.
"""

import argparse
import sys

from helpers import Client, die, loopback_only, sign_up

HEADERS = {"Accept": "application/json, text/event-stream",
           "MCP-Protocol-Version": "2025-06-18"}


def tool(client, name, args):
    """The call's (structured content, is it an error, _meta)."""
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
               "params": {"name": name, "arguments": args}}
    res = client.request("POST", "/mcp", message, headers=HEADERS)
    if res.get("status") != 200 or "result" not in (res.get("json") or {}):
        die(f"{name} through {client.host}:{client.port}: {res.get('status')} {res.get('body')}")
    result = res["json"]["result"]
    return result["structuredContent"], bool(result.get("isError")), result.get("_meta") or {}


def expect(condition, what):
    if not condition:
        die(what)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", required=True)
    parser.add_argument("--proxy", required=True)
    args = parser.parse_args()
    proxy = Client(loopback_only(args.proxy))
    user = sign_up(proxy, prefix="mcp")
    proxy.token = user["token"]
    instances = [Client(loopback_only(url), token=user["token"])
                 for url in args.instances.split(",")]
    added = []
    for n, client in enumerate(instances, 1):
        task, failed, meta = tool(client, "add_task", {"title": f"via instance {n}"})
        expect(not failed, f"add_task through instance {n}: {task}")
        added.append((task, meta["etag"]))
    ids = sorted(task["id"] for task, _ in added)
    for n, client in enumerate(instances, 1):
        page, _, _ = tool(client, "list_tasks", {"limit": 100})
        expect(sorted(t["id"] for t in page["items"]) == ids, f"instance {n} lists {page}")
        other, _ = added[n % len(added)]
        got, failed, _ = tool(client, "get_task", {"task_id": other["id"]})
        expect(not failed and got == other, f"instance {n} reads {got}, not {other}")
    (first, etag), second, third = added[0], instances[1], instances[2 % len(instances)]
    updated, failed, _ = tool(second, "update_task",
                              {"task_id": first["id"], "title": "renamed", "if_match": etag})
    expect(not failed and updated["title"] == "renamed", f"update through instance 2: {updated}")
    stale, failed, _ = tool(third, "update_task",
                            {"task_id": first["id"], "title": "again", "if_match": etag})
    expect(failed and stale["code"] == "precondition_failed", f"stale If-Match: {stale}")
    done, failed, _ = tool(proxy, "complete_task", {"task_id": first["id"]})
    expect(not failed and done["completed"], f"complete through the proxy: {done}")
    gone, failed, _ = tool(proxy, "delete_task", {"task_id": added[1][0]["id"]})
    expect(not failed, f"delete through the proxy: {gone}")
    for n, client in enumerate(instances, 1):
        res = client.request("GET", f"/api/{user['id']}/tasks?limit=100")
        items = {t["id"]: t for t in res["json"]["items"]}
        expect(len(items) == len(ids) - 1 and items[first["id"]]["completed"],
               f"instance {n}'s REST list: {res['json']}")
    calls = 2 * len(instances) + len(instances) + 4
    print(f"  {calls} tool calls through {len(instances)} instances and nginx agree")


if __name__ == "__main__":
    sys.exit(main())
