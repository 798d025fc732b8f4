"""Statements in PDF, rendered by the server with WeasyPrint (docs/periods.md).

A statement is the HTML of `periods/statement.html` (the same partials as the share page and
the workspace: costing/allocation.html, the share page's method) printed to PDF. It reads only
frozen documents, and its metadata dates are the closing time, not the time of printing: the
same closed period always gives the same text, and the same bytes.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from django.template.loader import render_to_string
from django.utils import translation

from costing import summary
from costing.engine import Allocation
from venues.models import AllocationKey

from .models import Period


def render_pdf(
    template_name: str, context: Callable[[], dict], *, created: datetime, language: str
) -> bytes:
    """`template_name` as a PDF in `language`: its context is made in that language too (a
    label it holds reads as the statement does, not as the page that asked for it)."""
    from weasyprint import HTML  # loads Pango: only when a statement is asked for
    from weasyprint.urls import URLFetcher

    with translation.override(language):
        stamp = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        html = render_to_string(template_name, {**context(), "created": stamp})
    # Everything a statement shows is in its HTML: it fetches nothing, by no protocol.
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


def key_labels(allocation: Allocation) -> dict[str, str]:
    """Each pool's allocation key, named in the reader's language."""
    return {pool: str(AllocationKey(key).label) for pool, key in allocation.keys.items()}


def period_pdf(period: Period, language: str) -> bytes:
    """The statement of a closed period (the venue's pages and the share page serve it)."""

    def context() -> dict:
        return {
            "period": period,
            "keys": key_labels(period.allocation),
            **summary.summary_context(period.allocation),
        }

    return render_pdf(
        "periods/statement.html", context, created=period.closed_at, language=language
    )
