"""The template loader (tierslieux/template_loader.py): one compiled copy of a template per
language, its constant `{% translate %}` tags translated once, every page exactly as Django's
own loader renders it."""

import pytest
from django.conf import settings
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.templatetags.i18n import TranslateNode
from django.utils import translation

from costing import engine
from costing.documents import load_venue_document
from costing.examples import WORKED_EXAMPLE
from costing.summary import summary_context
from tierslieux.template_loader import Loader, TranslatedNode

# Every way the pages use {% translate %}, and what it must leave alone. "Répartition",
# "Catégorie", "Non couvert", "Surface %" and " : " (with its context) are in the catalogue.
SOURCES = {
    "page.html": """{% extends "base.html" %}{% load i18n %}
{% block content %}{% translate "Répartition" %}|{% translate "Surface %" %}
{% translate " : " context "label and value" %}|
{% translate "Non couvert" as uncovered %}[{{ uncovered }}]
{% translate "Catégorie" noop %}|{% translate name %}|{% translate "Catégorie"|upper %}
{% if flag %}{% translate "Catégorie" %}{% elif other %}{% translate "Non couvert" %}
{% else %}{% translate "Répartition" %}{% endif %}
{% for x in items %}{% translate "Catégorie" %}{{ x }}
{% empty %}{% translate "Non couvert" %}{% endfor %}
{% with y=name %}{% translate "Répartition" %}{{ y }}{% endwith %}
{% partialdef part inline %}<p>{% translate "Catégorie" %}</p>{% endpartialdef %}
{% partialdef later %}<p>{% translate "Non couvert" %}</p>{% endpartialdef %}{% partial later %}
{% autoescape off %}{% translate "Répartition" %}{{ name }}{% endautoescape %}
{% blocktranslate with n=name %}Supprimer « {{ n }} »{% endblocktranslate %}
{% include "included.html" %}{% endblock %}""",
    "base.html": """{% load i18n %}<title>{% translate "Répartition" %}</title>
{% block content %}{% endblock %}""",
    "included.html": """{% load i18n %}<i>{% translate "Catégorie" %} {{ name }}</i>""",
}
CONTEXTS = [
    {"name": "Résidents <b>&", "flag": True, "items": ["<a>", "b"]},
    {"name": "Non couvert", "other": True, "items": []},
    {"name": "x"},
]


def backend(loader: str) -> DjangoTemplates:
    return DjangoTemplates(
        {
            "NAME": f"test-{loader}",
            "DIRS": [],
            "APP_DIRS": False,
            "OPTIONS": {
                "loaders": [(loader, [("django.template.loaders.locmem.Loader", SOURCES)])]
            },
        }
    )


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_use_of_translate_renders_as_djangos_own_cached_loader_renders_it(language):
    ours = backend("tierslieux.template_loader.Loader")
    django = backend("django.template.loaders.cached.Loader")
    with translation.override(language):
        for context in CONTEXTS:
            expected = django.get_template("page.html").render(context)
            assert ours.get_template("page.html").render(context) == expected
            assert ours.get_template("page.html#later").render(context) == (
                django.get_template("page.html#later").render(context)
            )
    if language == "en":
        assert "Allocation|Area %" in expected  # the catalogue was read, not only the source
        assert "[Uncovered]" in expected


def test_the_constant_tags_are_translated_once_the_others_stay_tags():
    with translation.override("en"):
        template = backend("tierslieux.template_loader.Loader").get_template("page.html")
    nodes = template.template.nodelist
    translated = nodes.get_nodes_by_type(TranslatedNode)
    left = nodes.get_nodes_by_type(TranslateNode)
    assert {node.escaped for node in translated} >= {"Allocation", "Category", "Uncovered"}
    # Only a variable and a filtered text stay tags (those in {% if %}, {% for %}, the
    # partials, the blocks are all translated).
    assert sorted(str(node.filter_expression) for node in left) == [
        '"Catégorie"|upper',
        "name",
    ]


def test_each_language_has_its_own_copy_and_switching_back_and_forth_keeps_each_right():
    ours = backend("tierslieux.template_loader.Loader")
    seen = []
    for language in ("fr", "en", "fr", "en"):
        with translation.override(language):
            seen.append(ours.get_template("base.html").render({}))
    assert seen == ["<title>Répartition</title>\n", "<title>Allocation</title>\n"] * 2


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    "partial", ["cost-table", "allocation-table", "warnings", "chart", "category-cards"]
)
def test_the_summarys_partials_are_what_django_renders(language, partial):
    plain = DjangoTemplates(
        {"NAME": "plain", "DIRS": settings.TEMPLATES[0]["DIRS"], "APP_DIRS": True, "OPTIONS": {}}
    )
    allocation = engine.allocate_despite_violations(load_venue_document(WORKED_EXAMPLE.read_text()))
    name = f"costing/allocation.html#{partial}"
    with translation.override(language):
        context = {**summary_context(allocation), "cards": "summary"}
        expected = plain.get_template(name).render(context)
        assert engines["django"].get_template(name).render(context) == expected


def test_it_is_the_projects_loader():
    loaders = engines["django"].engine.template_loaders
    assert [type(loader) for loader in loaders] == [Loader]
