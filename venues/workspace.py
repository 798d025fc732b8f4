"""What the workspace page and its htmx fragments render: one context, built from the venue's
items and categories loaded once (two queries), and the allocation computed once.

The rows' forms are built when a template first asks for them, so that a fragment (one row and
the summary) builds one form, not the page's. The page itself is cached by the venue's revision,
with holes for what differs from one visitor to the next: see `render_page`.
"""

import re
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import get_language

from costing import chart
from costing.forms import AllocationKeysForm, CostItemForm, MemberCategoryForm
from costing.models import CostItem, MemberCategory, Pool, Tier

from .models import Venue

PAGE = "venues/workspace.html"
# What a cached page leaves for each request to fill in: letters, digits and dashes, which
# escaping leaves as they are.
CSRF_PLACEHOLDER = "csrf-token-placeholder-5f0c2e"
USERNAME_PLACEHOLDER = "username-placeholder-5f0c2e"
PATH_PLACEHOLDER = "path-placeholder-5f0c2e"
_HOLES = re.compile(f"({CSRF_PLACEHOLDER}|{USERNAME_PLACEHOLDER}|{PATH_PLACEHOLDER})")

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
        """The whole page. Unless it carries form errors or messages, it comes from the cache
        when nothing in the venue changed since it was rendered for the same role and language
        (`Venue.cache_key`): rendered once per change, not per visit. What differs from one
        visitor to the next (the CSRF token, the user's name, the address for the language
        switch) is rendered as placeholders, filled in with this request's values."""
        if self.bound or get_messages(request):
            self.load()
            return render(request, PAGE, self.context(full_path=self.address(request)))

        def render_with_holes() -> list[bytes | str]:
            """The page as UTF-8 pieces of text, with the placeholders between them: a visit
            joins them once, whatever the page's size, instead of searching it."""
            self.load()
            holes = {
                "csrf_token": CSRF_PLACEHOLDER,
                "username": USERNAME_PLACEHOLDER,
                "full_path": PATH_PLACEHOLDER,
            }
            page = render_to_string(PAGE, self.context(**holes), request)
            parts = _HOLES.split(page)  # text, placeholder, text, …, text
            parts[::2] = [text.encode() for text in parts[::2]]
            return parts

        key = self.venue.cache_key("workspace", self.venue.role, get_language())
        parts = cache.get_or_set(key, render_with_holes)
        values = {
            CSRF_PLACEHOLDER: get_token(request).encode(),
            USERNAME_PLACEHOLDER: escape(request.user.get_username()).encode(),
            PATH_PLACEHOLDER: escape(self.address(request)).encode(),
        }
        filled = parts.copy()
        filled[1::2] = [values[placeholder] for placeholder in parts[1::2]]
        return HttpResponse(b"".join(filled))
