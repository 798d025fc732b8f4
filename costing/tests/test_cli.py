"""The management commands of docs/formats.md: allocate, import_venue, export_venue."""

import copy
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costing.documents import (
    VENUE_FORMAT,
    load_venue_document,
    name_key,
    parse_venue_document,
    venue_document,
)
from costing.examples import WORKED_EXAMPLE, WORKED_EXAMPLE_ALLOCATION
from costing.models import CostItem, MemberCategory
from tests.helpers import sized_bytes, sized_document
from venues.models import Membership, Role, Venue

ROOT = Path(__file__).resolve().parents[2]
VENUE_FILE = WORKED_EXAMPLE
ALLOCATION_FILE = WORKED_EXAMPLE_ALLOCATION


def example() -> dict:
    return json.loads(VENUE_FILE.read_text(encoding="utf-8"), parse_float=Decimal)


def expected_allocation() -> dict:
    return json.loads(ALLOCATION_FILE.read_text(encoding="utf-8"))


def write(tmp_path: Path, doc: dict | str, name: str = "venue.json") -> Path:
    path = tmp_path / name
    text = doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False, default=str)
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str) -> str:
    """Call a command in-process and return what it printed."""
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def feed_stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def command_error(*args: str) -> str:
    with pytest.raises(CommandError) as info:
        run(*args)
    return str(info.value)


def bare_environment() -> dict[str, str]:
    """What a fresh shell in a bare checkout has: no DJANGO_* (nor DATABASE_URL, …) at all."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    return {key: os.environ[key] for key in keep if key in os.environ}


def manage(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """`.venv/bin/python manage.py ARGS` from the project root, as a user would type it."""
    python = ROOT / ".venv" / "bin" / "python"
    return subprocess.run(
        [str(python) if python.exists() else sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=bare_environment(),
        input=stdin,
        capture_output=True,
        timeout=60,
    )


def invalid_examples() -> dict[str, tuple[dict, str]]:
    negative = example()
    negative["cost_items"][0]["amount"] = "-1.00"
    duplicate = example()
    duplicate["categories"][1]["name"] = "résidents"
    crowded = example()
    crowded["categories"][2]["surface_share_pct"] = "20.01"
    return {
        "negative amount": (negative, "cost_items[0].amount"),
        "duplicate category name": (duplicate, "categories[1].name"),
        "surface shares over 100": (crowded, "categories"),
    }


INVALID = invalid_examples()


# allocate


def test_allocate_prints_the_expected_allocation_of_the_worked_example():
    printed = run("allocate", str(VENUE_FILE))
    assert json.loads(printed) == expected_allocation()


def test_allocate_prints_the_expected_document_text_byte_for_byte():
    assert run("allocate", str(VENUE_FILE)) == ALLOCATION_FILE.read_text(encoding="utf-8")


def test_allocate_reads_the_document_from_stdin_when_given_a_dash(monkeypatch):
    feed_stdin(monkeypatch, VENUE_FILE.read_bytes())
    assert json.loads(run("allocate", "-")) == expected_allocation()


def test_allocate_needs_no_database():
    # No `db` fixture: pytest-django refuses any query outright.
    assert json.loads(run("allocate", str(VENUE_FILE)))["cost_per_m2"] == "8.33"


@pytest.mark.parametrize("case", INVALID)
def test_allocate_refuses_an_invalid_document_naming_the_field(tmp_path, case):
    doc, path = INVALID[case]
    message = command_error("allocate", str(write(tmp_path, doc)))
    assert message.startswith(f"{path}: ")


def test_allocate_refuses_text_that_is_not_json(tmp_path):
    message = command_error("allocate", str(write(tmp_path, '{"format": ')))
    assert message.startswith("document: is not valid JSON")


def test_allocate_refuses_a_missing_file(tmp_path):
    missing = tmp_path / "nowhere.json"
    assert command_error("allocate", str(missing)) == f"{missing}: No such file or directory"


# allocate, as a real process from a bare environment


def test_allocate_runs_as_a_process_without_any_django_variable():
    result = manage("allocate", str(VENUE_FILE))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    assert result.stdout == ALLOCATION_FILE.read_bytes()


def test_allocate_reads_stdin_as_a_process():
    result = manage("allocate", "-", stdin=VENUE_FILE.read_bytes())
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout) == expected_allocation()


def test_allocate_as_a_process_exits_non_zero_with_the_path_on_stderr():
    doc, path = INVALID["negative amount"]
    result = manage("allocate", "-", stdin=json.dumps(doc, default=str).encode())
    assert result.returncode != 0
    assert result.stdout == b""
    assert f"{path}: must not be negative" in result.stderr.decode()


def test_allocate_as_a_process_reports_a_missing_file_on_stderr(tmp_path):
    missing = tmp_path / "nowhere.json"
    result = manage("allocate", str(missing))
    assert result.returncode != 0
    assert result.stdout == b""
    assert f"{missing}: No such file or directory" in result.stderr.decode()


def test_allocate_as_a_process_reports_invalid_json_on_stderr():
    result = manage("allocate", "-", stdin=b"{not json")
    assert result.returncode != 0
    assert "document: is not valid JSON" in result.stderr.decode()


# import_venue and export_venue


def import_venue(path: Path | str, owner: str = "alice") -> str:
    """Import a document and return the identifier printed on the last line."""
    printed = run("import_venue", str(path), "--owner", owner)
    return printed.splitlines()[-1]


def test_import_creates_the_venue_owned_by_the_given_user(alice, bob):
    identifier = import_venue(VENUE_FILE, owner="bob")
    venue = Venue.objects.get(slug=identifier)
    assert venue.name == "Exemple Movilab — lieu de 300 m²"
    assert venue.total_surface_m2 == Decimal("300")
    assert list(venue.memberships.values_list("user__username", "role")) == [("bob", Role.OWNER)]
    assert venue.cost_items.count() == 10
    assert list(venue.categories.values_list("name", flat=True)) == [
        "Résidents",
        "Contributeurs",
        "Bénéficiaires",
    ]


def test_import_prints_the_identifier_as_the_last_line_of_stdout(alice):
    printed = run("import_venue", str(VENUE_FILE), "--owner", "alice")
    assert printed.endswith("\n")
    assert printed.splitlines()[-1] == Venue.objects.get().slug


def test_import_reads_stdin_when_given_a_dash(alice, monkeypatch):
    feed_stdin(monkeypatch, VENUE_FILE.read_bytes())
    identifier = import_venue("-")
    assert Venue.objects.get(slug=identifier).name.startswith("Exemple Movilab")


def test_export_after_import_gives_back_an_equivalent_document(alice):
    identifier = import_venue(VENUE_FILE)
    exported = run("export_venue", identifier)
    assert load_venue_document(exported) == load_venue_document(VENUE_FILE.read_bytes())


def test_export_keeps_the_values_and_order_of_the_imported_document(alice):
    exported = json.loads(run("export_venue", import_venue(VENUE_FILE)))
    original = example()
    assert exported["format"] == VENUE_FORMAT
    assert exported["name"] == original["name"]
    assert [item["label"] for item in exported["cost_items"]] == [
        item["label"] for item in original["cost_items"]
    ]
    assert [Decimal(item["amount"]) for item in exported["cost_items"]] == [
        Decimal(item["amount"]) for item in original["cost_items"]
    ]
    assert [c["name"] for c in exported["categories"]] == [
        c["name"] for c in original["categories"]
    ]


def test_export_by_numeric_id_gives_the_same_document_as_by_identifier(alice):
    identifier = import_venue(VENUE_FILE)
    venue = Venue.objects.get(slug=identifier)
    assert run("export_venue", str(venue.pk)) == run("export_venue", identifier)


def test_an_exported_document_allocates_like_the_original(alice, monkeypatch):
    feed_stdin(monkeypatch, run("export_venue", import_venue(VENUE_FILE)).encode())
    assert json.loads(run("allocate", "-")) == expected_allocation()


def test_an_exported_document_imports_again_into_the_same_document(alice, bob, monkeypatch):
    first = run("export_venue", import_venue(VENUE_FILE))
    feed_stdin(monkeypatch, first.encode())
    second = run("export_venue", import_venue("-", owner="bob"))
    assert second == first


@pytest.mark.parametrize("case", INVALID)
def test_import_of_an_invalid_document_writes_nothing_and_names_the_field(tmp_path, alice, case):
    doc, path = INVALID[case]
    message = command_error("import_venue", str(write(tmp_path, doc)), "--owner", "alice")
    assert message.startswith(f"{path}: ")
    assert not Venue.objects.exists()
    assert not CostItem.objects.exists()
    assert not MemberCategory.objects.exists()
    assert not Membership.objects.exists()


def test_import_of_text_that_is_not_json_writes_nothing(tmp_path, alice):
    message = command_error("import_venue", str(write(tmp_path, "[1,")), "--owner", "alice")
    assert message.startswith("document: is not valid JSON")
    assert not Venue.objects.exists()


def test_import_for_an_unknown_owner_fails_clearly_and_writes_nothing(alice):
    message = command_error("import_venue", str(VENUE_FILE), "--owner", "nobody")
    assert message == "--owner: no user named 'nobody'"
    assert not Venue.objects.exists()
    assert not CostItem.objects.exists()


def test_import_requires_an_owner(db):
    with pytest.raises(CommandError, match="--owner"):
        run("import_venue", str(VENUE_FILE))


def test_export_of_an_unknown_identifier_fails_clearly(db):
    assert command_error("export_venue", "no-such-venue") == "no venue 'no-such-venue'"


def test_export_of_an_unknown_numeric_id_fails_clearly(db):
    assert command_error("export_venue", "424242") == "no venue '424242'"


@pytest.mark.parametrize("identifier", ["²", "١٢", "99999999999999999999999"])
def test_export_of_an_identifier_with_other_digits_or_out_of_range_fails_clearly(db, identifier):
    assert command_error("export_venue", identifier) == f"no venue {identifier!r}"


def test_export_does_not_show_a_venue_by_its_id_when_given_another_ones_slug(alice):
    identifier = import_venue(VENUE_FILE)
    with pytest.raises(CommandError):
        run("export_venue", identifier + "x")


# Limits a real venue never reaches: refused at once, the limit named on stderr, nothing written

PAST_THE_LIMITS = {
    "501 items": (sized_document(items=501), "cost_items: at most 500 items (found 501)"),
    "51 categories": (
        sized_document(categories=51),
        "categories: at most 50 categories (found 51)",
    ),
    "5001 characters of notes": (
        sized_document(notes="n" * 5001),
        "cost_items[0].notes: is too long (at most 5000 characters)",
    ),
}


def exit_code(*args: str) -> int:
    """Run `manage.py ARGS` in-process as the shell runs it: a refusal exits."""
    with pytest.raises(SystemExit) as exit:
        execute_from_command_line(["manage.py", *args])
    return exit.value.code


@pytest.mark.parametrize("case", PAST_THE_LIMITS)
def test_allocate_of_a_document_past_a_limit_exits_non_zero_naming_it(tmp_path, capsys, case):
    doc, message = PAST_THE_LIMITS[case]
    assert exit_code("allocate", str(write(tmp_path, doc))) != 0
    assert capsys.readouterr() == ("", f"CommandError: {message}\n")


# Outside a test transaction: the command closes its database connection when done.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", PAST_THE_LIMITS)
def test_import_of_a_document_past_a_limit_exits_non_zero_naming_it_and_writes_nothing(
    tmp_path, alice, capsys, case
):
    doc, message = PAST_THE_LIMITS[case]
    assert exit_code("import_venue", str(write(tmp_path, doc)), "--owner", "alice") != 0
    assert capsys.readouterr() == ("", f"CommandError: {message}\n")
    assert not Venue.objects.exists()
    assert not CostItem.objects.exists()
    assert not MemberCategory.objects.exists()
    assert not Membership.objects.exists()


def test_allocate_as_a_process_refuses_5000_items_naming_the_limit():
    result = manage("allocate", "-", stdin=sized_bytes(items=5000))
    assert result.returncode != 0
    assert result.stdout == b""
    assert "cost_items: at most 500 items (found 5000)" in result.stderr.decode()


def test_import_reads_a_document_at_the_limits(tmp_path, alice):
    doc = sized_document(items=500, categories=50, notes="n" * 5000)
    venue = Venue.objects.get(slug=import_venue(write(tmp_path, doc)))
    assert (venue.cost_items.count(), venue.categories.count()) == (500, 50)


# Round trip of generated documents


def decimals(low: str, high: str) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=2)


def as_json_number_or_text(value: Decimal) -> st.SearchStrategy:
    """Decimals go in as JSON text ("12.50") or JSON numbers (12.5); both must come back the
    same. A float with 2 places is written by json.dumps with exactly its decimal digits."""
    return st.sampled_from([str(value), float(value)])


names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]),
    min_size=1,
    max_size=20,
).filter(lambda text: text.strip() != "")


@st.composite
def cost_items(draw) -> dict:
    frequency = draw(st.sampled_from(["monthly", "quarterly", "yearly", "one_off"]))
    item = {
        "label": draw(names),
        "pool": draw(st.sampled_from(["infrastructure", "services"])),
        "tier": draw(st.sampled_from(["basic", "improved"])),
        "amount": draw(decimals("0", "99999").flatmap(as_json_number_or_text)),
        "frequency": frequency,
    }
    if frequency == "one_off":
        item["amortization_months"] = draw(st.integers(1, 600))
    if draw(st.booleans()):
        item["included"] = draw(st.booleans())
    if draw(st.booleans()):
        item["notes"] = draw(st.text(max_size=30).filter(lambda text: "\x00" not in text))
    return item


@st.composite
def shares(draw, count: int) -> list[Decimal]:
    """`count` percentages adding up to at most 100."""
    left = Decimal(100)
    values = []
    for _ in range(count):
        value = draw(decimals("0", str(left)))
        values.append(value)
        left -= value
    return values


@st.composite
def venue_documents(draw) -> dict:
    category_names = draw(
        st.lists(names, max_size=4, unique_by=lambda name: name_key(name.strip()))
    )
    count = len(category_names)
    surface, infrastructure, services = (draw(shares(count)) for _ in range(3))
    categories = [
        {
            "name": name,
            "surface_share_pct": draw(as_json_number_or_text(surface[i])),
            "workstations": draw(st.integers(0, 500)),
            "members": draw(st.integers(0, 500)),
            "shares_pct": {
                "infrastructure": draw(as_json_number_or_text(infrastructure[i])),
                "services": draw(as_json_number_or_text(services[i])),
            },
        }
        for i, name in enumerate(category_names)
    ]
    return {
        "format": VENUE_FORMAT,
        "name": draw(names),
        "currency": draw(st.sampled_from(["EUR", "CHF", "XOF"])),
        "total_surface_m2": draw(decimals("0.01", "100000").flatmap(as_json_number_or_text)),
        "pools": {
            pool: {"key": draw(st.sampled_from(["manual", "surface"]))}
            for pool in ("infrastructure", "services")
        },
        "cost_items": draw(st.lists(cost_items(), max_size=6)),
        "categories": categories,
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(doc=venue_documents())
def test_import_then_export_gives_back_an_equivalent_document(tmp_path, alice, doc):
    expected = parse_venue_document(copy.deepcopy(doc))
    path = write(tmp_path, doc)
    # The `db` fixture wraps the whole test in one transaction; each example rolls back its own.
    with transaction.atomic():
        identifier = import_venue(path)
        exported = run("export_venue", identifier)
        transaction.set_rollback(True)
    assert not Venue.objects.exists()  # the example rolled back
    assert load_venue_document(exported) == expected
    assert json.loads(exported) == venue_document(expected)  # same values, same order
