"""The form renderer (tierslieux/forms.py): every widget exactly as Django renders it, each
distinct widget context rendered once."""

from decimal import Decimal
from unittest import mock

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils import translation
from django.utils.safestring import mark_safe

from costing.forms import CostItemForm, MemberCategoryForm
from costing.models import CostItem, MemberCategory
from tierslieux.forms import VALUE_HOLE_TEMPLATES, VALUE_MARKER, WidgetMemoRenderer


def item_forms() -> list[forms.Form]:
    item = CostItem(
        pk=12, label="Loyer <b>", amount=Decimal("1200.50"), frequency="one_off",
        amortization_months=36, pool="infrastructure", tier="basic", version=3,
    )  # fmt: skip
    bound = CostItemForm(
        {"item-12-label": "", "item-12-amount": "-1", "item-12-frequency": "yearly"},
        instance=item, prefix="item-12", siblings=[],
    )  # fmt: skip
    bound.is_valid()  # with its errors: aria-invalid, aria-describedby
    category = MemberCategory(pk=4, name="Résidents", surface_share_pct=Decimal("12.5"))
    return [
        CostItemForm(instance=item, prefix="item-12"),
        bound,
        MemberCategoryForm(instance=category, prefix="category-4"),
        CostItemForm(prefix="new-infrastructure-basic"),
    ]


def widgets(form: forms.Form, renderer) -> list[str]:
    form.renderer = renderer
    return [str(form[name]) for name in form.fields]


def test_it_is_the_projects_form_renderer():
    assert isinstance(get_default_renderer(), WidgetMemoRenderer)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_widget_is_what_django_renders_the_first_time_and_every_time(language):
    memo = WidgetMemoRenderer()
    with translation.override(language):
        for form in item_forms():
            expected = widgets(form, DjangoTemplates())
            assert widgets(form, memo) == expected  # rendered
            assert widgets(form, memo) == expected  # remembered
    assert "Loyer &lt;b&gt;" in "".join(widgets(item_forms()[0], memo))  # still escaped


def test_a_widget_context_seen_before_is_not_rendered_again():
    memo = WidgetMemoRenderer()
    item = item_forms()[0].instance
    render = DjangoTemplates.render
    with mock.patch.object(DjangoTemplates, "render", autospec=True, wraps=render) as rendered:
        widgets(CostItemForm(instance=item, prefix="item-12"), memo)
        first = rendered.call_count
        assert first == len(CostItemForm.base_fields)
        widgets(CostItemForm(instance=item, prefix="item-12"), memo)
        assert rendered.call_count == first  # all remembered
        item.version, item.amount = 4, Decimal("1300")  # as after an edit
        edited = widgets(CostItemForm(instance=item, prefix="item-12"), memo)
        assert rendered.call_count == first  # a new value goes in its place, nothing rendered
    assert edited == widgets(CostItemForm(instance=item, prefix="item-12"), DjangoTemplates())


TRICKY = ["", "0", "1 700,50", 'a "quoted" <b>value</b> & more', "l'été", "\ue000", VALUE_MARKER]


@pytest.mark.parametrize("template", sorted(VALUE_HOLE_TEMPLATES))
@pytest.mark.parametrize("value", TRICKY)
def test_a_value_put_in_its_place_is_what_django_renders(template, value):
    attrs = {"id": "id_item-3-amount", "required": True, "maxlength": 20, "hidden": False}
    widget = {"name": "item-3-amount", "value": value, "type": "text", "attrs": attrs}
    context = {"widget": {**widget, "is_hidden": False, "template_name": template}}
    memo = WidgetMemoRenderer()
    expected = DjangoTemplates().render(template, context)
    assert memo.render(template, context) == expected
    assert memo.render(template, context) == expected  # from the memo
    assert len(memo._memo) == 1
    without = {"widget": {**context["widget"], "value": None}}  # no value attribute at all
    assert memo.render(template, without) == DjangoTemplates().render(template, without)


def test_a_safe_value_is_rendered_as_django_renders_it():
    context = {"widget": {"name": "x", "value": mark_safe("<b>"), "type": "hidden", "attrs": {},
                          "template_name": "django/forms/widgets/hidden.html"}}  # fmt: skip
    memo = WidgetMemoRenderer()
    assert memo.render("django/forms/widgets/hidden.html", context) == (
        DjangoTemplates().render("django/forms/widgets/hidden.html", context)
    )


def test_each_language_has_its_own_markup():
    memo = WidgetMemoRenderer()
    form = item_forms()[0]
    with translation.override("fr"):
        french = widgets(form, memo)
    with translation.override("en"):
        english = widgets(form, memo)
    assert french != english  # the frequency's options are named in each language
    with translation.override("fr"):
        assert widgets(form, memo) == french


def test_a_context_that_is_not_plain_data_is_rendered_every_time():
    memo = WidgetMemoRenderer()
    context = {"widget": {"name": "x", "value": object(), "attrs": {}, "type": "text",
                          "template_name": "django/forms/widgets/text.html"}}  # fmt: skip
    with mock.patch.object(DjangoTemplates, "render", return_value="<input>") as rendered:
        memo.render("django/forms/widgets/text.html", context)
        memo.render("django/forms/widgets/text.html", context)
    assert rendered.call_count == 2
    assert memo._memo == {}


def test_past_its_size_the_memo_starts_again_from_empty(monkeypatch):
    monkeypatch.setattr("tierslieux.forms.MEMO_SIZE", 3)
    memo = WidgetMemoRenderer()
    form = item_forms()[0]
    rendered = widgets(form, memo)  # six widgets through a memo of three
    assert 0 < len(memo._memo) <= 3
    assert widgets(form, memo) == rendered
