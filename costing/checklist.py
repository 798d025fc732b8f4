"""The method's checklist (Movilab, "Comment évaluer le coût mensuel d'un Tiers Lieux"): every
basic and improved item of infrastructure and services at 0 €, and the three categories of the
worked example with their shares, ready for a manager to fill in."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import engine

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


def checklist_venue(name: str, total_surface_m2: Decimal, currency: str = "EUR") -> engine.Venue:
    groups = [
        ("infrastructure", "basic", INFRASTRUCTURE_BASIC),
        ("infrastructure", "improved", INFRASTRUCTURE_IMPROVED),
        ("services", "basic", SERVICES_BASIC),
        ("services", "improved", SERVICES_IMPROVED),
    ]
    items = tuple(
        engine.Item(label=_(label), pool=pool, tier=tier, amount=Decimal("0.00"))
        for pool, tier, labels in groups
        for label in labels
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
