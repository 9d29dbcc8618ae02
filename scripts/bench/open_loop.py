#!/usr/bin/env python3
"""The open-loop scenario of scripts/bench.sh: requests arrive at a constant
rate whatever the server's speed, and each is timed from the moment it was
due, so a server that falls behind shows its backlog in the percentiles
(the latency a user waiting in line sees), not as a lower rate.

oha (`-q RATE --latency-correction`) schedules the arrivals and times each
request from its scheduled start. One oha run sends one method to one URL
pattern, so the mix is five runs side by side, each at its share of the rate
and of the connections, each as one seeded user (its task ids drawn at
random from the URL pattern):

    40 % get one, 25 % list 50, 15 % update (PATCH title and priority),
    10 % complete (PATCH .../complete), 10 % create

Every answer of the five runs is read from oha's SQLite output and the
percentiles are taken over all of them together. Prints the `RESULT ...`
line scripts/bench.sh parses (times in microseconds; `timeout` counts the
requests that got no answer, of any error). Loopback only; bounded by
--duration (plus oha's wait for requests in flight).

    open_loop.py URL --sessions FILE --rate 1000 --connections 1000 --duration 20
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from helpers import die, loopback_only, percentile  # noqa: E402

# (name, share of the rate, method, path under /api/USER, body)
MIX = [
    ("get", 40, "GET", "/tasks/{task}", None),
    ("list", 25, "GET", "/tasks?limit=50", None),
    ("update", 15, "PATCH", "/tasks/{task}", '{"title":"Updated","priority":"high"}'),
    ("complete", 10, "PATCH", "/tasks/{task}/complete", '{"completed":true}'),
    ("create", 10, "POST", "/tasks",
     '{"title":"Open-loop task","priority":"medium","tags":["bench"]}'),
]


def sessions(path):
    """(user id, token, [task ids]) of each seeded user."""
    users = []
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 3:
                users.append((fields[0], fields[1], fields[2:]))
    if len(users) < len(MIX):
        die(f"{path}: {len(MIX)} seeded users needed, {len(users)} found")
    return users


def oha_command(a, url, user, share, method, path, body, db):
    user_id, token, tasks = user
    rate = a.rate * share / 100
    # -w: the requests still in flight at the deadline are waited for and
    # counted, not dropped as errors.
    command = [a.oha, "--no-tui", "--output-format", "json", "-z", f"{a.duration}s", "-w",
               "-q", f"{rate:g}", "--latency-correction",
               "-c", str(max(1, a.connections * share // 100)),
               "-m", method, "-H", f"Authorization: Bearer {token}", "--db-url", db]
    if body is not None:
        command += ["-T", "application/json", "-d", body]
    target = f"{url}/api/{user_id}{path}"
    if "{task}" in path:
        # Each request picks one of the user's tasks: a URL drawn from this
        # pattern. oha reads a `.` in it as itself; nothing else in these
        # URLs (an address, hex ids and hyphens) means anything to a regex.
        pattern = target.replace("{task}", "(" + "|".join(tasks) + ")")
        command += ["--rand-regex-url", pattern]
    else:
        command.append(target)
    return command


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("url", type=loopback_only)
    p.add_argument("--sessions", required=True, help="from `tasks-api seed --sessions-out`")
    p.add_argument("--rate", type=float, default=1000, help="requests a second in all")
    p.add_argument("--connections", type=int, default=1000, help="in all")
    p.add_argument("--duration", type=int, default=20, help="seconds")
    p.add_argument("--oha", default="oha")
    a = p.parse_args()
    users = sessions(a.sessions)
    work = tempfile.mkdtemp(prefix="open-loop-")
    runs = []
    for i, (name, share, method, path, body) in enumerate(MIX):
        db = os.path.join(work, f"{name}.db")
        command = oha_command(a, a.url, users[i], share, method, path, body, db)
        runs.append((name, db, subprocess.Popen(command, stdout=subprocess.PIPE,
                                                stderr=subprocess.PIPE, text=True)))
    latencies, statuses, errors = [], {}, 0
    for name, db, proc in runs:
        out, err = proc.communicate(timeout=a.duration + 120)
        if proc.returncode != 0:
            die(f"oha ({name}) exited with {proc.returncode}: {err.strip()}")
        summary = json.loads(out)
        errors += sum(summary.get("errorDistribution", {}).values())
        with sqlite3.connect(db) as conn:
            for duration, status in conn.execute("SELECT duration, status FROM oha"):
                latencies.append(duration)
                statuses[status] = statuses.get(status, 0) + 1
    for _, db, _ in runs:
        os.remove(db)
    os.rmdir(work)

    def us(p):
        return round((percentile(latencies, p) or 0) * 1e6)

    non2xx = sum(n for status, n in statuses.items() if not 200 <= status < 300)
    shown = ",".join(f"{s}:{n}" for s, n in sorted(statuses.items())) or "-"
    print(f"RESULT requests={len(latencies)} duration_us={a.duration * 1_000_000} "
          f"p50_us={us(50)} p95_us={us(95)} p99_us={us(99)} p999_us={us(99.9)} "
          f"max_us={round(max(latencies, default=0) * 1e6)} connect=0 read=0 write=0 "
          f"timeout={errors} non2xx={non2xx} statuses={shown}")


if __name__ == "__main__":
    main()
