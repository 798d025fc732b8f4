"""The performance benchmark (`make bench`): prints a Markdown table, writes bench/RESULTS.md.

1. The costing engine on 100 … 100 000 items (bench/engine.py).
2. HTTP throughput of one gunicorn process as gunicorn.conf.py configures it (its worker class
   and threads; debug off, PostgreSQL, production middleware)
   on loopback, driven by wrk, for a bare Django view, /healthz, the venue pages and the htmx
   edit's first steps alone (bench/urls.py), each as a ratio to /healthz measured in the same
   run by the same driver.
3. SQL queries per request for each page (bench/queries.py, in-process).

Everything runs against a scratch PostgreSQL database (127.0.0.1:5432, dropped afterwards);
wrk is installed with apt-get when missing and running as root. About 2 minutes on 2 cores.
Environment knobs: BENCH_DURATION (seconds per wrk run, default 4), BENCH_ROUNDS (rounds of
every wrk run, the best one counts; default 2), BENCH_CONNECTIONS (wrk connections for the GET
pages, default 4). To see where a page's time goes: bench/hotspots.py; whether a change makes
the edit faster: bench/compare.py.
"""

import datetime
import http.cookiejar
import itertools
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
import urllib.parse
import urllib.request
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # the project, not bench/, first on the path

from bench.sample import edit_form_data, venue_document, version_pattern  # noqa: E402
from tests.production import (  # noqa: E402
    gunicorn,
    manage,
    postgres_available,
    production_env,
    scratch_database,
)

BENCH = ROOT / "bench"
RESULTS = BENCH / "RESULTS.md"
WORKED_EXAMPLE = ROOT / "costing" / "examples" / "movilab-300m2.venue.json"
DURATION = int(os.environ.get("BENCH_DURATION", "4"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
USERNAME = "bench"
PASSWORD = "bench-" + os.urandom(8).hex()  # a throw-away account in a throw-away database

WORKED = "worked example (10 items × 3 categories)"
LARGE = "60 items × 12 categories"

# Ratio targets of issue 7, to /healthz (same run, same server and middleware); the edit's of
# issue 19, which replaced 0.2: ≥ 0.12 × /healthz and ≥ EDIT_FLOOR_TARGET × its floor row.
TARGETS = {
    ("share", WORKED): 0.4,
    ("workspace", WORKED): 0.25,
    ("edit", WORKED): 0.12,
    ("share", LARGE): 0.2,
    ("workspace", LARGE): 0.1,
}
HEALTHZ_TARGET = 0.4  # × the bare view
EDIT_FLOOR_TARGET = 0.8  # the edit × its floor row (floor-edit), each venue
QUERY_TARGETS = {
    "workspace": 6, "share": 3, "workspace-cold": 6, "share-cold": 3,
    "edit": 5,  # issue 19 (was 6): BEGIN and COMMIT counted, without Redis (docs/scaling.md)
}  # fmt: skip
# Pages that other issues add, one row each in the HTTP table, requested logged in as the venue's
# owner on the worked example, as ratios to /healthz: (key, label, URL name, argument, text the
# answer must contain). The argument is "venue" (the venue's id) or "token" (its share link's).
# A URL name that does not exist (its issue has not landed) is left out of the run. The PDF
# statement's render time has a section of its own (statement_section, bench/statement.py).
PAGE_ROWS = [
    ("members", "members page (issue 16)", "members", "venue", "<html"),
    ("journal", "journal of changes (issue 16), a full page", "venue_journal", "venue", "<html"),
    ("history", "history of closed months (issue 17)", "period_list", "venue", "<html"),
    ("scenarios", "scenario comparison (issue 18)", "scenario_compare", "venue", "<html"),
]  # fmt: skip
ENGINE_TARGET_MS = 50  # 10 000 items
ENGINE_TARGET_GROWTH = 11  # per ×10 items


def ok(passed: bool) -> str:
    return "✅" if passed else "❌"


def step(message: str) -> None:
    print(f"[bench {time.monotonic() - START:5.1f}s] {message}", file=sys.stderr, flush=True)


START = time.monotonic()
LOAD_BEFORE = " ".join(f"{x:.2f}" for x in os.getloadavg())


# 1. Engine ------------------------------------------------------------------------------------


def engine_section() -> tuple[str, list[str]]:
    """bench/engine.py's table, and a verdict line per target."""
    step("engine: bench/engine.py")
    output = subprocess.run(
        [sys.executable, str(BENCH / "engine.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    at_10k, growths = [], []
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) != 4 or not cells[2].replace(".", "").isdigit():
            continue
        items, categories, ms, growth = cells
        if items.replace(" ", "") == "10000":
            at_10k.append((categories, float(ms)))
        if growth.endswith("×"):
            growths.append(float(growth[:-1]))
    worst_ms = max(ms for _, ms in at_10k)
    worst_growth = max(growths)
    verdicts = [
        f"- 10 000 items under {ENGINE_TARGET_MS} ms a call: slowest {worst_ms:.2f} ms "
        f"({', '.join(f'{c} categories: {ms:.2f} ms' for c, ms in at_10k)}) "
        f"{ok(worst_ms < ENGINE_TARGET_MS)}",
        f"- growth per ×10 items at most {ENGINE_TARGET_GROWTH}×: largest {worst_growth:.1f}× "
        f"{ok(worst_growth <= ENGINE_TARGET_GROWTH)}",
    ]
    return output, verdicts


# 2. HTTP throughput ---------------------------------------------------------------------------


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() != 0:
        sys.exit(
            "bench: the load tool wrk is missing. Install it (Debian/Ubuntu: "
            "`sudo apt-get install wrk`) and run `make bench` again."
        )
    step("wrk is missing: apt-get install -y wrk")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=False)
        subprocess.run(install, env=env, capture_output=True, check=True)
    wrk = shutil.which("wrk")
    if not wrk:
        sys.exit("bench: apt-get installed wrk but it is not on PATH.")
    return wrk


@dataclass
class Run:
    """One wrk run."""

    rps: float
    requests: int
    errors: int  # non-2xx/3xx responses, socket errors, and what the Lua script flagged
    latency: str
    output: str


def wrk(
    url: str,
    *,
    connections: int = CONNECTIONS,
    duration: int = DURATION,
    headers: tuple[str, ...] = (),
    script: Path | None = None,
) -> Run:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(r"Socket errors: (.*)", output):
        errors += sum(int(n) for n in re.findall(r"\d+", match.group(1)))
    if script:
        match = re.search(r"BENCH stale=(\d+) missing=(\d+)", output)
        if not match:
            raise RuntimeError(f"the wrk script {script.name} reported nothing:\n{output}")
        errors += int(match.group(1)) + int(match.group(2))
    latency = re.search(r"Latency\s+(\S+)", output)
    return Run(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
        errors=errors,
        latency=latency.group(1) if latency else "?",
        output=output,
    )


EDIT_SCRIPT = """\
-- The htmx edit of one item's amount, repeated: each request carries the version that the
-- previous response rendered, so that every request is a real, accepted edit (with one
-- connection, wrk builds the next request only after the previous response), and an amount
-- never sent before in the whole benchmark (a cent more each time, from a base of its own for
-- each run of each row, edit_script), so that no allocation, and nothing rendered from it,
-- repeats: a manager's edits do not come back to the same figures either.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["HX-Request"] = "true"
wrk.headers["X-CSRFToken"] = "{csrftoken}"
wrk.headers["Cookie"] = "{cookie}"
version = {version}
stale = 0
missing = 0
local sent = 0
local before, after = "{body_before}", "{body_after}"
local base = {base}

request = function()
  sent = sent + 1
  local amount = string.format("%d.%02d", base + math.floor(sent / 100), sent % 100)
  return wrk.format(nil, nil, nil, before .. amount .. after .. version)
end

response = function(status, headers, body)
  local seen = string.match(body, '{pattern}')
  if status ~= 200 or not seen then
    missing = missing + 1
    return
  end
  if tonumber(seen) ~= version + 1 then stale = stale + 1 end
  version = tonumber(seen)
end
"""


POST_SCRIPT = """\
-- An empty POST with the session and CSRF cookies: the floor steps of the edit answer 200.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-CSRFToken"] = "{csrftoken}"
wrk.headers["Cookie"] = "{cookie}"
stale = 0
missing = 0

response = function(status, headers, body)
  if status ~= 200 then missing = missing + 1 end
end
"""


# What every script ends with: what it counted (stale and missing versions, refused requests),
# printed once per thread for `wrk()` to read. Appended after formatting: plain braces.
REPORT = """
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(string.format("BENCH stale=%d missing=%d\\n", thread:get("stale"),
                           thread:get("missing")))
  end
end
"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Session:
    cookie: str
    csrftoken: str


def log_in(base: str) -> Session:
    """Log in through the login form, as a browser does; return the cookies for wrk."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    opener.open(base + "/accounts/login/", timeout=10).read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
    ).encode()
    try:
        opener.open(base + "/accounts/login/", data=form, timeout=10)
        raise RuntimeError("the login form did not redirect: wrong password?")
    except urllib.error.HTTPError as redirect:
        if redirect.code != 302:
            raise
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError("logging in set no session cookie")
    return Session(
        cookie=f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}",
        csrftoken=cookies["csrftoken"],
    )


def fetch(url: str, data: bytes | None = None, **headers: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode(errors="replace")  # a PDF too
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def check_page(url: str, expect: str, repeat: int = 10, **headers: str) -> None:
    """Warm the worker up on `url` and check that it answers 200 with `expect` in the body."""
    for _ in range(repeat):
        status, body = fetch(url, **headers)
        if status != 200 or expect not in body:
            raise RuntimeError(f"{url}: status {status}, expected 200 with {expect!r}")


def settle(base: str) -> None:
    """Wait until the worker has served what wrk left in its queue when it stopped (up to one
    slow request per connection), so that it does not eat into the next measurement."""
    fetch(base + "/healthz")  # queued behind them: answered once they are done
    time.sleep(0.2)


def setup_data(env: dict[str, str], tmp: Path) -> dict:
    """The benchmark user and two venues imported from documents, each with a share link."""
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; import os; "
        "get_user_model().objects.create_user(os.environ['BENCH_USER'], "
        "password=os.environ['BENCH_PASSWORD'])",
    )
    large = tmp / "large.venue.json"
    large.write_text(json.dumps(venue_document(60, 12), ensure_ascii=False, indent=1))
    slugs = {}
    for name, document in ((WORKED, WORKED_EXAMPLE), (LARGE, large)):
        result = manage(env, "import_venue", str(document), "--owner", USERNAME)
        slugs[name] = result.stdout.strip().splitlines()[-1]
    describe = manage(
        {**env, "BENCH_SLUGS": json.dumps(slugs)},
        "shell",
        "-c",
        """
import json, os
from bench.sample import item_fields
from venues import journal
from venues.models import ShareLink, Venue
from venues.team_views import JOURNAL_PAGE_SIZE
out = {}
for name, slug in json.loads(os.environ["BENCH_SLUGS"]).items():
    venue = Venue.objects.get(slug=slug)
    link = ShareLink.objects.create(venue=venue, label="Banc d'essai")
    item = venue.cost_items.filter(frequency="monthly").order_by("position", "pk").first()
    # a full page of the journal in every round, not only once the edits have filled it
    for _ in range(JOURNAL_PAGE_SIZE):
        before = journal.snapshot(item, ["amount"])
        item.amount += 1
        after = journal.snapshot(item, ["amount"])
        entry = journal.entry(venue, item, "changed", before=before, after=after)
        assert item.save_if_unchanged(item.version, ["amount"], entry)
    out[name] = {
        "id": venue.pk, "token": link.token, "item": item.pk, "amount": str(item.amount),
        "fields": item_fields(item),
    }
print("BENCH " + json.dumps(out))
""",
    )
    line = next(x for x in describe.stdout.splitlines() if x.startswith("BENCH "))
    return json.loads(line[len("BENCH ") :])


LEFT_OUT: list[str] = []  # rows of PAGE_ROWS not measured, and why


def page_row_paths(env: dict[str, str], venue: dict) -> dict[str, str]:
    """The path of each of PAGE_ROWS for `venue`, for those whose URL name exists."""
    wanted = {key: (name, argument) for key, _, name, argument, _ in PAGE_ROWS}
    result = manage(
        {**env, "BENCH_ROWS": json.dumps(wanted), "BENCH_VENUE": json.dumps(venue)},
        "shell",
        "-c",
        """
import json, os
from django.urls import NoReverseMatch, reverse
venue = json.loads(os.environ["BENCH_VENUE"])
out = {}
for key, (name, argument) in json.loads(os.environ["BENCH_ROWS"]).items():
    try:
        out[key] = reverse(name, args=[venue["id"] if argument == "venue" else venue["token"]])
    except NoReverseMatch:
        pass
print("BENCH " + json.dumps(out))
""",
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("BENCH "))
    return json.loads(line[len("BENCH ") :])


def current_version(base: str, venue: dict, session: Session) -> int:
    status, body = fetch(f"{base}/venues/{venue['id']}/", Cookie=session.cookie)
    match = re.search(version_pattern(venue["item"]), body)
    if status != 200 or not match:
        raise RuntimeError(f"workspace of venue {venue['id']}: status {status}, no item version")
    return int(match.group(1))


# Each edit script sends its amounts from a base of its own, 1 000 apart (a run of 4 s sends
# fewer than 100 000 edits): a summary cached under the allocation's values (venues/pagecache.py
# value_key) by an earlier run would serve the next one, as happened to the second round before.
_EDIT_BASES = itertools.count(0, 1_000)


def edit_script(tmp: Path, base: str, venue: dict, session: Session) -> Path:
    """The wrk script of the htmx edit, starting from the item's current version, with amounts
    no other script sends; first check that two edits in a row are accepted."""
    url = f"{base}/venues/{venue['id']}/items/{venue['item']}/"
    headers = {
        "HX-Request": "true",
        "X-CSRFToken": session.csrftoken,
        "Cookie": session.cookie,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    amounts = [venue["amount"], str(Decimal(venue["amount"]) + 1)]
    version = current_version(base, venue, session)
    for amount in amounts:
        data = urllib.parse.urlencode(
            edit_form_data(venue["item"], venue["fields"], amount, version)
        ).encode()
        status, body = fetch(url, data=data, **headers)
        match = re.search(version_pattern(venue["item"]), body)
        if status != 200 or not match or int(match.group(1)) != version + 1:
            raise RuntimeError(f"htmx edit {url}: status {status}, the edit was not accepted")
        version += 1

    data = edit_form_data(venue["item"], venue["fields"], "AMOUNT", 0)
    data.pop(f"item-{venue['item']}-version")
    before, after = (urllib.parse.urlencode(data) + f"&item-{venue['item']}-version=").split(
        "AMOUNT"
    )

    script = tmp / f"edit-{venue['id']}.lua"
    script.write_text(
        EDIT_SCRIPT.format(
            csrftoken=session.csrftoken,
            cookie=session.cookie,
            version=version,
            body_before=before,
            body_after=after,
            base=int(Decimal(amounts[1])) + 1 + next(_EDIT_BASES),
            pattern=version_pattern(venue["item"]).replace("-", "%-").replace(r"(\d+)", "(%d+)"),
        )
        + REPORT
    )
    return script


@dataclass
class Row:
    page: str
    venue: str
    driver: str
    runs: list[Run]  # one per round
    reference: str  # the page this one is a ratio to: "healthz" or "healthz-c1"
    target: float | None = None

    @property
    def rps(self) -> float:
        """The best round: the one least disturbed by whatever else the machine was doing."""
        return max(run.rps for run in self.runs)

    @property
    def rounds(self) -> str:
        return ", ".join(f"{run.rps:.0f}" for run in self.runs)

    @property
    def errors(self) -> int:
        return sum(run.errors for run in self.runs)


def drain(stream, lines: deque) -> None:
    """Read gunicorn's stderr so that a full pipe never blocks the worker; keep the tail."""
    for line in iter(stream.readline, b""):
        lines.append(line.decode(errors="replace").rstrip())


def http_section(env: dict[str, str], tmp: Path) -> tuple[list[Row], dict]:
    step("setting up: import the worked example and a 60 × 12 venue, share links")
    venues = setup_data(env, tmp)
    get_driver = f"wrk -t1 -c{CONNECTIONS} -d{DURATION}s"
    one = f"wrk -t1 -c1 -d{DURATION}s"
    edit_driver = f"{one} + Lua (next version from each response)"
    drivers = {
        "healthz-c1": one,
        "edit": edit_driver,
        "floor-login": f"{one} + Lua (POST)",
        "floor-venue": f"{one} + Lua (POST)",
        "floor-edit": edit_driver,
        "floor-summary": edit_driver,
    }
    runs: dict[tuple[str, str], list[Run]] = {}  # (page, venue) -> one run per round
    with gunicorn(env, workers=1) as server:
        stderr_tail: deque = deque(maxlen=50)
        threading.Thread(
            target=drain, args=(server.process.stderr, stderr_tail), daemon=True
        ).start()
        base = server.url
        try:
            session = log_in(base)
            cookie = f"Cookie: {session.cookie}"
            pages = [
                ("bare", "", f"{base}/bench/bare", "ok", ()),
                ("healthz", "", f"{base}/healthz", "ok", ()),
            ]
            for name, venue in venues.items():
                share = f"{base}/s/{venue['token']}/"
                pages += [
                    ("share", name, share, "<html", ()),
                    ("json", name, share + "allocation.json", '"format"', ()),
                    ("workspace", name, f"{base}/venues/{venue['id']}/",
                     f'name="item-{venue["item"]}-version"', (cookie,)),
                ]  # fmt: skip
            paths = page_row_paths(env, venues[WORKED])
            expects = {key: expect for key, _, _, _, expect in PAGE_ROWS}
            for key, path in paths.items():
                status, body = fetch(base + path, Cookie=session.cookie)
                if status != 200 or expects[key] not in body:
                    LEFT_OUT.append(f"{key} ({path}: status {status})")
                    continue
                pages.append((key, WORKED, base + path, expects[key], (cookie,)))
            LEFT_OUT.extend(key for key, *_ in PAGE_ROWS if key not in paths)
            step(f"pages of other issues: left out {', '.join(LEFT_OUT) or 'none'}")
            for _, _, url, expect, headers in pages:
                check_page(url, expect, **dict(h.split(": ", 1) for h in headers))

            def measure(round_: int, key: str, name: str, url: str, headers=(), **kwargs):
                step(f"round {round_ + 1}/{ROUNDS}: wrk {key} {name} {url.removeprefix(base)}")
                runs.setdefault((key, name), []).append(wrk(url, headers=headers, **kwargs))
                settle(base)

            for round_ in range(ROUNDS):
                for key, name, url, _, headers in pages:
                    measure(round_, key, name, url, headers)
                # The edit, sequential on one connection, against /healthz on one connection.
                measure(round_, "healthz-c1", "", f"{base}/healthz", connections=1)
                for name, venue in venues.items():
                    script = edit_script(tmp, base, venue, session)
                    url = f"{base}/venues/{venue['id']}/items/{venue['item']}/"
                    measure(round_, "edit", name, url, connections=1, script=script)
                # Where the edit's time goes: its first steps alone (bench/urls.py).
                post = tmp / "post.lua"
                post.write_text(POST_SCRIPT.format(**vars(session)) + REPORT)
                worked = venues[WORKED]
                floor = f"{base}/bench/floor"
                measure(round_, "floor-login", "", f"{floor}/login", connections=1, script=post)
                measure(
                    round_, "floor-venue", WORKED, f"{floor}/venues/{worked['id']}",
                    connections=1, script=post,
                )  # fmt: skip
                for name, venue in venues.items():
                    script = edit_script(tmp, base, venue, session)
                    url = f"{floor}/venues/{venue['id']}/items/{venue['item']}"
                    measure(round_, "floor-edit", name, url, connections=1, script=script)
                    script = edit_script(tmp, base, venue, session)
                    url += "/summary"
                    measure(round_, "floor-summary", name, url, connections=1, script=script)
        except Exception:
            print("\n".join(stderr_tail), file=sys.stderr)
            raise
        if any(run.errors for results in runs.values() for run in results):
            print("\n".join(stderr_tail), file=sys.stderr)
    rows = []
    for (key, name), results in runs.items():
        reference = "healthz-c1" if key in ONE_CONNECTION else "healthz"
        driver = drivers.get(key, get_driver)
        rows.append(Row(key, name, driver, results, reference, TARGETS.get((key, name))))
    return rows, {"venues": venues}


# 3. Queries per request -----------------------------------------------------------------------


def queries_section(env: dict[str, str]) -> dict:
    step("queries per request: bench/queries.py (creates 10 000 other venues)")
    result = subprocess.run(
        [sys.executable, str(BENCH / "queries.py"), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


# 4. Statements in PDF ----------------------------------------------------------------------------

STATEMENT_TARGET_MS = 2000  # a closed month of the worked example (periods/statement.py)


def statement_section() -> str:
    """bench/statement.py's timing of a PDF statement, in-process, as a report section."""
    step("statement in PDF: bench/statement.py")
    output = subprocess.run(
        [sys.executable, str(BENCH / "statement.py"), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    slowest = max(result["first_ms"], result["median_ms"])
    return f"""
## Statement in PDF (bench/statement.py, in-process, WeasyPrint)

A closed month of the worked example printed to PDF from its frozen documents: the first
statement of the process (fonts loaded) {result["first_ms"]:.0f} ms, the median of the next
{result["median_ms"]:.0f} ms, {result["bytes"] / 1024:.0f} kB; target under
{STATEMENT_TARGET_MS} ms {ok(slowest < STATEMENT_TARGET_MS)}.
"""


# Report ---------------------------------------------------------------------------------------

PAGE_LABELS = {
    "bare": "bare Django view (2 bytes, full middleware, no database)",
    "healthz": "`/healthz`",
    "share": "share page `/s/<token>/`",
    "json": "share JSON `/s/<token>/allocation.json`",
    "workspace": "workspace `/venues/<id>/` (logged in)",
    "share-cold": "share page, first view after a change (rendered, not cached)",
    "workspace-cold": "workspace, first view after a change (rendered, not cached)",
    "edit": "htmx amount edit (POST, logged in)",
    "floor-login": "floor: a logged-in POST (session with its user, CSRF), 2 bytes answered",
    "floor-venue": "floor: … and the venue with the user's role, as the edit checks it",
    "floor-edit": "floor: … and the edit's other queries and allocation, no form, no rendering",
    "floor-summary": "the edit without its row: its form, save and new summary, no row markup",
    **{key: label for key, label, _, _, _ in PAGE_ROWS},
}
# Measured on one connection, as ratios to /healthz on one connection.
ONE_CONNECTION = ("edit", "floor-login", "floor-venue", "floor-edit", "floor-summary")


def _worker() -> dict[str, str]:
    """The worker class and threads of gunicorn.conf.py, which the benchmark's server reads."""
    import runpy

    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return {"class": config["worker_class"], "threads": str(config["threads"])}


WORKER = _worker()


def machine() -> dict[str, str]:
    import django
    import gunicorn as gunicorn_package
    import psycopg

    from tests.production import PG_ADMIN_URL

    cpu = "?"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists() and (m := re.search(r"model name\s*:\s*(.*)", cpuinfo.read_text())):
        cpu = m.group(1).strip()
    with psycopg.connect(PG_ADMIN_URL) as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0]
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return {
        "nproc": nproc or str(os.cpu_count()),
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn_package.__version__,
        "postgres": postgres.split()[0],
        "wrk": (wrk_version.stdout or wrk_version.stderr).split("[")[0].strip(),
    }


def target_cell(value: float, target: float | None, unit: str = "") -> str:
    if target is None:
        return "—"
    return f"≥ {target}{unit} {ok(value >= target)}"


def http_table(rows: list[Row]) -> str:
    by_key = {(row.page, row.venue): row for row in rows}
    bare, healthz, healthz_c1 = by_key["bare", ""], by_key["healthz", ""], by_key["healthz-c1", ""]
    floor = healthz.rps / bare.rps
    lines = [
        f"| page | venue | req/s (best of {ROUNDS}) | each round | ratio | target | driver |",
        "|---|---|---:|---:|---:|---|---|",
        f"| {PAGE_LABELS['bare']} | — | {bare.rps:.1f} | {bare.rounds} | — | — | {bare.driver} |",
        f"| {PAGE_LABELS['healthz']} | — | {healthz.rps:.1f} | {healthz.rounds} | "
        f"**{floor:.2f} × the bare view** | ≥ {HEALTHZ_TARGET} × bare {ok(floor >= HEALTHZ_TARGET)}"
        f" | {healthz.driver} |",
    ]
    for row in rows:
        if row.page in ("bare", "healthz", "healthz-c1", *ONE_CONNECTION):
            continue
        ratio = row.rps / healthz.rps
        lines.append(
            f"| {PAGE_LABELS[row.page]} | {row.venue} | {row.rps:.1f} | {row.rounds} | "
            f"{ratio:.3f} | {target_cell(ratio, row.target)} | {row.driver} |"
        )
    lines.append(
        f"| {PAGE_LABELS['healthz']} on one connection (reference of the edit) | — | "
        f"{healthz_c1.rps:.1f} | {healthz_c1.rounds} | 1 | — | {healthz_c1.driver} |"
    )
    for row in sorted(
        (row for row in rows if row.page in ONE_CONNECTION),
        key=lambda row: ONE_CONNECTION.index(row.page),
    ):
        ratio = row.rps / healthz_c1.rps
        lines.append(
            f"| {PAGE_LABELS[row.page]} | {row.venue or '—'} | {row.rps:.1f} | {row.rounds} | "
            f"{ratio:.3f} | {target_cell(ratio, row.target)} | {row.driver} |"
        )
    lines.append("")
    for (page, venue), edit in by_key.items():
        if page == "edit" and edit.target is not None:
            # Each round measures /healthz on one connection just before the edits: a ratio
            # per round, less moved by the machine's drift than the best of each apart.
            paired = sorted(e.rps / h.rps for e, h in zip(edit.runs, healthz_c1.runs, strict=True))
            median = statistics.median(paired)
            lines.append(
                f"- the edit ÷ `/healthz` on one connection, round by round ({venue}): "
                f"{', '.join(f'{ratio:.3f}' for ratio in paired)}; median "
                f"{median:.3f} {ok(median >= edit.target)}"
            )
    for (page, venue), edit in by_key.items():
        floor_row = by_key.get(("floor-edit", venue))
        if page == "edit" and floor_row:
            share = edit.rps / floor_row.rps
            bound = by_key.get(("floor-summary", venue))
            without_row = (
                f"; without its row (its form and new summary only): "
                f"{bound.rps / floor_row.rps:.2f}"
                if bound
                else ""
            )
            lines.append(
                f"- the edit ≥ {EDIT_FLOOR_TARGET} × its floor row ({venue}): "
                f"{share:.2f} {ok(share >= EDIT_FLOOR_TARGET)}{without_row}"
            )
    return "\n".join(lines)


def queries_table(data: dict) -> tuple[str, str]:
    columns, results = data["columns"], data["results"]
    counts_lines = [
        "| page | " + " | ".join(columns) + " | target |",
        "|---|" + "---:|" * len(columns) + "---|",
    ]
    ms_lines = [
        "| page | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for page in data["pages"]:
        cells = [results[c][page] for c in columns]
        counts = [cell["queries"] for cell in cells]
        same = len(set(counts)) == 1 and all(cell["stable"] for cell in cells)
        limit = QUERY_TARGETS.get(page)
        verdict = "identical " + ok(same)
        if limit is not None:
            verdict = f"≤ {limit} {ok(max(counts) <= limit)}, " + verdict
        shown = [f"{cell['queries']}{'' if cell['stable'] else ' (varies)'}" for cell in cells]
        label = PAGE_LABELS.get(page) or data["pages"][page]  # bench/queries.py's own label
        counts_lines.append(f"| {label} | " + " | ".join(shown) + f" | {verdict} |")
        ms_lines.append(f"| {label} | " + " | ".join(f"{cell['ms']:.1f}" for cell in cells) + " |")
    return "\n".join(counts_lines), "\n".join(ms_lines)


def report(engine: tuple[str, list[str]], rows: list[Row], queries: dict) -> str:
    about = machine()
    now = datetime.datetime.now(datetime.UTC).astimezone()
    elapsed = time.monotonic() - START
    engine_table, engine_verdicts = engine
    counts, timings = queries_table(queries)
    errors = [f"{r.page} {r.venue}: {r.errors}" for r in rows if r.errors]
    return f"""# Benchmark results

Written by `make bench` (bench/run.py) on {now:%Y-%m-%d %H:%M %Z}, in {elapsed:.0f} s.

Machine: `nproc` = {about["nproc"]} ({about["cpu"]}), {about["os"]}; Python {about["python"]},
Django {about["django"]}, gunicorn {about["gunicorn"]}, PostgreSQL {about["postgres"]} on
127.0.0.1, {about["wrk"]}; load average before the run: {LOAD_BEFORE}.

## Engine: `costing.engine.allocate` (bench/engine.py)

{engine_table}

{chr(10).join(engine_verdicts)}

## HTTP throughput: one gunicorn process, debug off, PostgreSQL, production middleware

One gunicorn process (`--workers 1`) serves every row, as gunicorn.conf.py configures it
otherwise: {WORKER["class"]} worker, {WORKER["threads"]} threads, in
one run, with the production settings (`DJANGO_DEBUG=0`, the production middleware, the
psycopg pool; only `DJANGO_SECURE_SSL_REDIRECT=0` and `DJANGO_SECURE_COOKIES=0` for plain
HTTP on loopback) and `DJANGO_SETTINGS_MODULE=bench.settings`, which only adds the bare view's
URL (bench/urls.py). Load from wrk on the same machine: pages are ratios to `/healthz` measured
by the same driver in the same run. The GET pages run on {CONNECTIONS} connections; the htmx
edit runs on one connection, each request carrying the version the previous response rendered
(a Lua script), so that every request is an accepted edit; its reference is `/healthz` on one
connection. The workspace and the edit are requested with the session and CSRF cookies of a
login through `/accounts/login/`. Every measurement is repeated in {ROUNDS} rounds (each round
runs every row once, in the order of the table) and the best round counts, the one least
disturbed by whatever else the machine was doing; after each wrk run the benchmark waits
until the worker has served the requests wrk left queued. The best edit and the best
`/healthz` may come from different rounds: the edit's ratio is also given round by round, each
round's edit over the `/healthz` measured just before it, and their median (more rounds:
`BENCH_ROUNDS`).

{http_table(rows)}

The *floor* rows take the edit apart (bench/urls.py): each runs the edit's first steps, in the
edit's own code, and answers at once. First a logged-in POST (the session read with its
user); then also the venue with the user's role; then also the items and categories (read with
the venue's lock, in the same round trip), the version-checked UPDATE with the journal's entry
(one round trip) and the allocation: the edit's queries, in the venue's locked transaction
(tests/test_bench_floor.py), without its forms and without rendering the row and the summary.
The edit cannot be faster than the last. "The edit without its row" is the edit but for its
row's markup: its form validates the post, the row is saved as the edit saves it, and the
answer carries the new summary, as the edit's does, with the item's new version: what any
answer that validates a form and shows the new totals costs at least (docs/scaling.md).

Errors (non-2xx responses, socket errors, edits refused as stale): {", ".join(errors) or "none"}.
Rows of other issues' pages left out (their URL absent, or not answering): {
        ", ".join(LEFT_OUT) or "none"
    }.

## SQL queries per request (bench/queries.py, in-process, Django test client)

Counted with `CaptureQueriesContext` on the same scratch PostgreSQL database, logged in with
`force_login` (so the session with its user counts): a venue of 3 items × 3 categories, one
of 300 items × 12 categories, then the same 300-item venue once 10 000 other venues exist
(each with a member, 3 items, 2 categories and a share link, and each also shared read-only
with the same user). Each count is taken on {queries["repeat"]} requests after a warm-up.

{counts}

In-process time per request (median of 10, ms; test client, no network, no gunicorn):

{timings}
"""


def main() -> None:
    if not postgres_available():
        sys.exit(
            "bench: PostgreSQL does not answer on 127.0.0.1:5432 (user postgres, trust auth); "
            "start it (or set TIERSLIEUX_PG_ADMIN_URL) and run `make bench` again."
        )
    ensure_wrk()
    engine = engine_section()
    try:
        with tempfile.TemporaryDirectory() as tmp, scratch_database() as database_url:
            tmp = Path(tmp)
            env = production_env(
                database_url,
                tmp / "static",
                DJANGO_SETTINGS_MODULE="bench.settings",
                BENCH_USER=USERNAME,
                BENCH_PASSWORD=PASSWORD,
            )
            step("migrate and collectstatic on a scratch database")
            manage(env, "migrate", "--no-input")
            manage(env, "collectstatic", "--no-input")
            rows, _ = http_section(env, tmp)
            queries = queries_section(env)
    except subprocess.CalledProcessError as error:
        print(error.stdout or "", error.stderr or "", sep="\n", file=sys.stderr)
        raise
    text = report(engine, rows, queries) + statement_section()
    RESULTS.write_text(text)
    print(text)
    step(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
