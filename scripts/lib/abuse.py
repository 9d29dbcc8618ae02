#!/usr/bin/env python3
"""Abuse regression (issue 15), driven by scripts/abuse.sh. Standard library
only; talks to loopback addresses only; every loop is bounded in count and
in time.

Subcommands
  run      signs up an attacker and a normal user on a running server, then
           runs every attack below, one after the other, while the normal
           user (a separate process, so that the attackers' Python threads
           do not slow its measurements) reads one of its own tasks and
           lists them, in turn, on one keep-alive connection
  normal   that normal user: one JSON line per request on stdout until its
           stdin closes (or its own bounds run out)

Attacks (each asserts the server's answer, and that every request of the
normal user during it succeeded, with p99 within --max-p99-ms):
  1. idle keep-alive connections: one request each, then silence; closed
     after the header-read timeout, nothing more sent
  2. silent connections, half-sent request heads, HTTP/2 prefaces: closed
     after the header-read timeout, never answered
  3. connections up to the cap: past `cap - reserve` other requests get 503
     `server_busy` (Retry-After, Connection: close) while /health/* is
     answered; past the cap new connections are closed unanswered; the held
     ones are served on, and a new connection of the normal user is served
     once the attacker lets go
  4. oversize head (64 KiB) -> 431; oversize body (Content-Length 1 MiB,
     sent whole before reading) -> 413 `payload_too_large` readable by the
     client; with `Expect: 100-continue` (100 MiB declared) -> 413 at once
  5. stalled bodies on probes, auth and task routes -> 408 `body_timeout`
     after the body-read timeout, then closed
  6. duplicate-tag flood (15,000 copies of one tag in a 58 KiB body; POST,
     PUT, PATCH) -> 422 naming `tags`, and on the normal user's path 403
     `forbidden` before the body is read; looped by several threads; each
     answer within --max-attack-ms, and at most --max-cpu-ms of server CPU
     per request on average (/proc)
  7. repeated `tag` filter (200 and 2,000 copies) -> 422 naming `tag` (403 on
     the normal user's path), looped and bounded alike
  8. NUL (U+0000) in every text a client sends -> 422 naming the field (400
     `invalid_request` for the token form's username; 403 on another user's
     path), never 5xx, nothing written

Exit status: 0 when every check passed, 1 otherwise, 2 on a usage error.
"""

import argparse
import http.client
import json
import math
import os
import selectors
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

PASSWORD = "correct horse battery staple"
PATIENCE = 5.0  # seconds any single answer may take before it counts as lost
PROBE = b"GET /health/live HTTP/1.1\r\nhost: abuse\r\n\r\n"


def die(msg):
    print(f"abuse.py: {msg}", file=sys.stderr)
    sys.exit(2)


def loopback_only(url):
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    try:
        addr = socket.gethostbyname(host)
    except OSError:
        die(f"cannot resolve {host}")
    if not addr.startswith("127."):
        die(f"refusing to attack {url}: loopback (127.0.0.0/8) only")
    return addr, parts.port or 80


def percentile(values, p):
    """Nearest-rank percentile of `values` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def tally(items):
    """'408 body_timeout x29, none x1': how often each outcome came."""
    counts = {}
    for item in items:
        counts[str(item)] = counts.get(str(item), 0) + 1
    return ", ".join(f"{k} x{v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def ms(seconds):
    return "-" if seconds is None else f"{seconds * 1000:.1f} ms"


# ------------------------------------------------------------ raw HTTP/1.1

class Answer:
    """One HTTP/1.1 response parsed off raw bytes."""

    def __init__(self, status, headers, body, end):
        self.status, self.headers, self.body, self.end = status, headers, body, end

    def code(self):
        try:
            return json.loads(self.body).get("code")
        except (ValueError, AttributeError):
            return None

    def __repr__(self):
        return f"{self.status} {self.code() or ''}".strip()


def parse_answer(data):
    """The first whole response in `data`, or None."""
    end = data.find(b"\r\n\r\n")
    if end < 0 or not data.startswith(b"HTTP/1."):
        return None
    lines = data[:end].decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split(" ")[1])
    except (IndexError, ValueError):
        return None
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    if len(data) < end + 4 + length:
        return None
    return Answer(status, headers, data[end + 4:end + 4 + length], end + 4 + length)


def connect(addr, timeout=PATIENCE):
    return socket.create_connection(addr, timeout=timeout)


def read_answer(sock, timeout=PATIENCE):
    """Reads one response; returns (Answer | None, bytes, closed)."""
    deadline = time.time() + timeout
    data = b""
    while True:
        answer = parse_answer(data)
        if answer is not None:
            return answer, data, False
        left = deadline - time.time()
        if left <= 0:
            return None, data, False
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return None, data, False
        except OSError:
            return None, data, True
        if not chunk:
            return None, data, True
        data += chunk


class Watch:
    """What one socket received and when, until the server closed it."""

    def __init__(self, sock, label="", since=None):
        self.sock, self.label = sock, label
        self.since = since if since is not None else time.time()
        self.data = b""
        self.first_at = None
        self.closed_at = None
        self.reset = False

    @property
    def closed_after(self):
        return None if self.closed_at is None else self.closed_at - self.since


def watch_until_closed(watches, within):
    """Reads every socket until the server closes it or `within` seconds
    pass (epoll, so any number of sockets)."""
    deadline = time.time() + within
    sel = selectors.DefaultSelector()
    open_ = 0
    for w in watches:
        w.sock.setblocking(False)
        sel.register(w.sock, selectors.EVENT_READ, w)
        open_ += 1
    try:
        while open_ and time.time() < deadline:
            for key, _ in sel.select(timeout=max(0.0, deadline - time.time())):
                w = key.data
                try:
                    chunk = w.sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk, w.reset = b"", True
                now = time.time()
                if chunk:
                    w.data += chunk
                    if w.first_at is None:
                        w.first_at = now
                    continue
                w.closed_at = now
                sel.unregister(w.sock)
                open_ -= 1
    finally:
        sel.close()
    return watches


def h2_frame_types(data):
    """The types of the HTTP/2 frames in `data` (9-byte frame headers)."""
    types, at = set(), 0
    while at + 9 <= len(data):
        length = int.from_bytes(data[at:at + 3], "big")
        types.add(data[at + 3])
        at += 9 + length
    return types


def close_all(socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


# ------------------------------------------------------- HTTP client calls

class Api:
    """Short requests on a keep-alive connection (http.client)."""

    def __init__(self, addr, token=None, timeout=10.0):
        self.addr, self.token, self.timeout = addr, token, timeout
        self.conn = None
        self.opened = 0  # connections opened, retries included

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def call(self, method, path, body=None, raw=None, headers=None, form=None):
        """Returns (status, headers, json-or-None, seconds); status None on a
        transport error (then the error string is in the headers slot)."""
        h = dict(headers or {})
        if self.token:
            h.setdefault("Authorization", f"Bearer {self.token}")
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
        if raw is not None:
            payload = raw
        if payload is not None:
            h.setdefault("Content-Type", "application/json")
        if form is not None:
            payload = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection(*self.addr, timeout=self.timeout)
                self.opened += 1
            started = time.time()
            got_bytes = False
            try:
                self.conn.request(method, path, body=payload, headers=h)
                resp = self.conn.getresponse()
                got_bytes = True
                data = resp.read()
            except (http.client.HTTPException, OSError) as err:
                self.close()
                if not fresh and not got_bytes and attempt == 1:
                    continue  # a kept-alive connection the server had closed
                return None, repr(err), None, time.time() - started
            took = time.time() - started
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
            if resp.will_close:
                self.close()
            try:
                doc = json.loads(data) if data else None
            except ValueError:
                doc = None
            return resp.status, hdrs, doc, took
        raise AssertionError("unreachable")


def fields_of(doc):
    """The top-level names a 422 blames: a body entry's JSON pointer
    (`/tags/3`) by its first member (`tags`), a parameter by its name."""
    if not isinstance(doc, dict):
        return []
    names = []
    for e in doc.get("errors") or []:
        if not isinstance(e, dict) or not isinstance(e.get("field"), str):
            continue
        field = e["field"]
        if e.get("in") == "body" and field.startswith("/"):
            field = field[1:].split("/", 1)[0]
        names.append(field)
    return names


# --------------------------------------------------------------- checks

class Report:
    def __init__(self):
        self.failures = []

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)
        return ok


# ------------------------------------------------------------ normal user

def cmd_normal(a):
    """The normal user: GET one of its tasks, then its list, in turn, on one
    keep-alive connection, one JSON line per request, until stdin closes."""
    addr = loopback_only(a.url)
    stop = threading.Event()

    def wait_stdin():
        try:
            sys.stdin.read()
        finally:
            stop.set()

    threading.Thread(target=wait_stdin, daemon=True).start()
    api = Api(addr, os.environ.get("ABUSE_NORMAL_TOKEN") or die("ABUSE_NORMAL_TOKEN unset"),
              timeout=PATIENCE)
    paths = [("get", f"/api/{a.user_id}/tasks/{a.task_id}"),
             ("list", f"/api/{a.user_id}/tasks?limit=20&sort=created_at")]
    deadline = time.time() + a.max_seconds
    sent = 0
    out = sys.stdout
    while not stop.is_set() and time.time() < deadline and sent < a.max_requests:
        op, path = paths[sent % 2]
        opened = api.opened
        started = time.time()
        status, hdrs, doc, _ = api.call("GET", path)
        took = time.time() - started  # a retry on a fresh connection included
        rec = {"t": round(started, 4), "s": round(took, 5), "op": op, "st": status,
               "ok": status == 200, "fresh": api.opened > opened}
        if status is None:
            rec["err"] = hdrs[:160]
        elif status != 200:
            rec["code"] = (doc or {}).get("code") if isinstance(doc, dict) else None
        out.write(json.dumps(rec) + "\n")
        out.flush()
        sent += 1
        stop.wait(a.pause)
    api.close()


class NormalUser:
    """Runs `normal` in a child process and keeps its records."""

    def __init__(self, url, token, user_id, task_id, max_seconds, pause):
        self.records = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "normal", "--url", url,
             "--user-id", user_id, "--task-id", task_id,
             "--max-seconds", str(max_seconds), "--pause", str(pause)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=dict(os.environ, ABUSE_NORMAL_TOKEN=token))
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                self.records.append(rec)

    def wait_for(self, count, within=10.0):
        deadline = time.time() + within
        while time.time() < deadline:
            with self.lock:
                if len(self.records) >= count:
                    return True
            time.sleep(0.05)
        return False

    def window(self, start, end):
        """The requests that overlapped [start, end). The normal user sends
        one request at a time, so once one that started after `end` is
        recorded, every earlier one is (a slow one included)."""
        deadline = time.time() + PATIENCE + 2
        while time.time() < deadline and self.proc.poll() is None:
            with self.lock:
                if self.records and self.records[-1]["t"] >= end:
                    break
            time.sleep(0.02)
        with self.lock:
            return [r for r in self.records if r["t"] < end and r["t"] + r["s"] > start]

    def stop(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=PATIENCE + 2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=2)


# --------------------------------------------------------------- attacks

class Run:
    def __init__(self, a):
        self.a = a
        self.addr = loopback_only(a.url)
        self.url = a.url.rstrip("/")
        self.attacker = Api(self.addr)
        self.anon = Api(self.addr)
        self.hto = a.header_timeout
        self.bto = a.body_timeout
        self.rows = []
        self.failed = 0
        self.server_pid = a.server_pid

    # -- helpers

    def server_cpu(self):
        """The server's CPU seconds so far (Linux /proc), or None."""
        if not self.server_pid:
            return None
        try:
            with open(f"/proc/{self.server_pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def closes_in_time(self, w):
        """Closed by the server after the header-read timeout (not before
        80 % of it; at most 2.5 s after it: the watchdog's grace)."""
        after = w.closed_after
        return after is not None and 0.8 * self.hto <= after <= self.hto + 2.5

    def attack(self, number, name, fn):
        if time.time() > self.deadline:
            self.failed += 1
            print(f"{number}. {name}: not run, the time budget of {self.a.max_seconds:.0f} s "
                  f"is spent", flush=True)
            self.rows.append({"attack": number, "name": name, "ok": False, "skipped": True})
            return
        report = Report()
        cpu0 = self.server_cpu()
        started = time.time()
        try:
            sent, answer, extra = fn(report)
        except Exception as err:  # an attack that crashed is a failed check
            sent, answer, extra = "-", f"crashed: {err!r}", {}
            report.check(False, f"the attack itself crashed: {err!r}")
        ended = time.time()
        cpu1 = self.server_cpu()
        normal = self.normal.window(started, ended)
        lat = [r["s"] for r in normal if r["ok"]]
        bad = [r for r in normal if not r["ok"]]
        p50, p99 = percentile(lat, 50), percentile(lat, 99)
        report.check(not bad, f"normal user: {len(bad)} of {len(normal)} requests failed: "
                     + "; ".join(f"{r['op']} {r.get('st')} {r.get('code') or r.get('err', '')}"
                                 for r in bad[:3]))
        report.check(len(normal) >= self.a.min_normal,
                     f"normal user: only {len(normal)} requests during the attack "
                     f"(at least {self.a.min_normal} expected)")
        report.check(p99 is not None and p99 * 1000 <= self.a.max_p99_ms,
                     f"normal user: p99 {ms(p99)} over {self.a.max_p99_ms:.0f} ms")
        ok = not report.failures
        if not ok:
            self.failed += 1
        cpu = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
        row = {"attack": number, "name": name, "ok": ok, "seconds": round(ended - started, 2),
               "sent": sent, "answer": answer, "normal_requests": len(normal),
               "normal_failed": len(bad),
               "normal_p50_ms": None if p50 is None else round(p50 * 1000, 1),
               "normal_p99_ms": None if p99 is None else round(p99 * 1000, 1),
               "normal_max_ms": None if not lat else round(max(lat) * 1000, 1),
               "server_cpu_s": None if cpu is None else round(cpu, 2),
               "failures": report.failures}
        row.update(extra or {})
        self.rows.append(row)
        verdict = "ok" if ok else "FAIL"
        print(f"{number}. {name} [{verdict}, {ended - started:.1f} s]\n"
              f"   sent:   {sent}\n"
              f"   answer: {answer}\n"
              f"   normal user: {len(normal)} requests, {len(bad)} failed, "
              f"p50 {ms(p50)}, p99 {ms(p99)}, max {ms(max(lat) if lat else None)}",
              flush=True)
        for failure in report.failures:
            print(f"   FAIL: {failure}", flush=True)
        # A quiet gap, so that one attack's tail is not the next one's start.
        time.sleep(0.3)

    # -- 1. idle keep-alive connections

    def idle_keep_alive(self, r):
        n = self.a.idle_connections
        path = f"/api/{self.a.attacker_id}/tasks?limit=1"
        request = (f"GET {path} HTTP/1.1\r\nhost: abuse\r\n"
                   f"authorization: Bearer {self.a.attacker_token}\r\n\r\n").encode()
        watches = []
        for i in range(n):
            sock = connect(self.addr)
            # Half ask for their list, half for a probe.
            sock.sendall(request if i % 2 == 0 else PROBE)
            watches.append(Watch(sock))
        watch_until_closed(watches, self.hto + 4 + n * 0.01)
        answers = [parse_answer(w.data) for w in watches]
        statuses = sorted({a.status for a in answers if a})
        r.check(all(a and a.status == 200 for a in answers),
                f"not every request was answered 200: {statuses}, "
                f"{sum(1 for a in answers if not a)} unanswered")
        r.check(all(a is None or "close" not in a.headers.get("connection", "") for a in answers),
                "a connection was not kept alive after its answer")
        r.check(all(a is None or a.end == len(w.data) for a, w in zip(answers, watches)),
                "something was sent after the answer")
        idle = [w.closed_at - w.first_at for w in watches
                if w.closed_at is not None and w.first_at is not None]
        still_open = sum(1 for w in watches if w.closed_at is None)
        r.check(not still_open, f"{still_open} of {n} idle connections still open "
                f"{self.hto + 4:.0f} s after their answer")
        r.check(all(0.8 * self.hto <= s <= self.hto + 2.5 for s in idle),
                f"idle connections closed after {min(idle, default=0):.2f}-"
                f"{max(idle, default=0):.2f} s (expected {self.hto:.0f} s)")
        close_all(w.sock for w in watches)
        kept = sum(1 for a in answers
                   if a and "close" not in a.headers.get("connection", "").lower())
        more = sum(1 for a, w in zip(answers, watches) if a and a.end < len(w.data))
        return (f"{n} keep-alive connections, one request each (list or /health/live), "
                f"then silent",
                f"{tally(a.status if a else 'none' for a in answers)} ({kept} kept alive), then "
                f"{n - still_open} closed by the server {min(idle, default=0):.2f}-"
                f"{max(idle, default=0):.2f} s after the answer, "
                + (f"{more} sent more" if more else "nothing more sent"),
                {"idle_close_s": [round(min(idle, default=0), 2),
                                  round(max(idle, default=0), 2)]})

    # -- 2. silent and half-sent connections

    def silent_and_half_sent(self, r):
        n = self.a.silent_connections
        openings = [
            ("silent", b""),
            ("half head", b"GET /health/live HTTP/1.1\r\nhost: abuse\r\n"),
            ("half request line", b"GET /api/auth/me HT"),
            ("unfinished 12 KiB head",
             b"GET /health/live HTTP/1.1\r\nhost: abuse\r\nx-filler: " + b"a" * 12 * 1024),
            ("partial HTTP/2 preface", b"PRI * HTTP/2.0\r\n"),
            ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
        ]
        watches = []
        for i in range(n):
            label, opening = openings[i % len(openings)]
            sock = connect(self.addr)
            if opening:
                sock.sendall(opening)
            watches.append(Watch(sock, label))
        watch_until_closed(watches, self.hto + 4 + n * 0.01)
        by_label = {}
        for w in watches:
            by_label.setdefault(w.label, []).append(w)
        parts = []
        for label, _ in openings:
            ws = by_label.get(label, [])
            if not ws:
                continue
            after = [w.closed_after for w in ws if w.closed_at is not None]
            served = [w for w in ws if w.data.startswith(b"HTTP/1.1 2")]
            if label == "HTTP/2 preface":
                # The server's own preface (SETTINGS) and its GOAWAY are
                # expected; a HEADERS or DATA frame would be an answer.
                answered = [w for w in ws if h2_frame_types(w.data) & {0, 1}]
            else:
                answered = [w for w in ws if w.data]
            still = len(ws) - len(after)
            r.check(not still, f"{label}: {still} of {len(ws)} still open after "
                    f"{self.hto + 4:.0f} s")
            r.check(not served, f"{label}: {len(served)} were served")
            r.check(not answered, f"{label}: {len(answered)} were answered: "
                    f"{answered[0].data[:60] if answered else ''}")
            r.check(all(self.closes_in_time(w) for w in ws if w.closed_at is not None),
                    f"{label}: closed after {min(after, default=0):.2f}-"
                    f"{max(after, default=0):.2f} s (expected {self.hto:.0f} s)")
            goaway = sum(1 for w in ws if 7 in h2_frame_types(w.data))
            parts.append(f"{label} {len(ws)}x closed {min(after, default=0):.2f}-"
                         f"{max(after, default=0):.2f} s"
                         + (f" (SETTINGS, then GOAWAY x{goaway})" if goaway else "")
                         + (f", {len(answered)} answered" if answered else ""))
        close_all(w.sock for w in watches)
        answered = sum(1 for w in watches if w.data and w.label != "HTTP/2 preface")
        return (f"{n} connections: silent, half a head, half a request line, an unfinished "
                f"12 KiB head, half and whole HTTP/2 preface, then nothing",
                "; ".join(parts) + ("; none answered" if not answered else ""), {})

    # -- 3. connections up to the cap

    def connection_cap(self, r):
        cap = self.a.max_connections
        reserve = min(cap // 2, 8)
        held, held_lock = [], threading.Lock()
        keeper_stop = threading.Event()
        keeper_errors = []
        interval = self.hto / 4

        def keeper():
            """Keeps the held connections from going idle: a probe on each
            well within the header-read timeout."""
            while not keeper_stop.is_set():
                with held_lock:
                    due = [h for h in held if time.time() - h[1] > interval]
                for h in due:
                    if keeper_stop.is_set():
                        return
                    sock = h[0]
                    try:
                        sock.sendall(PROBE)
                        answer, data, closed = read_answer(sock)
                    except OSError as err:
                        answer, data, closed = None, repr(err).encode(), True
                    if answer is None or answer.status != 200:
                        keeper_errors.append(f"{answer!r} {data[:60]!r} closed={closed}")
                        with held_lock:
                            held.remove(h)
                        sock.close()
                        continue
                    h[1] = time.time()
                keeper_stop.wait(0.02)

        keeper_thread = threading.Thread(target=keeper, daemon=True)
        keeper_thread.start()
        silent = []
        try:
            # a. Fill the connections served fully, one at a time, each kept
            # alive, until a probe's answer says `Connection: close`: that
            # connection took one of the places kept for probes.
            fill_started = time.time()
            boundary = None
            for _ in range(cap + 1):
                sock = connect(self.addr)
                sock.sendall(PROBE)
                answer, data, closed = read_answer(sock)
                if answer is None or answer.status != 200:
                    r.check(False, f"a probe while filling got {answer!r} {data[:60]!r}")
                    sock.close()
                    break
                if answer.headers.get("connection", "").lower() == "close":
                    boundary = sock
                    break
                with held_lock:
                    held.append([sock, time.time()])
            fill_s = time.time() - fill_started
            n_held = len(held)
            r.check(boundary is not None, f"no probes-only place after {n_held} connections")
            # The normal user's connection (and nothing else) holds a place too.
            r.check(cap - reserve - 3 <= n_held <= cap - reserve,
                    f"{n_held} connections served fully (cap {cap}, {reserve} kept for "
                    f"probes: expected {cap - reserve - 1})")
            if boundary is not None:
                watch_until_closed([Watch(boundary)], PATIENCE)
                boundary.close()

            # b. In the probes' places: everything else 503 server_busy.
            busy = []
            for method, path, auth in [
                    ("GET", f"/api/{self.a.attacker_id}/tasks", True),
                    ("GET", "/openapi.json", False),
                    ("POST", "/api/auth/login", False)]:
                sock = connect(self.addr)
                head = f"{method} {path} HTTP/1.1\r\nhost: abuse\r\n"
                if auth:
                    head += f"authorization: Bearer {self.a.attacker_token}\r\n"
                body = b""
                if method == "POST":
                    body = json.dumps({"email": "x@example.com", "password": PASSWORD}).encode()
                    head += ("content-type: application/json\r\n"
                             f"content-length: {len(body)}\r\n")
                sock.sendall((head + "\r\n").encode() + body)
                answer, data, _ = read_answer(sock)
                w = watch_until_closed([Watch(sock)], PATIENCE)[0]
                sock.close()
                busy.append(answer)
                r.check(answer is not None and answer.status == 503
                        and answer.code() == "server_busy"
                        and answer.headers.get("retry-after") == "1"
                        and answer.headers.get("connection", "").lower() == "close"
                        and answer.headers.get("content-type", "").startswith(
                            "application/problem+json"),
                        f"{method} {path} in a probes' place: {answer!r} "
                        f"{answer.headers if answer else data[:80]!r}")
                r.check(w.closed_at is not None, f"{method} {path}: not closed after its 503")
            probes = []
            for path in ("/health/live", "/health/ready"):
                sock = connect(self.addr)
                sock.sendall(f"GET {path} HTTP/1.1\r\nhost: abuse\r\n\r\n".encode())
                answer, data, _ = read_answer(sock)
                w = watch_until_closed([Watch(sock)], PATIENCE)[0]
                sock.close()
                probes.append(answer)
                r.check(answer is not None and answer.status == 200
                        and answer.headers.get("connection", "").lower() == "close",
                        f"{path} in a probes' place: {answer!r}")
                r.check(w.closed_at is not None, f"{path}: not closed after its answer")
            time.sleep(0.1)  # the places of the connections just closed are free

            # c. Fill the probes' places with silent connections (two more,
            # in case a place above was not yet given back: those are
            # refused); past the cap a new connection is closed at once,
            # unanswered.
            silent.extend(connect(self.addr) for _ in range(reserve + 2))
            time.sleep(0.1)
            refused = []
            for _ in range(3):
                sock = connect(self.addr)
                try:
                    sock.sendall(PROBE)
                except OSError:
                    pass
                refused.append(Watch(sock))
            watch_until_closed(refused, 1.5)
            close_all(w.sock for w in refused)
            for w in refused:
                r.check(w.closed_at is not None and not w.data,
                        f"past the cap: {'answered ' + repr(w.data[:40]) if w.data else ''}"
                        f"{'still open after 1.5 s' if w.closed_at is None else ''}")
            refused_s = max((w.closed_after for w in refused if w.closed_at), default=None)
            # The cap stays full for a while: the held connections (and the
            # normal user's) are served on.
            time.sleep(self.a.cap_hold_seconds)
        finally:
            keeper_stop.set()
            keeper_thread.join(timeout=PATIENCE + 1)
            with held_lock:
                close_all(h[0] for h in held)
                n_kept = len(held)
            close_all(silent)
        r.check(not keeper_errors, f"{len(keeper_errors)} held connections were dropped: "
                f"{keeper_errors[:2]}")

        # d. The attacker lets go: a new connection of the normal user is
        # served again.
        recovered = None
        released = time.time()
        normal = Api(self.addr, self.a.normal_token, timeout=2)
        for _ in range(50):
            normal.close()
            status, _, _, _ = normal.call("GET", f"/api/{self.a.normal_id}/tasks/{self.a.task_id}")
            if status == 200:
                recovered = time.time() - released
                break
            time.sleep(0.1)
        normal.close()
        r.check(recovered is not None, "the normal user's new connection was not served "
                "within 5 s of the attacker letting go")
        unanswered = sum(1 for w in refused if w.closed_at is not None and not w.data)

        def shown(answer, *headers):
            if answer is None:
                return "none"
            return f"{answer!r} ({', '.join(f'{h}: {answer.headers.get(h)}' for h in headers)})"

        return (f"cap {cap} ({reserve} kept for probes): {n_held} keep-alive connections "
                f"(filled in {fill_s:.1f} s, a probe on each every {interval:.1f} s), "
                f"3 requests and 2 probes in the probes' places, {reserve + 2} silent "
                f"connections, then 3 more",
                f"held {n_kept} of {n_held} served throughout; in the probes' places "
                + ", ".join(shown(b, "retry-after", "connection") for b in busy)
                + "; probes " + ", ".join(shown(p, "connection") for p in probes)
                + f"; past the cap {unanswered} of {len(refused)} closed unanswered in "
                f"{ms(refused_s)}; a new normal-user connection served "
                f"{ms(recovered)} after release",
                {"held": n_held, "recovered_ms": None if recovered is None
                 else round(recovered * 1000, 1)})

    # -- 4. oversize head and body

    def oversize(self, r):
        rounds, seconds = self.a.oversize_rounds, self.a.oversize_seconds
        heads = []
        stop_at = time.time() + seconds
        head = (b"GET /health/live HTTP/1.1\r\nhost: abuse\r\nx-filler: "
                + b"a" * (64 * 1024) + b"\r\n\r\n")
        while len(heads) < rounds and time.time() < stop_at:
            sock = connect(self.addr)
            try:
                sock.sendall(head)
                answer, data, _ = read_answer(sock)
            except OSError as err:
                answer, data = None, repr(err).encode()
            sock.close()
            heads.append(answer.status if answer else data[:40])
        r.check(all(s == 431 for s in heads), f"64 KiB head: "
                f"{sorted({str(h) for h in heads})}")

        bodies, codes, closes = [], set(), set()
        path = f"/api/{self.a.attacker_id}/tasks"
        mebibyte = b" " * (1024 * 1024)
        stop_at = time.time() + seconds
        while len(bodies) < rounds and time.time() < stop_at:
            request = urllib.request.Request(
                self.url + path, data=mebibyte, method="POST",
                headers={"Content-Type": "application/json",
                         "Authorization": f"Bearer {self.a.attacker_token}"})
            try:
                with urllib.request.urlopen(request, timeout=PATIENCE * 2) as resp:
                    bodies.append(resp.status)
            except urllib.error.HTTPError as err:
                try:
                    doc = json.loads(err.read())
                except ValueError:
                    doc = {}
                bodies.append(err.code)
                codes.add(doc.get("code"))
                closes.add((err.headers.get("connection") or "").lower())
            except OSError as err:  # a reset or broken pipe: the client never read it
                bodies.append(type(err).__name__)
        r.check(all(b == 413 for b in bodies) and codes == {"payload_too_large"}
                and closes == {"close"},
                f"1 MiB body: {sorted({str(b) for b in bodies})}, codes {codes}, "
                f"connection {closes}")

        sock = connect(self.addr)
        sock.sendall((f"POST {path} HTTP/1.1\r\nhost: abuse\r\n"
                      f"authorization: Bearer {self.a.attacker_token}\r\n"
                      "content-type: application/json\r\nexpect: 100-continue\r\n"
                      f"content-length: {100 * 1024 * 1024}\r\n\r\n").encode())
        started = time.time()
        answer, data, _ = read_answer(sock)
        took = time.time() - started
        sock.close()
        r.check(answer is not None and answer.status == 413
                and answer.code() == "payload_too_large",
                f"100 MiB with Expect: 100-continue: {answer!r} {data[:60]!r}")
        return (f"{len(heads)}x a 64 KiB header; {len(bodies)}x a 1 MiB body sent whole by "
                f"urllib before reading; 1x Expect: 100-continue declaring 100 MiB",
                f"431 x{heads.count(431)}; 413 payload_too_large x{bodies.count(413)} "
                f"read by urllib (Connection: close); 413 before the body in {ms(took)}",
                {"oversize_heads": len(heads), "oversize_bodies": len(bodies)})

    # -- 5. stalled bodies

    def stalled_bodies(self, r):
        n = self.a.stalled_bodies
        routes = [("/health/live", False), ("/api/auth/login", False),
                  (f"/api/{self.a.attacker_id}/tasks", True)]
        watches = []
        for i in range(n):
            path, auth = routes[i % len(routes)]
            head = (f"POST {path} HTTP/1.1\r\nhost: abuse\r\n"
                    "content-type: application/json\r\ncontent-length: 100\r\n")
            if auth:
                head += f"authorization: Bearer {self.a.attacker_token}\r\n"
            sock = connect(self.addr)
            sock.sendall((head + "\r\n").encode() + b'{"email"')
            watches.append(Watch(sock, path.split("/")[1] if not auth else "tasks"))
        watch_until_closed(watches, self.bto + 4 + n * 0.01)
        answers = [parse_answer(w.data) for w in watches]
        took = [w.first_at - w.since for w in watches if w.first_at is not None]
        ok = [a for a in answers if a and a.status == 408 and a.code() == "body_timeout"
              and a.headers.get("connection", "").lower() == "close"]
        r.check(len(ok) == n, f"{n - len(ok)} of {n} stalled bodies not answered 408 "
                f"body_timeout with Connection: close: "
                f"{sorted({repr(a) for a in answers if a not in ok}, key=str)[:3]}")
        r.check(all(0.8 * self.bto <= t <= self.bto + 2.0 for t in took),
                f"answered after {min(took, default=0):.2f}-{max(took, default=0):.2f} s "
                f"(expected {self.bto:.0f} s)")
        still = sum(1 for w in watches if w.closed_at is None)
        r.check(not still, f"{still} connections still open after their 408")
        close_all(w.sock for w in watches)
        return (f"{n} requests declaring 100 bytes, sending 8 (/health/live, /api/auth/login, "
                f"/api/{{attacker}}/tasks), then nothing",
                f"{tally(repr(a) if a else 'none' for a in answers)} after "
                f"{min(took, default=0):.2f}-{max(took, default=0):.2f} s, "
                f"{len(ok)} with Connection: close; {n - still} of {n} closed", {})

    # -- 6/7. floods looped by several threads

    def flood(self, r, ops, label):
        """`ops` is a list of (name, method, path, raw body or None, expected
        (status, code, field or None)); each thread cycles through them on a
        keep-alive connection until its count or the time runs out. Returns
        the count, the attacker's latencies and what came back per op."""
        threads_n, max_n = self.a.flood_threads, self.a.flood_requests
        seconds = self.a.flood_seconds
        results = []
        lock = threading.Lock()
        stop_at = time.time() + seconds

        def worker(k):
            api = Api(self.addr, self.a.attacker_token)
            mine = []
            i = k
            while len(mine) < max_n and time.time() < stop_at:
                name, method, path, raw, _ = ops[i % len(ops)]
                i += 1
                status, hdrs, doc, took = api.call(method, path, raw=raw)
                code = doc.get("code") if isinstance(doc, dict) else None
                mine.append((name, status, code, fields_of(doc), took,
                             hdrs if status is None else None))
            api.close()
            with lock:
                results.extend(mine)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(threads_n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + PATIENCE * 2)
        outcomes = []
        for name, _, _, _, (want, want_code, want_field) in ops:
            got = [g for g in results if g[0] == name]
            wrong = [g for g in got if not (g[1] == want and g[2] == want_code
                                            and (want_field is None or want_field in g[3]))]
            shown = f"{want} {want_code}" + (f" naming {want_field}" if want_field else "")
            r.check(got and not wrong, f"{label} {name}: {len(wrong)} of {len(got)} not "
                    f"{shown}: {[(g[1], g[2], g[3] or g[5]) for g in wrong[:3]]}")
            outcomes.append(f"{name} " + tally(
                f"{g[1]} {g[2]}" + (f" naming {'/'.join(map(str, g[3]))}" if g[3] else "")
                if g[1] else "no answer" for g in got))
        took = [g[4] for g in results]
        p50, p99, top = percentile(took, 50), percentile(took, 99), max(took, default=None)
        r.check(top is not None and top * 1000 <= self.a.max_attack_ms,
                f"{label}: the slowest answer took {ms(top)} (at most "
                f"{self.a.max_attack_ms:.0f} ms)")
        return len(results), p50, p99, top, "; ".join(outcomes)

    def cpu_per_request(self, cpu0, n):
        cpu1 = self.server_cpu()
        if cpu0 is None or cpu1 is None or not n:
            return None
        return (cpu1 - cpu0) / n

    def measured_flood(self, r, ops, label, description):
        """`flood`, with the server's CPU per request checked against its
        bound; the attack's (description, outcome, figures)."""
        cpu0 = self.server_cpu()
        n, p50, p99, top, outcomes = self.flood(r, ops, label)
        cpu = self.cpu_per_request(cpu0, n)
        if cpu is not None:
            r.check(cpu * 1000 <= self.a.max_cpu_ms,
                    f"{label}: {cpu * 1000:.1f} ms of server CPU per request (at most "
                    f"{self.a.max_cpu_ms:.0f} ms)")
        return (description,
                f"{n} requests: {outcomes}; attacker's p50 "
                f"{ms(p50)} p99 {ms(p99)} max {ms(top)}"
                + ("" if cpu is None else f", server CPU {cpu * 1000:.1f} ms/request"),
                {"attack_requests": n, "attack_p50_ms": round(p50 * 1000, 1) if p50 else None,
                 "attack_p99_ms": round(p99 * 1000, 1) if p99 else None,
                 "cpu_ms_per_request": None if cpu is None else round(cpu * 1000, 2)})

    def tag_flood(self, r):
        aid, task = self.a.attacker_id, self.attacker_task
        tags = ["a"] * 15000
        compact = lambda doc: json.dumps(doc, separators=(",", ":")).encode()  # noqa: E731
        create = compact({"title": "flood", "tags": tags})
        invalid = (422, "validation_failed", "tags")
        ops = [
            ("POST", "POST", f"/api/{aid}/tasks", create, invalid),
            ("PUT", "PUT", f"/api/{aid}/tasks/{task}", create, invalid),
            ("PATCH", "PATCH", f"/api/{aid}/tasks/{task}", compact({"tags": tags}), invalid),
            # Another user's path is refused before its body is read.
            ("POST on the normal user's path", "POST", f"/api/{self.a.normal_id}/tasks",
             create, (403, "forbidden", None)),
        ]
        result = self.measured_flood(
            r, ops, "tag flood",
            f"{self.a.flood_threads} threads x up to {self.a.flood_requests} requests or "
            f"{self.a.flood_seconds:.0f} s: a {len(create) // 1024} KiB body with 15,000 "
            f"copies of one tag, as POST, PUT, PATCH and POST on the normal user's path")
        # Nothing was written.
        status, _, doc, _ = self.attacker.call("GET", f"/api/{aid}/tasks/{task}")
        r.check(status == 200 and doc.get("tags") == ["kept"],
                f"the attacker's task changed: {status} {doc}")
        return result

    def filter_flood(self, r):
        aid = self.a.attacker_id
        invalid = (422, "validation_failed", "tag")
        two_hundred = "&".join(["tag=a"] * 200)
        ops = [
            ("200 copies", "GET", f"/api/{aid}/tasks?{two_hundred}", None, invalid),
            ("2,000 copies", "GET", f"/api/{aid}/tasks?" + "&".join(["tag=a"] * 2000), None,
             invalid),
            ("200 copies on the normal user's path", "GET",
             f"/api/{self.a.normal_id}/tasks?{two_hundred}", None, (403, "forbidden", None)),
        ]
        return self.measured_flood(
            r, ops, "tag filter",
            f"{self.a.flood_threads} threads x up to {self.a.flood_requests} requests or "
            f"{self.a.flood_seconds:.0f} s: GET list with `tag` repeated 200 and 2,000 "
            f"times, and 200 times on the normal user's path")

    # -- 8. NUL everywhere

    def nul_everywhere(self, r):
        aid, task = self.a.attacker_id, self.attacker_task
        tasks, one = f"/api/{aid}/tasks", f"/api/{aid}/tasks/{task}"

        def email():
            return f"nul-{uuid.uuid4().hex}@example.com"

        cases = [
            # (label, client, method, path, json body / form, expected status, field or code)
            ("title", "attacker", "POST", tasks, lambda: {"title": "a\u0000b"}, 422, "title"),
            ("description", "attacker", "POST", tasks,
             lambda: {"title": "t", "description": "a\u0000"}, 422, "description"),
            ("tags", "attacker", "POST", tasks,
             lambda: {"title": "t", "tags": ["ok", "a\u0000"]}, 422, "tags"),
            ("PUT title", "attacker", "PUT", one, lambda: {"title": "\u0000"}, 422, "title"),
            ("PATCH description", "attacker", "PATCH", one,
             lambda: {"description": "\u0000"}, 422, "description"),
            ("PATCH tags", "attacker", "PATCH", one, lambda: {"tags": ["\u0000"]}, 422, "tags"),
            ("sign-up email", "anon", "POST", "/api/auth/signup",
             lambda: {"email": "a\u0000" + email(), "password": PASSWORD}, 422, "email"),
            ("sign-up name", "anon", "POST", "/api/auth/signup",
             lambda: {"email": email(), "password": PASSWORD, "name": "A\u0000"}, 422, "name"),
            ("sign-up password", "anon", "POST", "/api/auth/signup",
             lambda: {"email": email(), "password": "pass\u0000word"}, 422, "password"),
            ("log-in email", "anon", "POST", "/api/auth/login",
             lambda: {"email": "a\u0000@example.com", "password": PASSWORD}, 422, "email"),
            ("refresh token", "anon", "POST", "/api/auth/refresh",
             lambda: {"refresh_token": "a\u0000"}, 422, "refresh_token"),
            ("log-out token", "anon", "POST", "/api/auth/logout",
             lambda: {"refresh_token": "a\u0000"}, 422, "refresh_token"),
            ("new password", "attacker", "POST", "/api/auth/password",
             lambda: {"current_password": PASSWORD, "new_password": "new\u0000password"},
             422, "new_password"),
            ("token username", "anon", "POST", "/api/auth/token",
             lambda: {"form": {"grant_type": "password", "username": "a\u0000@example.com",
                               "password": PASSWORD}}, 400, "invalid_request"),
            ("q", "attacker", "GET", tasks + "?q=a%00b", None, 422, "q"),
            ("tag", "attacker", "GET", tasks + "?tag=a%00", None, 422, "tag"),
            ("second tag", "attacker", "GET", tasks + "?tag=ok&tag=%00", None, 422, "tag"),
            # On another user's path: refused before the input is read.
            ("title on the normal user's path", "attacker", "POST",
             f"/api/{self.a.normal_id}/tasks", lambda: {"title": "a\u0000"}, 403, "forbidden"),
        ]
        clients = {"attacker": self.attacker, "anon": self.anon}
        before = self.attacker.call("GET", tasks)[2]
        rounds, stop_at, n = 0, time.time() + self.a.nul_seconds, 0
        statuses = {}
        worst, named = 0.0, 0
        while rounds < self.a.nul_rounds and time.time() < stop_at:
            rounds += 1
            for label, who, method, path, make, want, name in cases:
                doc = make() if make else None
                form = doc.pop("form") if isinstance(doc, dict) and "form" in doc else None
                status, hdrs, got, took = clients[who].call(
                    method, path, body=doc if doc else None, form=form)
                n += 1
                worst = max(worst, took)
                statuses[status] = statuses.get(status, 0) + 1
                if want == 400:
                    good = (status == 400 and isinstance(got, dict)
                            and got.get("error") == name and "username" in got.get("detail", ""))
                elif want == 403:
                    good = status == 403 and isinstance(got, dict) and got.get("code") == name
                else:
                    good = (status == 422 and isinstance(got, dict)
                            and got.get("code") == "validation_failed" and name in fields_of(got))
                named += good
                r.check(good, f"NUL in {label}: {status} {got if status else hdrs}")
        after = self.attacker.call("GET", tasks)[2]
        r.check(isinstance(before, dict) and isinstance(after, dict)
                and before.get("items") == after.get("items"),
                "the attacker's tasks changed: something was written")
        r.check(not any(s is None or s >= 500 for s in statuses),
                f"5xx or no answer: {statuses}")
        # The account's password is unchanged.
        status, _, _, _ = self.anon.call("POST", "/api/auth/login",
                                         body={"email": self.a.attacker_email,
                                               "password": PASSWORD})
        r.check(status == 200,
                f"the attacker's password no longer logs in: {status}")
        summary = ", ".join(f"{k} x{v}" for k, v in sorted(statuses.items(), key=str))
        written = not (isinstance(before, dict) and isinstance(after, dict)
                       and before.get("items") == after.get("items"))
        return (f"{rounds} rounds of NUL in title, description, tags (POST/PUT/PATCH), "
                f"sign-up email, name and password, log-in email, refresh and log-out token, "
                f"new password, token username, q, tag; and in a title on the normal user's "
                f"path",
                f"{n} requests: {summary}; {named} of {n} as expected (422 naming the field; "
                f"the token form: 400 invalid_request naming username; another user's path: "
                f"403 forbidden); slowest {ms(worst)}; "
                + ("something was written" if written else "nothing written"), {})

    # -- the run

    def main(self):
        a = self.a
        self.deadline = time.time() + a.max_seconds
        # Two accounts: the attacker, and the normal user it must not slow.
        for who in ("attacker", "normal"):
            email = f"abuse-{who}-{uuid.uuid4().hex}@example.com"
            status, _, doc, _ = self.anon.call("POST", "/api/auth/signup",
                                               body={"email": email, "password": PASSWORD})
            if status != 201:
                die(f"signing up the {who}: {status} {doc}")
            setattr(a, f"{who}_email", email)
            setattr(a, f"{who}_token", doc["access_token"])
            setattr(a, f"{who}_id", doc["user"]["id"])
        self.attacker.token = a.attacker_token
        # The attacker's own task, which the floods and NUL try to overwrite.
        status, _, doc, _ = self.attacker.call(
            "POST", f"/api/{a.attacker_id}/tasks", body={"title": "kept", "tags": ["kept"]})
        if status != 201:
            die(f"creating the attacker's task: {status} {doc}")
        self.attacker_task = doc["id"]
        normal = Api(self.addr, a.normal_token)
        for i in range(a.normal_tasks):
            status, _, doc, _ = normal.call(
                "POST", f"/api/{a.normal_id}/tasks",
                body={"title": f"normal task {i}", "tags": ["home"], "priority": "high"})
            if status != 201:
                die(f"creating the normal user's tasks: {status} {doc}")
            if i == 0:
                a.task_id = doc["id"]
        normal.close()
        self.attacker.close()

        self.normal = NormalUser(self.url, a.normal_token, a.normal_id, a.task_id,
                                 a.max_seconds + 30, a.normal_pause)
        try:
            if not self.normal.wait_for(20):
                die("the normal user did not get going")
            quiet0 = time.time()
            time.sleep(1.0)
            base = self.normal.window(quiet0, time.time())
            base_lat = [x["s"] for x in base if x["ok"]]
            print(f"0. baseline, no attack: normal user {len(base)} requests, "
                  f"p50 {ms(percentile(base_lat, 50))}, p99 {ms(percentile(base_lat, 99))}",
                  flush=True)
            self.rows.append({"attack": 0, "name": "baseline", "ok": True,
                              "normal_requests": len(base),
                              "normal_p50_ms": round(percentile(base_lat, 50) * 1000, 1)
                              if base_lat else None,
                              "normal_p99_ms": round(percentile(base_lat, 99) * 1000, 1)
                              if base_lat else None})
            for number, name, fn in [
                    (1, "idle keep-alive connections", self.idle_keep_alive),
                    (2, "silent and half-sent connections", self.silent_and_half_sent),
                    (3, "connections up to the cap", self.connection_cap),
                    (4, "oversize header and body", self.oversize),
                    (5, "stalled bodies", self.stalled_bodies),
                    (6, "duplicate-tag flood", self.tag_flood),
                    (7, "repeated tag filter", self.filter_flood),
                    (8, "NUL in every text", self.nul_everywhere)]:
                if a.only and str(number) not in a.only.split(","):
                    continue
                self.attack(number, name, fn)
        finally:
            self.normal.stop()

        total = [r for r in self.normal.records]
        print("\nsummary (normal user's latency during each attack; "
              f"p99 bound {a.max_p99_ms:.0f} ms)")
        print(f"{'attack':<36} {'result':<6} {'secs':>5} {'normal':>7} {'p50':>9} {'p99':>9}")
        for row in self.rows:
            label = f"{row['attack']}. {row['name']}"
            secs = "" if "seconds" not in row else f"{row['seconds']:.1f}"
            p50, p99 = row.get("normal_p50_ms"), row.get("normal_p99_ms")
            p50 = "-" if p50 is None else f"{p50:.1f} ms"
            p99 = "-" if p99 is None else f"{p99:.1f} ms"
            print(f"{label:<36} {'ok' if row['ok'] else 'FAIL':<6} {secs:>5} "
                  f"{row.get('normal_requests', 0):>7} {p50:>9} {p99:>9}")
        print(f"normal user overall: {len(total)} requests, "
              f"{sum(1 for x in total if not x['ok'])} failed, "
              f"{sum(1 for x in total if x['fresh'])} connections opened")
        if a.figures:
            with open(a.figures, "w") as f:
                json.dump({"attacks": self.rows,
                           "settings": {k: v for k, v in vars(a).items()
                                        if "token" not in k and k != "func"}}, f, indent=1)
        return 1 if self.failed else 0


def cmd_run(a):
    # Whatever happens, the run ends: a watchdog for the whole budget.
    def watchdog():
        time.sleep(a.max_seconds + 30)
        print(f"abuse.py: still running {a.max_seconds + 30:.0f} s after the start: "
              f"giving up", file=sys.stderr, flush=True)
        os._exit(3)

    threading.Thread(target=watchdog, daemon=True).start()
    sys.exit(Run(a).main())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="every attack, against a running server")
    r.add_argument("--url", required=True)
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
    r.add_argument("--oversize-seconds", type=float, default=1.0,
                   help="at most, for each kind")
    r.add_argument("--flood-threads", type=int, default=4)
    r.add_argument("--flood-requests", type=int, default=500, help="per thread")
    r.add_argument("--flood-seconds", type=float, default=3)
    r.add_argument("--nul-rounds", type=int, default=20)
    r.add_argument("--nul-seconds", type=float, default=2)
    r.add_argument("--only", default="", help="comma-separated attack numbers")
    r.add_argument("--figures", default="", help="write the figures as JSON to this file")
    r.set_defaults(func=cmd_run)
    n = sub.add_parser("normal", help="the normal user (started by run)")
    n.add_argument("--url", required=True)
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
