"""What every attack is given: the server under attack, the two accounts
(the attacker and the normal user it must not slow), and a report of failed
checks."""

import os
import uuid

from helpers import PASSWORD, Client, address, die


class Report:
    """The checks of one attack that failed."""

    def __init__(self):
        self.failures = []

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)
        return ok


def call(client, method, path, body=None, raw=None, form=None):
    """(status, headers, json-or-None, seconds); status None on a transport
    error, whose text is then in the headers' place."""
    res = client.request(method, path, body=body, raw=raw, form=form)
    if res["outcome"] != "response":
        return None, res.get("error", res["outcome"]), None, None
    return res["status"], res["headers"], res.get("json"), res.get("seconds")


class Target:
    """The server under attack and the accounts on it."""

    def __init__(self, a):
        self.a = a
        self.url = a.url.rstrip("/")
        self.addr = address(self.url)
        self.header_timeout = a.header_timeout
        self.body_timeout = a.body_timeout
        self.anon = Client(self.url)
        self.attacker = self.normal = None
        self.attacker_task = self.normal_task = None

    def sign_up(self, who):
        email = f"abuse-{who}-{uuid.uuid4().hex}@example.com"
        status, _, doc, _ = call(self.anon, "POST", "/api/auth/signup",
                                 body={"email": email, "password": PASSWORD})
        if status != 201:
            die(f"signing up the {who}: {status} {doc}")
        return {"email": email, "token": doc["access_token"], "id": doc["user"]["id"]}

    def set_up(self):
        """Both accounts; the attacker's own task, which the floods and NUL
        try to overwrite; the normal user's tasks, which it reads."""
        self.attacker, self.normal = self.sign_up("attacker"), self.sign_up("normal")
        client = self.client(self.attacker)
        status, _, doc, _ = call(client, "POST", f"/api/{self.attacker['id']}/tasks",
                                 body={"title": "kept", "tags": ["kept"]})
        if status != 201:
            die(f"creating the attacker's task: {status} {doc}")
        self.attacker_task = doc["id"]
        client.close()
        client = self.client(self.normal)
        for i in range(self.a.normal_tasks):
            status, _, doc, _ = call(
                client, "POST", f"/api/{self.normal['id']}/tasks",
                body={"title": f"normal task {i}", "tags": ["home"], "priority": "high"})
            if status != 201:
                die(f"creating the normal user's tasks: {status} {doc}")
            self.normal_task = self.normal_task or doc["id"]
        client.close()

    def client(self, user=None, timeout=10.0):
        return Client(self.url, timeout=timeout, token=user and user["token"])

    def server_cpu(self):
        """The server's CPU seconds so far (Linux /proc), or None."""
        if not self.a.server_pid:
            return None
        try:
            with open(f"/proc/{self.a.server_pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def closes_in_time(self, after, timeout=None):
        """Closed by the server after its timeout (not before 80 % of it;
        at most 2.5 s after it: the timer's grace)."""
        timeout = self.header_timeout if timeout is None else timeout
        return after is not None and 0.8 * timeout <= after <= timeout + 2.5
