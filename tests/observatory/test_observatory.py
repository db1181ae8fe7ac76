"""The observatory through its pages, files, commands and API: the Les Moulins figures from an
imported file, bad files refused whole, the atlas counted on a date that later edits do not
move, a goal's status worked out by hand, a survey from its sending to its published results
with small groups left out, what people say read and checked, charts read back."""

import csv
import io
import re
from datetime import datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from essaim.accounts.actions import do_delete_account
from essaim.atlas import actions as atlas_actions
from essaim.atlas.demo import taxonomy_data
from essaim.atlas.models import Family
from essaim.commons.models import Registration
from essaim.matching.models import Contact, Feedback
from essaim.observatory.actions import do_load_territories
from essaim.observatory.models import (
    Indicator,
    Observation,
    Question,
    Statement,
    Survey,
    Territory,
)
from essaim.observatory.sentiment import UNSURE
from tests.factories import EventFactory, UserFactory

HEADER = "indicator,territory,period,value,source,family,state,method,unit\n"


@pytest.fixture
def territories(db):
    do_load_territories()


@pytest.fixture
def jobs(territories):
    labels = {"label_fr": "Emplois", "label_en": "Jobs", "label_it": "Posti", "label_es": "Empleos"}
    return Indicator.objects.create(code="jobs", unit="jobs", **labels)


def upload(client, text: str, partial: bool = False):
    data = {"file": SimpleUploadedFile("figures.csv", text.encode(), "text/csv")}
    if partial:
        data["partial"] = "on"
    return client.post("/en/observatory/import/", data)


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.django_db
def test_les_moulins_jobs_growth_from_an_imported_file(client, moderator, jobs):
    client.force_login(moderator)
    posted = upload(client, HEADER + "jobs,qc-mrc:64,2014,625,CLDEM,,final,,jobs\n"
                    "jobs,qc-mrc:64,2017,787,CLDEM,,,,\n")  # fmt: skip
    assert posted.status_code == 200
    assert Observation.objects.count() == 2
    page = client.get("/en/observatory/indicators/jobs/")
    text = visible_text(page.content.decode())
    # 787 / 625 = 1.2592: +25.92 %; 1.2592 ** (1/3) = 1.07985: +7.985 % → 8.0 a year.
    assert "from 625 to 787, +25.9 % in 3 years, +8.0 % a year" in text
    assert "growth = (787 ÷ 625 − 1) × 100 = +25.9 %" in text
    # The same in French, with its own decimal comma.
    french = visible_text(client.get("/fr/observatory/indicators/jobs/").content.decode())
    assert "+25,9" in french and "+8,0" in french
    # The territory page draws it too, with the figure's sentence.
    territory = visible_text(client.get("/en/observatory/territories/qc-mrc/64/").content.decode())
    assert "Les Moulins" in territory and "+25.9 %" in territory


@pytest.mark.django_db
def test_a_file_with_bad_lines_is_refused_whole_and_each_line_is_told(client, moderator, jobs):
    client.force_login(moderator)
    upload(client, HEADER + "jobs,qc-mrc:64,2014,625,CLDEM,,,,\n")
    bad = HEADER + "\n".join([
        "jobs,qc-mrc:99,2015,10,Somebody,,,,",  # line 2: unknown territory
        "jobs,qc-mrc:64,2014-2016,700,CLDEM,,,,",  # line 3: overlaps 2014 already recorded
        "jobs,qc-mrc:64,2016,-5,CLDEM,,,,",  # line 4: a negative count
        "jobs,qc-mrc:64,2018,12,CLDEM,,,,euros",  # line 5: the wrong unit
        "jobs,qc-mrc:64,2019,800,CLDEM,,,,",  # line 6: valid
        "jobs,qc-mrc:64,2019-06-30,801,CLDEM,,,,",  # line 7: overlaps line 6
    ]) + "\n"  # fmt: skip
    refused = upload(client, bad)
    assert refused.status_code == 400
    rejects = {reject.line: (reject.column, reject.reason)
               for reject in refused.context["report"].rejects}  # fmt: skip
    assert set(rejects) == {2, 3, 4, 5, 7}
    assert rejects[2][0] == "territory" and "qc-mrc:99" in rejects[2][1]
    assert rejects[3][0] == "period" and "2014" in rejects[3][1]
    assert rejects[4][0] == "value"
    assert rejects[5][0] == "unit"
    assert rejects[7][0] == "period" and "line 6" in rejects[7][1]
    text = visible_text(refused.content.decode())
    assert "5 lines rejected" in text and "nothing was written" in text
    assert Observation.objects.count() == 1
    # Keeping the valid lines writes line 6 only.
    kept = upload(client, bad, partial=True)
    assert kept.status_code == 200
    assert sorted(Observation.objects.values_list("period_start__year", flat=True)) == [2014, 2019]
    # The same file again revises nothing and duplicates nothing.
    upload(client, bad, partial=True)
    assert Observation.objects.count() == 2


@pytest.mark.django_db
def test_a_revised_figure_keeps_its_earlier_value_in_its_history(client, moderator, jobs):
    client.force_login(moderator)
    upload(client, HEADER + "jobs,qc-mrc:64,2017,780,CLDEM,,provisional,,\n")
    upload(client, HEADER + "jobs,qc-mrc:64,2017,787,CLDEM,,final,,\n")
    (observation,) = Observation.objects.all()
    assert (observation.value, observation.state) == (Decimal(787), "final")
    api = client.get("/api/v1/observations?territory=qc-mrc:64").json()
    (record,) = api["results"]
    assert record["value"] == "787.00" and record["state"] == "final"
    assert [(r["value"], r["state"]) for r in record["revisions"]] == [("780.00", "provisional")]
    assert "was 780 (Provisional)" in visible_text(
        client.get("/en/observatory/indicators/jobs/").content.decode()
    )


def organisation(name: str, families: list[str], **fields):
    org = atlas_actions.do_create_organisation(
        {"name": name, "country": "FR", "postal_code": "62000", "locality": "Arras",
         "region": "Hauts-de-France", **fields},
        relations={"families": list(Family.objects.filter(code__in=families))},
    )  # fmt: skip
    return org


def counts_csv(client, day: str, by: str) -> dict[str, int]:
    response = client.get(f"/en/observatory/atlas/?on={day}&by={by}&format=csv")
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(response.content.decode()))
    return {row["group"]: int(row["organisations"]) for row in rows}


@pytest.mark.django_db
def test_a_count_on_a_date_stays_the_same_after_later_edits(client, commit, territories):
    atlas_actions.do_load_taxonomies(taxonomy_data())
    then = timezone.make_aware(datetime(2025, 1, 1, 10))
    with mock.patch("django.utils.timezone.now", return_value=then):
        kept = organisation("Kept", ["digital-commons"])
        moved = organisation("Moved", ["popular-education"], size_band="10-49")
        hidden = organisation("Hidden", ["digital-commons"])
        deleted = organisation("Deleted", ["insertion-circular"], postal_code="75011",
                               region="Île-de-France")  # fmt: skip
    before = counts_csv(client, "2025-01-01", "family")
    assert before == {"digital-commons": 2, "popular-education": 1, "insertion-circular": 1}
    assert counts_csv(client, "2024-12-31", "family") == {}
    # Later: one changes family and place, one is hidden, one deleted, one created.
    atlas_actions.do_apply_facts(moved, {"families": ["digital-commons"], "postal_code": "59000"})
    atlas_actions.do_apply_facts(hidden, {"status": "hidden"})
    atlas_actions.do_delete_organisation(deleted)
    organisation("New", ["solidarity-platforms"])
    assert counts_csv(client, "2025-01-01", "family") == before
    assert counts_csv(client, "2025-01-01", "fr-departement") == {"62": 3, "75": 1}
    today = timezone.localdate().isoformat()
    assert counts_csv(client, today, "family") == {"digital-commons": 2,
                                                   "solidarity-platforms": 1}  # fmt: skip
    assert counts_csv(client, today, "fr-departement") == {"62": 2, "59": 1}
    # Jobs from the size band: 10 to 49 on that day.
    page = visible_text(client.get("/en/observatory/atlas/?on=2025-01-01&by=size_band")
                        .content.decode())  # fmt: skip
    assert "10–49 jobs" in page
    assert kept.pk


@pytest.mark.django_db
def test_a_goal_is_read_against_its_straight_path(client, moderator, territories):
    labels = {"label_en": "Start-ups", "label_fr": "Créations", "label_it": "Avvii",
              "label_es": "Creaciones"}  # fmt: skip
    Indicator.objects.create(code="startups", unit="organisations", **labels)
    client.force_login(moderator)
    created = client.post("/en/observatory/goals/new/", {
        "title": "200 start-ups in Québec", "owner": "The partners",
        "indicator": Indicator.objects.get().pk,
        "territory": Territory.objects.get(scheme="ca-province", code="QC").pk,
        "baseline_date": "2017-01-01", "baseline_value": "0",
        "target_date": "2021-12-31", "target_value": "200",
    })  # fmt: skip
    assert created.status_code == 302
    goal_url = created["Location"]
    upload(client, "indicator,territory,period,value,source\n"
                   "startups,ca-province:QC,2020,112,Partners\n")  # fmt: skip
    # By hand: 2017-01-01 → 2020-12-31 is 1,460 days of 1,825; 200 × 1460/1825 = 160 expected.
    page = visible_text(client.get(goal_url).content.decode())
    assert "Behind by 48" in page
    assert "160" in page
    upload(client, "indicator,territory,period,value,source\n"
                   "startups,ca-province:QC,2020,170,Partners\n")  # fmt: skip
    assert "On track" in visible_text(client.get(goal_url).content.decode())
    # Its form, in French, gives the browser's date picker its dates back (not "01/01/2017").
    edit = client.get(goal_url.replace("/en/", "/fr/") + "edit/").content.decode()
    assert 'value="2017-01-01"' in edit and 'value="2021-12-31"' in edit
    (goal,) = client.get("/api/v1/goals").json()
    assert (goal["status"], goal["expected"]) == ("on-track", "160.00")
    figures = list(csv.reader(io.StringIO(client.get(goal_url.rstrip("/") + ".csv")
                                                .content.decode())))  # fmt: skip
    assert figures[2][3:] == ["2020-12-31", "170.00", "160.00"]


def member_organisations(n: int, country: str = "FR", region: str = "Hauts-de-France"):
    family = Family.objects.get(code="digital-commons")
    found = []
    for i in range(n):
        org = atlas_actions.do_create_organisation(
            {"name": f"Member {country} {i}", "country": country, "region": region,
             "email": f"member-{country.lower()}-{i}@example.org"},
            relations={"families": [family]},
        )  # fmt: skip
        found.append(org)
    return found


def survey_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+/observatory/answer/\S+/)", message.body).group(1)


@pytest.mark.django_db
def test_a_survey_from_its_sending_to_its_published_results(client, moderator, commit):
    atlas_actions.do_load_taxonomies(taxonomy_data())
    french = member_organisations(6)
    belgian = member_organisations(3, "BE", "Wallonie")
    member_organisations(1, "IT", "Umbria")
    client.force_login(moderator)
    created = client.post("/en/observatory/surveys/new/", {
        "title": "Digital commons 2025", "year": "2025", "language": "en",
        "closes_on": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "introduction": "Tell us about your tools.",
        "families": [Family.objects.get(code="digital-commons").pk],
    })  # fmt: skip
    assert created.status_code == 302
    survey = Survey.objects.get()
    questions = f"/en/observatory/surveys/{survey.pk}/questions/new/"
    assert client.post(questions, {"text": "Which tools?", "kind": "multiple",
                                   "choices": "Nextcloud\nJitsi\nMatrix", "allows_other": "on",
                                   "position": 1}).status_code == 302  # fmt: skip
    refused = client.post(questions, {"text": "Pick one", "kind": "single", "choices": "Only",
                                      "position": 2})  # fmt: skip
    assert refused.status_code == 400
    assert refused.context["form"]["text"].value() == "Pick one"  # what was typed is kept
    client.post(questions, {"text": "What would help?", "kind": "long", "position": 2})
    multiple, long = survey.questions.order_by("position")
    assert client.post(f"/en/observatory/surveys/{survey.pk}/step/",
                       {"step": "send"}).status_code == 302  # fmt: skip
    assert len(mail.outbox) == 10
    links = {m.to[0]: survey_link(m) for m in mail.outbox}
    client.logout()

    def answer(org, tools, other="", text=""):
        return client.post(links[org.email], {f"q{multiple.pk}": tools,
                                              f"q{multiple.pk}_other": other,
                                              f"q{long.pk}": text})  # fmt: skip

    first = answer(french[0], ["Nextcloud", "Jitsi"], "PeerTube", "It helped a lot.")
    assert first.status_code == 302
    # Once only: the same link again is refused, and says when it was answered.
    again = answer(french[0], ["Matrix"])
    assert again.status_code == 409
    assert "answered on" in visible_text(again.content.decode())
    assert client.get("/en/observatory/answer/forged-token/").status_code == 404
    # A question changed after answers: a new version; the answer stays with the old words.
    client.force_login(moderator)
    reworded = {"text": "Which free tools?", "kind": "multiple", "position": 1,
                "choices": "Nextcloud\nJitsi\nMatrix", "allows_other": "on"}  # fmt: skip
    changed = client.post(f"/en/observatory/surveys/{survey.pk}/questions/{multiple.pk}/", reworded)
    assert changed.status_code == 302
    multiple.refresh_from_db()
    assert multiple.retired and multiple.text == "Which tools?" and multiple.answers.count() == 1
    current = Question.objects.get(previous=multiple)
    client.logout()
    for org, tools in zip(french[1:], (["Nextcloud"], ["Nextcloud", "Matrix"], ["Jitsi"],
                                       ["Nextcloud"], []), strict=True):  # fmt: skip
        other = "" if tools else "Signal"
        response = client.post(links[org.email], {f"q{current.pk}": tools,
                                                  f"q{current.pk}_other": other})  # fmt: skip
        assert response.status_code == 302
    assert client.post(links[belgian[0].email], {f"q{current.pk}": ["Jitsi"]}).status_code == 302
    # Reminders go to those who have not answered, once.
    mail.outbox.clear()
    client.force_login(moderator)
    client.post(f"/en/observatory/surveys/{survey.pk}/step/", {"step": "remind"})
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [o.email for o in belgian[1:]] + ["member-it-0@example.org"]
    )
    client.post(f"/en/observatory/surveys/{survey.pk}/step/", {"step": "remind"})
    assert len(mail.outbox) == 3
    # Not published before it closes; then published, with its small groups left out.
    client.post(f"/en/observatory/surveys/{survey.pk}/step/", {"step": "publish"})
    assert Survey.objects.get().state == "open"
    client.post(f"/en/observatory/surveys/{survey.pk}/step/", {"step": "close"})
    assert client.get(links[belgian[1].email]).status_code == 410
    client.post(f"/en/observatory/surveys/{survey.pk}/step/", {"step": "publish"})
    assert Survey.objects.get().state == "published"
    client.logout()
    page = client.get(f"/en/observatory/surveys/{survey.pk}/results/")
    text = visible_text(page.content.decode())
    assert "7 organisations answered" in text and "10 were asked" in text and "70 %" in text
    results = page.context["results"]
    (now_asked,) = [q for q in results.questions if q.question == current]
    counts = {c.label: (c.count, c.share) for c in now_asked.choices}
    # 6 organisations answered the current wording (one by "other" only); shares of 6.
    assert now_asked.answered == 6
    assert counts["Nextcloud"] == (3, Decimal(50))
    assert counts["other"][0] == 1 and now_asked.others == ["Signal"]
    # The earlier wording was answered by one organisation: nothing of it is published,
    # its "other" words included; nor is the long question one organisation answered.
    (earlier,) = results.retired
    assert earlier.hidden and earlier.answered == 1 and earlier.others == []
    assert "PeerTube" not in text
    (said,) = [q for q in results.questions if q.question == long]
    assert said.hidden and said.sentiments == {}
    # By country: Belgium (1 answer) is too few. France (6) would then give Belgium away
    # (7 in all minus 6), so it is left out too.
    by_country = client.get(f"/en/observatory/surveys/{survey.pk}/results/?by=country")
    groups = by_country.context["results"].groups
    assert [g.label for g in groups] == [] and by_country.context["results"].hidden_groups == 2
    assert "2 groups are not shown" in visible_text(by_country.content.decode())
    # The open data holds no hidden group either.
    rows = list(csv.DictReader(io.StringIO(client.get(
        f"/en/observatory/surveys/{survey.pk}/results.csv").content.decode())))  # fmt: skip
    assert {row["group"] for row in rows} <= {"", "Digital commons and open data"}
    assert not any(row["group_by"] == "country" for row in rows)
    package = client.get(f"/en/observatory/surveys/{survey.pk}/datapackage.json").json()
    assert package["resources"][0]["path"].endswith(f"/surveys/{survey.pk}/results.csv")
    assert [f["name"] for f in package["resources"][0]["schema"]["fields"]] == list(rows[0])
    api = client.get(f"/api/v1/surveys/{survey.pk}/results?by=family").json()
    assert api["responses"] == 7 and api["groups"][0]["responses"] == 7
    # Long answers are read for their sentiment.
    assert Statement.objects.filter(origin="survey").count() == 1


@pytest.mark.django_db
def test_what_people_say_is_read_shown_with_its_reasons_and_checked_by_a_person(
    demo, client, moderator
):
    contact = Contact.objects.exclude(feedback__side="need").first()
    words = "Thank you, the volunteer was wonderful and very patient."
    Feedback.objects.create(contact=contact, side="need", helped="yes", again=True, comment=words)
    call_command("read_feedback", stdout=io.StringIO())
    said = Statement.objects.get(origin="match")
    assert said.sentiment == "positive"
    assert len(said.reasons) == 3 and all(len(reason) == 3 for reason in said.reasons)
    total = Statement.objects.count()
    client.force_login(moderator)
    page = visible_text(client.get("/en/observatory/impact/").content.decode())
    assert f"{total} texts read" in page and "0 % checked by a person" in page
    # The unsure readings wait for a person, least sure first.
    review = client.get("/en/observatory/impact/review/")
    waiting = list(review.context["waiting"])
    assert waiting == sorted(waiting, key=lambda s: s.confidence)
    unsure = [s for s in waiting if s.confidence < UNSURE]
    target = unsure[0] if unsure else waiting[0]
    other = "negative" if target.sentiment != "negative" else "neutral"
    assert client.post("/en/observatory/impact/review/",
                       {"statement": target.pk, "sentiment": other}).status_code == 302  # fmt: skip
    page = visible_text(client.get("/en/observatory/impact/").content.decode())
    share = int(Decimal(100) / total + Decimal("0.5"))  # rounded half up, as the page does
    assert f"{share} % checked by a person (1 text)" in page
    rows = list(csv.reader(io.StringIO(client.get("/en/observatory/impact/?format=csv")
                                       .content.decode())))  # fmt: skip
    assert rows[0] == ["by", "group", "positive", "neutral", "negative"]
    assert sum(int(n) for row in rows[1:] if row[0] == "origin" for n in row[2:]) == total
    # Someone who is not a moderator cannot check a reading.
    client.force_login(UserFactory(username="curious"))
    check = {"statement": target.pk, "sentiment": "positive"}
    assert client.post("/en/observatory/impact/review/", check).status_code == 403


@pytest.mark.django_db
def test_the_reader_beats_the_lexicon_on_the_held_out_sentences():
    from essaim.observatory import baseline, sentiment

    _learnt, held_out = sentiment.split(sentiment.labelled()["sentences"])
    assert {s["language"] for s in held_out} == {"fr", "en", "it", "es"}
    readings = sentiment.reader().read_many([s["text"] for s in held_out])
    reader = sum(r.sentiment == s["sentiment"] for r, s in zip(readings, held_out, strict=True))
    lexicon = sum(baseline.read(s["text"]) == s["sentiment"] for s in held_out)
    assert reader > lexicon and reader / len(held_out) > 0.6


@pytest.mark.django_db
def test_participants_say_how_an_event_went_and_it_is_read(client, commit):
    past = timezone.now() - timedelta(days=3)
    event = EventFactory(starts_at=past, ends_at=past + timedelta(hours=2), publication="published")
    came, stranger = UserFactory(username="came"), UserFactory(username="stranger")
    Registration.objects.create(event=event, name="Came", email=came.email, organisation_name="X",
                                seat_locality="Arras", seat_country="FR", language="en",
                                status="confirmed")  # fmt: skip
    url = f"/en/observatory/events/{event.pk}/feedback/"
    client.force_login(stranger)
    refused = client.post(url, {"text": "Great"})
    assert refused.status_code == 403
    assert refused.context["form"]["text"].value() == "Great"
    client.force_login(came)
    assert client.post(url, {"text": "The workshop was clear and very useful."}).status_code == 302
    said = Statement.objects.get(origin="event")
    assert said.text == "The workshop was clear and very useful."
    # The participant's words are in their data, and go with their account.
    data = client.get("/en/accounts/profile/data.json").json()
    assert [f["text"] for f in data["event_feedback"]] == [said.text]
    do_delete_account(came)
    assert not Statement.objects.filter(origin="event").exists()


@pytest.mark.django_db
def test_a_chart_says_in_its_table_what_it_draws(client, moderator, jobs):
    client.force_login(moderator)
    upload(client, HEADER + "jobs,qc-mrc:64,2014,625,CLDEM,,,,\njobs,qc-mrc:64,2017,787,CLDEM,,,,\n"
                   "jobs,qc-mrc:61,2017,1200,CLDEM,,,,\n")  # fmt: skip
    html = client.get("/en/observatory/indicators/jobs/").content.decode()
    svg = re.search(r"<svg class=\"chart\".*?</svg>", html, re.S).group(0)
    assert re.search(r"<title id=\"series-1-title\">Jobs</title>", svg)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1)
    assert "Les Moulins: from 625 to 787" in desc and "Joliette: 1,200 (2017)" in desc
    drawn = re.findall(r'font-weight="bold"[^>]*>([^<]+)</text>', svg)
    table = re.search(r"<table class=\"scores\">.*?</table>", html, re.S).group(0)
    values = re.findall(r"<tr><th scope=\"row\">[^<]*</th><td>[^<]*</td><td>([^<]*)</td>", table)
    assert sorted(drawn) == sorted(values) == sorted(["625", "787", "1,200"])
    # Each series has its own dash and mark as well as its colour.
    dashes = re.findall(r'<path d="M[^"]*" fill="none" stroke="[^"]+" stroke-width="2.5"'
                        r'( stroke-dasharray="[^"]+")?', svg)  # fmt: skip
    assert len(dashes) == 2 and len(set(dashes)) == 2
    rows = list(csv.DictReader(io.StringIO(
        client.get("/en/observatory/indicators/jobs.csv").content.decode())))  # fmt: skip
    assert sorted(row["value"] for row in rows) == ["1200.00", "625.00", "787.00"]


@pytest.mark.django_db
def test_the_commands_load_communes_import_figures_and_count_the_atlas(tmp_path, commit, jobs):
    communes = tmp_path / "communes.csv"
    communes.write_text("scheme,code,name,parent,population,population_year\n"
                        "fr-commune,62041,Arras,fr-departement:62,41555,2021\n")  # fmt: skip
    call_command("load_territories", str(communes), stdout=io.StringIO())
    arras = Territory.objects.get(scheme="fr-commune", code="62041")
    assert arras.parent.name == "Pas-de-Calais" and arras.population == 41555
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "jobs,fr-commune:62041,2020,120,INSEE,,,,\n"
                   "jobs,fr-commune:99999,2020,1,INSEE,,,,\n")  # fmt: skip
    errors = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_observations", str(bad), stdout=io.StringIO(), stderr=errors)
    assert "line 3, territory" in errors.getvalue()
    assert not Observation.objects.exists()
    call_command("import_observations", str(bad), "--partial", stdout=io.StringIO(),
                 stderr=io.StringIO())  # fmt: skip
    assert Observation.objects.get().value == 120
    # The atlas counted on a date into its computed indicator, by country.
    Indicator.objects.create(code="atlas", unit="organisations", computed="organisations",
                             label_en="In the atlas", label_fr="Dans l’atlas",
                             label_it="Nell’atlante", label_es="En el atlas")  # fmt: skip
    atlas_actions.do_create_organisation({"name": "Coop", "country": "BE"})
    out = io.StringIO()
    call_command("record_atlas_counts", stdout=out)
    counted = Observation.objects.get(indicator__code="atlas", territory__code="BE")
    assert counted.value == 1 and counted.period_start == timezone.localdate()
    with pytest.raises(CommandError):
        call_command("record_atlas_counts", "--date", "2999-01-01", stdout=io.StringIO())


@pytest.mark.django_db
def test_odd_figures_are_told_plainly_never_a_crash(client, moderator, jobs):
    client.force_login(moderator)
    # "11,360" is not eleven jobs and a third: a count is whole.
    refused = upload(client, HEADER + 'jobs,qc-mrc:64,2020,"11,360",ISQ,,,,\n')
    (reject,) = refused.context["report"].rejects
    assert (reject.line, reject.column) == (2, "value") and "whole number" in reject.reason
    # Two counts a day apart: the change, without a yearly rate made up from one day.
    upload(client, HEADER + "jobs,qc-mrc:61,2025-03-01,1,Count,,,,\n"
                   "jobs,qc-mrc:61,2025-03-02,10,Count,,,,\n")  # fmt: skip
    page = client.get("/en/observatory/territories/qc-mrc/61/")
    assert page.status_code == 200
    text = visible_text(page.content.decode())
    assert "from 1 to 10, +900.0 % in 1 day" in text and "a year" not in text
