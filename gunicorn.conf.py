"""gunicorn's configuration, the one every start of the app reads: the Dockerfile's CMD (hence
docker-compose.yml), tests/production.py (hence the production test, `make bench` and
`make loadtest`). Those pass on their command line only what differs per run (a port, a worker
count), which overrides what is set here. Each value can be set from the environment.

https://docs.gunicorn.org/en/stable/settings.html
"""

import os

wsgi_app = "tierslieux.wsgi"

# 0.0.0.0:8000 in the container (the Dockerfile sets it); loopback anywhere else.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")


def _cores() -> int:
    """The cores this process may run on (a container's cpuset included)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# One process per core, each with 4 threads (gthread): the threads overlap a request's waits on
# PostgreSQL, the processes use the cores, and fewer processes share more of the per-process
# page cache (each process renders a page or a row once, not each of 2 × cores + 1 sync
# workers), and clients keep their connections alive. Measured with `make capacity` on 2
# cores (docs/scaling.md): 150 managers, gthread 2 × 4 served 71 req/s at p95 131 ms where sync
# 3 and sync 8 served 60 req/s at p95 1.2 s; at saturation (250 managers) gthread served 1.5 to
# 2 × what 5 sync workers did. WEB_CONCURRENCY, GUNICORN_WORKER_CLASS and GUNICORN_THREADS
# override it.
workers = int(os.environ.get("WEB_CONCURRENCY") or _cores())
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A request still running after this long is stuck: its worker is restarted. Pages answer in
# milliseconds; the slowest legitimate request (an import at the size limits) in seconds.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "10"))
# An idle kept-alive connection is closed after this long. Longer than the idle timeout of what
# sits in front (a proxy's pool of upstream connections: nginx keeps them 60 s): when the server
# closes first, a request the client sends on the connection at that moment is lost ("no
# answer"), which `make loadtest` met with 5 s (a manager's requests to one of two servers came
# up to 6 s apart). gthread keeps idle connections in its poller, not in a thread.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
# The workers' heartbeat files in memory (gunicorn's advice): in a container, /tmp may sit on a
# disk-backed overlay where the heartbeat's fchmod can block a worker. gunicorn makes its files
# there with mkstemp, private to the server's user.
_SHM = "/dev/shm"  # noqa: S108
if os.path.isdir(_SHM):
    worker_tmp_dir = _SHM

# X-Forwarded-Proto and the other forwarded headers are believed only from these addresses
# (the TLS proxy's, as this process sees it): gunicorn's own default, never "*".
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# No control socket (gunicorn ≥ 25 opens one in $HOME/.gunicorn for `gunicornc`): nothing here
# uses it, the container's user has no home to put it in, and every gunicorn of one user on one
# machine (the load test's two, the test suites of several checkouts) would share its path.
control_socket_disable = True

# The access log to stdout, the error log to stderr, with share tokens and password-reset links
# masked in both (tierslieux/logs.py).
accesslog = "-"
errorlog = "-"
logger_class = "tierslieux.logs.GunicornLogger"
