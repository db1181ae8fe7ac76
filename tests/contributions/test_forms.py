"""The contributors' forms as a newcomer meets them: texts in their language first, countries,
languages and organisations by their names, hours as days and times, a receipt to follow a
suggestion, and every refusal next to its control with what was typed kept."""

import re

import pytest
from django.core import mail

from essaim.atlas import actions
from essaim.atlas.models import Organisation
from essaim.commons.models import Resource
from essaim.contributions.models import Suggestion

pytestmark = pytest.mark.django_db

# An Italian cooperative, as its coordinator types it on the Italian page.
ALVEARE = {
    "name": "Coop Alveare Digitale",
    "original_language": "it",
    "short_description_it": "Riuso di computer e formazione digitale a Bologna.",
    "services": ["training"],
    "locality": "Bologna",
    "country": "Italia",
    "languages": "italiano, Inglese",
    "opening_hours_0": "Mo-Fr",
    "opening_hours_1": "09:00",
    "opening_hours_2": "12:30",
    "opening_hours_3": "Mo-Fr",
    "opening_hours_4": "14:00",
    "opening_hours_5": "17:00",
    "identifier_vat": "IT 12345678901",
    "contributor_email": "coordinamento@alveare.example",
}


def open_at(hours: str) -> Organisation:
    return actions.do_create_organisation(
        {"name": f"Open {hours}", "country": "IT", "locality": "Bologna", "opening_hours": hours}
    )


def follow_link(message) -> str:
    return re.search(r"https?://\S+(/\w\w/atlas/suggestions/\S+/)", message.body)[1]


def suggestion_of(link: str) -> str:
    """What a follow link is signed for (its first part): two emails sent a second apart sign
    the same suggestion with other time stamps."""
    return link.rstrip("/").rsplit("/", 1)[1].split(":")[0]


def test_an_italian_cooperative_suggests_its_entry_and_follows_it(client, demo, moderator,
                                                                  commit):  # fmt: skip
    page = client.get("/it/atlas/suggest/").content.decode()
    assert 'name="short_description_it"' in page.split("<details")[0], "Italian texts first"
    vat = page.index('name="identifier_vat"')
    assert page.rfind("<details", 0, vat) < page.rfind("</details>", 0, vat), "VAT not folded"
    folded = page[page.index('name="short_description_it"'):]  # fmt: skip
    assert folded.index("<details") < folded.index('name="identifier_siret"'), (
        "French identifiers are behind “other identifier”"
    )
    assert "---------" not in page

    response = client.post("/it/atlas/suggest/", ALVEARE, follow=True)
    assert response.status_code == 200
    suggestion = Suggestion.objects.get()
    assert suggestion.proposed["opening_hours"] == "Mo-Fr 09:00-12:30,14:00-17:00"
    assert suggestion.proposed["languages"] == ["it", "en"]
    assert suggestion.proposed["country"] == "IT"
    assert suggestion.proposed["identifier_vat"] == "IT12345678901"

    receipt = mail.outbox[-1]
    assert receipt.to == ["coordinamento@alveare.example"]
    assert "Coop Alveare Digitale" in receipt.subject
    link = follow_link(receipt)
    assert response.redirect_chain[-1][0] == link, "the contributor lands on the receipt page"
    followed = client.get(link).content.decode()
    assert "Coop Alveare Digitale" in followed and 'content="noindex"' in followed
    assert "Mo-Fr 09:00-12:30,14:00-17:00" in followed

    client.force_login(moderator)
    commit(client.post, f"/en/moderation/suggestions/{suggestion.pk}/", {"decision": "accept"})
    client.logout()
    decided = mail.outbox[-1]
    assert decided.to == ["coordinamento@alveare.example"]
    assert suggestion_of(follow_link(decided)) == suggestion_of(link)
    followed = client.get(link).content.decode()
    org = Organisation.objects.get(name="Coop Alveare Digitale")
    assert org.get_absolute_url() in followed
    assert org.opening_hours == "Mo-Fr 09:00-12:30,14:00-17:00"


def test_an_address_given_without_an_account_gets_only_a_few_receipts_a_day(client, demo):
    """Someone typing another person's address cannot flood it through the form."""
    for number in range(5):
        client.post("/en/atlas/suggest/", {**ALVEARE, "name": f"Coop Alveare {number}"})
    assert Suggestion.objects.count() == 5, "every suggestion is kept for the moderators"
    sent = [message for message in mail.outbox if message.to == [ALVEARE["contributor_email"]]]
    assert len(sent) == 3
    client.post("/en/atlas/suggest/", {**ALVEARE, "name": "Coop Alveare 6",
                                       "contributor_email": "other@alveare.example"})  # fmt: skip
    assert mail.outbox[-1].to == ["other@alveare.example"], "another address still gets one"


def test_a_changed_receipt_link_shows_nothing(client, demo):
    client.post("/it/atlas/suggest/", ALVEARE)
    link = follow_link(mail.outbox[-1])
    assert client.get(link[:-3] + "x/").status_code == 404
    assert client.get("/en/atlas/suggestions/1/").status_code == 404


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"opening_hours_0": "Mo-Fr", "opening_hours_1": "09:00", "opening_hours_2": "09:00"},
         "A row opens and closes at the same time: 09:00."),
        ({"opening_hours_0": "Mo-Fr", "opening_hours_1": "09:00", "opening_hours_2": "17:00",
          "opening_hours_6": "Mo-Sa 09:00-17:00"},
         "Give the hours either as rows of days and times or in OpenStreetMap"),
        ({"opening_hours_0": "Mo-Fr", "opening_hours_1": "09:00"},
         "Give the days, the opening and the closing time of each row you fill in."),
        ({"opening_hours_6": "Lu-Ve 9h-17h"}, "opening_hours syntax, which reads like Mo-Fr"),
    ],
)  # fmt: skip
def test_hours_that_say_nothing_clear_are_refused_with_what_was_typed(client, demo, hours,
                                                                      message):  # fmt: skip
    data = {key: value for key, value in ALVEARE.items() if not key.startswith("opening_hours")}
    response = client.post("/en/atlas/suggest/", {**data, **hours})
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert 'value="Coop Alveare Digitale"' in html
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    ("rows", "stored", "tuesday"),
    [
        # Rows of overlapping days add up: Tuesday keeps its morning.
        (("Mo-Fr", "09:00", "12:30", "Tu", "14:00", "17:00"),
         "Mo-Fr 09:00-12:30, Tu 14:00-17:00", "09:00–12:30, 14:00–17:00"),
        (("Mo-Fr", "09:00", "12:30", "Sa", "10:00", "12:00"),
         "Mo-Fr 09:00-12:30; Sa 10:00-12:00", "09:00–12:30"),
        # Closing before opening: past midnight, told on the evening it begins.
        (("Tu", "22:00", "02:00", "", "", ""), "Tu 22:00-02:00", "22:00–02:00"),
    ],
)  # fmt: skip
def test_rows_of_hours_mean_what_the_table_shows(client, demo, moderator, commit, rows, stored,
                                                 tuesday):  # fmt: skip
    data = {key: value for key, value in ALVEARE.items() if not key.startswith("opening_hours")}
    data.update({f"opening_hours_{index}": value for index, value in enumerate(rows)})
    client.post("/en/atlas/suggest/", data)
    suggestion = Suggestion.objects.get()
    assert suggestion.proposed["opening_hours"] == stored
    client.force_login(moderator)
    commit(client.post, f"/en/moderation/suggestions/{suggestion.pk}/", {"decision": "accept"})
    org = Organisation.objects.get(name=ALVEARE["name"])
    page = client.get(org.get_absolute_url()).content.decode()
    row = re.search(r"Tuesday</th>(.*?)</tr>", page, re.S)[1]
    assert " ".join(re.sub(r"<[^>]+>", " ", row).replace(" ,", ",").split()) == tuesday

    page = client.get(f"/en/atlas/{org.pk}/{org.slug}/suggest/").content.decode()
    for index, value in enumerate(rows):
        shown = chosen(page, f"opening_hours_{index}")
        assert shown == value, f"shown back as typed: row cell {index}"


def chosen(page: str, name: str) -> str:
    """The value a form shows in its control `name` (a list's selected option, or a box's)."""
    control = re.search(rf'<(select|input)[^>]*name="{name}"[^>]*>(.*?</select>)?', page, re.S)
    if control[1] == "select":
        selected = re.search(r'<option value="([^"]*)" selected>', control[2])
        return selected[1] if selected else ""
    value = re.search(r'value="([^"]*)"', control[0])
    return value[1] if value else ""


def test_hours_in_the_syntax_itself_are_taken_as_they_are(client, demo):
    data = {key: value for key, value in ALVEARE.items() if not key.startswith("opening_hours")}
    client.post("/en/atlas/suggest/", {**data, "opening_hours_6": "Mo-Fr 09:00-17:00; PH off"})
    assert Suggestion.objects.get().proposed["opening_hours"] == "Mo-Fr 09:00-17:00; PH off"


def test_simple_hours_come_back_as_days_and_times_and_others_as_written(client):
    org = open_at("Mo-Fr 09:00-12:30; Sa 10:00-12:00")
    page = client.get(f"/en/atlas/{org.pk}/{org.slug}/suggest/").content.decode()
    selected = re.findall(r'<option value="([^"]+)" selected>', page)
    assert selected[-2:] == ["Mo-Fr", "Sa"]
    assert 'value="09:00"' in page and 'value="12:00"' in page

    org = open_at("Mo-Fr 09:00-17:00; PH off")
    page = client.get(f"/en/atlas/{org.pk}/{org.slug}/suggest/").content.decode()
    assert 'value="Mo-Fr 09:00-17:00; PH off"' in page
    assert re.search(r'<details class="more" open>\s*<summary>Other hours', page)


@pytest.mark.parametrize(
    ("what", "typed", "expected"),
    [
        ("countries", "ital", "Italy"),
        ("countries", "belg", "Belgium"),
        ("languages", "ital", "Italian"),
        ("organisations", "Emaus", "Emmaüs Connect"),
        ("organisations", "emmaus conn", "Emmaüs Connect"),
    ],
)
def test_names_are_proposed_as_they_are_typed(client, demo, what, typed, expected):
    names = client.get(f"/en/names/{what}/", {"q": typed}).json()["names"]
    assert expected in names


def test_names_in_the_visitors_language(client):
    assert "Italia" in client.get("/it/names/countries/", {"q": "ital"}).json()["names"]
    assert "Italien" in client.get("/fr/names/languages/", {"q": "ital"}).json()["names"]


@pytest.mark.parametrize("typed", ["x" * 1500, "<script>alert(1)</script>", "a\x00b", ""])
def test_names_of_anything_typed_answer_calmly(client, demo, typed):
    for what in ("organisations", "countries", "languages"):
        response = client.get(f"/en/names/{what}/", {"q": typed})
        assert response.status_code == 200
        assert isinstance(response.json()["names"], list)
    assert client.get("/en/names/users/", {"q": "a"}).status_code == 404


def test_a_10_kb_name_is_turned_away_before_any_lookup(client):
    response = client.get("/en/names/organisations/", {"q": "x" * 10_000})
    assert response.status_code == 414


def test_a_name_the_atlas_does_not_know_proposes_the_closest(client, demo, member):
    client.force_login(member)
    data = {"kind": "guide", "original_language": "en", "title_en": "Repair cafés",
            "licence": "CC0-1.0", "organisations": "Emaus Conect"}  # fmt: skip
    response = client.post("/en/resources/new/", data)
    html = response.content.decode()
    assert "“Emaus Conect” is not in the atlas under this name" in html
    assert 'type="radio" name="organisations-pick-1" value="Emmaüs Connect"' in html
    assert 'value="Emaus Conect"' in html, "what was typed is kept"

    picked = {**data, "organisations-typed-1": "Emaus Conect",
              "organisations-pick-1": "Emmaüs Connect"}  # fmt: skip
    response = client.post("/en/resources/new/", picked)
    assert response.status_code == 302
    resource = Resource.objects.get(title_en="Repair cafés")
    assert [org.name for org in resource.organisations.all()] == ["Emmaüs Connect"]


def test_languages_by_name_or_code_and_unknown_ones_named(client, demo):
    data = {**ALVEARE, "languages": "français, es, Klingon"}
    html = client.post("/en/atlas/suggest/", data).content.decode()
    assert "Unknown language: Klingon." in html
    assert not Suggestion.objects.exists()


# Moderation ----------------------------------------------------------------------------------


def as_shown(page_form) -> dict:
    """What the review page's form sends back untouched, as a browser would."""
    data = {"edit-shown": "1"}
    for name, field in page_form.fields.items():
        value = field.prepare_value(page_form.initial.get(name))
        if isinstance(value, list) and field.widget.__class__.__name__ == "HoursWidget":
            continue
        data[f"edit-{name}"] = value if value is not None else ""
    return data


def test_a_moderator_corrects_a_value_before_publishing(client, demo, moderator, commit):
    client.post("/it/atlas/suggest/", ALVEARE)
    suggestion = Suggestion.objects.get()
    client.force_login(moderator)
    response = client.get(f"/en/moderation/suggestions/{suggestion.pk}/")
    page = response.content.decode()
    assert 'name="edit-name" value="Coop Alveare Digitale"' in page
    assert "Tick the fields" not in page, "a new entry has nothing to tick"

    data = {**as_shown(response.context["form"]), "decision": "accept",
            "edit-name": "Coop Alveare Digitale APS",
            "edit-opening_hours_0": "Mo-Fr", "edit-opening_hours_1": "09:00",
            "edit-opening_hours_2": "13:00"}  # fmt: skip
    response = commit(client.post, f"/en/moderation/suggestions/{suggestion.pk}/", data)
    assert response.status_code == 302
    org = Organisation.objects.get(name="Coop Alveare Digitale APS")
    assert org.opening_hours == "Mo-Fr 09:00-13:00"
    assert org.short_description_it == ALVEARE["short_description_it"], "the rest as suggested"
    history = client.get(f"/en/atlas/{org.pk}/{org.slug}/history/").content.decode()
    assert history.index("a moderator") < history.index("a visitor, through a suggestion"), (
        "the moderator's change comes on top of the suggestion"
    )
    assert "Coop Alveare Digitale APS" in history and "Mo-Fr 09:00-13:00" in history


def test_a_corrected_locality_moves_the_entry_there(client, demo, moderator, commit):
    client.post("/it/atlas/suggest/", ALVEARE)
    suggestion = Suggestion.objects.get()
    bologna = suggestion.proposed["latitude"], suggestion.proposed["longitude"]
    assert abs(bologna[0] - 44.49) < 0.1 and abs(bologna[1] - 11.34) < 0.1
    client.force_login(moderator)
    form = client.get(f"/en/moderation/suggestions/{suggestion.pk}/").context["form"]
    data = {**as_shown(form), "decision": "accept", "edit-locality": "Modena"}
    commit(client.post, f"/en/moderation/suggestions/{suggestion.pk}/", data)
    org = Organisation.objects.get(name=ALVEARE["name"])
    assert org.locality == "Modena"
    assert abs(org.latitude - 44.65) < 0.1 and abs(org.longitude - 10.93) < 0.1, "at Modena"


def test_values_sent_back_unchanged_are_no_correction(client, demo, moderator, commit):
    """Browsers send a text's line breaks as \\r\\n: the same text, not the moderator's."""
    text = "Riuso di computer.\nFormazione digitale a Bologna."
    client.post("/it/atlas/suggest/", {**ALVEARE, "short_description_it": text})
    suggestion = Suggestion.objects.get()
    client.force_login(moderator)
    form = client.get(f"/en/moderation/suggestions/{suggestion.pk}/").context["form"]
    data = {**as_shown(form), "decision": "accept",
            "edit-short_description_it": text.replace("\n", "\r\n")}  # fmt: skip
    commit(client.post, f"/en/moderation/suggestions/{suggestion.pk}/", data)
    org = Organisation.objects.get(name=ALVEARE["name"])
    history = client.get(f"/en/atlas/{org.pk}/{org.slug}/history/").content.decode()
    assert "a visitor, through a suggestion" in history
    assert "a moderator" not in history, "nothing of the moderator's own"


def test_a_refused_correction_publishes_nothing_and_keeps_it(client, demo, moderator):
    client.post("/it/atlas/suggest/", ALVEARE)
    suggestion = Suggestion.objects.get()
    client.force_login(moderator)
    form = client.get(f"/en/moderation/suggestions/{suggestion.pk}/").context["form"]
    data = {**as_shown(form), "decision": "accept", "edit-identifier_vat": "12"}
    html = client.post(f"/en/moderation/suggestions/{suggestion.pk}/", data).content.decode()
    assert "Not a valid VAT" in html and 'name="edit-identifier_vat" value="12"' in html
    assert Suggestion.objects.get().status == Suggestion.Status.PENDING
    assert not Organisation.objects.filter(name="Coop Alveare Digitale").exists()


def test_the_moderators_dashboard_counts_what_waits(client, demo, moderator):
    client.post("/it/atlas/suggest/", ALVEARE)
    client.post("/it/atlas/suggest/", {**ALVEARE, "name": "Seconda coop"})
    org = Organisation.objects.get(name="Emmaüs Connect")
    client.post(f"/en/atlas/{org.pk}/{org.slug}/report/", {"reason": "gone"})
    client.force_login(moderator)
    page = client.get("/en/moderation/").content.decode()
    counts = {
        what.strip(): int(count)
        for count, what in re.findall(r"<strong>(\d+)</strong>([^<]+)</a>", page)
    }
    assert counts["new organisations"] == 2 and counts["corrections"] == 0
    assert counts["open reports"] == 1
    assert "The oldest contribution has waited 0 days." in page


def test_dates_in_english_are_british(client, demo, moderator):
    client.post("/it/atlas/suggest/", ALVEARE)
    suggestion = Suggestion.objects.get()
    client.force_login(moderator)
    page = client.get("/en/moderation/").content.decode()
    day = suggestion.created_at.astimezone().strftime("%d/%m/%Y")
    assert day in page
