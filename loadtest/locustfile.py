"""The simulated managers of `make loadtest` (locust, run headless by loadtest/run.py).

Each simulated user logs in as its own manager, who owns one venue, and then, with a pause of
1 to 3 s between actions: reads its workspace page, edits the amount of one of its cost items
through htmx (as the row's form does: HX-Request, the CSRF token in X-CSRFToken, the version
the page rendered), or opens its venue's share page. Nobody else edits its rows, so every edit
must be accepted: the ledger counts, for every item, the edits the server acknowledged and the
sum of their increments, which loadtest/run.py compares with what PostgreSQL holds at the end.

An edit that gets no acknowledgement (a 503 while PostgreSQL restarts, a timeout) may or may
not have been written: the user re-reads its workspace until it answers and learns from the
item's version whether it was (then it counts, as "applied late") or not, before going on.

The login ramp is kept apart from what a logged-in manager meets: every user logs in first
(argon2 on purpose costs CPU) and opens their workspace and share page once (`first_views`),
then waits until all of them have, then starts acting after a random 0-3 s; the steady window
begins when the last one has logged in and lasts `duration` seconds, after which the run stops
itself. Each request is recorded with its start time, and `steady_at` tells loadtest/run.py
which ones belong to the ramp.

Configuration: the JSON file named by LOADTEST_CONFIG (accounts, items, base URLs: with two,
each user sends its requests in turn to one and the other, starting with the login form on the
first or the second depending on the user; `duration` of the steady window); results: the
JSON file named by LOADTEST_OUTPUT. FastHttpUser (geventhttpclient): a few times less CPU per
request than HttpUser, which matters with hundreds of users on the server's own cores.
"""

import json
import os
import random
import re
import sys
import time
from decimal import Decimal
from http.cookiejar import Cookie
from pathlib import Path
from urllib.parse import urlsplit

import gevent
from gevent.event import Event
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.sample import edit_form_data, version_pattern  # noqa: E402

CONFIG = json.loads(Path(os.environ["LOADTEST_CONFIG"]).read_text())
OUTPUT = Path(os.environ["LOADTEST_OUTPUT"])
HOSTS: list[str] = CONFIG["hosts"]
ACCOUNTS = iter(CONFIG["accounts"])
USERS = len(CONFIG["accounts"])
DURATION = float(CONFIG["duration"])  # seconds of steady state, after the last login
TIMEOUT = 30  # seconds: a request without an answer by then counts as hung
RESYNC_FOR = 45  # seconds an unacknowledged edit may take to be settled
UNAVAILABLE = "Le service est momentanément indisponible"

# item pk -> what the server acknowledged (see loadtest/run.py's check)
LEDGER: dict[int, dict] = {}
# one entry per request
REQUESTS: list[dict] = []
ANOMALIES: list[str] = []
# The login ramp: users logged in (or who failed to) so far; set when all have.
STARTED: list[int] = [0]
EVERYONE_IN = Event()
PHASES: dict[str, float] = {}


def text(response) -> str:
    try:
        return response.text or ""
    except Exception:  # noqa: BLE001 - no body at all (connection error, timeout)
        return ""


@events.request.add_listener
def record(request_type, name, response_time, response=None, exception=None, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    entry = {
        "t": kwargs.get("start_time") or time.time(),
        "name": name,
        "ms": response_time,
        "status": status,
        "ok": exception is None,
        "port": urlsplit(kwargs.get("url") or "").port,
    }
    if exception is not None:
        entry["error"] = str(exception)[:200]
    if status == 503:
        entry["french_503"] = UNAVAILABLE in text(response)
        entry["retry_after"] = response.headers.get("Retry-After")
    REQUESTS.append(entry)


@events.init.add_listener
def stop_after_the_steady_window(environment, **kwargs):
    def stop():
        EVERYONE_IN.wait()
        gevent.sleep(DURATION)
        PHASES["steady_until"] = time.time()
        environment.runner.quit()

    gevent.spawn(stop)


@events.quitting.add_listener
def write_results(environment, **kwargs):
    OUTPUT.write_text(
        json.dumps(
            {
                "phases": PHASES,
                "requests": REQUESTS,
                "ledger": {
                    str(pk): {**entry, "delta": str(entry["delta"])} for pk, entry in LEDGER.items()
                },
                "anomalies": ANOMALIES,
            }
        )
    )


class Manager(FastHttpUser):
    wait_time = between(1, 3)
    host = HOSTS[0]
    network_timeout = connection_timeout = TIMEOUT  # then the request counts as hung

    def on_start(self):
        self.account = next(ACCOUNTS)  # StopIteration: more users than accounts
        self.turn = self.account["index"]
        self.venue = self.account["venue"]
        self.items = {item["pk"]: dict(item) for item in self.account["items"]}
        for pk in self.items:
            LEDGER[pk] = {"acked": 0, "delta": Decimal(0), "late": 0, "refused": 0}
        self.logged_in = False
        if self.account["session"]:  # made by loadtest/run.py, as a login would
            for name, value in self.account["session"].items():
                self.set_cookie(name, value)
            self.logged_in = True
        else:
            self.log_in()
        if self.logged_in:
            self.first_views()
        STARTED[0] += 1
        if STARTED[0] == USERS:
            PHASES["steady_at"] = time.time()
            EVERYONE_IN.set()
            Path(CONFIG["steady_file"]).write_text(str(PHASES["steady_at"]))
        EVERYONE_IN.wait()
        gevent.sleep(random.uniform(0, 3))  # not all at once

    def first_views(self) -> None:
        """What a manager opens after logging in: their workspace, then the share page they
        send to members. Part of the ramp: the first view of a venue renders it in the worker
        that serves it (cold after a login, a restart or a deploy); the steady state is what
        a manager meets afterwards, each edit then invalidating what it changed."""
        self.read_versions("first view: workspace")
        self.client.get(
            self.url(f"/s/{self.account['token']}/"),
            name="first view: share page",
            headers=self.headers(),
        )

    def headers(self, **extra: str) -> dict[str, str]:
        """Each manager from its own address, behind the (trusted) proxy the server expects."""
        return {"X-Forwarded-For": self.account["address"], **extra}

    def set_cookie(self, name: str, value: str) -> None:
        host = urlsplit(HOSTS[0]).hostname
        self.client.cookiejar.set_cookie(
            Cookie(0, name, value, None, False, host, False, False, "/", True, False, None,
                   False, None, None, {})
        )  # fmt: skip

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == name), "")

    def url(self, path: str) -> str:
        """Round robin over the app processes, one request each in turn."""
        base = HOSTS[self.turn % len(HOSTS)]
        self.turn += 1
        return base + path

    def log_in(self) -> None:
        with self.client.get(
            self.url("/accounts/login/"),
            name="login form",
            headers=self.headers(),
            catch_response=True,
        ) as response:
            if response.status_code != 200 or not self.cookie("csrftoken"):
                response.failure(f"login form: {response.status_code}")
                return
        form = {
            "username": self.account["username"],
            "password": CONFIG["password"],
            "csrfmiddlewaretoken": self.cookie("csrftoken"),
        }
        with self.client.post(
            self.url("/accounts/login/"),
            data=form,
            name="login",
            headers=self.headers(),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or "login" in location:
                response.failure(f"login: {response.status_code} {location}")
                return
        self.logged_in = True

    def read_versions(self, name: str) -> dict[int, int] | None:
        """GET the workspace; the version of each of the user's items, or None."""
        with self.client.get(
            self.url(f"/venues/{self.venue}/"),
            name=name,
            headers=self.headers(),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            versions = {}
            for pk in self.items:
                match = re.search(version_pattern(pk), text(response))
                if match:
                    versions[pk] = int(match.group(1))
            if response.status_code != 200 or len(versions) != len(self.items):
                response.failure(f"workspace: {response.status_code}, {len(versions)} versions")
                return None
        return versions

    @task(3)
    def workspace(self):
        if not self.logged_in:
            return self.log_in()
        versions = self.read_versions("workspace")
        for pk, version in (versions or {}).items():
            if version != self.items[pk]["version"]:
                ANOMALIES.append(
                    f"item {pk}: the page shows version {version}, "
                    f"the user expected {self.items[pk]['version']}"
                )
                self.items[pk]["version"] = version

    @task(3)
    def share(self):
        with self.client.get(
            self.url(f"/s/{self.account['token']}/"),
            name="share page",
            headers=self.headers(),
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "<html" not in text(response):
                response.failure(f"share page: {response.status_code}")

    @task(4)
    def edit(self):
        if not self.logged_in:
            return self.log_in()
        pk = random.choice(list(self.items))
        item = self.items[pk]
        delta = Decimal(random.randint(1, 10_000)).scaleb(-2)  # 0.01 to 100.00
        amount = Decimal(item["amount"]) + delta
        data = edit_form_data(pk, item["fields"], str(amount), item["version"])
        headers = self.headers(**{"HX-Request": "true", "X-CSRFToken": self.cookie("csrftoken")})
        with self.client.post(
            self.url(f"/venues/{self.venue}/items/{pk}/"),
            data=data,
            headers=headers,
            name="htmx edit",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            match = re.search(version_pattern(pk), text(response))
            if response.status_code == 200 and match:
                seen = int(match.group(1))
                if seen == item["version"] + 1:
                    self.acknowledge(pk, amount, delta)
                    return
                # The row came back with another version: refused as stale.
                LEDGER[pk]["refused"] += 1
                response.failure(f"edit refused: version {item['version']} -> {seen}")
                ANOMALIES.append(f"item {pk}: edit from version {item['version']} refused")
                item["version"] = seen
                return
            response.failure(f"edit: {response.status_code}")
        self.settle(pk, amount, delta)

    def acknowledge(self, pk: int, amount: Decimal, delta: Decimal) -> None:
        item = self.items[pk]
        item["version"] += 1
        item["amount"] = str(amount)
        LEDGER[pk]["acked"] += 1
        LEDGER[pk]["delta"] += delta

    def settle(self, pk: int, amount: Decimal, delta: Decimal) -> None:
        """Was the unacknowledged edit written? Read the workspace until it answers."""
        deadline = time.monotonic() + RESYNC_FOR
        while time.monotonic() < deadline:
            versions = self.read_versions("workspace (after a failed edit)")
            if versions is not None:
                expected = self.items[pk]["version"]
                if versions[pk] == expected + 1:
                    self.acknowledge(pk, amount, delta)
                    LEDGER[pk]["late"] += 1
                elif versions[pk] != expected:
                    ANOMALIES.append(
                        f"item {pk}: version {versions[pk]} after a failed edit from {expected}"
                    )
                    self.items[pk]["version"] = versions[pk]
                return
            time.sleep(1)
        ANOMALIES.append(f"item {pk}: could not learn whether an edit was written")
