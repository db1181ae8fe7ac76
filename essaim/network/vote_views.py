"""The network's democracy: votes (the board sets them up, members give proxies, cast their
ballots, check their receipts, read the results and the minutes) and proposals that members
support until they go to a vote."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from essaim.core.charts import bar_chart
from essaim.core.permissions import NotAllowed, allows, check_moderator

from . import actions
from .actions import proposals as proposal_actions
from .actions import votes as vote_actions
from .forms import ProposalForm, ProxyForm, VoteForm
from .models import Proposal, Vote, Voter
from .tally import majority_needed, results_shown, state_of, tally

BALLOTS_PER_HOUR = "60/h"
PROPOSALS_PER_DAY = "10/d"


@login_required
def votes(request) -> HttpResponseBase:
    vote_actions.check_see_votes(request.user)
    can_manage = allows(check_moderator, request.user)
    now = timezone.now()
    groups: dict[str, list] = {"open": [], "coming": [], "closed": []}
    for vote in Vote.objects.select_related("proposal"):
        state = state_of(vote, now)
        if state == "draft" and not can_manage:
            continue
        group = {"open": "open", "closed": "closed"}.get(state, "coming")
        groups[group].append((vote, state, tally(vote) if state == "closed" else None))
    return render(request, "network/votes.html", {**groups, "can_manage": can_manage})


def _vote(request, pk: int) -> Vote:
    vote_actions.check_see_votes(request.user)
    vote = get_object_or_404(Vote.objects.select_related("proposal"), pk=pk)
    if state_of(vote) == "draft" and not allows(check_moderator, request.user):
        raise NotAllowed(_("This vote is still a draft."))
    return vote


def _results(vote: Vote) -> dict:
    result = tally(vote)
    rows = [(line.label, line.weight, f"{line.weight} ({line.share} %)") for line in result.lines]
    rows.append((_("Abstain"), result.abstentions, str(result.abstentions)))
    return {"result": result, "chart": bar_chart(rows)}


def _vote_page(request, vote: Vote, status: int = 200, error: str = "", typed: dict | None = None,
               receipt: str = ""):  # fmt: skip
    user, now = request.user, timezone.now()
    state = state_of(vote, now)
    mine = vote_actions.active_memberships(user)
    context = {
        "vote": vote, "state": state, "error": error, "typed": typed or {},
        "can_manage": allows(check_moderator, user),
        "needed_example": majority_needed(vote.majority, 10),
        "choices": vote.choices(),
    }  # fmt: skip
    if state == "open":
        ballots = vote_actions.ballots_for(user, vote)
        context["ballots"] = [(voter, getattr(voter, "ballot", None) if not vote.secret else None)
                              for voter in ballots]  # fmt: skip
    if state in ("draft", "scheduled") and mine and vote.proxy_cap:
        given = {p.giver_id: p for p in vote.proxies.select_related("holder")}
        givers = [m for m in mine if m.pk not in given]
        holders = [m for m in actions.current_members() if m not in mine]
        context["proxies_given"] = [given[m.pk] for m in mine if m.pk in given]
        if givers and holders:
            context["proxy_form"] = ProxyForm(givers=givers, holders=holders)
    if vote.opened_at:
        context["electorate"] = vote.voters.count()
    if results_shown(vote, now):
        context.update(_results(vote))
    receipt = receipt.strip()[:40]
    if receipt:
        context["receipt"] = receipt
        context["checked"] = vote_actions.check_receipt(vote, receipt)
    return render(request, "network/vote.html", context, status=status)


@login_required
def vote(request, pk: int) -> HttpResponseBase:
    return _vote_page(request, _vote(request, pk))


def _limited(request, increment: bool) -> bool:
    return is_ratelimited(request, group="network-cast", key="user", rate=BALLOTS_PER_HOUR,
                          method="POST", increment=increment)  # fmt: skip


@require_POST
@login_required
def cast(request, pk: int) -> HttpResponseBase:
    """A ballot cast: its receipt is shown on this answer only (never kept in the session,
    which would tie it to the person). For a secret ballot only refused codes count towards
    the limit: a counter written when a ballot is cast would say who voted when."""
    vote = _vote(request, pk)
    typed = {"choice": request.POST.get("choice", ""), "code": request.POST.get("code", "")[:40],
             "voter": request.POST.get("voter", "")}  # fmt: skip
    if _limited(request, increment=not vote.secret):
        return _vote_page(request, vote, 429, _("Too many attempts: try in an hour."), typed)
    voter = None
    if not vote.secret:
        voter = Voter.objects.filter(vote=vote, pk=typed["voter"] if typed["voter"].isdigit()
                                     else None).first()  # fmt: skip
    try:
        receipt = vote_actions.do_cast(request.user, vote, typed["choice"], voter=voter,
                                       code=typed["code"])  # fmt: skip
    except NotAllowed as refused:
        if vote.secret:
            _limited(request, increment=True)
        return _vote_page(request, vote, 409, refused.reason, typed)
    return render(request, "network/receipt.html", {
        "vote": vote, "receipt": receipt, "voter": voter,
        "choice": dict(vote.choices())[typed["choice"]],
    })  # fmt: skip


@require_POST
@login_required
def check_receipt(request, pk: int) -> HttpResponseBase:
    """Sent, not put in the address: a receipt kept out of logs and the browser's history."""
    return _vote_page(request, _vote(request, pk), receipt=request.POST.get("receipt", ""))


@require_POST
@login_required
def proxy(request, pk: int) -> HttpResponseBase:
    vote = _vote(request, pk)
    mine = vote_actions.active_memberships(request.user)
    try:
        if request.POST.get("withdraw", "").isdigit():
            giver = next((m for m in mine if m.pk == int(request.POST["withdraw"])), None)
            if giver is None:
                raise NotAllowed(_("Only the member itself, or its representatives, do this."))
            vote_actions.do_withdraw_proxy(request.user, vote, giver)
        else:
            form = ProxyForm(request.POST, givers=mine, holders=actions.current_members())
            if not form.is_valid():
                raise NotAllowed(_("Choose the member who holds your proxy."))
            vote_actions.do_give_proxy(request.user, vote, form.cleaned_data["giver"],
                                       form.cleaned_data["holder"])  # fmt: skip
    except NotAllowed as refused:
        messages.error(request, refused.reason)
    else:
        messages.success(request, _("Done."))
    return redirect(vote)


@require_POST
@login_required
def open_now(request, pk: int) -> HttpResponseBase:
    vote = _vote(request, pk)
    try:
        vote_actions.do_open_vote(vote, user=request.user)
    except NotAllowed as refused:
        messages.error(request, refused.reason)
    else:
        messages.success(request, _("The vote is open: the voters have been written to."))
    return redirect(vote)


@login_required
def edit_vote(request, pk: int | None = None) -> HttpResponseBase:
    check_moderator(request.user)
    vote = get_object_or_404(Vote, pk=pk) if pk else Vote()
    if vote.opened_at:
        messages.error(request, _("This vote has opened: its rules no longer change."))
        return redirect(vote)
    form = VoteForm(request.POST or None, instance=vote)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                vote_actions.do_save_vote(request.user, form.instance)
            except NotAllowed as refused:
                form.add_error(None, refused.reason)
                status = 409
            else:
                messages.success(request, _("The vote is saved."))
                return redirect(form.instance)
        else:
            status = 400
    return render(request, "network/vote_form.html", {"form": form, "vote": vote}, status=status)


@login_required
def minutes(request, pk: int) -> HttpResponseBase:
    """The printable record of a closed vote: its rules, voters, proxies, results."""
    vote = _vote(request, pk)
    if not results_shown(vote) or state_of(vote) != "closed":
        raise NotAllowed(_("The minutes are written once the vote has closed."))
    voters = list(vote.voters.select_related("proxy_holder"))
    labels = dict(vote.choices())
    cast = {} if vote.secret else dict(vote.ballots.values_list("voter_id", "choice"))
    return render(request, "network/minutes.html", {
        "vote": vote, **_results(vote), "choices": vote.choices(),
        "needed_example": majority_needed(vote.majority, 10),
        "voters": [(voter, labels.get(cast.get(voter.pk))) for voter in voters],
        "proxies": [voter for voter in voters if voter.proxy_holder_id],
    })  # fmt: skip


@login_required
def proposals(request) -> HttpResponseBase:
    vote_actions.check_see_votes(request.user)
    rows = Proposal.objects.select_related("author__organisation", "author__person", "vote")
    return render(request, "network/proposals.html", {
        "proposals": rows.exclude(state=Proposal.State.WITHDRAWN),
        "threshold": actions.current_terms().support_threshold,
        "can_propose": bool(vote_actions.active_memberships(request.user)),
    })  # fmt: skip


@login_required
@ratelimit(key="user", rate=PROPOSALS_PER_DAY, method="POST", block=False)
def propose(request) -> HttpResponseBase:
    authors = vote_actions.active_memberships(request.user)
    if not authors:
        raise NotAllowed(_("Only a current member, through its representatives, proposes."))
    form = ProposalForm(request.POST or None, authors=authors)
    status = 200
    if request.method == "POST":
        if getattr(request, "limited", False):
            form.add_error(None, _("Too many proposals today: try tomorrow."))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                proposal = proposal_actions.do_propose(
                    request.user, data["author"], data["kind"], data["title"], data["text"],
                    data["regional"],
                )  # fmt: skip
            except NotAllowed as refused:
                form.add_error(None, refused.reason)
                status = 409
            else:
                messages.success(request, _("Your proposal is put forward."))
                return redirect(proposal)
        else:
            status = 400
    return render(request, "network/propose.html", {
        "form": form, "threshold": actions.current_terms().support_threshold,
    }, status=status)  # fmt: skip


@login_required
def proposal(request, pk: int) -> HttpResponseBase:
    vote_actions.check_see_votes(request.user)
    item = get_object_or_404(
        Proposal.objects.select_related("author__organisation", "author__person"), pk=pk
    )
    mine = vote_actions.active_memberships(request.user)
    supported = set(item.supports.values_list("membership_id", flat=True))
    return render(request, "network/proposal.html", {
        "proposal": item, "supports": item.supports.count(),
        "threshold": actions.current_terms().support_threshold,
        "may_support": [m for m in mine if m.pk not in supported
                        and allows(proposal_actions.check_support, m, item)],
        "supported": [m for m in mine if m.pk in supported],
        "is_author": any(m.pk == item.author_id for m in mine),
        "vote": Vote.objects.filter(proposal=item).first(),
    })  # fmt: skip


@require_POST
@login_required
def support(request, pk: int) -> HttpResponseBase:
    item = get_object_or_404(Proposal, pk=pk)
    mine = {str(m.pk): m for m in vote_actions.active_memberships(request.user)}
    try:
        if request.POST.get("withdraw") == "on":
            proposal_actions.do_withdraw(request.user, item)
            messages.success(request, _("Your proposal is withdrawn."))
        else:
            member = mine.get(request.POST.get("member", ""))
            if member is None:
                raise NotAllowed(_("Only a current member, through its representatives, supports."))
            if proposal_actions.do_support(request.user, item, member):
                messages.success(request, _("Thank you: with this support, it goes to a vote."))
            else:
                messages.success(request, _("Thank you for your support."))
    except NotAllowed as refused:
        messages.error(request, refused.reason)
    return redirect(item)
