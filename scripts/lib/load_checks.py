"""Checks of a load journal against a graceful shutdown, a database outage or
the SIGKILL of one instance (`drain`, `phases`, `kill`), and the small
probes around them (`slow`, `probe`, `ready`) of scripts/lib/load.py."""

import json
import socket
import sys
import time
import urllib.parse

from helpers import Client, die, loopback_only, sign_up

from load_run import summarise

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
    user = sign_up(c, prefix="load")
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
