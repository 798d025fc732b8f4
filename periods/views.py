"""A venue's closed periods: the history, one period, two compared, a year, statements
(docs/periods.md). Every page reads frozen documents; only the draft (the venue as it is now)
comes from the engine. Closing runs under the venue's lock (venues/access.py)."""

from datetime import date

from django.contrib import messages
from django.db.models import Min, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from costing import summary
from costing.documents import venue_document
from costing.models import CostItem, engine_venue, venue_allocation
from costing.templatetags.costing import money
from venues import journal
from venues.access import venue_view
from venues.models import Change, Role, Venue

from . import compare as comparing
from .forms import ClosePeriodForm
from .models import Period, PeriodError, close_period, parse_month
from .statement import key_labels, period_pdf, render_pdf

DRAFT = "draft"


def _month(text: str) -> date:
    try:
        return parse_month(text)
    except PeriodError:
        raise Http404 from None


def _version(request: HttpRequest) -> int | None:
    text = request.GET.get("version", "")
    if not text:
        return None
    if not (text.isascii() and text.isdecimal()) or len(text) > 9:
        raise Http404
    return int(text)


def _period(venue: Venue, month: str, version: int | None = None) -> Period:
    try:
        return venue.periods.readable(_month(month), version)
    except Period.DoesNotExist:
        raise Http404 from None


def _draft(venue: Venue):
    prefetch_related_objects([venue], "cost_items", "categories")
    return venue_allocation(venue)


def _language(request: HttpRequest) -> str:
    """The statement's language: ?lang=en or ?lang=fr, else the page's."""
    chosen = request.GET.get("lang", "")
    return chosen if chosen in ("fr", "en") else translation.get_language()


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# The history ----------------------------------------------------------------------------------


@venue_view(Role.VIEWER, scenarios=False)
def period_list(request: HttpRequest, venue: Venue) -> HttpResponse:
    return _history(request, venue, ClosePeriodForm())


def _history(request: HttpRequest, venue: Venue, form: ClosePeriodForm) -> HttpResponse:
    periods = list(
        venue.periods.newest_first().defer("venue_document").select_related("reopened_by")
    )
    role = Role(venue.role)
    years = sorted({p.month.year for p in periods} | {timezone.localdate().year}, reverse=True)
    context = {
        "venue": venue,
        "draft": _draft(venue),
        "periods": periods,
        "form": form,
        "can_close": role.allows(Role.EDITOR),
        "can_reopen": role.allows(Role.OWNER),
        "years": years,
    }
    return render(request, "periods/history.html", context)


@venue_view(Role.EDITOR, methods=("POST",), scenarios=False)
def period_close(request: HttpRequest, venue: Venue) -> HttpResponse:
    form = ClosePeriodForm(request.POST)
    if form.is_valid():
        try:
            period = close_period(venue, form.cleaned_data["month"], request.user)
        except PeriodError as error:
            form.add_error("month", error.message)
        else:
            messages.success(
                request,
                _("%(month)s est clôturé (version %(version)s).")
                % {"month": period.label.capitalize(), "version": period.version},
            )
            return redirect("period_list", venue.pk)
    return _history(request, venue, form)


@venue_view(Role.OWNER, methods=("POST",), scenarios=False)
def period_reopen(request: HttpRequest, venue: Venue, month: str) -> HttpResponse:
    try:
        period = venue.periods.current().get(month=_month(month))
    except Period.DoesNotExist:
        raise Http404 from None
    period.reopen(request.user)
    messages.success(
        request,
        _(
            "%(month)s est rouvert : la version %(version)s reste lisible, une nouvelle "
            "clôture en fera la version %(next)s."
        )
        % {
            "month": period.label.capitalize(),
            "version": period.version,
            "next": period.version + 1,
        },
    )
    return redirect("period_list", venue.pk)


@venue_view(Role.OWNER, methods=("POST",), scenarios=False)
def share_pin(request: HttpRequest, venue: Venue, link_id: int) -> HttpResponse:
    """Pin a share link to one closed month (a version in force), or unpin it (empty month),
    from the venue's share links page (venues/templates/venues/share_links.html)."""
    link = get_object_or_404(venue.share_links.active(), pk=link_id)
    text = request.POST.get("period", "").strip()
    before = journal.snapshot(link, ["period"])
    if text:
        try:
            period = venue.periods.current().get(month=parse_month(text))
        except (PeriodError, Period.DoesNotExist):
            messages.error(
                request,
                _("« %(month)s » n'est pas un mois clôturé de ce lieu : le lien reste inchangé.")
                % {"month": text[:20]},
            )
            return redirect("share_links", venue.pk)
        link.period = period.key
        message = _("Le lien « %(label)s » montre désormais %(month)s, et lui seul.") % {
            "label": link.label,
            "month": period.label,
        }
    else:
        link.period = ""
        message = _("Le lien « %(label)s » montre de nouveau le brouillon et chaque mois clôturé.")
        message %= {"label": link.label}
    link.save(update_fields=["period"])
    after = journal.snapshot(link, ["period"])
    journal.record(venue, link, Change.Action.CHANGED, before=before, after=after, label=link.label)
    messages.success(request, message)
    return redirect("share_links", venue.pk)


# One period -----------------------------------------------------------------------------------


@venue_view(Role.VIEWER, scenarios=False)
def period_detail(request: HttpRequest, venue: Venue, month: str) -> HttpResponse:
    period = _period(venue, month, _version(request))
    context = {
        "venue": venue,
        "period": period,
        "keys": key_labels(period.allocation),
        **summary.summary_context(period.allocation),
    }
    return render(request, "periods/period.html", context)


@venue_view(Role.VIEWER, scenarios=False)
def period_allocation(request: HttpRequest, venue: Venue, month: str) -> HttpResponse:
    """The frozen allocation document, byte for byte."""
    period = _period(venue, month, _version(request))
    response = HttpResponse(period.allocation_document, content_type="application/json")
    name = f"{venue.slug}.{period.key}.v{period.version}.allocation.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@venue_view(Role.VIEWER, scenarios=False)
def period_statement(request: HttpRequest, venue: Venue, month: str) -> HttpResponse:
    period = _period(venue, month, _version(request))
    language = _language(request)
    name = f"{venue.slug}.{period.key}.v{period.version}.{language}.pdf"
    return _pdf(period_pdf(period, language), name)


# Comparing two allocations --------------------------------------------------------------------


def _chosen(periods: list[Period], key: str) -> Period | None:
    """The period `key` names among `periods`: "YYYY-MM.vN", or "YYYY-MM" for its version in
    force; None when there is none."""
    month, _sep, version = key.partition(".v")
    for period in periods:
        if period.key == month and (
            str(period.version) == version or (not version and period.in_force)
        ):
            return period
    return None


def _side(venue: Venue, period: Period | None, key: str, loaded: dict[int, Period]):
    """(label, allocation, cost items) of one side of a comparison; None when not found."""
    if key == DRAFT:
        allocation = _draft(venue)  # prefetches the rows the venue document reads
        items = venue_document(engine_venue(venue))["cost_items"]
        return _("Brouillon (aujourd'hui)"), allocation, items
    if period is None:
        return None
    period = loaded[period.pk]
    return period_choice_label(period), period.allocation, period.cost_items


def period_choice_label(period: Period) -> str:
    if period.in_force:
        return period.label
    return _("%(month)s, version %(version)s (rouverte)") % {
        "month": period.label,
        "version": period.version,
    }


@venue_view(Role.VIEWER, scenarios=False)
def period_compare(request: HttpRequest, venue: Venue) -> HttpResponse:
    """Any two of the draft and the closed periods: by default the latest period in force
    and the draft."""
    # Every period for the choices, without their documents; the two compared, whole.
    periods = list(venue.periods.newest_first().defer("venue_document", "allocation_document"))
    options = [(DRAFT, _("Brouillon (aujourd'hui)"))] + [
        (p.choice_key, period_choice_label(p)) for p in periods
    ]
    in_force = [p for p in periods if p.in_force]
    before_key = request.GET.get("before", in_force[0].choice_key if in_force else DRAFT)
    after_key = request.GET.get("after", DRAFT)
    chosen = [_chosen(periods, before_key), _chosen(periods, after_key)]
    # "YYYY-MM" (its version in force) is shown selected as the option it names
    before_key, after_key = (
        period.choice_key if period else key
        for period, key in zip(chosen, (before_key, after_key), strict=True)
    )
    wanted = [period.pk for period in chosen if period is not None]
    loaded = venue.periods.in_bulk(wanted) if wanted else {}
    before = _side(venue, chosen[0], before_key, loaded)
    after = _side(venue, chosen[1], after_key, loaded)
    comparison = changes = None
    # Each side in its own currency (a closed month keeps the one it was closed in); the
    # differences only when both have the same.
    currencies = [side[1].currency if side else venue.currency for side in (before, after)]
    if before and after:
        comparison = comparing.compare(before[1], after[1], before[2], after[2])
        changes = [(c.label, _described(c.fields, *currencies)) for c in comparison.changed]
    context = {
        "venue": venue,
        "options": options,
        "before_key": before_key,
        "after_key": after_key,
        "before": before,
        "after": after,
        "comparison": comparison,
        "changes": changes,
        "before_currency": currencies[0],
        "after_currency": currencies[1],
        "change_currency": currencies[0] if currencies[0] == currencies[1] else "",
    }
    return render(request, "periods/compare.html", context)


def _described(fields, before_currency: str, after_currency: str) -> list[tuple[str, str, str]]:
    """An item's changed fields as the reader says them: "montant : 1 100,00 € → 2 000,00 €"."""
    described = []
    for name, before, after in fields:
        field = CostItem._meta.get_field(name)
        described.append(
            (
                str(field.verbose_name),
                _value(field, before, before_currency),
                _value(field, after, after_currency),
            )
        )
    return described


def _value(field, value, currency: str) -> str:
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if field.name == "amount":
        return money(value, currency)
    return str(value)


# A year ---------------------------------------------------------------------------------------


def year_columns(venue: Venue, year: int, periods, *, with_draft: bool) -> dict:
    """The twelve months of `year`: each month's period in force, and the draft in the
    current month when it is not closed (`with_draft`); as the year's table takes them, with
    the currencies its closed months were closed in."""
    by_month = {p.month: p for p in periods if p.in_force and p.month.year == year}
    this_month = timezone.localdate().replace(day=1)
    columns = []
    for number in range(1, 13):
        month = date(year, number, 1)
        if month in by_month:
            columns.append((month, by_month[month].allocation, False))
        elif with_draft and month == this_month:
            columns.append((month, _draft(venue), True))
        else:
            columns.append((month, None, False))
    header, rows = comparing.year_table(columns, venue.currency)
    currencies = sorted({c.currency for c in header if c.currency and not c.draft})
    return {"columns": header, "rows": rows, "currencies": currencies}


def _year(year: int) -> int:
    if not 2000 <= year <= 9999:
        raise Http404
    return year


@venue_view(Role.VIEWER, scenarios=False)
def period_year(request: HttpRequest, venue: Venue, year: int) -> HttpResponse:
    periods = list(venue.periods.current().filter(month__year=_year(year)).defer("venue_document"))
    # The years worth a link: from the first closed month's (or this one) to this year's.
    this_year = timezone.localdate().year
    first = venue.periods.aggregate(first=Min("month"))["first"]
    first_year = min(first.year if first else this_year, this_year)
    context = {
        "venue": venue,
        "year": year,
        "previous_year": year - 1 if year > first_year else None,
        "next_year": year + 1 if year < this_year else None,
        **year_columns(venue, year, periods, with_draft=True),
        "closed": bool(periods),
    }
    return render(request, "periods/year.html", context)


@venue_view(Role.VIEWER, scenarios=False)
def year_statement(request: HttpRequest, venue: Venue, year: int) -> HttpResponse:
    """The year's closed months (the draft is not part of a statement)."""
    periods = list(venue.periods.current().filter(month__year=_year(year)).defer("venue_document"))
    if not periods:
        raise Http404
    periods.sort(key=lambda p: p.month)
    context = {
        # As the year's last closed month was frozen: renaming the venue changes no statement.
        "venue_name": periods[-1].allocation.venue_name,
        "year": year,
        **year_columns(venue, year, periods, with_draft=False),
        "periods": periods,
    }
    language = _language(request)
    created = max(p.closed_at for p in periods)
    content = render_pdf(
        "periods/year_statement.html", lambda: context, created=created, language=language
    )
    return _pdf(content, f"{venue.slug}.{year}.{language}.pdf")
