"""The atlas in a real browser (Debian's Chromium driven by Playwright): the map draws server
clusters, search works with JavaScript off, and no request leaves Essaim's origin."""

import os
import shutil
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tests.helpers import page_types, upcoming_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the database calls the tests
    # make here are still synchronous (Playwright's documented advice for Django).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def atlas(live_server, demo):
    """The demo atlas, served by a live server in this process."""
    return live_server.url


def signed_in_page(browser, atlas, user, java_script=True):
    """A browser page signed in as `user` (its session made by Django's test client)."""
    from django.test import Client

    signed_in = Client()
    signed_in.force_login(user)
    page = open_page(browser, java_script=java_script)
    page.context.add_cookies(
        [{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": atlas}]
    )
    return page


def open_page(browser, java_script=True):
    context = browser.new_context(java_script_enabled=java_script, locale="fr-FR")
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    return page


def assert_same_origin(page, origin):
    foreign = [
        url
        for url in page.requested
        if urlsplit(url).scheme in ("http", "https")
        and urlsplit(url).netloc != urlsplit(origin).netloc
    ]
    assert foreign == []


def test_map_draws_clusters_from_the_server(browser, atlas):
    page = open_page(browser)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(f"{atlas}/en/atlas/map/")
    page.wait_for_selector(".leaflet-marker-icon")
    link = page.locator("#in-view-link")
    wait_until(page, "document.getElementById('in-view-link').href.includes('bbox=')")
    assert "bbox=" in link.get_attribute("href")
    cluster_calls = [url for url in page.requested if "/api/v1/map/clusters" in url]
    assert cluster_calls, "the map asked the server for clusters"
    assert errors == []
    assert_same_origin(page, atlas)
    page.context.close()


def test_a_map_dot_opens_with_the_keyboard_in_the_page_language(browser, atlas):
    page = open_page(browser)
    page.goto(f"{atlas}/it/atlas/map/?near=48.45,-68.52")  # Rimouski: Atena Informatique
    page.wait_for_selector(".org-dot")
    for _ in range(40):
        page.keyboard.press("Tab")
        if "org-dot" in page.evaluate("document.activeElement.className"):
            break
    assert page.evaluate("document.activeElement.title") == "Atena Informatique"
    page.keyboard.press("Enter")
    # A small card opens, its link focused: name, sector, locality.
    page.wait_for_selector(".map-card")
    card = page.locator(".map-card").inner_text()
    assert "Atena Informatique" in card and "Rimouski" in card
    assert page.evaluate("document.activeElement.textContent") == "Atena Informatique"
    page.keyboard.press("Enter")
    page.wait_for_url("**/it/atlas/*/atena-informatique/")
    page.context.close()


def test_a_paris_dot_opens_its_organisations_and_towns_are_named(browser, atlas):
    page = open_page(browser)
    page.goto(f"{atlas}/fr/atlas/map/?where=Paris")
    page.wait_for_selector(".cluster.same-place")
    # At city zoom the basemap names the towns around.
    page.wait_for_selector(".town")
    towns = page.locator(".town").all_inner_texts()
    assert "Paris" in towns and len(towns) >= 5
    # The detailed basemap of the country in view, from Essaim itself.
    wait_until(page, "performance.getEntriesByType('resource')"
                     ".some(e => e.name.includes('/geo/basemap/FR'))")  # fmt: skip
    paris = page.locator(".cluster.same-place", has_text="18")
    paris.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".map-card li")
    names = page.locator(".map-card li").all_inner_texts()
    assert len(names) == 18 and "Emmaüs Connect" in names
    assert_same_origin(page, atlas)
    page.context.close()


def test_search_and_filters_without_javascript(browser, atlas):
    page = open_page(browser, java_script=False)
    page.goto(f"{atlas}/fr/atlas/")
    page.fill("#q", "reconditionnement")
    page.click("form.atlas .search button[type=submit]")
    page.wait_for_load_state()
    assert "q=reconditionnement" in page.url
    names = page.locator(".cards h3").all_inner_texts()
    assert "Envie" in names
    page.click("summary:has-text('Pays')")
    page.check("#f-country-fr")
    page.click("text=Appliquer les filtres")
    page.wait_for_load_state()
    assert "country=FR" in page.url
    metas = page.locator(".cards .meta").all_inner_texts()
    assert metas and all("France" in meta for meta in metas)
    assert_same_origin(page, atlas)
    page.context.close()


def test_htmx_updates_results_and_the_address(browser, atlas):
    page = open_page(browser)
    page.goto(f"{atlas}/fr/atlas/")
    page.click("summary:has-text('Pays')")
    page.check("#f-country-be")
    page.wait_for_url("**country=BE**")
    wait_until(
        page,
        "[...document.querySelectorAll('.cards .meta')]"
        ".every(e => e.textContent.includes('Belgique'))",
    )
    assert page.evaluate("document.activeElement.id") == "f-country-be", "focus stays put"
    assert_same_origin(page, atlas)
    page.context.close()


AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def visit(page, url: str) -> None:
    """Open `url` and wait until it is ready: loaded, and the map's points (if any) drawn. It
    waits for those events, not for a quiet network, so a busy machine is only slower."""
    page.goto(url, wait_until="load")
    wait_until(page, "!document.querySelector('[aria-busy=true]')", timeout=60)


def wait_until(page, expression: str, timeout: float = 30) -> None:
    """Wait until `expression` is true in the page. Asked from outside the page: Playwright's
    own wait_for_function compiles its polling function inside it, which Essaim's Content
    Security Policy (no 'unsafe-eval') refuses whenever the first try is false."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        time.sleep(0.05)


def axe_violations(page, atlas, pages) -> list[str]:
    found = []
    for path in pages:
        visit(page, f"{atlas}{path}")
        found += axe_on(page, path)
    return found


def axe_on(page, name: str) -> list[str]:
    """The axe-core violations of the page as it is now: the page, the rule, the elements."""
    # Evaluated rather than injected: the Content-Security-Policy forbids inline scripts.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "rules => axe.run(document, {runOnly: {type: 'tag', values: rules}})", AXE_RULES
    )
    return [
        f"{name}: {violation['id']} ({violation['help']}) at "
        f"{[node['target'] for node in violation['nodes'][:3]]}"
        for violation in result["violations"]
    ]


@pytest.mark.parametrize("language", ["fr", "en", "it", "es"])
def test_pages_have_no_axe_violations(browser, atlas, language):
    page = open_page(browser)
    found = axe_violations(page, atlas, page_types(language))
    page.context.close()
    assert found == []


def test_member_and_moderator_pages_have_no_axe_violations(browser, atlas, settings):
    from django.test import Client

    from essaim.accounts.models import User
    from essaim.atlas.models import Organisation
    from essaim.contributions.models import Suggestion

    settings.ESSAIM = {**settings.ESSAIM, "COLLABORATIVE": True}
    org = Organisation.objects.get(name="Emmaüs Connect")
    visitor = Client()
    visitor.post(
        f"/fr/atlas/{org.pk}/{org.slug}/suggest/",
        {**visitor.get(f"/fr/atlas/{org.pk}/{org.slug}/suggest/").context["form"].initial,
         "phone": "+33 1 00 00 00 01", "contributor_email": "v@example.org"},
    )  # fmt: skip
    visitor.post(f"/fr/atlas/{org.pk}/{org.slug}/report/", {"reason": "wrong"})
    suggestion = Suggestion.objects.get()
    moderator = User.objects.create_user("mod", "mod@example.org", "pw", is_moderator=True)
    org.representations.create(user=moderator, status="pending")
    page = signed_in_page(browser, atlas, moderator)
    base = f"/fr/atlas/{org.pk}/{org.slug}/"
    from essaim.commons.models import Resource

    member_resource = Resource.objects.create(
        kind="guide", title_fr="Guide en attente", contributed_by=moderator
    )
    event = upcoming_event()
    Client().post(f"/fr/events/{event.pk}/{event.slug}/register/", {
        "name": "Ada", "email": "ada@example.org", "organisation_name": "Coop Alpha",
        "seat_locality": "Lille", "seat_country": "FR", "first_participation": "on"})  # fmt: skip
    saver = Client()
    saver.force_login(moderator)
    saver.post("/fr/opportunities/saved/", {"kind": "job"})
    # A possible duplicate, an entry gone from its source, and a confirmation link.
    from essaim.atlas import actions
    from essaim.atlas.confirmations import confirmation_path
    from essaim.atlas.duplicates import find_candidates
    from essaim.contributions.actions import do_record_duplicate_candidates
    from essaim.contributions.models import DuplicateCandidate

    twin = actions.do_apply_facts(
        None,
        {"name": "Emmaus Connect", "country": "FR", "email": "contact@emmaus-connect.example.org"},
    )
    actions.do_apply_facts(org, {"email": "contact@emmaus-connect.example.org"})
    do_record_duplicate_candidates(find_candidates())
    pair = DuplicateCandidate.objects.get(second=twin)
    Organisation.objects.filter(pk=twin.pk).update(
        source="reseau", source_id="7", missing_from_source_since=timezone.now()
    )
    org.refresh_from_db()
    from essaim.matching.models import Contact

    contact = Contact.objects.filter(state="accepted").first()
    from essaim.matching.models import Programme

    round_ = Programme.objects.get()
    from essaim.observatory import actions as observatory
    from essaim.observatory.models import Indicator, Question, Statement, Survey

    survey = Survey.objects.get(state="published")
    asked = Survey.objects.create(title="Nos outils en 2026", year=2026, language="fr",
                                  closes_on=timezone.localdate() + timedelta(days=30),
                                  state="open")  # fmt: skip
    for n, question in enumerate(survey.questions.all()):
        Question.objects.create(survey=asked, position=n, kind=question.kind,
                                text=question.text, choices=question.choices,
                                allows_other=question.allows_other)  # fmt: skip
    answering = observatory.survey_token(asked, org)
    Statement.objects.update(confidence=0.4)  # every reading waits for a person
    from essaim.network.models import Announcement, Membership, Message, Proposal, Vote

    Client().post("/fr/network/contact/", {
        "sender_name": "Ada", "sender_email": "ada@example.org", "subject": "Notre fiche",
        "body": "L'adresse de notre association a changé : pouvez-vous corriger la fiche ?",
    })  # fmt: skip
    vote = Vote.objects.first()
    pages = [
        "/fr/network/votes/",
        f"/fr/network/votes/{vote.pk}/",
        f"/fr/network/votes/{vote.pk}/minutes/",
        "/fr/network/votes/new/",
        "/fr/network/proposals/",
        f"/fr/network/proposals/{Proposal.objects.first().pk}/",
        "/fr/network/announcements/new/",
        f"/fr/network/announcements/{Announcement.objects.first().pk}/",
        "/fr/network/inbox/",
        "/fr/network/inbox/reasons/",
        f"/fr/network/inbox/{Message.objects.get().pk}/",
        "/fr/network/join/",
        "/fr/network/members/",
        f"/fr/network/members/{Membership.objects.filter(approved_on=None).first().pk}/",
        f"/fr/network/members/{Membership.objects.exclude(paid_until=None).first().pk}/",
        "/fr/network/terms/",
        "/fr/observatory/import/",
        "/fr/observatory/indicators/new/",
        f"/fr/observatory/indicators/{Indicator.objects.first().code}/add/",
        "/fr/observatory/goals/new/",
        "/fr/observatory/surveys/",
        "/fr/observatory/surveys/new/",
        f"/fr/observatory/surveys/{survey.pk}/",
        f"/fr/observatory/surveys/{asked.pk}/",
        f"/fr/observatory/surveys/{asked.pk}/questions/{asked.questions.first().pk}/",
        f"/fr/observatory/answer/{answering}/",
        "/fr/observatory/impact/",
        "/fr/observatory/impact/review/",
        "/fr/help/programmes/",
        f"/fr/help/programmes/{round_.pk}/",
        f"/fr/help/programmes/{round_.pk}/rank/{round_.participants.first().pk}/",
        "/fr/help/weights/",
        f"/fr/help/needs/new/?organisation={org.pk}&question=security.backups",
        f"/fr/help/needs/{contact.need_id}/",
        f"/fr/help/requests/{contact.pk}/",
        "/fr/help/requests/",
        "/fr/help/volunteer/",
        "/fr/moderation/duplicates/",
        f"/fr/moderation/duplicates/{pair.pk}/",
        base,
        confirmation_path(org),
        "/fr/resources/new/",
        "/fr/events/new/",
        "/fr/opportunities/new/",
        f"/fr/events/{event.pk}/{event.slug}/registrations/",
        f"/fr/events/{event.pk}/{event.slug}/edit/",
        f"/fr/resources/{member_resource.pk}/{member_resource.slug}/",
        "/fr/opportunities/saved/",
        "/fr/moderation/",
        f"/fr/moderation/suggestions/{suggestion.pk}/",
        f"/fr/atlas/suggestions/{suggestion.token}/",
        base + "history/",
        base + "edit/",
        base + "report/",
        base + "represent/",
        "/fr/contributions/",
        "/fr/accounts/profile/",
        "/fr/accounts/profile/delete/",
        "/fr/privacy/",
    ]
    found = axe_violations(page, atlas, pages)
    # Still signed in as a moderator at the end: the pages above were seen as one sees them.
    assert page.goto(atlas + "/fr/moderation/").status == 200
    page.context.close()
    assert found == []


def test_a_suggestion_travels_from_a_visitor_to_the_atlas(browser, atlas):
    from essaim.accounts.models import User

    User.objects.create_user(
        "moderator", "moderator@example.org", "a-long-pass-phrase", is_moderator=True
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(
        user=User.objects.get(username="moderator"),
        email="moderator@example.org",
        verified=True,
        primary=True,
    )
    # A visitor, JavaScript off, suggests an organisation; an error keeps what they typed.
    page = open_page(browser, java_script=False)
    page.goto(f"{atlas}/fr/atlas/suggest/")
    page.fill("#id_name", "Atelier Vélo Numérique")
    page.fill("#id_short_description_fr", "Réparation de vélos et d'ordinateurs.")
    page.fill("#id_country", "france")
    page.fill("#id_locality", "Nantes")
    with page.expect_navigation():
        page.click("text=Envoyer la suggestion")
    assert "Veuillez corriger" in page.content(), "the email address is missing"
    assert page.input_value("#id_name") == "Atelier Vélo Numérique"
    page.fill("#id_contributor_email", "visiteuse@example.org")
    with page.expect_navigation():
        page.click("text=Envoyer la suggestion")
    assert "un modérateur va examiner votre suggestion" in page.content()
    page.context.close()

    # A moderator signs in, reviews and publishes it, with the keyboard.
    page = open_page(browser)
    page.goto(f"{atlas}/fr/accounts/login/")
    page.fill("input[name=login]", "moderator@example.org")
    page.fill("input[name=password]", "a-long-pass-phrase")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.click("text=Modération")
    page.click("text=Atelier Vélo Numérique")
    page.wait_for_load_state()
    page.focus("button[value=accept]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/fr/atlas/*/atelier-velo-numerique/")
    assert "Publié." in page.content()
    page.goto(f"{atlas}/fr/atlas/?q=velo")
    assert "Atelier Vélo Numérique" in page.locator(".cards h3").all_inner_texts()
    assert_same_origin(page, atlas)
    page.context.close()


def test_the_place_is_picked_from_the_gazetteer_or_the_map(browser, atlas):
    from playwright.sync_api import expect

    page = open_page(browser)
    page.goto(f"{atlas}/en/atlas/suggest/")
    page.fill("#id_country", "France")
    page.fill("#id_locality", "Nan")
    page.wait_for_selector("#locality-options option", state="attached")
    names = page.eval_on_selector_all(
        "#locality-options option", "options => options.map(o => o.value)"
    )
    assert names[0] == "Nantes"
    page.fill("#id_locality", "Nantes")
    expect(page.locator("#id_latitude")).to_have_value("47.21725")
    assert page.input_value("#id_region") == "Pays de la Loire"
    page.click("#place-map-open")
    page.wait_for_selector("#place-map .leaflet-pane", state="attached")
    page.click("#place-map", position={"x": 300, "y": 60})
    assert page.input_value("#id_latitude") != "47.21725", "a click on the map moves the place"
    assert "Coordinates set:" in page.inner_text("#place-status")
    assert_same_origin(page, atlas)
    page.context.close()


@pytest.mark.parametrize("width", [320, 640])  # 640 CSS pixels: a 1280-pixel screen at 200 %
def test_pages_fit_a_small_screen_and_200_percent_zoom(browser, atlas, width):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="fr-FR")
    page = context.new_page()
    too_wide = []
    for path in page_types("fr"):
        visit(page, f"{atlas}{path}")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            too_wide.append(f"{path}: {scroll_width} px")
    context.close()
    assert too_wide == []


def test_the_skip_link_comes_first_and_shows_where_focus_is(browser, atlas):
    page = open_page(browser)
    page.goto(f"{atlas}/fr/atlas/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    box = page.locator("a.skip").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0, "visible once focused"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focus is visible"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.context.close()


def test_registration_without_javascript_from_errors_to_the_waiting_list(browser, atlas):
    event = upcoming_event()
    event.capacity = 1
    event.save()
    register = f"{atlas}/fr/events/{event.pk}/{event.slug}/register/"
    # The errors, checked by axe (which needs scripts; the form itself does not).
    checker = open_page(browser)
    checker.goto(register)
    checker.click("form.contribution button[type=submit]")
    checker.wait_for_load_state()
    assert axe_on(checker, "registration form with errors") == []
    checker.context.close()

    page = open_page(browser, java_script=False)
    page.goto(f"{atlas}/fr/events/{event.pk}/{event.slug}/")
    page.click("a.button")
    page.click("form.contribution button[type=submit]")
    page.wait_for_load_state()
    summary = page.locator(".errors").inner_text()
    assert "Votre nom" in summary and "Votre adresse e-mail" in summary
    page.fill("#id_name", "Ada")
    page.fill("#id_email", "ada@example.org")
    page.fill("#id_organisation_name", "Coop Alpha")
    page.fill("#id_seat_locality", "Lille")
    page.check("#id_first_participation")
    page.click("form.contribution button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Vous êtes inscrit"
    page.goto(register)
    assert "liste d’attente" in page.locator("main").inner_text()
    for name, value in (
        ("name", "Ben"),
        ("email", "ben@example.org"),
        ("organisation_name", "Coop Beta"),
        ("seat_locality", "Lyon"),
    ):
        page.fill(f"#id_{name}", value)  # fmt: skip
    page.click("form.contribution button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Vous êtes sur la liste d’attente"
    assert_same_origin(page, atlas)
    page.context.close()


# Everything a visitor can act on, as the keyboard reaches it: links, buttons, fields, summaries.
# A group of radio buttons is one stop of the Tab key (arrows move within it): one number.
FOCUSABLE = """() => { const groups = {}; return [...new Set([...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
  .filter(e => e.tabIndex >= 0 && !e.disabled && !e.closest('.trap')
               && e.checkVisibility({visibilityProperty: true}))
  .map((e, number) => {
    if (e.type === 'radio') number = groups[e.name] ??= number;
    e.dataset.reach = number; return number; }))]; }"""


def test_every_action_is_reached_by_the_keyboard_with_visible_focus(browser, atlas):
    page = open_page(browser)
    problems = []
    for path in page_types("fr"):
        visit(page, f"{atlas}{path}")
        expected = set(page.evaluate(FOCUSABLE))
        # The Tab key goes through a date or a time box part by part (day, month, year…).
        parts = page.evaluate("""() => 4 * document.querySelectorAll(
            'input[type=time], input[type=date], input[type=datetime-local]').length""")
        reached, unseen = set(), []
        for _press in range(len(expected) + parts + 5):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                """() => { const e = document.activeElement, s = getComputedStyle(e);
                  return [e.dataset.reach ?? null, s.outlineStyle !== 'none'
                          && parseFloat(s.outlineWidth) > 0, e.outerHTML.slice(0, 80)]; }"""
            )
            if focused[0] is not None:
                reached.add(int(focused[0]))
                if not focused[1]:
                    unseen.append(focused[2])
        if missed := expected - reached:
            problems.append(f"{path}: {len(missed)} elements never reached (a trap?)")
        if unseen:
            problems.append(f"{path}: focus not visible on {unseen[:2]}")
    page.context.close()
    assert problems == [], "\n".join(problems)


def test_forms_showing_their_errors_have_no_axe_violations(browser, atlas):
    page = open_page(browser)
    found = []
    for path, button in (("/fr/atlas/suggest/", "Envoyer la suggestion"),
                         ("/it/atlas/suggest/", "Invia il suggerimento")):  # fmt: skip
        page.goto(f"{atlas}{path}")
        with page.expect_navigation():
            page.click(f"text={button}")
        assert page.locator(".errors").count() == 1, path
        found += axe_on(page, f"{path} with errors")
    page.context.close()
    assert found == []


@pytest.mark.parametrize(
    "language, typed, expected",
    [
        ("it", "formazione digitale Bologna", "EGINA"),
        ("fr", "mediateur pres de Arras", "La Mednum"),
    ],
)
def test_the_home_search_finds_help_with_the_keyboard_alone(
    browser, atlas, language, typed, expected
):
    page = open_page(browser, java_script=False)
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{atlas}/{language}/")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    page.keyboard.type(typed)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"/{language}/search/" in page.url
    assert expected in page.locator("#results").inner_text()
    # The page says where it searched, and keeps the words.
    assert page.input_value("#q") and page.input_value("#where")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_same_origin(page, atlas)
    page.context.close()


def _tab_to(page, expression: str, presses: int = 120) -> None:
    """Press Tab until the focused element (`e`) makes `expression` true."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const e = document.activeElement; return {expression}; }})()"):
            return
    raise AssertionError(f"never reached: {expression}")


@pytest.mark.parametrize(("language", "width"), [("fr", 360), ("it", 1280)])
def test_a_newcomer_takes_the_diagnostic_from_the_home_page_with_the_keyboard_alone(
    browser, atlas, language, width
):
    """No JavaScript, no mouse: from the home page to the plan, answering every question."""
    page = open_page(browser, java_script=False)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{atlas}/{language}/")
    _tab_to(page, f"e.getAttribute('href') === '/{language}/diagnostic/'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, "e.tagName === 'BUTTON' && e.closest('main')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for _page in range(8):  # who answers, then the seven dimensions
        for _ in range(200):
            page.keyboard.press("Tab")
            kind = page.evaluate(
                "(() => { const e = document.activeElement;"
                " return e.type === 'radio' ? (e.checked ? 'done' : 'radio')"
                " : e.id === 'id_where' ? 'where'"
                " : e.tagName === 'BUTTON' && e.name !== 'later' && e.closest('main') ? 'save'"
                " : ''; })()"
            )
            if kind == "radio":
                page.keyboard.press("ArrowDown")  # the second level (or answer): checked
            elif kind == "where":
                page.keyboard.type("Arras")
            elif kind == "save":
                break
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert page.locator("main .errors").count() == 0  # every question answered: none named
    _tab_to(page, "e.tagName === 'BUTTON' && e.closest('main')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/result/" in page.url
    assert page.locator("table.scores").count() >= 1
    assert page.locator("figure svg").count() == 1
    _tab_to(page, "(e.getAttribute('href') || '').endsWith('/plan/')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h2#section-learn").count() == 1
    assert page.locator("p.reason").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_same_origin(page, atlas)
    page.context.close()


SAVE_BUTTON = (
    "document.activeElement.tagName === 'BUTTON' && "
    "document.activeElement.closest('main form.stacked') !== null"
)


@pytest.mark.parametrize(("language", "width"), [("fr", 360), ("es", 1280)])
def test_a_volunteer_offers_help_from_the_home_page_with_the_keyboard_alone(
    browser, atlas, language, width
):
    """No JavaScript, no mouse, signed in: from the home page to a published profile, the
    needs that fit it, and a request sent to an organisation, whose address stays hidden."""

    from tests.factories import UserFactory

    volunteer = UserFactory(username="walker")
    page = signed_in_page(browser, atlas, volunteer, java_script=False)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{atlas}/{language}/")
    _tab_to(page, f"e.getAttribute('href') === '/{language}/help/'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, f"e.getAttribute('href') === '/{language}/help/volunteer/'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    typed = {"id_name": "Nour", "id_where_town": "Arras", "id_hours_per_week": "4",
             "id_presentation": "Je reconditionne des ordinateurs et j'installe des "
                                "logiciels libres pour les associations."}  # fmt: skip
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id")
        if focused in typed:
            page.keyboard.press("Control+A")
            page.keyboard.type(typed.pop(focused))
        elif page.evaluate("document.activeElement.value") == "equipment":
            page.keyboard.press("Space")
        elif page.evaluate(SAVE_BUTTON):
            break
    assert not typed
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, "e.tagName === 'BUTTON' && e.value === 'published'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/help/volunteer/needs/")
    assert page.locator("main ol.cards > li").count() >= 1
    _tab_to(page, "/\\/help\\/needs\\/\\d+\\/$/.test(e.getAttribute('href') || '')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, "(e.getAttribute('href') || '').endsWith('/ask/')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, "e.id === 'id_message'")
    page.keyboard.type("Bonjour, je peux vous aider.")
    _tab_to(page, "e.tagName === 'BUTTON' && e.closest('main')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/help/requests/" in page.url
    assert "Bonjour, je peux vous aider." in page.locator("main").inner_text()
    assert "@" not in page.locator("main").inner_text()  # no address before they accept
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_same_origin(page, atlas)
    page.context.close()


@pytest.mark.parametrize(("language", "width"), [("fr", 360), ("en", 1280)])
def test_a_visitor_reads_a_territorys_jobs_from_the_home_page_with_the_keyboard_alone(
    browser, atlas, language, width
):
    """No JavaScript, no mouse: from the home page to the observatory, Les Moulins' jobs, the
    chart's table opened, the growth and its formula; then a survey answered by its link."""
    from essaim.atlas.models import Organisation
    from essaim.observatory import actions as observatory
    from essaim.observatory.models import Question, Response, Survey

    page = open_page(browser, java_script=False)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{atlas}/{language}/")
    _tab_to(page, f"e.getAttribute('href') === '/{language}/observatory/' && e.closest('main')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, "(e.getAttribute('href') || '').endsWith('/territories/qc-mrc/64/')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    main = page.locator("main")
    assert page.locator("main figure svg title").first.text_content()
    _tab_to(
        page,
        "e.tagName === 'SUMMARY' && "
        "e.closest('section').querySelector('a[href*=\"/ess-jobs/\"]') !== null",
    )
    page.keyboard.press("Enter")
    table = page.locator("main details[open] table").first
    assert table.is_visible()
    assert {"625", "787"} <= set(table.locator("td").all_inner_texts())
    growth = "+25,9 %" if language == "fr" else "+25.9 %"
    assert growth in main.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # A survey, answered from its email's link with the keyboard.
    org = Organisation.objects.get(name="Emmaüs Connect")
    survey = Survey.objects.create(title="Tools 2026", year=2026, language=language, state="open",
                                   closes_on=timezone.localdate() + timedelta(days=9))  # fmt: skip
    choices = ["A volunteer", "Nobody"]
    question = Question.objects.create(survey=survey, kind="single", text="Who helps?",
                                       choices=choices, allows_other=True)  # fmt: skip
    page.goto(f"{atlas}/{language}/observatory/answer/{observatory.survey_token(survey, org)}/")
    _tab_to(page, "e.type === 'radio'")
    page.keyboard.press("Space")
    _tab_to(page, "e.tagName === 'BUTTON' && e.closest('main')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    (response,) = Response.objects.filter(survey=survey)
    assert response.answers.get(question=question).choices == ["A volunteer"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_same_origin(page, atlas)
    page.context.close()


@pytest.mark.parametrize(("language", "width"), [("it", 360), ("fr", 1280)])
def test_a_representative_applies_to_join_the_network_with_the_keyboard_alone(
    browser, atlas, language, width
):
    """No JavaScript, no mouse, signed in as an organisation's representative: from the home
    page to the network, its terms, and an application recorded as pending."""

    from essaim.atlas.models import Organisation
    from essaim.contributions.models import Representation
    from essaim.network.models import Membership
    from tests.factories import UserFactory

    org = Organisation.objects.get(name="Emmaüs Connect")
    rep = UserFactory(username="joiner")
    Representation.objects.create(user=rep, organisation=org, status="granted")
    page = signed_in_page(browser, atlas, rep, java_script=False)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{atlas}/{language}/")
    _tab_to(page, f"e.getAttribute('href') === '/{language}/network/'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, f"e.getAttribute('href') === '/{language}/network/join/'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    _tab_to(page, f"e.type === 'radio' && e.value === '{org.pk}'")
    page.keyboard.press("Space")
    _tab_to(page, "e.tagName === 'BUTTON' && e.closest('main form.stacked') !== null")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    membership = Membership.objects.get(organisation=org)
    assert page.url.endswith(f"/network/members/{membership.pk}/")
    assert membership.approved_on is None and membership.applied_by == rep
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_same_origin(page, atlas)
    page.context.close()


@pytest.mark.parametrize(("language", "width"), [("es", 360), ("fr", 1280)])
def test_a_representative_casts_the_members_ballot_with_the_keyboard_alone(
    browser, atlas, language, width
):
    """No JavaScript, no mouse, signed in as a member organisation's representative: from the
    home page to the open vote, a ballot cast and its receipt shown."""

    from essaim.contributions.models import Representation
    from essaim.network.actions import current_members
    from essaim.network.actions.votes import do_open_vote, do_save_vote
    from essaim.network.models import Ballot, Vote
    from tests.factories import UserFactory

    member = next(m for m in current_members() if m.organisation_id)
    rep = UserFactory(username="voter")
    Representation.objects.create(user=rep, organisation=member.organisation, status="granted")
    board = UserFactory(username="board", is_moderator=True)
    vote = do_save_vote(board, Vote(question="Budget 2027?",
                                    closes_at=timezone.now() + timedelta(days=3)))  # fmt: skip
    do_open_vote(vote, user=board)
    page = signed_in_page(browser, atlas, rep, java_script=False)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{atlas}/{language}/")
    for href in (f"/{language}/network/", f"/{language}/network/votes/",
                 f"/{language}/network/votes/{vote.pk}/"):  # fmt: skip
        _tab_to(page, f"e.getAttribute('href') === '{href}'")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    _tab_to(page, "e.type === 'radio' && e.value === 'yes'")
    page.keyboard.press("Space")
    _tab_to(page, "e.tagName === 'BUTTON' && e.closest('main form.stacked') !== null")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    ballot = Ballot.objects.get(vote=vote)
    assert ballot.choice == "yes" and ballot.voter.membership == member
    assert page.locator("strong.code").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_same_origin(page, atlas)
    page.context.close()


@pytest.mark.parametrize(("language", "width"), [("en", 360), ("it", 1280)])
def test_a_visitor_writes_to_the_network_with_the_keyboard_alone(browser, atlas, language, width):
    """No JavaScript, no mouse, no account: from the home page's Contact link to a message
    received and sorted."""
    from essaim.network.models import Message

    page = open_page(browser, java_script=False)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{atlas}/{language}/")
    _tab_to(page, f"e.getAttribute('href') === '/{language}/network/contact/'", presses=200)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for name, text in (("sender_name", "Ada"), ("sender_email", "ada@example.org"),
                       ("subject", "Our address"),
                       ("body", "Our association moved: please correct our entry.")):  # fmt: skip
        _tab_to(page, f"e.name === '{name}'")
        page.keyboard.type(text)
    _tab_to(page, "e.tagName === 'BUTTON' && e.closest('main form.stacked') !== null")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    message = Message.objects.get()
    assert message.subject == "Our address" and message.reason is not None
    assert page.locator("h1").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.context.close()


# Contributors' screens ----------------------------------------------------------------------


def test_a_cooperative_suggests_its_entry_on_a_phone_in_italian_with_the_keyboard_alone(
    browser, atlas
):
    """No JavaScript, no mouse, a 360 px screen: from the home page to the receipt, the form
    under half the height of the one it replaced (6,414 px here)."""
    from django.core import mail

    from essaim.contributions.models import Suggestion

    page = open_page(browser, java_script=False)
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{atlas}/it/")
    _tab_to(page, "e.getAttribute('href') === '/it/atlas/suggest/'", presses=200)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    height = page.evaluate("document.querySelector('form.contribution').offsetHeight")
    assert height < 6414 / 2, f"the form is {height} px tall"
    texts = (("name", "Coop Alveare Digitale"),
             ("short_description_it", "Riuso di computer e corsi a Bologna."))  # fmt: skip
    for name, text in texts:
        _tab_to(page, f"e.name === '{name}'")
        page.keyboard.type(text)
    _tab_to(page, "e.name === 'services' && e.value === 'training'")
    page.keyboard.press("Space")
    for name, text in (("locality", "Bologna"), ("country", "Italia")):
        _tab_to(page, f"e.name === '{name}'")
        page.keyboard.type(text)
    _tab_to(page, "e.name === 'opening_hours_0'")
    # A list and a time box are the browser's own widgets (a pop-up, parts in its locale's
    # order): set as a whole.
    page.select_option("[name=opening_hours_0]", "Mo-Fr")
    page.fill("[name=opening_hours_1]", "09:00")
    page.fill("[name=opening_hours_2]", "17:30")
    _tab_to(page, "e.name === 'contributor_email'")
    page.keyboard.type("coordinamento@alveare.example")
    _tab_to(page, "e.tagName === 'BUTTON' && e.closest('form.contribution') !== null")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    suggestion = Suggestion.objects.get(proposed__name="Coop Alveare Digitale")
    assert suggestion.proposed["opening_hours"] == "Mo-Fr 09:00-17:30"
    assert suggestion.proposed["services"] == ["training"]
    assert "/it/atlas/suggestions/" in page.url and "Coop Alveare Digitale" in page.content()
    assert mail.outbox[-1].to == ["coordinamento@alveare.example"]
    assert page.url.split("/it/", 1)[1] in mail.outbox[-1].body, "the receipt links to its page"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.context.close()


def test_organisations_are_proposed_as_their_name_is_typed(browser, atlas):
    from essaim.accounts.models import User

    member = User.objects.create_user("ada", "ada@example.org", "pw-for-tests-only")
    page = signed_in_page(browser, atlas, member)
    page.goto(f"{atlas}/it/resources/new/")
    page.click("#id_organisations")
    page.keyboard.type("Emaus")
    wait_until(page, "document.querySelectorAll('#id_organisations-names option').length > 0")
    options = page.eval_on_selector_all(
        "#id_organisations-names option", "options => options.map(o => o.value)"
    )
    assert "Emmaüs Connect" in options
    page.fill("#id_organisations", "Emmaüs Connect; Tele")
    page.keyboard.type("c")  # the second name completed, the first kept
    wait_until(page, "[...document.querySelectorAll('#id_organisations-names option')]"
                     ".some(o => o.value === 'Emmaüs Connect; Télécoop')")  # fmt: skip
    assert_same_origin(page, atlas)
    page.context.close()


def test_the_identifiers_of_the_country_typed_come_first(browser, atlas):
    page = open_page(browser)
    visit(page, f"{atlas}/it/atlas/suggest/")
    shown = "document.querySelector('#id_identifier_{}').checkVisibility()"
    assert page.evaluate(shown.format("vat")) and not page.evaluate(shown.format("siret"))
    page.fill("#id_country", "Francia")
    page.press("#id_country", "Tab")
    wait_until(page, shown.format("siret"))
    assert page.evaluate(shown.format("rna")) and page.evaluate(shown.format("vat"))
    page.fill("#id_identifier_siret", "362 521 879 00034")
    page.fill("#id_country", "Canada")  # the NEQ; the number typed stays in sight
    page.press("#id_country", "Tab")
    folded = "document.querySelector('#id_identifier_{}').closest('details') !== null"
    wait_until(page, f"!({folded.format('neq')})")
    assert page.evaluate(folded.format("siret")) and page.evaluate(shown.format("siret"))
    assert_same_origin(page, atlas)
    page.context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_a_moderator_corrects_a_value_then_publishes_with_the_keyboard(browser, atlas, width):
    from django.test import Client

    from essaim.accounts.models import User
    from essaim.atlas.models import Organisation
    from essaim.contributions.models import Suggestion

    Client().post("/it/atlas/suggest/", {
        "name": "Coop Alveare Digitale", "original_language": "it", "country": "Italia",
        "locality": "Bologna", "website": "alveare.example", "contributor_email": "c@example.org",
    })  # fmt: skip
    suggestion = Suggestion.objects.get()
    moderator = User.objects.create_user("mod", "mod@example.org", "pw", is_moderator=True)
    page = signed_in_page(browser, atlas, moderator, java_script=False)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{atlas}/it/moderation/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    _tab_to(page, f"e.getAttribute('href') === '/it/moderation/suggestions/{suggestion.pk}/'",
            presses=200)  # fmt: skip
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    _tab_to(page, "e.name === 'edit-name'")
    page.keyboard.press("End")
    page.keyboard.type(" APS")
    _tab_to(page, "e.tagName === 'BUTTON' && e.value === 'accept'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    org = Organisation.objects.get(name="Coop Alveare Digitale APS")
    assert page.url.endswith(org.get_absolute_url().split("/", 2)[2])
    page.context.close()
