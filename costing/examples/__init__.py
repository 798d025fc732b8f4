"""The method's worked example (docs/method.md), as a venue document and its exact allocation:
the one copy that the demo, the tests, the benchmark and the load test read."""

from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
WORKED_EXAMPLE = HERE / "movilab-300m2.venue.json"
WORKED_EXAMPLE_ALLOCATION = HERE / "movilab-300m2.allocation.json"
# The same venue with SPEC §4b's prices, margin, occupancy and revenue (docs/method.md, R7–R9).
WORKED_EXAMPLE_PRICED = HERE / "movilab-300m2-priced.venue.json"


@cache
def worked_example_allocation():
    """The worked example allocated by the engine, once per process (the home page shows it)."""
    from costing.documents import load_venue_document
    from costing.engine import allocate

    return allocate(load_venue_document(WORKED_EXAMPLE.read_bytes()))
