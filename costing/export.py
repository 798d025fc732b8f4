"""The allocation as spreadsheet rows (CSV download)."""

from decimal import Decimal

from django.utils.translation import gettext as _

from .engine import Allocation

# A cell starting with one of these is run as a formula by spreadsheets (OWASP, "CSV
# Injection"): =HYPERLINK(…) in a category's name would reach its owner as a live link.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def number_cell(value: Decimal | None) -> str:
    """A number as French spreadsheets read one (1700,00; -12,50): our digits, never text a
    user typed, so a leading minus stays a minus."""
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def text_cell(value: str) -> str:
    """Text a user typed, behind a quote when a spreadsheet would take it for a formula: the
    quote makes it keep the cell as text (and shows it, the lesser evil)."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


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
            [text_cell(c.name), number_cell(c.surface_share_pct), number_cell(c.surface_m2)]
            + [number_cell(v) for v in (c.infrastructure, c.services, c.total)]
            + [number_cell(v) for v in (c.per_m2, c.per_workstation, c.per_member)]
        )
    writer.writerow(
        [
            _("Non couvert / surface non attribuée"),
            number_cell(allocation.unassigned_surface_pct),
            number_cell(allocation.unassigned_surface_m2),
            number_cell(allocation.uncovered_infrastructure),
            number_cell(allocation.uncovered_services),
            number_cell(allocation.uncovered_total),
            "",
            "",
            "",
        ]
    )
    writer.writerow(
        [
            _("Total"),
            "100,00",
            number_cell(allocation.total_surface_m2),
            number_cell(allocation.infrastructure.total),
            number_cell(allocation.services.total),
            number_cell(allocation.total),
            number_cell(allocation.cost_per_m2),
            "",
            "",
        ]
    )
