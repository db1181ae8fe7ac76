"""The competence frameworks: DigComp 2.2 as data, its pages, its API, commons tagged with it,
and loading a framework (a later version beside it, or a bad file)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from essaim.commons.models import Resource
from essaim.competences.loading import builtin_frameworks
from essaim.competences.models import Framework

SHIPPED = json.loads(builtin_frameworks()[0].read_text(encoding="utf-8"))
COURSE = "Teaching digital skills for the social economy"


def load(path) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("load_framework", str(path), stdout=out)
    return out.getvalue()


def write(tmp_path, data: dict):
    path = tmp_path / "framework.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_shipped_digcomp_has_its_5_areas_21_competences_and_8_levels_in_four_languages():
    """The file as the JRC's framework has it, every text in fr, en, it and es."""
    areas = SHIPPED["areas"]
    numbers = [c["number"] for area in areas for c in area["competences"]]
    assert [area["number"] for area in areas] == ["1", "2", "3", "4", "5"]
    assert len(numbers) == 21 and len(set(numbers)) == 21
    assert [level["number"] for level in SHIPPED["levels"]] == [str(n) for n in range(1, 9)]
    for item in [*areas, *(c for area in areas for c in area["competences"]), *SHIPPED["levels"]]:
        for language in ("fr", "en", "it", "es"):
            assert item["name"][language].strip(), (item["number"], language)
            assert item["description"][language].strip(), (item["number"], language)


def test_a_visitor_finds_what_the_commons_offers_for_a_competence(client, demo):
    page = client.get("/fr/competences/").content.decode()
    assert "5.4 Identifier les lacunes de compétences numériques" in page
    assert page.count('href="/fr/competences/digcomp-2.2:') == 21
    page = client.get("/en/competences/").content.decode()
    assert "Identifying digital competence gaps" in page
    assert "<caption>" in page and "Highly specialised" in page, "the levels, as a real table"

    detail = client.get("/en/competences/digcomp-2.2:5.4/").content.decode()
    assert "5.4 Identifying digital competence gaps" in detail and COURSE in detail
    assert client.get("/en/competences/digcomp-2.2:9.9/").status_code == 404

    listed = client.get("/en/resources/", {"competence": "digcomp-2.2:5.4"}).content.decode()
    assert COURSE in listed and "PeerTube" not in listed
    listed = client.get("/en/resources/", {"competence": "digcomp-2.2:3.1"}).content.decode()
    assert "PeerTube" in listed and COURSE not in listed
    refused = client.get("/en/resources/", {"competence": "nonsense"})
    assert "Select a valid choice" in refused.content.decode()


def test_the_api_gives_the_framework_and_each_items_competences(client, demo):
    [framework] = client.get("/api/v1/competences").json()
    assert framework["key"] == "digcomp-2.2"
    competences = [c for area in framework["areas"] for c in area["competences"]]
    assert len(competences) == 21
    assert competences[0]["key"] == "digcomp-2.2:1.1"
    assert competences[0]["name"]["it"] == SHIPPED["areas"][0]["competences"][0]["name"]["it"]
    found = client.get("/api/v1/resources", {"competence": "digcomp-2.2:5.4"}).json()
    assert [item["title"]["en"] for item in found["results"]] == [COURSE]
    assert "digcomp-2.2:5.4" in found["results"][0]["competences"]


def test_a_later_version_loads_beside_and_finds_what_the_earlier_one_tagged(
    client, demo, tmp_path, commit
):
    """DigComp 3.0 beside 2.2: its competence that the crosswalk says is the same finds what
    was tagged with 2.2's."""
    later = json.loads(json.dumps(SHIPPED))
    later.update(key="digcomp-3.0", version="3.0")
    later["areas"] = [later["areas"][4]]
    later["areas"][0]["number"] = "5"
    later["crosswalks"] = [
        {"from": "digcomp-3.0:5.4", "to": "digcomp-2.2:5.4", "relation": "exact"}
    ]
    assert "digcomp-3.0 loaded: 4 competences." in commit(load, write(tmp_path, later))
    listed = client.get("/en/resources/", {"competence": "digcomp-3.0:5.4"}).content.decode()
    assert COURSE in listed
    frameworks = client.get("/api/v1/competences").json()
    assert {f["key"] for f in frameworks} == {"digcomp-2.2", "digcomp-3.0"}


def test_a_bad_framework_file_is_refused_whole_with_every_problem_and_its_place(db, tmp_path):
    bad = json.loads(json.dumps(SHIPPED))
    bad["key"] = "digcomp-bad"
    bad["areas"][1]["competences"][0]["name"]["it"] = ""
    bad["areas"][2]["competences"][1]["number"] = "1.1"
    bad["levels"][0]["description"]["es"] = "x" * 2001
    with pytest.raises(CommandError) as refused:
        load(write(tmp_path, bad))
    message = str(refused.value)
    assert "areas[1].competences[0].name.it: Required." in message
    assert "areas[2].competences[1].number: Number 1.1 is used twice." in message
    assert "levels[0].description.es: At most 2000 characters." in message
    assert not Framework.objects.filter(key="digcomp-bad").exists(), "nothing loaded"

    bad = json.loads(json.dumps(SHIPPED))
    bad["key"] = "digcomp-bad"
    bad["crosswalks"] = [{"from": "digcomp-bad:1.1", "to": "nowhere:1", "relation": "exact"}]
    with pytest.raises(CommandError, match="Unknown competence or relation: nowhere:1"):
        load(write(tmp_path, bad))
    assert not Framework.objects.filter(key="digcomp-bad").exists(), "rolled back whole"

    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match="Not a JSON file"):
        load(tmp_path / "broken.json")


def test_a_member_tags_a_course_with_a_competence_and_learners_find_it_there(
    client, demo, member, moderator
):
    client.force_login(member)
    form = client.get("/fr/resources/new/").content.decode()
    assert "4.4 Protéger l&#x27;environnement" in form, "labelled in the page's language"
    course = {
        "kind": "course", "original_language": "fr", "title_fr": "Réparer plutôt que jeter",
        "summary_fr": "Réduire l'empreinte de son association.", "licence": "CC-BY-SA-4.0",
        "level": "beginner", "languages": "fr", "competences": ["digcomp-2.2:4.4"],
        "modules-TOTAL_FORMS": "0", "modules-INITIAL_FORMS": "0",
        "modules-MIN_NUM_FORMS": "0", "modules-MAX_NUM_FORMS": "30",
    }  # fmt: skip
    assert client.post("/fr/resources/new/", course).status_code == 302
    page = "/fr/competences/digcomp-2.2:4.4/"
    assert "Réparer plutôt que jeter" not in client.get(page).content.decode(), "not before review"

    client.force_login(moderator)
    resource = Resource.objects.get(title_fr="Réparer plutôt que jeter")
    client.post(f"/en/moderation/commons/resource/{resource.pk}/", {"decision": "publish"})
    client.logout()
    assert "Réparer plutôt que jeter" in client.get(page).content.decode()
    found = client.get("/api/v1/resources", {"competence": "digcomp-2.2:4.4"}).json()
    assert "Réparer plutôt que jeter" in [item["title"]["fr"] for item in found["results"]]


def answers(value: str, **overrides) -> dict:
    """An answer for every shipped competence, some changed: {"4.1": "0"}."""
    keys = [c["number"] for area in SHIPPED["areas"] for c in area["competences"]]
    given = {f"digcomp-2.2:{number}": value for number in keys}
    given.update({f"digcomp-2.2:{number}": v for number, v in overrides.items()})
    return given


def test_a_volunteer_takes_the_self_check_and_is_pointed_to_where_to_learn(client, demo):
    """Scores by the documented formula: the mean of the answers ("not sure" aside) over the
    highest band (4), times 100."""
    page = client.get("/en/competences/self-check/").content.decode()
    assert page.count("<select") == 21 and "Foundation — Simple tasks, with guidance." in page
    safety = {"4.1": "0", "4.2": "0", "4.3": "1", "4.4": "?"}
    response = client.post("/en/competences/self-check/", answers("2", **safety))
    assert response.status_code == 200
    result = response.content.decode()
    # Every area but safety: 2 of 4 = 50 ("at ease"); safety: (0 + 0 + 1) / (3 × 4) = 8.
    assert "<td>50</td><td>at ease</td>" in result
    assert "<td>8</td><td>just starting</td><td>1</td>" in result
    # Overall: (17 × 2 + 0 + 0 + 1) / (20 × 4) = 35 / 80 = 43.75, shown rounded.
    assert "Overall: 44 out of 100." in result
    start = result.split("Where to start")[1].split("To explore")[0]
    assert start.index("4.1 Protecting devices") < start.index("4.2 Protecting personal data")
    assert start.count("Because you answered: Not yet") == 2
    assert "Teaching digital skills for the social economy" in start, "a course tagged 4.2"
    assert "4.3 Protecting health" in start
    explore = result.split("To explore")[1].split("</ul>")[0]
    assert "4.4 Protecting the environment" in explore


def test_the_self_check_keeps_the_answers_given_and_names_the_missing_ones(client, demo):
    given = answers("3")
    del given["digcomp-2.2:5.2"]
    response = client.post("/fr/competences/self-check/", given)
    assert response.status_code == 400
    page = response.content.decode()
    errors = page.split('class="errors"')[1].split("</div>")[0]
    assert "Veuillez répondre à la question ci-dessous." in errors
    assert "5.2 Identifier des besoins et des réponses technologiques" in errors
    assert page.count('<option value="3" selected>') == 20, "what was answered stays"
