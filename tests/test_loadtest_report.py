"""The load test's and the capacity run's arithmetic, without a run: the login ramp kept out of
the steady state's figures, the targets of issue 19, the knee (loadtest/run.py,
loadtest/capacity.py)."""

import pytest

from loadtest import capacity
from loadtest.run import Result, percentile, targets

STEADY_AT = 1000.0


def request(name: str, t: float, ms: float, ok: bool = True) -> dict:
    return {"name": name, "t": t, "ms": ms, "status": 200 if ok else 0, "ok": ok, "port": 1}


def result(steady: list[dict], ramp: list[dict] | None = None, users: int = 50) -> Result:
    r = Result(1, "steady load", ["http://127.0.0.1:1"], 60, users)
    r.requests = (ramp or []) + steady
    r.phases = {"steady_at": STEADY_AT, "steady_until": STEADY_AT + 60}
    return r


def test_the_login_ramp_is_kept_out_of_the_steady_states_figures():
    ramp = [request("login", STEADY_AT - 5 + i / 10, 2500) for i in range(50)]
    steady = [request("htmx edit", STEADY_AT + i / 10, 20) for i in range(600)]
    r = result(steady, ramp)
    assert len(r.ramp) == 50 and len(r.steady) == 600
    assert r.ramp_seconds == pytest.approx(5)
    assert r.percentile(0.95) == 20  # the 2.5 s logins do not count
    assert r.max_ms == 20
    assert r.rps() == pytest.approx(10)


def test_percentiles_are_those_of_the_requests_named():
    steady = [request("htmx edit", STEADY_AT + i, ms) for i, ms in enumerate(range(1, 101))]
    steady += [request("workspace", STEADY_AT + i, 500) for i in range(10)]
    r = result(steady)
    assert r.percentile(0.95, "htmx edit") == pytest.approx(95, abs=1)
    assert r.percentile(0.95, "workspace") == 500
    assert r.percentile(0.95, "share page") == 0  # none: nothing to report
    assert percentile([7.0], 0.99) == 7.0


def test_each_target_is_printed_met_or_not_with_its_figure():
    steady = [request("htmx edit", STEADY_AT + i, 90) for i in range(100)]
    steady += [request("workspace", STEADY_AT + i, 200) for i in range(100)]
    steady += [request("share page", STEADY_AT + i, 10) for i in range(100)]
    text = targets(result(steady))
    assert "✅ htmx edit p95 ≤ 100 ms: 90 ms" in text
    assert "✅ htmx edit p99 ≤ 250 ms: 90 ms" in text
    assert "❌ workspace p95 ≤ 150 ms: 200 ms" in text
    assert "✅ share page p95 ≤ 150 ms: 10 ms" in text


def step(managers: int, p95: float, failed: int = 0) -> capacity.Step:
    return capacity.Step(
        managers=managers, requests=1000, rps=managers / 2, p50=p95 / 3, p95=p95, p99=p95 * 2,
        max=p95 * 3, failed=failed, lost=0, ramp_seconds=10, ramp_p95=p95 * 10, problems=[],
        by_name={"htmx edit": p95, "workspace": p95, "share page": p95},
    )  # fmt: skip


def test_the_knee_is_the_last_step_that_held_before_the_first_that_did_not():
    steps = [step(50, 40), step(100, 80), step(200, 150), step(300, 260)]
    assert capacity.knee(steps).managers == 200
    verdict = capacity.verdict(steps)
    assert verdict.startswith("❌ at least 300 managers")
    assert "knee is at 200 managers (p95 150 ms); at 300: p95 260 ms" in verdict


def test_a_failed_request_ends_the_climb_even_under_the_latency_limit():
    steps = [step(50, 40), step(100, 60, failed=1)]
    assert capacity.knee(steps).managers == 50
    assert capacity.knee([step(50, 40, failed=3)]) is None
    assert "no step" in capacity.verdict([step(50, 40, failed=3)])


def test_three_hundred_managers_within_the_limit_meet_the_target():
    steps = [step(50, 40), step(100, 60), step(200, 90), step(300, 150), step(400, 180)]
    assert capacity.verdict(steps).startswith("✅")
    assert "the knee is further" in capacity.verdict(steps)
    assert "| 400 |" in capacity.table(steps)
