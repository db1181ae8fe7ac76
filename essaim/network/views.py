"""The network's pages: who its members are and how to join; the register its moderators
keep (applications, fees, decisions), each member's page with its history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_countries import countries
from django_ratelimit.decorators import ratelimit

from essaim.atlas.models import Status as OrganisationStatus
from essaim.contributions.actions import represented_by
from essaim.core.permissions import NotAllowed, allows, check_moderator

from . import actions
from .actions.votes import active_memberships
from .forms import ApplyForm, PaymentForm, ReasonForm, TermsForm, WeightForm
from .models import ACTIVE, Membership, Status

APPLICATIONS_PER_HOUR = "10/h"


def _with_status(memberships) -> list[tuple[Membership, str]]:
    terms, today = actions.current_terms(), timezone.localdate()
    return [(m, m.status_on(today, terms)) for m in memberships]


def network(request) -> HttpResponseBase:
    """The members who agreed to be listed, the terms, and how to join."""
    terms = actions.current_terms()
    everyone = _with_status(Membership.objects.select_related("organisation", "person"))
    # Only the organisations the atlas shows (a hidden one is listed nowhere).
    published = OrganisationStatus.PUBLISHED
    shown = [(m, status) for m, status in everyone if status in ACTIVE and (
        m.organisation is None or m.organisation.status == published)]  # fmt: skip
    listed = sorted((m for m, _status in shown if m.listed), key=lambda m: m.name.casefold())
    return render(request, "network/network.html", {
        "terms": terms,
        "listed": listed,
        "members": len(shown),
        "countries": [countries.name(code) for code in terms.countries],
        "families": terms.families.all(),
        "legal_forms": terms.legal_forms.all(),
        "can_manage": allows(check_moderator, request.user),
        "is_member": bool(active_memberships(request.user)),
    })  # fmt: skip


@login_required
@ratelimit(key="user", rate=APPLICATIONS_PER_HOUR, method="POST", block=False)
def join(request) -> HttpResponseBase:
    organisations = list(represented_by(request.user).published())
    form = ApplyForm(request.POST or None, organisations=organisations)
    status = 200
    if request.method == "POST":
        if getattr(request, "limited", False):
            form.add_error(None, _("Too many applications: try in an hour."))
            status = 429
        elif form.is_valid():
            try:
                membership = actions.do_apply(request.user, form.organisation(),
                                              form.cleaned_data["listed"])  # fmt: skip
            except NotAllowed as refused:
                form.add_error(None, refused.reason)
                status = 409
            else:
                messages.success(request, _("Thank you: your application is recorded."))
                return redirect(membership)
        else:
            status = 400
    return render(request, "network/join.html", {
        "form": form, "terms": actions.current_terms(),
    }, status=status)  # fmt: skip


@login_required
def register(request) -> HttpResponseBase:
    """Every member with its status, for the moderators, filtered by status."""
    check_moderator(request.user)
    wanted = request.GET.get("status", "")
    rows = _with_status(Membership.objects.select_related("organisation", "person"))
    counts = {code: sum(1 for _m, s in rows if s == code) for code in Status.values}
    if wanted in Status.values:
        rows = [(m, s) for m, s in rows if s == wanted]
    return render(request, "network/register.html", {
        "rows": sorted(rows, key=lambda row: row[0].name.casefold()),
        "statuses": [(code, label, counts[code]) for code, label in Status.choices],
        "wanted": wanted,
    })  # fmt: skip


def _member(request, pk: int) -> Membership:
    membership = get_object_or_404(Membership.objects.select_related("organisation", "person"),
                                   pk=pk)  # fmt: skip
    actions.check_see_member(request.user, membership)
    return membership


@login_required
def member(request, pk: int) -> HttpResponseBase:
    membership = _member(request, pk)
    terms = actions.current_terms()
    return render(request, "network/member.html", {
        "membership": membership,
        "status": actions.status_of(membership),
        "statuses": dict(Status.choices),
        "history": membership.history.select_related("by"),
        "payments": membership.payments.all(),
        "terms": terms,
        "can_manage": allows(check_moderator, request.user),
        "is_member": actions.is_member_itself(request.user, membership),
        "payment": PaymentForm(initial={"paid_on": timezone.localdate(), "amount": terms.fee}),
        "reason": ReasonForm(),
        "weight": WeightForm(initial={"weight": membership.weight}),
    })  # fmt: skip


@require_POST
@login_required
def decide(request, pk: int) -> HttpResponseBase:
    """Approve, refuse, record a fee, exclude, reinstate, resign, list or unlist."""
    membership = _member(request, pk)
    step = request.POST.get("step", "")
    try:
        if step in ("refuse", "exclude"):
            form = ReasonForm(request.POST)
            if not form.is_valid():
                raise NotAllowed(_("Give the reason: the member will read it."))
            do = actions.do_refuse if step == "refuse" else actions.do_exclude
            do(request.user, membership, form.cleaned_data["reason"])
        elif step == "pay":
            form = PaymentForm(request.POST)
            if not form.is_valid():
                raise NotAllowed(" ".join(e for errors in form.errors.values() for e in errors))
            actions.do_record_payment(request.user, membership, form.cleaned_data["paid_on"],
                                      form.cleaned_data["amount"])  # fmt: skip
        elif step == "resign":
            if request.POST.get("confirm") != "on":
                raise NotAllowed(_("Tick the box to confirm the resignation."))
            actions.do_resign(request.user, membership)
        elif step in ("approve", "reinstate"):
            {"approve": actions.do_approve,
             "reinstate": actions.do_reinstate}[step](request.user, membership)  # fmt: skip
        elif step == "weight":
            form = WeightForm(request.POST)
            if not form.is_valid():
                raise NotAllowed(" ".join(e for errors in form.errors.values() for e in errors))
            actions.do_set_weight(request.user, membership, form.cleaned_data["weight"])
        elif step in ("list", "unlist"):
            actions.do_set_listed(request.user, membership, step == "list")
        else:
            raise NotAllowed(_("Unknown step."))
    except NotAllowed as refused:
        messages.error(request, refused.reason)
    else:
        messages.success(request, _("Done."))
    return redirect(membership)


@login_required
def terms(request) -> HttpResponseBase:
    check_moderator(request.user)
    current = actions.current_terms()
    form = TermsForm(request.POST or None, instance=current)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            actions.do_save_terms(request.user, form.instance, list(form.cleaned_data["families"]),
                                  list(form.cleaned_data["legal_forms"]))  # fmt: skip
            messages.success(request, _("The terms are saved."))
            return redirect("network")
        status = 400
    return render(request, "network/terms.html", {"form": form}, status=status)
