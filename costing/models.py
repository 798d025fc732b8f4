"""What a venue costs and who carries it: its cost items and member categories, and the venue
as the costing engine sees it (docs/method.md, docs/architecture.md)."""

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from venues import journal
from venues.models import Change, Membership, Role, Venue

from . import engine

PCT_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class Pool(models.TextChoices):
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    SERVICES = "services", _("Services")


class Tier(models.TextChoices):
    BASIC = "basic", _("De base")
    IMPROVED = "improved", _("Amélioré")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("par mois")
    QUARTERLY = "quarterly", _("par trimestre")
    YEARLY = "yearly", _("par an")
    ONE_OFF = "one_off", _("achat unique (amorti)")


class Row(models.Model):
    """A venue's ordered, versioned row (cost item or member category).

    `version` guards against lost updates: a save names the version the user saw and is
    refused when someone else saved in between. `updated_at` gives the venue's last change
    without another write per edit.
    """

    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def validate_constraints(self, exclude=None) -> None:
        """Skip Django's one SELECT per constraint on full_clean().

        The forms check the same rules in Python (against siblings already loaded) and the
        database still enforces every constraint; an edit stays at a fixed number of queries.
        """

    def save_if_unchanged(self, seen_version: int, fields: list[str]) -> bool:
        """Write `fields` in one UPDATE if the stored row still has `seen_version`."""
        now = timezone.now()
        updated = (
            type(self)
            .objects.filter(pk=self.pk, version=seen_version)
            .update(
                version=F("version") + 1,
                updated_at=now,
                **{field: getattr(self, field) for field in fields},
            )
        )
        if updated:
            self.version, self.updated_at = seen_version + 1, now
        return bool(updated)

    @classmethod
    def save_versions(cls, rows: list["Row"], fields: list[str]) -> None:
        """Write `fields` of `rows` in one UPDATE, each row's version one up: for rows whose
        version the caller checked under the venue's lock (costing.forms.CategoryTableForm),
        so that the number of queries does not grow with the number of rows."""
        if not rows:
            return
        now = timezone.now()
        for row in rows:
            row.version, row.updated_at = row.version + 1, now
        cls.objects.bulk_update(rows, [*fields, "version", "updated_at"])

    # Positions: `rows` are the venue's rows of this kind, loaded by a view that holds the
    # venue's lock (venues.access), so that two rows added or moved at once never take the
    # same place.

    def place_last(self, rows: Iterable["Row"]) -> None:
        """Put the row after every other one of `rows`."""
        self.position = max((row.position for row in rows if row.pk != self.pk), default=-1) + 1

    def move(self, rows: Iterable["Row"], direction: str | None) -> bool:
        """Swap the row with its neighbour, "up" or "down", among those of `rows` it is
        ordered with; False when it has none that way. Positions equal from before are
        renumbered, so that rows can't stick together."""
        rows = self.ordered_with(rows)
        index = rows.index(self)
        other = index - 1 if direction == "up" else index + 1
        if direction not in ("up", "down") or not 0 <= other < len(rows):
            return False
        positions = sorted(row.position for row in rows)
        if len(set(positions)) < len(positions):
            positions = list(range(positions[0], positions[0] + len(rows)))
        rows[index], rows[other] = rows[other], rows[index]
        for position, row in zip(positions, rows, strict=True):
            row.position = position
        type(self).objects.bulk_update(rows, ["position"])
        return True

    def ordered_with(self, rows: Iterable["Row"]) -> list["Row"]:
        """The rows, this one included, among which this row has its place on the page."""
        return list(rows)


class CostItem(Row):
    venue = models.ForeignKey("venues.Venue", on_delete=models.CASCADE, related_name="cost_items")
    label = models.CharField(_("libellé"), max_length=200)
    pool = models.CharField(_("poste"), max_length=20, choices=Pool.choices)
    tier = models.CharField(_("niveau"), max_length=10, choices=Tier.choices, default=Tier.BASIC)
    amount = models.DecimalField(
        _("montant"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    frequency = models.CharField(
        _("fréquence"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    amortization_months = models.PositiveSmallIntegerField(
        _("amorti sur (mois)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    included = models.BooleanField(_("compté"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta(Row.Meta):
        verbose_name = _("poste de coût")
        verbose_name_plural = _("postes de coût")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="cost_item_amount_not_negative",
                violation_error_message=_("Le montant d'un poste ne peut pas être négatif."),
            ),
            models.CheckConstraint(
                # NULL months compare as unknown, which a CHECK lets through: say it.
                condition=~Q(frequency="one_off")
                | Q(
                    amortization_months__isnull=False,
                    amortization_months__gte=1,
                    amortization_months__lte=600,
                ),
                name="cost_item_one_off_is_amortized",
                violation_error_message=_(
                    "Un achat unique s'amortit : indiquez sur combien de mois (1 à 600)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def ordered_with(self, rows: Iterable[Row]) -> list[Row]:
        return [row for row in rows if (row.pool, row.tier) == (self.pool, self.tier)]

    def clean(self) -> None:
        if self.frequency == Frequency.ONE_OFF and not self.amortization_months:
            raise ValidationError(
                {"amortization_months": _("Indiquez sur combien de mois amortir cet achat.")}
            )
        if self.frequency != Frequency.ONE_OFF:
            self.amortization_months = None

    def to_engine(self) -> engine.Item:
        return engine.Item(
            label=self.label,
            pool=self.pool,
            tier=self.tier,
            amount=self.amount,
            frequency=self.frequency,
            amortization_months=self.amortization_months,
            included=self.included,
            notes=self.notes,
        )

    @property
    def monthly_amount(self) -> Decimal:
        return engine.monthly_amount(self.to_engine())


class MemberCategoryQuerySet(models.QuerySet):
    def give_pools(self, infrastructure: "MemberCategory", services: "MemberCategory") -> None:
        """The worked example's rule, "Bonjour / Bienvenue": `infrastructure` carries all of
        the infrastructure, `services` all of the services, the other categories of the
        queryset none of either. One UPDATE whatever their number, which counts as a change of
        each (their version)."""
        hundred, zero = Value(Decimal(100)), Value(Decimal(0))
        self.update(
            infrastructure_pct=Case(When(pk=infrastructure.pk, then=hundred), default=zero),
            services_pct=Case(When(pk=services.pk, then=hundred), default=zero),
            version=F("version") + 1,
            updated_at=timezone.now(),
        )


class MemberCategory(Row):
    venue = models.ForeignKey("venues.Venue", on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("nom"), max_length=100)
    surface_share_pct = models.DecimalField(
        _("part de la surface (%)"), max_digits=5, decimal_places=2, validators=PCT_VALIDATORS
    )
    workstations = models.PositiveIntegerField(_("postes de travail"), default=0)
    members = models.PositiveIntegerField(_("membres"), default=0)
    infrastructure_pct = models.DecimalField(
        _("part de l'infrastructure (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=PCT_VALIDATORS,
    )
    services_pct = models.DecimalField(
        _("part des services (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=PCT_VALIDATORS,
    )

    objects = MemberCategoryQuerySet.as_manager()

    class Meta(Row.Meta):
        verbose_name = _("catégorie de membres")
        verbose_name_plural = _("catégories de membres")
        constraints = [
            models.UniqueConstraint(
                "venue",
                Lower("name"),
                name="category_name_unique_per_venue",
                violation_error_message=_("Une catégorie porte déjà ce nom dans ce lieu."),
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__gte": 0, f"{field}__lte": 100}),
                    name=f"category_{field}_is_a_percentage",
                    violation_error_message=message,
                )
                for field, message in (
                    (
                        "surface_share_pct",
                        _("La part de la surface d'une catégorie va de 0 à 100 %%."),
                    ),
                    (
                        "infrastructure_pct",
                        _("La part de l'infrastructure d'une catégorie va de 0 à 100 %%."),
                    ),
                    ("services_pct", _("La part des services d'une catégorie va de 0 à 100 %%.")),
                )
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def to_engine(self) -> engine.Category:
        return engine.Category(
            name=self.name,
            surface_share_pct=self.surface_share_pct,
            workstations=self.workstations,
            members=self.members,
            infrastructure_pct=self.infrastructure_pct,
            services_pct=self.services_pct,
        )


# A venue as the costing engine sees it -------------------------------------------------------


def engine_venue(venue: Venue) -> engine.Venue:
    """The engine's input for `venue`: prefetch its `cost_items` and `categories` (or each
    costs a query)."""
    return engine.Venue(
        name=venue.name,
        total_surface_m2=venue.total_surface_m2,
        currency=venue.currency,
        infrastructure_key=venue.infrastructure_key,
        services_key=venue.services_key,
        items=tuple(item.to_engine() for item in venue.cost_items.all()),
        categories=tuple(category.to_engine() for category in venue.categories.all()),
    )


def venue_allocation(venue: Venue) -> engine.Allocation:
    """The venue's allocation; when its stored data break a rule (an old database, an edit in
    the admin), the broken columns count as 0 % and the allocation lists what to fix, so that
    every page of the venue still shows and lets its editors repair it."""
    return engine.allocate_despite_violations(engine_venue(venue))


@transaction.atomic
def create_venue(
    data: engine.Venue, owner, *, actor=None, action: str = Change.Action.CREATED
) -> Venue:
    """Store a venue described by engine inputs (a parsed venue document), owned by `owner`;
    its journal begins with its creation (or import) by `actor` (None: a command)."""
    venue = Venue.objects.create(
        name=data.name,
        total_surface_m2=data.total_surface_m2,
        currency=data.currency,
        infrastructure_key=data.infrastructure_key,
        services_key=data.services_key,
    )
    Membership.objects.create(user=owner, venue=venue, role=Role.OWNER)
    CostItem.objects.bulk_create(
        CostItem(
            venue=venue,
            position=position,
            label=item.label,
            pool=item.pool,
            tier=item.tier,
            amount=item.amount,
            frequency=item.frequency,
            amortization_months=item.amortization_months,
            included=item.included,
            notes=item.notes,
        )
        for position, item in enumerate(data.items)
    )
    MemberCategory.objects.bulk_create(
        MemberCategory(
            venue=venue,
            position=position,
            name=category.name,
            surface_share_pct=category.surface_share_pct,
            workstations=category.workstations,
            members=category.members,
            infrastructure_pct=category.infrastructure_pct,
            services_pct=category.services_pct,
        )
        for position, category in enumerate(data.categories)
    )
    with journal.acting(actor):
        journal.record(venue, venue, action)
    return venue
