"""Attack 9: one authenticated user with many tasks (seeded before the server
started) runs concurrent worst-case lists. Its requests may wait, or be
refused 429 past its share of the server, but never fail otherwise; the
normal user must stay fast (its median is held to --max-heavy-p50-ms)."""

import threading
import time

from context import call


def heavy_user(t, report):
    a = t.a
    with open(a.heavy_sessions) as f:
        user_id, token = f.readline().split()[:2]
    user = {"id": user_id, "token": token}
    path = f"/api/{user_id}/tasks?tag=work&limit=100"
    stop = time.time() + a.heavy_seconds
    statuses, lock = {}, threading.Lock()

    def lists():
        client = t.client(user, timeout=30.0)
        for _ in range(10_000):
            if time.time() >= stop:
                break
            status, _, _, _ = call(client, "GET", path)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
        client.close()

    threads = [threading.Thread(target=lists) for _ in range(a.heavy_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(a.heavy_seconds + 35)
    report.check(statuses.get(200, 0) > 0, f"the heavy user's lists were never answered: {statuses}")
    report.check(set(statuses) <= {200, 429}, f"the heavy user got other answers: {statuses}")
    sent = f"{a.heavy_threads} threads of GET {path.split('/tasks')[1]} for {a.heavy_seconds:.0f} s"
    answer = ", ".join(f"{n} x {s}" for s, n in sorted(statuses.items(), key=str))
    return sent, answer, {"heavy_statuses": {str(s): n for s, n in statuses.items()},
                          "max_normal_p50_ms": a.max_heavy_p50_ms}
