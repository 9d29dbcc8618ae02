#!/usr/bin/env python3
"""Event-stream clients and checks for scripts/cluster.sh.
Standard library only; talks to loopback addresses only.

Subcommands
  fanout   a stream of one user opened directly on every instance and one
           through the proxy; creates, updates and deletes made through each
           instance in turn; every stream must get every write once, in
           order, within --max-latency seconds
  survive  streams through the proxy while writes go through it; the script
           calling this SIGKILLs the instance named in --ready-file and then
           writes --killed-file; the streams that break reconnect through the
           proxy with Last-Event-ID, and in the end every stream must have
           got every change once, in order, exactly as the change feed has it

Every stream starts with `Last-Event-ID` set to the feed's cursor from just
before the first write, so each one must end with exactly the changes the
feed lists after that cursor (its ground truth), ids included. Each write of
`survive` touches a task no other write of the run touches (a create, or the
update or the deletion of a task made beforehand): the feed keeps a task's
latest change only, so this is what makes "every write arrives once" exact
even for a stream that catches up after a reconnect.

The stream client and its parser are in sse.py (scripts/bench/streams.py
uses them too).
"""

import argparse
import json
import os
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
from helpers import Client, die, loopback_only, percentile, sign_up  # noqa: E402
from sse import call, compare, feed, key, must, open_streams, write_json  # noqa: E402


# ------------------------------------------------------------------ fanout

def cmd_fanout(a):
    instances = [loopback_only(u) for u in a.instances.split(",")]
    proxy = loopback_only(a.proxy)
    clients = [Client(u, a.source) for u in instances]
    user = sign_up(clients[0])
    _, start = feed(clients[0], user)
    deadline = time.time() + a.max_seconds
    specs = [(f"instance {i + 1}", u, None) for i, u in enumerate(instances)]
    streams = open_streams(specs + [("nginx", proxy, None)], user, start, deadline, a.source)
    served_by = [urllib.parse.urlsplit(u).netloc for u in instances] + [streams[-1].upstream()]
    written, cross, latencies = [], [], []
    problems = fan_writes(a, clients, user, streams, served_by, written, latencies, cross)
    time.sleep(a.settle)  # room for a duplicate to show up
    for s in streams:
        s.close()
    # Every stream: the writes, in order, each once, under the same ids.
    ids = [e[1] for e in streams[0].events]
    if len(set(ids)) != len(ids):
        problems.append(f"{streams[0].name_}: an id came twice")
    for s in streams:
        if [(e[2], e[3]) for e in s.events] != written:
            problems.append(f"{s.name_}: {len(s.events)} events, not the {len(written)} "
                            "writes in order")
        elif [e[1] for e in s.events] != ids:
            problems.append(f"{s.name_}: the ids differ from {streams[0].name_}'s")
    # The feed keeps a task's last change: here each task's deletion, under
    # the id its event had.
    truth, _ = feed(clients[0], user, start)
    deletions = [(e[1], e[2], e[3]) for e in streams[0].events if e[2] == "task.deleted"]
    if [key(c) for c in truth] != deletions:
        problems.append(f"the feed's {len(truth)} changes are not the streams' deletions")
    print(f"  {len(written)} writes through {len(instances)} instances in turn, "
          f"{len(streams)} streams (on {', '.join(served_by)}): each got "
          f"{', '.join(str(len(s.events)) for s in streams)} events; delivery p50 "
          f"{(percentile(latencies, 50) or 0.0) * 1000:.1f} ms, "
          f"max {max(latencies or [0]) * 1000:.1f} ms; "
          f"from another instance {len(cross)} deliveries, max {max(cross or [0]) * 1000:.1f} ms")
    for p in problems[:20]:
        print(f"  FAIL: {p}")
    write_json(a.figures, {"writes": len(written), "streams": len(streams),
                           "deliveries": len(latencies), "cross_instance": len(cross),
                           "p50_ms": round((percentile(latencies, 50) or 0.0) * 1000, 1),
                           "max_ms": round(max(latencies or [0]) * 1000, 1),
                           "cross_max_ms": round(max(cross or [0]) * 1000, 1),
                           "problems": len(problems)})
    sys.exit(1 if problems else 0)


def fan_writes(a, clients, user, streams, served_by, written, latencies, cross):
    """Creates, updates and deletes through each instance in turn. Each write
    is sent only once the one before has reached every stream, so that no
    stream can read two changes of a task as one."""
    base = f"/api/{user['id']}/tasks"
    hosts = [f"{c.host}:{c.port}" for c in clients]
    for rnd in range(a.rounds):
        for i, client in enumerate(clients):
            title, task = f"fanout {rnd}.{i}", None
            for kind in ("task.created", "task.updated", "task.deleted"):
                if kind == "task.created":
                    res = must(call(client, user, "POST", base, {"title": title}), 201, "create")
                    task = res["json"]["id"]
                elif kind == "task.updated":
                    res = call(client, user, "PATCH", f"{base}/{task}", {"title": title + "!"})
                    must(res, 200, "update")
                else:
                    res = call(client, user, "DELETE", f"{base}/{task}")
                    must(res, 204, "delete")
                written.append((kind, task))
                n, problems = len(written), []
                for s, host in zip(streams, served_by):
                    if not s.wait_for(n, res["t0"] + a.max_latency):
                        problems.append(f"{s.name_}: {kind} of {task} through instance "
                                        f"{i + 1} not received within {a.max_latency} s")
                        continue
                    at, _, got_kind, got_task, _ = s.events[n - 1]
                    if (got_kind, got_task) != (kind, task):
                        problems.append(f"{s.name_}: event {n} is {got_kind} {got_task}, "
                                        f"expected {kind} {task}")
                    latencies.append(at - res["t0"])
                    if host != hosts[i]:
                        cross.append(at - res["t0"])
                if problems:
                    return problems
    return []


# ----------------------------------------------------------------- survive

class Writer(threading.Thread):
    """Writes through the proxy every `interval` seconds, each to a task no
    other write touches: creates, and updates and deletions of `pre`."""

    def __init__(self, url, source, user, pre, interval, limit):
        super().__init__(daemon=True)
        self.client, self.user = Client(url, source), user
        self.updates, self.deletes = pre[0::2], pre[1::2]
        self.interval, self.limit = interval, limit
        self.records, self.stop = [], threading.Event()

    def run(self):
        base = f"/api/{self.user['id']}/tasks"
        n, next_at = 0, time.time()
        while not self.stop.is_set() and n < self.limit:
            n += 1
            op = ("create", "update", "delete")[n % 3]
            if op == "update" and self.updates:
                task = self.updates.pop()
                res = call(self.client, self.user, "PATCH", f"{base}/{task}", {"title": f"w{n}"})
                rec = ("task.updated", task, 200)
            elif op == "delete" and self.deletes:
                task = self.deletes.pop()
                res = call(self.client, self.user, "DELETE", f"{base}/{task}")
                rec = ("task.deleted", task, 204)
            else:
                res = call(self.client, self.user, "POST", base, {"title": f"w{n}"})
                task = (res.get("json") or {}).get("id") if res.get("status") == 201 else None
                rec = ("task.created", task, 201)
            self.records.append({
                "kind": rec[0], "task": rec[1], "ok": res.get("status") == rec[2],
                "status": res.get("status"), "err": (res.get("error") or "")[:80],
                "up": (res.get("headers") or {}).get("x-upstream", ""),
                "t0": res["t0"], "t1": res["t1"]})
            next_at += self.interval
            self.stop.wait(max(0.0, next_at - time.time()))
        self.client.close()


def cmd_survive(a):
    proxy = loopback_only(a.proxy)
    client = Client(proxy, a.source)
    user = sign_up(client)
    base = f"/api/{user['id']}/tasks"
    pre = [must(call(client, user, "POST", base, {"title": f"pre {k}"}), 201, "create")["json"]["id"]
           for k in range(a.pre)]
    _, start = feed(client, user)
    deadline = time.time() + a.max_seconds
    specs = [(f"stream {k + 1}", proxy, proxy) for k in range(a.streams)]
    streams = open_streams(specs, user, start, deadline, a.source)
    first = [s.upstream() for s in streams]
    victim = max(sorted(set(first)), key=first.count)
    writer = Writer(proxy, a.source, user, pre, a.interval, a.max_writes)
    writer.start()
    with open(a.ready_file + ".tmp", "w") as f:
        json.dump({"victim": victim, "upstreams": first}, f)
    os.replace(a.ready_file + ".tmp", a.ready_file)
    killed = None
    while time.time() < deadline and writer.is_alive():
        if os.path.exists(a.killed_file):
            with open(a.killed_file) as f:
                killed = json.load(f)
            break
        time.sleep(0.05)
    if killed is None:
        writer.stop.set()
        die("the instance was not killed in time")
    time.sleep(a.after)
    writer.stop.set()
    writer.join(15)
    truth, _ = feed(client, user, start)
    for s in streams:
        s.wait_for(len(truth), time.time() + a.max_latency)
    time.sleep(a.settle)
    for s in streams:
        s.close()
    problems = survive_checks(a, streams, first, victim, writer.records, truth, killed)
    sys.exit(1 if problems else 0)


def survive_checks(a, streams, first, victim, records, truth, killed):
    problems = []
    on_victim = [s for s, up in zip(streams, first) if up == victim]
    moved = [s for s in on_victim
             if s.breaks and any(c[2] == 200 and c[3] != victim for c in s.connects[1:])]
    if not on_victim:
        problems.append(f"no stream was served by the victim {victim}")
    for s in on_victim:
        if s not in moved:
            problems.append(f"{s.name_} (on the victim) did not reconnect elsewhere: "
                            f"{s.breaks} {s.connects}")
    for s in streams:
        if s not in on_victim and s.breaks:
            problems.append(f"{s.name_} (on {s.connects[0][3]}) broke too: {s.breaks}")
        problems.extend(compare(s, truth))
    in_truth = {(c["type"], key(c)[2]) for c in truth}
    acked = [r for r in records if r["ok"]]
    lost = [r for r in acked if (r["kind"], r["task"]) not in in_truth]
    problems.extend(f"acknowledged {r['kind']} of {r['task']} is not in the feed" for r in lost)
    attempted = {(r["kind"], r["task"]) for r in records if r["task"]}
    unknown = [c for c in truth if (c["type"], key(c)[2]) not in attempted
               and c["type"] != "task.created"]
    problems.extend(f"the feed has a change nobody made: {key(c)}" for c in unknown)
    failed = [r for r in records if not r["ok"]]
    for r in failed:
        spans = r["t0"] <= killed["gone"] + 0.05 and r["t1"] >= killed["killed"] - 0.05
        if not (spans and victim in r["up"]):
            problems.append(f"a write not in flight on the victim failed: {r}")
    arrivals = {}
    for s in streams:
        for at, _, kind, task, _ in s.events:
            arrivals.setdefault((kind, task), []).append(at)
    waits = [at - r["t0"] for r in acked for at in arrivals.get((r["kind"], r["task"]), [])]
    slow = [w for w in waits if w > a.max_latency]
    if slow:
        problems.append(f"{len(slow)} deliveries took over {a.max_latency} s (max {max(slow):.2f} s)")
    after = [r for r in records if r["t0"] > killed["gone"]]
    gaps = [next(c[0] for c in s.connects[1:] if c[2] == 200) - s.breaks[0][0] for s in moved]
    refused = sum(1 for s in moved for c in s.connects[1:] if c[2] != 200)
    print(f"  {len(streams)} streams through nginx on {', '.join(first)}; victim {victim} "
          f"({len(on_victim)} streams), {len(moved)} reconnected elsewhere with Last-Event-ID "
          f"within {max(gaps or [0]) * 1000:.0f} ms of the break ({refused} attempts refused)")
    print(f"  writes {len(records)} ({len(after)} after the kill), acknowledged {len(acked)}, "
          f"failed {len(failed)} (in flight at the kill); the feed after the first cursor: "
          f"{len(truth)} changes; events per stream: "
          f"{', '.join(str(len(s.events)) for s in streams)}; delivery p50 "
          f"{(percentile(waits, 50) or 0.0) * 1000:.1f} ms, "
          f"p99 {(percentile(waits, 99) or 0.0) * 1000:.1f} ms, "
          f"max {max(waits or [0]) * 1000:.1f} ms")
    for p in problems[:20]:
        print(f"  FAIL: {p}")
    write_json(a.figures, {"streams": len(streams), "on_victim": len(on_victim),
                           "reconnected": len(moved), "writes": len(records),
                           "reconnect_max_ms": round(max(gaps or [0]) * 1000),
                           "reconnects_refused": refused,
                           "writes_after_kill": len(after), "acknowledged": len(acked),
                           "failed": len(failed), "changes": len(truth),
                           "p50_ms": round((percentile(waits, 50) or 0.0) * 1000, 1),
                           "p99_ms": round((percentile(waits, 99) or 0.0) * 1000, 1),
                           "max_ms": round(max(waits or [0]) * 1000, 1),
                           "problems": len(problems)})
    return problems


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    f = sub.add_parser("fanout")
    f.add_argument("--instances", required=True, help="comma-separated base URLs")
    f.add_argument("--proxy", required=True)
    f.add_argument("--rounds", type=int, default=2)
    f.add_argument("--max-latency", type=float, default=5.0)
    f.add_argument("--max-seconds", type=float, default=120)
    f.add_argument("--settle", type=float, default=0.5)
    f.add_argument("--source", help="local address to send from (127.x.y.z)")
    f.add_argument("--figures")
    f.set_defaults(fn=cmd_fanout)

    s = sub.add_parser("survive")
    s.add_argument("--proxy", required=True)
    s.add_argument("--streams", type=int, default=5,
                   help="at most MAX_STREAMS_PER_USER, so that all fit on one instance")
    s.add_argument("--pre", type=int, default=120, help="tasks made before the streams open")
    s.add_argument("--interval", type=float, default=0.03, help="seconds between writes")
    s.add_argument("--max-writes", type=int, default=400)
    s.add_argument("--after", type=float, default=3.0, help="seconds of writes after the kill")
    s.add_argument("--max-latency", type=float, default=5.0)
    s.add_argument("--max-seconds", type=float, default=90)
    s.add_argument("--settle", type=float, default=0.5)
    s.add_argument("--ready-file", required=True, help="written (JSON: victim) once streaming")
    s.add_argument("--killed-file", required=True,
                   help="written by the caller (JSON: killed, gone) after the SIGKILL")
    s.add_argument("--source")
    s.add_argument("--figures")
    s.set_defaults(fn=cmd_survive)

    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
