"""Abuse regression, driven by scripts/abuse.sh: `python3 scripts/lib/abuse
run ...`. Standard library only; talks to loopback addresses only; every
loop is bounded in count and in time.

Subcommands
  run      signs up an attacker and a normal user on a running server, then
           runs the attacks below one after the other while the normal user
           (normal_user.py, a process of its own) reads and lists its tasks
  normal   that normal user (started by run)

What a single bad request gets back (status, problem code, headers, the
field named) is asserted by the Rust tests (tests/api/connections.rs and
hardening.rs). These attacks check what only load shows: hundreds of
connections or thousands of requests at once are refused in time and
cheaply, nothing is written, and the normal user's requests all succeed
with p99 within --max-p99-ms during each attack.
  1. idle keep-alive connections        connections.py
  2. silent and half-sent connections   connections.py
  3. connections up to the cap          cap.py
  4. oversize head and body, repeated   oversize.py
  5. stalled bodies, many at once       oversize.py
  6. duplicate-tag flood                floods.py
  7. repeated `tag` filter              floods.py
  8. NUL in every text, repeated        floods.py
  9. one user's concurrent worst-case   heavy.py
     lists over its many tasks

Exit status: 0 when every check passed, 1 otherwise, 2 on a usage error.
"""

import argparse
import json
import os
import sys
import threading
import time

# The scripts' shared helpers (helpers.py) live one directory up.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from cap import connection_cap  # noqa: E402
from connections import idle_keep_alive, silent_and_half_sent  # noqa: E402
from context import Report, Target, die  # noqa: E402
from floods import filter_flood, nul_everywhere, tag_flood  # noqa: E402
from heavy import heavy_user  # noqa: E402
from helpers import loopback_only, percentile  # noqa: E402
from normal_user import NormalUser, cmd_normal  # noqa: E402
from oversize import oversize, stalled_bodies  # noqa: E402

ATTACKS = [
    (1, "idle keep-alive connections", idle_keep_alive),
    (2, "silent and half-sent connections", silent_and_half_sent),
    (3, "connections up to the cap", connection_cap),
    (4, "oversize header and body", oversize),
    (5, "stalled bodies", stalled_bodies),
    (6, "duplicate-tag flood", tag_flood),
    (7, "repeated tag filter", filter_flood),
    (8, "NUL in every text", nul_everywhere),
    (9, "one heavy user", heavy_user),
]


def normal_figures(records):
    """(requests, failed, p50 ms, p99 ms, max ms) of the normal user's records."""
    lat = [x["s"] for x in records if x["ok"]]

    def rounded(v):
        return None if v is None else round(v * 1000, 1)

    return (len(records), sum(1 for x in records if not x["ok"]), rounded(percentile(lat, 50)),
            rounded(percentile(lat, 99)), rounded(max(lat, default=None)))


def attack(t, normal, number, name, fn, deadline):
    """Runs one attack; its summary row. The normal user's requests during it
    must all succeed, enough of them, with p99 within bound."""
    a = t.a
    if time.time() > deadline:
        print(f"{number}. {name}: not run, the time budget of {a.max_seconds:.0f} s is spent",
              flush=True)
        return {"attack": number, "name": name, "ok": False, "skipped": True}
    report = Report()
    cpu0, started = t.server_cpu(), time.time()
    try:
        sent, answer, extra = fn(t, report)
    except Exception as err:  # an attack that crashed is a failed check
        sent, answer, extra = "-", f"crashed: {err!r}", {}
        report.check(False, f"the attack itself crashed: {err!r}")
    ended, cpu1 = time.time(), t.server_cpu()
    during = normal.window(started, ended)
    n, failed, p50, p99, top = normal_figures(during)
    report.check(not failed, f"normal user: {failed} of {n} requests failed: " + "; ".join(
        f"{x['op']} {x.get('st')} {x.get('code') or x.get('err', '')}"
        for x in during if not x["ok"])[:300])
    report.check(n >= a.min_normal, f"normal user: only {n} requests during the attack "
                 f"(at least {a.min_normal} expected)")
    report.check(p99 is not None and p99 <= a.max_p99_ms,
                 f"normal user: p99 {p99} ms over {a.max_p99_ms:.0f} ms")
    max_p50 = (extra or {}).get("max_normal_p50_ms")
    report.check(max_p50 is None or (p50 is not None and p50 <= max_p50),
                 f"normal user: median {p50} ms over {max_p50} ms")
    ok = not report.failures
    print(f"{number}. {name} [{'ok' if ok else 'FAIL'}, {ended - started:.1f} s]\n"
          f"   sent:   {sent}\n   answer: {answer}\n"
          f"   normal user: {n} requests, {failed} failed, p50 {p50} ms, p99 {p99} ms, "
          f"max {top} ms", flush=True)
    for failure in report.failures:
        print(f"   FAIL: {failure}", flush=True)
    # A quiet gap, so that one attack's tail is not the next one's start.
    time.sleep(0.3)
    cpu = None if cpu0 is None or cpu1 is None else round(cpu1 - cpu0, 2)
    return {"attack": number, "name": name, "ok": ok, "seconds": round(ended - started, 2),
            "sent": sent, "answer": answer, "normal_requests": n, "normal_failed": failed,
            "normal_p50_ms": p50, "normal_p99_ms": p99, "normal_max_ms": top,
            "server_cpu_s": cpu, "failures": report.failures, **(extra or {})}


def summary(rows, records, max_p99_ms):
    print(f"\nsummary (normal user's latency during each attack; p99 bound {max_p99_ms:.0f} ms)")
    print(f"{'attack':<36} {'result':<6} {'secs':>5} {'normal':>7} {'p50':>9} {'p99':>9}")
    for row in rows:
        p50, p99 = row.get("normal_p50_ms"), row.get("normal_p99_ms")
        print(f"{str(row['attack']) + '. ' + row['name']:<36} "
              f"{'ok' if row['ok'] else 'FAIL':<6} {row.get('seconds', ''):>5} "
              f"{row.get('normal_requests', 0):>7} "
              f"{'-' if p50 is None else f'{p50:.1f} ms':>9} "
              f"{'-' if p99 is None else f'{p99:.1f} ms':>9}")
    print(f"normal user overall: {len(records)} requests, "
          f"{sum(1 for x in records if not x['ok'])} failed, "
          f"{sum(1 for x in records if x['fresh'])} connections opened")


def cmd_run(a):
    # Whatever happens, the run ends: a watchdog for the whole budget.
    def watchdog():
        time.sleep(a.max_seconds + 30)
        print(f"abuse: still running {a.max_seconds + 30:.0f} s after the start: giving up",
              file=sys.stderr, flush=True)
        os._exit(3)

    threading.Thread(target=watchdog, daemon=True).start()
    deadline = time.time() + a.max_seconds
    t = Target(a)
    t.set_up()
    normal = NormalUser(t.url, t.normal, t.normal_task, a.max_seconds + 30, a.normal_pause)
    rows = []
    try:
        if not normal.wait_for(20):
            die("the normal user did not get going")
        quiet = time.time()
        time.sleep(1.0)
        n, _, p50, p99, _ = normal_figures(normal.window(quiet, time.time()))
        print(f"0. baseline, no attack: normal user {n} requests, p50 {p50} ms, p99 {p99} ms",
              flush=True)
        rows.append({"attack": 0, "name": "baseline", "ok": True, "normal_requests": n,
                     "normal_p50_ms": p50, "normal_p99_ms": p99})
        for number, name, fn in ATTACKS:
            if not a.only or str(number) in a.only.split(","):
                rows.append(attack(t, normal, number, name, fn, deadline))
    finally:
        normal.stop()
    summary(rows, normal.records, a.max_p99_ms)
    if a.figures:
        with open(a.figures, "w") as f:
            json.dump({"attacks": rows, "settings": {k: v for k, v in vars(a).items()
                                                     if k != "func"}}, f, indent=1, default=str)
    sys.exit(0 if all(row["ok"] for row in rows) else 1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="every attack, against a running server")
    r.add_argument("--url", required=True, type=loopback_only)
    r.add_argument("--server-pid", type=int, default=0,
                   help="the server's pid, to read its CPU time from /proc")
    r.add_argument("--header-timeout", type=float, required=True)
    r.add_argument("--body-timeout", type=float, required=True)
    r.add_argument("--max-connections", type=int, required=True)
    r.add_argument("--max-p99-ms", type=float, default=500)
    r.add_argument("--max-attack-ms", type=float, default=1000,
                   help="the slowest answer a flood request may get")
    r.add_argument("--max-cpu-ms", type=float, default=50,
                   help="server CPU a flood request may cost on average")
    r.add_argument("--max-seconds", type=float, default=75)
    r.add_argument("--min-normal", type=int, default=10,
                   help="normal-user requests an attack must overlap")
    r.add_argument("--normal-pause", type=float, default=0.01)
    r.add_argument("--normal-tasks", type=int, default=20)
    r.add_argument("--idle-connections", type=int, default=100)
    r.add_argument("--silent-connections", type=int, default=120)
    r.add_argument("--stalled-bodies", type=int, default=30)
    r.add_argument("--cap-hold-seconds", type=float, default=1.5,
                   help="how long the cap stays full once reached")
    r.add_argument("--oversize-rounds", type=int, default=500, help="at most, of each kind")
    r.add_argument("--oversize-seconds", type=float, default=1.0, help="at most, for each kind")
    r.add_argument("--flood-threads", type=int, default=4)
    r.add_argument("--flood-requests", type=int, default=500, help="per thread")
    r.add_argument("--flood-seconds", type=float, default=3)
    r.add_argument("--nul-rounds", type=int, default=20)
    r.add_argument("--nul-seconds", type=float, default=2)
    r.add_argument("--heavy-sessions", required=True,
                   help="the seeded heavy user's sessions file (tasks-api seed --sessions-out)")
    r.add_argument("--heavy-threads", type=int, default=16)
    r.add_argument("--heavy-seconds", type=float, default=8)
    r.add_argument("--max-heavy-p50-ms", type=float, default=20)
    r.add_argument("--only", default="", help="comma-separated attack numbers")
    r.add_argument("--figures", default="", help="write the figures as JSON to this file")
    r.set_defaults(func=cmd_run)
    n = sub.add_parser("normal", help="the normal user (started by run)")
    n.add_argument("--url", required=True, type=loopback_only)
    n.add_argument("--user-id", required=True)
    n.add_argument("--task-id", required=True)
    n.add_argument("--max-seconds", type=float, default=120)
    n.add_argument("--max-requests", type=int, default=100000)
    n.add_argument("--pause", type=float, default=0.01)
    n.set_defaults(func=cmd_normal)
    a = p.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
