"""Closed periods: a venue's month, frozen as the engine computed it (docs/periods.md).

Closing a month stores the venue document and the allocation document exactly as the venue's
export and its `allocation.json` serve them at that moment, who closed it and when, and the
SHA-256 of the period's canonical JSON (periods/frozen.py). Nothing ever changes them: `save`
refuses to write a closed row again and database triggers (migration 0002) refuse any UPDATE
of the frozen columns, whoever writes. Reopening (the owner) marks the version reopened; it
stays readable, and closing the month again stores version n + 1.
"""

import json
import re
from datetime import UTC, date
from functools import cached_property
from types import SimpleNamespace

from django.conf import settings
from django.db import models
from django.db.models import Max, Q, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from costing import engine
from costing.documents import (
    dumps,
    load_venue_document,
    venue_allocation_document,
    venue_document,
)
from costing.models import engine_venue
from venues import journal
from venues.models import AllocationKey, Change, Venue

from . import frozen

MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
FIRST_YEAR = 2000


class PeriodError(ValueError):
    """Why a month cannot be closed, in the user's words (shown beside the month's field)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


MONTH_FORMAT = gettext_lazy(
    "Indiquez un mois sous la forme AAAA-MM (par exemple 2026-11), à partir de l'an 2000."
)


def parse_month(text: str) -> date:
    """The first day of the month `text` names ("2026-11"); PeriodError otherwise."""
    match = MONTH.fullmatch(text.strip()) if isinstance(text, str) else None
    if match and int(match[1]) >= FIRST_YEAR and 1 <= int(match[2]) <= 12:
        return date(int(match[1]), int(match[2]), 1)
    raise PeriodError(str(MONTH_FORMAT))


def month_key(month: date) -> str:
    return f"{month:%Y-%m}"


_JOURNAL_LABEL = re.compile(r"(\d{4})-(\d{2}) \(v(\d+)\)")


def month_label(month: date) -> str:
    """ "novembre 2026", "November 2026"."""
    return date_format(month, "YEAR_MONTH_FORMAT")


class PeriodQuerySet(models.QuerySet):
    def current(self) -> "PeriodQuerySet":
        """The versions in force: closed and not reopened (at most one per month)."""
        return self.filter(reopened_at__isnull=True)

    def newest_first(self) -> "PeriodQuerySet":
        return self.order_by("-month", "-version")

    def readable(self, month: date, version: int | None = None) -> "Period":
        """The month's `version`, or else its version in force, or else its latest version.
        Raises Period.DoesNotExist."""
        periods = self.filter(month=month)
        if version is not None:
            return periods.get(version=version)
        found = periods.order_by(models.F("reopened_at").desc(nulls_first=True), "-version")
        period = found.first()
        if period is None:
            raise Period.DoesNotExist
        return period


class Period(models.Model):
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="periods")
    month = models.DateField(gettext_lazy("mois"))  # its first day
    version = models.PositiveIntegerField(gettext_lazy("version"), default=1)
    # The documents as served then (costing.documents.dumps), byte for byte.
    venue_document = models.TextField(gettext_lazy("document du lieu"))
    allocation_document = models.TextField(gettext_lazy("document de répartition"))
    sha256 = models.CharField(gettext_lazy("empreinte SHA-256"), max_length=64)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("clôturé par"),
    )
    # Who closed it, as they were called then: kept when the account is gone. Empty: a command.
    closed_by_name = models.CharField(gettext_lazy("clôturé par (nom)"), max_length=150)
    closed_at = models.DateTimeField(gettext_lazy("clôturé le"))
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("rouvert par"),
    )
    reopened_at = models.DateTimeField(gettext_lazy("rouvert le"), null=True, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("période clôturée")
        verbose_name_plural = gettext_lazy("périodes clôturées")
        ordering = ["-month", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "month", "version"],
                name="period_version_unique",
                violation_error_message=gettext_lazy("Cette version du mois existe déjà."),
            ),
            models.UniqueConstraint(
                fields=["venue", "month"],
                condition=Q(reopened_at__isnull=True),
                name="period_one_version_in_force",
                violation_error_message=gettext_lazy(
                    "Ce mois est déjà clôturé : seul le propriétaire du lieu peut le rouvrir."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} (v{self.version})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("a closed period never changes (docs/periods.md)")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        url = reverse("period_detail", args=[self.venue_id, self.key])
        return url if self.in_force else f"{url}?version={self.version}"

    @property
    def journal_label(self) -> str:
        """Its name in the journal, in no language ("2026-11 (v1)"): `journal_name` shows it
        in the reader's (venues/journal.py `name`)."""
        return f"{self.key} (v{self.version})"

    @classmethod
    def journal_name(cls, label: str) -> str:
        """A closed month's name in the journal, in the reader's language ("novembre 2026
        (v1)"); an entry recorded before `journal_label` existed is shown as recorded."""
        found = _JOURNAL_LABEL.fullmatch(label)
        if found is None:
            return label
        year, month, version = (int(part) for part in found.groups())
        return f"{month_label(date(year, month, 1))} (v{version})"

    @property
    def key(self) -> str:
        return month_key(self.month)

    @property
    def label(self) -> str:
        return month_label(self.month)

    @property
    def in_force(self) -> bool:
        return self.reopened_at is None

    @property
    def choice_key(self) -> str:
        """How a comparison names this version of its month: "YYYY-MM.vN"."""
        return f"{self.key}.v{self.version}"

    @cached_property
    def allocation(self) -> engine.Allocation:
        """The frozen allocation, read from its document (never recomputed). Its categories'
        counts come from the venue document when it was loaded: pages that list many periods
        defer it (`.defer("venue_document")`) and show no counts."""
        loaded = "venue_document" in self.__dict__
        return frozen.allocation(self.allocation_document, self.venue_document if loaded else None)

    def frozen_data(self) -> engine.Venue:
        """The venue's input as frozen (its items as they were), parsed from its document."""
        return load_venue_document(self.venue_document)

    @cached_property
    def cost_items(self) -> list[dict]:
        return json.loads(self.venue_document)["cost_items"]

    def frozen_venue(self) -> SimpleNamespace:
        """The venue as the frozen documents name it, for templates written for a venue (the
        share page): its name, surface and keys then, never today's."""
        allocation = self.allocation
        keys = {pool: AllocationKey(key).label for pool, key in allocation.keys.items()}
        return SimpleNamespace(
            pk=self.venue_id,
            name=allocation.venue_name,
            total_surface_m2=allocation.total_surface_m2,
            currency=allocation.currency,
            get_infrastructure_key_display=keys["infrastructure"],
            get_services_key_display=keys["services"],
        )

    def fingerprint(self) -> str:
        return frozen.fingerprint(
            month=self.key,
            version=self.version,
            closed_at=self.closed_at.astimezone(UTC).isoformat(timespec="microseconds"),
            venue=self.venue_document,
            allocation=self.allocation_document,
        )

    def verify(self) -> bool:
        """Whether the stored documents are still the ones closed (their hash matches)."""
        return self.fingerprint() == self.sha256

    def reopen(self, user) -> None:
        """Mark this version reopened by `user` (call under the venue's lock). It stays
        readable; closing the month again makes version n + 1."""
        now = timezone.now()
        updated = Period.objects.filter(pk=self.pk, reopened_at__isnull=True).update(
            reopened_at=now, reopened_by=user
        )
        if not updated:
            raise PeriodError(_("Cette version n'est plus en vigueur : elle a déjà été rouverte."))
        self.reopened_at, self.reopened_by = now, user
        with journal.acting(user):
            journal.record(
                self.venue,
                self,
                Change.Action.REOPENED,
                after={"version": str(self.version)},
                label=self.journal_label,
            )


CLOSING_VIOLATIONS = {
    "surface_shares_over_100": gettext_lazy(
        "Les parts de surface des catégories dépassent 100 % : corrigez-les avant de clôturer."
    ),
    "infrastructure_shares_over_100": gettext_lazy(
        "Les parts de l'infrastructure des catégories dépassent 100 % : corrigez-les avant de "
        "clôturer."
    ),
    "services_shares_over_100": gettext_lazy(
        "Les parts des services des catégories dépassent 100 % : corrigez-les avant de clôturer."
    ),
}


def close_period(venue: Venue, month: str | date, user=None) -> Period:
    """Close `month` of `venue` for `user` (None: a command): freeze its documents as they
    are now. Call it under the venue's lock (venues.access.venue_view, or the command's own),
    so that two closings of one month never both pass the checks. PeriodError says why not:
    an invalid month, one not yet begun, one already closed, rules the venue breaks, or a
    scenario (its months are its venue's: docs/architecture.md)."""
    if venue.scenario_of_id is not None:
        raise PeriodError(
            _(
                "Un scénario n'a pas de mois clôturés : faites-en l'état actuel du lieu, puis "
                "clôturez le mois du lieu."
            )
        )
    if not isinstance(month, date):
        month = parse_month(month)
    if month > timezone.localdate().replace(day=1):
        raise PeriodError(
            _("%(month)s n'a pas commencé : on ne clôture qu'un mois en cours ou passé.")
            % {"month": month_label(month).capitalize()}
        )
    versions = venue.periods.filter(month=month).aggregate(
        last=Max("version"), in_force=Max("version", filter=Q(reopened_at__isnull=True))
    )
    if versions["in_force"] is not None:
        raise PeriodError(
            _(
                "%(month)s est déjà clôturé (version %(version)s). Pour le clôturer à nouveau, "
                "rouvrez-le d'abord depuis l'historique du lieu (le propriétaire du lieu seul "
                "le peut)."
            )
            % {"month": month_label(month).capitalize(), "version": versions["in_force"]}
        )
    # With its prices, pricing and other revenue: the documents as the venue's export and its
    # allocation.json give them (docs/periods.md).
    prefetch_related_objects([venue], "cost_items", "categories", "other_revenues")
    inputs = engine_venue(venue, with_prices=True)
    broken = engine.violations(inputs)
    if broken:
        raise PeriodError(" ".join(str(CLOSING_VIOLATIONS[v.code]) for v in broken))
    period = Period(
        venue=venue,
        month=month,
        version=(versions["last"] or 0) + 1,
        venue_document=dumps(venue_document(inputs)),
        allocation_document=dumps(venue_allocation_document(inputs)),
        closed_by=user if user is not None and user.is_authenticated else None,
        closed_at=timezone.now(),
    )
    period.closed_by_name = period.closed_by.get_username() if period.closed_by else ""
    period.sha256 = period.fingerprint()
    period.save()
    with journal.acting(user):
        journal.record(
            venue,
            period,
            Change.Action.CLOSED,
            after={"version": str(period.version), "sha256": period.sha256},
            label=period.journal_label,
        )
    return period
