"""What `make bench` prints about the edit's target, from its measurements (bench/run.py)."""

from bench.run import WORKED, Row, Run, http_table


def run(rps: float) -> Run:
    return Run(rps=rps, requests=int(rps * 4), errors=0, latency="", output="")


def rows(edit: list[float], healthz_c1: list[float]) -> list[Row]:
    one = "wrk -t1 -c1"
    return [
        Row("bare", "", one, [run(2000), run(2000)], "healthz"),
        Row("healthz", "", one, [run(1000), run(1000)], "healthz"),
        Row("healthz-c1", "", one, [run(r) for r in healthz_c1], "healthz"),
        Row("edit", WORKED, one, [run(r) for r in edit], "healthz-c1", 0.12),
    ]


def test_the_edits_ratio_is_given_round_by_round_as_each_round_measured_both():
    # A drifting machine: the best edit (round 1) over the best /healthz (round 2) gives
    # 0.118; round by round, the edit served 0.130 and 0.105 of /healthz: median 0.117.
    table = http_table(rows(edit=[130, 115], healthz_c1=[1000, 1100]))
    assert "| 130.0 | 130, 115 | 0.118 | ≥ 0.12 ❌ |" in table
    assert f"round by round ({WORKED}): 0.105, 0.130; median 0.117 ❌" in table


def test_the_round_by_round_median_meets_the_target_when_the_rounds_do():
    table = http_table(rows(edit=[125, 126, 140], healthz_c1=[1000, 1000, 1000]))
    assert "0.125, 0.126, 0.140; median 0.126 ✅" in table
