"""The allocation as the summary shows it (costing/allocation.html's partials): the workspace,
the share page, a closed month and its PDF statement all draw it from `summary_context`.

Every figure is formatted here once, in the active language, by the filters of
costing/templatetags/costing.py, and escaped once (`escape`, as the template's autoescaping
would): the template engine spends more on a filter, and on escaping a value again at each
place it shows, than on the figure itself. The summary is rendered at every edit
(docs/scaling.md). Formatting only: every figure is the engine's."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property, partial

from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

from .chart import UNCOVERED_COLOR, bars, color
from .engine import Allocation, CategoryAllocation
from .templatetags.costing import money, number, pct


def shown_money(amount: Decimal | None, currency: str) -> SafeString:
    """An amount as the `money` filter shows it, escaped as autoescaping would."""
    return escape(money(amount, currency))


# The chart's pool label sits this far below its bar's top (SVG units): on the bar's middle.
CHART_LABEL_OFFSET = 19


class SummaryRow:
    """A category of the allocation as the summary shows it three times: a row of the table,
    a phone card, an entry of the chart's legend. Each figure is formatted and escaped once
    for all three, when first shown (see the module's docstring)."""

    def __init__(self, category: CategoryAllocation, color: str, currency: str) -> None:
        self.category, self.color, self.currency = category, color, currency

    @cached_property
    def name(self) -> SafeString:
        return escape(self.category.name)

    @cached_property
    def surface_share(self) -> SafeString:
        return escape(pct(self.category.surface_share_pct))

    @cached_property
    def surface_m2(self) -> SafeString:
        return escape(number(self.category.surface_m2))

    @cached_property
    def infrastructure(self) -> SafeString:
        return shown_money(self.category.infrastructure, self.currency)

    @cached_property
    def services(self) -> SafeString:
        return shown_money(self.category.services, self.currency)

    @cached_property
    def total(self) -> SafeString:
        return shown_money(self.category.total, self.currency)

    @cached_property
    def per_m2(self) -> SafeString:
        return shown_money(self.category.per_m2, self.currency)

    @cached_property
    def per_workstation(self) -> SafeString:
        return shown_money(self.category.per_workstation, self.currency)

    @cached_property
    def per_member(self) -> SafeString:
        return shown_money(self.category.per_member, self.currency)

    @cached_property
    def workstations(self) -> SafeString:
        """ "3 postes"; empty without any."""
        n = self.category.workstations
        return escape(ngettext("%(n)s poste", "%(n)s postes", n) % {"n": n} if n else "")

    @cached_property
    def members(self) -> SafeString:
        n = self.category.members
        return escape(ngettext("%(n)s membre", "%(n)s membres", n) % {"n": n} if n else "")


@dataclass(frozen=True)
class ChartSegment:
    """A segment of a chart's bar (costing/chart.py `Segment`), its values as the SVG shows
    them; `label` is empty for the uncovered part."""

    label: SafeString
    amount: SafeString
    x: str
    width: str
    color: str


@dataclass(frozen=True)
class ChartBar:
    pool: str
    y: int
    label_y: int
    segments: tuple[ChartSegment, ...]


def chart_bars(allocation: Allocation, shown: Callable[[Decimal], SafeString]) -> list[ChartBar]:
    return [
        ChartBar(
            bar.pool,
            bar.y,
            bar.y + CHART_LABEL_OFFSET,
            tuple(
                ChartSegment(escape(s.label), shown(s.amount), str(s.x), str(s.width), s.color)
                for s in bar.segments
            ),
        )
        for bar in bars(allocation)
    ]


def figures(allocation: Allocation, shown: Callable[[Decimal], SafeString]) -> dict:
    """The venue's own figures (its totals, what no category carries), each formatted once:
    the table, the cards and the cost table show several of them more than once."""
    return {
        "infrastructure_basic": shown(allocation.infrastructure.basic),
        "infrastructure_improved": shown(allocation.infrastructure.improved),
        "infrastructure_total": shown(allocation.infrastructure.total),
        "services_basic": shown(allocation.services.basic),
        "services_improved": shown(allocation.services.improved),
        "services_total": shown(allocation.services.total),
        "basic_total": shown(allocation.basic_total),
        "improved_total": shown(allocation.improved_total),
        "total": shown(allocation.total),
        "cost_per_m2": shown(allocation.cost_per_m2),
        "uncovered_infrastructure": shown(allocation.uncovered_infrastructure),
        "uncovered_services": shown(allocation.uncovered_services),
        "uncovered_total": shown(allocation.uncovered_total),
        "total_surface_m2": escape(number(allocation.total_surface_m2)),
        "unassigned_surface_pct": escape(pct(allocation.unassigned_surface_pct)),
        "unassigned_surface_m2": escape(number(allocation.unassigned_surface_m2)),
    }


def summary_context(allocation: Allocation) -> dict:
    """What the partials of costing/allocation.html need besides `allocation` itself:
    shared by the workspace summary and the share page so that both draw the same."""
    currency = allocation.currency
    shown = partial(shown_money, currency=currency)
    return {
        "allocation": allocation,
        "figures": figures(allocation, shown),
        "bars": chart_bars(allocation, shown),
        "summary_rows": [
            SummaryRow(category, color(i), currency)
            for i, category in enumerate(allocation.categories)
        ],
        "uncovered_color": UNCOVERED_COLOR,
    }
