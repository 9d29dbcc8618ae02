#!/usr/bin/env python3
"""What every Python script under scripts/ shares: the loopback guard, a
keep-alive HTTP client, signing up, and percentiles. Standard library only.

    sys.path.insert(0, <this directory>)
    from helpers import Client, die, free_port, loopback_only, percentile, sign_up

Run as a program, `helpers.py sign-up URL` signs up a fresh account and
prints its access token and user id (for shell scripts).
"""

import http.client
import json
import math
import os
import socket
import sys
import time
import urllib.parse
import uuid

PASSWORD = "correct horse battery staple"
TIMEOUT = 10.0


def die(msg):
    """Stops with a usage/setup error (exit 2), naming the script."""
    print(f"{os.path.basename(sys.argv[0])}: {msg}", file=sys.stderr)
    sys.exit(2)


def free_port():
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loopback_only(url):
    """`url` without a trailing slash, or a stop: load and attacks go to
    127.0.0.0/8 only."""
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        addr = socket.gethostbyname(host)
    except OSError:
        die(f"cannot resolve {host}")
    if not addr.startswith("127."):
        die(f"refusing to send load to {url}: loopback (127.0.0.0/8) only")
    return url.rstrip("/")


def address(url):
    """(host, port) of a loopback URL, for raw sockets."""
    parts = urllib.parse.urlsplit(loopback_only(url))
    return parts.hostname, parts.port or 80


def percentile(values, p):
    """Nearest-rank percentile of `values` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Client:
    """One keep-alive HTTP/1.1 connection to one base URL. A kept-alive
    connection the server closed while idle, noticed before any byte of an
    answer arrived, is retried once on a fresh one (as every HTTP client
    does)."""

    def __init__(self, base, source=None, timeout=TIMEOUT, token=None):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.source = (source, 0) if source else None
        self.timeout = timeout
        self.token = token
        self.conn = None
        self.opened = 0  # connections opened, retries included
        self.stale_retries = 0

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _fresh(self):
        self.close()
        self.conn = http.client.HTTPConnection(
            self.host, self.port, timeout=self.timeout, source_address=self.source)
        self.opened += 1
        self.conn.connect()

    def request(self, method, path, body=None, headers=None, raw=None, form=None):
        """A dict: outcome ('response' | 'not_sent' | 'dropped' | 'timeout'),
        and status, headers (lower-case names), body, json and seconds (from
        sending to the whole answer) for a response; error otherwise; fresh
        (whether a new connection carried it)."""
        headers = dict(headers or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        payload = raw
        if body is not None:
            payload = json.dumps(body).encode()
        if payload is not None:
            headers.setdefault("Content-Type", "application/json")
        if form is not None:
            payload = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            fresh = self.conn is None
            try:
                if fresh:
                    self._fresh()
            except socket.timeout as err:
                self.close()
                return {"outcome": "timeout", "error": repr(err), "fresh": True}
            except OSError as err:
                self.close()
                return {"outcome": "not_sent", "error": repr(err), "fresh": True}
            got_bytes = False
            started = time.time()
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                resp = self.conn.getresponse()
                got_bytes = True
                data = resp.read()
            except socket.timeout as err:
                self.close()
                return {"outcome": "timeout", "error": repr(err), "fresh": fresh}
            except (http.client.HTTPException, OSError) as err:
                self.close()
                if not fresh and not got_bytes and attempt == 1:
                    self.stale_retries += 1
                    continue
                return {"outcome": "dropped", "error": repr(err), "fresh": fresh}
            result = {"outcome": "response", "status": resp.status,
                      "headers": {k.lower(): v for k, v in resp.getheaders()},
                      "body": data, "fresh": fresh, "seconds": time.time() - started}
            if resp.will_close:
                self.close()
            try:
                result["json"] = json.loads(data) if data else None
            except ValueError:
                result["json"] = None
            return result
        raise AssertionError("unreachable")


def sign_up(client, email=None, prefix="script"):
    """A fresh account: {email, token, id}; stops the script if refused."""
    email = email or f"{prefix}-{uuid.uuid4().hex}@example.com"
    res = client.request("POST", "/api/auth/signup",
                         {"email": email, "password": PASSWORD, "name": prefix})
    if res.get("status") != 201:
        die(f"sign-up failed: {res.get('status')} {res.get('body') or res.get('error')}")
    body = res["json"]
    return {"email": email, "token": body["access_token"], "id": body["user"]["id"]}


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "sign-up":
        die("usage: helpers.py sign-up URL")
    client = Client(loopback_only(sys.argv[2]), timeout=30)
    user = sign_up(client, prefix="client")
    client.close()
    print(user["token"], user["id"])


if __name__ == "__main__":
    main()
