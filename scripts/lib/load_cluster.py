"""Checks across several instances (`race`, `limits`) of scripts/lib/load.py:
an If-Match race between two instances, and auth rate limits shared by all
of them and counted behind a proxy."""

import sys
import threading
import uuid

from helpers import PASSWORD, Client, die, loopback_only, sign_up


def cmd_race(a):
    """The same If-Match sent to two instances at once: one 200, one 412."""
    ua, ub = loopback_only(a.a), loopback_only(a.b)
    setup = Client(ua, a.source)
    user = sign_up(setup, prefix="load")
    auth = {"Authorization": f"Bearer {user['token']}"}
    base = f"/api/{user['id']}/tasks"
    tally, bad = {}, []
    for round_no in range(a.rounds):
        res = setup.request("POST", base, {"title": f"race {round_no}"}, auth)
        if res.get("status") != 201:
            die(f"create failed: {res.get('status')}")
        task, etag = res["json"]["id"], res["headers"]["etag"]
        barrier = threading.Barrier(2)
        results = [None, None]
        clients = [Client(ua, a.source), Client(ub, a.source)]
        for c in clients:  # connect first, so the two requests leave together
            c._fresh()

        def go(i):
            barrier.wait()
            h = dict(auth, **{"If-Match": etag})
            results[i] = clients[i].request("PATCH", f"{base}/{task}",
                                            {"title": f"race {round_no} by {'AB'[i]}"}, h)

        threads = [threading.Thread(target=go, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        for c in clients:
            c.close()
        statuses = tuple(sorted(r.get("status") or 0 for r in results))
        tally[statuses] = tally.get(statuses, 0) + 1
        if statuses != (200, 412):
            bad.append((round_no, statuses))
            continue
        winner = results[0] if results[0]["status"] == 200 else results[1]
        loser = results[1] if winner is results[0] else results[0]
        if (loser.get("json") or {}).get("code") != "precondition_failed":
            bad.append((round_no, "412 without code precondition_failed"))
        stored = setup.request("GET", f"{base}/{task}", headers=auth)
        if stored["json"]["title"] != winner["json"]["title"] or \
                stored["headers"]["etag"] != winner["headers"]["etag"]:
            bad.append((round_no, "the stored task is not the winner's"))
    setup.close()
    shown = ", ".join(f"{'+'.join(map(str, k))}: {v}" for k, v in sorted(tally.items()))
    print(f"  If-Match race, {a.rounds} rounds across two instances: {shown}")
    for b in bad:
        print(f"  FAIL: round {b[0]}: {b[1]}")
    sys.exit(1 if bad else 0)


def cmd_limits(a):
    """Auth rate limits shared by every instance: failures for one email
    spread over the instances lock it on all of them; the per-address limit,
    counted behind the proxy by X-Forwarded-For, holds on all of them."""
    instances = [loopback_only(u) for u in a.instances.split(",")]
    problems = []

    def login(url, email, password, source):
        c = Client(url, source)
        res = c.request("POST", "/api/auth/login", {"email": email, "password": password})
        c.close()
        return res

    # 1. Per email: AUTH_FAILURES_PER_EMAIL failures, one instance after another.
    src = a.email_source
    c = Client(instances[0], src)
    user = sign_up(c, prefix="load")
    c.close()
    statuses = []
    for i in range(a.failures):
        statuses.append(login(instances[i % len(instances)], user["email"], "wrong password",
                              src).get("status"))
    if any(s != 401 for s in statuses):
        problems.append(f"the first {a.failures} wrong passwords gave {statuses}, expected 401s")
    locked = []
    for url in instances:
        res = login(url, user["email"], PASSWORD, src)
        locked.append(res.get("status"))
        if res.get("status") != 429 or not res["headers"].get("retry-after"):
            problems.append(f"{url}: right password after {a.failures} failures elsewhere "
                            f"gave {res.get('status')}, expected 429 with Retry-After")
    print(f"  per email: {a.failures} failures spread over {len(instances)} instances "
          f"({statuses}); then the right password on each instance: {locked}")

    # 2. Per client address behind the proxy: the instances see the proxy as
    #    the peer and count the address it appends to X-Forwarded-For.
    if a.proxy and a.per_ip:
        proxy = loopback_only(a.proxy)
        seen = []
        for _ in range(a.per_ip):
            res = login(proxy, f"nobody-{uuid.uuid4().hex}@example.com", "wrong password",
                        a.ip_source)
            seen.append(res.get("status"))
        if any(s != 401 for s in seen):
            problems.append(f"{a.per_ip} logins from {a.ip_source} through the proxy: "
                            f"{sorted(set(seen))}, expected only 401")
        over = login(proxy, f"nobody-{uuid.uuid4().hex}@example.com", "x", a.ip_source)
        direct = [login(u, f"nobody-{uuid.uuid4().hex}@example.com", "x", a.ip_source)
                  .get("status") for u in instances]
        other = login(proxy, f"nobody-{uuid.uuid4().hex}@example.com", "x", a.other_source)
        # A client may not choose its own address by sending X-Forwarded-For.
        c = Client(proxy, a.ip_source)
        spoof = c.request("POST", "/api/auth/login",
                          {"email": f"nobody-{uuid.uuid4().hex}@example.com", "password": "x"},
                          {"X-Forwarded-For": "203.0.113.9"})
        c.close()
        print(f"  per address: {a.per_ip} logins from {a.ip_source} through the proxy "
              f"(spread over the instances): all 401; the next one: {over.get('status')}; "
              f"the same address directly on each instance: {direct}; a spoofed "
              f"X-Forwarded-For from it: {spoof.get('status')}; another address through "
              f"the proxy: {other.get('status')}")
        if over.get("status") != 429:
            problems.append("the per-address limit did not hold through the proxy")
        if any(s != 429 for s in direct):
            problems.append("the per-address limit is not shared by every instance")
        if spoof.get("status") != 429:
            problems.append("a client escaped its limit with its own X-Forwarded-For")
        if other.get("status") != 401:
            problems.append("another client address behind the proxy was limited too")
    for p in problems:
        print(f"  FAIL: {p}")
    sys.exit(1 if problems else 0)
