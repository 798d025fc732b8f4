"""Tenancy: the venues, who may do what in each (memberships and roles), and the links that
show a venue to its members without an account. What a venue costs is costing's
(docs/architecture.md)."""

import datetime
import functools
import hashlib
import re
import secrets
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import IntegrityError, models
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tierslieux.names import name_fingerprint


class Role(models.TextChoices):
    VIEWER = "viewer", _("Lecture seule")
    EDITOR = "editor", _("Éditeur")
    OWNER = "owner", _("Propriétaire")

    @property
    def rank(self) -> int:
        return [Role.VIEWER, Role.EDITOR, Role.OWNER].index(self)

    def allows(self, needed: "Role") -> bool:
        return self.rank >= Role(needed).rank


class AllocationKey(models.TextChoices):
    """How a venue splits each pool among its member categories (docs/method.md)."""

    MANUAL = "manual", _("Parts choisies")
    SURFACE = "surface", _("Prorata des surfaces")


class VenueQuerySet(models.QuerySet):
    def for_user(self, user) -> "VenueQuerySet":
        """The venues `user` is a member of, each annotated with the user's `role`."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user).annotate(role=F("memberships__role"))

    def accessible_to(self, user) -> "VenueQuerySet":
        """The venues `user` is a member of and their scenarios, each annotated with the
        user's `role`: a scenario has no membership of its own, who may see or edit a venue
        may see or edit its scenarios, with the same role (docs/architecture.md)."""
        if not user.is_authenticated:
            return self.none()
        return self.with_role_of(user.pk)

    def with_role_of(self, user_id: int) -> "VenueQuerySet":
        """`accessible_to` by the user's id (what venues/access.py compiles once)."""
        roles = Membership.objects.filter(user_id=user_id)
        own = roles.filter(venue=OuterRef("pk")).values("role")[:1]
        parents = roles.filter(venue=OuterRef("scenario_of")).values("role")[:1]
        return self.annotate(role=Coalesce(Subquery(own), Subquery(parents))).filter(
            role__isnull=False
        )

    def identified_by(self, identifier: str) -> "Venue":
        """The venue a command names: by its numeric id (ASCII digits only: "²" is a digit to
        Python's isdigit but not to int) or else by its slug. Raises Venue.DoesNotExist."""
        if identifier.isascii() and identifier.isdecimal():
            return self.get(pk=int(identifier))
        return self.get(slug=identifier)

    def shared_by(self, token: str) -> "Venue":
        """The venue an active share link with `token` opens: one query, on the token's unique
        index, for unknown, revoked and valid tokens alike. Raises Venue.DoesNotExist.

        The venue carries the link as `venue.share_link`: what a page shows of it is the
        link's owner's choice (`ShareLink.show_items` and the other options), and its pinned
        month as `venue.shared_period` ("" when not pinned)."""
        links = ShareLink.objects.select_related("venue")
        try:
            link = links.get(token=token, revoked_at__isnull=True)
        except ShareLink.DoesNotExist:
            raise self.model.DoesNotExist from None
        link.venue.share_link = link
        link.venue.shared_period = link.period
        return link.venue


class Venue(models.Model):
    name = models.CharField(_("nom"), max_length=200)
    # Kept by save() from the name (tierslieux/names.py): what the scenarios' unique
    # constraint compares. Nullable only so that SQLite adds the column in place: rebuilding
    # the table would break the triggers of costing that update it.
    name_fingerprint = models.CharField(max_length=64, editable=False, null=True)  # noqa: DJ001
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
    # changes it has had: the database keeps both (costing's triggers run on every write to
    # its items and categories, the admin's and bulk updates included), so that the
    # pages cached under their key (venues/pagecache.py) can never be stale.
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    revision = models.PositiveBigIntegerField(default=0, editable=False)
    # A scenario is a named copy of a venue's inputs, edited like a venue, that never changes
    # the venue it copies: that venue, here; None for a venue itself.
    scenario_of = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="scenarios",
        verbose_name=_("scénario du lieu"),
    )

    # The venue's pricing (costing's prices, docs/method.md R8): None until set, so that a
    # venue without prices writes its documents as before. Fields of the venue rather than a
    # row of their own: the access check loads them with the venue (no query), its
    # `updated_at` dates their changes for the page cache, and a scenario copies them along.
    margin_pct = models.DecimalField(
        _("marge de précaution (%)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    occupancy_pct = models.DecimalField(
        _("taux d'occupation attendu (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    objects = VenueQuerySet.as_manager()

    class Meta:
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_surface_m2__gt=0),
                name="venue_surface_positive",
                violation_error_message=_("La surface totale du lieu doit être supérieure à 0 m²."),
            ),
            models.CheckConstraint(
                condition=Q(margin_pct__isnull=True) | Q(margin_pct__gte=0, margin_pct__lte=1000),
                name="venue_margin_is_0_to_1000_pct",
                violation_error_message=_("La marge de précaution va de 0 à 1 000 %%."),
            ),
            models.CheckConstraint(
                condition=Q(occupancy_pct__isnull=True)
                | Q(occupancy_pct__gt=0, occupancy_pct__lte=100),
                name="venue_occupancy_is_above_0_to_100_pct",
                violation_error_message=_(
                    "Le taux d'occupation attendu est supérieur à 0 et au plus de 100 %%."
                ),
            ),
            # Two scenarios of one venue never share a name (whatever its case and accents):
            # the list, the comparison's choices and the journal tell them apart by it.
            # Checked by the forms (costing/scenarios.py, venues/forms.py), and here against
            # two saves at once: a scenario renamed holds its own lock, not its siblings'. On
            # the name's fingerprint, which compares names as the forms do.
            models.UniqueConstraint(
                fields=["name_fingerprint", "scenario_of"],
                condition=Q(scenario_of__isnull=False),
                name="scenario_name_unique_in_its_venue",
                violation_error_message=_("Un autre scénario de ce lieu porte déjà ce nom."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_fingerprint = name_fingerprint(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = [*update_fields, "name_fingerprint"]
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

    @property
    def is_scenario(self) -> bool:
        return self.scenario_of_id is not None

    def set_keys(self, infrastructure: str, services: str) -> None:
        self.infrastructure_key, self.services_key = infrastructure, services
        self.save(update_fields=["infrastructure_key", "services_key", "updated_at"])

    @property
    def role_label(self) -> str:
        """The current user's role, on venues fetched through `Venue.objects.for_user`."""
        return Role(self.role).label


def refusal_message(error: IntegrityError) -> str:
    """What to tell the user whose write the database refused with `error`: the rule of the
    constraint that failed (its `violation_error_message`), or that some rule refused it when
    the database does not say which (never another rule's message)."""
    rules = _constraint_rules()
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    if constraint is None:
        # SQLite names it in its message ("CHECK constraint failed: NAME"), or, for a unique
        # index on plain columns, its columns ("UNIQUE constraint failed: table.a, table.b").
        text = str(error)
        constraint = next((name for name in rules if re.search(rf"\b{name}\b", text)), None)
        columns = re.search(r"UNIQUE constraint failed: (.+)$", text)
        constraint = constraint or (columns and _unique_columns().get(columns[1]))
    if constraint in rules:
        return gettext("%(rule)s Rien n'a été enregistré.") % {"rule": rules[constraint]}
    return gettext(
        "Rien n'a été enregistré : la base de données a refusé cette modification, contraire à "
        "l'une de ses règles. Rechargez la page et réessayez."
    )


@functools.cache
def _unique_columns() -> dict[str, str]:
    """The project's unique constraints on plain fields, by their columns as SQLite says
    them ("venues_venue.name_fingerprint, venues_venue.scenario_of_id")."""
    return {
        ", ".join(
            f"{model._meta.db_table}.{model._meta.get_field(name).column}"
            for name in constraint.fields
        ): constraint.name
        for model in apps.get_models()
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields
    }


@functools.cache
def _constraint_rules() -> dict[str, str]:
    """The rule of every constraint of the project's models that says it in the user's words
    (the messages are lazy: they are read in the active language each time)."""
    return {
        constraint.name: constraint.get_violation_error_message()
        for model in apps.get_models()
        for constraint in model._meta.constraints
        if constraint.violation_error_message != constraint.default_violation_error_message
    }


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
            models.UniqueConstraint(
                fields=["user", "venue"],
                name="one_membership_per_user",
                violation_error_message=_("Cette personne a déjà accès à ce lieu."),
            ),
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
    # What the link shows besides the allocation, as its owner chose (the share page reads them).
    show_items = models.BooleanField(_("montrer le détail des postes de coût"), default=True)
    show_prices = models.BooleanField(_("montrer les prix"), default=False)
    # A link pinned to one closed month ("2026-11") shows that month only; empty: the current
    # allocation and every closed month.
    period = models.CharField(_("mois épinglé"), max_length=7, blank=True)

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


class ChangeQuerySet(models.QuerySet):
    def for_display(self) -> "ChangeQuerySet":
        """Newest first. Who made each change is on its row (`actor_name`, kept when the account
        is gone): the page reads no user."""
        return self.order_by("-at", "-pk")


class Change(models.Model):
    """One change to a venue, as its journal tells it: who, when, what it touched, and each
    field as it was before and after (venues/journal.py writes them, in the transaction of the
    change itself, so that no change is ever without its entry)."""

    class Action(models.TextChoices):
        CREATED = "created", _("ajout")
        CHANGED = "changed", _("modification")
        DELETED = "deleted", _("suppression")
        MOVED = "moved", _("déplacement")
        IMPORTED = "imported", _("import")
        REVOKED = "revoked", _("révocation")
        # The team's (venues/team.py).
        INVITED = "invited", _("envoi")
        JOINED = "joined", _("arrivée")
        LEFT = "left", _("départ")
        CLOSED = "closed", _("clôture")  # a month (periods)
        REOPENED = "reopened", _("réouverture")
        SCENARIO_APPLIED = "scenario_applied", _("application")  # costing.models.apply_scenario

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    # Who made it, as they were called then: kept when the account is gone. Empty: a command.
    actor_name = models.CharField(_("nom"), max_length=150, blank=True)
    at = models.DateTimeField(_("le"), default=timezone.now)
    # What it touched: a model ("costing.costitem"), the object's id and its name then.
    model = models.CharField(_("objet"), max_length=100)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    label = models.CharField(_("nom de l'objet"), max_length=200, blank=True)
    # One of Action's values; not a field with choices, so that an app adding an action (a
    # period closed, a scenario applied) adds no migration here.
    action = models.CharField(_("action"), max_length=20)
    # [[field name, value before, value after], …], values as stored, as text ("" for none).
    fields = models.JSONField(_("champs"), default=list, blank=True)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("modification")
        verbose_name_plural = _("journal des modifications")
        indexes = [models.Index(fields=["venue", "-at"], name="change_venue_newest_first")]

    def __str__(self) -> str:
        return f"{self.venue} · {self.action_label} · {self.label}"

    @property
    def action_label(self) -> str:
        try:
            return self.Action(self.action).label
        except ValueError:
            return self.action


# The team: who runs a venue with whom (venues/team.py). ------------------------------------

INVITATION_DAYS = 7


def invitation_token_hash(token: str) -> str:
    """What the database keeps of an invitation's token: its SHA-256, so that whoever reads the
    table (a backup, the admin) cannot join a venue with it."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> "InvitationQuerySet":
        """Neither used nor revoked, and not expired."""
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )

    def opened_by(self, token: str) -> "Invitation | None":
        """The pending invitation `token` opens, or None (unknown, used, revoked and expired
        tokens alike): one SQL equality on the hash's unique index."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        return self.pending().filter(token_hash=invitation_token_hash(token)).first()


class Invitation(models.Model):
    """An owner's invitation to join a venue with a role, sent by e-mail as a link that carries
    a token of 256 random bits (`secrets.token_urlsafe(32)`). Only the token's hash is stored:
    the link exists in the e-mail only. Used once, for 7 days, unless the owner revokes it."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("adresse e-mail"))
    role = models.CharField(
        _("rôle"),
        max_length=10,
        choices=[(Role.EDITOR.value, Role.EDITOR.label), (Role.VIEWER.value, Role.VIEWER.label)],
        default=Role.EDITOR,
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invité par"),
    )
    created_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acceptée par"),
    )
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["venue", "created_at"], name="invitation_venue_created")]

    def __str__(self) -> str:
        return self.email

    def new_token(self) -> str:
        """A fresh token for this invitation (kept hashed); the caller sends it and forgets it."""
        token = secrets.token_urlsafe(32)
        self.token_hash = invitation_token_hash(token)
        self.expires_at = self.created_at + datetime.timedelta(days=INVITATION_DAYS)
        return token
