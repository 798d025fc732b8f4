"""The workspace as a manager lives it, in a real browser (issue 15): nothing typed is lost,
shares can be typed in any order, a figure counts only once complete, and every table reads
whole at a laptop's and a phone's width."""

import pytest
from playwright.sync_api import expect

from costing.models import CostItem, MemberCategory
from tests.browser import accessibility_violations, log_in, needs_browser

pytestmark = [needs_browser, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/c15a-{}.png"


def category_field(page, category: MemberCategory, field: str):
    return page.locator(f"#category-{category.pk} input[name$='-{field}']")


def screenshot(page, name: str) -> None:
    # caret="initial": Playwright would hide the caret with an inline style, which the CSP
    # refuses (and the page reports).
    page.screenshot(path=SCREENSHOTS.format(name), full_page=True, caret="initial")


def settled(page) -> None:
    """Wait until htmx has no request under way and has swapped and settled its answer, so that
    what is typed next goes into the row as the server rendered it."""
    # A locator, not wait_for_function: its string would be polled through eval(), which the
    # page's Content-Security-Policy refuses whenever the first check fails.
    busy = page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")
    expect(busy).to_have_count(0)


def type_in(field, value: str) -> None:
    field.fill(value)
    field.press("Tab")


def leaving_asks(page) -> bool:
    """Whether leaving the page now would ask first (the beforeunload listener's answer)."""
    return page.evaluate(
        """() => {
            const event = new Event("beforeunload", {cancelable: true});
            window.dispatchEvent(event);
            return event.defaultPrevented;
        }"""
    )


def test_shares_typed_in_any_order_are_saved_and_nothing_typed_is_lost(browser_page, example):
    page = browser_page
    residents = example.categories.get(name="Résidents")
    contributors = example.categories.get(name="Contributeurs")
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    page.evaluate("window.stillTheSamePage = true")
    summary = page.locator("#summary table.allocation")
    assert not leaving_asks(page)

    # Résidents' surface raised first: over 100 % until Contributeurs is lowered.
    surface = category_field(page, residents, "surface_share_pct")
    type_in(surface, "55")
    error = page.locator(f"#id_category-{residents.pk}-surface_share_pct_error")
    expect(error).to_contain_text("Non enregistré")
    expect(error).to_contain_text("104,00 %")
    expect(category_field(page, residents, "surface_share_pct")).to_have_value("55")
    assert leaving_asks(page)

    # The rest of the row is saved meanwhile, and the summary shows it.
    type_in(category_field(page, residents, "workstations"), "14")
    expect(summary).to_contain_text("14 postes")
    type_in(category_field(page, residents, "members"), "16")
    expect(summary).to_contain_text("16 membres")
    expect(category_field(page, residents, "surface_share_pct")).to_have_value("55")
    screenshot(page, "1280-pending-share")

    # Lowering Contributeurs carries the pending 55 % with it: both saved, the error gone.
    type_in(category_field(page, contributors, "surface_share_pct"), "25")
    expect(error).to_have_count(0)
    expect(page.locator("#categories [aria-invalid=true]")).to_have_count(0)
    assert not leaving_asks(page)
    assert page.evaluate("window.stillTheSamePage") is True

    page.reload()
    expect(category_field(page, residents, "surface_share_pct")).to_have_value("55,00")
    expect(category_field(page, residents, "workstations")).to_have_value("14")
    expect(category_field(page, residents, "members")).to_have_value("16")
    expect(category_field(page, contributors, "surface_share_pct")).to_have_value("25,00")


def test_every_refused_value_says_so_on_its_field_until_it_no_longer_applies(browser_page, example):
    page = browser_page
    residents = example.categories.get(name="Résidents")
    rent = CostItem.objects.get(venue=example, label="Loyer du local")
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    total = page.get_by_test_id("monthly-total")

    amount = page.locator(f"#item-{rent.pk} input[name$='-amount']")
    type_in(amount, "")
    row_error = page.locator(f"#id_item-{rent.pk}-amount_error")
    expect(row_error).to_contain_text("Non enregistré")
    expect(row_error).to_contain_text("Montant requis")
    expect(total).to_have_text("2 500,00 €")  # what is saved
    assert leaving_asks(page)
    type_in(page.locator(f"#item-{rent.pk} input[name$='-amount']"), "1 200 €")
    expect(row_error).to_have_count(0)
    expect(total).to_have_text("2 600,00 €")

    members = category_field(page, residents, "members")
    type_in(members, "-3")
    error = page.locator(f"#id_category-{residents.pk}-members_error")
    expect(error).to_contain_text("Un nombre ne peut pas être négatif.")
    expect(category_field(page, residents, "members")).to_have_value("-3")
    type_in(category_field(page, residents, "members"), "20")
    expect(error).to_have_count(0)
    assert not leaving_asks(page)
    assert MemberCategory.objects.get(pk=residents.pk).members == 20


def test_an_amount_typed_before_its_frequency_never_counts_as_monthly(browser_page, example):
    page = browser_page
    rent = CostItem.objects.get(venue=example, label="Loyer du local")
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    total = page.get_by_test_id("monthly-total")
    totals: list[str] = []
    page.on(
        "response",
        lambda response: (
            "/items/" in response.url
            and totals.append(
                response.text().split('data-testid="monthly-total">')[1].split("<")[0]
            )
        ),
    )
    row = page.locator(f"#item-{rent.pk}")
    # The amount typed first, then back to the frequency (before it in the row): nothing is
    # sent until the frequency is chosen.
    row.locator("input[name$='-amount']").fill("6 000")
    row.locator("input[name$='-amount']").press("Shift+Tab")
    expect(row.locator("select[name$='-frequency']")).to_be_focused()
    page.wait_for_timeout(300)
    assert totals == []
    row.locator("select[name$='-frequency']").select_option("one_off")
    # A one-off purchase: spread over 60 months until the manager says otherwise.
    months = page.locator(f"#item-{rent.pk} input[name$='-amortization_months']")
    expect(months).to_have_value("60")
    expect(total).to_have_text("1 500,00 €")  # 2 500 − 1 100 + 6 000 / 60
    assert totals == ["1 500,00 €"], totals  # one request: no 6 000 € month in between
    type_in(months, "24")
    expect(total).to_have_text("1 650,00 €")
    settled(page)

    # Emptied months: not saved, and the row says why.
    type_in(page.locator(f"#item-{rent.pk} input[name$='-amortization_months']"), "")
    expect(page.locator(f"#item-{rent.pk}")).to_contain_text("Indiquez la durée d'amortissement")
    expect(total).to_have_text("1 650,00 €")


def test_the_workspace_passes_axe_with_errors_shown(browser_page, example):
    page = browser_page
    residents = example.categories.get(name="Résidents")
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    assert accessibility_violations(page) == []
    type_in(category_field(page, residents, "surface_share_pct"), "99")
    expect(page.locator("#categories .errorlist")).to_have_count(1)
    assert accessibility_violations(page) == []
    page.goto("/venues/new/")
    assert accessibility_violations(page) == []


# Where each control of a row stands, relative to the row (the page may scroll meanwhile).
CONTROLS = """row => {
    const origin = row.getBoundingClientRect();
    return [...row.querySelectorAll("input:not([type=hidden]), select, button")].map(e => {
        const box = e.getBoundingClientRect();
        return [e.name || e.textContent, box.x - origin.x, box.y - origin.y];
    });
}"""


def test_an_error_never_moves_a_rows_controls(browser_page, example):
    page = browser_page
    rent = CostItem.objects.get(venue=example, label="Loyer du local")
    residents = example.categories.get(name="Résidents")
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    for row, field, value in [
        (f"#item-{rent.pk}", "amount", "-5"),
        (f"#category-{residents.pk}", "members", "-3"),
    ]:
        before = page.locator(row).evaluate(CONTROLS)
        type_in(page.locator(f"{row} input[name$='-{field}']"), value)
        expect(page.locator(f"{row} .errorlist")).to_be_visible()
        assert page.locator(row).evaluate(CONTROLS) == before, row
    expect(page.locator(f"#item-{rent.pk} .errorlist")).to_contain_text(
        "Le montant ne peut pas être négatif."
    )


def test_the_share_columns_the_surface_rule_ignores_are_greyed_out(browser_page, example):
    page = browser_page
    residents = example.categories.get(name="Résidents")
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    note = page.locator("#infra-ignored")
    share = category_field(page, residents, "infrastructure_pct")
    expect(note).to_be_hidden()
    colour = share.evaluate("e => getComputedStyle(e).backgroundColor")
    with page.expect_response("**/keys/"):
        page.locator("#id_keys-infrastructure_key").select_option("surface")
    expect(note).to_be_visible()
    expect(page.locator("#services-ignored")).to_be_hidden()
    expect(share).not_to_have_css("background-color", colour)
    expect(share).to_have_value("100,00")  # kept for a return to chosen shares
    example.refresh_from_db()
    assert example.infrastructure_key == "surface"


def test_creation_starts_with_the_items_ticked_and_empty_tiers_folded(browser_page, alice):
    page = browser_page
    log_in(page, "alice", "alice-password")
    page.goto("/venues/new/")
    page.get_by_label("Nom du lieu").fill("La Forge")
    page.get_by_label("Surface totale (m²)").fill("180 m²")
    page.get_by_label("Machine à café").uncheck()
    page.get_by_label("Cuisine équipée").check()
    page.get_by_role("button", name="Créer le lieu").click()
    basic = page.locator("#group-infrastructure-basic")
    expect(basic.locator("form.item-row")).to_have_count(6)
    expect(basic).not_to_contain_text("Machine à café")
    expect(page.locator("#group-infrastructure-improved form.item-row")).to_have_count(1)
    # The improved services, none ticked, fold to their title.
    folded = page.locator("#group-services-improved details")
    expect(folded).not_to_have_attribute("open", "")
    expect(folded.locator("form.add-row")).to_be_hidden()
    folded.locator("summary").click()
    expect(folded.locator("form.add-row")).to_be_visible()
    # « compté » says what it does.
    expect(page.locator("#counted-help")).to_contain_text("décochez un poste")


def test_a_value_typed_while_the_table_is_saving_is_kept_and_saved_next(browser_page, example):
    page = browser_page
    residents = example.categories.get(name="Résidents")
    contributors = example.categories.get(name="Contributeurs")
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    held = []
    # The first save waits until released; the next ones go through.
    page.route("**/categories/", lambda route: route.continue_() if held else held.append(route))
    type_in(category_field(page, residents, "members"), "30")
    page.wait_for_timeout(200)
    assert len(held) == 1  # the first save is on its way
    # Meanwhile, another value: the answer to the first save must not wipe it out.
    category_field(page, contributors, "members").fill("11")
    held[0].continue_()
    expect(page.locator("#summary")).to_contain_text("30 membres")
    expect(category_field(page, contributors, "members")).to_have_value("11")
    expect(page.locator("#summary")).to_contain_text("11 membres")  # sent again, saved
    assert MemberCategory.objects.get(pk=contributors.pk).members == 11


def test_without_javascript_the_categories_table_saves_with_its_button(
    page_without_javascript, example
):
    page = page_without_javascript
    residents = example.categories.get(name="Résidents")
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    category_field(page, residents, "surface_share_pct").fill("60")  # over 100 %
    category_field(page, residents, "members").fill("30")
    page.get_by_role("button", name="Enregistrer le tableau").click()
    expect(page.locator(f"#id_category-{residents.pk}-surface_share_pct_error")).to_contain_text(
        "dépasseraient 100 %"
    )
    expect(category_field(page, residents, "surface_share_pct")).to_have_value("60")
    residents.refresh_from_db()
    assert (residents.surface_share_pct, residents.members) == (51, 30)


def refused_share(page, example):
    """The workspace with the residents' share typed as 55 % (104 % in all), refused: the
    residents, their field's message and the row that adds a category."""
    residents = example.categories.get(name="Résidents")
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    type_in(category_field(page, residents, "surface_share_pct"), "55")
    error = page.locator(f"#id_category-{residents.pk}-surface_share_pct_error")
    expect(error).to_contain_text("104,00 %")
    return residents, error, page.locator("#categories form.add-row")


def test_a_refused_share_survives_adding_a_category_and_travels_with_the_next_change(
    browser_page, example
):
    page = browser_page
    residents, error, new_category = refused_share(page, example)
    new_category.get_by_label("Nom de la catégorie").fill("Associations")
    new_category.get_by_role("button", name="Ajouter").click()
    expect(page.locator("#summary")).to_contain_text("Associations")
    # The refused 55 is still in its field, and still refused: nothing typed is lost.
    expect(category_field(page, residents, "surface_share_pct")).to_have_value("55")
    expect(error).to_contain_text("104,00 %")
    assert MemberCategory.objects.get(pk=residents.pk).surface_share_pct == 51


def test_a_refused_new_category_keeps_what_was_typed_while_a_refused_share_is_sent_again(
    browser_page, example
):
    page = browser_page
    residents, error, new_category = refused_share(page, example)
    new_category.get_by_label("Nom de la catégorie").fill("Famille")
    new_category.get_by_label("Part de la surface").fill("10")  # the stored 100 % and 10 more
    new_category.get_by_label("Membres").fill("15")
    new_category.get_by_role("button", name="Ajouter").click()
    settled(page)
    # The add is refused and says why; what was typed in it stays, as the refused 55 does,
    # though the table was sent again (its answer replaces the table alone).
    expect(new_category.locator(".errorlist")).to_contain_text("dépasseraient 100 %")
    expect(new_category.get_by_label("Nom de la catégorie")).to_have_value("Famille")
    expect(new_category.get_by_label("Membres")).to_have_value("15")
    expect(category_field(page, residents, "surface_share_pct")).to_have_value("55")
    expect(error).to_contain_text("104,00 %")
    assert not MemberCategory.objects.filter(name="Famille").exists()


def test_deleting_a_row_from_the_keyboard_gives_the_focus_to_the_next_row(browser_page, example):
    page = browser_page
    electricity = example.cost_items.get(label="Électricité, gaz et eau")
    internet = example.cost_items.get(label="Abonnement internet haut débit")
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    page.once("dialog", lambda dialog: dialog.accept())  # "Supprimer le poste … ?"
    page.locator(f"#item-{electricity.pk} a.delete").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#item-{electricity.pk}")).to_have_count(0)
    settled(page)
    expect(page.locator(f"#item-{internet.pk} input[name$='-label']")).to_be_focused()
    assert not CostItem.objects.filter(pk=electricity.pk).exists()


def test_without_javascript_enter_in_the_categories_table_saves_the_table(
    page_without_javascript, example
):
    """Enter submits a form with its first button: the table's save, not a row's "↑"."""
    page = page_without_javascript
    contributors = example.categories.get(name="Contributeurs")
    before = list(example.categories.values_list("pk", flat=True))
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    category_field(page, contributors, "members").fill("9")
    category_field(page, contributors, "members").press("Enter")
    page.wait_for_load_state()
    expect(category_field(page, contributors, "members")).to_have_value("9")
    assert MemberCategory.objects.get(pk=contributors.pk).members == 9
    assert list(example.categories.values_list("pk", flat=True)) == before  # nothing moved


def test_moving_a_row_from_the_keyboard_keeps_the_focus_on_its_button(browser_page, example):
    page = browser_page
    first_item = example.cost_items.order_by("position", "pk").first()
    first_category = example.categories.order_by("position", "pk").first()
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    for row in (f"item-{first_item.pk}", f"category-{first_category.pk}"):
        page.locator(f"#{row}-down").focus()
        page.keyboard.press("Enter")
        settled(page)
        expect(page.locator(f"#{row}-down")).to_be_focused()
    assert example.cost_items.order_by("position", "pk").first() != first_item
    assert example.categories.order_by("position", "pk").first() != first_category


def test_adding_a_row_from_the_keyboard_gives_the_focus_back_to_the_add_row(browser_page, example):
    page = browser_page
    log_in(page, "alice", "alice-password")
    page.goto(example.get_absolute_url())
    add = page.locator("#group-infrastructure-basic form.add-row")
    add.get_by_label("Libellé").fill("Assurance")
    add.get_by_label("Montant").fill("40")
    add.get_by_role("button", name="Ajouter").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#group-infrastructure-basic input[value='Assurance']")).to_have_count(1)
    settled(page)
    expect(page.locator("#add-infrastructure-basic")).to_be_focused()
    new_category = page.locator("#categories form.add-row")
    new_category.get_by_label("Nom de la catégorie").fill("Associations")
    page.locator("#add-category").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#summary")).to_contain_text("Associations")
    settled(page)
    expect(page.locator("#add-category")).to_be_focused()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_label_typed_as_one_long_word_never_widens_its_details_page(browser_page, example, width):
    item = example.cost_items.order_by("position", "pk").first()
    CostItem.objects.filter(pk=item.pk).update(label="L" * 200)  # the longest a label may be
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "alice", "alice-password")
    page.goto(f"{example.get_absolute_url()}items/{item.pk}/details/")
    expect(page.locator("h1")).to_contain_text("L" * 200)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
