"""A closed period's documents, read back as they were frozen (docs/periods.md).

Pure Python over the stored text: no Django, no model. A period's pages, its PDF and its
comparisons read the frozen allocation document through `allocation`, which gives the engine's
own `Allocation` back, so that the templates shared with the live pages show it unchanged;
nothing is recomputed (the only sum here, the basic tier's total, adds two frozen amounts).
`fingerprint` is the SHA-256 that proves a period's documents are the ones closed.
"""

import hashlib
import json
from decimal import Decimal
from typing import Any

from costing.engine import Allocation, CategoryAllocation, PoolCost

PERIOD_FORMAT = "tierslieux.period/1"


def canonical(*, month: str, version: int, closed_at: str, venue: str, allocation: str) -> bytes:
    """The canonical JSON of a period: its month, version and closing time (ISO 8601, UTC)
    and both documents as JSON values, keys sorted, no spaces, UTF-8 (docs/periods.md)."""
    period = {
        "format": PERIOD_FORMAT,
        "month": month,
        "version": version,
        "closed_at": closed_at,
        "venue": json.loads(venue),
        "allocation": json.loads(allocation),
    }
    text = json.dumps(period, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode()


def fingerprint(**period: Any) -> str:
    """The SHA-256 (hex) of the period's canonical JSON."""
    return hashlib.sha256(canonical(**period)).hexdigest()


def _money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def allocation(text: str, venue: str | None = None) -> Allocation:
    """The engine's `Allocation` that a frozen `tierslieux.allocation/1` document says; the
    categories' counts of workstations and members come from the frozen venue document
    `venue`, which holds them (0 without it).

    Keys that later versions add (prices, say) are ignored.
    """
    doc = json.loads(text)
    counts = {
        category["name"]: (category.get("workstations", 0), category.get("members", 0))
        for category in (json.loads(venue)["categories"] if venue else [])
    }
    cost = doc["monthly_cost"]
    pools = {
        pool: PoolCost(
            basic=Decimal(cost[pool]["basic"]),
            improved=Decimal(cost[pool]["improved"]),
            total=Decimal(cost[pool]["total"]),
        )
        for pool in ("infrastructure", "services")
    }
    return Allocation(
        venue_name=doc["venue"],
        currency=doc["currency"],
        total_surface_m2=Decimal(doc["total_surface_m2"]),
        keys=dict(doc["pools"]),
        infrastructure=pools["infrastructure"],
        services=pools["services"],
        total=Decimal(cost["total"]),
        basic_total=pools["infrastructure"].basic + pools["services"].basic,
        cost_per_m2=Decimal(doc["cost_per_m2"]),
        categories=tuple(
            CategoryAllocation(
                name=category["name"],
                surface_share_pct=Decimal(category["surface_share_pct"]),
                surface_m2=Decimal(category["surface_m2"]),
                workstations=counts.get(category["name"], (0, 0))[0],
                members=counts.get(category["name"], (0, 0))[1],
                infrastructure=Decimal(category["monthly"]["infrastructure"]),
                services=Decimal(category["monthly"]["services"]),
                total=Decimal(category["monthly"]["total"]),
                per_m2=_money(category["per_m2"]),
                per_workstation=_money(category["per_workstation"]),
                per_member=_money(category["per_member"]),
            )
            for category in doc["categories"]
        ),
        unassigned_surface_pct=Decimal(doc["unassigned"]["surface_share_pct"]),
        unassigned_surface_m2=Decimal(doc["unassigned"]["surface_m2"]),
        uncovered_infrastructure=Decimal(doc["uncovered"]["infrastructure"]),
        uncovered_services=Decimal(doc["uncovered"]["services"]),
        uncovered_total=Decimal(doc["uncovered"]["total"]),
        warnings=tuple(doc["warnings"]),
    )
