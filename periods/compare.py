"""What changed between two allocations, and a year of them side by side (docs/periods.md).

Pure Python over the engine's `Allocation`s and venue documents (as JSON values): no Django.
Differences are exact subtractions of amounts the engine computed; a change in % is the
difference over the earlier amount, half-up to 2 decimals, None when the earlier amount is 0.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from costing.engine import POOLS, Allocation

CENT = Decimal("0.01")
ITEM_FIELDS = ("pool", "tier", "amount", "frequency", "amortization_months", "included")


@dataclass(frozen=True)
class Difference:
    label: str
    before: Decimal | None  # None: absent from the earlier allocation
    after: Decimal | None  # None: absent from the later one

    @property
    def change(self) -> Decimal:
        return (self.after or Decimal(0)) - (self.before or Decimal(0))

    @property
    def change_pct(self) -> Decimal | None:
        if not self.before:
            return None
        return (self.change * 100 / self.before).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class ItemChange:
    label: str
    fields: tuple[tuple[str, object, object], ...]  # (field, before, after)


@dataclass(frozen=True)
class Comparison:
    pools: tuple[Difference, ...]  # infrastructure, services, total
    categories: tuple[Difference, ...]  # then the uncovered amount
    added: tuple[dict, ...]  # items of the later venue document only
    removed: tuple[dict, ...]  # items of the earlier one only
    changed: tuple[ItemChange, ...]


def compare(before: Allocation, after: Allocation, items_before, items_after) -> Comparison:
    """`before` and `after` with the cost items of their venue documents (lists of dicts)."""
    pools = [Difference(pool, before.pool(pool).total, after.pool(pool).total) for pool in POOLS]
    pools.append(Difference("total", before.total, after.total))
    amounts_before = {category.name: category.total for category in before.categories}
    amounts_after = {category.name: category.total for category in after.categories}
    names = list(dict.fromkeys([*amounts_before, *amounts_after]))
    categories = [Difference(n, amounts_before.get(n), amounts_after.get(n)) for n in names]
    categories.append(Difference("", before.uncovered_total, after.uncovered_total))
    added, removed, changed = _items(items_before, items_after)
    return Comparison(tuple(pools), tuple(categories), added, removed, changed)


def _item(item: dict) -> dict:
    return {**item, "amount": Decimal(item["amount"])}


def _items(before: Sequence[dict], after: Sequence[dict]):
    """Items are matched by label, in order when several share one."""
    before, after = [_item(i) for i in before], [_item(i) for i in after]
    remaining: dict[str, list[dict]] = {}
    for item in before:
        remaining.setdefault(item["label"], []).append(item)
    added, changed = [], []
    for item in after:
        matches = remaining.get(item["label"])
        if not matches:
            added.append(item)
            continue
        old = matches.pop(0)
        fields = tuple(
            (name, old.get(name), item.get(name))
            for name in ITEM_FIELDS
            if old.get(name) != item.get(name)
        )
        if fields:
            changed.append(ItemChange(item["label"], fields))
    removed = [item for items in remaining.values() for item in items]
    return tuple(added), tuple(removed), tuple(changed)


@dataclass(frozen=True)
class YearCell:
    amount: Decimal | None  # None where the month has no allocation, or for a sum that has none
    currency: str  # its month's: a closed month keeps the currency it was closed in


@dataclass(frozen=True)
class YearRow:
    label: str  # a category's name; "" for the uncovered amount, "total" for the month's total
    cells: tuple[YearCell, ...]  # one per month
    closed_sum: YearCell  # over the closed months (not the draft); none across two currencies


@dataclass(frozen=True)
class YearColumn:
    month: date
    draft: bool  # the current, unclosed allocation
    currency: str  # its allocation's; "" for a month with none


def year_table(
    columns: Sequence[tuple[date, Allocation | None, bool]], currency: str
) -> tuple[tuple[YearColumn, ...], tuple[YearRow, ...]]:
    """Twelve months (month, allocation or None, is the draft) → columns and rows: each
    category's monthly total, the uncovered amount and the total, with their sums over the
    closed months. Each month is shown in its own currency; the closed months are summed only
    when they share one (`currency`, the venue's, when none is closed)."""
    allocations = [allocation for _, allocation, _ in columns]
    header = tuple(
        YearColumn(month, draft, allocation.currency if allocation else "")
        for month, allocation, draft in columns
    )
    closed = {column.currency for column in header if column.currency and not column.draft}
    sum_currency = closed.pop() if len(closed) == 1 else (currency if not closed else "")
    names = list(dict.fromkeys(c.name for a in allocations if a is not None for c in a.categories))

    def row(label: str, value) -> YearRow:
        cells = tuple(
            YearCell(None if a is None else value(a), column.currency)
            for a, column in zip(allocations, header, strict=True)
        )
        summed = [cell.amount for cell, column in zip(cells, header, strict=True)
                  if cell.amount is not None and not column.draft]  # fmt: skip
        total = sum(summed, Decimal("0.00")) if sum_currency else None
        return YearRow(label, cells, YearCell(total, sum_currency))

    def category_total(name: str):
        return lambda a: next((c.total for c in a.categories if c.name == name), None)

    rows = [row(name, category_total(name)) for name in names]
    rows.append(row("", lambda a: a.uncovered_total))
    rows.append(row("total", lambda a: a.total))
    return header, tuple(rows)
