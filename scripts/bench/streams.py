#!/usr/bin/env python3
"""Live streams at scale, run by scripts/bench.sh: opens --streams
event streams (GET /api/{user_id}/events) against one server, spread over
the seeded users (--per-user each, at most the server's
MAX_STREAMS_PER_USER), reads the server's VmRSS before and after, then makes
--writes writes (creates and title updates, alternating) at --rate per
second, each to a different user in turn, and times every write from the
moment it is sent to the moment its event arrives on each stream of that
user. Standard library only (asyncio, raw sockets), loopback only, bounded
in count and time.

usage: streams.py --url URL --sessions FILE --pid PID [--streams 1000]
                  [--per-user 5] [--writes 300] [--rate 20] [--out FILE]

FILE is `tasks-api seed --sessions-out`: `USER_ID TOKEN TASK_ID...` a line.
Prints one summary line; --out writes the figures as JSON.
"""
import argparse
import asyncio
import json
import os
import resource
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from helpers import die, loopback_only, percentile  # noqa: E402
from sse import SseParser, stream_request  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    die("no VmRSS")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class Bench:
    def __init__(self, a, users):
        self.a, self.users = a, users
        parts = urllib.parse.urlsplit(a.url)
        self.host, self.port, self.netloc = parts.hostname, parts.port, parts.netloc
        self.pending = {}  # title -> time the write was sent
        self.latencies, self.unexpected, self.comments = [], 0, 0
        self.closed, self.open_failures = 0, []
        self.arrived = asyncio.Event()

    async def open_stream(self, user, gate):
        async with gate:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), 10)
            writer.write(stream_request(user["id"], user["token"], self.netloc))
            parser = SseParser()
            while parser.status is None:
                data = await asyncio.wait_for(reader.read(65536), 10)
                if not data:
                    raise ConnectionError("closed before the response head")
                parser.feed(data)
            if parser.status != 200:
                writer.close()
                raise ConnectionError(f"status {parser.status}")
        return reader, writer, parser

    async def read_stream(self, reader, parser):
        while True:
            data = await reader.read(65536)
            now = time.monotonic()
            if not data:
                self.closed += 1
                return
            before = parser.comments
            for event in parser.feed(data):
                title = (json.loads(event["data"]).get("task") or {}).get("title")
                sent = self.pending.get(title)
                if sent is None:
                    self.unexpected += 1
                else:
                    self.latencies.append(now - sent)
                    self.arrived.set()
            self.comments += parser.comments - before

    async def call(self, conn, method, path, token, body):
        reader, writer = conn
        payload = json.dumps(body).encode()
        writer.write((f"{method} {path} HTTP/1.1\r\nHost: {self.netloc}\r\n"
                      f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                      f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload)
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip()
                   for k, _, v in (line.partition(":") for line in head[1:])}
        await reader.readexactly(int(headers.get("content-length", "0")))
        return int(head[0].split()[1])

    async def write_all(self, holders, count, prefix):
        a = self.a
        conn = await asyncio.open_connection(self.host, self.port)
        statuses, answer_ms = {}, []
        t_start = time.monotonic()
        for i in range(count):
            await asyncio.sleep(max(0.0, t_start + i / a.rate - time.monotonic()))
            user = holders[i % len(holders)]
            title = f"{prefix} {i}"
            base = f"/api/{user['id']}/tasks"
            if i % 2 == 0 or not user["tasks"]:
                method, path = "POST", base
            else:
                method, path = "PATCH", f"{base}/{user['tasks'][i % len(user['tasks'])]}"
            sent = time.monotonic()
            self.pending[title] = sent
            status = await asyncio.wait_for(
                self.call(conn, method, path, user["token"], {"title": title}), 10)
            answer_ms.append((time.monotonic() - sent) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
        conn[1].close()
        return statuses, answer_ms, time.monotonic() - t_start


async def run(a, users):
    b = Bench(a, users)
    holders = [u for u in users for _ in range(a.per_user)][:a.streams]
    users_used = users[:(a.streams + a.per_user - 1) // a.per_user]
    # The same writes with no stream open: what a write costs the server
    # without them.
    cpu0 = cpu_seconds(a.pid)
    await b.write_all(users_used, a.baseline_writes, "no streams")
    cpu_base = (cpu_seconds(a.pid) - cpu0) / max(a.baseline_writes, 1)
    await asyncio.sleep(0.5)
    rss0 = rss_kb(a.pid)
    gate = asyncio.Semaphore(64)
    t0 = time.monotonic()
    results = await asyncio.gather(*(b.open_stream(u, gate) for u in holders),
                                   return_exceptions=True)
    open_s = time.monotonic() - t0
    opened = [r for r in results if not isinstance(r, BaseException)]
    failures = [repr(r)[:80] for r in results if isinstance(r, BaseException)]
    readers = [asyncio.ensure_future(b.read_stream(r, p)) for r, _, p in opened]
    cpu0 = cpu_seconds(a.pid)
    await asyncio.sleep(2)
    cpu_idle = (cpu_seconds(a.pid) - cpu0) / 2
    rss1 = rss_kb(a.pid)
    cpu0 = cpu_seconds(a.pid)
    statuses, answer_ms, write_s = await b.write_all(users_used, a.writes, "stream bench")
    held = {}
    for u in holders:
        held[u["id"]] = held.get(u["id"], 0) + 1
    expected = sum(held[users_used[i % len(users_used)]["id"]] for i in range(a.writes))
    until = time.monotonic() + a.max_wait
    while expected and len(b.latencies) < expected and time.monotonic() < until:
        b.arrived.clear()
        try:
            await asyncio.wait_for(b.arrived.wait(), max(0.01, until - time.monotonic()))
        except asyncio.TimeoutError:
            break
    await asyncio.sleep(0.5)
    cpu = cpu_seconds(a.pid) - cpu0
    rss2 = rss_kb(a.pid)
    for task in readers:
        task.cancel()
    for _, w, _ in opened:
        w.close()
    lat = [x * 1000 for x in b.latencies]
    return {
        "streams": len(opened), "open_failures": len(failures),
        "open_failure_examples": failures[:3], "users": len(users_used),
        "per_user": a.per_user, "open_seconds": round(open_s, 2),
        "rss_before_kb": rss0, "rss_open_kb": rss1, "rss_after_writes_kb": rss2,
        "kb_per_stream": round((rss1 - rss0) / max(len(opened), 1), 1),
        "writes": a.writes, "rate": a.rate, "write_seconds": round(write_s, 1),
        "write_statuses": statuses, "write_p50_ms": round((percentile(answer_ms, 50) or 0.0), 1),
        "write_p99_ms": round((percentile(answer_ms, 99) or 0.0), 1),
        "deliveries": len(lat), "expected_deliveries": expected,
        "unexpected_events": b.unexpected, "streams_closed": b.closed,
        "keepalive_comments": b.comments,
        "server_cpu_ms_per_write": round(cpu * 1000 / max(a.writes, 1), 2),
        "server_cpu_ms_per_write_no_streams": round(cpu_base * 1000, 2),
        "server_cpu_idle_percent": round(cpu_idle * 100, 1),
        **{f"delivery_{k}_ms": round((percentile(lat, q) or 0.0), 1)
           for k, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))},
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", required=True)
    p.add_argument("--sessions", required=True)
    p.add_argument("--pid", type=int, required=True, help="the server's, for VmRSS")
    p.add_argument("--streams", type=int, default=1000)
    p.add_argument("--per-user", type=int, default=5)
    p.add_argument("--writes", type=int, default=300)
    p.add_argument("--rate", type=float, default=20)
    p.add_argument("--baseline-writes", type=int, default=100,
                   help="writes made before any stream opens (server CPU per write)")
    p.add_argument("--max-wait", type=float, default=15, help="seconds for late events")
    p.add_argument("--out")
    a = p.parse_args()
    a.url = loopback_only(a.url)
    if not (0 < a.streams <= 20000 and 0 < a.writes <= 10000 and 0 < a.rate <= 1000
            and 0 <= a.baseline_writes <= 10000):
        die("--streams, --writes or --rate out of bounds")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < a.streams + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, a.streams + 1024), hard))
    users = []
    with open(a.sessions) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 2:
                users.append({"id": fields[0], "token": fields[1], "tasks": fields[2:]})
    if len(users) * a.per_user < a.streams:
        die(f"{len(users)} users x {a.per_user} streams is fewer than {a.streams}")
    limit = (a.writes + a.baseline_writes) / a.rate + 240
    f = asyncio.run(asyncio.wait_for(run(a, users), limit))
    print(f"   {f['streams']} streams ({f['open_failures']} failed to open) of {f['users']} "
          f"users in {f['open_seconds']} s; server RSS {f['rss_before_kb'] // 1024} -> "
          f"{f['rss_open_kb'] // 1024} MB = {f['kb_per_stream']} kB a stream; {f['writes']} "
          f"writes at {f['rate']:g}/s: {f['deliveries']}/{f['expected_deliveries']} events, "
          f"write to event p50 {f['delivery_p50_ms']} ms, p95 {f['delivery_p95_ms']}, "
          f"p99 {f['delivery_p99_ms']}, max {f['delivery_max_ms']}", file=sys.stderr)
    if a.out:
        with open(a.out, "w") as out:
            json.dump(f, out, indent=1)
    ok = (f["open_failures"] == 0 and f["deliveries"] == f["expected_deliveries"]
          and f["unexpected_events"] == 0 and f["streams_closed"] == 0)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
