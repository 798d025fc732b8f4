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


# Two processes per core, each with 2 threads (gthread): the processes use the cores, the
# threads overlap a request's waits on PostgreSQL, and clients keep their connections alive.
# Measured with `make capacity` on 2 cores, quiet (docs/scaling.md, 4 December 2026), p95 at
# 400 managers (about 190 req/s, the most this machine served): 4 × 2: 124 and 138 ms;
# 3 × 2: 145 ms; 2 × 8: 181 ms; 4 × 4: 181 ms; 2 × 4 (the previous choice): 200 ms, then
# 756 ms already at 300; 6 × 2: 278 ms; sync, 3 workers: 1.6 s at 300. Each process keeps its
# own page cache (TIERSLIEUX_CACHE_MB) and its own pool of connections (DATABASE_POOL_MAX).
# WEB_CONCURRENCY, GUNICORN_WORKER_CLASS and GUNICORN_THREADS override it.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cores())
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "2"))

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
