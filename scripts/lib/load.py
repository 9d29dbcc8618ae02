#!/usr/bin/env python3
"""Load driver and checkers for the failure tests (scripts/chaos.sh,
scripts/cluster.sh). Standard library only; talks to loopback addresses only.

Subcommands
  run      drive a bounded mixed load (count AND time), journal every request
  verify   check a journal against the server: every acknowledged write is
           there, nothing refused is half-applied, nothing appeared twice
  slow     requests whose bodies are still arriving when the server stops
  drain / phases / kill   check a journal against a graceful shutdown, a
           database outage, or the SIGKILL of one instance behind a proxy
  probe    one GET with an expected status and a time limit
  ready    poll /health/ready until it answers 200 (bounded)
  race     If-Match race: the same ETag sent to two instances at once
  limits   auth rate limits shared by several instances (and behind a proxy)

The load model. Each worker thread owns the tasks it creates, so the writes to
one task are sequential and the driver knows the state every acknowledged
write left it in. When a write gets no clean answer (a refusal, an error, a
dropped connection) its outcome is uncertain: the worker retires that task,
remembering both the state before and the state after, and `verify` accepts
either, but nothing else. A create that was not acknowledged is retried by
`verify` with the same Idempotency-Key and body: afterwards exactly one task
must carry its title (two would mean it was applied and its key lost, i.e.
half-applied; none would mean the retry was not honoured).

Outcome of a request, as counted:
  ok          the expected 2xx (a write answered so is "acknowledged")
  refused     503 problem+json `database_unavailable` with Retry-After
  not_sent    the connection was refused: the server was not accepting
  failed      anything else: a dropped connection after it was accepted, a
              timeout, a 5xx other than the refusal above, an unexpected 4xx
A keep-alive connection the server closed while idle, detected before any
byte of a response arrived, is retried once on a fresh connection (what
every HTTP client does); that retry is the request's outcome.
"""

import argparse
import http.client
import json
import os
import random
import socket
import sys
import threading
import time
import urllib.parse
import uuid

PASSWORD = "correct horse battery staple"
TIMEOUT = 10.0
WRITE_OPS = {"create", "patch", "complete", "delete"}


def die(msg):
    print(f"load.py: {msg}", file=sys.stderr)
    sys.exit(2)


def loopback_only(url):
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        addr = socket.gethostbyname(host)
    except OSError:
        die(f"cannot resolve {host}")
    if not addr.startswith("127."):
        die(f"refusing to send load to {url}: loopback (127.0.0.0/8) only")
    return url.rstrip("/")


class Client:
    """One keep-alive HTTP/1.1 connection to one base URL."""

    def __init__(self, base, source=None, timeout=TIMEOUT):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.source = (source, 0) if source else None
        self.timeout = timeout
        self.conn = None
        self.stale_retries = 0

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _fresh(self):
        self.close()
        self.conn = http.client.HTTPConnection(
            self.host, self.port, timeout=self.timeout, source_address=self.source)
        self.conn.connect()

    def request(self, method, path, body=None, headers=None):
        """Returns a dict: status, headers, body, json, fresh, error, outcome
        ('response' | 'not_sent' | 'dropped' | 'timeout')."""
        headers = dict(headers or {})
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            fresh = self.conn is None
            try:
                if fresh:
                    self._fresh()
            except ConnectionRefusedError as err:
                self.close()
                return {"outcome": "not_sent", "error": repr(err), "fresh": True}
            except socket.timeout as err:
                self.close()
                return {"outcome": "timeout", "error": repr(err), "fresh": True}
            except OSError as err:
                self.close()
                return {"outcome": "not_sent", "error": repr(err), "fresh": True}
            got_bytes = False
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                resp = self.conn.getresponse()
                got_bytes = True
                data = resp.read()
                result = {
                    "outcome": "response",
                    "status": resp.status,
                    "headers": {k.lower(): v for k, v in resp.getheaders()},
                    "body": data,
                    "fresh": fresh,
                }
                if resp.getheader("connection", "").lower() == "close" or resp.will_close:
                    self.close()
                try:
                    result["json"] = json.loads(data) if data else None
                except ValueError:
                    result["json"] = None
                return result
            except socket.timeout as err:
                self.close()
                return {"outcome": "timeout", "error": repr(err), "fresh": fresh}
            except (http.client.HTTPException, OSError) as err:
                self.close()
                if not fresh and not got_bytes and attempt == 1:
                    # The server closed this idle keep-alive connection.
                    self.stale_retries += 1
                    continue
                return {"outcome": "dropped", "error": repr(err), "fresh": fresh}
        raise AssertionError("unreachable")


def classify(res, expected):
    if res["outcome"] == "not_sent":
        return "not_sent"
    if res["outcome"] != "response":
        return "failed"
    status = res["status"]
    if status in expected:
        return "ok"
    if status == 503:
        body = res.get("json") or {}
        ctype = res["headers"].get("content-type", "")
        if (body.get("code") == "database_unavailable"
                and ctype.startswith("application/problem+json")
                and res["headers"].get("retry-after")):
            return "refused"
    return "failed"


def sign_up(client, email=None):
    email = email or f"load-{uuid.uuid4().hex}@example.com"
    res = client.request("POST", "/api/auth/signup",
                         {"email": email, "password": PASSWORD, "name": "load"})
    if res.get("status") != 201:
        die(f"sign-up failed: {res.get('status')} {res.get('body') or res.get('error')}")
    body = res["json"]
    return {"email": email, "token": body["access_token"], "id": body["user"]["id"]}


# --------------------------------------------------------------------- run

class Worker(threading.Thread):
    def __init__(self, n, shared, user, rng_seed):
        super().__init__(daemon=True)
        self.n, self.shared, self.user = n, shared, user
        self.rng = random.Random(rng_seed)
        self.client = Client(shared["url"], shared["source"])
        self.auth = {"Authorization": f"Bearer {user['token']}"}
        self.base = f"/api/{user['id']}/tasks"
        self.live = []  # [task dict] with a known, single state
        self.records = []
        self.tasks = []  # every task this worker created (final model)
        self.unresolved = []  # creates without a clean answer
        self.seq = 0

    def take_ticket(self):
        with self.shared["lock"]:
            if self.shared["issued"] >= self.shared["max_requests"]:
                return False
            self.shared["issued"] += 1
            return True

    def pick(self):
        ops, weights = self.shared["ops"], self.shared["weights"]
        op = self.rng.choices(ops, weights)[0]
        if op != "create" and op != "list" and not self.live:
            op = "create"
        return op

    def send(self, op, method, path, body=None, headers=None, expected=(200,)):
        h = dict(self.auth)
        h.update(headers or {})
        t0 = time.time()
        res = self.client.request(method, path, body, h)
        t1 = time.time()
        outcome = classify(res, expected)
        rec = {"w": self.n, "op": op, "m": method, "t0": round(t0, 4), "t1": round(t1, 4),
               "st": res.get("status"), "o": outcome, "fresh": res.get("fresh")}
        hdrs = res.get("headers") or {}
        if "x-upstream" in hdrs:
            rec["up"] = hdrs["x-upstream"]
        if outcome != "ok":
            body_json = res.get("json")
            if isinstance(body_json, dict) and "code" in body_json:
                rec["code"] = body_json["code"]
            if res.get("error"):
                rec["err"] = res["error"][:160]
            if hdrs.get("retry-after"):
                rec["ra"] = hdrs["retry-after"]
        self.records.append(rec)
        return res, outcome, rec

    def retire(self, task, before, after):
        """An uncertain write: either state may be the final one."""
        self.live.remove(task)
        task["states"] = [before, after]

    def run(self):
        sh = self.shared
        while time.time() < sh["deadline"] and not sh["stop"].is_set():
            if sh["stop_file"] and os.path.exists(sh["stop_file"]):
                break
            if not self.take_ticket():
                break
            op = self.pick()
            outcome = self.step(op)
            if outcome == "not_sent" and sh["stop_when_refused"]:
                break
            if outcome in ("refused", "failed", "not_sent") and sh["backoff"]:
                time.sleep(sh["backoff"])
        self.client.close()

    def step(self, op):
        if op == "create":
            self.seq += 1
            title = f"{self.shared['run_id']}-w{self.n}-{self.seq}"
            body = {"title": title, "priority": self.rng.choice(["low", "medium", "high"]),
                    "tags": ["load"]}
            if self.seq % 3 == 0:
                # Completing it also creates its next occurrence: a write of
                # two rows that must be applied together or not at all.
                body["recurrence"] = "daily"
            key = uuid.uuid4().hex
            res, outcome, rec = self.send("create", "POST", self.base, body,
                                          {"Idempotency-Key": key}, expected=(201,))
            rec["title"] = title
            if outcome == "ok":
                t = res["json"]
                task = {"id": t["id"], "etag": res["headers"].get("etag"), "title": title,
                        "recurring": "recurrence" in body,
                        "completed": False, "acked_create": True, "user": self.user["id"],
                        "states": [{"exists": True, "title": title, "completed": False}]}
                self.live.append(task)
                self.tasks.append(task)
            else:
                self.unresolved.append({"key": key, "body": body, "title": title,
                                        "outcome": outcome, "status": res.get("status")})
            return outcome
        if op == "list":
            _, outcome, _ = self.send("list", "GET", f"{self.base}?limit=20")
            return outcome
        task = self.rng.choice(self.live)
        path = f"{self.base}/{task['id']}"
        before = {"exists": True, "title": task["title"], "completed": task["completed"]}
        if op == "get":
            res, outcome, rec = self.send("get", "GET", path)
            if outcome == "ok" and (res["json"] or {}).get("title") != task["title"]:
                rec["o"] = outcome = "failed"
                rec["err"] = f"read {res['json'].get('title')!r}, last acknowledged {task['title']!r}"
            return outcome
        cond = {"If-Match": task["etag"]} if task.get("etag") else {}
        if op == "patch":
            new_title = f"{task['title'].split('~')[0]}~{self.rng.randrange(10**6)}"
            res, outcome, _ = self.send("patch", "PATCH", path, {"title": new_title}, cond)
            after = dict(before, title=new_title)
            if outcome == "ok":
                task.update(title=new_title, etag=res["headers"].get("etag"))
                task["states"] = [after]
            else:
                self.retire(task, before, after)
            return outcome
        if op == "complete":
            res, outcome, _ = self.send("complete", "PATCH", f"{path}/complete",
                                        {"completed": True}, cond)
            after = dict(before, completed=True)
            if outcome == "ok":
                task.update(completed=True, etag=res["headers"].get("etag"))
                task["states"] = [after]
                if task.get("recurring"):
                    # Its next occurrence, created with the completion.
                    task["next"] = (res["json"] or {}).get("next_task_id")
            else:
                self.retire(task, before, after)
            return outcome
        if op == "delete":
            res, outcome, _ = self.send("delete", "DELETE", path, None, cond, expected=(204,))
            gone = {"exists": False}
            if outcome == "ok":
                self.live.remove(task)
                task["states"] = [gone]
                task["acked_delete"] = True
            else:
                self.retire(task, before, gone)
            return outcome
        raise ValueError(op)


def parse_mix(text):
    ops, weights = [], []
    for part in text.split(","):
        name, _, weight = part.partition("=")
        if name not in ("create", "get", "list", "patch", "complete", "delete"):
            die(f"unknown operation in --mix: {name}")
        ops.append(name)
        weights.append(float(weight or 1))
    return ops, weights


def summarise(records):
    s = {"sent": len(records), "ok": 0, "acknowledged": 0, "refused": 0,
         "not_sent": 0, "failed": 0}
    for r in records:
        s[r["o"]] = s.get(r["o"], 0) + 1
        if r["o"] == "ok" and r["op"] in WRITE_OPS:
            s["acknowledged"] += 1
    s["acknowledged_creates"] = sum(1 for r in records if r["o"] == "ok" and r["op"] == "create")
    return s


def cmd_run(a):
    url = loopback_only(a.url)
    setup = Client(url, a.source)
    users = [sign_up(setup) for _ in range(a.users)]
    setup.close()
    ops, weights = parse_mix(a.mix)
    shared = {"url": url, "source": a.source, "lock": threading.Lock(), "issued": 0,
              "max_requests": a.max_requests, "ops": ops, "weights": weights,
              "stop": threading.Event(), "stop_when_refused": a.stop_when_refused,
              "stop_file": a.stop_file,
              "backoff": a.backoff_ms / 1000.0, "run_id": a.run_id or uuid.uuid4().hex[:8]}
    workers = [Worker(i, shared, users[i % len(users)], a.seed * 1000 + i)
               for i in range(a.concurrency)]
    started = time.time()
    shared["deadline"] = started + a.max_seconds
    for w in workers:
        w.start()
    if a.ready_file:
        with open(a.ready_file, "w") as f:
            f.write(f"{started}\n")
    for w in workers:
        w.join(a.max_seconds + 2 * TIMEOUT + 5)
    if any(w.is_alive() for w in workers):
        die("a worker did not finish in time")
    ended = time.time()
    records = sorted((r for w in workers for r in w.records), key=lambda r: r["t0"])
    journal = {
        "url": url, "started": started, "ended": ended, "users": users,
        "records": records,
        "tasks": [t for w in workers for t in w.tasks],
        "unresolved": [dict(u, user=w.user["id"], token=w.user["token"])
                       for w in workers for u in w.unresolved],
        "stale_retries": sum(w.client.stale_retries for w in workers),
    }
    with open(a.journal, "w") as f:
        json.dump(journal, f)
    s = summarise(records)
    secs = ended - started
    print(f"load: {s['sent']} requests in {secs:.1f} s ({s['sent'] / max(secs, 1e-9):.0f}/s), "
          f"ok {s['ok']}, acknowledged writes {s['acknowledged']} "
          f"(creates {s['acknowledged_creates']}), refused 503 {s['refused']}, "
          f"not accepted {s['not_sent']}, failed {s['failed']}, "
          f"stale keep-alive retried {journal['stale_retries']}")


# ------------------------------------------------------------------ verify

def list_all(client, user, token):
    items, offset = [], 0
    auth = {"Authorization": f"Bearer {token}"}
    while True:
        res = client.request("GET", f"/api/{user}/tasks?limit=100&offset={offset}"
                             "&sort=created_at&order=asc", headers=auth)
        if res.get("status") != 200:
            die(f"listing tasks failed: {res.get('status')} {res.get('error') or res.get('body')}")
        page = res["json"]
        items.extend(page["items"])
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            return items


def cmd_verify(a):
    url = loopback_only(a.url)
    with open(a.journal) as f:
        j = json.load(f)
    client = Client(url)
    problems = []
    tokens = {u["id"]: u["token"] for u in j["users"]}

    # Creates without a clean answer: how many were applied anyway (a lost
    # acknowledgement), then retried with the same key and body.
    def by_title(user):
        out = {}
        for t in list_all(client, user, tokens[user]):
            out.setdefault(t["title"].split("~")[0], []).append(t)
        return out

    before = {u: by_title(u) for u in tokens}
    applied_anyway = sum(1 for u in j["unresolved"] if before[u["user"]].get(u["title"]))
    resolved = 0
    for u in j["unresolved"]:
        res = client.request("POST", f"/api/{u['user']}/tasks", u["body"],
                             {"Authorization": f"Bearer {u['token']}",
                              "Idempotency-Key": u["key"]})
        if res.get("status") == 201:
            resolved += 1
            j["tasks"].append({"id": res["json"]["id"], "user": u["user"], "title": u["title"],
                               "states": [{"exists": True, "title": u["title"],
                                           "completed": False}]})
        else:
            problems.append(f"retrying create {u['title']} with its key: "
                            f"{res.get('status')} {res.get('body') or res.get('error')}")

    # Compare every task's stored state with the states the journal allows.
    stored = {u: {t["id"]: t for t in list_all(client, u, tokens[u])} for u in tokens}
    acked_creates = found = acked_writes_checked = 0
    tracked = set()
    for t in j["tasks"]:
        tracked.add(t["id"])
        row = stored[t["user"]].get(t["id"])
        actual = ({"exists": True, "title": row["title"], "completed": row["completed"]}
                  if row else {"exists": False})
        ok = any(actual == s if s["exists"] else not actual["exists"] for s in t["states"])
        if t.get("acked_create"):
            acked_creates += 1
            if ok:
                found += 1
        if ok:
            acked_writes_checked += 1
        else:
            problems.append(f"task {t['id']} ({t['title']}): stored {actual}, "
                            f"allowed {t['states']}")
    # Completing a recurring task creates its next occurrence in the same
    # transaction: a completed recurring task names exactly one existing
    # next occurrence, and only completed ones do.
    occurrences = 0
    derived = {}
    for t in j["tasks"]:
        if t.get("recurring") and "next" in t:
            if not t["next"] or t["next"] not in stored[t["user"]]:
                problems.append(f"task {t['id']} ({t['title']}): its acknowledged completion "
                                f"named next occurrence {t['next']}, which is not there")
            else:
                derived[t["next"]] = 0
    for user, rows in stored.items():
        for row in rows.values():
            nxt = row.get("next_task_id")
            if row["completed"] and row.get("recurrence"):
                if not nxt or nxt not in rows:
                    problems.append(f"task {row['id']} ({row['title']}) was completed but its "
                                    "next occurrence is missing: half-applied")
                    continue
            if nxt:
                if not row["completed"]:
                    problems.append(f"task {row['id']} has a next occurrence but is not completed")
                derived[nxt] = derived.get(nxt, 0) + 1
    occurrences = len(derived)
    # Nothing may exist that no request of ours created, nor twice.
    titles = {}
    for user, rows in stored.items():
        for row in rows.values():
            if row["id"] in derived and row["id"] not in tracked:
                if derived[row["id"]] > 1:
                    problems.append(f"next occurrence {row['id']} is named by "
                                    f"{derived[row['id']]} tasks")
                continue
            titles.setdefault(row["title"].split("~")[0], []).append(row["id"])
            if row["id"] not in tracked:
                problems.append(f"untracked task {row['id']} ({row['title']}): a refused "
                                "create was applied without its idempotency record, or a "
                                "next occurrence without its completion")
    for title, ids in titles.items():
        if len(ids) > 1:
            problems.append(f"{len(ids)} tasks titled {title}: a create was applied twice")
    client.close()

    s = summarise(j["records"])
    figures = {**s, "found": found, "acknowledged_creates": acked_creates,
               "tasks_checked": len(j["tasks"]), "unresolved_creates": len(j["unresolved"]),
               "unresolved_applied_before_retry": applied_anyway,
               "unresolved_retried_ok": resolved, "next_occurrences": occurrences,
               "problems": len(problems)}
    if a.figures:
        with open(a.figures, "w") as f:
            json.dump(figures, f)
    print(f"verify: acknowledged creates {acked_creates}, found afterwards {found}; "
          f"tasks checked {len(j['tasks'])}; creates without a clean answer "
          f"{len(j['unresolved'])} (applied before retry {applied_anyway}, "
          f"retried with their key {resolved}); recurring completions with their next "
          f"occurrence {occurrences}; problems {len(problems)}")
    for p in problems[:20]:
        print(f"  LOSS/ERROR: {p}")
    sys.exit(1 if problems else 0)


# --------------------------------------------------------- analyse phases

def cmd_phases(a):
    """Checks a journal against phase marks (seconds since the epoch):
    before the outage nothing fails; during it every answer is a fast 503
    `database_unavailable`; after recovery nothing fails and writes succeed."""
    with open(a.journal) as f:
        j = json.load(f)
    recs = j["records"]
    down, up, ready = a.down, a.up, a.ready
    grace = a.settle
    problems = []
    phases = {"before": [], "transition": [], "outage": [], "recovering": [], "after": []}
    for r in recs:
        if r["t1"] < down:
            phases["before"].append(r)
        elif r["t0"] < down + grace:
            phases["transition"].append(r)
        elif r["t1"] <= up:
            phases["outage"].append(r)
        elif r["t0"] < ready + grace:
            phases["recovering"].append(r)
        else:
            phases["after"].append(r)
    out = {}
    for name, rs in phases.items():
        s = summarise(rs)
        lat = sorted(r["t1"] - r["t0"] for r in rs) or [0]
        s["max_latency"] = round(lat[-1], 3)
        s["p99_latency"] = round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 3)
        out[name] = s
        print(f"  {name:<11} sent {s['sent']:>6}  ok {s['ok']:>6}  acknowledged writes "
              f"{s['acknowledged']:>5}  refused 503 {s['refused']:>5}  failed {s['failed']:>4}"
              f"  max latency {s['max_latency']:.3f} s")
    for name in ("before", "after"):
        bad = [r for r in phases[name] if r["o"] != "ok"]
        if bad:
            problems.append(f"{len(bad)} requests {name} the outage did not succeed, e.g. {bad[0]}")
    if not phases["outage"]:
        problems.append("no request was sent during the outage")
    for r in phases["outage"] + phases["transition"]:
        if r["o"] == "failed":
            problems.append(f"during the outage: {r}")
            break
    slow = [r for r in phases["outage"] + phases["transition"] if r["t1"] - r["t0"] > a.max_latency]
    if slow:
        problems.append(f"{len(slow)} requests during the outage took longer than "
                        f"{a.max_latency} s, e.g. {slow[0]}")
    non_refused = [r for r in phases["outage"] if r["o"] != "refused"]
    if non_refused:
        problems.append(f"{len(non_refused)} requests during the outage were not a 503 "
                        f"database_unavailable, e.g. {non_refused[0]}")
    if out["after"]["acknowledged"] == 0:
        problems.append("no write was acknowledged after the database came back")
    failed_all = sum(1 for r in recs if r["o"] == "failed")
    if a.figures:
        with open(a.figures, "w") as f:
            json.dump({"phases": out, "failed": failed_all}, f)
    for p in problems:
        print(f"  FAIL: {p}")
    sys.exit(1 if problems else 0)


def cmd_drain(a):
    """Checks a journal of load across a graceful shutdown: every request the
    server accepted was answered (no dropped connection, no 5xx)."""
    with open(a.journal) as f:
        j = json.load(f)
    recs = j["records"]
    s = summarise(recs)
    in_flight = sum(1 for r in recs if r["t0"] <= a.signal <= r["t1"])
    print(f"  in flight when the signal was sent: {in_flight}; answered after it: "
          f"{sum(1 for r in recs if r['o'] == 'ok' and r['t1'] >= a.signal)}; "
          f"not accepted after it: {s['not_sent']}")
    bad = [r for r in recs if r["o"] in ("failed", "refused")]
    # A connection refused before the signal was sent means the listener
    # closed early. One that was opened just before and refused just after is
    # the signal's own doing (the server stops accepting at once), not a loss.
    early = [r for r in recs if r["o"] == "not_sent" and r["t1"] < a.signal]
    for r in bad[:10]:
        print(f"  FAIL: accepted but not answered: {r}")
    for r in early[:10]:
        print(f"  FAIL: refused before the signal: {r}")
    slow_bad = []
    if a.slow:
        with open(a.slow) as f:
            slow = json.load(f)
        for r in slow:
            if r["status"] != 201:
                slow_bad.append(f"a request still being received at the signal got "
                                f"{r['status'] or r.get('error')}, expected 201")
            elif r["sent_at"] < a.signal:
                slow_bad.append("a slow request finished before the signal: the test proves "
                                "nothing (raise --hold)")
        in_flight += len(slow)
        print(f"  requests whose bodies were still arriving at the signal and finished after "
              f"it: {sum(1 for r in slow if r['status'] == 201)}/{len(slow)} answered 201")
    for m in slow_bad:
        print(f"  FAIL: {m}")
    if a.figures:
        with open(a.figures, "w") as f:
            json.dump({**s, "in_flight_at_signal": in_flight}, f)
    sys.exit(1 if bad or early or slow_bad else 0)


def cmd_kill(a):
    """Checks a journal of load through a proxy across the SIGKILL of one
    upstream: only requests in flight on the killed upstream may fail."""
    with open(a.journal) as f:
        j = json.load(f)
    recs = j["records"]
    problems, excused = [], []
    for r in recs:
        if r["o"] == "ok":
            continue
        on_victim = a.victim in r.get("up", "")
        gone = a.gone or a.killed
        spans_kill = r["t0"] <= gone + a.slack and r["t1"] >= a.killed - a.slack
        # In flight on the killed instance: a 502 for a POST or PATCH nginx
        # must not resend, or (rarely) the answer to a resent DELETE whose
        # first attempt had been applied.
        if on_victim and spans_kill:
            excused.append(r)
        else:
            problems.append(r)
    s = summarise(recs)
    after = [r for r in recs if r["t0"] > (a.gone or a.killed) + a.slack]
    kinds = {}
    for r in excused:
        kind = f"{r['m']} {r.get('st') or r.get('err', '?')[:20]}"
        kinds[kind] = kinds.get(kind, 0) + 1
    shown = ", ".join(f"{k} x{v}" for k, v in sorted(kinds.items())) or "none"
    print(f"  failed {s['failed'] + s['not_sent'] + s['refused']}, of which in flight on the "
          f"killed instance {len(excused)} ({shown}; limit: concurrency {a.concurrency}); "
          f"answered after the kill {sum(1 for r in after if r['o'] == 'ok')}/{len(after)}")
    ok = True
    if len(excused) > a.concurrency:
        print(f"  FAIL: more failures ({len(excused)}) than requests that can be in flight")
        ok = False
    for r in problems[:10]:
        print(f"  FAIL: not excused by the kill: {r}")
    if a.figures:
        with open(a.figures, "w") as f:
            json.dump({**s, "failed_in_flight_on_killed": len(excused)}, f)
    sys.exit(0 if ok and not problems else 1)


# ------------------------------------------------------------ slow requests

def cmd_slow(a):
    """Requests still arriving when the server is told to stop: each sends
    its headers and part of its body, waits --hold seconds, then sends the
    rest. A graceful shutdown must let them finish (201)."""
    url = loopback_only(a.url)
    parts = urllib.parse.urlsplit(url)
    c = Client(url)
    user = sign_up(c)
    c.close()
    pending = []
    for i in range(a.count):
        body = json.dumps({"title": f"slow request {i}"}).encode()
        head = (f"POST /api/{user['id']}/tasks HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                f"Authorization: Bearer {user['token']}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        sock = socket.create_connection((parts.hostname, parts.port), timeout=a.hold + 30)
        sock.sendall(head + body[:5])
        pending.append((sock, body[5:]))
    with open(a.ready_file, "w") as f:
        f.write(f"{time.time()}\n")
    time.sleep(a.hold)
    results = []
    for sock, rest in pending:
        res = {"sent_at": None, "status": None}
        try:
            sock.sendall(rest)
            res["sent_at"] = time.time()
            data = b""
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            line = data.split(b"\r\n", 1)[0].decode(errors="replace")
            res["status"] = int(line.split()[1]) if line.startswith("HTTP/") else None
            if res["status"] is None:
                res["error"] = f"no response ({line!r})"
        except OSError as err:
            res["error"] = repr(err)
        finally:
            sock.close()
        results.append(res)
    with open(a.out, "w") as f:
        json.dump(results, f)
    print(f"  slow requests: {[r['status'] or r.get('error') for r in results]}")


# ------------------------------------------------------------ small checks

def cmd_probe(a):
    url = loopback_only(a.url)
    parts = urllib.parse.urlsplit(url)
    client = Client(f"{parts.scheme}://{parts.netloc}", timeout=a.max_seconds + 5)
    t0 = time.time()
    res = client.request("GET", parts.path or "/")
    took = time.time() - t0
    client.close()
    status = res.get("status")
    line = f"probe {parts.path}: {status or res.get('error')} in {took:.3f} s"
    good = status == a.expect and took <= a.max_seconds
    if good and a.expect == 503:
        body = res.get("json") or {}
        good = (body.get("code") == "database_unavailable"
                and bool(res["headers"].get("retry-after")))
        line += f" (code {body.get('code')}, Retry-After {res['headers'].get('retry-after')})"
    print(("  ok: " if good else "  FAIL: ") + line + f"; expected {a.expect} within {a.max_seconds} s")
    sys.exit(0 if good else 1)


def cmd_ready(a):
    url = loopback_only(a.url)
    deadline = time.time() + a.max_seconds
    t0 = time.time()
    while time.time() < deadline:
        client = Client(url, timeout=5)
        res = client.request("GET", "/health/ready")
        client.close()
        if res.get("status") == 200:
            print(f"  ready after {time.time() - t0:.2f} s")
            return
        time.sleep(0.2)
    die(f"{url}/health/ready did not answer 200 within {a.max_seconds} s")


def cmd_race(a):
    """The same If-Match sent to two instances at once: one 200, one 412."""
    ua, ub = loopback_only(a.a), loopback_only(a.b)
    setup = Client(ua, a.source)
    user = sign_up(setup)
    auth = {"Authorization": f"Bearer {user['token']}"}
    base = f"/api/{user['id']}/tasks"
    tally, bad = {}, []
    for round_no in range(a.rounds):
        res = setup.request("POST", base, {"title": f"race {round_no}"}, auth)
        if res.get("status") != 201:
            die(f"create failed: {res.get('status')}")
        task, etag = res["json"]["id"], res["headers"]["etag"]
        barrier = threading.Barrier(2)
        results = [None, None]
        clients = [Client(ua, a.source), Client(ub, a.source)]
        for c in clients:  # connect first, so the two requests leave together
            c._fresh()

        def go(i):
            barrier.wait()
            h = dict(auth, **{"If-Match": etag})
            results[i] = clients[i].request("PATCH", f"{base}/{task}",
                                            {"title": f"race {round_no} by {'AB'[i]}"}, h)

        threads = [threading.Thread(target=go, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        for c in clients:
            c.close()
        statuses = tuple(sorted(r.get("status") or 0 for r in results))
        tally[statuses] = tally.get(statuses, 0) + 1
        if statuses != (200, 412):
            bad.append((round_no, statuses))
            continue
        winner = results[0] if results[0]["status"] == 200 else results[1]
        loser = results[1] if winner is results[0] else results[0]
        if (loser.get("json") or {}).get("code") != "precondition_failed":
            bad.append((round_no, "412 without code precondition_failed"))
        stored = setup.request("GET", f"{base}/{task}", headers=auth)
        if stored["json"]["title"] != winner["json"]["title"] or \
                stored["headers"]["etag"] != winner["headers"]["etag"]:
            bad.append((round_no, "the stored task is not the winner's"))
    setup.close()
    shown = ", ".join(f"{'+'.join(map(str, k))}: {v}" for k, v in sorted(tally.items()))
    print(f"  If-Match race, {a.rounds} rounds across two instances: {shown}")
    for b in bad:
        print(f"  FAIL: round {b[0]}: {b[1]}")
    sys.exit(1 if bad else 0)


def cmd_limits(a):
    """Auth rate limits shared by every instance: failures for one email
    spread over the instances lock it on all of them; the per-address limit,
    counted behind the proxy by X-Forwarded-For, holds on all of them."""
    instances = [loopback_only(u) for u in a.instances.split(",")]
    problems = []

    def login(url, email, password, source):
        c = Client(url, source)
        res = c.request("POST", "/api/auth/login", {"email": email, "password": password})
        c.close()
        return res

    # 1. Per email: AUTH_FAILURES_PER_EMAIL failures, one instance after another.
    src = a.email_source
    c = Client(instances[0], src)
    user = sign_up(c)
    c.close()
    statuses = []
    for i in range(a.failures):
        statuses.append(login(instances[i % len(instances)], user["email"], "wrong password",
                              src).get("status"))
    if any(s != 401 for s in statuses):
        problems.append(f"the first {a.failures} wrong passwords gave {statuses}, expected 401s")
    locked = []
    for url in instances:
        res = login(url, user["email"], PASSWORD, src)
        locked.append(res.get("status"))
        if res.get("status") != 429 or not res["headers"].get("retry-after"):
            problems.append(f"{url}: right password after {a.failures} failures elsewhere "
                            f"gave {res.get('status')}, expected 429 with Retry-After")
    print(f"  per email: {a.failures} failures spread over {len(instances)} instances "
          f"({statuses}); then the right password on each instance: {locked}")

    # 2. Per client address behind the proxy: the instances see the proxy as
    #    the peer and count the address it appends to X-Forwarded-For.
    if a.proxy and a.per_ip:
        proxy = loopback_only(a.proxy)
        seen = []
        for _ in range(a.per_ip):
            res = login(proxy, f"nobody-{uuid.uuid4().hex}@example.com", "wrong password",
                        a.ip_source)
            seen.append(res.get("status"))
        if any(s != 401 for s in seen):
            problems.append(f"{a.per_ip} logins from {a.ip_source} through the proxy: "
                            f"{sorted(set(seen))}, expected only 401")
        over = login(proxy, f"nobody-{uuid.uuid4().hex}@example.com", "x", a.ip_source)
        direct = [login(u, f"nobody-{uuid.uuid4().hex}@example.com", "x", a.ip_source)
                  .get("status") for u in instances]
        other = login(proxy, f"nobody-{uuid.uuid4().hex}@example.com", "x", a.other_source)
        # A client may not choose its own address by sending X-Forwarded-For.
        c = Client(proxy, a.ip_source)
        spoof = c.request("POST", "/api/auth/login",
                          {"email": f"nobody-{uuid.uuid4().hex}@example.com", "password": "x"},
                          {"X-Forwarded-For": "203.0.113.9"})
        c.close()
        print(f"  per address: {a.per_ip} logins from {a.ip_source} through the proxy "
              f"(spread over the instances): all 401; the next one: {over.get('status')}; "
              f"the same address directly on each instance: {direct}; a spoofed "
              f"X-Forwarded-For from it: {spoof.get('status')}; another address through "
              f"the proxy: {other.get('status')}")
        if over.get("status") != 429:
            problems.append("the per-address limit did not hold through the proxy")
        if any(s != 429 for s in direct):
            problems.append("the per-address limit is not shared by every instance")
        if spoof.get("status") != 429:
            problems.append("a client escaped its limit with its own X-Forwarded-For")
        if other.get("status") != 401:
            problems.append("another client address behind the proxy was limited too")
    for p in problems:
        print(f"  FAIL: {p}")
    sys.exit(1 if problems else 0)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser("run")
    r.add_argument("--url", required=True)
    r.add_argument("--journal", required=True)
    r.add_argument("--users", type=int, default=4)
    r.add_argument("--concurrency", type=int, default=8)
    r.add_argument("--max-requests", type=int, default=20000)
    r.add_argument("--max-seconds", type=float, default=20)
    r.add_argument("--mix", default="create=35,get=20,list=10,patch=15,complete=10,delete=10")
    r.add_argument("--backoff-ms", type=float, default=20)
    r.add_argument("--stop-when-refused", action="store_true")
    r.add_argument("--ready-file", help="written once the load is running")
    r.add_argument("--stop-file", help="the load stops early once this file exists")
    r.add_argument("--source", help="local address to send from (127.x.y.z)")
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--run-id")
    r.set_defaults(fn=cmd_run)

    v = sub.add_parser("verify")
    v.add_argument("--url", required=True)
    v.add_argument("--journal", required=True)
    v.add_argument("--figures")
    v.set_defaults(fn=cmd_verify)

    ph = sub.add_parser("phases")
    ph.add_argument("--journal", required=True)
    ph.add_argument("--down", type=float, required=True)
    ph.add_argument("--up", type=float, required=True)
    ph.add_argument("--ready", type=float, required=True)
    ph.add_argument("--settle", type=float, default=1.0)
    ph.add_argument("--max-latency", type=float, default=1.5)
    ph.add_argument("--figures")
    ph.set_defaults(fn=cmd_phases)

    d = sub.add_parser("drain")
    d.add_argument("--journal", required=True)
    d.add_argument("--signal", type=float, required=True)
    d.add_argument("--figures")
    d.add_argument("--slow", help="results of `slow`")
    d.set_defaults(fn=cmd_drain)

    sl = sub.add_parser("slow")
    sl.add_argument("--url", required=True)
    sl.add_argument("--count", type=int, default=4)
    sl.add_argument("--hold", type=float, default=2.0)
    sl.add_argument("--ready-file", required=True)
    sl.add_argument("--out", required=True)
    sl.set_defaults(fn=cmd_slow)

    k = sub.add_parser("kill")
    k.add_argument("--journal", required=True)
    k.add_argument("--killed", type=float, required=True, help="when SIGKILL was sent")
    k.add_argument("--gone", type=float,
                   help="when the killed process had been reaped (its sockets closed)")
    k.add_argument("--victim", required=True, help="host:port of the killed upstream")
    k.add_argument("--concurrency", type=int, required=True)
    k.add_argument("--slack", type=float, default=0.05)
    k.add_argument("--figures")
    k.set_defaults(fn=cmd_kill)

    pr = sub.add_parser("probe")
    pr.add_argument("url")
    pr.add_argument("--expect", type=int, required=True)
    pr.add_argument("--max-seconds", type=float, default=1.5)
    pr.set_defaults(fn=cmd_probe)

    rd = sub.add_parser("ready")
    rd.add_argument("url")
    rd.add_argument("--max-seconds", type=float, default=30)
    rd.set_defaults(fn=cmd_ready)

    ra = sub.add_parser("race")
    ra.add_argument("--a", required=True)
    ra.add_argument("--b", required=True)
    ra.add_argument("--rounds", type=int, default=20)
    ra.add_argument("--source")
    ra.set_defaults(fn=cmd_race)

    li = sub.add_parser("limits")
    li.add_argument("--instances", required=True)
    li.add_argument("--failures", type=int, required=True)
    li.add_argument("--proxy")
    li.add_argument("--per-ip", type=int, default=0)
    li.add_argument("--email-source", default="127.0.0.4")
    li.add_argument("--ip-source", default="127.0.0.5")
    li.add_argument("--other-source", default="127.0.0.6")
    li.set_defaults(fn=cmd_limits)

    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
