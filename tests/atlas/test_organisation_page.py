"""An organisation's page speaks to people: hours, place, source and practical facts in words."""

import io
import re
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext, pgettext

from essaim.atlas import actions, hours
from essaim.atlas.models import Organisation
from tests.helpers import page_of

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
OFFICE_HOURS = "Mo-Fr 09:00-12:00,14:00-17:00; PH off"


def text_of(html: str) -> str:
    """What a reader sees: no scripts, no tags, one space between words."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"</?(?:span|strong|a|bdi|code)\b[^>]*>", "", html)  # Inline: no space.
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def visible(client, org, language: str) -> str:
    response = client.get(page_of(org, language))
    assert response.status_code == 200
    return text_of(response.content.decode())


def words(language: str, message: str, **values) -> str:
    with translation.override(language):
        return gettext(message) % values if values else gettext(message)


def weekday(language: str, name: str) -> str:
    with translation.override(language):
        return pgettext("weekday in a sentence", name)


@pytest.fixture
def at(monkeypatch):
    """Fix the moment the page reads the hours at (in Paris)."""

    def fix(*moment: int) -> None:
        monkeypatch.setattr(hours, "local_now", lambda: datetime(*moment, tzinfo=PARIS))

    return fix


@pytest.fixture
def place(db, commit):
    def make(**fields) -> Organisation:
        return commit(
            actions.do_create_organisation,
            {"name": "Espace numérique du Colombier", "country": "FR", **fields},
        )

    return make


def test_hours_in_words_open_now(client, place, at):
    org = place(opening_hours=OFFICE_HOURS)
    at(2025, 3, 3, 15, 30)  # A Monday afternoon.
    text = visible(client, org, "en")
    assert "Open now · closes at 17:00" in text
    assert "Tuesday 09:00–12:00, 14:00–17:00" in text
    assert "Saturday closed" in text and "Sunday closed" in text
    assert OFFICE_HOURS not in text


@pytest.mark.parametrize("language", ["en", "fr", "it", "es"])
def test_hours_in_words_closed_in_the_visitors_language(client, place, at, language):
    org = place(opening_hours=OFFICE_HOURS)
    at(2025, 3, 8, 11, 0)  # A Saturday: open again on Monday.
    text = visible(client, org, language)
    opens = words(language, "opens %(day)s at %(time)s", day=weekday(language, "Monday"),
                  time="09:00")  # fmt: skip
    assert f"{words(language, 'Closed')} · {opens}" in text
    with translation.override(language):
        from django.utils.dates import WEEKDAYS

        tuesday, sunday = str(WEEKDAYS[1]), str(WEEKDAYS[6])
    assert f"{tuesday[0].upper()}{tuesday[1:]} 09:00–12:00, 14:00–17:00" in text
    assert f"{sunday[0].upper()}{sunday[1:]}" in text
    assert "Mo-Fr" not in text


def test_french_days_are_french(client, place, at):
    org = place(opening_hours=OFFICE_HOURS)
    at(2025, 3, 8, 11, 0)
    text = visible(client, org, "fr")
    assert "Mardi 09:00–12:00, 14:00–17:00" in text
    assert "Tuesday" not in text


def test_a_public_holiday_is_said(client, place, at):
    org = place(opening_hours=OFFICE_HOURS)
    at(2025, 7, 11, 10, 0)  # A Friday; Monday 14 July is a public holiday in France.
    text = visible(client, org, "en")
    assert "Monday closed (public holiday)" in text
    assert "Tuesday 09:00–12:00, 14:00–17:00" in text


def test_hours_late_at_night_and_notes(client, place, at):
    org = place(opening_hours='Th 18:00-02:00 "sur rendez-vous"; Sa 10:00-12:00 "sur rendez-vous"')
    at(2025, 3, 6, 23, 0)  # Thursday night.
    text = visible(client, org, "en")
    assert "Open now · closes tomorrow at 02:00" in text
    assert "Thursday (today) 18:00–02:00" in text
    assert "Friday closed" in text
    # A note for every open day is written once.
    assert text.count("sur rendez-vous") == 1


def test_hours_far_ahead_and_around_the_clock(client, place, at):
    org = place(opening_hours="Sep-Jun Mo-Fr 09:00-17:00; Jul-Aug off")
    at(2025, 7, 15, 12, 0)
    assert "Closed · opens on 1 September at 09:00" in visible(client, org, "en")
    always = place(name="Toujours ouvert", opening_hours="24/7")
    text = visible(client, always, "en")
    assert "Open now · open day and night, every day" in text
    assert "Wednesday open 24 hours" in text


@pytest.mark.parametrize("raw", ["lundi 9h-12h, sauf vacances", "Mo-Fr 25:00-26:00"])
def test_unreadable_hours_are_shown_as_written(client, place, raw):
    org = place(opening_hours=raw)
    response = client.get(page_of(org, "en"))
    assert response.status_code == 200
    html = response.content.decode()
    assert raw in text_of(html)
    assert 'class="hours"' not in html and "Open now" not in html


def test_the_raw_hours_are_for_editors_only(client, place, moderator):
    org = place(opening_hours=OFFICE_HOURS)
    assert "OpenStreetMap" not in visible(client, org, "en")
    client.force_login(moderator)
    html = client.get(page_of(org, "en")).content.decode()
    assert f"<code>{OFFICE_HOURS}</code>" in html


def test_the_place_is_said_in_words_not_in_coordinates(client, place):
    org = place(address="2 rue du Colombier", postal_code="35000", locality="Rennes",
                region="Bretagne", latitude=48.1046, longitude=-1.6775)  # fmt: skip
    html = client.get(page_of(org, "en")).content.decode()
    text = text_of(html)
    assert "Location: 2 rue du Colombier, 35000 Rennes, Bretagne, France." in text
    assert "latitude" not in text.lower() and "48.10" not in text and "1.67" not in text
    assert 'href="/en/atlas/map/?near=48.104600,-1.677500">See around on the map</a>' in html


def test_the_source_is_named_as_people_know_it(client, place):
    from essaim.exchange.models import Source

    Source.objects.create(
        name="cartographie-lmn",
        title="Cartographie nationale des lieux d'inclusion numérique",
        format=Source.Format.LMN,
        url="https://cartographie.societenumerique.gouv.fr/",
    )
    org = place(source="cartographie-lmn", source_id="42")
    html = client.get(page_of(org, "en")).content.decode()
    assert (
        'Source: <a href="https://cartographie.societenumerique.gouv.fr/" rel="nofollow" '
        'dir="auto">Cartographie nationale des lieux d&#x27;inclusion numérique</a>.'
    ) in html
    assert "cartographie-lmn" not in text_of(html)
    unknown = place(name="Sans titre", source="some-feed", source_id="1")
    assert "Source: some-feed." in visible(client, unknown, "en")


def test_the_demo_source_reads_as_demonstration_data(client, demo):
    org = Organisation.objects.get(name="Atena Informatique")
    text = visible(client, org, "en")
    assert "Source: Essaim's demonstration data." in text
    assert "essaim-demo" not in text


MEDIATION = {
    "frais_a_charge": ["Gratuit sous condition"],
    "modalites_acces": ["Se présenter", "Prendre un RDV en ligne"],
    "modalites_accompagnement": ["Accompagnement individuel", "Dans un atelier collectif"],
    "publics_specifiquement_adresses": ["Jeunes", "Seniors"],
    "prise_en_charge_specifique": ["Surdité", "Handicaps moteurs"],
    "prise_rdv": "https://rdv.rennes.example.org/",
    "fiche_acces_libre": "https://acceslibre.beta.gouv.fr/app/35-rennes/a/bibliotheque/",
    "complement_adresse": "Rez-de-chaussée, porte B",
    "dispositif_programmes_nationaux": ["Conseillers numériques", "France Services"],
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_mediation_places_facts_are_in_words(client, place, language):
    org = place(address="2 rue du Colombier", locality="Rennes", mediation=MEDIATION)
    html = client.get(page_of(org, language)).content.decode()
    text = text_of(html)

    def said(label: str, *values: str) -> str:
        return " ".join([words(language, label), ", ".join(words(language, v) for v in values)])

    assert said("Price", "Free under conditions") in text
    assert said("How to come", "Come in person", "Book an appointment online") in text
    assert said("Support offered", "One-to-one support", "In a group workshop") in text
    assert said("Especially for", "Young people", "Older people") in text
    assert said("Support adapted to", "Deafness", "Physical disabilities") in text
    assert "Conseillers numériques, France Services" in text
    assert "2 rue du Colombier Rez-de-chaussée, porte B" in text
    book = words(language, "Book an appointment")
    assert f'<a href="https://rdv.rennes.example.org/" rel="nofollow">{book}</a>' in html
    assert 'href="https://acceslibre.beta.gouv.fr/app/35-rennes/a/bibliotheque/"' in html
    # The schema's own words stay out of an English page.
    if language == "en":
        assert "Gratuit" not in text and "Se présenter" not in text


def test_an_appointment_address_that_is_not_a_web_address_is_not_a_link(client, place):
    org = place(mediation={"prise_rdv": "javascript:alert(1)"})
    html = client.get(page_of(org, "en")).content.decode()
    assert 'href="javascript' not in html
    assert "javascript:alert(1)" in text_of(html)


def test_every_value_of_the_schemas_lists_has_its_words():
    from essaim.exchange.lmn import CHOICES
    from essaim.exchange.lmn_words import VALUE_WORDS

    for name, words_of in VALUE_WORDS.items():
        assert set(words_of) == set(CHOICES[name]), name


# Logos ---------------------------------------------------------------------------------------


def image_file(name: str = "logo.jpg", size=(1200, 800), fmt: str = "JPEG", **save) -> bytes:
    from PIL import Image

    image = Image.new("RGB", size, (200, 60, 20))
    image.paste((20, 90, 200), (0, 0, size[0] // 2, size[1] // 2))
    output = io.BytesIO()
    image.save(output, fmt, **save)
    return output.getvalue()


def photo_with_exif() -> bytes:
    """A JPEG with its camera, the place it was taken and a rotation in its EXIF."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    exif[0x0110] = "Camera model"
    exif[0x0112] = 6  # Rotated: the logo must come out upright (800 × 1200).
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 6.0, 0.0), 3: "W", 4: (1.0, 40.0, 0.0)})
    return image_file(exif=exif.tobytes())


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


@pytest.fixture
def representative(db, member, place):
    from essaim.contributions.models import Representation

    org = place(address="2 rue du Colombier", locality="Rennes")
    Representation.objects.create(user=member, organisation=org, status="granted")
    return org


def fetch(client, url: str):
    """A served file, read to its end (which closes it): (response, its bytes)."""
    response = client.get(url)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return response, content


def upload(client, org, content: bytes, name: str = "logo.jpg", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"logo": SimpleUploadedFile(name, content), **extra}
    return client.post(page_of(org, "en") + "logo/", data)


def test_a_representative_uploads_a_logo_re_encoded_without_metadata(
    client, member, representative, media, commit
):
    from PIL import Image

    from essaim.atlas.models import Change

    org = representative
    client.force_login(member)
    page = client.get(page_of(org, "en")).content.decode()
    assert f'href="{page_of(org, "en")}logo/">Add a logo</a>' in page
    response = commit(upload, client, org, photo_with_exif())
    assert response.status_code == 302 and response["Location"] == page_of(org, "en")
    org.refresh_from_db()
    stored = media / org.logo.name
    assert org.logo.name.startswith(f"logos/{org.pk}-") and org.logo.name.endswith(".webp")
    saved = stored.read_bytes()
    assert len(saved) < 30_000
    with Image.open(io.BytesIO(saved)) as logo:
        assert logo.format == "WEBP"
        assert logo.size == (171, 256) == (org.logo_width, org.logo_height)
        assert not logo.getexif() and "exif" not in logo.info and "xmp" not in logo.info
    assert b"EXIF" not in saved and b"Camera" not in saved
    # On the page, with its size, words and lazily; served by Essaim, cached for a year.
    html = client.get(page_of(org, "en")).content.decode()
    assert (
        f'<img class="logo" src="/media/{org.logo.name}" width="171" height="256" '
        f'alt="Logo of {org.name}" loading="lazy">'
    ) in html
    client.logout()
    served, content = fetch(client, f"/media/{org.logo.name}")
    assert served.status_code == 200 and served["Content-Type"] == "image/webp"
    assert served["Cache-Control"] == "public, max-age=31536000, immutable"
    assert content == saved
    change = Change.objects.filter(organisation_id=org.pk).first()
    assert change.fields == {"logo": ["", org.logo.name]} and change.author == member


def test_a_logo_can_be_removed_and_the_removal_reverted(
    client, member, moderator, representative, media, commit
):
    org = representative
    client.force_login(member)
    commit(upload, client, org, image_file(fmt="PNG", name="logo.png"))
    org.refresh_from_db()
    name = org.logo.name
    response = commit(client.post, page_of(org, "en") + "logo/", {"remove": "1"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert not org.logo and org.logo_width is None
    assert fetch(client, f"/media/{name}")[0].status_code == 404
    assert 'class="logo"' not in client.get(page_of(org, "en")).content.decode()
    from essaim.atlas.models import Change

    removal = Change.objects.filter(organisation_id=org.pk).first()
    assert removal.fields == {"logo": [name, ""]}
    history = client.get(page_of(org, "en") + "history/").content.decode()
    assert name in history
    client.force_login(moderator)
    commit(client.post, f"/en/moderation/changes/{removal.pk}/revert/")
    org.refresh_from_db()
    assert org.logo.name == name and org.logo_width == 256
    assert fetch(client, f"/media/{name}")[0].status_code == 200


def test_a_stranger_may_not_change_the_logo(client, member, place, media):
    org = place()
    page = page_of(org, "en") + "logo/"
    assert client.get(page).status_code == 302  # To sign in.
    assert upload(client, org, image_file()).status_code == 302
    client.force_login(member)
    assert "logo/" not in client.get(page_of(org, "en")).content.decode()
    assert client.get(page).status_code == 403
    assert upload(client, org, image_file()).status_code == 403
    org.refresh_from_db()
    assert not org.logo and not media.exists()


UNREADABLE = "This file is not an image Essaim can read: send a JPEG, PNG, WebP or GIF."


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.4 not an image at all", "logo.png", UNREADABLE),
        (image_file(size=(300, 200), fmt="BMP"), "logo.bmp", UNREADABLE),
        (image_file(size=(4001, 20), fmt="PNG"), "wide.png", "This image is 4001 × 20 pixels"),
        (image_file(fmt="PNG")[:300], "cut.png", UNREADABLE),
        (b"\x89PNG" + bytes(2 * 1024 * 1024), "huge.png", "This file is larger than 2 MB"),
    ],
    ids=["not-an-image", "bmp", "too-wide", "truncated", "too-large"],
)
def test_a_file_that_is_not_a_fitting_image_is_refused_clearly(
    client, member, representative, media, content, name, message
):
    org = representative
    client.force_login(member)
    response = upload(client, org, content, name=name)
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(message) in html
    assert 'enctype="multipart/form-data"' in html and 'type="file" name="logo"' in html
    org.refresh_from_db()
    assert not org.logo
    assert not (media / "logos").exists()


def test_logo_uploads_are_rate_limited(client, member, representative, media, commit):
    client.force_login(member)
    small = image_file(size=(40, 40), fmt="PNG", name="small.png")
    for _ in range(20):
        assert commit(upload, client, representative, small, name="small.png").status_code == 302
    limited = upload(client, representative, small, name="small.png")
    assert limited.status_code == 200
    assert "Too many uploads from your account: try again in an hour." in limited.content.decode()


def test_a_hidden_entrys_logo_is_for_moderators_only(client, moderator, place, media, commit):
    from django.core.files.base import ContentFile

    from essaim.atlas.logos import read_logo
    from essaim.atlas.models import Status

    org = place()
    logo = read_logo(ContentFile(image_file(size=(64, 32), fmt="PNG")))
    commit(actions.do_set_logo, org, logo)
    commit(actions.do_set_organisation_status, org, Status.HIDDEN)
    url = f"/media/{org.logo.name}"
    assert fetch(client, url)[0].status_code == 404
    assert fetch(client, "/media/logos/../../secret_key")[0].status_code == 404
    client.force_login(moderator)
    response, _content = fetch(client, url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
