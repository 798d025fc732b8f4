"""The project's widget templates (templates/django/forms/) are Django's own with their
includes inlined, for speed: they must render the same HTML as Django's, whitespace aside, for
every widget the app uses, so that a Django upgrade changing its templates is noticed."""

import re

import pytest
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.forms.utils import ErrorList

from costing.forms import AllocationKeysForm, CostItemForm, MemberCategoryForm


def same(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize(
    "form",
    [
        CostItemForm(prefix="item"),
        CostItemForm(
            {"item-label": "", "item-amount": "-1", "item-frequency": "one_off"},
            prefix="item",
            siblings=[],
        ),
        MemberCategoryForm(prefix="category"),
        AllocationKeysForm(initial={"infrastructure_key": "surface"}),
    ],
    ids=["item", "item-with-errors", "category", "keys"],
)
def test_the_inlined_widget_templates_render_what_djangos_render(form):
    assert isinstance(form.renderer, TemplatesSetting)  # FORM_RENDERER: the project's templates
    for name in form.fields:
        field = form[name]
        errors = list(field.errors)
        ours = field.as_widget(), field.as_hidden(), str(ErrorList(errors, field_id=name))
        form.renderer = DjangoTemplates()
        django = (
            field.as_widget(),
            field.as_hidden(),
            str(ErrorList(errors, field_id=name, renderer=form.renderer)),
        )
        form.renderer = TemplatesSetting()
        assert [same(html) for html in ours] == [same(html) for html in django], name
    assert not form.is_bound or form.errors  # the bound form does show error lists
