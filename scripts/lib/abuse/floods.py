"""Floods of input the server refuses, looped by several threads. That each
such request is refused with the right problem (naming the field) is checked
by the Rust tests (tests/api/hardening.rs); here, that a flood of them is
refused quickly, cheaply (server CPU per request, from /proc), writes
nothing, and does not slow the normal user."""

import json
import threading
import time
import uuid

from context import call
from helpers import PASSWORD, percentile
from raw import PATIENCE, ms, tally


def flood(t, r, ops, label):
    """`ops`: (name, method, path, raw body, expected status). Each thread
    cycles through them on a keep-alive connection until its count or the
    time runs out. Returns (requests, attacker's p50, p99, max, outcomes)."""
    threads_n, max_n, seconds = t.a.flood_threads, t.a.flood_requests, t.a.flood_seconds
    results, lock = [], threading.Lock()
    stop_at = time.time() + seconds

    def worker(k):
        client = t.client(t.attacker)
        mine, i = [], k
        while len(mine) < max_n and time.time() < stop_at:
            name, method, path, raw, _ = ops[i % len(ops)]
            i += 1
            status, _, doc, took = call(client, method, path, raw=raw)
            code = doc.get("code") if isinstance(doc, dict) else None
            mine.append((name, status, code, took if took is not None else PATIENCE))
        client.close()
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + PATIENCE * 2)
    outcomes = []
    for name, _, _, _, want in ops:
        got = [g for g in results if g[0] == name]
        wrong = [g for g in got if g[1] != want]
        r.check(got and not wrong, f"{label} {name}: {len(wrong)} of {len(got)} not {want}: "
                f"{[(g[1], g[2]) for g in wrong[:3]]}")
        outcomes.append(f"{name} " + tally(f"{g[1]} {g[2]}" if g[1] else "no answer"
                                           for g in got))
    took = [g[3] for g in results]
    top = max(took, default=None)
    r.check(top is not None and top * 1000 <= t.a.max_attack_ms,
            f"{label}: the slowest answer took {ms(top)} (at most {t.a.max_attack_ms:.0f} ms)")
    return len(results), percentile(took, 50), percentile(took, 99), top, "; ".join(outcomes)


def measured_flood(t, r, ops, label, description):
    """`flood`, with the server's CPU per request held to --max-cpu-ms."""
    cpu0 = t.server_cpu()
    n, p50, p99, top, outcomes = flood(t, r, ops, label)
    cpu1 = t.server_cpu()
    cpu = None if cpu0 is None or cpu1 is None or not n else (cpu1 - cpu0) / n
    if cpu is not None:
        r.check(cpu * 1000 <= t.a.max_cpu_ms, f"{label}: {cpu * 1000:.1f} ms of server CPU "
                f"per request (at most {t.a.max_cpu_ms:.0f} ms)")
    return (description,
            f"{n} requests: {outcomes}; attacker's p50 {ms(p50)} p99 {ms(p99)} max {ms(top)}"
            + ("" if cpu is None else f", server CPU {cpu * 1000:.1f} ms/request"),
            {"attack_requests": n, "attack_p50_ms": round(p50 * 1000, 1) if p50 else None,
             "attack_p99_ms": round(p99 * 1000, 1) if p99 else None,
             "cpu_ms_per_request": None if cpu is None else round(cpu * 1000, 2)})


def compact(doc):
    return json.dumps(doc, separators=(",", ":")).encode()


def unchanged(t, r, before):
    """The attacker's tasks are as they were: nothing was written."""
    client = t.client(t.attacker)
    after = call(client, "GET", f"/api/{t.attacker['id']}/tasks")[2]
    client.close()
    same = isinstance(after, dict) and after.get("items") == before.get("items")
    r.check(same, "the attacker's tasks changed: something was written")
    return "nothing written" if same else "something was written"


def attacker_tasks(t):
    client = t.client(t.attacker)
    page = call(client, "GET", f"/api/{t.attacker['id']}/tasks")[2]
    client.close()
    return page if isinstance(page, dict) else {}


def tag_flood(t, r):
    """6. 15,000 copies of one tag in a 58 KiB body, as POST, PUT and PATCH,
    and as POST on the normal user's path (refused before it is read)."""
    aid, task = t.attacker["id"], t.attacker_task
    tags = ["a"] * 15000
    create = compact({"title": "flood", "tags": tags})
    ops = [("POST", "POST", f"/api/{aid}/tasks", create, 422),
           ("PUT", "PUT", f"/api/{aid}/tasks/{task}", create, 422),
           ("PATCH", "PATCH", f"/api/{aid}/tasks/{task}", compact({"tags": tags}), 422),
           ("POST on the normal user's path", "POST", f"/api/{t.normal['id']}/tasks", create,
            403)]
    before = attacker_tasks(t)
    description, outcome, figures = measured_flood(
        t, r, ops, "tag flood",
        f"{t.a.flood_threads} threads x up to {t.a.flood_requests} requests or "
        f"{t.a.flood_seconds:.0f} s: a {len(create) // 1024} KiB body with 15,000 copies of "
        f"one tag, as POST, PUT, PATCH and POST on the normal user's path")
    return description, f"{outcome}; {unchanged(t, r, before)}", figures


def filter_flood(t, r):
    """7. The `tag` filter repeated 200 and 2,000 times (the limit is 20)."""
    aid = t.attacker["id"]
    two_hundred = "&".join(["tag=a"] * 200)
    ops = [("200 copies", "GET", f"/api/{aid}/tasks?{two_hundred}", None, 422),
           ("2,000 copies", "GET", f"/api/{aid}/tasks?" + "&".join(["tag=a"] * 2000), None,
            422),
           ("200 copies on the normal user's path", "GET",
            f"/api/{t.normal['id']}/tasks?{two_hundred}", None, 403)]
    return measured_flood(
        t, r, ops, "tag filter",
        f"{t.a.flood_threads} threads x up to {t.a.flood_requests} requests or "
        f"{t.a.flood_seconds:.0f} s: GET list with `tag` repeated 200 and 2,000 times, and "
        f"200 times on the normal user's path")


def nul_cases(t):
    """(label, json body or form, method, path, as the attacker?) with a
    NUL in every text a client sends; fresh emails each time."""
    aid = t.attacker["id"]
    tasks, one = f"/api/{aid}/tasks", f"/api/{aid}/tasks/{t.attacker_task}"
    email = f"nul-{uuid.uuid4().hex}@example.com"
    return [
        ("title", {"title": "a\u0000b"}, "POST", tasks, True),
        ("description", {"title": "t", "description": "a\u0000"}, "POST", tasks, True),
        ("tags", {"title": "t", "tags": ["ok", "a\u0000"]}, "POST", tasks, True),
        ("PUT title", {"title": "\u0000"}, "PUT", one, True),
        ("PATCH tags", {"tags": ["\u0000"]}, "PATCH", one, True),
        ("sign-up email", {"email": "a\u0000" + email, "password": PASSWORD}, "POST",
         "/api/auth/signup", False),
        ("sign-up name", {"email": email, "password": PASSWORD, "name": "A\u0000"}, "POST",
         "/api/auth/signup", False),
        ("log-in email", {"email": "a\u0000@example.com", "password": PASSWORD}, "POST",
         "/api/auth/login", False),
        ("refresh token", {"refresh_token": "a\u0000"}, "POST", "/api/auth/refresh", False),
        ("new password", {"current_password": PASSWORD, "new_password": "new\u0000password"},
         "POST", "/api/auth/password", True),
        ("token username", {"form": {"grant_type": "password", "username": "a\u0000@x.org",
                                     "password": PASSWORD}}, "POST", "/api/auth/token", False),
        ("q", None, "GET", tasks + "?q=a%00b", True),
        ("tag", None, "GET", tasks + "?tag=ok&tag=%00", True),
        ("title on the normal user's path", {"title": "a\u0000"}, "POST",
         f"/api/{t.normal['id']}/tasks", True),
    ]


def nul_everywhere(t, r):
    """8. NUL in every text a client sends, round after round: always a 4xx
    (never a 5xx or no answer), nothing written."""
    clients = {True: t.client(t.attacker), False: t.client()}
    before = attacker_tasks(t)
    rounds, n, statuses, worst = 0, 0, {}, 0.0
    stop_at = time.time() + t.a.nul_seconds
    while rounds < t.a.nul_rounds and time.time() < stop_at:
        rounds += 1
        for label, doc, method, path, as_attacker in nul_cases(t):
            form = doc.pop("form") if doc and "form" in doc else None
            status, _, _, took = call(clients[as_attacker], method, path, body=doc or None,
                                      form=form)
            n += 1
            worst = max(worst, took or PATIENCE)
            statuses[status] = statuses.get(status, 0) + 1
            r.check(status is not None and 400 <= status < 500,
                    f"NUL in {label}: {status or 'no answer'}")
    for client in clients.values():
        client.close()
    summary = ", ".join(f"{k} x{v}" for k, v in sorted(statuses.items(), key=str))
    return (f"{rounds} rounds of NUL in title, description, tags (POST/PUT/PATCH), sign-up "
            f"email and name, log-in email, refresh token, new password, token username, q, "
            f"tag; and in a title on the normal user's path",
            f"{n} requests: {summary}; slowest {ms(worst)}; {unchanged(t, r, before)}", {})
