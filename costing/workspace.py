"""What the workspace page and its htmx fragments render: one context, built from the venue's
items and categories loaded once (two queries), and the allocation computed once.

The rows' forms are built when a template first asks for them, so that a fragment (one row and
the summary) builds one form, not the page's. Everything is rendered through venues.pagecache:
the page is cached until the venue changes, and fragments fill in their CSRF token the same way.
"""

from dataclasses import dataclass, field
from functools import cached_property, partial

from django.contrib.messages import get_messages
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from venues import pagecache
from venues.models import Venue

from . import chart, summary
from .forms import AllocationKeysForm, CostItemForm, MemberCategoryForm, RowForm
from .models import CostItem, MemberCategory, Pool, Row, Tier, load_rows, venue_allocation

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
    rows: list[tuple[CostItem, Form | None, SafeString | None]]
    add_form: Form | None  # None when its markup is cached
    add_markup: SafeString | None = None  # the empty add form, cached (Workspace.add_markup)

    @property
    def key(self) -> str:
        return f"{self.pool}-{self.tier}"


@dataclass
class Workspace:
    venue: Venue
    can_edit: bool
    bound: dict = field(default_factory=dict)  # {"item-12": bound form with errors, ...}

    def load(self) -> "Workspace":
        load_rows(self.venue)  # items and categories, one query
        return self

    def form(self, kind: RowKind, row: Row) -> Form:
        prefix = f"{kind.name}-{row.pk}"
        return self.bound.get(prefix) or kind.form(instance=row, prefix=prefix)

    @cached_property
    def markup(self) -> dict[tuple[str, int], SafeString]:
        """Each row's markup, from the cache (venues/pagecache.py `fragments`, keyed by the
        row's stored values), rendered only for the rows that changed since it was cached: a
        row saved through htmx is cached by the edit's own answer (`_saved_row`), so the next
        view of a venue of 300 items renders none of them. A row bound to a form with errors
        is rendered in the page instead, with them."""
        makers, keys = {}, {}
        venue = self.venue
        for kind, rows in ((ITEMS, venue.cost_items.all()), (CATEGORIES, venue.categories.all())):
            for row in rows:
                if f"{kind.name}-{row.pk}" in self.bound:
                    continue
                key = pagecache.row_key(venue, kind.name, row, self.can_edit, venue.currency)
                makers[key] = partial(self._render_row, kind, row)
                keys[kind.name, row.pk] = key
        found = pagecache.fragments(makers)
        return {row: found[key] for row, key in keys.items()}

    def _render_row(self, kind: RowKind, row: Row, form: Form | None = None) -> str:
        context = {
            "venue": self.venue,
            "can_edit": self.can_edit,
            "kind": kind,
            "row": row,
            "form": self.form(kind, row) if form is None else form,
        }
        return pagecache.fragment(f"{PAGE}#row", context)

    @cached_property
    def groups(self) -> list[Group]:
        """The items by group: (item, its form, its cached markup); the form is built only for
        a row whose markup is not cached."""
        groups = []
        for pool, tier in GROUPS:
            prefix = f"new-{pool}-{tier}"
            rows = [
                self._row(ITEMS, item)
                for item in self.venue.cost_items.all()
                if item.pool == pool and item.tier == tier
            ]
            markup = None if prefix in self.bound else self.add_markup.get(f"{pool}-{tier}")
            add_form = self.bound.get(prefix)
            if add_form is None and markup is None and self.can_edit:  # not cached: built
                add_form = CostItemForm(prefix=prefix)
            groups.append(Group(Pool(pool), Tier(tier), rows, add_form, markup))
        return groups

    @cached_property
    def add_markup(self) -> dict[str, SafeString]:
        """The empty forms that add a row (one per group of items, one for categories), from
        the cache: they depend on the venue's identity only, so they are rendered once per
        venue and language, not on every view after an edit. Only for editors."""
        if not self.can_edit:
            return {}
        venue, makers = self.venue, {}

        def add_item(pool: str, tier: str) -> str:
            group = Group(Pool(pool), Tier(tier), [], CostItemForm(prefix=f"new-{pool}-{tier}"))
            context = {"venue": venue, "group": group, "form": group.add_form}
            return pagecache.fragment(f"{PAGE}#add-item", context)

        def add_category() -> str:
            context = {"venue": venue, "form": MemberCategoryForm(prefix="new-category")}
            return pagecache.fragment(f"{PAGE}#add-category", context)

        for pool, tier in GROUPS:
            makers[f"{pool}-{tier}"] = partial(add_item, pool, tier)
        makers["category"] = add_category
        keys = {name: pagecache.form_key(venue, name) for name in makers}
        found = pagecache.fragments({keys[name]: make for name, make in makers.items()})
        markup = {name: found[key] for name, key in keys.items()}
        if "new-category" in self.bound:
            del markup["category"]
        return markup

    @cached_property
    def category_rows(self) -> list[tuple[MemberCategory, Form | None, str, SafeString | None]]:
        """The categories: (category, its form, its colour in the chart, its cached markup)."""
        rows = []
        for index, category in enumerate(self.venue.categories.all()):
            row, form, markup = self._row(CATEGORIES, category)
            rows.append((row, form, chart.color(index), markup))
        return rows

    def _row(self, kind: RowKind, row: Row) -> tuple[Row, Form | None, SafeString | None]:
        markup = self.markup.get((kind.name, row.pk))
        return row, None if markup else self.form(kind, row), markup

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
    def summary_markup(self) -> SafeString:
        """The summary (costs, warnings, chart, allocation), from the cache under the
        allocation's own values (venues/pagecache.py `value_key`): the edit's answer renders
        it, and the next view of the page, which shows the same allocation, renders none."""
        key = pagecache.value_key("summary", self.allocation, self.can_edit)
        return pagecache.fragments({key: self._render_summary})[key]

    def _render_summary(self) -> str:
        return pagecache.fragment(f"{PAGE}#summary-body", self.context())

    @cached_property
    def unpaid_categories(self) -> list:
        """The categories that carry some cost but have neither members nor workstations to
        pay it: a share nobody pays, which the allocation counts as covered."""
        return [
            category
            for category in self.allocation.categories
            if category.total and not category.members and not category.workstations
        ]

    @cached_property
    def _context(self) -> dict:
        return {
            "venue": self.venue,
            "can_edit": self.can_edit,
            "workspace": self,
            "item_kind": ITEMS,
            "category_kind": CATEGORIES,
            **summary.summary_context(self.allocation),
        }

    def context(self, **extra) -> dict:
        return {**self._context, **extra}

    def fragments(self, request: HttpRequest, *partials: str, **extra) -> HttpResponse:
        """Partials of the page, for an htmx answer: the changed part and the summary, out of
        band, in one response."""
        context = partial(self.context, **extra)  # built if a partial needs it
        return HttpResponse(
            b"".join(
                self._saved_row(request, **extra)
                if name == "row" and not extra.get("stale") and not extra["form"].is_bound
                else pagecache.render(request, f"{PAGE}#{name}", context)
                for name in partials
            )
        )

    def _saved_row(
        self, request: HttpRequest, kind: RowKind, row: Row, form: Form, **extra
    ) -> bytes:
        """A row as saved, through the row cache: the markup this answer renders is the one
        the next view of the page uses, which then renders no row at all."""
        key = pagecache.row_key(self.venue, kind.name, row, self.can_edit, self.venue.currency)
        markup = pagecache.fragments({key: partial(self._render_row, kind, row, form)})[key]
        return pagecache.filled(request, markup)

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
