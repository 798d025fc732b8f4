"""Hostile input on the close form and on pinning a share link (tests/test_fuzz.py does the
same for the other forms): never a 500, a refusal beside the field, nothing half-written."""

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import example as also_try
from hypothesis import given

from periods.models import Period, PeriodError, month_key, parse_month
from periods.tests.helpers import close, last_month
from tests.fuzzing import HTMX, MISSING, effective, fresh, fuzz, hostile
from venues.models import ShareLink

pytestmark = pytest.mark.django_db


def data(value) -> dict:
    return {} if value is MISSING else {"month": value}


def closable(value) -> bool:
    try:
        month = parse_month(effective(value))
    except PeriodError:
        return False
    return month <= last_month()


@given(value=hostile(month_key(last_month()), "2026-1", "2999-12", " 2026-11 ", "١٢٣٤-٠١"))
@also_try(value=month_key(last_month()))
@fuzz
def test_closing_a_month(alice_client, example, value):
    url = reverse("period_close", args=[example.pk])
    for htmx in (False, True):
        fresh(alice_client)
        with transaction.atomic():
            response = alice_client.post(url, data(value), headers=HTMX if htmx else {})
            assert response.status_code < 500
            created = list(Period.objects.all())
            if created:
                assert response.status_code == 302
                assert closable(value)
                assert created[0].month == parse_month(effective(value))
                assert created[0].verify()
            else:
                assert response.status_code == 200
                assert 'id="id_month_error"' in response.text
                assert 'aria-invalid="true"' in response.text
            transaction.set_rollback(True)


@given(value=hostile(month_key(last_month()), "", "2026-13", "2999-01"))
@also_try(value=month_key(last_month()))
@fuzz
def test_pinning_a_share_link(alice_client, example, alice, value):
    fresh(alice_client)
    with transaction.atomic():
        period = close(example)
        link = ShareLink.objects.create(venue=example, label="AG", created_by=alice)
        url = reverse("share_pin", args=[example.pk, link.pk])
        response = alice_client.post(url, {} if value is MISSING else {"period": value})
        assert response.status_code == 302
        link.refresh_from_db()
        assert link.period in ("", period.key)
        if link.period:
            assert parse_month(effective(value)) == period.month
        transaction.set_rollback(True)
