"""Two versions of the app side by side: does a change make the htmx edit faster?

    .venv/bin/python bench/compare.py REV [--rounds 8] [--pages edit edit-large floor-edit]

`make bench`'s ratios move by ±15 % from one run to the next on a shared 2-core machine (the
host's other tenants), more than most changes do. This runs the version `REV` (a commit, a
branch; checked out in a temporary worktree) and the working tree as two gunicorn servers,
one process each with gunicorn.conf.py's worker class (as `make bench`), on one scratch
database, and measures them in turn with the same wrk scripts as `make bench`: each round
measures both, in alternating order, so that whatever slows the machine down for a while
weighs on both. It prints, for each page, each round's ratio of the working tree to `REV` in
requests a second and in the worker's CPU time per request, and their medians.

The pages: `/healthz` on one connection, and the htmx edit of the worked example (`edit`) or of
the 60 × 12 venue (`edit-large`), or their floor rows (`floor-edit`, `floor-summary`,
bench/urls.py), each request an accepted edit. Both versions must share the database schema.
"""

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # the project, not bench/, first on the path

import bench.run as bench  # noqa: E402
from tests.production import (  # noqa: E402
    gunicorn,
    manage,
    postgres_available,
    production_env,
    scratch_database,
)

PATHS = {
    "edit": "/venues/{id}/items/{item}/",
    "floor-edit": "/bench/floor/venues/{id}/items/{item}",
    "floor-summary": "/bench/floor/venues/{id}/items/{item}/summary",
}


@contextlib.contextmanager
def server(env: dict[str, str], checkout: Path) -> Iterator[tuple[str, int]]:
    """gunicorn from `checkout`, one process: its URL, its worker's pid."""
    with gunicorn(env, workers=1, checkout=checkout) as started:
        threading.Thread(
            target=bench.drain, args=(started.process.stderr, deque(maxlen=20)), daemon=True
        ).start()
        pid = started.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        yield started.url, int(children[0])


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(url: str, pid: int, **options) -> tuple[float, float]:
    """Requests a second, and the worker's CPU milliseconds per request."""
    before = cpu_seconds(pid)
    run = bench.wrk(url, connections=1, **options)
    cpu = cpu_seconds(pid) - before
    if run.errors:
        raise RuntimeError(f"{url}: {run.errors} errors")
    return run.rps, 1000 * cpu / max(run.requests, 1)


def compare(revision: str, rounds: int, pages: list[str], tmp: Path) -> None:
    base = tmp / "base"
    subprocess.run(
        ["git", "worktree", "add", "--detach", "--quiet", str(base), revision],
        cwd=ROOT, check=True,
    )  # fmt: skip
    try:
        with scratch_database() as database_url:
            env = production_env(
                database_url,
                tmp / "static",
                DJANGO_SETTINGS_MODULE="bench.settings",
                BENCH_USER=bench.USERNAME,
                BENCH_PASSWORD=bench.PASSWORD,
            )
            manage(env, "migrate", "--no-input")
            manage(env, "collectstatic", "--no-input")
            # Each version serves its own static files (its pages name them by their digest).
            base_env = {**env, "DJANGO_STATIC_ROOT": str(tmp / "base-static")}
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--no-input"],
                cwd=base, env=base_env, check=True, capture_output=True,
            )  # fmt: skip
            venues = bench.setup_data(env, tmp)
            results: dict[tuple[str, str], list[tuple[float, float]]] = {}
            with server(base_env, base) as old, server(env, ROOT) as new:
                versions = {revision: old, "working tree": new}
                sessions = {name: bench.log_in(url) for name, (url, _) in versions.items()}
                for round_ in range(rounds):
                    order = list(versions) if round_ % 2 == 0 else list(versions)[::-1]
                    for name in order:
                        url, pid = versions[name]
                        bench.step(f"round {round_ + 1}/{rounds}: {name}")
                        results.setdefault((name, "healthz"), []).append(
                            measure(f"{url}/healthz", pid)
                        )
                        bench.settle(url)
                        for page in pages:
                            venue = venues[bench.LARGE if page.endswith("-large") else bench.WORKED]
                            path = PATHS[page.removesuffix("-large")].format(**venue)
                            script = bench.edit_script(tmp, url, venue, sessions[name])
                            results.setdefault((name, page), []).append(
                                measure(url + path, pid, script=script)
                            )
                            bench.settle(url)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=False)
    report(revision, rounds, pages, results)


def report(revision: str, rounds: int, pages: list[str], results: dict) -> None:
    print(f"\nThe working tree against {revision}, {rounds} rounds (ratios: the working tree's")
    print(f"figure over {revision}'s)\n")
    print("| page | req/s | req/s ratio, each round | median | CPU ms a request | CPU ratio |")
    print("|---|---:|---|---:|---:|---:|")
    for page in ["healthz", *pages]:
        old, new = results[(revision, page)], results[("working tree", page)]
        rps = [n[0] / o[0] for o, n in zip(old, new, strict=True)]
        cpu = [n[1] / o[1] for o, n in zip(old, new, strict=True)]
        print(
            f"| {page} | {statistics.median(r for r, _ in old):.1f} → "
            f"{statistics.median(r for r, _ in new):.1f} | "
            f"{' '.join(f'{r:.3f}' for r in rps)} | **{statistics.median(rps):.3f}** | "
            f"{statistics.median(c for _, c in old):.2f} → "
            f"{statistics.median(c for _, c in new):.2f} | {statistics.median(cpu):.3f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("revision", help="the version to compare the working tree with")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument(
        "--pages", nargs="+", default=["edit", "edit-large"],
        choices=[*PATHS, *(f"{page}-large" for page in PATHS)],
    )  # fmt: skip
    args = parser.parse_args()
    if not postgres_available():
        sys.exit("compare: PostgreSQL does not answer on 127.0.0.1:5432.")
    if not shutil.which("git"):
        sys.exit("compare: git is needed to check out the other version.")
    bench.ensure_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        compare(args.revision, args.rounds, args.pages, Path(tmp))


if __name__ == "__main__":
    main()
