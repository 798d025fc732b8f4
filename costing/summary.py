"""The allocation as the summary shows it (costing/allocation.html's partials): the workspace,
the share page, a closed month and its PDF statement all draw it from `summary_context`."""

from functools import cached_property

from django.utils.translation import ngettext

from .chart import UNCOVERED_COLOR, bars, color
from .engine import Allocation, CategoryAllocation
from .templatetags.costing import money, number, pct


class SummaryRow:
    """A category of the allocation as the summary shows it three times: a row of the table,
    a phone card, an entry of the chart's legend. Each figure is formatted once for all three,
    when first shown, in the active language (the filters of costing/templatetags/costing.py):
    the template engine spends more on a filter than on the figure it formats. Formatting
    only: every figure is the engine's."""

    def __init__(self, category: CategoryAllocation, color: str, currency: str) -> None:
        self.category, self.color, self.currency = category, color, currency

    @cached_property
    def surface_share(self) -> str:
        return pct(self.category.surface_share_pct)

    @cached_property
    def surface_m2(self) -> str:
        return number(self.category.surface_m2)

    @cached_property
    def infrastructure(self) -> str:
        return money(self.category.infrastructure, self.currency)

    @cached_property
    def services(self) -> str:
        return money(self.category.services, self.currency)

    @cached_property
    def total(self) -> str:
        return money(self.category.total, self.currency)

    @cached_property
    def per_m2(self) -> str:
        return money(self.category.per_m2, self.currency)

    @cached_property
    def per_workstation(self) -> str:
        return money(self.category.per_workstation, self.currency)

    @cached_property
    def per_member(self) -> str:
        return money(self.category.per_member, self.currency)

    @cached_property
    def workstations(self) -> str:
        """ "3 postes"; empty without any."""
        n = self.category.workstations
        return ngettext("%(n)s poste", "%(n)s postes", n) % {"n": n} if n else ""

    @cached_property
    def members(self) -> str:
        n = self.category.members
        return ngettext("%(n)s membre", "%(n)s membres", n) % {"n": n} if n else ""


def summary_context(allocation: Allocation) -> dict:
    """What the partials of costing/allocation.html need besides `allocation` itself:
    shared by the workspace summary and the share page so that both draw the same."""
    currency = allocation.currency
    return {
        "allocation": allocation,
        "bars": bars(allocation),
        "summary_rows": [
            SummaryRow(category, color(i), currency)
            for i, category in enumerate(allocation.categories)
        ],
        "uncovered_color": UNCOVERED_COLOR,
    }
