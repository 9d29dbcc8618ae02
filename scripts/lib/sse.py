"""Server-Sent Events clients for scripts/lib/streams.py (the cluster's
stream checks) and scripts/bench/streams.py: an incremental HTTP/1.1 and
text/event-stream parser, a stream that reconnects with Last-Event-ID, and
the change feed as ground truth. Standard library only."""

import json
import socket
import threading
import time
import urllib.parse

from helpers import die

class SseParser:
    """Fed the bytes of one HTTP/1.1 response as they arrive; returns the
    complete events (dicts: id, event, data) found so far."""

    def __init__(self):
        self.buf = b""
        self.status, self.headers = None, {}
        self.chunked, self.chunk_left, self.need_crlf = False, None, False
        self.text = b""
        self.event = {}
        self.comments = 0
        self.ended = False  # the chunked body's last chunk arrived

    def feed(self, data):
        self.buf += data
        if self.status is None:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return []
            head, self.buf = self.buf[:end].decode("latin-1"), self.buf[end + 4:]
            lines = head.split("\r\n")
            self.status = int(lines[0].split()[1])
            for line in lines[1:]:
                name, _, value = line.partition(":")
                self.headers[name.strip().lower()] = value.strip()
            self.chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        if self.chunked:
            self._dechunk()
        else:
            self.text, self.buf = self.text + self.buf, b""
        return self._events()

    def _dechunk(self):
        while self.buf and not self.ended:
            if self.need_crlf:
                if len(self.buf) < 2:
                    return
                self.buf, self.need_crlf = self.buf[2:], False
            elif self.chunk_left is None:
                end = self.buf.find(b"\r\n")
                if end < 0:
                    return
                size = int(self.buf[:end].split(b";")[0], 16)
                self.buf = self.buf[end + 2:]
                if size == 0:
                    self.ended = True
                    return
                self.chunk_left = size
            else:
                take = self.buf[:self.chunk_left]
                self.text += take
                self.buf = self.buf[len(take):]
                self.chunk_left -= len(take)
                if self.chunk_left == 0:
                    self.chunk_left, self.need_crlf = None, True

    def _events(self):
        out = []
        while True:
            end = self.text.find(b"\n")
            if end < 0:
                return out
            line = self.text[:end].rstrip(b"\r").decode()
            self.text = self.text[end + 1:]
            if not line:
                if self.event:
                    self.event.setdefault("event", "message")
                    out.append(self.event)
                self.event = {}
            elif line.startswith(":"):
                self.comments += 1
            else:
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "data" and "data" in self.event:
                    value = self.event["data"] + "\n" + value
                self.event[name] = value


def stream_request(user, token, host, last_id=None):
    lines = [f"GET /api/{user}/events HTTP/1.1", f"Host: {host}",
             f"Authorization: Bearer {token}", "Accept: text/event-stream"]
    if last_id:
        lines.append(f"Last-Event-ID: {last_id}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Stream(threading.Thread):
    """One client of a user's event stream. It opens on `url` and, when
    `reconnect_url` is set, opens again there (bounded) whenever the stream
    breaks, with the last id it got as Last-Event-ID."""

    def __init__(self, name, url, user, last_id, deadline, source=None, reconnect_url=None):
        super().__init__(daemon=True)
        self.name_, self.url, self.user, self.last_id = name, url, user, last_id
        self.deadline, self.source, self.reconnect_url = deadline, source, reconnect_url
        self.events = []  # (arrival time, id, type, task id, data)
        self.connects = []  # (time, url, status, X-Upstream)
        self.breaks = []  # (time, upstream, why)
        self.cond = threading.Condition()
        self.stop = threading.Event()
        self.opened = threading.Event()

    def _open(self, url):
        parts = urllib.parse.urlsplit(url)
        sock = socket.create_connection((parts.hostname, parts.port), timeout=5,
                                        source_address=(self.source, 0) if self.source else None)
        sock.sendall(stream_request(self.user["id"], self.user["token"], parts.netloc,
                                    self.last_id))
        parser = SseParser()
        while parser.status is None:
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("closed before the response head")
            self._take(parser.feed(data))
        self.connects.append((time.time(), url, parser.status,
                              parser.headers.get("x-upstream", "")))
        if parser.status != 200:
            sock.close()
            raise ConnectionError(f"status {parser.status}")
        sock.settimeout(0.5)
        return sock, parser

    def _take(self, events):
        now = time.time()
        with self.cond:
            for e in events:
                data = json.loads(e.get("data") or "{}")
                task = (data.get("task") or data.get("tombstone") or {}).get("id")
                self.events.append((now, e.get("id"), e.get("event"), task, data))
                self.last_id = e.get("id") or self.last_id
            if events:
                self.cond.notify_all()

    def upstream(self):
        return self.connects[-1][3] if self.connects else ""

    def run(self):
        url, attempts = self.url, 0
        while not self.stop.is_set() and time.time() < self.deadline and attempts < 50:
            attempts += 1
            try:
                sock, parser = self._open(url)
            except (OSError, ConnectionError, ValueError) as err:
                self.breaks.append((time.time(), url, f"open: {err!r}"[:120]))
                if not self.reconnect_url:
                    break
                url = self.reconnect_url
                time.sleep(0.2)
                continue
            self.opened.set()
            why = self._read(sock, parser)
            sock.close()
            if why is None:
                break  # stopped
            self.breaks.append((time.time(), self.upstream(), why))
            if not self.reconnect_url:
                break
            url = self.reconnect_url
        self.opened.set()

    def _read(self, sock, parser):
        while not self.stop.is_set() and time.time() < self.deadline:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                continue
            except OSError as err:
                return f"read: {err!r}"[:120]
            if not data:
                return "closed"
            self._take(parser.feed(data))
            if parser.ended:
                return "ended"
        return None

    def wait_for(self, count, until):
        with self.cond:
            while len(self.events) < count and time.time() < until:
                self.cond.wait(max(0.01, until - time.time()))
            return len(self.events) >= count

    def close(self):
        self.stop.set()
        self.join(2)


# ------------------------------------------------------ requests, checks

def call(client, user, method, path, body=None, headers=None):
    h = {"Authorization": f"Bearer {user['token']}"}
    h.update(headers or {})
    t0 = time.time()
    res = client.request(method, path, body, h)
    res["t0"], res["t1"] = t0, time.time()
    return res


def must(res, status, what):
    if res.get("status") != status:
        die(f"{what}: {res.get('status')} {res.get('error') or res.get('body', b'')[:200]}")
    return res


def feed(client, user, cursor=None):
    """Every change after `cursor` (without one: the current tasks), and
    the cursor after them."""
    changes, base = [], f"/api/{user['id']}/changes?limit=500"
    for _ in range(1000):
        path = base + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        page = must(call(client, user, "GET", path), 200, "reading the change feed")["json"]
        changes.extend(page["changes"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return changes, cursor
    die("the change feed did not end within 1000 pages")


def key(change):
    task = change.get("task") or change.get("tombstone") or {}
    return (change["cursor"], change["type"], task.get("id"))


def received(stream):
    return [(e[1], e[2], e[3]) for e in stream.events]


def compare(stream, truth):
    """Problems of one stream's events against the feed's changes."""
    got, want = received(stream), [key(c) for c in truth]
    if got == want:
        return []
    ids = [g[0] for g in got]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    missing = [w for w in want if w not in got]
    extra = [g for g in got if g not in want]
    out = [f"{stream.name_}: got {len(got)} events, the feed has {len(want)}"]
    if dup:
        out.append(f"{stream.name_}: {len(dup)} ids received more than once, e.g. {dup[0]}")
    if missing:
        out.append(f"{stream.name_}: {len(missing)} changes never received, e.g. {missing[0]}")
    if extra:
        out.append(f"{stream.name_}: {len(extra)} events not in the feed, e.g. {extra[0]}")
    if not (dup or missing or extra):
        out.append(f"{stream.name_}: the events came out of order")
    return out


def write_json(path, data):
    if path:
        with open(path, "w") as f:
            json.dump(data, f, indent=1)


def open_streams(specs, user, start, deadline, source):
    """Starts one Stream per (name, url, reconnect_url) and waits (bounded)
    until each is open."""
    streams = [Stream(name, url, user, start, deadline, source, again)
               for name, url, again in specs]
    for s in streams:
        s.start()
    for s in streams:
        s.opened.wait(15)
        if not s.connects or s.connects[-1][2] != 200:
            die(f"{s.name_} did not open: {s.connects or s.breaks}")
    return streams
