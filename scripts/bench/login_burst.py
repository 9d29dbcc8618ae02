#!/usr/bin/env python3
"""A burst of concurrent logins: N clients each send one POST
/api/auth/login at the same moment (seeded users seed-0 .. seed-N-1, or
seed-(i % USERS) with --users, the seed password) and wait up to --timeout
seconds for the answer.

Prints one line: the statuses counted, and the time to the first, median,
95th-percentile and last answer, and the last 200's; then the same as a
machine-readable `BURST key=value ...` line (times in ms) for
scripts/bench.sh. Standard library only; bounded: N threads, each sending
once.

    scripts/bench/login_burst.py URL N [--users U] [--timeout 40]
"""
import argparse
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from helpers import loopback_only, percentile  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("n", type=int)
    parser.add_argument("--users", type=int, default=0,
                        help="seeded users to cycle over (default: one per login)")
    parser.add_argument("--timeout", type=float, default=40.0)
    args = parser.parse_args()
    if not 1 <= args.n <= 1000:
        parser.error("n must be 1..1000")
    if args.users < 0:
        parser.error("users must be >= 0")
    users = args.users or args.n
    target = urllib.parse.urlsplit(loopback_only(args.url))
    start = threading.Barrier(args.n + 1)
    results = [None] * args.n

    def login(i):
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=args.timeout)
        body = json.dumps({"email": f"seed-{i % users}@example.com", "password": "seeded-password"})
        try:
            conn.connect()
            start.wait()
            sent = time.monotonic()
            conn.request("POST", "/api/auth/login", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            code = ""
            payload = resp.read()
            if resp.status != 200:
                code = ":" + json.loads(payload or b"{}").get("code", "")
            results[i] = (f"{resp.status}{code}", time.monotonic() - sent)
        except Exception as err:  # a timeout or a reset is a result too
            results[i] = (type(err).__name__, args.timeout)
        finally:
            conn.close()

    threads = [threading.Thread(target=login, args=(i,)) for i in range(args.n)]
    for t in threads:
        t.start()
    start.wait()
    for t in threads:
        t.join()
    times = sorted(t for _, t in results)
    ok = [t for s, t in results if s == "200"]
    last_ok = max(ok) if ok else 0.0
    counts = ",".join(f"{k}x{v}" for k, v in sorted(Counter(s for s, _ in results).items()))
    print(f"n={args.n} statuses={counts} first={times[0]:.2f}s p50={percentile(times, 50):.2f}s "
          f"p95={percentile(times, 95):.2f}s last={times[-1]:.2f}s last_200={last_ok:.2f}s")
    ms = lambda t: round(t * 1000)
    print(f"BURST n={args.n} ok={len(ok)} statuses={counts} first_ms={ms(times[0])} "
          f"p50_ms={ms(percentile(times, 50))} p95_ms={ms(percentile(times, 95))} "
          f"last_ms={ms(times[-1])} "
          f"last_ok_ms={ms(last_ok)}")


if __name__ == "__main__":
    main()
