#!/usr/bin/env python3
"""Load driver and checkers for the failure tests (scripts/chaos.sh,
scripts/cluster.sh). Standard library only; talks to loopback addresses only.

Subcommands
  run      drive a bounded mixed load (count AND time), journal every request
  verify   check a journal against the server: every acknowledged write is
           there, nothing refused is half-applied, nothing appeared twice
  slow     requests whose bodies are still arriving when the server stops
  drain / phases / kill   check a journal against a graceful shutdown, a
           database outage, or the SIGKILL of one instance behind a proxy
  probe    one GET with an expected status and a time limit
  ready    poll /health/ready until it answers 200 (bounded)
  race     If-Match race: the same ETag sent to two instances at once
  limits   auth rate limits shared by several instances (and behind a proxy)

The load model. Each worker thread owns the tasks it creates, so the writes to
one task are sequential and the driver knows the state every acknowledged
write left it in. When a write gets no clean answer (a refusal, an error, a
dropped connection) its outcome is uncertain: the worker retires that task,
remembering both the state before and the state after, and `verify` accepts
either, but nothing else. A create that was not acknowledged is retried by
`verify` with the same Idempotency-Key and body: afterwards exactly one task
must carry its title (two would mean it was applied and its key lost, i.e.
half-applied; none would mean the retry was not honoured).

Outcome of a request, as counted:
  ok          the expected 2xx (a write answered so is "acknowledged")
  refused     503 problem+json `database_unavailable` with Retry-After
  not_sent    the connection was refused: the server was not accepting
  failed      anything else: a dropped connection after it was accepted, a
              timeout, a 5xx other than the refusal above, an unexpected 4xx
A keep-alive connection the server closed while idle, detected before any
byte of a response arrived, is retried once on a fresh connection (what
every HTTP client does); that retry is the request's outcome.
"""

import argparse

from load_checks import cmd_drain, cmd_kill, cmd_phases, cmd_probe, cmd_ready, cmd_slow
from load_cluster import cmd_limits, cmd_race
from load_run import cmd_run, cmd_verify


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser("run")
    r.add_argument("--url", required=True)
    r.add_argument("--journal", required=True)
    r.add_argument("--users", type=int, default=4)
    r.add_argument("--concurrency", type=int, default=8)
    r.add_argument("--max-requests", type=int, default=20000)
    r.add_argument("--max-seconds", type=float, default=20)
    r.add_argument("--mix", default="create=35,get=20,list=10,patch=15,complete=10,delete=10")
    r.add_argument("--backoff-ms", type=float, default=20)
    r.add_argument("--stop-when-refused", action="store_true")
    r.add_argument("--ready-file", help="written once the load is running")
    r.add_argument("--stop-file", help="the load stops early once this file exists")
    r.add_argument("--source", help="local address to send from (127.x.y.z)")
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--run-id")
    r.set_defaults(fn=cmd_run)

    v = sub.add_parser("verify")
    v.add_argument("--url", required=True)
    v.add_argument("--journal", required=True)
    v.add_argument("--figures")
    v.set_defaults(fn=cmd_verify)

    ph = sub.add_parser("phases")
    ph.add_argument("--journal", required=True)
    ph.add_argument("--down", type=float, required=True)
    ph.add_argument("--up", type=float, required=True)
    ph.add_argument("--ready", type=float, required=True)
    ph.add_argument("--settle", type=float, default=1.0)
    ph.add_argument("--max-latency", type=float, default=1.5)
    ph.add_argument("--figures")
    ph.set_defaults(fn=cmd_phases)

    d = sub.add_parser("drain")
    d.add_argument("--journal", required=True)
    d.add_argument("--signal", type=float, required=True)
    d.add_argument("--figures")
    d.add_argument("--slow", help="results of `slow`")
    d.set_defaults(fn=cmd_drain)

    sl = sub.add_parser("slow")
    sl.add_argument("--url", required=True)
    sl.add_argument("--count", type=int, default=4)
    sl.add_argument("--hold", type=float, default=2.0)
    sl.add_argument("--ready-file", required=True)
    sl.add_argument("--out", required=True)
    sl.set_defaults(fn=cmd_slow)

    k = sub.add_parser("kill")
    k.add_argument("--journal", required=True)
    k.add_argument("--killed", type=float, required=True, help="when SIGKILL was sent")
    k.add_argument("--gone", type=float,
                   help="when the killed process had been reaped (its sockets closed)")
    k.add_argument("--victim", required=True, help="host:port of the killed upstream")
    k.add_argument("--concurrency", type=int, required=True)
    k.add_argument("--slack", type=float, default=0.05)
    k.add_argument("--figures")
    k.set_defaults(fn=cmd_kill)

    pr = sub.add_parser("probe")
    pr.add_argument("url")
    pr.add_argument("--expect", type=int, required=True)
    pr.add_argument("--max-seconds", type=float, default=1.5)
    pr.set_defaults(fn=cmd_probe)

    rd = sub.add_parser("ready")
    rd.add_argument("url")
    rd.add_argument("--max-seconds", type=float, default=30)
    rd.set_defaults(fn=cmd_ready)

    ra = sub.add_parser("race")
    ra.add_argument("--a", required=True)
    ra.add_argument("--b", required=True)
    ra.add_argument("--rounds", type=int, default=20)
    ra.add_argument("--source")
    ra.set_defaults(fn=cmd_race)

    li = sub.add_parser("limits")
    li.add_argument("--instances", required=True)
    li.add_argument("--failures", type=int, required=True)
    li.add_argument("--proxy")
    li.add_argument("--per-ip", type=int, default=0)
    li.add_argument("--email-source", default="127.0.0.4")
    li.add_argument("--ip-source", default="127.0.0.5")
    li.add_argument("--other-source", default="127.0.0.6")
    li.set_defaults(fn=cmd_limits)

    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
