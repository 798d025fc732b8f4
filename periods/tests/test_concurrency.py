"""Two editors closing the same month at the same moment: one closes it, the other is told it
is closed already, and the month has one version (PostgreSQL only: see
costing/tests/test_concurrency.py, whose way of racing two saves this reuses)."""

import threading

import pytest
from django.db import connections
from django.urls import reverse

from costing.tests.test_concurrency import REQUIRED, Hold, _held, text
from periods.models import Period, month_key
from periods.tests.helpers import last_month
from tests.helpers import logged_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connections["default"].vendor != "postgresql" and not REQUIRED,
        reason="needs PostgreSQL (DATABASE_URL=postgres://…); CI's PostgreSQL pass runs it",
    ),
]


def test_two_closings_of_one_month_at_once_make_one_version(example, alice, bob, monkeypatch):
    hold = Hold()
    monkeypatch.setattr(Period, "save", _held(Period.save, hold))
    url = reverse("period_close", args=[example.pk])
    month = month_key(last_month())
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def post(index: int, user) -> None:
        try:
            client = logged_in(user)
            barrier.wait(timeout=10)
            results[index] = client.post(url, {"month": month})
        except BaseException as error:  # re-raised in the test's thread
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i, u)) for i, u in enumerate([alice, bob])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    assert hold.second_writer_waited, "the second closing never waited for the first"
    assert sorted(r.status_code for r in results) == [200, 302]
    refused = next(r for r in results if r.status_code == 200)
    assert "déjà clôturé" in text(refused)
    assert Period.objects.filter(venue=example).count() == 1
