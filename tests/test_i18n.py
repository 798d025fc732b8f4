"""English: the UI is written in French, and the language switcher offers English.

The English catalogue (locale/en/LC_MESSAGES) is committed compiled, so that deploys need no
gettext. These tests check that it is complete and compiled, and that once a visitor has
chosen English the pages, the forms' errors and the share pages read in English, while
French stays the default.
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from costing.documents import load_venue_document
from costing.models import MemberCategory, create_venue
from tests.helpers import EXAMPLE, item_data
from venues.models import ShareLink, Venue

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
HTMX = {"HX-Request": "true"}
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]|%%")


# The catalogue ------------------------------------------------------------------------------


@dataclass
class Entry:
    line: int
    strings: dict[str, str] = field(default_factory=dict)  # msgid, msgid_plural, msgstr[0]...
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def msgid(self) -> str:
        return self.strings.get("msgid", "")

    @property
    def msgid_plural(self) -> str | None:
        return self.strings.get("msgid_plural")

    @property
    def msgstr(self) -> list[str]:
        return [text for key, text in self.strings.items() if key.startswith("msgstr")]


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, read with the standard library only."""
    entries: list[Entry] = []
    entry = key = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            entry = key = None
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#~"):
            entry.obsolete = True
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):  # a continuation of the last keyword's string
            entry.strings[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry.strings[key] = ast.literal_eval(value)
    return entries


@pytest.fixture(scope="module")
def messages() -> list[Entry]:
    """The catalogue's messages, without its header and obsolete entries."""
    entries = read_po(CATALOGUE / "django.po")
    return [e for e in entries if not e.obsolete and e.msgid]


def test_the_english_catalogue_translates_every_message(messages):
    assert len(messages) > 200
    untranslated = [f"line {e.line}: {e.msgid}" for e in messages if not all(e.msgstr)]
    assert not untranslated, f"messages without an English translation: {untranslated}"


def test_no_english_translation_is_left_fuzzy():
    """msgmerge marks guesses `fuzzy`; gettext ignores them, so the page would stay French."""
    fuzzy = [
        f"line {e.line}: {e.msgid}" for e in read_po(CATALOGUE / "django.po") if "fuzzy" in e.flags
    ]
    assert not fuzzy, f"fuzzy entries to review: {fuzzy}"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="makemessages needs GNU gettext")
def test_every_message_of_the_sources_is_in_the_english_catalogue(tmp_path):
    """makemessages run over a copy of the sources finds no message the catalogue lacks: a
    new or reworded message is never shipped in French to the English reader."""
    sources = tmp_path / "sources"
    shutil.copytree(
        settings.BASE_DIR,
        sources,
        ignore=shutil.ignore_patterns(".*", "__pycache__", "db.sqlite3", "staticfiles"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--add-location", "file"],
        cwd=sources,
        env={**os.environ, "DJANGO_DEBUG": "1"},
        check=True,
        capture_output=True,
    )
    regenerated = read_po(sources / "locale" / "en" / "LC_MESSAGES" / "django.po")
    missing = [
        entry.msgid
        for entry in regenerated
        if entry.msgid and not entry.obsolete and ("fuzzy" in entry.flags or not all(entry.msgstr))
    ]
    assert not missing, f"run makemessages -l en and translate: {missing}"


def test_plural_messages_have_their_two_english_forms(messages):
    plurals = [e for e in messages if e.msgid_plural is not None]
    assert plurals
    for entry in plurals:
        assert len(entry.msgstr) == 2 and all(entry.msgstr), entry.msgid


def test_translations_keep_the_placeholders_of_their_french_source(messages):
    for entry in messages:
        for index, translation in enumerate(entry.msgstr):
            source = entry.msgid_plural if index and entry.msgid_plural else entry.msgid
            assert sorted(PLACEHOLDER.findall(translation)) == sorted(
                PLACEHOLDER.findall(source)
            ), f"placeholders differ: {source!r} -> {translation!r}"


def test_english_translations_use_english_punctuation(messages):
    """No French spacing before `:`, `?`, `!` or `;`, and no « guillemets »."""
    french = re.compile(r"[ \u00a0\u202f][:?!;]|[«»]")
    for entry in messages:
        for translation in entry.msgstr:
            assert not french.search(translation), translation


def test_the_committed_compiled_catalogue_matches_its_source(messages):
    """django.mo is committed: it must say what django.po says (run compilemessages)."""
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = []
    for entry in messages:
        context = entry.strings.get("msgctxt")
        if entry.msgid_plural is None:
            if context is None:
                compiled = [catalogue.gettext(entry.msgid)]
            else:
                compiled = [catalogue.pgettext(context, entry.msgid)]
        else:
            forms = (entry.msgid, entry.msgid_plural)
            if context is None:
                compiled = [catalogue.ngettext(*forms, n) for n in (1, 2)]
            else:
                compiled = [catalogue.npgettext(context, *forms, n) for n in (1, 2)]
        if compiled != entry.msgstr:
            stale.append(f"line {entry.line}: {entry.msgid}")
    assert not stale, f"django.mo is older than django.po for: {stale}"


# The pages ----------------------------------------------------------------------------------


@pytest.fixture
def example(alice) -> Venue:
    """The method's worked example (300 m², 2 500 € a month), owned by alice."""
    return create_venue(load_venue_document(EXAMPLE.read_bytes()), owner=alice)


def choose_english(client: Client) -> Client:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def assert_reads(html: str, english: list[str], french: list[str]) -> None:
    html = unescape(html)
    for text in english:
        assert text in html, f"missing English text: {text!r}"
    for text in french:
        assert text not in html, f"French text left: {text!r}"


@pytest.mark.django_db
def test_french_stays_the_default_without_the_language_cookie(client, alice_client, example):
    login = client.get("/accounts/login/").text
    assert '<html lang="fr">' in login
    assert_reads(login, ["Se connecter", "Mot de passe oublié"], ["Log in", "Forgotten"])
    workspace = alice_client.get(example.get_absolute_url()).text
    assert_reads(workspace, ["Postes de coût", "Coût mensuel incompressible"], ["Cost items"])


@pytest.mark.django_db
def test_after_choosing_english_the_login_page_is_in_english(client):
    response = choose_english(client).get("/accounts/login/")
    assert response.status_code == 200
    assert '<html lang="en">' in response.text
    assert_reads(
        response.text,
        ["Log in", "Forgotten your password?", "Username", "Password", "irreducible monthly cost"],
        ["Se connecter", "Mot de passe oublié", "Nom d’utilisateur", "Mot de passe"],
    )


@pytest.mark.django_db
def test_after_choosing_english_my_venues_are_listed_in_english(alice_client, example):
    response = choose_english(alice_client).get(reverse("venue_list"))
    assert response.status_code == 200
    assert_reads(
        response.text,
        ["My venues", "New venue", "Monthly cost", "Your role", "Owner", "Log out"],
        ["Mes lieux", "Nouveau lieu", "Coût mensuel", "Votre rôle", "Propriétaire"],
    )


@pytest.mark.django_db
def test_after_choosing_english_the_workspace_is_in_english(alice_client, example):
    response = choose_english(alice_client).get(example.get_absolute_url())
    assert response.status_code == 200
    assert_reads(
        response.text,
        [
            "Cost items",
            "Infrastructure · Basic",
            "Member categories",
            "Allocation rule",
            "Irreducible monthly cost",
            "Allocation by member category",
            "20 workstations",
            "24 members",
            "per month",
            ">Save<",
        ],
        [
            "Postes de coût",
            "Catégories de membres",
            "Règle de répartition",
            "Coût mensuel incompressible",
            "par mois",
            "Enregistrer",
        ],
    )


@pytest.mark.django_db
def test_the_cached_workspace_is_kept_per_language(alice_client, example):
    """The workspace body is cached by the venue's revision: a French visit first must not
    make the English page French."""
    assert "Postes de coût" in alice_client.get(example.get_absolute_url()).text
    english = choose_english(alice_client).get(example.get_absolute_url()).text
    assert_reads(english, ["Cost items"], ["Postes de coût"])


@pytest.mark.django_db
def test_after_choosing_english_a_share_page_is_in_english(alice, example):
    link = ShareLink.objects.create(venue=example, label="Assemblée générale", created_by=alice)
    Client().get(link.get_absolute_url())  # cached in French first
    response = choose_english(Client()).get(link.get_absolute_url())
    assert response.status_code == 200
    assert '<html lang="en">' in response.text
    assert_reads(
        response.text,
        [
            "What the venue costs",
            "Who covers what",
            "The method",
            "“Bonjour” (Hello)",
            "“Bienvenue” (Welcome)",
            "“Je peux vous renseigner”",
            "Last changed on",
            "Download the allocation (JSON)",
        ],
        [
            "Ce que coûte le lieu",
            "Qui porte quoi",
            "La méthode",
            "Dernière modification",
            "Télécharger",
        ],
    )


@pytest.mark.django_db
def test_english_figures_and_dates_are_written_the_english_way(alice, example):
    link = ShareLink.objects.create(venue=example, label="AG", created_by=alice)
    Venue.objects.filter(pk=example.pk).update(updated_at="2031-03-14T10:05:00+00:00")
    english = unescape(choose_english(Client()).get(link.get_absolute_url()).text)
    assert "Last changed on 14 March 2031 at 11:05" in english  # Europe/Paris, 24-hour clock
    assert "51%" in english and "Cost per m²: " in english
    french = unescape(Client().get(link.get_absolute_url()).text)
    assert "51 %" in french and "Coût par m² : " in french


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "english", "french"),
    [
        ("abc", "Enter a number, for example 1700.50.", "Saisissez un nombre"),
        ("1,2.3", "Use either a comma or a point for decimals", "Utilisez soit la virgule"),
        ("-5", "The amount cannot be negative.", "Le montant ne peut pas être négatif."),
    ],
)
def test_after_choosing_english_an_invalid_amount_is_explained_in_english(
    alice_client, example, amount, english, french
):
    item = example.cost_items.get(label="Loyer du local")
    response = choose_english(alice_client).post(
        reverse("item_edit", args=[example.pk, item.pk]),
        item_data(item, amount=amount),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert f'id="id_item-{item.pk}-amount_error"' in response.text
    assert_reads(response.text, [english], [french])


@pytest.mark.django_db
def test_after_choosing_english_a_category_over_100_percent_is_explained_in_english(
    alice_client, example
):
    residents: MemberCategory = example.categories.get(name="Résidents")
    data = {
        "name": residents.name,
        "surface_share_pct": "60",  # with the others' 29 % and 20 %: 109 %
        "workstations": residents.workstations,
        "members": residents.members,
        "infrastructure_pct": str(residents.infrastructure_pct),
        "services_pct": str(residents.services_pct),
        "version": residents.version,
    }
    response = choose_english(alice_client).post(
        reverse("category_edit", args=[example.pk, residents.pk]),
        {f"category-{residents.pk}-{k}": v for k, v in data.items()},
        headers=HTMX,
    )
    assert_reads(
        response.text,
        ["The categories' shares of area would exceed 100%"],
        ["dépasseraient"],
    )


@pytest.mark.django_db
def test_after_choosing_english_confirmations_are_in_english(alice_client, example):
    response = choose_english(alice_client).post(
        reverse("share_links", args=[example.pk]), {"label": "AGM"}, follow=True
    )
    assert_reads(response.text, ["Link “AGM” created.", "Active links"], ["est créé"])
