"""Proposals and needs of the territories: a member puts one forward, other members support
it (those of its region when it is regional), and past the network's threshold it goes to
the board as a vote to schedule."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.core.actions import audit
from essaim.core.mail import mail_after_commit
from essaim.core.permissions import NotAllowed

from ..models import Membership, Proposal, Support, Vote
from . import current_terms, is_member_itself
from .votes import active_memberships


def region_of(membership: Membership) -> str:
    return membership.organisation.region if membership.organisation_id else ""


def do_propose(user, author: Membership, kind: str, title: str, text: str,
               regional: bool) -> Proposal:  # fmt: skip
    if author not in active_memberships(user):
        raise NotAllowed(_("Only a current member, through its representatives, proposes."))
    region = region_of(author) if regional else ""
    if regional and not region:
        raise NotAllowed(_("Your organisation's page in the atlas gives no region: complete it "
                           "first, or address the whole network."))  # fmt: skip
    with transaction.atomic():
        proposal = Proposal.objects.create(author=author, put_by=user, kind=kind, title=title,
                                           text=text, region=region,
                                           created_on=timezone.localdate())  # fmt: skip
        audit("proposal.created", proposal, actor=user)
    return proposal


def check_support(membership: Membership, proposal: Proposal) -> None:
    """A member supports the proposals of others, of its region when they are regional."""
    if membership.pk == proposal.author_id:
        raise NotAllowed(_("A member does not support its own proposal."))
    if proposal.region and region_of(membership) != proposal.region:
        raise NotAllowed(_("Only the members of %(region)s support this proposal.")
                         % {"region": proposal.region})  # fmt: skip


def do_support(user, proposal: Proposal, membership: Membership) -> bool:
    """One support a member; returns True when this one sent the proposal to a vote."""
    if membership not in active_memberships(user):
        raise NotAllowed(_("Only a current member, through its representatives, supports."))
    check_support(membership, proposal)
    try:
        with transaction.atomic():
            locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
            if locked.state != Proposal.State.OPEN:
                raise NotAllowed(_("This proposal no longer gathers support."))
            Support.objects.create(proposal=locked, membership=membership, by=user,
                                   on=timezone.localdate())  # fmt: skip
            audit("proposal.supported", locked, actor=user, detail={"member": membership.pk})
            if locked.supports.count() < current_terms().support_threshold:
                return False
            _to_vote(locked)
            return True
    except IntegrityError:
        raise NotAllowed(_("Your member supports it already.")) from None


def _to_vote(proposal: Proposal) -> None:
    proposal.state = Proposal.State.VOTE
    proposal.save(update_fields=["state"])
    vote = Vote.objects.create(question=proposal.title[:300], explanation=proposal.text,
                               proposal=proposal)  # fmt: skip
    audit("proposal.to-vote", proposal, detail={"vote": vote.pk})
    moderators = User.objects.filter(is_moderator=True, is_active=True)
    mail_after_commit("network/email/proposal_to_vote", settings.LANGUAGE_CODE,
                      [m.email for m in moderators], proposal=proposal, vote=vote)  # fmt: skip


def do_withdraw(user, proposal: Proposal) -> None:
    if not is_member_itself(user, proposal.author):
        raise NotAllowed(_("Only the member who put it forward withdraws it."))
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.state != Proposal.State.OPEN:
            raise NotAllowed(_("This proposal has gone to a vote: it stays."))
        proposal.state = Proposal.State.WITHDRAWN
        proposal.save(update_fields=["state"])
        audit("proposal.withdrawn", proposal, actor=user)
