"""Time the statement in PDF of a closed month of the worked example (periods/statement.py),
in-process: WeasyPrint rendering the frozen documents, no database, no HTTP.

Run from the project root: .venv/bin/python bench/statement.py [--json]
Target: under 2 s a statement (the first one, which loads fonts, and the median of the next).
"""

import json
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierslieux.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from costing.documents import (  # noqa: E402
    allocation_document,
    dumps,
    load_venue_document,
    venue_document,
)
from costing.engine import allocate  # noqa: E402
from costing.examples import WORKED_EXAMPLE  # noqa: E402
from periods.models import Period  # noqa: E402
from periods.statement import period_pdf  # noqa: E402

TARGET_MS = 2000
REPETITIONS = 5


def worked_example_period() -> Period:
    """A closed month of the worked example, as closing it stores it (not saved)."""
    venue = load_venue_document(WORKED_EXAMPLE.read_bytes())
    period = Period(
        venue_id=1,
        month=date(2026, 11, 1),
        version=1,
        venue_document=dumps(venue_document(venue)),
        allocation_document=dumps(allocation_document(allocate(venue))),
        closed_by_name="bench",
        closed_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    )
    period.sha256 = period.fingerprint()
    return period


def measure() -> dict:
    period = worked_example_period()
    start = time.perf_counter()
    first = period_pdf(period, "fr")
    first_ms = (time.perf_counter() - start) * 1000
    timings = []
    for _ in range(REPETITIONS):
        start = time.perf_counter()
        again = period_pdf(period, "fr")
        timings.append((time.perf_counter() - start) * 1000)
        assert again == first, "the same closed period must give the same PDF"
    return {"first_ms": first_ms, "median_ms": statistics.median(timings), "bytes": len(first)}


def main() -> None:
    result = measure()
    if "--json" in sys.argv:
        print(json.dumps(result))
        return
    print("| statement | first (ms) | median of next (ms) | size |")
    print("|---|---:|---:|---:|")
    print(
        f"| worked example, one closed month | {result['first_ms']:.0f} | "
        f"{result['median_ms']:.0f} | {result['bytes'] / 1024:.0f} kB |"
    )


if __name__ == "__main__":
    main()
