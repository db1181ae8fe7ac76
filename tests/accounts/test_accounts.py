"""Accounts: sign-up with email verification, the member's data and its erasure, API keys and
the API's write endpoints."""

import json
import re

import pytest
from django.core import mail

from essaim.accounts.models import User
from essaim.atlas.models import Organisation
from essaim.contributions.models import Suggestion

pytestmark = pytest.mark.django_db


def test_sign_up_verifies_the_email_before_signing_in(client):
    response = client.post(
        "/en/accounts/signup/",
        {
            "email": "new@example.org",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session, "not signed in before verifying"
    message = mail.outbox[-1]
    assert message.to == ["new@example.org"]
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    path = "/" + link.split("/", 3)[3]
    client.post(path)
    response = client.post(
        "/en/accounts/login/", {"login": "new@example.org", "password": "a-long-pass-phrase"}
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == User.objects.get(email="new@example.org").pk


def test_confirming_the_address_signs_in_and_brings_back_where_one_was(client):
    client.post(
        "/it/accounts/signup/?next=/it/resources/new/",
        {"email": "nuova@example.org", "password1": "una-frase-lunga", "password2":
         "una-frase-lunga", "next": "/it/resources/new/"},
    )  # fmt: skip
    assert "_auth_user_id" not in client.session
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    response = client.post("/" + link.split("/", 3)[3])
    assert response.status_code == 302 and response["Location"] == "/it/resources/new/"
    assert int(client.session["_auth_user_id"]) == User.objects.get(email="nuova@example.org").pk
    assert client.get("/it/resources/new/").status_code == 200


def test_password_reset_is_sent_in_the_visitors_language(client):
    User.objects.create_user("ana", "ana@example.org", "pw-for-tests-only")
    client.post("/es/accounts/password/reset/", {"email": "ana@example.org"})
    assert mail.outbox[-1].to == ["ana@example.org"]
    assert "contraseña" in mail.outbox[-1].body


@pytest.fixture
def member(client):
    user = User.objects.create_user("member", "member@example.org", "pw-for-tests-only")
    client.force_login(user)
    return user


def test_a_member_downloads_then_deletes_their_data(client, demo, member, commit):
    org = Organisation.objects.get(name="Make.org")
    client.post(f"/en/atlas/{org.pk}/{org.slug}/report/", {"reason": "wrong", "comment": "Moved."})
    client.post("/en/accounts/profile/", {"form": "consent", "newsletter": "on"})
    data = json.loads(client.get("/en/accounts/profile/data.json").content)
    assert data["account"]["email"] == "member@example.org"
    assert data["account"]["newsletter_consented_at"]
    assert data["reports"][0]["comment"] == "Moved."
    assert [entry["action"] for entry in data["audit_trail"]] == [
        "report.submitted", "account.newsletter_consent"]  # fmt: skip

    wrong = client.post("/en/accounts/profile/delete/", {"password": "not it"})
    assert "This is not your password." in wrong.content.decode()
    client.post("/en/accounts/profile/delete/", {"password": "pw-for-tests-only"})
    assert not User.objects.filter(email="member@example.org").exists()
    report = org.reports.get()
    assert report.comment == "Moved." and report.author is None and report.email == ""
    assert client.get("/en/accounts/profile/").status_code == 302, "signed out"


def create_key(client, name="our website") -> str:
    response = client.post("/en/accounts/profile/", {"form": "token", "name": name})
    return re.search(r"<code>(essaim_[^<]+)</code>", response.content.decode()).group(1)


def test_api_writes_need_a_key(client, demo):
    response = client.post(
        "/api/v1/suggestions",
        {"facts": {"name": "X"}},
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert response.status_code == 401
    assert "An API key is needed" in response.json()["detail"]
    bad = client.post(
        "/api/v1/suggestions",
        {"facts": {"name": "X"}},
        content_type="application/json",
        headers={"authorization": "Bearer essaim_wrong"},
    )
    assert bad.status_code == 401


def test_api_suggestion_and_representative_edit(client, demo, member, commit):
    key = create_key(client)
    client.logout()
    auth = {"authorization": f"Bearer {key}"}
    response = client.post(
        "/api/v1/suggestions",
        {"facts": {"name": "Atelier Solidaire", "country": "FR", "latitude": 120}},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 400
    assert response.json()["errors"]["latitude"]
    response = client.post(
        "/api/v1/suggestions",
        {"facts": {"name": "Atelier Solidaire", "country": "FR", "sector": "reuse-refurbishing"}},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 201
    assert Suggestion.objects.get(pk=response.json()["id"]).author == member

    org = Organisation.objects.get(name="Make.org")
    edit = f"/api/v1/organisations/{org.pk}"
    denied = client.patch(edit, {"facts": {"phone": "+33 5 55 55 55 55"}},
                          content_type="application/json", headers=auth)  # fmt: skip
    assert denied.status_code == 403
    member.representations.create(organisation=org, status="granted")
    response = commit(client.patch, edit, {"facts": {"phone": "+33 5 55 55 55 55"}},
                      content_type="application/json", headers=auth)  # fmt: skip
    assert response.status_code == 200 and response.json()["phone"] == "+33 5 55 55 55 55"
    found = client.get("/api/v1/organisations", {"q": "make.org"}).json()["results"]
    assert any(item["phone"] == "+33 5 55 55 55 55" for item in found)
    response = commit(client.patch, edit, {"facts": {"opening_hours": "Mo-Sa 10:00-19:00"}},
                      content_type="application/json", headers=auth)  # fmt: skip
    assert response.json()["opening_hours"] == "Mo-Sa 10:00-19:00", "hours as sent, kept"
    commit(client.patch, edit, {"facts": {"phone": "+33 5 55 55 55 56"}},
           content_type="application/json", headers=auth)  # fmt: skip
    org.refresh_from_db()
    assert org.opening_hours == "Mo-Sa 10:00-19:00", "an edit of another fact leaves them"
    created = client.post("/api/v1/organisations", {"facts": {"name": "Z", "country": "FR"}},
                          content_type="application/json", headers=auth)  # fmt: skip
    assert created.status_code == 403, "members suggest; only moderators create"
