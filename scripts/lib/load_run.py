"""`run` and `verify` of scripts/lib/load.py: the bounded mixed load and the
check that every acknowledged write is there afterwards (the load model is
described in load.py)."""

import json
import os
import random
import sys
import threading
import time
import uuid

from helpers import TIMEOUT, Client, die, loopback_only, sign_up

WRITE_OPS = {"create", "patch", "complete", "delete"}


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
    users = [sign_up(setup, prefix="load") for _ in range(a.users)]
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
