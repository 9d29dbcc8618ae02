"""Attacks on connections, at a scale the Rust tests (tests/api/connections.rs,
one connection at a time) do not reach: what each single answer looks like
is theirs to check; here, that hundreds at once are all closed in time and
the normal user is not slowed."""

from raw import PROBE, Watch, close_all, connect, h2_frame_types, parse_answer, tally, \
    watch_until_closed


def idle_keep_alive(t, r):
    """1. Keep-alive connections, one request each, then silence: every one
    answered, every one closed after the header-read timeout."""
    n, hto = t.a.idle_connections, t.header_timeout
    path = f"/api/{t.attacker['id']}/tasks?limit=1"
    request = (f"GET {path} HTTP/1.1\r\nhost: abuse\r\n"
               f"authorization: Bearer {t.attacker['token']}\r\n\r\n").encode()
    watches = []
    for i in range(n):
        sock = connect(t.addr)
        # Half ask for their list, half for a probe.
        sock.sendall(request if i % 2 == 0 else PROBE)
        watches.append(Watch(sock))
    watch_until_closed(watches, hto + 4 + n * 0.01)
    answers = [parse_answer(w.data) for w in watches]
    r.check(all(a and a.status == 200 for a in answers),
            f"not every request was answered 200: {sorted({a.status for a in answers if a})}, "
            f"{sum(1 for a in answers if not a)} unanswered")
    idle = [w.closed_at - w.first_at for w in watches
            if w.closed_at is not None and w.first_at is not None]
    still_open = sum(1 for w in watches if w.closed_at is None)
    r.check(not still_open, f"{still_open} of {n} idle connections still open "
            f"{hto + 4:.0f} s after their answer")
    r.check(all(t.closes_in_time(s) for s in idle),
            f"idle connections closed after {min(idle, default=0):.2f}-"
            f"{max(idle, default=0):.2f} s (expected {hto:.0f} s)")
    close_all(w.sock for w in watches)
    return (f"{n} keep-alive connections, one request each (list or /health/live), then silent",
            f"{tally(a.status if a else 'none' for a in answers)}, then {n - still_open} closed "
            f"by the server {min(idle, default=0):.2f}-{max(idle, default=0):.2f} s after "
            f"the answer",
            {"idle_close_s": [round(min(idle, default=0), 2), round(max(idle, default=0), 2)]})


OPENINGS = [
    ("silent", b""),
    ("half head", b"GET /health/live HTTP/1.1\r\nhost: abuse\r\n"),
    ("half request line", b"GET /api/auth/me HT"),
    ("unfinished 12 KiB head",
     b"GET /health/live HTTP/1.1\r\nhost: abuse\r\nx-filler: " + b"a" * 12 * 1024),
    ("partial HTTP/2 preface", b"PRI * HTTP/2.0\r\n"),
    ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
]


def silent_and_half_sent(t, r):
    """2. Connections that send nothing, or part of a head, then nothing:
    all closed after the header-read timeout, none answered."""
    n, hto = t.a.silent_connections, t.header_timeout
    watches = []
    for i in range(n):
        label, opening = OPENINGS[i % len(OPENINGS)]
        sock = connect(t.addr)
        if opening:
            sock.sendall(opening)
        watches.append(Watch(sock, label))
    watch_until_closed(watches, hto + 4 + n * 0.01)
    parts = []
    for label, _ in OPENINGS:
        ws = [w for w in watches if w.label == label]
        if not ws:
            continue
        after = [w.closed_after for w in ws if w.closed_at is not None]
        if label == "HTTP/2 preface":
            # The server's own preface (SETTINGS) and its GOAWAY are
            # expected; a HEADERS or DATA frame would be an answer.
            answered = [w for w in ws if h2_frame_types(w.data) & {0, 1}]
        else:
            answered = [w for w in ws if w.data]
        still = len(ws) - len(after)
        r.check(not still, f"{label}: {still} of {len(ws)} still open after {hto + 4:.0f} s")
        r.check(not answered, f"{label}: {len(answered)} were answered: "
                f"{answered[0].data[:60] if answered else ''}")
        r.check(all(t.closes_in_time(s) for s in after),
                f"{label}: closed after {min(after, default=0):.2f}-"
                f"{max(after, default=0):.2f} s (expected {hto:.0f} s)")
        parts.append(f"{label} {len(ws)}x closed {min(after, default=0):.2f}-"
                     f"{max(after, default=0):.2f} s"
                     + (f", {len(answered)} answered" if answered else ""))
    close_all(w.sock for w in watches)
    return (f"{n} connections: silent, half a head, half a request line, an unfinished "
            f"12 KiB head, half and whole HTTP/2 preface, then nothing", "; ".join(parts), {})
