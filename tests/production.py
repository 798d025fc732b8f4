"""Start the production set-up without Docker: PostgreSQL, collectstatic, gunicorn, debug off.

Shared by the production test, the benchmark and the load test.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get(
    "TIERSLIEUX_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


def postgres_available() -> bool:
    import psycopg

    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def scratch_database() -> Iterator[str]:
    """A new empty PostgreSQL database, dropped afterwards; yields its URL."""
    import psycopg

    name = f"tierslieux_scratch_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Server:
    url: str
    env: dict[str, str]
    process: subprocess.Popen
    log_dir: Path | None = None  # access.log (gunicorn's stdout) and error.log (its stderr)

    def manage(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        return manage(self.env, *args, input=input)

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def production_env(database_url: str, static_root: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="production-test-" + uuid.uuid4().hex,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_STATIC_ROOT=str(static_root),
        DATABASE_URL=database_url,
    )
    env.update(extra)
    return env


def manage(
    env: dict[str, str], *args: str, input: str | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers, if only to refuse a host name it does not serve
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer in time")


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str],
    workers: int | None = None,
    threads: int | None = None,
    log_dir: Path | None = None,
    checkout: Path = ROOT,
) -> Iterator[Server]:
    """gunicorn started as the Dockerfile starts it, from gunicorn.conf.py, on a free loopback
    port. `workers` and `threads`, when given, override the configuration's (per-run
    overrides, as a benchmark needs). With `log_dir`, its output goes to access.log (stdout)
    and error.log (stderr); otherwise stdout is dropped and stderr is a pipe for the caller
    to read. `checkout`: the copy of the project it serves (bench/compare.py's other one)."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
        "--bind", f"127.0.0.1:{port}",
        "--graceful-timeout", "5",  # a test server stops without waiting for idle clients
    ]  # fmt: skip
    if workers is not None:
        command += ["--workers", str(workers)]
    if threads is not None:
        command += ["--threads", str(threads)]
    with contextlib.ExitStack() as files:
        if log_dir is None:
            stdout, stderr = subprocess.DEVNULL, subprocess.PIPE
        else:
            stdout = files.enter_context((log_dir / "access.log").open("wb"))
            stderr = files.enter_context((log_dir / "error.log").open("wb"))
        process = subprocess.Popen(command, cwd=checkout, env=env, stdout=stdout, stderr=stderr)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url, process)
            yield Server(url=url, env=env, process=process, log_dir=log_dir)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@contextlib.contextmanager
def production_server(
    tmp_path: Path, workers: int | None = None, **extra_env: str
) -> Iterator[Server]:
    """Migrated scratch PostgreSQL database + collectstatic + gunicorn with debug off, its
    logs in `tmp_path`."""
    with scratch_database() as database_url:
        env = production_env(database_url, tmp_path / "static", **extra_env)
        manage(env, "migrate", "--no-input")
        manage(env, "collectstatic", "--no-input")
        with gunicorn(env, workers=workers, log_dir=tmp_path) as server:
            yield server
