"""Statements in PDF, rendered by the server with WeasyPrint (docs/periods.md).

A statement is the HTML of `periods/statement.html` (the same partials as the share page and
the workspace: costing/allocation.html, the share page's method) printed to PDF. It reads only
frozen documents, and its metadata dates are the closing time, not the time of printing: the
same closed period always gives the same text, and the same bytes.
"""

from datetime import UTC, datetime

from django.template.loader import render_to_string
from django.utils import translation


def render_pdf(template_name: str, context: dict, *, created: datetime, language: str) -> bytes:
    from weasyprint import HTML  # loads Pango: only when a statement is asked for

    with translation.override(language):
        stamp = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        html = render_to_string(template_name, {**context, "created": stamp})
    return HTML(string=html).write_pdf()
