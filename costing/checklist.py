"""The method's checklist (Movilab, "Comment évaluer le coût mensuel d'un Tiers Lieux"): every
basic and improved item of infrastructure and services at 0 €, and the three categories of the
worked example with their shares, ready for a manager to fill in."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from . import engine

INFRASTRUCTURE_BASIC = [
    N_("Local (location ou achat)"),
    N_("Mobilier minimal (tables, chaises, armoires)"),
    N_("Abonnement internet haut débit"),
    N_("Électricité, gaz et eau"),
    N_("Assurance professionnelle"),
    N_("Machine à café"),
    N_("Imprimante et photocopieur"),
]
INFRASTRUCTURE_IMPROVED = [
    N_("Cuisine équipée"),
    N_("Abonnement internet très haut débit"),
    N_("Serveurs mail, fichiers ou web mutualisés"),
    N_("Plusieurs imprimantes, scanners et photocopieurs"),
    N_("Matériel mutualisé (appareil photo, caméra, ordinateurs, tablettes…)"),
    N_("Espaces spécifiques équipés (reprographie, montage vidéo, FabLab…)"),
    N_("Véhicules ou unités mobiles mutualisés (vélo, voiture, camion…)"),
]
SERVICES_BASIC = [
    N_("Conciergerie : accueil, information, animation, médiation"),
    N_("Gestion et suivi administratif et financier des paiements"),
    N_("Gestion des imprévus"),
]
SERVICES_IMPROVED = [
    N_("Concierges professionnels"),
    N_("Coordination de la gestion des consommables collectifs"),
    N_("Secrétariat mutualisé"),
    N_("Services référencés par la communauté des tiers-lieux"),
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
