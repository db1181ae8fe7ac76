"""An organisation's page speaks to people: hours, place, source and practical facts in words."""

import re
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
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
    assert "Closed · opens on September 1 at 09:00" in visible(client, org, "en")
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
