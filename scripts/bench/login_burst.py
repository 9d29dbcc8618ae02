#!/usr/bin/env python3
"""A burst of concurrent logins: N clients each send one POST
/api/auth/login at the same moment (seeded users seed-0 .. seed-N-1, the
seed password) and wait up to --timeout seconds for the answer.

Prints one line: the statuses counted, and the time to the first, median,
95th-percentile and last answer. Standard library only; bounded: N threads,
each sending once.

    scripts/bench/login_burst.py URL N [--timeout 40]
"""
import argparse
import http.client
import json
import threading
import time
import urllib.parse
from collections import Counter


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("n", type=int)
    parser.add_argument("--timeout", type=float, default=40.0)
    args = parser.parse_args()
    if not 1 <= args.n <= 1000:
        parser.error("n must be 1..1000")
    target = urllib.parse.urlsplit(args.url)
    start = threading.Barrier(args.n + 1)
    results = [None] * args.n

    def login(i):
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=args.timeout)
        body = json.dumps({"email": f"seed-{i}@example.com", "password": "seeded-password"})
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
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    counts = ",".join(f"{k}x{v}" for k, v in sorted(Counter(s for s, _ in results).items()))
    print(f"n={args.n} statuses={counts} first={times[0]:.2f}s p50={pick(0.5):.2f}s "
          f"p95={pick(0.95):.2f}s last={times[-1]:.2f}s")


if __name__ == "__main__":
    main()
