"""The method's worked example (docs/method.md), as a venue document and its exact allocation:
the one copy that the demo, the tests, the benchmark and the load test read."""

from pathlib import Path

HERE = Path(__file__).parent
WORKED_EXAMPLE = HERE / "movilab-300m2.venue.json"
WORKED_EXAMPLE_ALLOCATION = HERE / "movilab-300m2.allocation.json"
