"""What the workspace page and its htmx fragments render: one context, built from the venue's
items and categories loaded once (two queries), and the allocation computed once."""

from dataclasses import dataclass, field

from django.db.models import prefetch_related_objects
from django.forms import Form

from costing import chart
from costing.forms import AllocationKeysForm, CostItemForm, MemberCategoryForm
from costing.models import CostItem, MemberCategory, Pool, Tier

from .models import Venue

GROUPS = [
    (Pool.INFRASTRUCTURE, Tier.BASIC),
    (Pool.INFRASTRUCTURE, Tier.IMPROVED),
    (Pool.SERVICES, Tier.BASIC),
    (Pool.SERVICES, Tier.IMPROVED),
]


@dataclass
class Group:
    pool: Pool
    tier: Tier
    rows: list[tuple[CostItem, Form]]
    add_form: Form

    @property
    def key(self) -> str:
        return f"{self.pool}-{self.tier}"


@dataclass
class Workspace:
    venue: Venue
    can_edit: bool
    bound: dict = field(default_factory=dict)  # {"item-12": bound form with errors, ...}

    def load(self) -> "Workspace":
        prefetch_related_objects([self.venue], "cost_items", "categories")
        return self

    def item_form(self, item: CostItem) -> Form:
        prefix = f"item-{item.pk}"
        return self.bound.get(prefix) or CostItemForm(instance=item, prefix=prefix)

    def category_form(self, category: MemberCategory) -> Form:
        prefix = f"category-{category.pk}"
        return self.bound.get(prefix) or MemberCategoryForm(instance=category, prefix=prefix)

    def groups(self) -> list[Group]:
        groups = []
        for pool, tier in GROUPS:
            prefix = f"new-{pool}-{tier}"
            add_form = self.bound.get(prefix) or CostItemForm(
                prefix=prefix, initial={"pool": pool, "tier": tier}
            )
            rows = [
                (item, self.item_form(item))
                for item in self.venue.cost_items.all()
                if item.pool == pool and item.tier == tier
            ]
            groups.append(Group(Pool(pool), Tier(tier), rows, add_form))
        return groups

    def category_rows(self) -> list[tuple[MemberCategory, Form, str]]:
        return [
            (category, self.category_form(category), chart.color(index))
            for index, category in enumerate(self.venue.categories.all())
        ]

    def context(self, **extra) -> dict:
        venue = self.venue
        return {
            "venue": venue,
            "can_edit": self.can_edit,
            **chart.summary_context(venue.allocation),
            "groups": self.groups(),
            "category_rows": self.category_rows(),
            "new_category_form": self.bound.get("new-category")
            or MemberCategoryForm(prefix="new-category"),
            "keys_form": self.bound.get("keys")
            or AllocationKeysForm(
                initial={
                    "infrastructure_key": venue.infrastructure_key,
                    "services_key": venue.services_key,
                },
                prefix="keys",
            ),
            **extra,
        }
