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
"""

import hashlib
import json

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.translation import get_language

WIDGETS = "django/forms/widgets/"
MEMO_SIZE = 20_000  # a widget's markup weighs 100 to 500 bytes: 10 MB at most


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
        try:
            text = json.dumps(
                [template_name, get_language(), context], sort_keys=True, default=_plain
            )
        except TypeError:  # not plain data: rendered, not kept
            return super().render(template_name, context, request)
        key = hashlib.blake2b(text.encode(), digest_size=16).digest()
        markup = self._memo.get(key)
        if markup is None:
            markup = super().render(template_name, context, request)
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = markup
        return markup
