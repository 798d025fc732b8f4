"""What a venue costs and who carries it: its cost items and member categories, and the venue
as the costing engine sees it (docs/method.md, docs/architecture.md)."""

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Cast, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tierslieux.compiled import CompiledQuery, update_and_insert
from venues import journal
from venues.access import WithLock
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


class RevenueFrequency(models.TextChoices):
    """A revenue line's frequencies: a cost's, but what is received once is no purchase."""

    MONTHLY = "monthly", _("par mois")
    QUARTERLY = "quarterly", _("par trimestre")
    YEARLY = "yearly", _("par an")
    ONE_OFF = "one_off", _("recette unique (étalée)")


class PriceFrequency(models.TextChoices):
    """A price recurs: the frequencies of costs but the one-off (docs/method.md, R7)."""

    MONTHLY = "monthly", _("par mois")
    QUARTERLY = "quarterly", _("par trimestre")
    YEARLY = "yearly", _("par an")


class PriceBasis(models.TextChoices):
    MEMBER = "member", _("par membre")
    WORKSTATION = "workstation", _("par poste de travail")


# One expression for every write: the key of its compiled UPDATE (tierslieux/compiled.py) is
# hashed from it, and an expression computes its hash once.
_NEXT_VERSION = F("version") + 1


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

    def save_if_unchanged(
        self, seen_version: int, fields: list[str], entry: Change | None = None
    ) -> bool:
        """Write `fields` in one UPDATE if the stored row still has `seen_version`, and then
        the journal's `entry` of the change (venues/journal.py `entry`), in the same round trip
        on PostgreSQL (tierslieux/compiled.py `update_and_insert`): both or neither."""
        now = timezone.now()
        values = {
            "version": _NEXT_VERSION,
            "updated_at": now,
            **{field: getattr(self, field) for field in fields},
        }
        unchanged = {"pk": self.pk, "version": seen_version}
        updated = update_and_insert(type(self), unchanged, values, entry)
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


class Amount(Row):
    """An amount counted monthly by its frequency (a one-off spread over its months): what a
    cost item and a revenue line share (docs/method.md, R1 and R9)."""

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

    class Meta(Row.Meta):
        abstract = True


class CostItem(Amount):
    venue = models.ForeignKey("venues.Venue", on_delete=models.CASCADE, related_name="cost_items")
    label = models.CharField(_("libellé"), max_length=200)
    pool = models.CharField(_("poste"), max_length=20, choices=Pool.choices)
    tier = models.CharField(_("niveau"), max_length=10, choices=Tier.choices, default=Tier.BASIC)
    included = models.BooleanField(_("compté"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta(Amount.Meta):
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
    # What its members pay (docs/method.md, R7): no amount, no price (it prices as 0).
    price_amount = models.DecimalField(
        _("prix"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    price_frequency = models.CharField(
        _("fréquence du prix"),
        max_length=10,
        choices=PriceFrequency.choices,
        default=PriceFrequency.MONTHLY,
    )
    price_basis = models.CharField(
        _("prix payé"), max_length=12, choices=PriceBasis.choices, default=PriceBasis.MEMBER
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
            models.CheckConstraint(
                condition=Q(price_amount__isnull=True) | Q(price_amount__gte=0),
                name="category_price_not_negative",
                violation_error_message=_("Le prix d'une catégorie ne peut pas être négatif."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    PRICE_FIELDS = ["price_amount", "price_frequency", "price_basis"]

    def to_engine(self, *, with_price: bool = False) -> engine.Category:
        price = None
        if with_price and self.price_amount is not None:
            price = engine.Price(self.price_amount, self.price_frequency, self.price_basis)
        return engine.Category(
            name=self.name,
            surface_share_pct=self.surface_share_pct,
            workstations=self.workstations,
            members=self.members,
            infrastructure_pct=self.infrastructure_pct,
            services_pct=self.services_pct,
            price=price,
        )


class OtherRevenue(Amount):
    """A venue's revenue besides its members' prices: a grant, events, room hire, the bar
    (docs/method.md, R9). Counted monthly as a cost item is."""

    venue = models.ForeignKey(
        "venues.Venue", on_delete=models.CASCADE, related_name="other_revenues"
    )
    label = models.CharField(_("libellé"), max_length=200)
    frequency = models.CharField(
        _("fréquence"),
        max_length=10,
        choices=RevenueFrequency.choices,
        default=RevenueFrequency.MONTHLY,
    )
    amortization_months = models.PositiveSmallIntegerField(
        _("étalée sur (mois)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )

    class Meta(Amount.Meta):
        verbose_name = _("autre revenu")
        verbose_name_plural = _("autres revenus")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="other_revenue_amount_not_negative",
                violation_error_message=_("Le montant d'un revenu ne peut pas être négatif."),
            ),
            models.CheckConstraint(
                condition=~Q(frequency="one_off")
                | Q(
                    amortization_months__isnull=False,
                    amortization_months__gte=1,
                    amortization_months__lte=600,
                ),
                name="other_revenue_one_off_is_amortized",
                violation_error_message=_(
                    "Une recette unique s'étale : indiquez sur combien de mois (1 à 600)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def to_engine(self) -> engine.Revenue:
        return engine.Revenue(
            label=self.label,
            amount=self.amount,
            frequency=self.frequency,
            amortization_months=self.amortization_months,
        )

    @property
    def monthly_amount(self) -> Decimal:
        return engine.monthly_revenue(self.to_engine())


# A venue as the costing engine sees it -------------------------------------------------------


_KINDS = {"item": CostItem, "category": MemberCategory}
# The columns of load_rows' query: every field of either kind, by name.
_FIELDS = {f.attname: f for model in _KINDS.values() for f in model._meta.concrete_fields}


def _rows(*, venue_id: int):
    """Both kinds of rows in the same columns, each filling in the other kind's with a typed
    NULL (load_rows)."""

    def side(kind: str):
        own = {f.attname for f in _KINDS[kind]._meta.concrete_fields}
        values = {
            f"c{index}": F(name) if name in own else Cast(Value(None), output_field=field)
            for index, (name, field) in enumerate(_FIELDS.items())
        }
        return (
            _KINDS[kind]
            .objects.filter(venue_id=venue_id)
            .order_by()
            .annotate(row_kind=Value(kind), **values)
            .values_list("row_kind", *values)
        )

    return side("item").union(side("category"), all=True).order_by()


# Built and compiled once per process (tierslieux/compiled.py): every view of a venue runs it.
_ROWS = CompiledQuery(_rows, "venue_id")


def load_rows(venue: Venue) -> None:
    """The venue's cost items and categories in one query, as `venue.cost_items.all()` and
    `venue.categories.all()` then give them (what prefetch_related_objects does in two).

    One SELECT … UNION ALL SELECT … (`_rows`); back in Python, each row becomes an instance of
    its model, in the models' order (position, then id).
    """
    keep_rows(venue, _ROWS.values(using=venue._state.db or "default", venue_id=venue.pk))


# For each kind: its fields' names, in its model's order, and the columns of `_rows`' query
# that hold them; the decimal fields among them, by position, with their number of places.
_OWN = {
    kind: (
        [f.attname for f in model._meta.concrete_fields],
        [list(_FIELDS).index(f.attname) for f in model._meta.concrete_fields],
        [
            (position, Decimal(1).scaleb(-f.decimal_places))
            for position, f in enumerate(model._meta.concrete_fields)
            if isinstance(f, models.DecimalField)
        ],
        model._meta.get_field("venue"),
    )
    for kind, model in _KINDS.items()
}


def keep_rows(venue: Venue, found: list[tuple]) -> None:
    """Hand the rows of `_rows`' query to the venue (load_rows)."""
    using = venue._state.db or "default"
    # SQLite gives the second SELECT's decimals without their scale (100 for 100.00): back to
    # the field's decimal places, as a query of its own model returns them. PostgreSQL keeps
    # each value's scale.
    rescale = connections[using].vendor == "sqlite"
    rows: dict[str, list] = {kind: [] for kind in _KINDS}
    for kind, *values in found:
        names, columns, decimals, venue_field = _OWN[kind]
        own = [values[column] for column in columns]
        if rescale:
            for position, places in decimals:
                if own[position] is not None:
                    own[position] = Decimal(own[position]).quantize(places)
        row = _KINDS[kind].from_db(venue._state.db, names, own)
        venue_field.set_cached_value(row, venue)
        rows[kind].append(row)
    cache = venue.__dict__.setdefault("_prefetched_objects_cache", {})
    for kind, manager in (("item", venue.cost_items), ("category", venue.categories)):
        queryset = manager.all()
        queryset._result_cache = sorted(rows[kind], key=lambda row: (row.position, row.pk))
        queryset._prefetch_done = True
        cache[manager.field.remote_field.cache_name] = queryset


# A write view's items and categories, read with the venue's lock in one round trip
# (venues/access.py): `venue_view(…, with_lock=ROWS_WITH_LOCK)`.
ROWS_WITH_LOCK = WithLock(_ROWS, keep_rows)


def engine_venue(venue: Venue, *, with_prices: bool = False) -> engine.Venue:
    """The engine's input for `venue`: prefetch its `cost_items` and `categories` (or each
    costs a query).

    `with_prices`: with its prices, pricing and other revenue too (prefetch its
    `other_revenues` as well), for what shows or writes them (docs/method.md R7–R9); without,
    the costs alone, as every page of the costs needs them. A venue whose pricing was never set
    (no margin, no occupancy) has no `pricing`, and no `revenues` unless it has lines."""
    pricing = revenues = None
    if with_prices:
        if venue.margin_pct is not None or venue.occupancy_pct is not None:
            pricing = engine.Pricing(
                margin_pct=Decimal(0) if venue.margin_pct is None else venue.margin_pct,
                occupancy_pct=engine.HUNDRED
                if venue.occupancy_pct is None
                else venue.occupancy_pct,
            )
        lines = tuple(line.to_engine() for line in venue.other_revenues.all())
        revenues = lines if lines or pricing is not None else None
    return engine.Venue(
        name=venue.name,
        total_surface_m2=venue.total_surface_m2,
        currency=venue.currency,
        infrastructure_key=venue.infrastructure_key,
        services_key=venue.services_key,
        items=tuple(item.to_engine() for item in venue.cost_items.all()),
        categories=tuple(
            category.to_engine(with_price=with_prices) for category in venue.categories.all()
        ),
        pricing=pricing,
        revenues=revenues,
    )


def venue_balance(venue: Venue) -> tuple[engine.Allocation, engine.Balance]:
    """The venue's allocation and its prices, revenue and balance (prefetch its
    `cost_items`, `categories` and `other_revenues`)."""
    data = engine_venue(venue, with_prices=True)
    allocation = engine.allocate_despite_violations(data)
    return allocation, engine.balance(data, allocation)


def venue_allocation(venue: Venue) -> engine.Allocation:
    """The venue's allocation; when its stored data break a rule (an old database, an edit in
    the admin), the broken columns count as 0 % and the allocation lists what to fix, so that
    every page of the venue still shows and lets its editors repair it."""
    return engine.allocate_despite_violations(engine_venue(venue))


@transaction.atomic
def create_venue(
    data: engine.Venue,
    owner,
    *,
    actor=None,
    action: str = Change.Action.CREATED,
    scenario_of: Venue | None = None,
) -> Venue:
    """Store a venue described by engine inputs (a parsed venue document), owned by `owner`;
    its journal begins with its creation (or import) by `actor` (None: a command).

    With `scenario_of`, the venue is a scenario of that venue: it has no membership of its
    own (who may see or edit the venue may see or edit its scenarios, venues/access.py) and a
    journal of its own. `owner` is then ignored."""
    pricing = data.pricing
    if pricing is None and data.revenues is not None:
        # A document priced by its revenue list alone ("revenues": [], docs/formats.md): the
        # venue keeps the engine's default pricing, so that it stays priced once stored.
        pricing = engine.Pricing()
    venue = Venue.objects.create(
        name=data.name,
        total_surface_m2=data.total_surface_m2,
        currency=data.currency,
        infrastructure_key=data.infrastructure_key,
        services_key=data.services_key,
        margin_pct=None if pricing is None else pricing.margin_pct,
        occupancy_pct=None if pricing is None else pricing.occupancy_pct,
        scenario_of=scenario_of,
    )
    if scenario_of is None:
        Membership.objects.create(user=owner, venue=venue, role=Role.OWNER)
    _store_rows(venue, data)
    with journal.acting(actor):
        journal.record(venue, venue, action)
    return venue


def _store_rows(venue: Venue, data: engine.Venue) -> None:
    """Store the items, categories and revenue lines of `data` as `venue`'s, in their order."""
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
            **_price_fields(category.price),
        )
        for position, category in enumerate(data.categories)
    )
    OtherRevenue.objects.bulk_create(
        OtherRevenue(
            venue=venue,
            position=position,
            label=line.label,
            amount=line.amount,
            frequency=line.frequency,
            amortization_months=line.amortization_months,
        )
        for position, line in enumerate(data.revenues or ())
    )


def _price_fields(price: engine.Price | None) -> dict:
    if price is None:
        return {"price_amount": None}
    return {
        "price_amount": price.amount,
        "price_frequency": price.frequency,
        "price_basis": price.per,
    }


# Scenarios: named copies of a venue's inputs (docs/method.md) ----------------------------------

MAX_SCENARIOS = 20
SCENARIO_APPLIED = Change.Action.SCENARIO_APPLIED  # its journal entry names the scenario
_INPUTS = ["total_surface_m2", "infrastructure_key", "services_key", "margin_pct", "occupancy_pct"]


def create_scenario(venue: Venue, name: str, *, actor=None) -> Venue:
    """A scenario of `venue` named `name`: a copy of its inputs (items, categories and their
    prices, revenue lines, keys, margin and occupancy), edited as a venue of its own, which
    never changes `venue`. Prefetch `venue`'s cost_items, categories and other_revenues."""
    data = replace(engine_venue(venue, with_prices=True), name=name)
    return create_venue(data, owner=None, actor=actor, scenario_of=venue)


def apply_scenario(venue: Venue, scenario: Venue) -> None:
    """Make `scenario` the current state of `venue`, which must hold the venue's lock
    (venues/access.py): its items, categories, prices, revenue lines, keys, margin and
    occupancy are replaced by the scenario's (prefetch the scenario's cost_items, categories
    and other_revenues). Its name, members, share links and journal stay; the journal says so.
    """
    if scenario.scenario_of_id != venue.pk:
        raise ValueError("not a scenario of this venue")
    data = engine_venue(scenario, with_prices=True)
    before = journal.snapshot(venue, _INPUTS)
    for field_name in _INPUTS:
        setattr(venue, field_name, getattr(scenario, field_name))
    venue.save(update_fields=[*_INPUTS, "updated_at"])
    for model in (CostItem, MemberCategory, OtherRevenue):
        model.objects.filter(venue=venue).delete()
    _store_rows(venue, data)
    journal.record(
        venue,
        scenario,
        SCENARIO_APPLIED,
        before=before,
        after=journal.snapshot(venue, _INPUTS),
    )
