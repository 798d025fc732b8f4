import re
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from costing import engine
from costing.models import REFUSALS as COSTING_REFUSALS
from costing.models import AllocationKey, CostItem, MemberCategory

HUNDRED = Decimal(100)


class Role(models.TextChoices):
    VIEWER = "viewer", _("Lecture seule")
    EDITOR = "editor", _("Éditeur")
    OWNER = "owner", _("Propriétaire")

    @property
    def rank(self) -> int:
        return [Role.VIEWER, Role.EDITOR, Role.OWNER].index(self)

    def allows(self, needed: "Role") -> bool:
        return self.rank >= Role(needed).rank


class VenueQuerySet(models.QuerySet):
    def for_user(self, user) -> "VenueQuerySet":
        """The venues `user` is a member of, each annotated with the user's `role`."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user).annotate(role=F("memberships__role"))

    def shared_by(self, token: str) -> "Venue":
        """The venue an active share link with `token` opens: one query, on the token's unique
        index, for unknown, revoked and valid tokens alike. Raises Venue.DoesNotExist."""
        return self.get(share_links__token=token, share_links__revoked_at__isnull=True)

    def with_costing(self) -> "VenueQuerySet":
        """Everything `Venue.allocation` reads, in two more queries whatever the sizes."""
        return self.prefetch_related("cost_items", "categories")

    @transaction.atomic
    def create_from_engine(self, data: engine.Venue, owner) -> "Venue":
        """Store a venue described by engine inputs (a parsed venue document), owned by `owner`."""
        venue = self.create(
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
        return venue


class Venue(models.Model):
    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True, editable=False)
    total_surface_m2 = models.DecimalField(
        _("surface totale (m²)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    currency = models.CharField(_("devise"), max_length=3, default="EUR")
    infrastructure_key = models.CharField(
        _("répartition de l'infrastructure"),
        max_length=10,
        choices=AllocationKey.choices,
        default=AllocationKey.MANUAL,
    )
    services_key = models.CharField(
        _("répartition des services"),
        max_length=10,
        choices=AllocationKey.choices,
        default=AllocationKey.MANUAL,
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    # When the venue, one of its items or one of its categories last changed, and how many
    # changes it has had: the database keeps both (triggers of migration 0003 run on every
    # write to its items and categories, the admin's and bulk updates included), so that the
    # pages cached under their key (venues/pagecache.py) can never be stale.
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    revision = models.PositiveBigIntegerField(default=0, editable=False)

    objects = VenueQuerySet.as_manager()

    class Meta:
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_surface_m2__gt=0), name="venue_surface_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            # A readable identifier for the command line, unique without a lookup loop.
            base = slugify(self.name)[:60] or "lieu"
            self.slug = f"{base}-{get_random_string(6, 'abcdefghijkmnpqrstuvwxyz23456789')}"
        if self.pk and not self._state.adding and kwargs.get("update_fields") is None:
            # Only the database counts revisions: never write back the one loaded earlier.
            kwargs["update_fields"] = [
                f.attname for f in self._meta.concrete_fields if f.name not in ("id", "revision")
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("venue_detail", args=[self.pk])

    def engine_input(self) -> engine.Venue:
        """The venue as the costing engine sees it (reads prefetched items and categories)."""
        return engine.Venue(
            name=self.name,
            total_surface_m2=self.total_surface_m2,
            currency=self.currency,
            infrastructure_key=self.infrastructure_key,
            services_key=self.services_key,
            items=tuple(item.to_engine() for item in self.cost_items.all()),
            categories=tuple(category.to_engine() for category in self.categories.all()),
        )

    # Actions of the workspace's presets and allocation keys, under the venue's lock (a view
    # decorated with venues.access.venue_view).

    def set_keys(self, infrastructure: str, services: str) -> None:
        self.infrastructure_key, self.services_key = infrastructure, services
        self.save(update_fields=["infrastructure_key", "services_key", "updated_at"])

    def give_pools(self, infrastructure: MemberCategory, services: MemberCategory) -> None:
        """The worked example's rule, "Bonjour / Bienvenue": `infrastructure` carries all of
        the infrastructure, `services` all of the services, the other categories none of
        either, and both pools are split by these shares. One UPDATE of every category,
        whatever their number, which counts as a change of each (their version)."""
        self.categories.update(
            infrastructure_pct=Case(
                When(pk=infrastructure.pk, then=Value(HUNDRED)), default=Value(Decimal(0))
            ),
            services_pct=Case(When(pk=services.pk, then=Value(HUNDRED)), default=Value(Decimal(0))),
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        self.set_keys(AllocationKey.MANUAL, AllocationKey.MANUAL)

    @cached_property
    def allocation(self) -> engine.Allocation:
        """The venue's allocation; when its stored data break a rule (an old database, an edit
        in the admin), the broken columns count as 0 % and the allocation lists what to fix,
        so that every page of the venue still shows, and lets its editors repair it."""
        return engine.allocate_despite_violations(self.engine_input())

    @property
    def role_label(self) -> str:
        """The current user's role, on venues fetched through `Venue.objects.for_user`."""
        return Role(self.role).label


REFUSALS = {
    **COSTING_REFUSALS,
    "venue_surface_positive": _("La surface totale du lieu doit être supérieure à 0 m²."),
    "one_membership_per_user": _("Cette personne a déjà accès à ce lieu."),
}


def refusal_message(error: IntegrityError) -> str:
    """What to tell the user whose write the database refused with `error`: the rule of the
    constraint that failed, or that some rule refused it when the database does not say which
    (never another rule's message)."""
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    if constraint is None:  # SQLite names it in its message: "CHECK constraint failed: NAME"
        text = str(error)
        constraint = next((name for name in REFUSALS if re.search(rf"\b{name}\b", text)), None)
    if constraint in REFUSALS:
        return gettext("%(rule)s Rien n'a été enregistré.") % {"rule": REFUSALS[constraint]}
    return gettext(
        "Rien n'a été enregistré : la base de données a refusé cette modification, contraire à "
        "l'une de ses règles. Rechargez la page et réessayez."
    )


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("accès")
        verbose_name_plural = _("accès")
        constraints = [
            models.UniqueConstraint(fields=["user", "venue"], name="one_membership_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.venue} ({self.role})"


def new_share_token() -> str:
    """192 random bits, URL-safe (32 characters)."""
    return secrets.token_urlsafe(24)


class ShareLinkQuerySet(models.QuerySet):
    def active(self) -> "ShareLinkQuerySet":
        return self.filter(revoked_at__isnull=True)


class ShareLink(models.Model):
    """A read-only link to a venue's current allocation, for its members, without login.

    The token is stored as it is, not hashed, so that the owner can copy a link again at any
    time from the venue's share page. It is looked up by a single SQL equality on its unique
    index (`Venue.objects.shared_by(token)`): unknown and revoked tokens take the
    same path, and no Python comparison can exit early on a matching prefix.
    """

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=64, unique=True, default=new_share_token, editable=False)
    label = models.CharField(_("nom du lien"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créé par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("lien de partage")
        verbose_name_plural = _("liens de partage")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.venue} · {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("share_page", args=[self.token])

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


class AddressCounter(models.Model):
    """The requests of one kind (`scope`: failed share-link lookups, sign-ups, password reset
    requests) that one address made in its current window (venues/throttle.py). Kept in the
    database so that every server process counts them together."""

    scope = models.CharField(_("type de demande"), max_length=30)
    # A normalised IP address (venues/lockout.py client_address) or "unknown".
    address = models.CharField(_("adresse"), max_length=45)
    count = models.PositiveIntegerField(_("demandes"), default=0)
    window_end = models.DateTimeField(_("fin de la fenêtre"), db_index=True)

    class Meta:
        verbose_name = _("compteur par adresse")
        verbose_name_plural = _("compteurs par adresse")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "address"], name="one_counter_per_scope_and_address"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} · {self.address} · {self.count}"
