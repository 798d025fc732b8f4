"""The outside probe of the security rules (docs/architecture.md), from inside: log in as
another user and replay every URL and form found in a venue's pages. Everything answers 404
and nothing changes; anonymous requests are sent to log in."""

import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest

from costing.models import CostItem, MemberCategory
from venues.models import Membership, ShareLink, Venue

pytestmark = pytest.mark.django_db

URL_ATTRIBUTES = re.compile(r'\b(?:href|action|formaction|hx-post|hx-get)="([^"]+)"')
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"(?:[^>]*\bvalue="([^"]*)")?')


def snapshot() -> list:
    return [
        list(model.objects.order_by("pk").values())
        for model in (Venue, CostItem, MemberCategory, ShareLink, Membership)
    ]


def crawl(client, start: str, venue: Venue) -> tuple[set[str], dict[str, dict]]:
    """Every URL of the venue found in its pages, and the fields of the forms posting to them."""
    prefix = f"/venues/{venue.pk}/"
    seen, forms, queue = set(), {}, [start]
    while queue:
        page = queue.pop()
        if page in seen:
            continue
        seen.add(page)
        response = client.get(page)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        html = response.text
        for form in FORM.findall(html):
            fields = {name: unescape(value or "x") for name, value in FIELD.findall(form)}
            for url in URL_ATTRIBUTES.findall(form):
                forms.setdefault(urljoin(page, unescape(url)), {}).update(fields)
        for url in URL_ATTRIBUTES.findall(html):
            url = urlsplit(urljoin(page, unescape(url))).path
            if url.startswith(prefix):
                queue.append(url)
    return {url for url in seen | set(forms) if url.startswith(prefix)}, forms


def test_another_user_replaying_every_url_and_form_of_a_venue_gets_404_and_changes_nothing(
    alice_client, charlie_client, client, example
):
    ShareLink.objects.create(venue=example, label="AG")
    urls, forms = crawl(alice_client, example.get_absolute_url(), example)
    assert len(urls) > 40 and len(forms) > 30, (len(urls), len(forms))  # rows, exports, links…
    before = snapshot()
    for url in sorted(urls):
        data = forms.get(url, {})
        for method in (charlie_client.get, charlie_client.post):
            assert method(url, data).status_code == 404, url
            assert method(url, data, headers={"HX-Request": "true"}).status_code == 404, url
        for method in (client.get, client.post):
            response = method(url, data)
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/login/"), url
    assert snapshot() == before
