"""What the workspace page and its htmx fragments render: one context, built from the venue's
items and categories loaded once (two queries), and the allocation computed once.

The rows' forms are built when a template first asks for them, so that a fragment (one row and
the summary) builds one form, not the page's. The page itself is cached until the venue changes:
see `render_page`.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.messages import get_messages
from django.db.models import prefetch_related_objects
from django.forms import Form
from django.http import HttpRequest, HttpResponse

from costing import chart
from costing.forms import AllocationKeysForm, CostItemForm, MemberCategoryForm
from costing.models import CostItem, MemberCategory, Pool, Tier

from . import pagecache
from .models import Venue

PAGE = "venues/workspace.html"
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

    @cached_property
    def groups(self) -> list[Group]:
        groups = []
        for pool, tier in GROUPS:
            prefix = f"new-{pool}-{tier}"
            add_form = self.bound.get(prefix) or CostItemForm(prefix=prefix)
            rows = [
                (item, self.item_form(item))
                for item in self.venue.cost_items.all()
                if item.pool == pool and item.tier == tier
            ]
            groups.append(Group(Pool(pool), Tier(tier), rows, add_form))
        return groups

    @cached_property
    def category_rows(self) -> list[tuple[MemberCategory, Form, str]]:
        return [
            (category, self.category_form(category), chart.color(index))
            for index, category in enumerate(self.venue.categories.all())
        ]

    @cached_property
    def new_category_form(self) -> Form:
        return self.bound.get("new-category") or MemberCategoryForm(prefix="new-category")

    @cached_property
    def keys_form(self) -> Form:
        venue = self.venue
        return self.bound.get("keys") or AllocationKeysForm(
            initial={
                "infrastructure_key": venue.infrastructure_key,
                "services_key": venue.services_key,
            },
            prefix="keys",
        )

    def context(self, **extra) -> dict:
        return {
            "venue": self.venue,
            "can_edit": self.can_edit,
            "workspace": self,
            **chart.summary_context(self.venue.allocation),
            **extra,
        }

    def address(self, request: HttpRequest) -> str:
        """Where the language switch comes back to: this page, or the venue's when the page
        answers a refused POST (its address takes no GET)."""
        if request.method == "GET":
            return request.get_full_path()
        return self.venue.get_absolute_url()

    def render_page(self, request: HttpRequest) -> HttpResponse:
        """The whole page: rendered once per change of the venue for each role and language
        (venues/pagecache.py), unless it carries this request's form errors or messages."""
        messages = get_messages(request)

        def context() -> dict:
            self.load()
            return self.context(messages=messages, full_path=self.address(request))

        if self.bound or messages:
            return HttpResponse(pagecache.render(request, PAGE, context))

        def cacheable() -> dict:
            self.load()
            return self.context()

        key = pagecache.key(self.venue, "workspace", self.venue.role)
        return HttpResponse(pagecache.render(request, PAGE, cacheable, cache_key=key))
