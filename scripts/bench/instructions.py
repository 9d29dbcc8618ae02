#!/usr/bin/env python3
"""Instructions a request costs the server, counted by callgrind: unlike CPU
time, the count is the same from run to run whatever else the machine is
doing, so two builds compare on a shared, noisy machine. It counts user space
only (the kernel's work for sockets, futexes and files is not in it), and
counts `rep movsb` copies and software SHA per byte, so read it beside the
CPU-time figures, not instead of them.

    instructions.py [--requests N] LABEL=BINARY,DB_FILE,SESSIONS...

For each binary, on a copy of its seeded SQLite database (`tasks-api seed
--sessions-out SESSIONS` by that binary, since an older one may not know a
newer one's migrations), with the first of its seeded sessions: starts the
server under valgrind, warms it up, zeroes the counters, sends N requests of
each scenario (get one task, list 50, create) from 4 keep-alive clients,
dumps the counters, and prints instructions per request, with each later
binary's ratio to the first.
"""
import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from helpers import free_port, loopback_only  # noqa: E402

SCENARIOS = ("get", "list", "create")


def requests_of(scenario, user, task):
    if scenario == "get":
        return "GET", f"/api/{user}/tasks/{task}", None
    if scenario == "list":
        return "GET", f"/api/{user}/tasks?limit=50", None
    body = json.dumps({"title": "counted task", "description": "a little text",
                       "priority": "high", "tags": ["work", "bench"]})
    return "POST", f"/api/{user}/tasks", body


def send(port, token, request, count, clients=4):
    method, path, body = request
    statuses = {}
    lock = threading.Lock()

    def client(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for _ in range(n):
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            with lock:
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client, args=(count // clients,)) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = {s: n for s, n in statuses.items() if s >= 300}
    if bad:
        raise SystemExit(f"unexpected statuses {bad} for {method} {path}")
    return count // clients * clients


def totals(path):
    with open(path) as f:
        for line in f:
            if line.startswith(("totals:", "summary:")):
                return int(line.split()[1])
    raise SystemExit(f"no totals in {path}")


def measure(binary, db_file, session, count, work):
    user, token, task = session[0], session[1], session[2]
    results = {}
    for scenario in SCENARIOS:
        port = free_port()
        out = os.path.join(work, f"callgrind.{scenario}.out")
        env = dict(os.environ, BIND_ADDR=f"127.0.0.1:{port}", DATABASE_URL=f"sqlite://{db_file}",
                   LOG_FORMAT="json", RUST_LOG="info,sqlx=warn,sea_orm=warn")
        log = open(os.path.join(work, f"server.{scenario}.log"), "w")
        server = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                                   binary, "serve"], env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    conn.request("GET", "/health/live")
                    if conn.getresponse().status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"{binary} did not start under valgrind (log in {work})")
                time.sleep(0.5)
            request = requests_of(scenario, user, task)
            send(port, token, request, 100)
            subprocess.run(["callgrind_control", "-z", str(server.pid)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            sent = send(port, token, request, count)
            subprocess.run(["callgrind_control", "-d", str(server.pid)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            dumps = [f for f in os.listdir(work) if f.startswith(f"callgrind.{scenario}.out.")]
            results[scenario] = totals(os.path.join(work, sorted(dumps)[-1])) / sent
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("builds", nargs="+", metavar="LABEL=BINARY,DB_FILE,SESSIONS")
    args = parser.parse_args()
    loopback_only("http://127.0.0.1")
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is required (Debian package valgrind)")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for build in args.builds:
            label, spec = build.split("=", 1)
            binary, db_file, sessions = spec.split(",")
            with open(sessions) as f:
                session = f.readline().split()
            copy = os.path.join(work, f"{label}.db")
            shutil.copy(db_file, copy)
            rows.append((label, measure(binary, copy, session, args.requests, work)))
    first = rows[0][1]
    print(f"\nInstructions a request (callgrind, {args.requests} requests a scenario, user "
          "space only):\n")
    print("| build | " + " | ".join(SCENARIOS) + " |")
    print("|---|" + "---:|" * len(SCENARIOS))
    for label, res in rows:
        cells = [f"{res[s] / 1000:,.0f}k" + ("" if res is first else f" ({res[s] / first[s]:.2f})")
                 for s in SCENARIOS]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
