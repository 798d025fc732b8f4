"""The allocation as spreadsheet rows (CSV download, docs/formats.md): a header block naming
the venue, the day and the currency, the cost items, then the categories' table."""

from datetime import date
from decimal import Decimal

from django.utils.text import slugify
from django.utils.translation import gettext as _

from . import engine
from .models import Frequency, Pool, Tier
from .templatetags.costing import SYMBOLS

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


def file_name(venue_name: str, day: date) -> str:
    """`<venue>-repartition-YYYY-MM-DD.csv`, in ASCII letters, digits and hyphens only: the
    venue's name as a reader would spell it (slugify drops accents), not its slug's random
    suffix, and safe in a Content-Disposition header and on every file system."""
    base = slugify(venue_name)[:60].strip("-") or "lieu"
    return f"{base}-repartition-{day.isoformat()}.csv"


def write_csv(venue: engine.Venue, day: date, writer) -> None:
    """The whole file: header block, cost items, categories, sections apart by an empty row.
    A venue whose stored shares break a rule is exported as its pages show it (those columns
    counted as 0 %, costing.models.venue_allocation)."""
    allocation = engine.allocate_despite_violations(venue)
    unit = SYMBOLS.get(allocation.currency, allocation.currency)
    header_rows(allocation, day, unit, writer)
    writer.writerow([])
    item_rows(venue.items, unit, writer)
    writer.writerow([])
    allocation_rows(allocation, unit, writer)


def header_rows(allocation: engine.Allocation, day: date, unit: str, writer) -> None:
    writer.writerow([_("Lieu"), text_cell(allocation.venue_name)])
    writer.writerow([_("Date"), day.isoformat()])
    writer.writerow([_("Devise"), allocation.currency])
    total = _("Coût mensuel total (%(unit)s)") % {"unit": unit}
    writer.writerow([total, number_cell(allocation.total)])


def item_rows(items: tuple[engine.Item, ...], unit: str, writer) -> None:
    """Every item, counted or not, grouped by pool and tier as on the venue's page."""
    writer.writerow([_("Postes de coût")])
    writer.writerow(
        [
            _("Libellé"),
            _("Poste"),
            _("Niveau"),
            _("Montant (%(unit)s)") % {"unit": unit},
            _("Fréquence"),
            _("Amorti sur (mois)"),
            _("Montant mensuel (%(unit)s)") % {"unit": unit},
            _("Compté"),
            _("Notes"),
        ]
    )
    for line in (line for group in engine.item_groups(items) for line in group.lines):
        item = line.item
        writer.writerow(
            [
                text_cell(item.label),
                Pool(item.pool).label,
                Tier(item.tier).label,
                number_cell(item.amount),
                Frequency(item.frequency).label,
                "" if item.amortization_months is None else str(item.amortization_months),
                number_cell(line.monthly),
                _("oui") if item.included else _("non"),
                text_cell(item.notes),
            ]
        )


def allocation_rows(allocation: engine.Allocation, unit: str, writer) -> None:
    writer.writerow([_("Répartition par catégorie de membres")])
    per_month = {"unit": unit}
    writer.writerow(
        [
            _("Catégorie"),
            _("Part de la surface (%)"),
            _("Surface (m²)"),
            _("Infrastructure (%(unit)s par mois)") % per_month,
            _("Services (%(unit)s par mois)") % per_month,
            _("Total par mois (%(unit)s)") % per_month,
            _("Par m² (%(unit)s)") % per_month,
            _("Par poste de travail (%(unit)s)") % per_month,
            _("Par membre (%(unit)s)") % per_month,
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
