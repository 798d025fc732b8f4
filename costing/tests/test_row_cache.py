"""Each row of the workspace is cached under its own stored values (costing/workspace.py
Workspace.markup, venues/pagecache.py row_key): after an edit, the next view renders the changed
row only, and a row changed by any path shows its new values at once."""

import pytest
from django.test import Client
from django.urls import reverse

from costing.models import CostItem, MemberCategory
from costing.workspace import Workspace
from tests.helpers import item_data, rent
from venues import pagecache

HTMX = {"HX-Request": "true"}


@pytest.fixture
def rendered_rows(monkeypatch) -> list[str]:
    """The rows the workspace renders (as "item-12") and the fragments rendered for the cache
    (as "#add-item"), as they are rendered."""
    seen: list[str] = []
    original = Workspace._render_row
    fragment = pagecache.fragment

    def spy(self, kind, row, form=None):
        seen.append(f"{kind.name}-{row.pk}")
        return original(self, kind, row, form)

    def spy_fragment(template_name, context):
        if "#add-" in template_name:
            seen.append(template_name.split("#")[1])
        return fragment(template_name, context)

    monkeypatch.setattr(Workspace, "_render_row", spy)
    monkeypatch.setattr(pagecache, "fragment", spy_fragment)
    return seen


def _edit_rent(client: Client, venue):
    """The rent's amount set to 1 234,50 through htmx: the item and the answer."""
    item = rent(venue)
    answer = client.post(
        reverse("item_edit", args=[venue.pk, item.pk]),
        item_data(item, amount="1 234,5"),
        headers=HTMX,
    )
    return item, answer


def test_after_an_edit_the_next_view_renders_no_row_the_edit_cached_the_changed_one(
    alice_client, example, rendered_rows
):
    rows = example.cost_items.count() + example.categories.count()
    alice_client.get(example.get_absolute_url())
    assert len([seen for seen in rendered_rows if "-" in seen and seen[-1].isdigit()]) == rows
    assert rendered_rows.count("add-item") == 4 and rendered_rows.count("add-category") == 1
    rendered_rows.clear()
    item, answer = _edit_rent(alice_client, example)
    assert rendered_rows == [f"item-{item.pk}"]  # the edit's answer, into the row cache
    assert f'name="item-{item.pk}-amount" value="1234,50"' in answer.text
    rendered_rows.clear()
    page = alice_client.get(example.get_absolute_url()).text
    assert rendered_rows == []  # no row, no add form: all from the cache
    assert f'name="item-{item.pk}-amount" value="1234,50"' in page
    assert f'name="item-{item.pk}-version" value="2"' in page
    assert page.count("<form") > rows  # every row is on the page, cached or not


def test_a_row_changed_outside_the_app_shows_its_new_values_at_once(alice_client, example):
    alice_client.get(example.get_absolute_url())
    item = rent(example)
    CostItem.objects.filter(pk=item.pk).update(label="Loyer révisé")  # no version change
    category = example.categories.first()
    MemberCategory.objects.filter(pk=category.pk).update(name="Résidents & co")
    page = alice_client.get(example.get_absolute_url()).text
    assert 'value="Loyer révisé"' in page
    assert 'value="Résidents &amp; co"' in page


def test_a_cached_row_carries_each_visitors_own_csrf_token_and_rights(
    alice_client, victor_client, example
):
    alice_page = alice_client.get(example.get_absolute_url()).text
    other = Client()
    other.force_login(example.memberships.get(role="owner").user)
    other_page = other.get(example.get_absolute_url()).text
    token = 'name="csrfmiddlewaretoken" value="'
    alice_tokens = {part.split('"', 1)[0] for part in alice_page.split(token)[1:]}
    other_tokens = {part.split('"', 1)[0] for part in other_page.split(token)[1:]}
    assert len(alice_tokens) == len(other_tokens) == 1
    assert alice_tokens != other_tokens
    # A viewer's rows are not an editor's rows from the cache.
    viewer_page = victor_client.get(example.get_absolute_url()).text
    assert "hx-post" not in viewer_page.split('id="items"', 1)[1].split('id="summary"', 1)[0]


def test_rows_loaded_in_one_query_keep_their_decimal_places(example):
    """The categories come second in load_rows' UNION: their decimals keep the scale a query of
    their own model gives (SQLite would give 100 for 100.00), so that forms show « 100,00 »."""
    from costing.models import MemberCategory, load_rows

    venue = type(example).objects.get(pk=example.pk)
    load_rows(venue)
    loaded = {c.pk: c for c in venue.categories.all()}
    for category in MemberCategory.objects.filter(venue=example):
        for field in ("surface_share_pct", "infrastructure_pct", "services_pct"):
            assert str(getattr(loaded[category.pk], field)) == str(getattr(category, field))


def test_the_summary_the_edit_rendered_is_the_one_the_next_view_shows_rendered_once(
    alice_client, victor_client, example, monkeypatch, settings
):
    """The summary is cached under the allocation's values (Workspace.summary_markup): the
    edit's answer renders it, the next view takes it; a viewer (no warnings to fix) and
    another language get their own."""
    summaries: list[str] = []
    fragment = pagecache.fragment

    def spy(template_name, context):
        if template_name.endswith("#summary-body"):
            summaries.append(template_name)
        return fragment(template_name, context)

    def summary(html: str) -> str:  # from the summary's title to the end of the answer or page
        return html.split('<h2 id="summary-title">', 1)[1]

    monkeypatch.setattr(pagecache, "fragment", spy)
    before = alice_client.get(example.get_absolute_url()).text
    summaries.clear()
    answer = _edit_rent(alice_client, example)[1].text
    assert len(summaries) == 1
    new = summary(answer).rsplit("</section>", 1)[0]
    assert new not in before  # the new allocation's
    page = alice_client.get(example.get_absolute_url()).text
    assert len(summaries) == 1  # from the cache
    assert new in page  # the same markup
    victor_client.get(example.get_absolute_url())
    assert len(summaries) == 2  # a viewer's summary is its own
    victor_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = victor_client.get(example.get_absolute_url()).text
    assert len(summaries) == 3
    assert "Allocation" in summary(english) or "allocation" in summary(english)


def test_a_rows_actions_are_rendered_once_and_name_it_again_once_it_is_renamed_or_noted(
    alice_client, example, monkeypatch
):
    """A row's buttons and links ({% cache %} "row-actions", kept per process): the same at
    every render of the row until it is renamed or its notes change, which they show."""
    from django.templatetags import i18n

    labels: list[str] = []  # each "Supprimer « … »" rendered, as it is rendered
    render = i18n.BlockTranslateNode.render

    def spy(self, context):
        text = render(self, context)
        if text.startswith("Supprimer «"):
            labels.append(text)
        return text

    monkeypatch.setattr(i18n.BlockTranslateNode, "render", spy)
    item = rent(example)
    url = reverse("item_edit", args=[example.pk, item.pk])
    for amount in ("1 234,5", "1 300"):
        item.refresh_from_db()
        answer = alice_client.post(url, item_data(item, amount=amount), headers=HTMX).text
        assert "Supprimer « Loyer du local »" in answer
    assert labels.count("Supprimer « Loyer du local »") <= 1  # the second edit: from the cache

    item.refresh_from_db()
    renamed = item_data(item, label="Loyer <révisé>")
    answer = alice_client.post(url, renamed, headers=HTMX).text
    assert "Supprimer « Loyer &lt;révisé&gt; »" in answer
    assert 'aria-label="Supprimer « Loyer du local »"' not in answer
    assert 'class="details"' in answer

    CostItem.objects.filter(pk=item.pk).update(notes="Bail <signé> en 2024")
    page = alice_client.get(example.get_absolute_url()).text
    row = page.split(f'id="item-{item.pk}"', 1)[1].split("</form>", 1)[0]
    assert 'class="details has-notes"' in row
    assert 'title="Bail &lt;signé&gt; en 2024"' in row


def test_a_rows_actions_and_fields_are_in_the_language_of_the_page(alice_client, example, settings):
    """Both kept by {% cache %} ("row-actions", "item-fields"), each under its language."""
    item = rent(example)
    url = reverse("item_edit", args=[example.pk, item.pk])
    french = alice_client.post(url, item_data(item, amount="1 250"), headers=HTMX).text
    item.refresh_from_db()
    alice_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = alice_client.post(url, item_data(item, amount="1 260"), headers=HTMX).text
    assert "Supprimer « Loyer du local »" in french
    assert "Delete “Loyer du local”" in english
    assert ">compté</label>" in french and ">par mois</option>" in french
    assert ">counted</label>" in english and ">per month</option>" in english
    assert "Supprimer" not in english


@pytest.fixture
def rendered_widgets(monkeypatch) -> list[str]:
    """The names of the form fields rendered as widgets, as they are rendered."""
    from django.forms.boundfield import BoundField

    seen: list[str] = []
    as_widget = BoundField.as_widget

    def spy(self, *args, **kwargs):
        seen.append(self.html_name)
        return as_widget(self, *args, **kwargs)

    monkeypatch.setattr(BoundField, "as_widget", spy)
    return seen


def test_an_items_other_fields_are_rendered_once_and_show_every_value_they_take(
    alice_client, example, rendered_widgets
):
    """The fields an edit of the amount leaves as they were ({% cache %} "item-fields"): the
    label, the frequency, the months and "counted" are rendered once while only the amount
    changes, and again as soon as one of them changes."""
    item = rent(example)
    prefix = f"item-{item.pk}"
    url = reverse("item_edit", args=[example.pk, item.pk])
    for amount in ("1 234,5", "1 300"):
        item.refresh_from_db()
        answer = alice_client.post(url, item_data(item, amount=amount), headers=HTMX).text
        assert 'value="Loyer du local"' in answer and "compté" in answer
    assert rendered_widgets.count(f"{prefix}-amount") == 2
    assert rendered_widgets.count(f"{prefix}-label") == 1  # the second answer: from the cache
    assert rendered_widgets.count(f"{prefix}-included") == 1

    item.refresh_from_db()
    changed = item_data(
        item, label="Loyer <révisé>", frequency="one_off", amortization_months="24", included=""
    )
    answer = alice_client.post(url, changed, headers=HTMX).text
    assert 'value="Loyer &lt;révisé&gt;"' in answer
    assert '<option value="one_off" selected>' in answer
    assert f'name="{prefix}-amortization_months" value="24"' in answer
    assert f'name="{prefix}-included" id="id_{prefix}-included" checked' not in answer

    # Refused (a negative amount): the row shows what was posted, not what was cached.
    item.refresh_from_db()
    refused = item_data(item, label="Loyer refusé", amount="-5", frequency="monthly")
    answer = alice_client.post(url, refused, headers=HTMX).text
    assert 'value="Loyer refusé"' in answer and 'value="Loyer &lt;révisé&gt;"' not in answer
    assert '<option value="monthly" selected>' in answer
