"""Oversize and stalled requests, sent over and over or many at once. What
one such answer looks like (its status, code and headers) is checked by the
Rust tests (tests/api/connections.rs); here, that a stream of them is
refused in time and does not slow the normal user."""

import time
import urllib.error
import urllib.request

from raw import PATIENCE, Watch, close_all, connect, parse_answer, read_answer, tally, \
    watch_until_closed


def oversize(t, r):
    """4. A 64 KiB head, and a 1 MiB body sent whole before reading, each
    as often as fits in --oversize-seconds."""
    rounds, seconds = t.a.oversize_rounds, t.a.oversize_seconds
    heads = []
    stop_at = time.time() + seconds
    head = (b"GET /health/live HTTP/1.1\r\nhost: abuse\r\nx-filler: "
            + b"a" * (64 * 1024) + b"\r\n\r\n")
    while len(heads) < rounds and time.time() < stop_at:
        sock = connect(t.addr)
        try:
            sock.sendall(head)
            answer, data, _ = read_answer(sock)
        except OSError as err:
            answer, data = None, repr(err).encode()
        sock.close()
        heads.append(answer.status if answer else data[:40])
    r.check(all(s == 431 for s in heads), f"64 KiB head: {sorted({str(h) for h in heads})}")

    bodies = []
    mebibyte = b" " * (1024 * 1024)
    stop_at = time.time() + seconds
    while len(bodies) < rounds and time.time() < stop_at:
        # urllib sends the whole body before it reads: the client the
        # server's drain-then-answer is for.
        request = urllib.request.Request(
            f"{t.url}/api/{t.attacker['id']}/tasks", data=mebibyte, method="POST",
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {t.attacker['token']}"})
        try:
            with urllib.request.urlopen(request, timeout=PATIENCE * 2) as resp:
                bodies.append(resp.status)
        except urllib.error.HTTPError as err:
            bodies.append(err.code)
        except OSError as err:  # a reset or broken pipe: the client never read it
            bodies.append(type(err).__name__)
    r.check(all(b == 413 for b in bodies), f"1 MiB body: {sorted({str(b) for b in bodies})}")
    return (f"{len(heads)}x a 64 KiB header; {len(bodies)}x a 1 MiB body sent whole by "
            f"urllib before reading",
            f"{tally(heads)}; {tally(bodies)} read by urllib",
            {"oversize_heads": len(heads), "oversize_bodies": len(bodies)})


def stalled_bodies(t, r):
    """5. Requests that declare 100 bytes of body, send 8, then nothing, on
    a probe, the log-in and a task route at once: each answered 408 after
    the body-read timeout, and closed."""
    n, bto = t.a.stalled_bodies, t.body_timeout
    routes = [("/health/live", False), ("/api/auth/login", False),
              (f"/api/{t.attacker['id']}/tasks", True)]
    watches = []
    for i in range(n):
        path, auth = routes[i % len(routes)]
        head = (f"POST {path} HTTP/1.1\r\nhost: abuse\r\n"
                "content-type: application/json\r\ncontent-length: 100\r\n")
        if auth:
            head += f"authorization: Bearer {t.attacker['token']}\r\n"
        sock = connect(t.addr)
        sock.sendall((head + "\r\n").encode() + b'{"email"')
        watches.append(Watch(sock))
    watch_until_closed(watches, bto + 4 + n * 0.01)
    answers = [parse_answer(w.data) for w in watches]
    took = [w.first_at - w.since for w in watches if w.first_at is not None]
    timed_out = sum(1 for a in answers if a and a.status == 408)
    r.check(timed_out == n, f"{n - timed_out} of {n} stalled bodies not answered 408: "
            f"{sorted({repr(a) for a in answers if not a or a.status != 408})[:3]}")
    r.check(all(0.8 * bto <= s <= bto + 2.0 for s in took),
            f"answered after {min(took, default=0):.2f}-{max(took, default=0):.2f} s "
            f"(expected {bto:.0f} s)")
    still = sum(1 for w in watches if w.closed_at is None)
    r.check(not still, f"{still} connections still open after their 408")
    close_all(w.sock for w in watches)
    return (f"{n} requests declaring 100 bytes, sending 8 (/health/live, /api/auth/login, "
            f"/api/{{attacker}}/tasks), then nothing",
            f"{tally(repr(a) if a else 'none' for a in answers)} after "
            f"{min(took, default=0):.2f}-{max(took, default=0):.2f} s; {n - still} of {n} "
            f"closed", {})
