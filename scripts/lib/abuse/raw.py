"""Raw HTTP/1.1 for the attacks: requests written byte by byte, answers
parsed off the socket, and many sockets watched at once until the server
closes them."""

import json
import selectors
import socket
import time

PATIENCE = 5.0  # seconds any single answer may take before it counts as lost
PROBE = b"GET /health/live HTTP/1.1\r\nhost: abuse\r\n\r\n"


def tally(items):
    """'408 body_timeout x29, none x1': how often each outcome came."""
    counts = {}
    for item in items:
        counts[str(item)] = counts.get(str(item), 0) + 1
    return ", ".join(f"{k} x{v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def ms(seconds):
    return "-" if seconds is None else f"{seconds * 1000:.1f} ms"


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
