"""Votes through their pages and commands: the board sets one up, members give proxies (capped,
no chains), the list of voters is frozen when it opens, representatives cast one ballot a
member, receipts are checked, the quorum (rounded up, abstentions in) and each majority are
counted, a secret ballot cannot be tied to its voter by anyone reading the database; and
proposals that go to a vote past the network's threshold."""

import io
import re
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.core import mail, serializers
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone, translation

from essaim.atlas import actions as atlas_actions
from essaim.contributions.models import Representation
from essaim.network.actions import current_terms, do_apply
from essaim.network.models import Ballot, Membership, Proposal, Vote
from tests.factories import UserFactory


def member_organisation(name: str, region: str = "", language: str = "en"):
    """An organisation of the atlas, member of the network (no fee, no approval), and its
    representative, who applied in `language` (the one it is written to)."""
    terms = current_terms()
    terms.approval, terms.fee = False, 0
    terms.save()
    org = atlas_actions.do_create_organisation(
        {"name": name, "country": "FR", "email": f"{name.lower()}@example.org", "region": region}
    )
    rep = UserFactory(username=f"rep-{name.lower()}", email=f"{name.lower()}@reps.example.org")
    Representation.objects.create(user=rep, organisation=org, status="granted")
    with translation.override(language):
        do_apply(rep, org, listed=True)
    return org, rep


def members(names: str) -> dict:
    """{name: its representative} for "Ada Bea Cy"."""
    return {name: member_organisation(name)[1] for name in names.split()}


def prepare(client, moderator, **rules) -> Vote:
    client.force_login(moderator)
    now = timezone.localtime()
    fields = {
        "question": "Do we adopt the charter?", "kind": "yes-no",
        "opens_at": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "quorum": "0", "majority": "simple", "results": "after", "proxy_cap": "1",
        **rules,
    }  # fmt: skip
    saved = client.post("/en/network/votes/new/", fields)
    assert saved.status_code == 302, saved.context["form"].errors
    return Vote.objects.latest("id")


def open_now(client, moderator, vote):
    client.force_login(moderator)
    assert client.post(f"/en/network/votes/{vote.pk}/open/").status_code == 302
    vote.refresh_from_db()
    assert vote.opened_at is not None


def voter_id(vote, name: str) -> str:
    return str(vote.voters.get(name=name).pk)


def cast(client, user, vote, choice: str, voter: str = "", code: str = ""):
    client.force_login(user)
    data = {"choice": choice, "code": code}
    if voter:
        data["voter"] = voter_id(vote, voter)
    return client.post(f"/en/network/votes/{vote.pk}/cast/", data)


def receipt_of(response) -> str:
    assert response.status_code == 200, response.content.decode()
    return re.search(r'class="code">([A-Z0-9-]+)<', response.content.decode())[1]


def later(days: int):
    return mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() + timedelta(days=days)
    )


def run_votes(commit, days: int = 0):
    """The scheduler's run, `days` from now."""
    with later(days):
        commit(call_command, "run_votes", stdout=io.StringIO())


@pytest.mark.django_db
def test_a_public_vote_with_proxies_from_its_rules_to_its_minutes(client, moderator, commit):
    reps = members("Ada Bea Cy Dan Eve")
    vote = prepare(client, moderator, quorum="60", majority="2/3", proxy_cap="1")
    # The rules are shown before it opens.
    client.force_login(reps["Ada"])
    page = client.get(f"/en/network/votes/{vote.pk}/").content.decode()
    assert "At least 60 % of the voters take part, rounded up" in page
    assert "Two thirds" in page and "for example 7 of 10" in page
    # Ada gives her proxy to Bea; a chain (Bea gives hers) and a second proxy to Bea are refused.
    ada, bea, cy, dan = (Membership.objects.get(organisation__name=n) for n in
                         ("Ada", "Bea", "Cy", "Dan"))  # fmt: skip
    proxy = f"/en/network/votes/{vote.pk}/proxy/"
    client.post(proxy, {"giver": ada.pk, "holder": bea.pk})
    client.force_login(reps["Bea"])
    refused = client.post(proxy, {"giver": bea.pk, "holder": cy.pk}, follow=True)
    assert "it cannot give its own (no chains)" in refused.content.decode()
    client.force_login(reps["Cy"])
    refused = client.post(proxy, {"giver": cy.pk, "holder": ada.pk}, follow=True)
    assert "Ada has given its own proxy: it cannot hold one" in refused.content.decode()
    client.force_login(reps["Dan"])
    refused = client.post(proxy, {"giver": dan.pk, "holder": bea.pk}, follow=True)
    assert "Bea already holds 1 proxies, the most this vote allows" in refused.content.decode()
    assert [(p.giver.name, p.holder.name) for p in vote.proxies.all()] == [("Ada", "Bea")]
    # The vote opens at its time: the five members are frozen and told (Ada, and Bea for her).
    mail.outbox.clear()
    run_votes(commit, days=1)
    vote.refresh_from_db()
    assert vote.voters.count() == 5
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["bea@reps.example.org"] * 2 + [f"{n}@reps.example.org" for n in ("ada", "cy", "dan",
                                                                           "eve")]
    )  # fmt: skip
    # A member who joins now is not on the frozen list.
    _org, late = member_organisation("Fay")
    assert cast(client, late, vote, "yes").status_code == 409
    # Bea casts hers and Ada's; a second ballot for Bea is refused.
    receipt = receipt_of(cast(client, reps["Bea"], vote, "yes", voter="Bea"))
    receipt_of(cast(client, reps["Bea"], vote, "yes", voter="Ada"))
    again = cast(client, reps["Bea"], vote, "no", voter="Bea")
    assert again.status_code == 409 and "Bea has voted already" in again.content.decode()
    # Ada's representative cannot cast it: her proxy holds it.
    refused = cast(client, reps["Ada"], vote, "no", voter="Ada")
    assert refused.status_code == 409 and "You do not act for Ada" in refused.content.decode()
    # Cy resigns during the vote: her ballot is refused; Dan abstains, Eve says no.
    cy.resigned_on = timezone.localdate()
    cy.save()
    refused = cast(client, reps["Cy"], vote, "no", voter="Cy")
    assert refused.status_code == 409 and "Cy is no longer a member" in refused.content.decode()
    receipt_of(cast(client, reps["Dan"], vote, "abstain", voter="Dan"))
    receipt_of(cast(client, reps["Eve"], vote, "no", voter="Eve"))
    # Results wait for the close; a receipt is checked on the page, a forged one is not found.
    page = client.post(f"/en/network/votes/{vote.pk}/receipt/", {"receipt": receipt.lower()})
    assert "Took part" not in page.content.decode()
    assert "This ballot is counted: Yes." in page.content.decode()
    forged = client.post(f"/en/network/votes/{vote.pk}/receipt/", {"receipt": "AAAA-BBBB-CCCC"})
    assert "No ballot of this vote has this receipt." in forged.content.decode()
    # After closing a late ballot is refused, and the results are announced.
    mail.outbox.clear()
    with later(8):
        late_ballot = cast(client, reps["Eve"], vote, "yes", voter="Eve")
    assert late_ballot.status_code == 409 and "the ballot was not counted" in \
        late_ballot.content.decode()  # fmt: skip
    run_votes(commit, days=8)
    assert len(mail.outbox) == 6 and "The results" in mail.outbox[0].subject
    # 4 of 5 took part (abstention included): 60 % of 5 is 3, met. 2 yes of 3 expressed:
    # two thirds of 3 is 2, reached.
    page = client.get(f"/en/network/votes/{vote.pk}/").content.decode()
    assert "Took part: 4 of 5, 80.0 %, abstentions included." in page
    assert "Quorum: 60 % of 5, rounded up, is 3." in page and "Met." in page
    assert "Ballots expressed: 3 (1 abstention is not counted)." in page
    assert "Two thirds of 3: 2 needed." in page and "Adopted" in page
    minutes = client.get(f"/en/network/votes/{vote.pk}/minutes/").content.decode()
    assert "Ada gave its proxy to Bea." in minutes
    assert re.search(r"Eve</th><td>No<", minutes) and re.search(
        r"Cy</th><td>Did not vote<", minutes
    )


@pytest.mark.parametrize(
    ("majority", "quorum", "ballots", "outcome"),
    [
        # 7 voters. 4 yes, 2 no, 1 abstains: expressed 6.
        ("simple", "50", "yyyynna", "Adopted"),  # more than half of 6: 4
        ("2/3", "50", "yyyynna", "Adopted"),  # two thirds of 6: 4
        ("4/5", "50", "yyyynna", "Not adopted"),  # four fifths of 6: 5
        ("simple", "50", "yyynnna", "Not adopted"),  # 3 of 6 is not more than half
        ("simple", "50", "yynnnna", "Not adopted"),  # "no" has the majority
        # 60 % of 7 is 4.2, rounded up 5: 4 ballots, abstentions included, fall short.
        ("simple", "60", "yyya", "Not valid: the quorum was not met"),
        ("simple", "60", "yyyaa", "Adopted"),
    ],
)
@pytest.mark.django_db
def test_each_majority_and_the_quorum_rounded_up(client, moderator, commit, majority, quorum,
                                                 ballots, outcome):  # fmt: skip
    reps = members("A1 A2 A3 A4 A5 A6 A7")
    vote = prepare(client, moderator, majority=majority, quorum=quorum)
    open_now(client, moderator, vote)
    names = list(reps)
    for name, letter in zip(names, ballots, strict=False):
        choice = {"y": "yes", "n": "no", "a": "abstain"}[letter]
        receipt_of(cast(client, reps[name], vote, choice, voter=name))
    run_votes(commit, days=8)
    client.force_login(moderator)
    page = client.get(f"/en/network/votes/{vote.pk}/").content.decode()
    assert f"<strong>{outcome}</strong>" in page


@pytest.mark.django_db
def test_a_choice_among_several_names_the_option_chosen(client, moderator, commit):
    reps = members("B1 B2 B3")
    vote = prepare(client, moderator, kind="choice", options="Lyon\nLille\nNantes\n")
    open_now(client, moderator, vote)
    for name, choice in (("B1", "2"), ("B2", "2"), ("B3", "1")):
        receipt_of(cast(client, reps[name], vote, choice, voter=name))
    run_votes(commit, days=8)
    page = client.get(f"/en/network/votes/{vote.pk}/").content.decode()
    assert "Chosen: Lille" in page and "66.7 %" in page


@pytest.mark.django_db
def test_a_secret_ballot_is_counted_and_cannot_be_tied_to_its_voter(client, moderator, commit):
    reps = members("Ada Bea Cy")
    vote = prepare(client, moderator, secret="on", results="live")
    mail.outbox.clear()
    open_now(client, moderator, vote)
    codes = {m.to[0].split("@")[0]: re.search(r"\n    ([A-Z0-9-]{19})\n", m.body)[1]
             for m in mail.outbox}  # fmt: skip
    assert sorted(codes) == ["ada", "bea", "cy"]
    receipts = [receipt_of(cast(client, reps["Ada"], vote, "yes", code=codes["ada"]))]
    reused = cast(client, reps["Ada"], vote, "no", code=codes["ada"].lower().replace("-", ""))
    assert reused.status_code == 409 and "has been used already" in reused.content.decode()
    forged = cast(client, reps["Ada"], vote, "no", code="ABCD-EFGH-JKLM-NPQR")
    assert forged.status_code == 409 and "not a voting code of this vote" in forged.content.decode()
    assert forged.context["typed"]["code"] == "ABCD-EFGH-JKLM-NPQR"  # kept as typed
    # A stranger holding a code cannot use it: they act for no voter.
    stranger = UserFactory(username="stranger")
    assert cast(client, stranger, vote, "no", code=codes["cy"]).status_code == 403
    receipts.append(receipt_of(cast(client, reps["Bea"], vote, "no", code=codes["bea"])))
    receipts.append(receipt_of(cast(client, reps["Cy"], vote, "yes", code=codes["cy"])))
    # Secret: no results before it closes, whatever the board set.
    assert "Took part" not in client.get(f"/en/network/votes/{vote.pk}/").content.decode()
    before = set(Ballot.objects.values_list("id", flat=True))
    run_votes(commit, days=8)
    page = client.post(f"/en/network/votes/{vote.pk}/receipt/",
                       {"receipt": receipts[1]}).content.decode()  # fmt: skip
    assert "Took part: 3 of 3" in page and "This ballot is counted: No." in page
    # The box was shaken: its rows were written again.
    assert before.isdisjoint(Ballot.objects.values_list("id", flat=True))
    # Reading every table: no ballot names a voter, a person or a time; no code or receipt is
    # kept in clear; nothing records who cast.
    assert list(Ballot.objects.values_list("voter", "cast_by", "cast_at").distinct()) == [
        (None, None, None)]  # fmt: skip
    everything = "".join(serializers.serialize("json", model.objects.all())
                         for model in apps.get_models())  # fmt: skip
    for secret in [*codes.values(), *receipts]:
        assert secret not in everything and secret.replace("-", "") not in everything
    assert '"action": "vote.cast"' not in everything
    minutes = client.get(f"/en/network/votes/{vote.pk}/minutes/").content.decode()
    assert "Secret ballot: the minutes list who could vote" in minutes


@pytest.mark.django_db(transaction=True)
def test_two_ballots_of_one_member_at_the_same_moment_count_once():
    reps = members("Ada Bea")
    moderator = UserFactory(username="moderator", is_moderator=True)
    vote = prepare(Client(), moderator)
    open_now(Client(), moderator, vote)
    start = threading.Barrier(2)
    statuses = []

    def send(choice):
        try:
            browser = Client()
            browser.force_login(reps["Ada"])
            start.wait()
            statuses.append(browser.post(f"/en/network/votes/{vote.pk}/cast/", {
                "choice": choice, "voter": voter_id(vote, "Ada")}).status_code)  # fmt: skip
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in ("yes", "no")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    assert Ballot.objects.filter(vote=vote).count() == 1


@pytest.mark.django_db
def test_a_representative_removed_during_the_vote_no_longer_casts(client, moderator):
    reps = members("Ada")
    vote = prepare(client, moderator)
    open_now(client, moderator, vote)
    Representation.objects.filter(user=reps["Ada"]).update(status="revoked")
    refused = cast(client, reps["Ada"], vote, "yes", voter="Ada")
    assert refused.status_code == 403
    assert "Votes are for the network&#x27;s members." in refused.content.decode()
    assert not Ballot.objects.exists()


@pytest.mark.django_db
def test_the_rules_no_longer_change_once_the_vote_is_open(client, moderator):
    members("Ada")
    vote = prepare(client, moderator)
    open_now(client, moderator, vote)
    page = client.post(f"/en/network/votes/{vote.pk}/edit/", {"question": "Other?"}, follow=True)
    assert "its rules no longer change" in page.content.decode()
    vote.refresh_from_db()
    assert vote.question == "Do we adopt the charter?"


@pytest.mark.django_db
def test_votes_are_for_members_and_set_up_by_the_board(client, moderator):
    reps = members("Ada")
    outsider = UserFactory(username="outsider")
    client.force_login(outsider)
    assert client.get("/en/network/votes/").status_code == 403
    client.force_login(reps["Ada"])
    assert client.get("/en/network/votes/").status_code == 200
    assert client.get("/en/network/votes/new/").status_code == 403
    client.force_login(moderator)
    bad = client.post("/en/network/votes/new/", {"question": "Where?", "kind": "choice",
                                                  "options": "Only one", "quorum": "0",
                                                  "majority": "simple", "results": "after",
                                                  "proxy_cap": "1"})  # fmt: skip
    assert bad.status_code == 400
    assert "Write 2 to 10 options" in bad.content.decode()
    assert bad.context["form"]["question"].value() == "Where?"
    weighted = client.post("/en/network/votes/new/", {
        "question": "Secret?", "kind": "yes-no", "secret": "on", "weighted": "on",
        "quorum": "0", "majority": "simple", "results": "after", "proxy_cap": "1",
    })  # fmt: skip
    assert "A secret ballot is not weighted" in weighted.content.decode()
    assert not Vote.objects.exists()
    # An applicant the board has not approved does not read the votes.
    terms = current_terms()
    terms.approval = True
    terms.save()
    org = atlas_actions.do_create_organisation({"name": "Applicant", "country": "FR"})
    applicant = UserFactory(username="applicant")
    Representation.objects.create(user=applicant, organisation=org, status="granted")
    do_apply(applicant, org, listed=False)
    client.force_login(applicant)
    assert client.get("/en/network/votes/").status_code == 403


@pytest.mark.django_db
def test_a_proposal_supported_past_the_threshold_goes_to_a_vote(client, moderator):
    terms = current_terms()
    terms.support_threshold = 2
    terms.save()
    orgs = {name: member_organisation(name, region) for name, region in
            (("Ada", "Hauts-de-France"), ("Bea", "Hauts-de-France"), ("Cy", "Bretagne"),
             ("Dan", "Hauts-de-France"))}  # fmt: skip
    ada_rep = orgs["Ada"][1]
    client.force_login(ada_rep)
    ada = Membership.objects.get(organisation__name="Ada")
    put = client.post("/en/network/proposals/new/", {
        "author": ada.pk, "kind": "need", "title": "A digital mediator in Arras",
        "text": "Our members need one.", "regional": "on",
    })  # fmt: skip
    assert put.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.region == "Hauts-de-France"
    support = f"/en/network/proposals/{proposal.pk}/support/"
    assert "own proposal" in client.post(support, {"member": ada.pk}, follow=True).content.decode()
    client.force_login(orgs["Cy"][1])
    cy = Membership.objects.get(organisation__name="Cy")
    page = client.post(support, {"member": cy.pk}, follow=True).content.decode()
    assert "Only the members of Hauts-de-France support this proposal." in page
    mail.outbox.clear()
    for name in ("Bea", "Dan"):
        client.force_login(orgs[name][1])
        client.post(support, {"member": Membership.objects.get(organisation__name=name).pk})
    proposal.refresh_from_db()
    assert proposal.state == "vote" and proposal.vote.question == "A digital mediator in Arras"
    assert [m.to for m in mail.outbox] == [[moderator.email]]


@pytest.mark.django_db
def test_proxies_beyond_a_cap_lowered_before_opening_are_not_applied(client, moderator):
    reps = members("Ada Bea")
    vote = prepare(client, moderator, proxy_cap="1")
    ada, bea = (Membership.objects.get(organisation__name=n) for n in ("Ada", "Bea"))
    client.force_login(reps["Ada"])
    client.post(f"/en/network/votes/{vote.pk}/proxy/", {"giver": ada.pk, "holder": bea.pk})
    assert vote.proxies.count() == 1
    client.force_login(moderator)
    page = client.get(f"/en/network/votes/{vote.pk}/edit/")
    fields = {name: value for name, value in page.context["form"].initial.items()
              if value is not None and not isinstance(value, bool)}  # fmt: skip
    minute = "%Y-%m-%dT%H:%M"
    fields.update({"options": "", "proxy_cap": "0",
                   "opens_at": timezone.localtime(vote.opens_at).strftime(minute),
                   "closes_at": timezone.localtime(vote.closes_at).strftime(minute)})  # fmt: skip
    assert client.post(f"/en/network/votes/{vote.pk}/edit/", fields).status_code == 302
    open_now(client, moderator, vote)
    assert not vote.voters.exclude(proxy_holder=None).exists()
    # Ada casts her own ballot.
    receipt_of(cast(client, reps["Ada"], vote, "yes", voter="Ada"))
