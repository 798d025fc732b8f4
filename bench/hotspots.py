"""Where a page's time goes: profile it in-process and print its hotspots.

    .venv/bin/python bench/hotspots.py [--venue large|worked] [--pages workspace share ...]

Builds a scratch PostgreSQL database (as run.py does: migrated, static files collected,
production settings), creates the venue (the 60 items × 12 categories one of run.py, or the
worked example), then requests each page repeatedly with a logged-in test client under
pyinstrument (`.venv/bin/pip install pyinstrument`; without it, cProfile). For each page it
prints the share of time by area (Django templates, forms, localisation, ORM, engine…), the
functions with the most time of their own, and the project's functions with the most time
including what they call. The full call trees go to text and HTML files in --out.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # the project, not bench/, first on the path

VENV = str(ROOT / ".venv")
PAGES = ("workspace", "share", "edit", "json")
SECONDS = 3.0  # profiled time per page, at least
MIN_REQUESTS = 20

# (label, path fragments): the first area with a fragment in a frame's file path wins.
AREAS = [
    ("costing.engine (allocation)", ["costing/engine.py"]),
    ("project template tags and filters", ["costing/templatetags/", "venues/templatetags/"]),
    ("Django localisation (formats, numberformat)", ["utils/formats", "utils/numberformat"]),
    ("Django translation (gettext)", ["utils/translation", "/gettext"]),
    ("Django templates", ["django/template"]),
    ("Django forms and widgets", ["django/forms"]),
    ("Django ORM", ["django/db"]),
    ("psycopg (driver, waiting for PostgreSQL)", ["psycopg"]),
    ("Django safestring, html, functional", ["utils/safestring", "utils/html", "utils/functional"]),
    ("Django handlers, middleware, contrib, test client", ["django/core/handlers",
     "django/middleware", "django/contrib", "django/test", "django/http", "django/urls"]),
    ("other Django", ["/django/"]),
    ("other libraries", ["site-packages"]),
    ("stdlib (decimal, re…)", ["/lib/python3"]),
]  # fmt: skip


def area_of(path: str | None) -> str:
    if not path:
        return "(builtins)"
    for label, fragments in AREAS:
        if any(fragment in path for fragment in fragments):
            return label
    if path.startswith(str(ROOT)):
        return "project code (views, models, forms, chart…)"
    return "other"


def short(path: str | None) -> str:
    if not path:
        return "?"
    for prefix in (str(ROOT / ".venv" / "lib") + "/", str(ROOT) + "/"):
        if path.startswith(prefix):
            path = path[len(prefix) :]
    return path.split("site-packages/", 1)[-1]


# Landmarks: (label, function names, file path suffix); time including callees.
LANDMARKS = [
    (
        "all template rendering (page or fragments)",
        {"render_to_string"},
        "django/template/loader.py",
    ),
    (
        "form fields rendered as widgets (`{{ form.x }}`, `as_hidden`)",
        {"as_widget"},
        "django/forms/boundfield.py",
    ),
    (
        "error lists rendered through templates, even empty (`{{ form.x.errors }}`)",
        {"render"},
        "django/forms/utils.py",
    ),
    (
        "forms built (`BaseForm.__init__`: fields deep-copied)",
        {"__init__"},
        "django/forms/forms.py",
    ),
    ("`{% url %}` and `reverse()`", {"reverse"}, "django/urls/base.py"),
    ("`{% translate %}` and `{% blocktranslate %}`", {"render"}, "django/templatetags/i18n.py"),
    ("autoescaping (`conditional_escape`)", {"conditional_escape"}, "django/utils/html.py"),
    (
        "project filters `money`, `number`, `pct`",
        {"money", "number", "pct"},
        "costing/templatetags/costing.py",
    ),
    ("allocation (`costing.engine.allocate`)", {"allocate"}, "costing/engine.py"),
    ("models to engine input (`engine_venue`)", {"engine_venue"}, "costing/models.py"),
    (
        "ORM: querysets evaluated (compile, execute, build rows)",
        {"_fetch_all"},
        "django/db/models/query.py",
    ),
    ("SQL executed, including the wait for PostgreSQL", {"execute"}, "django/db/backends/utils.py"),
    ("ORM: model instances built from rows", {"from_db"}, "django/db/models/base.py"),
    ("session and user lookup (`auth.get_user`)", {"get_user"}, "django/contrib/auth/__init__.py"),
]


def summarise(root, total: float, top: int) -> str:
    """Tables from a pyinstrument frame tree: areas, landmarks, self time, project functions."""
    by_area: dict[str, float] = defaultdict(float)
    by_function: dict[tuple, float] = defaultdict(float)
    project: dict[tuple, float] = defaultdict(float)
    landmarks: dict[str, float] = defaultdict(float)

    def walk(frame, ancestors: frozenset, parent_area: str) -> None:
        if frame.is_synthetic:  # "[self]" and the like: counted in the parent's own time
            return
        path = frame.file_path or ""
        # A builtin (isinstance, str.replace…) counts for the code that called it.
        area = parent_area if not path or path.startswith("<") else area_of(path)
        key = (frame.function, short(path), frame.line_no)
        own = frame.total_self_time
        by_area[area] += own
        by_function[key] += own
        in_project = path.startswith(str(ROOT)) and VENV not in path and "/bench/" not in path
        if in_project and key not in ancestors:
            project[key] += frame.time
        marks = set()
        for label, functions, suffix in LANDMARKS:
            if frame.function in functions and path.endswith(suffix):
                marks.add(label)
                if label not in ancestors:
                    landmarks[label] += frame.time
        for child in frame.children:
            walk(child, ancestors | {key} | marks, area)

    walk(root, frozenset(), "other")

    def pct(seconds: float) -> str:
        return f"{100 * seconds / total:5.1f} %"

    lines = ["| area (time in its own code and the builtins it calls) | share |", "|---|---:|"]
    lines += [
        f"| {area} | {pct(t)} |"
        for area, t in sorted(by_area.items(), key=lambda kv: -kv[1])
        if t / total >= 0.005
    ]
    lines += ["", "| what (time including callees; rows overlap) | share |", "|---|---:|"]
    lines += [
        f"| {label} | {pct(t)} |"
        for label, t in sorted(landmarks.items(), key=lambda kv: -kv[1])
        if t / total >= 0.005
    ]
    lines += ["", "| function (self time) | where | share |", "|---|---|---:|"]
    lines += [
        f"| `{fn}` | {path}:{line} | {pct(t)} |"
        for (fn, path, line), t in sorted(by_function.items(), key=lambda kv: -kv[1])[:top]
    ]
    lines += ["", "| project function (time including callees) | where | share |", "|---|---|---:|"]
    lines += [
        f"| `{fn}` | {path}:{line} | {pct(t)} |"
        for (fn, path, line), t in sorted(project.items(), key=lambda kv: -kv[1])[:top]
    ]
    return "\n".join(lines)


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.queries import Pages
    from bench.sample import venue_document
    from costing.documents import load_venue_document
    from costing.examples import WORKED_EXAMPLE
    from costing.models import create_venue
    from venues.models import ShareLink

    user = get_user_model().objects.create_user("bench-profile")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    if args.venue == "worked":
        text = WORKED_EXAMPLE.read_text()
    else:
        text = json.dumps(venue_document(args.items, args.categories))
    venue = create_venue(load_venue_document(text), owner=user)
    link = ShareLink.objects.create(venue=venue, label="Profil")
    pages = Pages(client, venue, link.token)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        import pyinstrument
    except ImportError:
        pyinstrument = None
        print("(pyinstrument is not installed: cProfile instead)\n")

    for page in args.pages:
        for _ in range(3):  # warm-up: templates compiled, connection pool filled
            assert pages.get(page).status_code == 200
        n, start = 0, time.perf_counter()
        profiler = pyinstrument.Profiler(interval=0.001) if pyinstrument else None
        if profiler:
            profiler.start()
        else:
            import cProfile

            profiler_c = cProfile.Profile()
            profiler_c.enable()
        while n < MIN_REQUESTS or time.perf_counter() - start < args.seconds:
            pages.get(page)
            n += 1
        elapsed = time.perf_counter() - start
        title = f"## {page} — {venue.name}: {n} requests, {1000 * elapsed / n:.1f} ms each"
        print(title + " (profiled)\n")
        if profiler:
            profiler.stop()
            session = profiler.last_session
            root = session.root_frame()
            print(summarise(root, root.time, args.top) + "\n")
            tree = profiler.output_text(
                unicode=True,
                time="percent_of_total",
                show_all=True,
                processor_options={"filter_threshold": 0.01},
            )
            (out / f"{page}.txt").write_text(tree)
            (out / f"{page}.html").write_text(profiler.output_html())
            session.save(out / f"{page}.pyisession")
        else:
            import pstats

            profiler_c.disable()
            stats = pstats.Stats(profiler_c, stream=sys.stdout)
            stats.sort_stats("tottime").print_stats(args.top)
            stats.sort_stats("cumulative").print_stats(args.top)
    if pyinstrument:
        print(f"Call trees: {out}/<page>.txt, .html and .pyisession (pyinstrument --load)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--venue", choices=("large", "worked"), default="large")
    parser.add_argument("--items", type=int, default=60, help="items of the large venue")
    parser.add_argument("--categories", type=int, default=12, help="its categories")
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=["workspace", "share", "edit"])
    parser.add_argument("--seconds", type=float, default=SECONDS, help="profiled time per page")
    parser.add_argument("--top", type=int, default=15, help="rows per table")
    parser.add_argument("--out", default="", help="folder for the call trees (default: a temp one)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    from tests.production import manage, postgres_available, production_env, scratch_database

    if not postgres_available():
        sys.exit("hotspots: PostgreSQL does not answer on 127.0.0.1:5432.")
    args.out = args.out or tempfile.mkdtemp(prefix="tierslieux-hotspots-")
    with tempfile.TemporaryDirectory() as tmp, scratch_database() as database_url:
        env = production_env(
            database_url, Path(tmp) / "static", DJANGO_SETTINGS_MODULE="bench.settings"
        )
        manage(env, "migrate", "--no-input")
        manage(env, "collectstatic", "--no-input")
        command = [sys.executable, __file__, "--child", *sys.argv[1:]]
        if "--out" not in sys.argv:
            command += ["--out", args.out]
        subprocess.run(command, cwd=ROOT, env=env, check=True)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    main()
