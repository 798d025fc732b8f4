"""Geometry of the allocation chart, drawn by the server as inline SVG.

One horizontal bar per pool, split into the categories' shares and the uncovered part. Only
positions and widths are computed here, from amounts the engine has already allocated.
"""

from dataclasses import dataclass
from decimal import Decimal

from .engine import POOLS, Allocation

PALETTE = ["#1f6f5c", "#d08c2b", "#3d5a98", "#a23b72", "#6a994e", "#8f5e3b", "#2a9d8f", "#7b6d8d"]
UNCOVERED_COLOR = "#c5cbd0"
WIDTH = 600  # viewBox units; the SVG scales to its container


@dataclass(frozen=True)
class Segment:
    label: str
    amount: Decimal
    x: Decimal
    width: Decimal
    color: str


@dataclass(frozen=True)
class Bar:
    pool: str
    total: Decimal
    y: int
    segments: tuple[Segment, ...]


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def bars(allocation: Allocation, height: int = 28, gap: int = 30) -> tuple[Bar, ...]:
    result = []
    for row, pool in enumerate(POOLS):
        total = allocation.pool(pool).total
        parts = [
            (category.name, category.amount(pool), color(index))
            for index, category in enumerate(allocation.categories)
        ]
        parts.append(("", allocation.uncovered(pool), UNCOVERED_COLOR))
        x, segments = Decimal(0), []
        for label, amount, fill in parts:
            if total and amount:
                width = (amount * WIDTH / total).quantize(Decimal("0.1"))
                segments.append(Segment(label, amount, x, width, fill))
                x += width
        result.append(Bar(pool=pool, total=total, y=row * (height + gap), segments=tuple(segments)))
    return tuple(result)
