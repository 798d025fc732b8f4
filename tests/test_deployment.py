"""The deployment as shipped, read as Docker and gunicorn read it (no Docker engine runs here):
what the image takes in, how gunicorn starts, who may reach the app port and whom gunicorn
believes. tests/test_production.py runs the same gunicorn configuration over real HTTP."""

import os
import re
import subprocess
import sys

import pytest
from gunicorn.app.wsgiapp import WSGIApplication

from tests.production import ROOT
from tierslieux.logs import GunicornLogger

# Docker's .dockerignore ----------------------------------------------------------------------


def dockerignore_rules() -> list[tuple[bool, re.Pattern]]:
    """(excludes, pattern) for each line of .dockerignore, translated as Docker does
    (moby/patternmatcher): `*` and `?` stop at a slash, `**` crosses any number of folders, a
    leading slash is dropped, `!` makes an exception, and the last rule that matches wins."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        excludes = not line.startswith("!")
        pattern = line.lstrip("!").strip().lstrip("/")
        regex, i = "^", 0
        while i < len(pattern):
            if pattern.startswith("**", i):
                i += 2
                if pattern.startswith("/", i):
                    i += 1
                regex += ".*" if i == len(pattern) else "(.*/)?"
                continue
            char = pattern[i]
            if char == "*":
                regex += "[^/]*"
            elif char == "?":
                regex += "[^/]"
            elif char == "[":
                end = pattern.index("]", i)
                regex += pattern[i : end + 1]
                i = end
            else:
                regex += re.escape(char)
            i += 1
        rules.append((excludes, re.compile(regex + "$")))
    return rules


def left_out_of_the_image(path: str, rules) -> bool:
    """Whether `COPY . .` leaves `path` out: a rule matching it or one of its folders."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for excludes, pattern in rules:
        if any(pattern.match(candidate) for candidate in candidates):
            excluded = excludes
    return excluded


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".env.production",
        ".git/HEAD",
        ".git/objects/ab/cdef",
        ".venv/bin/python",
        ".venv/lib/python3.13/site-packages/django/__init__.py",
        "venv/bin/python",
        "db.sqlite3",
        "db.sqlite3-journal",
        "venues/scratch.sqlite3",
        "staticfiles/css/app.0123456789ab.css",
        "costing/__pycache__/engine.cpython-313.pyc",
        "venues/migrations/__pycache__/0001_initial.cpython-313.pyc",
        "tierslieux/settings.pyc",
        ".pytest_cache/v/cache/nodeids",
        ".ruff_cache/0.17.5/123",
        ".hypothesis/examples/ab/cd",
        "bench/edit.lua.tmp",
        "bench/RESULTS.md",
        "loadtest/RESULTS.md",
        "costing/tests/test_engine.py",
        "conftest.py",
    ],
)
def test_the_image_leaves_out_secrets_local_state_caches_and_outputs(path):
    assert left_out_of_the_image(path, dockerignore_rules())


def tracked_files() -> list[str]:
    result = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
    )
    return result.stdout.split()


DEVELOPMENT_ONLY = ("tests/", "bench/", "loadtest/", ".ci/", ".gitignore", ".env.example")


def development_only(path: str) -> bool:
    return path.startswith(DEVELOPMENT_ONLY) or "/tests/" in path or path == "conftest.py"


def test_the_image_takes_every_file_the_app_runs_from():
    rules = dockerignore_rules()
    files = tracked_files()
    needed = [f for f in files if not development_only(f)]
    assert "gunicorn.conf.py" in needed and "locale/en/LC_MESSAGES/django.mo" in needed
    assert [f for f in needed if left_out_of_the_image(f, rules)] == []


def test_the_dockerfile_copies_nothing_but_the_filtered_context():
    dockerfile = (ROOT / "Dockerfile").read_text()
    sources = [line.split()[1:-1] for line in dockerfile.splitlines() if line.startswith("COPY")]
    assert sources == [["pyproject.toml"], ["."]]  # `.` goes through .dockerignore
    assert not left_out_of_the_image("pyproject.toml", dockerignore_rules())


# gunicorn.conf.py ----------------------------------------------------------------------------

CMD = re.compile(r'^CMD \["sh", "-c", "(.*)"\]$', re.MULTILINE)


def gunicorn_config(monkeypatch, *args: str, **env: str):
    """gunicorn's configuration as `gunicorn -c gunicorn.conf.py ARGS` builds it in `env`."""
    for name in [n for n in os.environ if n.startswith("GUNICORN_")]:
        monkeypatch.delenv(name)
    for name in ["WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS", "PORT"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["gunicorn", "-c", "gunicorn.conf.py", *args])
    monkeypatch.chdir(ROOT)
    return WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg


def cores() -> int:
    return len(os.sched_getaffinity(0))


def test_the_dockerfile_starts_gunicorn_from_its_configuration_file():
    dockerfile = (ROOT / "Dockerfile").read_text()
    command = CMD.search(dockerfile).group(1)
    assert command.endswith("&& exec gunicorn -c gunicorn.conf.py")
    assert "ENV GUNICORN_BIND=0.0.0.0:8000" in dockerfile


def compose_service(name: str) -> str:
    """The lines of one service of docker-compose.yml."""
    text = (ROOT / "docker-compose.yml").read_text()
    return text.split(f"\n  {name}:\n", 1)[1].split("\n\n", 1)[0]


def test_compose_runs_the_images_command():
    assert "command:" not in compose_service("app")


def test_compose_gives_the_app_a_redis_of_its_own_that_no_one_else_reaches():
    assert "REDIS_URL: redis://redis:6379/0" in compose_service("app")
    assert "ports:" not in compose_service("redis")


def test_gunicorn_serves_the_app_on_loopback_unless_told_otherwise(monkeypatch):
    cfg = gunicorn_config(monkeypatch)
    assert cfg.wsgi_app == "tierslieux.wsgi"
    assert cfg.bind == ["127.0.0.1:8000"]
    container = gunicorn_config(monkeypatch, GUNICORN_BIND="0.0.0.0:8000")
    assert container.bind == ["0.0.0.0:8000"]
    test_run = gunicorn_config(monkeypatch, "--bind", "127.0.0.1:8123")
    assert test_run.bind == ["127.0.0.1:8123"]  # the command line overrides the file


def test_gunicorn_sizes_its_workers_from_the_cores(monkeypatch):
    cfg = gunicorn_config(monkeypatch)
    assert cfg.workers == 2 * cores()  # two processes per core, as measured (docs/scaling.md)
    assert cfg.worker_class_str == "gthread" and cfg.threads == 2
    assert gunicorn_config(monkeypatch, WEB_CONCURRENCY="3").workers == 3
    assert gunicorn_config(monkeypatch, "--workers", "1").workers == 1
    tuned = gunicorn_config(monkeypatch, GUNICORN_WORKER_CLASS="sync", GUNICORN_THREADS="1")
    assert tuned.worker_class_str == "sync" and tuned.threads == 1


def test_gunicorn_times_out_stuck_requests_and_logs_through_the_masking_logger(monkeypatch):
    cfg = gunicorn_config(monkeypatch)
    assert cfg.timeout == 30 and cfg.graceful_timeout == 10
    assert cfg.accesslog == "-"
    assert cfg.logger_class is GunicornLogger


def test_gunicorn_believes_forwarded_headers_from_loopback_only_unless_told(monkeypatch):
    cfg = gunicorn_config(monkeypatch)
    assert cfg.forwarded_allow_ips == ["127.0.0.1", "::1"]
    proxy = gunicorn_config(monkeypatch, FORWARDED_ALLOW_IPS="172.18.0.1")
    assert proxy.forwarded_allow_ips == ["172.18.0.1"]


def test_no_file_of_the_deployment_trusts_every_address():
    for name in ["Dockerfile", "docker-compose.yml", "gunicorn.conf.py", ".env.example"]:
        text = (ROOT / name).read_text()
        assert "forwarded-allow-ips" not in text.lower(), name
        assert not re.search(r"FORWARDED_ALLOW_IPS\s*[=:]\s*['\"]?\*", text), name


# docker-compose.yml and .env.example ---------------------------------------------------------


def published_ports() -> list[str]:
    """The `ports` entries of every service in docker-compose.yml."""
    ports, in_ports = [], False
    for line in (ROOT / "docker-compose.yml").read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or not stripped:
            continue
        if stripped == "ports:":
            in_ports = True
        elif in_ports and stripped.startswith("- "):
            ports.append(stripped[2:].strip("\"'"))
        else:
            in_ports = False
    return ports


def test_compose_publishes_the_app_on_the_hosts_loopback_only():
    assert published_ports() == ["127.0.0.1:8000:8000"]


def test_the_env_example_names_the_proxy_settings():
    env = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert env["TIERSLIEUX_PROXY_COUNT"] == "1"
    assert env["FORWARDED_ALLOW_IPS"] not in ("", "*")


def test_gunicorn_opens_no_control_socket(monkeypatch):
    assert gunicorn_config(monkeypatch).control_socket_disable is True


def test_gunicorn_keeps_idle_connections_longer_than_a_proxy_does(monkeypatch):
    assert gunicorn_config(monkeypatch).keepalive > 60
