"""Suggestions, moderation, history with reverts and the change feed, through their pages and
the API, as visitors, members and moderators use them."""

import json

import pytest
from django.core import mail

from essaim.accounts.models import User
from essaim.atlas import actions
from essaim.atlas.models import Organisation, Status
from essaim.contributions.models import Suggestion

pytestmark = pytest.mark.django_db

NEW_ORGANISATION = {
    "name": "Coopérative Zéphyr",
    "original_language": "fr",
    "short_description_fr": "Réemploi d'ordinateurs à Lyon.",
    "description_fr": "<script>alert('x')</script> **Ateliers** de [réparation](https://example.org/r)"
    " ![pixel](https://tracker.example/p.png)",
    "sector": "reuse-refurbishing",
    "families": ["insertion-circular"],
    "legal_form": "scic",
    "locality": "Lyon",
    "country": "FR",
    "languages": "fr, en",
    "identifier_siret": "73282932000074",
    "contributor_email": "visitor@example.org",
}


def feed(client, since=0, limit=100):
    return client.get("/api/v1/changes", {"since": since, "limit": limit}).json()


def search(client, q):
    return [
        item["name"] for item in client.get("/api/v1/organisations", {"q": q}).json()["results"]
    ]


def filled_form(client, url) -> dict:
    """What the form at `url` shows filled in, as a browser would send it back."""
    form = client.get(url).context["form"]
    return {
        name: form.fields[name].prepare_value(value)
        for name, value in form.initial.items()
        if value not in (None, []) and name != "id"
    }


def review(client, commit, pk, **data):
    return commit(client.post, f"/en/moderation/suggestions/{pk}/", data, follow=True)


def test_visitor_suggestion_is_moderated_then_published(client, demo, moderator, commit):
    start = feed(client)["next_since"]
    response = client.post("/en/atlas/suggest/", NEW_ORGANISATION, follow=True)
    assert "a moderator will review your suggestion" in response.content.decode()
    assert search(client, "zephyr") == [], "nothing is published before review"

    client.force_login(moderator)
    queue = client.get("/en/moderation/").content.decode()
    assert "Coopérative Zéphyr" in queue and "New organisation" in queue
    pk = client.get("/en/moderation/").context["page"][0].pk
    page = client.get(f"/en/moderation/suggestions/{pk}/").content.decode()
    assert "Reuse and refurbishing" in page and "&lt;script&gt;" in page
    response = review(client, commit, pk, decision="accept")
    org = Organisation.objects.get(name="Coopérative Zéphyr")
    assert response.redirect_chain[-1][0] == org.get_absolute_url()
    assert org.latitude == pytest.approx(45.75, abs=0.1), "placed at its locality"
    assert org.languages == ["fr", "en"]
    assert org.identifiers.get().value == "73282932000074"

    assert search(client, "zephyr") == ["Coopérative Zéphyr"]
    page = client.get(org.get_absolute_url()).content.decode()
    description = page.split('<div class="description" dir="auto">')[1].split("</div>")[0]
    assert "<strong>Ateliers</strong>" in description, "descriptions are Markdown"
    assert '<a href="https://example.org/r" rel="nofollow noopener">réparation</a>' in description
    assert "&lt;script&gt;" in description and "<script" not in description, "HTML is text"
    assert 'src="https://tracker.example' not in page, "no image fetched from another site"
    jsonld = page.split('application/ld+json">')[1].split("</script>")[0]
    assert "\\u003C/script\\u003E" in jsonld, "JSON-LD cannot close its tag"
    assert json.loads(jsonld)["description"][0]["@value"].startswith("<script>")
    changes = feed(client, since=start)["changes"]
    assert [(c["organisation"], c["action"]) for c in changes] == [(org.pk, "upsert")]
    assert mail.outbox[-1].to == ["visitor@example.org"]
    assert "is published" in mail.outbox[-1].subject
    history = client.get(f"/en/atlas/{org.pk}/{org.slug}/history/").content.decode()
    assert "Created" in history and "a visitor, through a suggestion" in history
    assert "visitor@example.org" not in history, "contributors are never named"


def test_correction_is_published_field_by_field(client, demo, moderator, commit):
    org = Organisation.objects.get(name="Make.org")
    url = f"/fr/atlas/{org.pk}/{org.slug}/suggest/"
    data = filled_form(client, url)
    data.update(
        phone="+33 1 23 45 67 89",
        website="https://make.example.org/",
        contributor_email="someone@example.org",
    )
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    suggestion = org.suggestions.get()
    assert set(suggestion.proposed) == {"phone", "website"}, "only what differs is proposed"

    client.force_login(moderator)
    review(client, commit, suggestion.pk, decision="accept", fields=["phone"])
    org.refresh_from_db()
    assert org.phone == "+33 1 23 45 67 89"
    assert org.website != "https://make.example.org/"
    suggestion.refresh_from_db()
    assert suggestion.get_status_display() == "Partly accepted"


def test_a_conflict_is_shown_not_overwritten(client, demo, moderator, commit):
    org = Organisation.objects.get(name="Make.org")
    url = f"/en/atlas/{org.pk}/{org.slug}/suggest/"
    data = filled_form(client, url)
    client.post(url, {**data, "phone": "+33 1 11 11 11 11", "contributor_email": "a@example.org"})
    # Meanwhile, a moderator changes the same field.
    commit(actions.do_update_organisation, org, {"phone": "+33 9 99 99 99 99"})
    suggestion = org.suggestions.get()

    client.force_login(moderator)
    page = client.get(f"/en/moderation/suggestions/{suggestion.pk}/").content.decode()
    assert "Changed since the suggestion was made" in page
    response = review(client, commit, suggestion.pk, decision="accept", fields=["phone"])
    assert "The entry has changed since this suggestion" in response.content.decode()
    org.refresh_from_db()
    assert org.phone == "+33 9 99 99 99 99", "nothing is overwritten silently"
    review(client, commit, suggestion.pk, decision="accept", fields=["phone"], overwrite="1")
    org.refresh_from_db()
    assert org.phone == "+33 1 11 11 11 11"


def test_rejection_tells_the_contributor_why(client, demo, moderator, commit):
    client.post("/it/atlas/suggest/", NEW_ORGANISATION)
    client.force_login(moderator)
    pk = client.get("/en/moderation/").context["page"][0].pk
    review(client, commit, pk, decision="reject", reason="Doublon de Zéphyr Lyon.")
    assert not Organisation.objects.filter(name="Coopérative Zéphyr").exists()
    message = mail.outbox[-1]
    assert "Doublon de Zéphyr Lyon." in message.body
    assert "non è stato accettato" in message.subject, "told in the language they wrote in"


def test_suggestion_errors_keep_what_was_typed(client, demo):
    data = {**NEW_ORGANISATION, "latitude": "95", "longitude": "", "languages": "fr, xx"}
    data["description_fr"] = "x" * 6000
    response = client.post("/en/atlas/suggest/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please correct the" in html
    assert "Unknown language: xx." in html
    assert "Between -90 and 90." in html, "the rule an import applies too"
    assert "Ensure this value has at most 5000 characters" in html
    assert 'value="Coopérative Zéphyr"' in html
    assert not response.context["form"].is_valid()
    assert (
        client.post("/en/atlas/suggest/", {**NEW_ORGANISATION, "contributor_email": ""})
        .context["form"]
        .errors["contributor_email"]
    )


def test_a_huge_text_gets_a_clear_answer(client, demo):
    data = {**NEW_ORGANISATION, "description_fr": "x" * 5_000_000}
    response = client.post("/en/atlas/suggest/", data)
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    from essaim.contributions.models import Suggestion

    assert not Suggestion.objects.exists()


def test_robots_and_repeats_are_kept_out(client, demo):
    trapped = client.post("/en/atlas/suggest/", {**NEW_ORGANISATION, "nickname": "bot"})
    assert trapped.status_code == 200 and "This field must stay empty." in trapped.content.decode()
    client.post("/en/atlas/suggest/", NEW_ORGANISATION)
    again = client.post("/en/atlas/suggest/", NEW_ORGANISATION, follow=True)
    assert "You had already sent this suggestion." in again.content.decode()
    from essaim.contributions.models import Suggestion

    assert Suggestion.objects.count() == 1


def test_members_cannot_moderate_or_revert(client, demo, member, commit):
    client.post("/en/atlas/suggest/", NEW_ORGANISATION)
    from essaim.contributions.models import Suggestion

    pk = Suggestion.objects.get().pk
    assert client.get("/en/moderation/").status_code == 302, "visitors are asked to sign in"
    client.force_login(member)
    assert client.get("/en/moderation/").status_code == 403
    assert (
        client.post(f"/en/moderation/suggestions/{pk}/", {"decision": "accept"}).status_code == 403
    )
    org = Organisation.objects.get(name="Make.org")
    commit(actions.do_update_organisation, org, {"phone": "+33 2 22 22 22 22"})
    history = client.get(f"/en/atlas/{org.pk}/{org.slug}/history/")
    assert "Revert this change" not in history.content.decode()
    change = history.context["entries"][0]["change"]
    assert client.post(f"/en/moderation/changes/{change.pk}/revert/").status_code == 403
    org.refresh_from_db()
    assert org.phone == "+33 2 22 22 22 22"


def test_moderator_reverts_a_change_in_one_click(client, demo, moderator, commit):
    org = Organisation.objects.get(name="Make.org")
    old_name = org.name
    commit(actions.do_update_organisation, org, {"name": "Make.org (vandalised)"})
    client.force_login(moderator)
    history = client.get(f"/en/atlas/{org.pk}/{org.slug}/history/")
    assert "Make.org (vandalised)" in history.content.decode()
    change = history.context["entries"][0]["change"]
    commit(client.post, f"/en/moderation/changes/{change.pk}/revert/")
    org.refresh_from_db()
    assert org.name == old_name
    assert search(client, "vandalised") == []
    html = client.get(f"/en/atlas/{org.pk}/{org.slug}/history/").content.decode()
    assert "a revert" in html and "by a moderator" in html


def test_change_feed_pages_and_marks_deletions(client, demo, commit):
    start = feed(client)["next_since"]
    org = Organisation.objects.get(name="Make.org")
    org_id = org.pk
    other = Organisation.objects.get(name="Envie")
    commit(actions.do_update_organisation, org, {"phone": "+33 3 33 33 33 33"})
    commit(actions.do_set_organisation_status, other, Status.HIDDEN)
    commit(actions.do_delete_organisation, org)
    first = feed(client, since=start, limit=2)
    assert [(c["organisation"], c["action"]) for c in first["changes"]] == [
        (org_id, "upsert"),
        (other.pk, "delete"),
    ]
    assert first["changes"][0]["fields"] == ["phone"]
    second = client.get(first["next"]).json()
    assert [(c["organisation"], c["action"]) for c in second["changes"]] == [(org_id, "delete")]
    assert feed(client, since=second["next_since"])["changes"] == []
    assert client.get("/api/v1/changes", {"since": -1}).status_code == 400
    assert client.get("/api/v1/changes", {"limit": 5000}).json()["parameter"] == "limit"


def verified_member(name: str):
    """A member who verified their address: only their reports count towards hiding."""
    from allauth.account.models import EmailAddress

    user = User.objects.create_user(name, f"{name}@example.org", "pw-for-tests-only")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_three_reports_hide_an_entry_until_a_moderator_decides(client, demo, moderator, commit):
    org = Organisation.objects.get(name="Make.org")
    url = f"/en/atlas/{org.pk}/{org.slug}/report/"
    for number in range(2):
        client.force_login(verified_member(f"reporter{number}"))
        commit(client.post, url, {"reason": "gone"})
    again = commit(client.post, url, {"reason": "gone"}, follow=True)
    assert "You have already reported this entry." in again.content.decode()
    assert "Make.org" in search(client, "make.org"), "two reports do not hide it"
    client.force_login(verified_member("reporter2"))
    commit(client.post, url, {"reason": "wrong", "comment": "Closed in 2025."})
    client.logout()
    assert "Make.org" not in search(client, "make.org")
    assert client.get(org.get_absolute_url()).status_code == 404

    client.force_login(moderator)
    queue = client.get("/en/moderation/").content.decode()
    assert "Closed in 2025." in queue and "It no longer exists" in queue
    assert client.get(org.get_absolute_url()).status_code == 200, "moderators still see it"
    commit(client.post, f"/en/moderation/reports/{org.pk}/", {"outcome": "keep"})
    assert "Make.org" in search(client, "make.org")
    assert "No entry is reported." in client.get("/en/moderation/").content.decode()


def test_a_report_needs_a_reason(client, demo):
    org = Organisation.objects.get(name="Make.org")
    response = client.post(f"/en/atlas/{org.pk}/{org.slug}/report/", {"comment": "?"})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["This field is required."]


def test_representative_by_email_domain_edits_directly(client, demo, commit):
    from allauth.account.models import EmailAddress

    org = Organisation.objects.get(name="Make.org")  # website https://make.org
    user = User.objects.create_user("jeanne", "jeanne@make.org", "pw-for-tests-only")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    base = f"/fr/atlas/{org.pk}/{org.slug}/"
    response = client.post(base + "represent/", follow=True)
    assert "Vous représentez désormais Make.org." in response.content.decode()
    data = filled_form(client, base + "edit/")
    commit(client.post, base + "edit/", {**data, "phone": "+33 4 44 44 44 44"})
    org.refresh_from_db()
    assert org.phone == "+33 4 44 44 44 44", "published without review"
    history = client.get(base + "history/").content.decode()
    assert "+33 4 44 44 44 44" in history and "un membre" in history
    other = Organisation.objects.get(name="Envie")
    assert client.get(f"/fr/atlas/{other.pk}/{other.slug}/edit/").status_code == 403


def test_other_claims_wait_for_a_moderator(client, demo, member, moderator):
    org = Organisation.objects.get(name="Make.org")
    client.force_login(member)  # member@example.org: not on make.org
    base = f"/en/atlas/{org.pk}/{org.slug}/"
    response = client.post(base + "represent/")
    assert "a moderator will answer it" in response.content.decode()
    assert client.get(base + "edit/").status_code == 403
    client.force_login(moderator)
    assert (
        "member@example.org asks to represent Make.org"
        in client.get("/en/moderation/").content.decode()
    )
    claim = org.representations.get()
    client.post(f"/en/moderation/claims/{claim.pk}/", {"grant": "1"})
    client.force_login(member)
    assert client.get(base + "edit/").status_code == 200


@pytest.fixture
def collaborative(settings):
    settings.ESSAIM = {**settings.ESSAIM, "COLLABORATIVE": True, "VOTES_TO_PUBLISH": 3}


def test_collaborative_mode_publishes_on_approvals(client, demo, collaborative, commit):
    client.post("/en/atlas/suggest/", NEW_ORGANISATION)
    pk = Suggestion.objects.get().pk
    voters = [User.objects.create_user(f"v{n}", f"v{n}@example.org", "pw") for n in range(3)]
    for number, voter in enumerate(voters):
        client.force_login(voter)
        page = client.get("/en/contributions/").content.decode()
        assert "Coopérative Zéphyr" in page
        response = commit(
            client.post, f"/en/contributions/{pk}/vote/", {"approve": "1"}, follow=True
        )
        published = "Your vote published the suggestion." in response.content.decode()
        assert published == (number == 2), "the third approval publishes"
    assert search(client, "zephyr") == ["Coopérative Zéphyr"]


def test_an_objection_sends_a_suggestion_to_the_moderators(
    client, demo, collaborative, member, moderator, commit
):
    client.post("/en/atlas/suggest/", NEW_ORGANISATION)
    pk = Suggestion.objects.get().pk
    client.force_login(member)
    client.post(f"/en/contributions/{pk}/vote/", {"approve": "0"})
    for n in range(3):
        client.force_login(User.objects.create_user(f"v{n}", f"v{n}@example.org", "pw"))
        assert "Coopérative Zéphyr" not in client.get("/en/contributions/").content.decode()
    assert search(client, "zephyr") == []
    client.force_login(moderator)
    assert "objection from a member" in client.get("/en/moderation/").content.decode()


def test_members_do_not_vote_on_their_own_suggestions(client, demo, collaborative, member):
    client.force_login(member)
    client.post("/en/atlas/suggest/", NEW_ORGANISATION)
    pk = Suggestion.objects.get().pk
    assert client.post(f"/en/contributions/{pk}/vote/", {"approve": "1"}).status_code == 403


def test_votes_are_off_unless_the_administrator_turns_them_on(client, demo, member):
    client.force_login(member)
    assert client.get("/en/contributions/").status_code == 404


def test_public_forms_are_rate_limited(client, demo):
    org = Organisation.objects.get(name="Make.org")
    for _ in range(20):
        client.post("/en/atlas/suggest/", {"name": ""})
    limited = client.post("/en/atlas/suggest/", NEW_ORGANISATION)
    assert "Too many suggestions from your connection" in limited.content.decode()
    assert not Suggestion.objects.exists()
    for _ in range(10):
        client.post(f"/en/atlas/{org.pk}/{org.slug}/report/", {})
    report = client.post(f"/en/atlas/{org.pk}/{org.slug}/report/", {"reason": "gone"})
    assert "Too many reports from your connection" in report.content.decode()


def test_a_correction_to_a_deleted_entry_can_only_be_rejected(client, demo, moderator, commit):
    org = Organisation.objects.get(name="Make.org")
    url = f"/en/atlas/{org.pk}/{org.slug}/suggest/"
    data = filled_form(client, url)
    client.post(url, {**data, "phone": "+33 6 66 66 66 66", "contributor_email": "a@example.org"})
    suggestion = Suggestion.objects.get()
    commit(actions.do_delete_organisation, org)
    client.force_login(moderator)
    assert "Correction to a deleted entry" in client.get("/en/moderation/").content.decode()
    response = review(client, commit, suggestion.pk, decision="accept", fields=["phone"])
    assert "This organisation has been deleted" in response.content.decode()
    assert not Organisation.objects.filter(name="Make.org").exists()
    review(client, commit, suggestion.pk, decision="reject", reason="Deleted.")
    suggestion.refresh_from_db()
    assert suggestion.status == "rejected"


def test_a_new_organisation_speaks_the_page_language_and_finds_its_locality(client, demo):
    form = client.get("/it/atlas/suggest/").context["form"]
    assert form["original_language"].value() == "it"
    data = {"name": "Cooperativa Prova", "original_language": "it", "country": "IT",
            "locality": "milano", "contributor_email": "x@example.org"}  # fmt: skip
    client.post("/it/atlas/suggest/", data)
    proposed = Suggestion.objects.get().proposed
    assert proposed["region"] == "Lombardia"
    assert proposed["latitude"] == pytest.approx(45.46, abs=0.05)


def test_a_country_is_typed_by_name_in_any_of_the_languages(client, demo):
    response = client.post("/es/atlas/suggest/", {**NEW_ORGANISATION, "country": "Italia",
                                                  "locality": "Milano"})  # fmt: skip
    assert response.status_code == 302
    assert Suggestion.objects.get().proposed["country"] == "IT"
    response = client.post("/en/atlas/suggest/", {**NEW_ORGANISATION, "country": "Atlantis"})
    assert "Unknown country: Atlantis." in response.content.decode()
    assert 'value="Atlantis"' in response.content.decode(), "what was typed is kept"
    places = client.get("/api/v1/places", {"q": "Lil", "country": "Francia"}).json()
    assert places[0]["name"] == "Lille"


def test_a_mistyped_siret_is_refused_with_its_reason_and_the_form_keeps_it(client, demo):
    data = {**NEW_ORGANISATION, "identifier_siret": "732 829 320 00075"}
    response = client.post("/en/atlas/suggest/", data)
    page = response.content.decode()
    assert "This SIRET has a wrong check digit: a figure is mistyped." in page
    assert 'value="732 829 320 00075"' in page
    response = client.post("/en/atlas/suggest/", {**data, "identifier_siret": "732 829 320 00074"},
                           follow=True)  # fmt: skip
    assert "a moderator will review your suggestion" in response.content.decode()
