"""Closing a month freezes the venue's documents; nothing changes them afterwards."""

import hashlib
import io
import json
from datetime import UTC

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone, translation

from costing.documents import allocation_document, dumps, venue_document
from costing.models import (
    MemberCategory,
    OtherRevenue,
    create_scenario,
    engine_venue,
    venue_allocation,
)
from periods import frozen
from periods.models import Period, PeriodError, month_key, parse_month
from periods.tests.helpers import close, last_month
from tests.helpers import EXAMPLE_ALLOCATION, rent
from venues.models import Change, ShareLink, Venue

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_closing_freezes_the_documents_as_the_venue_serves_them(example, alice):
    period = close(example, user=alice)
    example.refresh_from_db()
    assert period.version == 1
    assert period.month == last_month()
    assert period.allocation_document == EXAMPLE_ALLOCATION.read_text()
    expected = dumps(allocation_document(venue_allocation(example)))
    assert period.allocation_document == expected
    assert period.venue_document == dumps(venue_document(engine_venue(example)))
    assert period.closed_by == alice
    assert period.closed_by_name == "alice"
    assert period.verify()
    assert len(period.sha256) == 64


def test_closing_a_priced_venue_freezes_its_prices_revenue_and_balance_too(
    example, alice, alice_client, client
):
    MemberCategory.objects.filter(venue=example, name="Résidents").update(price_amount=80)
    OtherRevenue.objects.create(venue=example, label="Subvention", amount=500)
    Venue.objects.filter(pk=example.pk).update(margin_pct=10, occupancy_pct=90)
    link = ShareLink.objects.create(venue=example, label="AG", show_prices=True)
    served = client.get(link.get_absolute_url() + "allocation.json").text
    exported = alice_client.get(reverse("venue_export", args=[example.pk])).text
    period = close(example, user=alice)
    assert period.venue_document == exported
    assert period.allocation_document == served
    frozen_doc = json.loads(period.allocation_document)
    assert frozen_doc["categories"][0]["pricing"]["suggested_price"] == "86.58"  # SPEC §4b
    assert frozen_doc["revenue"]["other"] == "500.00"
    assert frozen_doc["balance"] == "-80.00"  # 1 920 + 500 - 2 500
    assert period.verify()


def test_the_hash_is_the_sha256_of_the_canonical_json_of_the_period(example):
    """As docs/periods.md tells anyone to check it, from the two downloads and the dates."""
    period = Period.objects.get(pk=close(example).pk)
    canonical = {
        "format": "tierslieux.period/1",
        "month": period.key,
        "version": 1,
        "closed_at": period.closed_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "venue": json.loads(period.venue_document),
        "allocation": json.loads(EXAMPLE_ALLOCATION.read_text()),
    }
    text = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert hashlib.sha256(text.encode()).hexdigest() == period.sha256
    assert (
        frozen.canonical(
            month=period.key,
            version=1,
            closed_at=canonical["closed_at"],
            venue=period.venue_document,
            allocation=period.allocation_document,
        )
        == text.encode()
    )


def test_the_frozen_allocation_reads_back_as_the_engine_computed_it(example):
    period = close(example)
    assert period.allocation.total == venue_allocation(example).total
    assert dumps(allocation_document(period.allocation)) == period.allocation_document
    residents = period.allocation.categories[0]
    assert (residents.workstations, residents.members) == (20, 24)


def test_closing_is_journaled(example, alice):
    period = close(example, user=alice)
    change = Change.objects.get(venue=example, action="closed")
    assert change.actor == alice
    assert change.model == "periods.period"
    assert change.object_id == period.pk
    assert change.action_label == "clôture"


def test_later_edits_never_change_a_closed_period(example, alice):
    period = close(example)
    before = Period.objects.values().get(pk=period.pk)
    item = rent(example)
    item.amount = 2000
    item.save()
    example.cost_items.exclude(pk=item.pk).update(label="Renommé", amount=1)
    example.categories.update(name=Concat(Value("Ex-"), "name"), members=F("members") + 1)
    example.categories.last().delete()
    example.set_keys("surface", "surface")
    assert Period.objects.values().get(pk=period.pk) == before
    assert Period.objects.get(pk=period.pk).verify()


def test_save_refuses_to_write_a_closed_period_again(example):
    period = close(example)
    period.allocation_document = "{}"
    with pytest.raises(ValueError, match="never changes"):
        period.save()


@pytest.mark.parametrize(
    "column, value",
    [
        ("allocation_document", "{}"),
        ("venue_document", "{}"),
        ("sha256", "0" * 64),
        ("version", 7),
        ("closed_at", timezone.now()),
    ],
)
def test_the_database_refuses_any_update_of_a_frozen_column(example, column, value):
    period = close(example)
    with pytest.raises(IntegrityError), transaction.atomic():
        Period.objects.filter(pk=period.pk).update(**{column: value})
    assert Period.objects.get(pk=period.pk).verify()


def test_a_reopened_version_stays_reopened(example, alice, bob):
    period = close(example)
    period.reopen(alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Period.objects.filter(pk=period.pk).update(reopened_at=None)


def test_closing_or_reopening_changes_the_venues_revision_not_its_last_change(example, alice):
    example.refresh_from_db()
    revision, updated_at = example.revision, example.updated_at
    period = close(example)
    period.reopen(alice)
    example.refresh_from_db()
    assert example.revision == revision + 2
    assert example.updated_at == updated_at


def test_reopening_keeps_the_old_version_and_a_new_close_makes_version_2(example, alice):
    first = close(example, user=alice)
    first.reopen(alice)
    assert Change.objects.filter(venue=example, action="reopened", actor=alice).exists()
    item = rent(example)
    item.amount = 2000
    item.save()
    second = close(example, user=alice)
    assert second.version == 2
    assert Period.objects.get(pk=first.pk).verify()
    assert Period.objects.get(pk=first.pk).allocation.total == 2500
    assert second.allocation.total == 3400
    assert example.periods.readable(last_month()) == second
    assert example.periods.readable(last_month(), 1) == first


def test_a_version_reopened_twice_is_refused(example, alice):
    period = close(example)
    period.reopen(alice)
    with pytest.raises(PeriodError):
        Period.objects.get(pk=period.pk).reopen(alice)


# Bad input: a clear message, nothing created


@pytest.mark.parametrize(
    "month", ["2026-13", "2026-00", "26-11", "novembre", "", "1999-12", "2026-1"]
)
def test_an_invalid_month_is_refused(example, month):
    with pytest.raises(PeriodError, match="AAAA-MM"):
        close(example, month)
    assert not Period.objects.exists()


def test_a_month_not_yet_begun_is_refused(example):
    next_month = (timezone.localdate().replace(day=28) + timezone.timedelta(days=5)).replace(day=1)
    with pytest.raises(PeriodError, match="n'a pas commencé"):
        close(example, month_key(next_month))
    assert not Period.objects.exists()


def test_the_current_month_may_be_closed(example):
    assert close(example, month_key(timezone.localdate())).version == 1


def test_closing_the_same_month_twice_is_refused(example):
    close(example)
    with pytest.raises(PeriodError, match="déjà clôturé"):
        close(example)
    assert Period.objects.count() == 1


def test_closing_a_venue_whose_rules_are_broken_is_refused(example):
    MemberCategory.objects.filter(venue=example).update(infrastructure_pct=80)  # 240 %
    with pytest.raises(PeriodError, match="infrastructure des catégories dépassent 100 %"):
        close(example)
    assert not Period.objects.exists()
    assert not Change.objects.filter(action="closed").exists()


def test_the_database_keeps_one_version_in_force_per_month(example):
    period = close(example)
    duplicate = Period(
        venue=example, month=period.month, version=2, venue_document="{}",
        allocation_document="{}", sha256="", closed_at=timezone.now(),
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_parse_month_gives_the_first_day():
    assert parse_month("2026-11").isoformat() == "2026-11-01"


# Commands (SPEC §5)


def test_close_period_closes_a_month_by_slug_or_id(example):
    month = month_key(last_month())
    out = run("close_period", example.slug, month)
    period = Period.objects.get()
    assert out.split() == [example.slug, month, "version", "1", period.sha256]
    assert period.closed_by is None
    assert period.closed_by_name == ""
    with pytest.raises(CommandError, match="already closed"):
        run("close_period", str(example.pk), month)


@pytest.mark.parametrize("month", ["2026-13", "later", "2999-01"])
def test_close_period_exits_non_zero_with_a_message(example, month):
    with pytest.raises(CommandError, match=month):
        run("close_period", example.slug, month)
    assert not Period.objects.exists()


@pytest.mark.parametrize("identifier", ["nowhere", "²"])
@pytest.mark.parametrize("command", ["close_period", "export_period"])
def test_the_period_commands_refuse_an_unknown_venue(db, command, identifier):
    with pytest.raises(CommandError, match="no venue"):
        run(command, identifier, "2026-01")


def test_export_period_prints_the_frozen_document_exactly(example):
    period = close(example)
    item = rent(example)
    item.amount = 2000
    item.save()
    assert run("export_period", example.slug, period.key) == EXAMPLE_ALLOCATION.read_text()


def test_export_period_refuses_a_month_not_closed(example):
    with pytest.raises(CommandError, match="not closed"):
        run("export_period", example.slug, month_key(last_month()))
    with pytest.raises(CommandError, match="YYYY-MM"):
        run("export_period", example.slug, "11-2026")


def test_export_period_prints_an_older_version_on_demand(example, alice):
    first = close(example)
    first.reopen(alice)
    item = rent(example)
    item.amount = 2000
    item.save()
    close(example)
    assert run("export_period", example.slug, first.key, "--period-version", "1") == (
        first.allocation_document
    )
    assert json.loads(run("export_period", example.slug, first.key))["monthly_cost"]["total"] == (
        "3400.00"
    )


def test_a_venue_deleted_takes_its_periods_with_it(example):
    close(example)
    Venue.objects.filter(pk=example.pk).delete()
    assert not Period.objects.exists()


def test_a_scenario_s_month_is_closed_neither_by_the_model_nor_by_the_command(example, alice):
    scenario = create_scenario(example, "Loyer +10 %")
    with pytest.raises(PeriodError, match="Un scénario n'a pas de mois clôturés"):
        close(scenario)
    with pytest.raises(CommandError, match="scenario"):
        run("close_period", str(scenario.pk), month_key(last_month()))
    assert not Period.objects.exists()


def test_the_journal_names_a_closed_month_in_the_readers_language(example, alice, alice_client):
    period = close(example, "2026-11", user=alice)
    period.reopen(alice)
    assert set(Change.objects.filter(model="periods.period").values_list("label", flat=True)) == {
        "2026-11 (v1)"
    }
    url = reverse("venue_journal", args=[example.pk])
    french = alice_client.get(url).text
    assert french.count("« novembre 2026 (v1) »") == 2  # closed, then reopened
    alice_client.post(reverse("set_language"), {"language": "en"})
    english = alice_client.get(url).text
    assert english.count("“November 2026 (v1)”") == 2
    assert "novembre" not in english


def test_a_journal_entry_recorded_with_a_month_in_words_is_shown_as_recorded():
    with translation.override("en"):
        assert Period.journal_name("novembre 2026 (v1)") == "novembre 2026 (v1)"
        assert Period.journal_name("2026-11 (v3)") == "November 2026 (v3)"
    with translation.override("fr"):
        assert Period.journal_name("2026-11 (v3)") == "novembre 2026 (v3)"
