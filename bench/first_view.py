"""The first view after a change, in-process: what a manager who edits and then looks meets.

    .venv/bin/python bench/first_view.py [--items 300] [--categories 12] [--repeat 10]

A scratch PostgreSQL database (as bench/hotspots.py: migrated, production settings), one venue
of --items items and --categories categories, a logged-in test client. Each round edits one
item through htmx (which changes the venue, so its cached pages no longer apply), then times
the workspace page and the share page that follow. Prints the median and the worst of each,
and the edit's own time. Target of issue 19: the workspace ≤ 150 ms for 300 items.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)

TARGET_MS = 150


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.queries import Pages
    from bench.sample import venue_document
    from costing.documents import load_venue_document
    from costing.models import create_venue
    from venues.models import ShareLink

    user = get_user_model().objects.create_user("bench-first-view")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    document = load_venue_document(json.dumps(venue_document(args.items, args.categories)))
    venue = create_venue(document, owner=user)
    link = ShareLink.objects.create(venue=venue, label="Mesure")
    pages = Pages(client, venue, link.token)
    for page in ("workspace", "share", "edit", "workspace", "share"):  # warm-up
        assert pages.get(page).status_code == 200
    times: dict[str, list[float]] = {"edit": [], "workspace": [], "share": []}
    profile = None
    if args.profile:
        import cProfile

        profile = cProfile.Profile()
    for _ in range(args.repeat):
        for page in times:
            start = time.perf_counter()
            if args.cold and page == "workspace":
                from django.core.cache import cache

                cache.clear()  # nothing cached at all, not even the rows
                start = time.perf_counter()
            if profile and page == "workspace":
                profile.enable()
            assert pages.get(page).status_code == 200
            if profile:
                profile.disable()
            times[page].append(1000 * (time.perf_counter() - start))
    if profile:
        import pstats

        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    print(f"{args.items} items × {args.categories} categories, {args.repeat} rounds:")
    for page, values in times.items():
        after = "" if page == "edit" else " (first view after the edit)"
        print(
            f"  {page}{after}: median {statistics.median(values):.0f} ms, "
            f"worst {max(values):.0f} ms"
        )
    median = statistics.median(times["workspace"])
    mark = "✅" if median <= TARGET_MS else "❌"
    print(f"{mark} workspace after a change ≤ {TARGET_MS} ms: {median:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--categories", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--profile", action="store_true", help="cProfile the workspace views")
    parser.add_argument("--cold", action="store_true", help="empty the whole cache first")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    from tests.production import manage, postgres_available, production_env, scratch_database

    if not postgres_available():
        sys.exit("first_view: PostgreSQL does not answer on 127.0.0.1:5432.")
    with tempfile.TemporaryDirectory() as tmp, scratch_database() as database_url:
        env = production_env(
            database_url, Path(tmp) / "static", DJANGO_SETTINGS_MODULE="bench.settings"
        )
        manage(env, "migrate", "--no-input")
        manage(env, "collectstatic", "--no-input")
        subprocess.run([sys.executable, __file__, "--child", *sys.argv[1:]], cwd=ROOT, env=env)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    main()
