"""The demo network's democracy, once: a past vote with its results, a proposal gathering
support, an announcement sent in four languages."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ..models import Announcement, Ballot, Proposal, Support, Vote, Voter
from . import current_members


def do_record_demo_governance(vote_question: str, vote_explanation: str, ballots: list[str],
                              proposal: tuple[str, str], texts: dict) -> bool:  # fmt: skip
    """`ballots`: the choices of the current members, in the order of their names."""
    if Vote.objects.exists() or Announcement.objects.exists():
        return False
    members = current_members()
    now = timezone.now()
    with transaction.atomic():
        vote = Vote.objects.create(
            question=vote_question, explanation=vote_explanation, quorum=50,
            majority=Vote.Majority.TWO_THIRDS, proxy_cap=1,
            opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=23),
            opened_at=now - timedelta(days=30), closed_at=now - timedelta(days=23),
        )  # fmt: skip
        voters = Voter.objects.bulk_create(
            Voter(vote=vote, membership=m, name=m.name) for m in members
        )  # fmt: skip
        for voter, choice in zip(voters, ballots, strict=False):
            receipt = hashlib.sha256(secrets.token_hex(8).encode()).hexdigest()
            Ballot.objects.create(vote=vote, voter=voter, choice=choice, receipt=receipt,
                                  cast_at=now - timedelta(days=26))  # fmt: skip
        if members:
            title, text = proposal
            item = Proposal.objects.create(author=members[0], title=title, text=text,
                                           created_on=now.date() - timedelta(days=5))  # fmt: skip
            for member in members[1:2]:
                Support.objects.create(proposal=item, membership=member, on=now.date())
        Announcement.objects.create(
            texts=texts, state=Announcement.State.SENT, sent_at=now - timedelta(days=10),
            finished_at=now - timedelta(days=10), recipients=len(members),
            delivered=len(members),
        )  # fmt: skip
    return True
