"""The venue's "Tarifs" page: what each category pays, the margin and occupancy its suggested
prices assume, the other revenue lines, and the monthly balance (docs/method.md R7–R9).

Built like the workspace (costing/workspace.py): one context from the venue's items,
categories and revenue lines loaded once (three queries), the engine's allocation and balance
computed once; the page and its htmx fragments render the same partials of
costing/prices.html. An htmx edit answers the edited part and the balance (out of band) in one
response; a plain POST redirects back to the page, or renders it with the errors beside the
fields. Every POST runs under the venue's lock (venues/access.py).

The revenue lines are rows as items and categories are (`RowKind`, `Row`: versions,
positions, the form's siblings and limit), with views of their own here, because the
workspace's row views answer with the workspace's fragments.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from venues import journal
from venues.access import venue_view
from venues.models import Change, Role, Venue

from .forms import CategoryPriceForm, OtherRevenueForm, PricingForm
from .models import MemberCategory, OtherRevenue, venue_balance
from .workspace import RowKind

PAGE = "costing/prices.html"
STALE = _(
    "Quelqu'un a modifié cette ligne entre-temps : voici sa valeur actuelle. "
    "Refaites votre modification si elle est toujours utile."
)
REVENUES = RowKind(
    "revenue",
    "revenues",
    OtherRevenue,
    OtherRevenueForm,
    "other_revenues",
    added=_("Revenu « %(name)s » ajouté."),
    deleted=_("Revenu « %(name)s » supprimé."),
)


@dataclass
class PricesPage:
    venue: Venue
    can_edit: bool
    bound: dict = field(default_factory=dict)  # {"price-12": bound form with errors, ...}

    def load(self) -> "PricesPage":
        prefetch_related_objects([self.venue], "cost_items", "categories", "other_revenues")
        return self

    @cached_property
    def figures(self):
        return venue_balance(self.venue)

    @property
    def allocation(self):
        return self.figures[0]

    @property
    def balance(self):
        return self.figures[1]

    def price_form(self, category: MemberCategory) -> Form:
        prefix = f"price-{category.pk}"
        return self.bound.get(prefix) or CategoryPriceForm(instance=category, prefix=prefix)

    def revenue_form(self, line: OtherRevenue) -> Form:
        prefix = f"revenue-{line.pk}"
        return self.bound.get(prefix) or OtherRevenueForm(instance=line, prefix=prefix)

    @cached_property
    def category_rows(self) -> list[tuple]:
        """(category, its price form, its pricing figures, its allocation), in page order."""
        return [
            (category, self.price_form(category), priced, allocated)
            for category, priced, allocated in zip(
                self.venue.categories.all(),
                self.balance.categories,
                self.allocation.categories,
                strict=True,
            )
        ]

    def category_row(self, category: MemberCategory) -> tuple:
        return next(row for row in self.category_rows if row[0].pk == category.pk)

    @cached_property
    def revenue_rows(self) -> list[tuple]:
        """(line, its form, its monthly amount), in page order."""
        return [
            (line, self.revenue_form(line), figures.monthly)
            for line, figures in zip(
                self.venue.other_revenues.all(), self.balance.other, strict=True
            )
        ]

    @cached_property
    def new_revenue_form(self) -> Form:
        return self.bound.get("new-revenue") or OtherRevenueForm(prefix="new-revenue")

    @cached_property
    def pricing_form(self) -> Form:
        return self.bound.get("pricing") or PricingForm(
            prefix="pricing", stored=PricingForm.stored_of(self.venue)
        )

    def context(self, **extra) -> dict:
        return {
            "venue": self.venue,
            "can_edit": self.can_edit,
            "page": self,
            "allocation": self.allocation,
            "balance": self.balance,
            "currency": self.venue.currency,
            **extra,
        }

    def fragments(self, request: HttpRequest, *partials: str, **extra) -> HttpResponse:
        context = self.context(**extra)
        return HttpResponse(
            "".join(
                render_to_string(f"{PAGE}#{name}", context, request=request) for name in partials
            )
        )

    def render_page(self, request: HttpRequest) -> HttpResponse:
        full_path = request.get_full_path() if request.method == "GET" else self.url
        return render(request, PAGE, self.context(full_path=full_path))

    @property
    def url(self) -> str:
        return reverse("venue_prices", args=[self.venue.pk])


def _page(venue: Venue, **bound: Form) -> PricesPage:
    return PricesPage(venue, can_edit=True, bound=bound).load()


def _back(venue: Venue, anchor: str = "") -> HttpResponse:
    return redirect(reverse("venue_prices", args=[venue.pk]) + (f"#{anchor}" if anchor else ""))


def _find(rows, pk: int):
    for row in rows:
        if row.pk == pk:
            return row
    raise Http404


@venue_view(Role.VIEWER)
def prices(request: HttpRequest, venue: Venue) -> HttpResponse:
    """The Tarifs page."""
    can_edit = Role(venue.role).allows(Role.EDITOR)
    return PricesPage(venue, can_edit=can_edit).load().render_page(request)


@venue_view(Role.EDITOR, methods=("POST",))
def category_price(request: HttpRequest, venue: Venue, row_id: int) -> HttpResponse:
    """Save a category's price if it is valid and nobody changed the category since."""
    page = _page(venue)
    category = _find(venue.categories.all(), row_id)
    prefix = f"price-{category.pk}"
    fields = MemberCategory.PRICE_FIELDS
    before = journal.snapshot(category, fields)
    form = CategoryPriceForm(request.POST, instance=category, prefix=prefix)
    if not form.is_valid():
        category.refresh_from_db(fields=fields)  # the form wrote its valid fields onto it
        page.bound[prefix] = form
        if not request.htmx:
            return page.render_page(request)
        return page.fragments(request, "category-price", row=page.category_row(category))
    if not category.save_if_unchanged(form.cleaned_data["version"], fields):
        if not request.htmx:
            messages.error(request, STALE)
            return _back(venue, prefix)
        page = _page(Venue.objects.get(pk=venue.pk))
        category = _find(page.venue.categories.all(), category.pk)
        return page.fragments(
            request, "category-price", "balance-oob", row=page.category_row(category), stale=STALE
        )
    after = journal.snapshot(category, fields)
    journal.record(venue, category, Change.Action.CHANGED, before=before, after=after)
    if not request.htmx:
        return _back(venue, prefix)
    return page.fragments(request, "category-price", "balance-oob", row=page.category_row(category))


@venue_view(Role.EDITOR, methods=("POST",))
def pricing(request: HttpRequest, venue: Venue) -> HttpResponse:
    """Set the venue's margin and occupancy: every suggested price changes with them."""
    # What the page showed: an unset margin or occupancy as the engine reads it (0 %, 100 %).
    form = PricingForm(request.POST, prefix="pricing", stored=PricingForm.stored_of(venue))
    if form.is_valid():
        fields = ["margin_pct", "occupancy_pct"]
        unset = journal.snapshot(venue, fields)
        for name, value in form.stored.items():
            setattr(venue, name, value)
        before = journal.snapshot(venue, fields)  # a margin set alone logs no occupancy
        venue.margin_pct = form.cleaned_data["margin_pct"]
        venue.occupancy_pct = form.cleaned_data["occupancy_pct"]
        venue.save(update_fields=[*fields, "updated_at"])
        after = journal.snapshot(venue, fields)
        if after == before:  # set to what the page showed: priced from now on, all the same
            before = unset
        journal.record(venue, venue, Change.Action.CHANGED, before=before, after=after)
        if not request.htmx:
            return _back(venue, "prices")
        # The prices, not the form: its fields stay as the user is typing them; only what it
        # shows as saved, for the next save (venues.forms.KeepsOthersChanges).
        return _page(venue).fragments(request, "price-rows", "balance-oob", "pricing-shown-oob")
    page = _page(venue, pricing=form)
    if not request.htmx:
        return page.render_page(request)
    return page.fragments(request, "price-rows", "pricing-form-oob")


@venue_view(Role.EDITOR, methods=("POST",))
def revenue_add(request: HttpRequest, venue: Venue) -> HttpResponse:
    lines = list(venue.other_revenues.all())
    form = OtherRevenueForm(request.POST, prefix="new-revenue", siblings=lines)
    line = form.instance
    line.venue = venue
    line.place_last(lines)
    if form.is_valid():
        line.save()
        after = journal.snapshot(line, form._meta.fields)
        journal.record(venue, line, Change.Action.CREATED, after=after)
        if not request.htmx:
            messages.success(request, REVENUES.added % {"name": line})
            return _back(venue, f"revenue-{line.pk}")
        page = _page(Venue.objects.get(pk=venue.pk))
    else:
        page = _page(venue, **{"new-revenue": form})
        if not request.htmx:
            return page.render_page(request)
    return page.fragments(request, "revenues", "balance-oob")


@venue_view(Role.EDITOR, methods=("POST",))
def revenue_edit(request: HttpRequest, venue: Venue, row_id: int) -> HttpResponse:
    page = _page(venue)
    lines = venue.other_revenues.all()
    line = _find(lines, row_id)
    prefix = f"revenue-{line.pk}"
    fields = OtherRevenueForm._meta.fields
    before = journal.snapshot(line, fields)
    form = OtherRevenueForm(request.POST, instance=line, prefix=prefix, siblings=lines)
    if not form.is_valid():
        line.refresh_from_db(fields=fields)
        page.bound[prefix] = form
        if not request.htmx:
            return page.render_page(request)
        return page.fragments(request, "revenue", row=_revenue_row(page, line))
    if not line.save_if_unchanged(form.cleaned_data["version"], fields):
        if not request.htmx:
            messages.error(request, STALE)
            return _back(venue, prefix)
        page = _page(Venue.objects.get(pk=venue.pk))
        line = _find(page.venue.other_revenues.all(), line.pk)
        return page.fragments(
            request, "revenue", "balance-oob", row=_revenue_row(page, line), stale=STALE
        )
    after = journal.snapshot(line, fields)
    journal.record(venue, line, Change.Action.CHANGED, before=before, after=after)
    if not request.htmx:
        return _back(venue, prefix)
    return page.fragments(request, "revenue", "balance-oob", row=_revenue_row(page, line))


def _revenue_row(page: PricesPage, line: OtherRevenue) -> tuple:
    return next(row for row in page.revenue_rows if row[0].pk == line.pk)


@venue_view(Role.EDITOR, methods=("GET", "POST"))
def revenue_delete(request: HttpRequest, venue: Venue, row_id: int) -> HttpResponse:
    line = get_object_or_404(OtherRevenue, venue=venue, pk=row_id)
    if request.method == "GET":
        context = {
            "venue": venue,
            "row": line,
            "cancel_url": reverse("venue_prices", args=[venue.pk]),
        }
        return render(request, "costing/confirm_delete_row.html", context)
    journal.record(venue, line, Change.Action.DELETED)
    line.delete()
    if not request.htmx:
        messages.success(request, REVENUES.deleted % {"name": line})
        return _back(venue, "revenues")
    return _page(venue).fragments(request, "balance-oob")
