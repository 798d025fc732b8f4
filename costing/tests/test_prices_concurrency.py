"""Two editors adding revenue lines at the same moment: the venue's limit still holds, because
the second add is checked after the first is written, under the venue's lock
(venues/access.py). PostgreSQL only, as costing/tests/test_concurrency.py, whose machinery
this reuses."""

import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from costing.models import OtherRevenue, Row
from costing.tests.test_concurrency import (  # noqa: F401 - fixtures
    HTMX,
    Hold,
    _held,
    _on_postgresql,
    pytestmark,
    text,
)
from tests.helpers import logged_in


@pytest.fixture
def editors(alice, bob) -> tuple[Client, Client]:
    return logged_in(alice), logged_in(bob)


def add(client: Client, url: str, data: dict, results: list, index: int, barrier) -> None:
    try:
        barrier.wait(timeout=10)
        results[index] = client.post(url, data, headers=HTMX)
    except BaseException as error:  # re-raised in the test's thread
        results[index] = error
    finally:
        connections.close_all()


def test_two_revenue_lines_added_at_once_keep_the_limit(editors, example, monkeypatch):
    monkeypatch.setattr("costing.forms.OtherRevenueForm.LIMIT", 2)
    OtherRevenue.objects.create(venue=example, label="Bar", amount=100)
    hold = Hold()
    monkeypatch.setattr(OtherRevenue, "save", _held(OtherRevenue.save, hold))
    monkeypatch.setattr(Row, "save_if_unchanged", _held(Row.save_if_unchanged, hold))
    url = reverse("revenue_add", args=[example.pk])
    barrier = threading.Barrier(2)
    results: list = [None, None]
    threads = [
        threading.Thread(
            target=add,
            args=(
                client,
                url,
                {
                    "new-revenue-label": label,
                    "new-revenue-amount": "10",
                    "new-revenue-frequency": "monthly",
                },
                results,
                index,
                barrier,
            ),
        )  # fmt: skip
        for index, (client, label) in enumerate(zip(editors, ("Salle", "Subvention"), strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    assert hold.second_writer_waited, "the second add never waited for the first"
    assert OtherRevenue.objects.filter(venue=example).count() == 2
    refusals = [r for r in results if "lignes de revenus : c'est le maximum" in text(r)]
    assert len(refusals) == 1
