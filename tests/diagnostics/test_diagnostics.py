"""The organisation's diagnostic, end to end through its pages: answering (anonymous, as a
representative, several respondents), the scores against values worked out by hand from the
formula of docs/diagnostic.md, the plan and its reasons, taking it again, privacy, the
network's figures, the PDF, and what a stranger may send."""

import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader

from essaim.atlas import actions as atlas_actions
from essaim.atlas.models import Family, LegalForm, Organisation, Service
from essaim.commons.models import Opportunity
from essaim.competences.models import Competence
from essaim.contributions.models import Representation
from essaim.diagnostics.models import Diagnostic, Response
from tests.factories import EventFactory, OpportunityFactory, UserFactory

QUESTIONNAIRE = json.loads(
    (Path(__file__).parents[2] / "essaim/diagnostics/data/questionnaire.json").read_text()
)
DIMENSIONS = QUESTIONNAIRE["dimensions"]
CODES = {d["code"]: [q["code"] for q in d["questions"]] for d in DIMENSIONS}
# Respondent A: 3, 2, 2 and "don't know" on strategy, 3 everywhere else; B: 1, 1, 0, 2 on
# strategy, 0 everywhere else. By hand: strategy A 100×(7/3)/3 = 77.8, B 100×(4/4)/3 = 33.3,
# together 55.6 → 56, spread 44; every other dimension A 100, B 0 → 50, spread 100; overall
# (55.6 + 6 × 50) / 7 = 50.8 → 51; A alone 97 ((77.8 + 600) / 7 = 96.8).
A = {"strategy": [3, 2, 2, "?"], "other": 3}
B = {"strategy": [1, 1, 0, 2], "other": 0}


def answers_of(pattern: dict, dimension: str) -> dict:
    codes = CODES[dimension]
    values = pattern.get(dimension, [pattern["other"]] * len(codes))
    return {code: str(value) for code, value in zip(codes, values, strict=True)}


def take(client, link: str, pattern: dict, about: dict | None = None, send: bool = True) -> None:
    """Answer every page of the questionnaire at `link`, then send."""
    reply = client.post(link, {"step": 0, "role": "volunteer", **(about or {})})
    assert reply.status_code == 302, reply.content.decode()[:2000]
    for number, dimension in enumerate(DIMENSIONS, 1):
        data = {
            "step": number,
            **answers_of(pattern, dimension["code"]),
            **pattern.get("extra", {}).get(dimension["code"], {}),
        }
        assert client.post(link, data).status_code == 302
    if send:
        assert client.post(link, {"step": len(DIMENSIONS) + 1}).status_code == 302


def response_of(link: str) -> Response:
    """The response a respondent's link leads to (its number opens the signed token)."""
    return Response.objects.get(pk=int(link.split("/answers/")[1].split(":")[0]))


def start(client, language: str = "en", **data) -> str:
    reply = client.post(f"/{language}/diagnostic/", data)
    assert reply.status_code == 302
    return reply["Location"]


def score_rows(html: str) -> dict[str, list[str]]:
    """The scores table: each row's heading (without its number) and cells."""
    table = html[html.index('<table class="scores">') : html.index("</table>")]
    return {
        re.sub(r"^\d+\. ", "", head): re.findall(r"<td>(.*?)</td>", cells)
        for head, cells in re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', table)
    }


def test_anyone_takes_it_without_an_account_and_gets_the_scores_of_the_formula(client, demo):
    link = start(client)
    assert "/diagnostic/answers/" in link
    page = client.get(link).content.decode()
    assert "Keep this link" in page and "1. Strategy and governance" not in page
    take(client, link, A)
    result = client.get(link + "result/").content.decode()
    rows = score_rows(result)
    assert rows["Strategy and governance of digital choices"] == ["78", "advanced", "1"]
    assert rows["Digital sobriety"] == ["100", "advanced", "0"]
    assert rows["Overall"][:2] == ["97", "advanced"]
    assert "Overall: <strong>97</strong> out of 100" in result
    # Sent answers are kept as sent: the questionnaire leads to the result.
    assert client.get(link)["Location"].endswith("/result/")


def test_two_respondents_make_one_organisation_result_with_the_spread(client, demo):
    org = Organisation.objects.get(name="Make.org")
    representative = UserFactory(username="rep")
    Representation.objects.create(user=representative, organisation=org, status="granted")
    client.force_login(representative)
    link = start(client, organisation=org.pk)
    take(client, link, A)
    diagnostic = Diagnostic.objects.get(organisation=org, responses__user=representative)
    result = client.get(f"/en/diagnostic/{diagnostic.pk}/").content.decode()
    invitation = re.search(
        r'id="invitation" type="text" readonly value="http://testserver([^"]+)"', result
    ).group(1)
    colleague = type(client)()
    joined = colleague.post(invitation)
    assert joined.status_code == 302
    take(colleague, joined["Location"], B)
    rows = score_rows(client.get(f"/en/diagnostic/{diagnostic.pk}/").content.decode())
    assert rows["Strategy and governance of digital choices"] == ["56", "established", "44", "1"]
    assert rows["Data and the GDPR"] == ["50", "established", "100", "0"]
    assert rows["Overall"][:2] == ["51", "established"]
    # The colleague reaches the same result by their own link; their own scores are not shown
    # beside it (with two, the mean would give the other's away).
    theirs = colleague.get(joined["Location"] + "result/").content.decode()
    assert "From the answers of 2 respondents" in theirs
    assert "Your own answers alone" not in theirs


def test_a_half_rounds_up_and_one_sees_ones_own_scores_among_four(client, demo):
    # Strategy by four: 100×(2/3)/3 = 22.2, 100×(1/2)/3 = 16.7, 100×(1/3)/3 = 11.1 and 0:
    # exactly 12.5 together, shown as 13.
    link = start(client)
    take(client, link, {"strategy": [1, 0, 1, "?"], "other": 3})
    result = client.get(link + "result/").content.decode()
    invitation = re.search(r'value="http://testserver(/en/diagnostic/join/[^"]+)"', result).group(1)
    for strategy in ([0, 1, "?", "?"], [0, 0, 1, "?"], [0, 0, "?", "?"]):
        colleague = type(client)()
        take(colleague, colleague.post(invitation)["Location"], {"strategy": strategy, "other": 3})
    page = client.get(link + "result/").content.decode()
    rows = score_rows(page)
    assert rows["Strategy and governance of digital choices"] == ["13", "starting out", "22", "6"]
    assert "Your own answers alone" in page


def test_skipped_questions_are_named_and_nothing_is_sent_until_answered(client, demo):
    link = start(client)
    take(client, link, A, send=False)
    client.post(link, {"step": 2})  # the skills page sent empty: its answers stay
    first = CODES["strategy"][0]
    response = response_of(link)
    del response.answers[first]
    Response.objects.filter(pk=response.pk).update(answers=response.answers)
    refused = client.post(link, {"step": len(DIMENSIONS) + 1})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "One question is not answered yet" in page
    assert "Who decides on digital matters in your organisation?" in page
    assert response_of(link).submitted_at is None
    # "I don't know" is an answer.
    client.post(link, {"step": 1, first: "?"})
    assert client.post(link, {"step": len(DIMENSIONS) + 1}).status_code == 302
    assert response_of(link).submitted_at is not None


def test_answers_cannot_change_once_sent(client, demo):
    link = start(client)
    take(client, link, A)
    before = response_of(link).answers
    refused = client.post(link, {"step": 2, **answers_of(B, "skills")})
    assert refused.status_code == 403
    assert "kept as they were sent" in refused.content.decode()
    assert response_of(link).answers == before


def test_a_forged_or_expired_link_says_so_and_loses_nothing(client, demo):
    link = start(client)
    take(client, link, A, send=False)
    forged = link.replace("/answers/", "/answers/9").rstrip("/") + "x/"
    reply = client.get(forged)
    assert reply.status_code == 404 and "This link is not valid" in reply.content.decode()
    Response.objects.filter(pk=response_of(link).pk).update(
        updated_at=timezone.now() - timedelta(days=400)
    )
    expired = client.get(link)
    assert expired.status_code == 410 and "This link expired on" in expired.content.decode()
    assert len(response_of(link).answers) == len(QUESTIONNAIRE_CODES())


def QUESTIONNAIRE_CODES() -> list[str]:  # noqa: N802
    return [code for codes in CODES.values() for code in codes]


def test_the_same_person_answering_twice_gets_their_answers_back(client, demo):
    org = Organisation.objects.get(name="Make.org")
    representative = UserFactory(username="rep")
    Representation.objects.create(user=representative, organisation=org, status="granted")
    client.force_login(representative)
    start(client, organisation=org.pk)
    diagnostic = Diagnostic.objects.get(organisation=org, responses__user=representative)
    result = client.get(f"/en/diagnostic/{diagnostic.pk}/").content.decode()
    invitation = re.search(r'value="http://testserver(/en/diagnostic/join/[^"]+)"', result).group(1)
    # The representative through the invitation: their own response again.
    again = client.post(invitation, follow=True)
    assert "You have already answered this diagnostic" in again.content.decode()
    # A visitor twice from the same browser: one response.
    visitor = type(client)()
    first = visitor.post(invitation)["Location"]
    assert visitor.post(invitation)["Location"] == first
    assert diagnostic.responses.count() == 2


def test_a_diagnostic_belongs_to_one_organisation(client, demo):
    one, other = Organisation.objects.filter(name__in=["Make.org", "Rogervoice"])
    member = UserFactory(username="rep")
    for org in (one, other):
        Representation.objects.create(user=member, organisation=org, status="granted")
    link = start(client)
    take(client, link, A)
    client.force_login(member)
    attach = link + "attach/"
    assert client.post(attach, {"organisation": one.pk}).status_code == 302
    refused = client.post(attach, {"organisation": other.pk})
    assert refused.status_code == 403
    assert f"already belongs to {one.name}" in refused.content.decode()
    assert response_of(link).diagnostic.organisation == one


def test_a_representative_who_no_longer_is_one_cannot_share_and_nothing_is_lost(client, demo):
    org = Organisation.objects.get(name="Make.org")
    member = UserFactory(username="rep")
    Representation.objects.create(user=member, organisation=org, status="granted")
    client.force_login(member)
    take(client, start(client, organisation=org.pk), A)
    diagnostic = Diagnostic.objects.get(organisation=org, responses__user=member)
    Representation.objects.filter(user=member).update(status="refused")
    refused = client.post(f"/en/diagnostic/{diagnostic.pk}/share/", {"share": "1"})
    assert refused.status_code == 403
    assert "not (or no longer) one of them" in refused.content.decode()
    assert Diagnostic.objects.get(pk=diagnostic.pk).shared_at is None
    # As a respondent, they still see the result they answered.
    assert client.get(f"/en/diagnostic/{diagnostic.pk}/").status_code == 200


def test_nobody_else_sees_a_private_result(client, demo, moderator):
    link = start(client)
    take(client, link, A)
    pk = response_of(link).diagnostic_id
    stranger = type(client)()
    assert stranger.get(f"/en/diagnostic/{pk}/")["Location"].startswith("/en/accounts/login/")
    for user in (UserFactory(username="someone"), moderator):
        stranger.force_login(user)
        for end in ("", "plan/", "plan.pdf"):
            assert stranger.get(f"/en/diagnostic/{pk}/{end}").status_code == 403
    assert stranger.post(f"/en/diagnostic/{pk}/share/", {"share": "1"}).status_code == 403


def test_taking_it_again_shows_the_progress(client, demo):
    link = start(client)
    take(client, link, B)
    again = client.post(link + "again/")
    assert again.status_code == 302
    take(client, again["Location"], {"strategy": [3, 3, 3, 3], "other": 0})
    page = client.get(again["Location"] + "result/").content.decode()
    rows = score_rows(page)
    # Strategy: 33 last time (100 × (4/4)/3), 100 now: +67; the others 0 and 0.
    assert rows["Strategy and governance of digital choices"] == ["100", "advanced", "0", "+67"]
    assert rows["Digital security"] == ["0", "starting out", "0", "0"]
    # Overall: 33.3/7 = 4.8 → 5 last time, 100/7 = 14.3 → 14 now.
    assert "Last time: 5 (+9)." in page


@pytest.fixture
def arras_help(demo, commit):
    """A provider of training in Lens (16 km from Arras), an online event on protecting data,
    a funding call open to French associations and one open only in Italy."""
    training = Service.objects.get(code="training")
    provider = commit(
        atlas_actions.do_create_organisation,
        {
            "name": "Formations numériques du Bassin minier",
            "country": "FR",
            "locality": "Lens",
            "latitude": 50.43302,
            "longitude": 2.82791,
        },
        {"services": [training]},
    )
    data = Competence.objects.get(key="digcomp-2.2:4.2")
    event = EventFactory(
        title_en="Protecting your members' data (online)",
        mode="online",
        locality="",
        latitude=None,
        longitude=None,
    )
    event.competences.set([data])
    association = LegalForm.objects.get(code="association")
    fund = OpportunityFactory(
        kind=Opportunity.Kind.FUNDING,
        title_en="Digital step for associations",
        eligible_countries=["FR"],
        funder="Fondation test",
    )
    fund.eligible_legal_forms.set([association])
    OpportunityFactory(
        kind=Opportunity.Kind.FUNDING,
        title_en="Bando digitale",
        country="IT",
        eligible_countries=["IT"],
    )
    return provider


def test_the_plan_points_to_real_help_and_says_why(client, arras_help):
    link = start(client)
    # Only the team's safety is weak (level 0); the organisation uses Google Drive.
    safety = CODES["skills"].index("skills.safety")
    weak = [3] * len(CODES["skills"])
    weak[safety] = 0
    pattern = {"skills": weak, "other": 3, "extra": {"tools": {"tools": ["google-drive"]}}}
    take(client, link, pattern, about={"where": "Arras", "legal_form": "association"})
    page = client.get(link + "plan/").content.decode()
    level = next(q for d in DIMENSIONS for q in d["questions"] if q["code"] == "skills.safety")
    reason = f"“{level['text']['en']}” — answered: “{level['levels'][0]['en']}”"
    assert reason.replace("’", "&#x27;") in page or reason in page
    sections = {
        code: page[page.index(f'id="section-{code}"') :]
        for code in ("learn", "replace", "meet", "help", "fund", "check")
    }
    assert (
        "Teaching digital skills for the social economy"
        in sections["learn"][: sections["learn"].index("</section>")]
    )
    assert "Nextcloud" in sections["replace"][: sections["replace"].index("</section>")]
    assert "Protecting your members" in sections["meet"][: sections["meet"].index("</section>")]
    near = sections["help"][: sections["help"].index("</section>")]
    assert "Training near Arras" in near and arras_help.name in near and "(16 km)" in near
    funds = sections["fund"][: sections["fund"].index("</section>")]
    assert "Digital step for associations" in funds and "Bando digitale" not in funds
    # Every dimension above 75 but for skills (93): no individual check is called for.
    assert "no individual check is needed" in sections["check"]


def test_the_plan_downloads_as_a_pdf_in_the_visitors_language(client, arras_help):
    link = start(client, "fr")
    pattern = {"other": 0, "extra": {"tools": {"tools": ["google-drive"]}}}
    take(client, link, pattern, about={"where": "Arras"})
    reply = client.get(link + "plan.pdf")
    assert reply["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(reply.content)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Plan de transition numérique" in text
    assert "Remplacer les outils des grandes plateformes" in text and "Nextcloud" in text
    assert (
        "Former aux compétences numériques de l’économie sociale" in text
        or "Former aux comp" in text
    )
    assert "Pourquoi" in text


def shared_diagnostic(org: Organisation, levels: int) -> None:
    diagnostic = Diagnostic.objects.create(
        questionnaire="essaim-2026", organisation=org, shared_at=timezone.now()
    )
    Response.objects.create(
        diagnostic=diagnostic,
        language="fr",
        submitted_at=timezone.now(),
        answers=dict.fromkeys(QUESTIONNAIRE_CODES(), levels),
    )


def test_the_network_sees_groups_of_five_or_more_never_fewer(client, db):
    family = Family.objects.create(
        code="popular-education",
        label_fr="Éducation populaire",
        label_en="Popular education",
        label_it="Educazione popolare",
        label_es="Educación popular",
    )
    orgs = []
    for number in range(5):
        org = Organisation.objects.create(name=f"Asso {number}", country="FR")
        org.families.set([family])
        orgs.append(org)
    for org, levels in zip(orgs[:4], (3, 3, 0, 0), strict=True):
        shared_diagnostic(org, levels)
    figures = client.get("/api/v1/diagnostics/figures?by=family").json()
    assert figures["organisations_shared"] == 4
    assert figures["network"] is None and figures["groups"] == []
    assert figures["hidden_groups"] == 1
    page = client.get("/en/diagnostic/network/").content.decode()
    assert "Popular education" not in page
    # A fifth (level 1 everywhere: 33): the group is shown, its mean (100+100+0+0+33)/5 = 46.7.
    shared_diagnostic(orgs[4], 1)
    figures = client.get("/api/v1/diagnostics/figures?by=family").json()
    group = figures["groups"][0]
    assert (group["code"], group["organisations"], group["overall"]) == ("popular-education", 5, 47)
    strategy = next(d for d in group["dimensions"] if d["dimension"] == "strategy")
    assert strategy["bands"] == [2, 1, 0, 2]
    csv_rows = client.get("/en/diagnostic/network.csv?by=family").content.decode().splitlines()
    # By country: 5 in France, none elsewhere, so France is shown.
    assert [
        g["code"] for g in client.get("/api/v1/diagnostics/figures?by=country").json()["groups"]
    ] == ["FR"]
    assert "family,popular-education,Popular education,5,strategy,47,2,1,0,2" in csv_rows
    # A sixth in Belgium: France alone would give Belgium's away from the whole network's
    # figures, so France is hidden too.
    belgian = Organisation.objects.create(name="Asso BE", country="BE")
    shared_diagnostic(belgian, 2)
    by_country = client.get("/api/v1/diagnostics/figures?by=country").json()
    assert by_country["network"]["organisations"] == 6
    assert by_country["groups"] == [] and by_country["hidden_groups"] == 2
    # An unshared diagnostic never counts.
    Diagnostic.objects.filter(organisation=orgs[0]).update(shared_at=None)
    assert client.get("/api/v1/diagnostics/figures?by=family").json()["groups"] == []


def test_a_representative_shares_and_unshares(client, demo):
    org = Organisation.objects.get(name="Make.org")
    member = UserFactory(username="rep")
    Representation.objects.create(user=member, organisation=org, status="granted")
    client.force_login(member)
    take(client, start(client, organisation=org.pk), A)
    diagnostic = Diagnostic.objects.get(organisation=org, responses__user=member)
    assert diagnostic.shared_at is None
    client.post(f"/en/diagnostic/{diagnostic.pk}/share/", {"share": "1"})
    assert Diagnostic.objects.get(pk=diagnostic.pk).shared_at is not None
    listing = client.get(f"/en/diagnostic/organisation/{org.pk}/").content.decode()
    assert f"/en/diagnostic/{diagnostic.pk}/" in listing
    client.post(f"/en/diagnostic/{diagnostic.pk}/share/", {"share": "0"})
    assert Diagnostic.objects.get(pk=diagnostic.pk).shared_at is None


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("fr", "Diagnostic de maturité numérique"),
        ("en", "Digital maturity diagnostic"),
        ("it", "Diagnosi della maturità digitale"),
        ("es", "Diagnóstico de madurez digital"),
    ],
)
def test_the_diagnostic_speaks_four_languages(client, demo, language, title):
    page = client.get(f"/{language}/diagnostic/").content.decode()
    assert f"<h1>{title}</h1>" in page
    question = QUESTIONNAIRE["dimensions"][0]["questions"][0]
    link = start(client, language)
    client.post(link, {"step": 0, "role": "board"})
    assert question["text"][language] in client.get(link + "?step=1").content.decode().replace(
        "&#x27;", "'"
    )


def test_the_search_finds_the_diagnostic_by_its_names(client, demo):
    for words, language in (
        ("autodiagnostic", "fr"),
        ("maturité numérique", "fr"),
        ("diagnostico", "es"),
        ("skills self-assessment", "en"),
    ):
        page = client.get(f"/{language}/search/", {"q": words}).content.decode()
        assert '/diagnostic/"' in page or "/competences/self-check/" in page


def test_the_screening_ends_with_the_nearest_mediation_places(client, demo, commit):
    mediation = Service.objects.get(code="digital-mediation")
    place = commit(
        atlas_actions.do_create_organisation,
        {
            "name": "Espace numérique d'Arras",
            "country": "FR",
            "locality": "Arras",
            "latitude": 50.29301,
            "longitude": 2.78186,
        },
        {"services": [mediation]},
    )
    questions = json.loads(
        (Path(__file__).parents[2] / "essaim/diagnostics/data/fragility.json").read_text()
    )["questions"]
    answers = {q["code"]: "0" for q in questions}
    answers[questions[2]["code"]] = "2"
    page = client.post("/en/diagnostic/fragility/", {**answers, "where": "Arras"}).content.decode()
    assert "A digital mediator can help you" in page
    assert place.name.replace("'", "&#x27;") in page
    assert questions[2]["answers"][2]["en"] in page
    alone = client.post("/en/diagnostic/fragility/", {q["code"]: "0" for q in questions})
    assert "You manage on your own" in alone.content.decode()
    assert client.post("/en/diagnostic/fragility/", {}).status_code == 400


def test_a_stranger_cannot_start_diagnostics_without_end(client, demo):
    for _ in range(20):
        assert client.post("/en/diagnostic/").status_code == 302
    refused = client.post("/en/diagnostic/")
    assert refused.status_code == 429
    assert "Too many diagnostics started from your connection" in refused.content.decode()
