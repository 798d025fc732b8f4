"""What the workspace page and its htmx fragments render: one context, built from the venue's
items and categories loaded once (two queries), and the allocation computed once.

The rows' forms are built when a template first asks for them, so that a fragment (one row and
the summary) builds one form, not the page's. Everything is rendered through venues.pagecache:
the page is cached until the venue changes, and fragments fill in their CSRF token the same way.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.messages import get_messages
from django.db.models import QuerySet, prefetch_related_objects
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from venues import pagecache
from venues.models import Venue

from . import chart
from .forms import AllocationKeysForm, CostItemForm, MemberCategoryForm, RowForm
from .models import CostItem, MemberCategory, Pool, Row, Tier, venue_allocation

PAGE = "costing/workspace.html"
GROUPS = [
    (Pool.INFRASTRUCTURE, Tier.BASIC),
    (Pool.INFRASTRUCTURE, Tier.IMPROVED),
    (Pool.SERVICES, Tier.BASIC),
    (Pool.SERVICES, Tier.IMPROVED),
]


@dataclass(frozen=True)
class RowKind:
    """What differs between the workspace's two kinds of rows, cost items and member
    categories, which are otherwise added, edited, moved and deleted the same way (costing/views.py,
    the `row` partial of costing/workspace.html)."""

    name: str  # of its forms' prefixes, its rows' ids and its URLs: "item-12", "item_edit"
    section: str  # the page's section that lists them: a fragment and an anchor
    model: type[Row]
    form: type[RowForm]
    related_name: str  # on the venue
    added: Promise  # messages, "%(name)s" the row's label or name
    deleted: Promise

    def rows(self, venue: Venue) -> QuerySet:
        return getattr(venue, self.related_name).all()


ITEMS = RowKind(
    "item",
    "items",
    CostItem,
    CostItemForm,
    "cost_items",
    added=_("Poste « %(name)s » ajouté."),
    deleted=_("Poste « %(name)s » supprimé."),
)
CATEGORIES = RowKind(
    "category",
    "categories",
    MemberCategory,
    MemberCategoryForm,
    "categories",
    added=_("Catégorie « %(name)s » ajoutée."),
    deleted=_("Catégorie « %(name)s » supprimée."),
)


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

    def form(self, kind: RowKind, row: Row) -> Form:
        prefix = f"{kind.name}-{row.pk}"
        return self.bound.get(prefix) or kind.form(instance=row, prefix=prefix)

    @cached_property
    def groups(self) -> list[Group]:
        groups = []
        for pool, tier in GROUPS:
            prefix = f"new-{pool}-{tier}"
            add_form = self.bound.get(prefix) or CostItemForm(prefix=prefix)
            rows = [
                (item, self.form(ITEMS, item))
                for item in self.venue.cost_items.all()
                if item.pool == pool and item.tier == tier
            ]
            groups.append(Group(Pool(pool), Tier(tier), rows, add_form))
        return groups

    @cached_property
    def category_rows(self) -> list[tuple[MemberCategory, Form, str]]:
        return [
            (category, self.form(CATEGORIES, category), chart.color(index))
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

    def group(self, pool: str, tier: str) -> Group:
        return next(group for group in self.groups if (group.pool, group.tier) == (pool, tier))

    @cached_property
    def allocation(self):
        return venue_allocation(self.venue)

    @cached_property
    def unpaid_categories(self) -> list:
        """The categories that carry some cost but have neither members nor workstations to
        pay it: a share nobody pays, which the allocation counts as covered."""
        return [
            category
            for category in self.allocation.categories
            if category.total and not category.members and not category.workstations
        ]

    def context(self, **extra) -> dict:
        return {
            "venue": self.venue,
            "can_edit": self.can_edit,
            "workspace": self,
            "item_kind": ITEMS,
            "category_kind": CATEGORIES,
            **chart.summary_context(self.allocation),
            **extra,
        }

    def fragments(self, request: HttpRequest, *partials: str, **extra) -> HttpResponse:
        """Partials of the page, for an htmx answer: the changed part and the summary, out of
        band, in one response."""
        context = self.context(**extra)
        return HttpResponse(
            b"".join(
                pagecache.render(request, f"{PAGE}#{name}", lambda: context) for name in partials
            )
        )

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
