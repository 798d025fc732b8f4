"""The load and fault test (`make loadtest`): prints a table, writes loadtest/RESULTS.md and
exits non-zero when a criterion fails.

Against the production set-up on loopback (gunicorn, debug off, PostgreSQL with the psycopg
pool, a scratch database dropped afterwards), locust drives LOADTEST_USERS (50) simulated
managers, each owning one venue (loadtest/locustfile.py: workspace reads, htmx edits of
amounts, share-page views). Each run has two phases, reported apart: the login ramp (every
manager logs in, argon2 on purpose slow) and then LOADTEST_DURATION (60) seconds of steady
state, which the latency targets of issue 19 are checked against (edit p95 ≤ 100 ms and
p99 ≤ 250 ms, workspace and share page p95 ≤ 150 ms; printed ✅/❌, they do not change the exit
status, which the machine's other load would make flaky). Three runs:

1. steady load on one gunicorn: no failed request at all (so no 5xx), and no lost edit: for
   every item, PostgreSQL holds exactly the edits the server acknowledged (version and
   amount), and the stored totals equal the sum of the edits made;
2. the same load while PostgreSQL is stopped and started again in the middle of the run
   (`pg_ctlcluster stop`, 1 s, `start`): requests that fail get the 503 page (French, with
   Retry-After), none a 500 or no answer, fewer than 1 % of the run's requests fail, nothing
   fails 10 s after PostgreSQL is back, the same gunicorn (no worker restarted) answers
   afterwards, and no edit is lost;
3. two gunicorn processes on the same database, each user's requests alternating between them
   (log in on one, edit on the other): no failed request, no lost edit, both processes served.

About 4 minutes on 2 cores. LOADTEST_RUNS (default "1,2,3"; or `--runs 1,3`) picks the runs:
run 2 restarts the machine's PostgreSQL, which breaks whatever else is using it at that moment.
RESULTS.md is written only when all three ran. The capacity run is loadtest/capacity.py.
LOADTEST_KEEP=<folder> keeps each run's raw results (every request with its start time and
latency, locust's JSON) there, to look at a run second by second.
"""

import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # the project, not loadtest/, first on the path

from tests.production import (  # noqa: E402
    PG_ADMIN_URL,
    gunicorn,
    manage,
    postgres_available,
    production_env,
    scratch_database,
)

HERE = ROOT / "loadtest"
RESULTS = HERE / "RESULTS.md"
LOCUSTFILE = HERE / "locustfile.py"
WORKED_EXAMPLE = ROOT / "costing" / "examples" / "movilab-300m2.venue.json"
USERS = int(os.environ.get("LOADTEST_USERS", "50"))
DURATION = int(os.environ.get("LOADTEST_DURATION", "60"))
# Workers per gunicorn: gunicorn.conf.py's (sized from the cores) unless set.
WORKERS = int(os.environ["LOADTEST_WORKERS"]) if os.environ.get("LOADTEST_WORKERS") else None
# A Redis for the page cache and the sessions (settings.py REDIS_URL), e.g.
# redis://127.0.0.1:6379/11: the runs then measure the shared cache.
REDIS_URL = os.environ.get("LOADTEST_REDIS_URL", "")
RUNS = [int(n) for n in os.environ.get("LOADTEST_RUNS", "1,2,3").split(",")]
if "--runs" in sys.argv[:-1]:
    RUNS = [int(n) for n in sys.argv[sys.argv.index("--runs") + 1].split(",")]
ITEMS_PER_USER = 3
SPAWN_RATE = int(os.environ.get("LOADTEST_SPAWN_RATE", "10"))  # users started per second
# Latency targets in steady state (issue 19), at LOADTEST_USERS managers: request, percentile,
# milliseconds.
TARGETS = [("htmx edit", 0.95, 100), ("htmx edit", 0.99, 250),
           ("workspace", 0.95, 150), ("share page", 0.95, 150)]  # fmt: skip
OUTAGE_AT = 0.5  # of the run: when PostgreSQL stops
OUTAGE_PAUSE = 1.0  # seconds between stop and start
RECOVERY_GRACE = 10  # seconds after PostgreSQL is back: later requests must all succeed
MAX_FAILED_SHARE = 0.01  # run 2
PASSWORD = "loadtest-" + os.urandom(8).hex()  # throw-away accounts in a throw-away database
START = time.monotonic()


def server_config(env: dict[str, str], workers: int | None = WORKERS) -> str:
    """What gunicorn.conf.py starts with this environment: workers, class and threads."""
    import runpy

    saved = dict(os.environ)
    try:
        os.environ.update(env)
        conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    threads = f" × {conf['threads']} threads" if conf["worker_class"] == "gthread" else ""
    return f"{workers or conf['workers']} {conf['worker_class']} workers{threads}"


def empty_redis() -> None:
    """The runs start from an empty shared cache: each scratch database numbers its users and
    venues from 1 again, which a cache kept from an earlier run would mistake for its own."""
    if REDIS_URL:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()


def step(message: str) -> None:
    print(f"[loadtest {time.monotonic() - START:5.1f}s] {message}", file=sys.stderr, flush=True)


# PostgreSQL ----------------------------------------------------------------------------------


def pg_cluster() -> list[str]:
    """`pg_ctlcluster --skip-systemctl-redirect VERSION main`, for the cluster on this machine."""
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if len(versions) != 1:
        raise RuntimeError(f"expected one PostgreSQL cluster in /etc/postgresql, not {versions}")
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main"]


def pg_ready() -> bool:
    return (
        subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False
        ).returncode
        == 0
    )


def ensure_postgres_up() -> None:
    """Whatever happened, leave PostgreSQL running."""
    if pg_ready():
        return
    step("PostgreSQL is down: starting it")
    subprocess.run([*pg_cluster(), "start"], check=False, capture_output=True)
    for _ in range(60):
        if pg_ready():
            return
        time.sleep(0.5)
    raise RuntimeError("PostgreSQL did not come back: start it by hand")


@dataclass
class Outage:
    stopped_at: float = 0.0  # wall clock, as locust's request times
    up_at: float = 0.0
    error: str = ""

    @property
    def seconds(self) -> float:
        return self.up_at - self.stopped_at


def restart_postgres(outage: Outage) -> None:
    cluster = pg_cluster()
    try:
        outage.stopped_at = time.time()
        step("PostgreSQL: stop")
        subprocess.run([*cluster, "stop"], check=True, capture_output=True, timeout=60)
        time.sleep(OUTAGE_PAUSE)
        step("PostgreSQL: start")
        subprocess.run([*cluster, "start"], check=True, capture_output=True, timeout=60)
        while not pg_ready():
            time.sleep(0.05)
        outage.up_at = time.time()
        step(f"PostgreSQL: accepting connections again after {outage.seconds:.1f} s")
    except Exception as error:  # noqa: BLE001 - reported as the run's failure
        outage.error = repr(error)
    finally:
        ensure_postgres_up()


def query(database_url: str, sql: str, *params) -> list[tuple]:
    import psycopg

    with psycopg.connect(database_url, connect_timeout=10) as conn:
        return conn.execute(sql, params).fetchall()


# Data ------------------------------------------------------------------------------------------

SETUP = """
import json, os, time
from importlib import import_module
from pathlib import Path
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.middleware.csrf import _get_new_csrf_string
from bench.sample import item_fields
from costing.documents import load_venue_document
from costing.models import create_venue
from venues.models import ShareLink

User = get_user_model()
document = load_venue_document(Path(os.environ["LOADTEST_DOCUMENT"]).read_bytes())
password = make_password(os.environ["LOADTEST_PASSWORD"])
accounts = []
for index in range(int(os.environ["LOADTEST_USERS"])):
    user = User.objects.create(username=f"manager{index:03d}", password=password)
    venue = create_venue(document, owner=user)
    link = ShareLink.objects.create(venue=venue, label="Membres", created_by=user)
    items = venue.cost_items.order_by("position", "pk")[: int(os.environ["LOADTEST_ITEMS"])]
    session = {}
    if os.environ.get("LOADTEST_SESSIONS") == "1":  # logged in already, as by the login form
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store["tierslieux_saved_at"] = int(time.time())
        store.create()
        session = {"sessionid": store.session_key, "csrftoken": _get_new_csrf_string()}
    accounts.append({
        "session": session,
        "index": index,
        "username": user.username,
        "address": f"10.0.{index // 250}.{index % 250 + 1}",
        "venue": venue.pk,
        "token": link.token,
        "items": [{"pk": item.pk, "fields": item_fields(item)} for item in items],
    })
print("LOADTEST " + json.dumps(accounts))
"""


def setup_data(
    env: dict[str, str], password: str, users: int = USERS, sessions: bool = False
) -> list[dict]:
    """`users` managers, each owning a copy of the worked example with a share link; with
    `sessions`, each with a session made in the database, which the simulated manager uses
    instead of logging in (the capacity run: 400 argon2 logins would take minutes)."""
    result = manage(
        {
            **env,
            "LOADTEST_SESSIONS": "1" if sessions else "0",
            "LOADTEST_DOCUMENT": str(WORKED_EXAMPLE),
            "LOADTEST_PASSWORD": password,
            "LOADTEST_USERS": str(users),
            "LOADTEST_ITEMS": str(ITEMS_PER_USER),
        },
        "shell",
        "-c",
        SETUP,
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("LOADTEST "))
    return json.loads(line.removeprefix("LOADTEST "))


def snapshot(database_url: str, accounts: list[dict]) -> dict[int, tuple[Decimal, int]]:
    """Each edited item's stored amount and version."""
    pks = [item["pk"] for account in accounts for item in account["items"]]
    rows = query(
        database_url, "SELECT id, amount, version FROM costing_costitem WHERE id = ANY(%s)", pks
    )
    return {pk: (amount, version) for pk, amount, version in rows}


# Gunicorn --------------------------------------------------------------------------------------


class Log:
    """Keeps reading a gunicorn's stderr (a full pipe would block it) into a file."""

    def __init__(self, stream, path: Path):
        self.path = path
        self.thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self.thread.start()

    def _drain(self, stream) -> None:
        with self.path.open("ab") as out:
            for line in iter(stream.readline, b""):
                out.write(line)
                out.flush()

    def text(self) -> str:
        return self.path.read_text(errors="replace") if self.path.exists() else ""


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


# One run ---------------------------------------------------------------------------------------


def percentile(times: list[float], q: float) -> float:
    """The q-quantile (0 < q < 1) of `times`, 0 when there are none."""
    times = sorted(times)
    if not times:
        return 0.0
    if len(times) == 1:
        return times[0]
    return statistics.quantiles(times, n=100, method="inclusive")[round(q * 100) - 1]


@dataclass
class Result:
    number: int
    title: str
    hosts: list[str]
    duration: int
    users: int = USERS
    requests: list[dict] = field(default_factory=list)
    phases: dict = field(default_factory=dict)
    ledger: dict = field(default_factory=dict)
    anomalies: list[str] = field(default_factory=list)
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    outage: Outage | None = None
    criteria: list[tuple[str, bool]] = field(default_factory=list)
    wall: float = 0.0

    # requests
    @property
    def total(self) -> int:
        return len(self.requests)

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.requests if not r["ok"]]

    def status(self, test) -> int:
        return sum(1 for r in self.requests if test(r["status"]))

    @property
    def no_answer(self) -> int:
        return self.status(lambda s: s == 0)

    @property
    def server_errors(self) -> int:
        return self.status(lambda s: s >= 500)

    # phases: the login ramp, then the steady state
    @property
    def steady_at(self) -> float:
        return self.phases.get("steady_at", float("inf"))

    @property
    def steady(self) -> list[dict]:
        return [r for r in self.requests if r["t"] >= self.steady_at]

    @property
    def ramp(self) -> list[dict]:
        return [r for r in self.requests if r["t"] < self.steady_at]

    @property
    def ramp_seconds(self) -> float:
        if not self.requests or self.steady_at == float("inf"):
            return 0.0
        return max(0.0, self.steady_at - min(r["t"] for r in self.requests))

    @property
    def steady_seconds(self) -> float:
        return self.phases.get("steady_until", self.steady_at) - self.steady_at

    def percentile(self, q: float, name: str | None = None) -> float:
        """Of the steady state, for one kind of request or all."""
        return percentile([r["ms"] for r in self.steady if name in (None, r["name"])], q)

    @property
    def max_ms(self) -> float:
        return max((r["ms"] for r in self.steady), default=0.0)

    def rps(self) -> float:
        return len(self.steady) / self.steady_seconds if self.steady_seconds > 0 else 0.0

    def targets(self) -> list[tuple[str, float, float, bool]]:
        """Each latency target: label, limit, measured, met."""
        out = []
        for name, q, limit in TARGETS:
            measured = self.percentile(q, name)
            out.append((f"{name} p{round(q * 100)}", limit, measured, measured <= limit))
        return out

    # edits
    @property
    def acked(self) -> int:
        return sum(entry["acked"] for entry in self.ledger.values())

    @property
    def late(self) -> int:
        return sum(entry["late"] for entry in self.ledger.values())

    @property
    def refused(self) -> int:
        return sum(entry["refused"] for entry in self.ledger.values())

    @property
    def edits_sum(self) -> Decimal:
        return sum((Decimal(entry["delta"]) for entry in self.ledger.values()), Decimal(0))

    @property
    def stored_sum(self) -> Decimal:
        return sum(self.after[pk][0] - self.before[pk][0] for pk in self.before)

    @property
    def lost(self) -> int:
        """Acknowledged edits that PostgreSQL does not hold: an item's version short of what
        was acknowledged, or its amount different from the last acknowledged one."""
        lost = 0
        for pk, (amount, version) in self.before.items():
            entry = self.ledger.get(str(pk), {"acked": 0, "delta": "0"})
            expected_version = version + entry["acked"]
            expected_amount = amount + Decimal(entry["delta"])
            stored_amount, stored_version = self.after[pk]
            missing = max(0, expected_version - stored_version)
            lost += missing or int(stored_amount != expected_amount)
        return lost

    @property
    def extra_writes(self) -> int:
        """Writes that nobody acknowledged nor settled (should be none)."""
        return sum(
            max(0, self.after[pk][1] - version - self.ledger.get(str(pk), {"acked": 0})["acked"])
            for pk, (_, version) in self.before.items()
        )

    # outage
    def during_outage(self, request: dict) -> bool:
        start, end = request["t"], request["t"] + request["ms"] / 1000
        return end >= self.outage.stopped_at and start <= self.outage.up_at

    def check(self, label: str, passed: bool) -> None:
        self.criteria.append((label, passed))

    @property
    def passed(self) -> bool:
        return bool(self.criteria) and all(passed for _, passed in self.criteria)


def run_locust(
    number: int,
    title: str,
    hosts: list[str],
    accounts: list[dict],
    database_url: str,
    tmp: Path,
    *,
    users: int = USERS,
    duration: int = DURATION,
    spawn_rate: int = SPAWN_RATE,
    outage: bool = False,
) -> Result:
    """One locust run: `users` log in (the ramp), then act for `duration` seconds."""
    accounts = accounts[:users]
    result = Result(number, title, hosts, duration, users)
    result.before = snapshot(database_url, accounts)
    config = tmp / f"run{number}.json"
    output = tmp / f"run{number}.results.json"
    for account in accounts:
        for item in account["items"]:
            amount, version = result.before[item["pk"]]
            item["amount"], item["version"] = str(amount), version
    steady_file = tmp / f"run{number}.steady"
    config.write_text(
        json.dumps(
            {
                "hosts": hosts,
                "accounts": accounts,
                "password": PASSWORD,
                "duration": duration,
                "steady_file": str(steady_file),
            }
        )
    )
    # The run stops itself `duration` s after the last login; this is a safety net.
    ramp_budget = users / spawn_rate + 120
    command = [
        sys.executable, "-m", "locust",
        "-f", str(LOCUSTFILE),
        "--headless",
        "--users", str(users),
        "--spawn-rate", str(spawn_rate),
        "--run-time", f"{round(ramp_budget + duration)}s",
        "--stop-timeout", "50",
        "--host", hosts[0],
        "--only-summary",
        "--loglevel", "WARNING",
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    env = {**os.environ, "LOADTEST_CONFIG": str(config), "LOADTEST_OUTPUT": str(output)}
    log = tmp / f"run{number}.locust.log"
    step(f"run {number}: {title} — locust, {users} users, {duration} s, {', '.join(hosts)}")
    started = time.monotonic()
    with log.open("wb") as out:
        locust = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
        if outage:  # in the middle of the steady window
            result.outage = Outage()
            deadline = time.monotonic() + ramp_budget
            while not steady_file.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(duration * OUTAGE_AT)
            restart_postgres(result.outage)
        try:
            code = locust.wait(timeout=ramp_budget + duration + 120)
        except subprocess.TimeoutExpired:
            locust.kill()
            raise RuntimeError(f"locust did not stop: see {log}") from None
    result.wall = time.monotonic() - started
    if code != 0 or not output.exists():
        print(log.read_text(errors="replace"), file=sys.stderr)
        raise RuntimeError(f"locust exited with {code}")
    data = json.loads(output.read_text())
    if os.environ.get("LOADTEST_KEEP"):
        shutil.copy(output, Path(os.environ["LOADTEST_KEEP"]) / output.name)
    result.requests, result.ledger, result.anomalies, result.phases = (
        data["requests"],
        data["ledger"],
        data["anomalies"],
        data["phases"],
    )
    result.after = snapshot(database_url, accounts)
    step(
        f"run {number}: {result.total} requests ({len(result.ramp)} in the "
        f"{result.ramp_seconds:.0f} s login ramp), {len(result.failed)} failed, "
        f"{result.acked} edits acknowledged, "
        f"{result.lost} lost; steady p95 {result.percentile(0.95):.0f} ms"
    )
    return result


def common_checks(result: Result, logins: bool = True) -> None:
    """What every run must hold; `logins`: the users log in through the form (not with a
    session made beforehand)."""
    if logins:
        done = sum(1 for r in result.requests if r["name"] == "login" and r["ok"])
        result.check(f"every simulated user logged in ({done})", done >= result.users)
    result.check("no request without an answer (timeout, connection error)", not result.no_answer)
    result.check(
        f"no lost edit ({result.acked} acknowledged; PostgreSQL holds each one)",
        result.lost == 0 and result.extra_writes == 0 and result.acked > 0,
    )
    result.check(
        f"stored totals = sum of the edits ({result.stored_sum:+} = {result.edits_sum:+})",
        result.stored_sum == result.edits_sum,
    )
    result.check(
        "no edit refused as stale, no surprise in a page",
        result.refused == 0 and not result.anomalies,
    )


# Report ----------------------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def table(results: list[Result]) -> str:
    """One line per run: the login ramp, then the steady state's figures."""
    lines = [
        "| run | login ramp | steady requests | req/s | failed | 5xx (503) | no answer "
        "| p50 ms | p95 ms | p99 ms | max ms | edits acknowledged | lost edits | verdict |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        failed = len(r.failed)
        share = f" ({100 * failed / r.total:.2f} %)" if r.total else ""
        ramp = f"{r.users} logins in {r.ramp_seconds:.0f} s"
        lines.append(
            f"| {r.number}. {r.title} | {ramp} | {len(r.steady)} | {r.rps():.1f} "
            f"| {failed}{share} | {r.server_errors} ({r.status(lambda s: s == 503)}) "
            f"| {r.no_answer} | {ms(r.percentile(0.50))} | {ms(r.percentile(0.95))} "
            f"| {ms(r.percentile(0.99))} | {ms(r.max_ms)} | {r.acked} | {r.lost} "
            f"| {'✅' if r.passed else '❌'} |"
        )
    return "\n".join(lines)


def targets(result: Result) -> str:
    """The latency targets of issue 19, checked against the steady state."""
    return "\n".join(
        f"- {'✅' if met else '❌'} {label} ≤ {limit} ms: {measured:.0f} ms"
        for label, limit, measured, met in result.targets()
    )


def per_request(requests: list[dict]) -> list[str]:
    names: dict[str, list[dict]] = {}
    for request in requests:
        names.setdefault(request["name"], []).append(request)
    rows = [
        "| request | count | failed | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, group in sorted(names.items(), key=lambda x: -len(x[1])):
        times = [r["ms"] for r in group]
        failed = sum(1 for r in group if not r["ok"])
        rows.append(
            f"| {name} | {len(group)} | {failed} | {ms(percentile(times, 0.5))} "
            f"| {ms(percentile(times, 0.95))} | {ms(percentile(times, 0.99))} | {ms(max(times))} |"
        )
    return rows


def details(result: Result) -> str:
    out = [
        f"### Run {result.number}: {result.title}",
        "",
        f"Steady state ({result.steady_seconds:.0f} s after the last login, {result.users} "
        f"managers logged in):",
        "",
        *per_request(result.steady),
        "",
        f"Login ramp ({result.ramp_seconds:.1f} s, {len(result.ramp)} requests; not in the "
        "figures above):",
        "",
        *per_request(result.ramp),
        "",
    ]
    if result.outage:
        o = result.outage
        during = [r for r in result.requests if result.during_outage(r)]
        out.append(
            f"PostgreSQL stopped {o.stopped_at - min(r['t'] for r in result.requests):.1f} s "
            f"into the run and accepted connections again {o.seconds:.1f} s later; "
            f"{len(during)} requests were under way in that window, "
            f"{sum(1 for r in during if not r['ok'])} of them failed; "
            f"{result.late} edits answered 503 had been written (found on re-reading the page)."
        )
        out.append("")
    if len({r["port"] for r in result.requests}) > 1:
        ports: dict[int, list[dict]] = {}
        for request in result.requests:
            ports.setdefault(request["port"], []).append(request)
        split = ", ".join(
            f"port {port}: {len(rs)} requests, {sum(1 for r in rs if r['name'] == 'htmx edit')} "
            f"edits, {sum(1 for r in rs if not r['ok'])} failed"
            for port, rs in sorted(ports.items())
        )
        out += [f"Requests per app process: {split}.", ""]
    errors = sorted({r.get("error", "") for r in result.failed})
    if errors:
        out += ["Failures: " + "; ".join(f"`{e}`" for e in errors[:10]), ""]
    if result.anomalies:
        out += ["Anomalies: " + "; ".join(result.anomalies[:10]), ""]
    out += [f"- {'✅' if passed else '❌'} {label}" for label, passed in result.criteria]
    if result.number == 1:
        out += ["", f"Latency targets in steady state at {result.users} managers:", ""]
        out.append(targets(result))
    return "\n".join(out)


def machine() -> str:
    import django
    import gunicorn as gunicorn_package
    import locust
    import psycopg

    cpu = "?"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists() and (m := re.search(r"model name\s*:\s*(.*)", cpuinfo.read_text())):
        cpu = m.group(1).strip()
    with psycopg.connect(PG_ADMIN_URL) as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0]
    return (
        f"`nproc` = {os.cpu_count()} ({cpu}), {platform.platform()}; Python "
        f"{platform.python_version()}, Django {django.get_version()}, gunicorn "
        f"{gunicorn_package.__version__}, locust {locust.__version__}, PostgreSQL {postgres} "
        f"on 127.0.0.1"
    )


SERVER = "?"  # set by main()
CACHE = " (Redis for the page cache and the sessions)" if REDIS_URL else ""


def report(results: list[Result], load_before: str, wall: float) -> str:
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    sections = "\n\n".join(details(r) for r in results)
    return f"""# Load and fault test results

Written by `make loadtest` (loadtest/run.py) on {when}, in {wall:.0f} s; load average before
the run: {load_before}.

Machine: {machine()}.

Set-up: gunicorn with {SERVER} per process (gunicorn.conf.py){CACHE},
debug off, the production middleware, PostgreSQL through the psycopg pool
(`check=ConnectionPool.check_connection`), a scratch database. locust (loadtest/locustfile.py,
FastHttpUser, one process) drives {USERS} simulated managers per run: first each logs in (the
login ramp, reported apart), then {DURATION} s of steady state, each as the owner of its own
copy of the worked example, pausing 1 to 3 s between actions: workspace page (weight 3), htmx
edit of one of its {ITEMS_PER_USER} items' amount with the version the page rendered
(weight 4), share page `/s/<token>/` (weight 3). An edit is *lost* when PostgreSQL does not
hold it at the end although the server acknowledged it (the row came back with the next
version); an edit without an acknowledgement (503) is settled by re-reading the page.
Latencies are locust's, client side, on the same machine.

{table(results)}

{sections}
"""


# Main ------------------------------------------------------------------------------------------


def main() -> int:
    if not postgres_available():
        sys.exit(
            "loadtest: PostgreSQL does not answer on 127.0.0.1:5432 (user postgres, trust "
            "auth); start it (or set TIERSLIEUX_PG_ADMIN_URL) and run `make loadtest` again."
        )
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results: list[Result] = []
    try:
        with tempfile.TemporaryDirectory() as tmp, scratch_database() as database_url:
            tmp = Path(tmp)
            env = production_env(
                database_url,
                tmp / "static",
                # Each manager sends its own X-Forwarded-For, as from behind a proxy: the app
                # throttles logins by that address (accounts/lockout.py client_address).
                TIERSLIEUX_PROXY_COUNT="1",
                DJANGO_LOG_LEVEL="WARNING",
                **({"REDIS_URL": REDIS_URL} if REDIS_URL else {}),
            )
            global SERVER
            SERVER = server_config(env)
            empty_redis()
            step("migrate and collectstatic on a scratch database")
            manage(env, "migrate", "--no-input")
            manage(env, "collectstatic", "--no-input")
            step(f"{USERS} managers, each with a copy of the worked example and a share link")
            accounts = setup_data(env, PASSWORD)
            with gunicorn(env, workers=WORKERS) as first:
                first_log = Log(first.process.stderr, tmp / "gunicorn-1.log")
                for number in (1, 2):
                    if number not in RUNS:
                        continue
                    title = "steady load" if number == 1 else "PostgreSQL restarted mid-run"
                    booted = first_log.text().count("Booting worker")
                    result = run_locust(
                        number, title, [first.url], accounts, database_url, tmp,
                        outage=number == 2,
                    )  # fmt: skip
                    results.append(result)
                    common_checks(result)
                    if number == 1:
                        result.check("no failed request (so no 5xx)", not result.failed)
                    else:
                        outage_checks(result, first, first_log, booted)
                if 3 in RUNS:
                    with gunicorn(env, workers=WORKERS) as second:
                        Log(second.process.stderr, tmp / "gunicorn-2.log")
                        hosts = [first.url, second.url]
                        result = run_locust(
                            3, "two app processes, round robin", hosts, accounts, database_url, tmp
                        )
                        results.append(result)
                        common_checks(result)
                        result.check("no failed request (so no 5xx)", not result.failed)
                        ports = {r["port"] for r in result.requests}
                        result.check(
                            "both processes served requests, logins and edits",
                            all(
                                any(r["port"] == p and r["name"] == name for r in result.requests)
                                for p in ports
                                for name in ("login", "htmx edit")
                            )
                            and len(ports) == 2,
                        )
    except subprocess.CalledProcessError as error:
        print(error.stdout or "", error.stderr or "", sep="\n", file=sys.stderr)
        raise
    finally:
        ensure_postgres_up()
    text = report(results, load_before, time.monotonic() - START)
    print(text)
    if RUNS == [1, 2, 3]:
        RESULTS.write_text(text)
        step(f"written to {RESULTS.relative_to(ROOT)}")
    failed = [r.number for r in results if not r.passed]
    if failed:
        step(f"FAILED: run(s) {', '.join(map(str, failed))}")
        return 1
    step(f"passed in {time.monotonic() - START:.0f} s")
    return 0


def outage_checks(result: Result, server, log: Log, booted: int) -> None:
    o = result.outage
    result.check(f"PostgreSQL restarted ({o.error or f'{o.seconds:.1f} s down'})", not o.error)
    if o.error:
        return
    failed = result.failed
    result.check(
        f"fewer than {MAX_FAILED_SHARE:.0%} of the requests failed "
        f"({len(failed)} of {result.total})",
        len(failed) < MAX_FAILED_SHARE * result.total,
    )
    result.check(
        "every failed request got the 503 page (French, Retry-After), none a 500",
        all(r["status"] == 503 and r.get("french_503") and r.get("retry_after") for r in failed),
    )
    late = [r for r in failed if r["t"] > o.up_at + RECOVERY_GRACE]
    result.check(
        f"recovered by itself: no failure later than {RECOVERY_GRACE} s after PostgreSQL was "
        f"back ({len(late)})",
        not late,
    )
    text = log.text()
    result.check(
        "the same gunicorn answers afterwards, no worker timed out or restarted",
        server.process.poll() is None
        and get(server.url + "/healthz") == 200
        and "WORKER TIMEOUT" not in text
        and text.count("Booting worker") == booted,
    )


if __name__ == "__main__":
    sys.exit(main())
