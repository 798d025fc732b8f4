"""The project's template loader: Django's cached loader, one compiled copy per language, each
constant `{% translate "…" %}` translated once, when its copy is compiled.

`{% translate "Infrastructure" %}` looks its text up in the catalogue at every render, through a
lazy translation and the active language's thread-local: about 15 µs a tag on 2 cores, more
than any other tag the pages use but `{% url %}`. The workspace's summary, rendered again at
every edit, holds 38 of them; a row of the workspace, 11 (docs/scaling.md). Their text depends
on nothing but the active language, so each language gets its own compiled copy of a template,
in which such a tag is replaced by its text, translated and escaped as the tag would have
given it (the tag itself renders it, once).

Only a tag whose text and context are constants is replaced: `{% translate var %}`, filters, and
`{% blocktranslate %}` (which holds variables) stay as they are. `as name` keeps working (the
text is put in the context). Autoescaping is decided when the text is shown, as the tag decides
it. Templates are compiled for the language active when they are first asked for: Django asks
for them when it renders them (a view's, an include's, a partial's), under the language the
page is rendered in.
"""

from django.template import Context, Node, NodeList
from django.template.defaulttags import IfNode
from django.template.loaders import cached
from django.templatetags.i18n import TranslateNode
from django.utils.translation import get_language


class TranslatedNode(Node):
    """A constant `{% translate %}`, translated: its text escaped and as written."""

    child_nodelists = ()

    def __init__(self, escaped: str, raw: str, asvar: str | None) -> None:
        self.escaped, self.raw, self.asvar = escaped, raw, asvar

    def render(self, context: Context) -> str:
        text = self.escaped if context.autoescape else self.raw
        if self.asvar:
            context[self.asvar] = text
            return ""
        return text


def _constant(expression) -> bool:
    """A filter expression that is a literal (a quoted text), with no filter."""
    var = getattr(expression, "var", None)
    return (
        not expression.filters
        and getattr(var, "literal", None) is not None
        and getattr(var, "lookups", ()) is None
    )


def _translated(node: TranslateNode) -> TranslatedNode | None:
    if not _constant(node.filter_expression):
        return None
    if node.message_context is not None and node.message_context.is_var:
        return None

    def shown(autoescape: bool) -> str:
        # The tag's own rendering: the same text, translated and escaped as it gives it.
        context = Context(autoescape=autoescape)
        output = node.render(context)
        return context[node.asvar] if node.asvar else output

    return TranslatedNode(shown(True), shown(False), node.asvar)


def _nodelists(node: Node):
    """The node's own lists of children (not copies made by a property, as IfNode's is)."""
    if isinstance(node, IfNode):
        yield from (nodelist for _, nodelist in node.conditions_nodelists)
        return
    for attribute in node.child_nodelists:
        nodelist = vars(node).get(attribute)
        if isinstance(nodelist, NodeList):
            yield nodelist


def translate_constants(nodelist: NodeList, seen: set[int] | None = None) -> None:
    """Replace, in place, every constant `{% translate %}` of `nodelist` and its children."""
    seen = set() if seen is None else seen
    if id(nodelist) in seen:
        return
    seen.add(id(nodelist))
    for index, node in enumerate(nodelist):
        if isinstance(node, TranslateNode):
            translated = _translated(node)
            if translated is not None:
                translated.token, translated.origin = node.token, node.origin
                nodelist[index] = translated
            continue
        for children in _nodelists(node):
            translate_constants(children, seen)


class Loader(cached.Loader):
    """Django's cached loader, keyed by the active language as well as by the template's name,
    each copy's constant `{% translate %}` tags translated (see the module's docstring)."""

    def cache_key(self, template_name, skip=None):
        return f"{get_language()}:{super().cache_key(template_name, skip)}"

    def get_template(self, template_name, skip=None):
        compiled = self.cache_key(template_name, skip) in self.get_template_cache
        template = super().get_template(template_name, skip)
        if not compiled:
            # Two threads that compile it at once each translate their own copy; a thread that
            # takes the cached copy before it is translated renders the same text through the
            # {% translate %} tags themselves.
            seen: set[int] = set()
            translate_constants(template.nodelist, seen)
            for partial in template.extra_data.get("partials", {}).values():
                translate_constants(partial.nodelist, seen)
        return template
