"""Every write of a vote: the board sets it up, members give proxies before it opens, the list
of voters is frozen when it opens, ballots are cast (once a member), and it closes with its
results announced.

A secret ballot is kept unlinkable from its voter: when the vote opens, one voting code a voter
is made in a single batch, in random order, stored only as digests and sent by mail (the code
exists nowhere else); a ballot is cast with a code, marks the code (never the voter) used, and
is written with no voter and no time; at closing the ballot box is shaken (its rows written
again in random order), so that neither the rows' order nor the database's transaction numbers
tell who voted when."""

import hashlib
import random
import secrets
from datetime import datetime

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from essaim.contributions.actions import represented_by
from essaim.core.actions import audit
from essaim.core.mail import mail_after_commit
from essaim.core.permissions import NotAllowed, allows, check_moderator

from ..models import ACTIVE, Ballot, Credential, Membership, Proxy, Vote, Voter
from ..tally import state_of, tally
from . import addresses_of, current_members, current_terms, is_member_itself

# What the board sets before a vote opens.
RULES = ["question", "explanation", "kind", "options", "secret", "results", "opens_at",
         "closes_at", "quorum", "majority", "proxy_cap", "weighted", "created_by"]  # fmt: skip
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed again
CODE_LENGTH = 16
RECEIPT_LENGTH = 12


def new_code(length: int) -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _n in range(length))
    return "-".join(raw[i : i + 4] for i in range(0, length, 4))


def digest(code: str) -> str:
    """The same for a code typed in lower case, with spaces or without its dashes."""
    plain = "".join(c for c in code.upper() if c.isalnum())
    return hashlib.sha256(plain.encode()).hexdigest()


def memberships_of(user) -> models.QuerySet:
    """The memberships a person acts for, whatever their status: their own, and those of
    the organisations they represent."""
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(
        Q(person=user) | Q(organisation__in=represented_by(user))
    ).select_related("organisation", "person")


def active_memberships(user) -> list[Membership]:
    """The members a person acts for today."""
    terms, today = current_terms(), timezone.localdate()
    return [m for m in memberships_of(user) if m.status_on(today, terms) in ACTIVE]


def check_see_votes(user) -> None:
    """The board, and the people who act for a member once approved (a former member reads
    its past votes; an applicant does not)."""
    if not (allows(check_moderator, user)
            or memberships_of(user).filter(approved_on__isnull=False).exists()):  # fmt: skip
        raise NotAllowed(_("Votes are for the network's members."))


def do_save_vote(user, vote: Vote) -> Vote:
    """The board writes or changes a vote, until it opens."""
    check_moderator(user)
    with transaction.atomic():
        if vote.pk:
            locked = Vote.objects.select_for_update().get(pk=vote.pk)
            if locked.opened_at is not None:
                raise NotAllowed(_("This vote has opened: its rules no longer change."))
            vote.save(update_fields=RULES)  # never what opening and closing write
        else:
            vote.created_by = user
            vote.save()
        audit("vote.saved", vote, actor=user)
    return vote


def _voter_weight(vote: Vote, membership: Membership) -> int:
    return membership.weight if vote.weighted else 1


def do_give_proxy(user, vote: Vote, giver: Membership, holder: Membership) -> Proxy:
    """Before the vote opens, a member asks another to vote for it: no chains (a holder gives
    none, a giver holds none), at most the vote's cap a holder."""
    if not is_member_itself(user, giver):
        raise NotAllowed(_("Only the member itself, or its representatives, do this."))
    with transaction.atomic():
        vote = Vote.objects.select_for_update().get(pk=vote.pk)  # one proxy at a time
        if vote.opened_at is not None:
            raise NotAllowed(_("Proxies are given before the vote opens."))
        if not vote.proxy_cap:
            raise NotAllowed(_("This vote takes no proxies."))
        active = {m.pk for m in active_memberships(user)}
        terms, today = current_terms(), timezone.localdate()
        if giver.pk not in active or holder.status_on(today, terms) not in ACTIVE:
            raise NotAllowed(_("Both members must be current members."))
        if holder.pk == giver.pk:
            raise NotAllowed(_("Choose another member."))
        proxies = vote.proxies.all()
        if proxies.filter(giver=giver).exists():
            raise NotAllowed(_("Your member has already given its proxy: withdraw it first."))
        if proxies.filter(holder=giver).exists():
            raise NotAllowed(_("Your member holds a proxy: it cannot give its own (no chains)."))
        if proxies.filter(giver=holder).exists():
            raise NotAllowed(_("%(name)s has given its own proxy: it cannot hold one (no chains).")
                             % {"name": holder.name})  # fmt: skip
        if proxies.filter(holder=holder).count() >= vote.proxy_cap:
            raise NotAllowed(_("%(name)s already holds %(cap)d proxies, the most this vote allows.")
                             % {"name": holder.name, "cap": vote.proxy_cap})  # fmt: skip
        proxy = Proxy.objects.create(vote=vote, giver=giver, holder=holder, given_by=user)
        audit("vote.proxy", vote, actor=user, detail={"giver": giver.pk, "holder": holder.pk})
    mail_after_commit("network/email/proxy", holder.language, addresses_of(holder), vote=vote,
                      giver=giver.name)  # fmt: skip
    return proxy


def do_withdraw_proxy(user, vote: Vote, giver: Membership) -> None:
    if not is_member_itself(user, giver):
        raise NotAllowed(_("Only the member itself, or its representatives, do this."))
    with transaction.atomic():
        vote = Vote.objects.select_for_update().get(pk=vote.pk)
        if vote.opened_at is not None:
            raise NotAllowed(_("The vote has opened: its proxies no longer change."))
        deleted, _rows = vote.proxies.filter(giver=giver).delete()
        if deleted:
            audit("vote.proxy-withdrawn", vote, actor=user, detail={"giver": giver.pk})


def do_open_vote(vote: Vote, user=None, now: datetime | None = None) -> bool:
    """Freeze the voters (the current members) and their proxies, make the secret ballot's
    codes, tell the voters. `user`: the board opens it now. False: it was open already."""
    now = now or timezone.now()
    if user is not None:
        check_moderator(user)
    with transaction.atomic():
        vote = Vote.objects.select_for_update().get(pk=vote.pk)
        if vote.opened_at is not None:
            return False
        if vote.closes_at is None or vote.closes_at <= now:
            raise NotAllowed(_("Set its closing date, after now, before it opens."))
        if user is not None or vote.opens_at is None or vote.opens_at > now:
            vote.opens_at = now
        members = current_members()
        voters = Voter.objects.bulk_create(
            Voter(vote=vote, membership=m, name=m.name, weight=_voter_weight(vote, m))
            for m in members
        )  # fmt: skip
        by_member = {voter.membership_id: voter for voter in voters}
        held: dict[int, int] = {}
        # The earliest proxies within the cap (the board may have lowered it since).
        for proxy in vote.proxies.order_by("given_at", "id"):
            if (
                proxy.giver_id in by_member
                and proxy.holder_id in by_member
                and held.get(proxy.holder_id, 0) < vote.proxy_cap
            ):
                by_member[proxy.giver_id].proxy_holder = by_member[proxy.holder_id]
                held[proxy.holder_id] = held.get(proxy.holder_id, 0) + 1
        Voter.objects.bulk_update(voters, ["proxy_holder"])
        vote.opened_at = now
        vote.save(update_fields=["opens_at", "opened_at"])
        audit("vote.opened", vote, actor=user, detail={"voters": len(voters)})
        members_by_pk = {m.pk: m for m in members}
        if vote.secret:
            _issue_codes(vote, voters, members_by_pk)
        else:
            for voter in voters:
                _tell_voter(vote, voter, members_by_pk, "network/email/vote_opened")
    return True


def _tell_voter(vote: Vote, voter: Voter, members: dict, template: str, **context) -> None:
    """A voter hears itself, and through its proxy's holder if it gave one (either may cast:
    the first ballot counts, and the giver votes itself if its holder can no longer)."""
    member = members[voter.membership_id]
    mail_after_commit(template, member.language, addresses_of(member), vote=vote,
                      voter=voter.name, by_proxy=False, **context)  # fmt: skip
    if voter.proxy_holder is not None and voter.proxy_holder.membership_id in members:
        holder = members[voter.proxy_holder.membership_id]
        mail_after_commit(template, holder.language, addresses_of(holder), vote=vote,
                          voter=voter.name, by_proxy=True, **context)  # fmt: skip


def _issue_codes(vote: Vote, voters: list[Voter], members: dict) -> None:
    codes = [(voter, new_code(CODE_LENGTH)) for voter in voters]
    rows = [Credential(vote=vote, digest=digest(code), weight=voter.weight)
            for voter, code in codes]  # fmt: skip
    random.SystemRandom().shuffle(rows)
    Credential.objects.bulk_create(rows)
    for voter, code in codes:
        _tell_voter(vote, voter, members, "network/email/vote_code", code=code)


def ballots_for(user, vote: Vote) -> list[Voter]:
    """The frozen voters a person may cast for now: the members they act for that are still
    members — unless they gave a proxy to a member that still is — and those whose proxy
    these members hold."""
    mine = {m.pk for m in active_memberships(user)}
    if not mine:
        return []
    voters = list(vote.voters.select_related("proxy_holder").filter(
        Q(membership__in=mine) | Q(proxy_holder__membership__in=mine)
    ))  # fmt: skip
    # The others' memberships, read once: is a holder, or a giver, still a member?
    others = {v.proxy_holder.membership_id for v in voters if v.proxy_holder} | {
        v.membership_id for v in voters} - mine  # fmt: skip
    still = {m.pk for m in active_among(others)} | mine
    found = []
    for voter in voters:
        if voter.membership_id in mine:
            holder = voter.proxy_holder
            if holder is None or vote.secret or holder.membership_id not in still:
                found.append(voter)
        elif vote.secret or voter.membership_id in still:
            found.append(voter)
    return found


def active_among(pks) -> list[Membership]:
    terms, today = current_terms(), timezone.localdate()
    return [m for m in Membership.objects.filter(pk__in=pks)
            if m.status_on(today, terms) in ACTIVE]  # fmt: skip


def _still_member(voter: Voter) -> bool:
    return bool(active_among([voter.membership_id]))


def _check_open(vote: Vote, now: datetime) -> None:
    state = state_of(vote, now)
    if state == "closed":
        raise NotAllowed(_("This vote closed on %(date)s: the ballot was not counted.")
                         % {"date": formats.date_format(timezone.localtime(vote.closes_at),
                                                        "DATETIME_FORMAT")})  # fmt: skip
    if state != "open":
        raise NotAllowed(_("This vote has not opened yet."))


def do_cast(user, vote: Vote, choice: str, voter: Voter | None = None, code: str = "") -> str:
    """Cast a ballot, once: for a public vote, for `voter`; for a secret one, with a voting
    code. Returns the receipt, shown once to the person who cast it."""
    now = timezone.now()
    _check_open(vote, now)
    if choice not in dict(vote.choices()):
        raise NotAllowed(_("Choose one of the options."))
    receipt = new_code(RECEIPT_LENGTH)
    if vote.secret:
        _cast_secret(user, vote, choice, code, receipt)
    else:
        _cast_public(user, vote, choice, voter, receipt, now)
    return receipt


def _cast_secret(user, vote: Vote, choice: str, code: str, receipt: str) -> None:
    # Who casts is checked (a person who no longer acts for any voter cannot), never written.
    if not ballots_for(user, vote):
        raise NotAllowed(_("You no longer act for a member who votes here."))
    key = digest(code)
    with transaction.atomic():
        _check_open(Vote.objects.select_for_update().get(pk=vote.pk), timezone.now())
        taken = Credential.objects.filter(vote=vote, digest=key, used=False).update(used=True)
        if not taken:
            if Credential.objects.filter(vote=vote, digest=key).exists():
                raise NotAllowed(_("This voting code has been used already: one ballot a code."))
            raise NotAllowed(_("This is not a voting code of this vote: check it in your mail."))
        weight = Credential.objects.get(vote=vote, digest=key).weight
        Ballot.objects.create(vote=vote, choice=choice, weight=weight, receipt=digest(receipt))


def _cast_public(user, vote: Vote, choice: str, voter: Voter | None, receipt: str,
                 now: datetime) -> None:  # fmt: skip
    if voter is None or voter.vote_id != vote.pk:
        raise NotAllowed(_("Choose the member you vote for."))
    if voter not in ballots_for(user, vote):
        if voter.membership_id and not _still_member(voter):
            raise NotAllowed(_("%(name)s is no longer a member: it no longer votes.")
                             % {"name": voter.name})  # fmt: skip
        raise NotAllowed(_("You do not act for %(name)s in this vote.") % {"name": voter.name})
    try:
        with transaction.atomic():
            _check_open(Vote.objects.select_for_update().get(pk=vote.pk), timezone.now())
            Ballot.objects.create(vote=vote, voter=voter, choice=choice, weight=voter.weight,
                                  receipt=digest(receipt), cast_by=user, cast_at=now)  # fmt: skip
            audit("vote.cast", vote, actor=user, detail={"voter": voter.pk})
    except IntegrityError:  # the same member's ballot sent twice at once
        raise NotAllowed(_("%(name)s has voted already: one ballot a member.")
                         % {"name": voter.name}) from None  # fmt: skip


def check_receipt(vote: Vote, receipt: str) -> Ballot | None:
    return vote.ballots.filter(receipt=digest(receipt)).first()


def do_close_vote(vote: Vote, now: datetime | None = None) -> bool:
    """Once its time is over: shake a secret ballot box, announce the results to the voters.
    False: not over yet, or closed already."""
    now = now or timezone.now()
    with transaction.atomic():
        vote = Vote.objects.select_for_update().get(pk=vote.pk)
        if vote.opened_at is None or vote.closed_at is not None or now < vote.closes_at:
            return False
        if vote.secret:
            kept = list(vote.ballots.values("choice", "weight", "receipt"))
            vote.ballots.all().delete()
            random.SystemRandom().shuffle(kept)
            Ballot.objects.bulk_create(Ballot(vote=vote, **row) for row in kept)
        vote.closed_at = now
        vote.save(update_fields=["closed_at"])
        audit("vote.closed", vote)
        result = tally(vote)
        voters = list(vote.voters.select_related("proxy_holder"))
        members = Membership.objects.in_bulk(
            {v.membership_id for v in voters}
            | {v.proxy_holder.membership_id for v in voters if v.proxy_holder}  # fmt: skip
        )
        for voter in voters:
            if voter.membership_id in members and (
                voter.proxy_holder is None or voter.proxy_holder.membership_id in members
            ):
                _tell_voter(vote, voter, members, "network/email/vote_results", result=result)
    return True


def do_run_votes(now: datetime | None = None) -> tuple[int, int]:
    """What the scheduler does every few minutes: open the votes whose time has come, close
    those whose time is over. Returns (opened, closed)."""
    now = now or timezone.now()
    due = Vote.objects.filter(opened_at=None, opens_at__lte=now, closes_at__gt=now)
    opened = sum(do_open_vote(vote, now=now) for vote in due)
    over = Vote.objects.filter(opened_at__isnull=False, closed_at=None, closes_at__lte=now)
    closed = sum(do_close_vote(vote, now=now) for vote in over)
    return opened, closed
