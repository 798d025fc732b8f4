"""The capacity run (`make capacity`): how many simultaneously active managers one server carries.
Writes loadtest/CAPACITY.md and prints it.

The set-up of `make loadtest` (loadtest/run.py: gunicorn from gunicorn.conf.py on loopback,
debug off, PostgreSQL, a scratch database; locust, loadtest/locustfile.py), one step after
another with more managers: 50, 100, 200, 300, 400, 500, 600 (CAPACITY_STEPS). Each manager
owns a venue of its own and acts every 1 to 3 s (workspace, htmx edit, share page). Every
manager is logged in before the step (a session made in the database as the login form makes
it: 400 argon2 logins on 2 cores would take minutes; `make loadtest` measures the login ramp),
then the step measures CAPACITY_SECONDS (45) of steady state. The run stops after the first
step whose p95 passes 200 ms (CAPACITY_P95_MS) or in which a request fails or an edit is lost;
the *knee* is the last step that held. About 10 minutes on 2 cores.

Knobs of the server, read by gunicorn.conf.py: WEB_CONCURRENCY (workers), GUNICORN_WORKER_CLASS
(sync, gthread), GUNICORN_THREADS; LOADTEST_REDIS_URL runs the app with the shared cache
(settings.py REDIS_URL). CAPACITY_OUTPUT names the report to write (e.g. to compare
configurations without overwriting CAPACITY.md; "-" writes none).
"""

import datetime
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)

from loadtest.run import (  # noqa: E402
    PASSWORD,
    REDIS_URL,
    Log,
    Result,
    common_checks,
    empty_redis,
    machine,
    manage,
    ms,
    percentile,
    postgres_available,
    production_env,
    scratch_database,
    server_config,
    setup_data,
    step,
)
from tests.production import gunicorn  # noqa: E402

HERE = ROOT / "loadtest"
STEPS = [int(n) for n in os.environ.get("CAPACITY_STEPS", "50,100,200,300,400,500,600").split(",")]
SECONDS = int(os.environ.get("CAPACITY_SECONDS", "45"))
P95_LIMIT_MS = float(os.environ.get("CAPACITY_P95_MS", "200"))
TARGET_MANAGERS = 300  # issue 19: at least 300 managers within the limit
OUTPUT = os.environ.get("CAPACITY_OUTPUT", str(HERE / "CAPACITY.md"))


@dataclass
class Step:
    """One step's verdict from its Result."""

    managers: int
    requests: int
    rps: float
    p50: float
    p95: float
    p99: float
    max: float
    failed: int
    lost: int
    by_name: dict[str, float]  # p95 per kind of request
    ramp_seconds: float
    ramp_p95: float  # the first views, all cold
    problems: list[str]

    @classmethod
    def of(cls, result: Result) -> "Step":
        names = ("htmx edit", "workspace", "share page")
        return cls(
            managers=result.users,
            requests=len(result.steady),
            rps=result.rps(),
            p50=result.percentile(0.50),
            p95=result.percentile(0.95),
            p99=result.percentile(0.99),
            max=result.max_ms,
            failed=len(result.failed),
            lost=result.lost,
            by_name={name: result.percentile(0.95, name) for name in names},
            ramp_seconds=result.ramp_seconds,
            ramp_p95=percentile([r["ms"] for r in result.ramp], 0.95),
            problems=[label for label, passed in result.criteria if not passed],
        )

    @property
    def held(self) -> bool:
        return self.p95 <= P95_LIMIT_MS and not self.failed and not self.problems


def knee(steps: list[Step]) -> Step | None:
    """The last step that held before the first that did not (None if the first failed)."""
    last = None
    for one in steps:
        if not one.held:
            break
        last = one
    return last


def verdict(steps: list[Step]) -> str:
    best = knee(steps)
    met = best is not None and best.managers >= TARGET_MANAGERS
    held = f"{best.managers} managers (p95 {best.p95:.0f} ms)" if best else "no step"
    broke = next((s for s in steps if not s.held), None)
    after = (
        f"; at {broke.managers}: p95 {broke.p95:.0f} ms, {broke.failed} failed"
        + (f" ({'; '.join(broke.problems)})" if broke.problems else "")
        if broke
        else " (the last step held: the knee is further)"
    )
    return (
        f"{'✅' if met else '❌'} at least {TARGET_MANAGERS} managers with p95 ≤ "
        f"{P95_LIMIT_MS:.0f} ms and no failure: the knee is at {held}{after}"
    )


def table(steps: list[Step]) -> str:
    lines = [
        "| managers | ramp s | ramp p95 ms | steady requests | req/s | p50 ms | p95 ms | p99 ms "
        "| max ms | edit p95 | workspace p95 | share p95 | failed | lost edits | held |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in steps:
        lines.append(
            f"| {s.managers} | {s.ramp_seconds:.0f} | {ms(s.ramp_p95)} | {s.requests} "
            f"| {s.rps:.1f} | {ms(s.p50)} | {ms(s.p95)} | {ms(s.p99)} | {ms(s.max)} "
            f"| {ms(s.by_name['htmx edit'])} "
            f"| {ms(s.by_name['workspace'])} | {ms(s.by_name['share page'])} | {s.failed} "
            f"| {s.lost} | {'✅' if s.held else '❌'} |"
        )
    return "\n".join(lines)


def report(steps: list[Step], server: str, load_before: str, wall: float) -> str:
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    cache = (
        "Redis (REDIS_URL) for the page cache and the sessions"
        if REDIS_URL
        else ("the per-process page cache, sessions in PostgreSQL")
    )
    return f"""# Capacity

Written by `make capacity` (loadtest/capacity.py) on {when}, in {wall:.0f} s; load average
before the run: {load_before}.

Machine: {machine()}.

Set-up: one gunicorn with {server} (gunicorn.conf.py), {cache}, debug off, PostgreSQL through
the psycopg pool, a scratch database; locust (FastHttpUser, one process) on the same machine,
loopback. Each step: every manager logged in beforehand (a session made in the database), the
users started, each opening their workspace and share page once (the ramp: a venue's first
view renders it cold in the worker that serves it, as after a login, a restart or a deploy;
its p95 is reported apart), then {SECONDS} s of steady state, each manager on a venue of its
own (the worked example) acting every 1 to 3 s: workspace page (weight 3), htmx edit (4), share
page (3). A step holds when its steady p95 is at most {P95_LIMIT_MS:.0f} ms, no request failed
and no edit was lost.

{verdict(steps)}

{table(steps)}
"""


def main() -> int:
    if not postgres_available():
        sys.exit("capacity: PostgreSQL does not answer on 127.0.0.1:5432")
    from loadtest.run import run_locust

    started = time.monotonic()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    steps: list[Step] = []
    with tempfile.TemporaryDirectory() as tmp, scratch_database() as database_url:
        tmp = Path(tmp)
        env = production_env(
            database_url,
            tmp / "static",
            TIERSLIEUX_PROXY_COUNT="1",
            DJANGO_LOG_LEVEL="WARNING",
            **({"REDIS_URL": REDIS_URL} if REDIS_URL else {}),
        )
        server = server_config(env, None)
        empty_redis()
        step("migrate and collectstatic on a scratch database")
        manage(env, "migrate", "--no-input")
        manage(env, "collectstatic", "--no-input")
        step(f"{max(STEPS)} managers, each with a copy of the worked example and a share link")
        accounts = setup_data(env, PASSWORD, users=max(STEPS), sessions=True)
        with gunicorn(env) as app:
            Log(app.process.stderr, tmp / "gunicorn.log")
            for number, managers in enumerate(STEPS, start=1):
                result = run_locust(
                    number,
                    f"{managers} managers",
                    [app.url],
                    accounts,
                    database_url,
                    tmp,
                    users=managers,
                    duration=SECONDS,
                    spawn_rate=max(10, managers // 10),
                )
                common_checks(result, logins=False)
                steps.append(Step.of(result))
                step(f"{managers} managers: p95 {steps[-1].p95:.0f} ms, held: {steps[-1].held}")
                if not steps[-1].held:
                    break
    text = report(steps, server, load_before, time.monotonic() - started)
    print(text)
    if OUTPUT != "-":
        Path(OUTPUT).write_text(text)
        step(f"written to {OUTPUT}")
    return 0 if knee(steps) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as error:
        print(error.stdout or "", error.stderr or "", sep="\n", file=sys.stderr)
        raise
