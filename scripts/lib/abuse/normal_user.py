"""The normal user whose latency each attack must not spoil: it reads one of
its tasks and lists them, in turn, on one keep-alive connection. It runs in
a process of its own, so that the attackers' Python threads do not slow its
measurements, and reports one JSON line per request."""

import json
import os
import subprocess
import sys
import threading
import time

from context import call, die
from helpers import Client
from raw import PATIENCE

PACKAGE = os.path.dirname(os.path.abspath(__file__))


def cmd_normal(a):
    """The child process: requests until stdin closes (or its bounds run out)."""
    stop = threading.Event()

    def wait_stdin():
        try:
            sys.stdin.read()
        finally:
            stop.set()

    threading.Thread(target=wait_stdin, daemon=True).start()
    token = os.environ.get("ABUSE_NORMAL_TOKEN") or die("ABUSE_NORMAL_TOKEN unset")
    client = Client(a.url, timeout=PATIENCE, token=token)
    paths = [("get", f"/api/{a.user_id}/tasks/{a.task_id}"),
             ("list", f"/api/{a.user_id}/tasks?limit=20&sort=created_at")]
    deadline = time.time() + a.max_seconds
    sent = 0
    while not stop.is_set() and time.time() < deadline and sent < a.max_requests:
        op, path = paths[sent % 2]
        opened = client.opened
        started = time.time()
        status, hdrs, doc, _ = call(client, "GET", path)
        took = time.time() - started  # a retry on a fresh connection included
        rec = {"t": round(started, 4), "s": round(took, 5), "op": op, "st": status,
               "ok": status == 200, "fresh": client.opened > opened}
        if status is None:
            rec["err"] = hdrs[:160]
        elif status != 200:
            rec["code"] = doc.get("code") if isinstance(doc, dict) else None
        sys.stdout.write(json.dumps(rec) + "\n")
        sys.stdout.flush()
        sent += 1
        stop.wait(a.pause)
    client.close()


class NormalUser:
    """Runs `normal` in a child process and keeps its records."""

    def __init__(self, url, user, task_id, max_seconds, pause):
        self.records = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            [sys.executable, PACKAGE, "normal", "--url", url, "--user-id", user["id"],
             "--task-id", task_id, "--max-seconds", str(max_seconds), "--pause", str(pause)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=dict(os.environ, ABUSE_NORMAL_TOKEN=user["token"]))
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
