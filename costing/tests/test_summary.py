"""The summary's rows (costing/summary.py): each category's figures formatted once, as the
filters of costing/templatetags/costing.py format them, for the table, the cards and the chart."""

from decimal import Decimal

import pytest
from django.utils import translation

from costing.engine import CategoryAllocation
from costing.summary import SummaryRow
from costing.templatetags.costing import money

D = Decimal


def category(**changes) -> CategoryAllocation:
    values = dict(
        name="Résidents", surface_share_pct=D("12.5"), surface_m2=D("1500.00"), workstations=1,
        members=1234, infrastructure=D("1234.50"), services=D("0.00"), total=D("1234.50"),
        per_m2=D("0.82"), per_workstation=D("1234.50"), per_member=D("1.00"),
    )  # fmt: skip
    return CategoryAllocation(**{**values, **changes})


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", ("12,5 %", "1 500,00", "1 234,50 €", "1 poste", "1234 membres")),
        ("en", ("12.5%", "1,500.00", "1,234.50 €", "1 workstation", "1234 members")),
    ],
)
def test_a_row_shows_its_figures_as_the_filters_format_them_in_the_active_language(
    language, expected
):
    with translation.override(language):
        row = SummaryRow(category(), "#1f6f5c", "EUR")
        shown = (row.surface_share, row.surface_m2, row.total, row.workstations, row.members)
        assert shown == expected
        assert row.infrastructure == money(D("1234.50"), "EUR")


def test_a_row_without_members_or_workstations_names_none_and_its_missing_figures_read_as_a_dash():
    row = SummaryRow(
        category(workstations=0, members=0, per_workstation=None, per_member=None), "#000", "CHF"
    )
    assert (row.workstations, row.members) == ("", "")
    assert (row.per_workstation, row.per_member) == ("—", "—")
    assert row.services == "0,00 CHF"
