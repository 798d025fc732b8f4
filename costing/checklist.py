"""The method's checklist (Movilab, "Comment évaluer le coût mensuel d'un Tiers Lieux"): every
basic and improved item of infrastructure and services at 0 €, and the three categories of the
worked example with their shares, ready for a manager to fill in."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import engine
from .models import Pool, Tier

INFRASTRUCTURE_BASIC = [
    gettext_noop("Local (location ou achat)"),
    gettext_noop("Mobilier minimal (tables, chaises, armoires)"),
    gettext_noop("Abonnement internet haut débit"),
    gettext_noop("Électricité, gaz et eau"),
    gettext_noop("Assurance professionnelle"),
    gettext_noop("Machine à café"),
    gettext_noop("Imprimante et photocopieur"),
]
INFRASTRUCTURE_IMPROVED = [
    gettext_noop("Cuisine équipée"),
    gettext_noop("Abonnement internet très haut débit"),
    gettext_noop("Serveurs mail, fichiers ou web mutualisés"),
    gettext_noop("Plusieurs imprimantes, scanners et photocopieurs"),
    gettext_noop("Matériel mutualisé (appareil photo, caméra, ordinateurs, tablettes…)"),
    gettext_noop("Espaces spécifiques équipés (reprographie, montage vidéo, FabLab…)"),
    gettext_noop("Véhicules ou unités mobiles mutualisés (vélo, voiture, camion…)"),
]
SERVICES_BASIC = [
    gettext_noop("Conciergerie : accueil, information, animation, médiation"),
    gettext_noop("Gestion et suivi administratif et financier des paiements"),
    gettext_noop("Gestion des imprévus"),
]
SERVICES_IMPROVED = [
    gettext_noop("Concierges professionnels"),
    gettext_noop("Coordination de la gestion des consommables collectifs"),
    gettext_noop("Secrétariat mutualisé"),
    gettext_noop("Services référencés par la communauté des tiers-lieux"),
]


GROUPS = [
    ("infrastructure", "basic", INFRASTRUCTURE_BASIC),
    ("infrastructure", "improved", INFRASTRUCTURE_IMPROVED),
    ("services", "basic", SERVICES_BASIC),
    ("services", "improved", SERVICES_IMPROVED),
]


def item_key(pool: str, tier: str, index: int) -> str:
    """A checklist item's key in the creation form: stable whatever the language."""
    return f"{pool}-{tier}-{index}"


def choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The checklist's items grouped as the workspace groups them, for the creation form."""
    return [
        (
            f"{Pool(pool).label} · {Tier(tier).label}",
            [(item_key(pool, tier, index), _(label)) for index, label in enumerate(labels)],
        )
        for pool, tier, labels in GROUPS
    ]


# What creation ticks at first: the basic items, without which a venue cannot open; the
# improved ones are for the manager to add (issue 15: 18 items at 0 € took 24 clicks to thin).
DEFAULT_KEYS = [
    item_key(pool, tier, index)
    for pool, tier, labels in GROUPS
    if tier == "basic"
    for index in range(len(labels))
]


def checklist_venue(
    name: str, total_surface_m2: Decimal, currency: str = "EUR", keys: list[str] | None = None
) -> engine.Venue:
    """The checklist as a venue: the items of `keys` (all of them when None), at 0 €."""
    items = tuple(
        engine.Item(label=_(label), pool=pool, tier=tier, amount=Decimal("0.00"))
        for pool, tier, labels in GROUPS
        for index, label in enumerate(labels)
        if keys is None or item_key(pool, tier, index) in keys
    )
    categories = (
        engine.Category(_("Résidents"), Decimal(51), infrastructure_pct=Decimal(100)),
        engine.Category(_("Contributeurs"), Decimal(29), services_pct=Decimal(100)),
        engine.Category(_("Bénéficiaires"), Decimal(20)),
    )
    return engine.Venue(
        name=name,
        total_surface_m2=total_surface_m2,
        currency=currency,
        items=items,
        categories=categories,
    )
