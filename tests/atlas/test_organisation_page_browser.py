"""An organisation's page with hours, practical facts and a logo, and its logo page, in
Chromium: no accessibility violation found by axe-core, nothing loaded from elsewhere."""

import pytest

from tests.atlas.test_organisation_page import MEDIATION, OFFICE_HOURS, image_file
from tests.test_browser import assert_same_origin, axe_on, browser, open_page  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organisation_page_that_speaks_to_people_is_accessible(
    browser,  # noqa: F811
    live_server,
    settings,
    tmp_path,
):
    from django.core.files.base import ContentFile
    from django.test import Client

    from essaim.accounts.models import User
    from essaim.atlas import actions
    from essaim.atlas.logos import read_logo

    settings.MEDIA_ROOT = tmp_path / "media"
    org = actions.do_create_organisation({
        "name": "Espace numérique du Colombier", "country": "FR", "locality": "Rennes",
        "address": "2 rue du Colombier", "postal_code": "35000", "latitude": 48.1046,
        "longitude": -1.6775, "opening_hours": OFFICE_HOURS, "mediation": MEDIATION,
    })  # fmt: skip
    actions.do_set_logo(org, read_logo(ContentFile(image_file(fmt="PNG"))))
    moderator = User.objects.create_user("mod", "mod@example.org", "pw", is_moderator=True)
    signed_in = Client()
    signed_in.force_login(moderator)
    # The address without its language (whichever an earlier test left active).
    base = org.get_absolute_url().split("/", 2)[2]
    found = []
    page = open_page(browser)
    for language in ("fr", "en"):
        page.goto(f"{live_server.url}/{language}/{base}", wait_until="load")
        assert page.locator("table.hours tr").count() == 7
        assert page.evaluate("document.querySelector('img.logo').naturalWidth") == 256
        found += axe_on(page, f"{language} organisation page")
    assert_same_origin(page, live_server.url)
    page.context.add_cookies([
        {"name": "sessionid", "value": signed_in.cookies["sessionid"].value,
         "url": live_server.url},
    ])  # fmt: skip
    page.goto(f"{live_server.url}/en/{base}", wait_until="load")
    page.click("summary")
    found += axe_on(page, "organisation page for an editor")
    page.goto(f"{live_server.url}/en/{base}logo/", wait_until="load")
    found += axe_on(page, "logo page")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "notes.png", "mimeType": "image/png", "buffer": b"not an image"}],
    )
    with page.expect_navigation():
        page.click("text=Upload the logo")
    assert page.locator(".errors").count() == 1
    found += axe_on(page, "logo page with an error")
    page.context.close()
    assert found == []
