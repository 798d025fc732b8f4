"""Creating a venue from an uploaded venue document: whatever the file, a message beside the
field or a new venue, never an error page and never half a venue.

tests/test_workspace.py covers a good document and a bad amount; here, every other way a file
can be wrong.
"""

import html
import json

import pytest
from django.conf import settings
from django.core.files import uploadhandler
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, FakePayload, encode_multipart
from django.urls import reverse

from costing.forms import UploadVenueForm
from costing.models import CostItem, MemberCategory
from costing.uploads import LimitedUploadHandler
from tests.helpers import EXAMPLE, sized_bytes, sized_document
from venues.models import Membership, Venue

pytestmark = pytest.mark.django_db


def example() -> dict:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def file(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("lieu.json", content, content_type="application/json")


def upload(client, content: bytes, headers: dict | None = None):
    return client.post(reverse("venue_import"), {"document": file(content)}, headers=headers or {})


def assert_refused_beside_the_field(response, message: str) -> None:
    assert response.status_code == 200
    field = response.text.split('id="id_document_error"', 1)
    assert len(field) == 2, "no error list beside the document field"
    assert message in html.unescape(field[1].split("</ul>", 1)[0])
    assert 'aria-invalid="true"' in response.text
    assert not Venue.objects.exists()
    assert not CostItem.objects.exists()
    assert not MemberCategory.objects.exists()
    assert not Membership.objects.exists()


def test_a_file_over_one_megabyte_is_refused_with_a_message(alice_client):
    padding = b" " * UploadVenueForm.MAX_BYTES
    response = upload(alice_client, EXAMPLE.read_bytes() + padding)
    assert_refused_beside_the_field(response, "Le fichier dépasse 4 Mo")


def post_counting_what_is_read(client, body: bytes):
    """Post the multipart `body` as it comes from the network; return the response and how
    many of its bytes the server read."""
    payload = FakePayload(body)
    response = client.generic(
        "POST", reverse("venue_import"), body, MULTIPART_CONTENT, **{"wsgi.input": payload}
    )
    return response, len(body) - len(payload)


def multipart(content: bytes, **fields: str) -> bytes:
    return encode_multipart(BOUNDARY, {**fields, "document": file(content)})


@pytest.fixture
def handlers(monkeypatch) -> list[LimitedUploadHandler]:
    """The upload handlers the requests made."""
    made = []
    init = LimitedUploadHandler.__init__

    def keep(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(LimitedUploadHandler, "__init__", keep)
    return made


def test_an_upload_announced_over_one_megabyte_is_refused_before_its_file_is_taken(
    alice_client, handlers
):
    body = multipart(b" " * 5 * UploadVenueForm.MAX_BYTES)
    response, read = post_counting_what_is_read(alice_client, body)
    assert_refused_beside_the_field(response, "Le fichier dépasse 4 Mo")
    [handler] = handlers
    assert handler.stopped and handler.received == 0
    # Read to its end and dropped, so that the browser, done sending, reads the answer.
    assert read == len(body)


def test_an_upload_that_does_not_announce_its_size_is_stopped_once_past_one_megabyte(
    alice_client, handlers
):
    # The request's Content-Length leaves room for the form's framing: only the bytes
    # received tell that the file is one byte too big.
    content = EXAMPLE.read_bytes()
    content += b" " * (UploadVenueForm.MAX_BYTES + 1 - len(content))
    assert len(multipart(content)) < UploadVenueForm.MAX_BYTES + LimitedUploadHandler.FRAMING_BYTES
    assert_refused_beside_the_field(upload(alice_client, content), "Le fichier dépasse 4 Mo")
    [handler] = handlers
    assert handler.stopped
    assert handler.received <= UploadVenueForm.MAX_BYTES + LimitedUploadHandler.chunk_size


def test_what_is_dropped_of_a_refused_upload_is_bounded(alice_client, monkeypatch):
    # Past DRAIN_BYTES the connection is cut (nobody uploads that by mistake).
    monkeypatch.setattr(LimitedUploadHandler, "DRAIN_BYTES", UploadVenueForm.MAX_BYTES)
    body = multipart(b" " * 5 * UploadVenueForm.MAX_BYTES)
    response, read = post_counting_what_is_read(alice_client, body)
    assert_refused_beside_the_field(response, "Le fichier dépasse 4 Mo")
    assert read <= UploadVenueForm.MAX_BYTES + 2 * LimitedUploadHandler.chunk_size


def test_a_file_whose_own_header_announces_over_one_megabyte_is_refused(alice_client):
    content = EXAMPLE.read_bytes()
    body = (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="document"; filename="lieu.json"\r\n'
            "Content-Type: application/json\r\n"
            f"Content-Length: {UploadVenueForm.MAX_BYTES + 1}\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    response, _ = post_counting_what_is_read(alice_client, body)
    assert_refused_beside_the_field(response, "Le fichier dépasse 4 Mo")


def test_files_over_one_megabyte_together_are_refused(alice_client):
    half = b" " * (UploadVenueForm.MAX_BYTES // 2 + 1)
    response = alice_client.post(reverse("venue_import"), {"document": [file(half), file(half)]})
    assert_refused_beside_the_field(response, "Le fichier dépasse 4 Mo")


def test_an_upload_over_one_megabyte_is_refused_in_english_for_who_chose_it(alice_client):
    alice_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = upload(alice_client, b" " * 2 * UploadVenueForm.MAX_BYTES)
    assert_refused_beside_the_field(response, "The file is larger than 4 MB")


def test_a_file_over_one_megabyte_never_reaches_the_disk(alice_client, monkeypatch):
    # Django's own handlers write an upload over FILE_UPLOAD_MAX_MEMORY_SIZE (1 MB) to a
    # temporary file, however big, before the form can refuse it.
    spooled = []

    def temporary_file(*args, **kwargs):
        spooled.append(args)
        return TemporaryUploadedFile(*args, **kwargs)

    monkeypatch.setattr(uploadhandler, "TemporaryUploadedFile", temporary_file)
    response = upload(alice_client, b" " * 3 * UploadVenueForm.MAX_BYTES)
    assert_refused_beside_the_field(response, "Le fichier dépasse 4 Mo")
    assert not spooled


def csrf_client(user=None) -> tuple[Client, str]:
    """A client that checks CSRF as browsers meet it, and the token its pages carry."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    client.get(reverse("login"))  # sets the CSRF cookie
    return client, client.cookies[settings.CSRF_COOKIE_NAME].value


def test_the_upload_still_needs_the_csrf_token(alice):
    client, token = csrf_client(alice)
    response = upload(client, EXAMPLE.read_bytes())
    assert response.status_code == 403
    assert not Venue.objects.exists()
    body = multipart(EXAMPLE.read_bytes(), csrfmiddlewaretoken=token)
    response, _ = post_counting_what_is_read(client, body)
    assert response.status_code == 302
    assert Venue.objects.get().cost_items.count() == 10


def test_an_upload_after_the_session_expired_leads_to_the_login_page(db):
    # Its body is read to its end (nothing kept), or the browser would show "connection
    # reset" instead of the login page.
    client, token = csrf_client()
    body = multipart(b" " * 3 * UploadVenueForm.MAX_BYTES, csrfmiddlewaretoken=token)
    response, read = post_counting_what_is_read(client, body)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert read == len(body)
    assert not Venue.objects.exists()


def test_a_file_of_exactly_one_megabyte_is_read(alice_client):
    content = EXAMPLE.read_bytes()
    content += b" " * (UploadVenueForm.MAX_BYTES - len(content))
    response = upload(alice_client, content)
    assert response.status_code == 302
    assert Venue.objects.get().cost_items.count() == 10


def test_a_file_bigger_than_djangos_upload_limits_is_still_read_and_answered(
    alice_client, settings
):
    # Over FILE_UPLOAD_MAX_MEMORY_SIZE (written to a temporary file) and over
    # DATA_UPLOAD_MAX_MEMORY_SIZE, which counts the other fields but not files, and under
    # ours: no 400, the document is read and its fault named beside the field.
    size = max(settings.FILE_UPLOAD_MAX_MEMORY_SIZE, settings.DATA_UPLOAD_MAX_MEMORY_SIZE) + 1
    assert size < UploadVenueForm.MAX_BYTES
    response = upload(alice_client, b"[" * size)
    assert_refused_beside_the_field(response, "est imbriqué trop profondément")


def test_an_empty_file_is_refused_with_a_message(alice_client):
    assert_refused_beside_the_field(upload(alice_client, b""), "Le fichier soumis est vide")


def test_no_file_at_all_is_refused_with_a_message(alice_client):
    response = alice_client.post(reverse("venue_import"), {})
    assert_refused_beside_the_field(response, "Ce champ est obligatoire")


@pytest.mark.parametrize(
    "content",
    [b"{", b"not json", b"{'format': 'tierslieux.venue/1'}", b'{"a": 1,}', b"\x00\x01\x02"],
)
def test_text_that_is_not_json_is_refused_with_a_message(alice_client, content):
    response = upload(alice_client, content)
    assert_refused_beside_the_field(response, "document: n'est pas du JSON valide")


@pytest.mark.parametrize(
    ("content", "explanation"),
    [
        (
            b'{"name": "La Fabrique" "format": 1}',
            "une virgule est attendue à la ligne 1, colonne 24",
        ),
        (
            b'{\n  "name": "La Fabrique",\n}',
            "une virgule en trop précède la fin d'un objet à la ligne 2",
        ),
        (b'{"name": "La Fabrique}', "un texte ouvert par des guillemets n'est pas refermé"),
    ],
)
def test_broken_json_is_explained_in_french_with_its_place(alice_client, content, explanation):
    response = upload(alice_client, content)
    assert_refused_beside_the_field(response, f"n'est pas du JSON valide ({explanation}")


def test_bytes_that_are_not_utf8_are_refused_with_a_message(alice_client):
    latin1 = EXAMPLE.read_text(encoding="utf-8").encode("latin-1", errors="replace")
    response = upload(alice_client, latin1)
    assert_refused_beside_the_field(response, "document: n'est pas un texte UTF-8")


def test_a_utf8_file_with_a_byte_order_mark_is_read(alice_client):
    response = upload(alice_client, b"\xef\xbb\xbf" + EXAMPLE.read_bytes())
    assert response.status_code == 302
    assert Venue.objects.get().categories.count() == 3


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "document: attendu un objet, trouvé une liste"),
        ([example()], "document: attendu un objet, trouvé une liste"),
        (42, "document: attendu un objet, trouvé 42"),
        ("tierslieux.venue/1", "document: attendu un objet"),
        (None, "document: attendu un objet, trouvé null"),
        ({}, "format: est obligatoire"),
        ({**example(), "format": "tierslieux.allocation/1"}, "format: attendu"),
        ({**example(), "format": "tierslieux.venue/2"}, "format: attendu"),
        ({**example(), "format": 1}, "format: attendu"),
    ],
    ids=["list", "list-of-venue", "number", "string", "null", "empty", "allocation", "v2", "int"],
)
def test_json_that_is_not_a_venue_document_is_refused_with_a_message(
    alice_client, document, message
):
    response = upload(alice_client, json.dumps(document).encode())
    assert_refused_beside_the_field(response, message)


def test_an_allocation_document_is_not_taken_for_a_venue(alice_client):
    allocation = EXAMPLE.with_name("movilab-300m2.allocation.json").read_bytes()
    response = upload(alice_client, allocation)
    assert_refused_beside_the_field(response, "format: attendu")


@pytest.mark.parametrize(
    ("remove", "path"),
    [
        ("name", "name"),
        ("total_surface_m2", "total_surface_m2"),
        ("cost_items", "cost_items"),
        ("categories", "categories"),
    ],
)
def test_a_document_missing_a_required_key_is_refused_naming_it(alice_client, remove, path):
    document = example()
    del document[remove]
    response = upload(alice_client, json.dumps(document).encode())
    assert_refused_beside_the_field(response, f"{path}: est obligatoire")


def test_an_invalid_item_late_in_the_document_creates_nothing(alice_client):
    # Everything before the bad item is valid: no venue, no item, no category is kept.
    document = example()
    document["cost_items"][-1]["frequency"] = "weekly"
    response = upload(alice_client, json.dumps(document).encode())
    assert_refused_beside_the_field(
        response, "cost_items[9].frequency: fréquence : valeur inconnue"
    )


def test_a_refused_line_is_also_named_in_words_counted_from_one(alice_client, settings):
    """The path for whoever edits the JSON; the line as a manager counts them, for the rest."""
    document = example()
    document["cost_items"][9]["frequency"] = "weekly"
    content = json.dumps(document).encode()
    assert_refused_beside_the_field(
        upload(alice_client, content),
        "Document invalide, poste n° 10 — cost_items[9].frequency: fréquence : valeur inconnue",
    )
    document = example()
    document["categories"][2]["surface_share_pct"] = "beaucoup"
    response = upload(alice_client, json.dumps(document).encode())
    assert_refused_beside_the_field(
        response, "Document invalide, catégorie n° 3 — categories[2].surface_share_pct: "
    )
    document = example()
    del document["name"]  # not a line of a list: the path alone
    response = upload(alice_client, json.dumps(document).encode())
    assert_refused_beside_the_field(response, "Document invalide — name: est obligatoire")
    alice_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert_refused_beside_the_field(
        upload(alice_client, content), "Invalid document, item 10 — cost_items[9].frequency: "
    )


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["cost_items"][0].update(label="Loyer \ud800"), "cost_items[0].label"),
        (lambda d: d["cost_items"][1].update(notes="\udfff"), "cost_items[1].notes"),
        (lambda d: d["categories"][0].update(name="\ud83d"), "categories[0].name"),
        (lambda d: d.update(name="Lieu \udc00"), "name"),
    ],
    ids=["label", "notes", "category", "name"],
)
def test_unpaired_surrogates_are_refused_with_a_message(alice_client, change, path):
    # JSON can spell "\ud800" alone; no database can store it (it used to be a 500).
    document = example()
    change(document)
    response = upload(alice_client, json.dumps(document).encode())
    assert_refused_beside_the_field(
        response, f"{path}: ne doit pas contenir de demi-caractère UTF-16 isolé"
    )


def test_an_unpaired_surrogate_in_a_key_is_quoted_without_breaking_the_page(alice_client):
    document = example()
    document["pools"] = {"\ud800": {"key": "manual"}}
    response = upload(alice_client, json.dumps(document).encode())
    assert_refused_beside_the_field(response, "pools.\ufffd: pool inconnu")


def test_a_refused_upload_gives_an_error_beside_the_field_with_htmx_too(alice_client):
    response = upload(alice_client, b"[]", {"HX-Request": "true"})
    assert_refused_beside_the_field(response, "document: attendu un objet")


def test_the_upload_form_tells_the_browser_to_send_a_file(alice_client):
    page = alice_client.get(reverse("venue_create"))
    assert 'enctype="multipart/form-data"' in page.text
    assert 'accept="application/json,.json"' in page.text


def test_two_categories_named_alike_but_for_accents_composition_are_refused(alice_client):
    document = example()
    document["categories"][1]["name"] = "Be\u0301ne\u0301ficiaires"  # decomposed accents
    response = upload(alice_client, json.dumps(document).encode())
    assert_refused_beside_the_field(response, "categories[2].name: nom en double")


def test_a_dotted_capital_i_makes_a_duplicate_name_as_the_database_sees_it(alice_client):
    # PostgreSQL's unique index on LOWER(name) reads "İ" as "i": the import used to fail there
    # with a 500 instead of naming the duplicate.
    document = example()
    document["categories"][2]["name"] = "CONTR\u0130BUTEURS"
    response = upload(alice_client, json.dumps(document).encode())
    assert_refused_beside_the_field(response, "categories[2].name: nom en double")


def test_the_import_address_opened_without_a_file_leads_to_the_new_venue_page(alice_client):
    # The language switch of a refused upload's page comes back to its address with a GET.
    response = alice_client.get(reverse("venue_import"))
    assert response.status_code == 302
    assert response.url == reverse("venue_create")


PAST_THE_LIMITS = {
    "501 items": (
        sized_bytes(items=501),
        " — cost_items: au plus 500 postes (501 trouvés)",
        " — cost_items: at most 500 items (found 501)",
    ),
    "51 categories": (
        sized_bytes(categories=51),
        " — categories: au plus 50 catégories (51 trouvées)",
        " — categories: at most 50 categories (found 51)",
    ),
    "5001 characters of notes": (
        sized_bytes(notes="n" * 5001),
        ", poste n° 1 — cost_items[0].notes: est trop long (au plus 5000 caractères)",
        ", item 1 — cost_items[0].notes: is too long (at most 5000 characters)",
    ),
}


@pytest.mark.parametrize("case", PAST_THE_LIMITS)
def test_a_document_past_a_limit_is_refused_naming_it_in_french(
    alice_client, case, django_assert_num_queries
):
    content, french, _ = PAST_THE_LIMITS[case]
    with django_assert_num_queries(1):  # the session with its user: nothing written
        response = upload(alice_client, content)
    assert_refused_beside_the_field(response, f"Document invalide{french}")


@pytest.mark.parametrize("case", PAST_THE_LIMITS)
def test_a_document_past_a_limit_is_refused_naming_it_in_english_for_who_chose_it(
    alice_client, case
):
    content, _, english = PAST_THE_LIMITS[case]
    alice_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = upload(alice_client, content)
    assert_refused_beside_the_field(response, f"Invalid document{english}")


def test_a_document_at_the_limits_is_read(alice_client):
    document = sized_document(items=500, categories=50)
    document["cost_items"][499]["notes"] = "n" * 5000
    response = upload(alice_client, json.dumps(document).encode())
    assert response.status_code == 302
    venue = Venue.objects.get()
    assert (venue.cost_items.count(), venue.categories.count()) == (500, 50)
    assert len(venue.cost_items.last().notes) == 5000
