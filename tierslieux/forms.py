"""The project's form renderer (FORM_RENDERER): Django's, which renders each distinct widget once.

A widget's markup is a pure function of its context (Django's widget templates read nothing
else), and rendering it through the template engine costs 60 to 240 µs (a select with its
options the most), about half of a workspace row: the htmx edit's answer renders a row of six
widgets, four of which (label, frequency, months, "counted") are the same as the last time that
row was rendered. The renderer keeps the markup of each widget context it has rendered, keyed by
the template, the language and the context itself (a digest of it as JSON: building the key
costs 4 to 20 µs), and renders again only a context it has not seen. A context holding anything
but plain data (strings, numbers, lists, dictionaries, translated texts) is rendered every time,
as Django would. Bounded: past MEMO_SIZE entries, it starts again from empty (docs/scaling.md).

The other two widgets of an edited row, its version and its amount, show a new value at each
edit. Django's input templates (`VALUE_HOLE_TEMPLATES`) show a value in one place only, the
`value` attribute, escaped: for them the key leaves the value out, the markup is rendered once
with a marker in its place, and each value is put where the marker is, escaped as the template
would (`{{ widget.value|stringformat:'s' }}` under autoescaping). A widget without a value
(None: no `value` attribute at all) is keyed and rendered whole, as any other.
"""

import hashlib
import json

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.translation import get_language

WIDGETS = "django/forms/widgets/"
MEMO_SIZE = 20_000  # a widget's markup weighs 100 to 500 bytes: 10 MB at most

# Django's templates that include input.html and nothing else: the value is shown once, as
# the `value` attribute (tests/test_form_renderer.py checks each against Django's rendering).
VALUE_HOLE_TEMPLATES = frozenset(
    f"{WIDGETS}{name}.html" for name in ("input", "text", "hidden", "number", "email", "url")
)
# A marker that escaping leaves as it is and that no form shows: private-use characters.
VALUE_MARKER = "\ue000value\ue000"


def _plain(value) -> str:
    if isinstance(value, Promise):  # a translated text: as the active language says it
        return str(value)
    raise TypeError(type(value).__name__)


class WidgetMemoRenderer(DjangoTemplates):
    """Django's DjangoTemplates renderer, each widget context rendered once per process."""

    def __init__(self) -> None:
        super().__init__()
        self._memo: dict[bytes, str] = {}

    def render(self, template_name, context, request=None):
        if request is not None or not template_name.startswith(WIDGETS):
            return super().render(template_name, context, request)
        widget = context.get("widget")
        value = widget.get("value") if isinstance(widget, dict) else None
        if (
            template_name in VALUE_HOLE_TEMPLATES
            and type(value) is str  # not a SafeString, which the template shows unescaped
            and VALUE_MARKER not in value
        ):
            markup = self._remembered(
                template_name, {**context, "widget": {**widget, "value": VALUE_MARKER}}
            )
            if markup.count(VALUE_MARKER) == 1:
                return markup.replace(VALUE_MARKER, escape(value))
        return self._remembered(template_name, context)

    def _remembered(self, template_name, context) -> str:
        try:
            text = json.dumps(
                [template_name, get_language(), context], sort_keys=True, default=_plain
            )
        except TypeError:  # not plain data: rendered, not kept
            return super().render(template_name, context)
        key = hashlib.blake2b(text.encode(), digest_size=16).digest()
        markup = self._memo.get(key)
        if markup is None:
            markup = super().render(template_name, context)
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = markup
        return markup
