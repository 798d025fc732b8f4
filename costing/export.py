"""The allocation as spreadsheet rows (CSV download)."""

from decimal import Decimal

from django.utils.translation import gettext as _

from .engine import Allocation


def _cell(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def allocation_rows(allocation: Allocation, writer) -> None:
    writer.writerow(
        [
            _("Catégorie"),
            _("Part de la surface (%)"),
            _("Surface (m²)"),
            _("Infrastructure"),
            _("Services"),
            _("Total par mois"),
            _("Par m²"),
            _("Par poste de travail"),
            _("Par membre"),
        ]
    )
    for c in allocation.categories:
        writer.writerow(
            [c.name, _cell(c.surface_share_pct), _cell(c.surface_m2)]
            + [_cell(v) for v in (c.infrastructure, c.services, c.total)]
            + [_cell(v) for v in (c.per_m2, c.per_workstation, c.per_member)]
        )
    writer.writerow(
        [
            _("Non couvert / surface non attribuée"),
            _cell(allocation.unassigned_surface_pct),
            _cell(allocation.unassigned_surface_m2),
            _cell(allocation.uncovered_infrastructure),
            _cell(allocation.uncovered_services),
            _cell(allocation.uncovered_total),
            "",
            "",
            "",
        ]
    )
    writer.writerow(
        [
            _("Total"),
            "100,00",
            _cell(allocation.total_surface_m2),
            _cell(allocation.infrastructure.total),
            _cell(allocation.services.total),
            _cell(allocation.total),
            _cell(allocation.cost_per_m2),
            "",
            "",
        ]
    )
