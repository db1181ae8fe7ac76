"""The pages of mentoring and internship programmes: the animator's round (participants,
the proposed stable assignment, its confirmation) and each participant's ranking."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from essaim.contributions.actions import represented_by

from . import actions
from .forms import ParticipantForm, ProgrammeForm, WeightsForm
from .models import Participant, Programme
from .programmes import sides_of, stable_assignment
from .scoring import weights
from .views import NUMBER


@login_required
def programmes(request) -> HttpResponseBase:
    user = request.user
    form = None
    if user.can_moderate:
        form = ProgrammeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            made = actions.do_create_programme(user, **form.cleaned_data)
            return redirect("help-programme", pk=made.pk)
        found = Programme.objects.all()
    else:
        represented = represented_by(user).values("pk")
        found = Programme.objects.filter(
            Q(participants__profile__user=user)
            | Q(participants__need__organisation__in=represented)
        ).distinct()
    return render(request, "matching/programmes.html", {"programmes": found, "form": form})


def _mine(user, programme: Programme) -> list[Participant]:
    return [
        p
        for p in programme.participants.select_related("need__organisation", "profile")
        if actions.is_participant(user, p)
    ]


@login_required
def programme(request, pk: int) -> HttpResponseBase:
    found = get_object_or_404(Programme, pk=pk)
    animates = request.user.can_moderate
    mine = _mine(request.user, found)
    if not animates and not mine:
        actions.check_animate(request.user)
    context = {"programme": found, "animates": animates, "mine": mine, "form": None,
               "sides": None, "pairs": []}  # fmt: skip
    if animates:
        form = ParticipantForm(request.POST or None, programme=found)
        if request.method == "POST" and request.POST.get("action") == "add" and form.is_valid():
            actions.do_add_participant(request.user, found, **form.cleaned_data)
            messages.success(request, _("Added to the programme."))
            return redirect("help-programme", pk=found.pk)
        if request.method == "POST" and request.POST.get("action") == "propose":
            actions.do_propose_assignment(request.user, found, stable_assignment(sides_of(found)))
            return redirect("help-programme", pk=found.pk)
        if request.method == "POST" and request.POST.get("action") == "confirm":
            made = actions.do_confirm_assignment(request.user, found)
            messages.success(request, _("Confirmed: %(n)s requests accepted on both sides.")
                             % {"n": len(made)})  # fmt: skip
            return redirect("help-programme", pk=found.pk)
        context["form"] = form
        sides = sides_of(found)
        by_id = {p.pk: p for p in [*sides.hosts, *sides.guests]}
        context["sides"] = sides
        context["participants"] = [
            (p, "host" if p in sides.hosts else "guest") for p in by_id.values()
        ]
        context["pairs"] = [
            (by_id[h], by_id[g], sides.scores.get((h, g)))
            for h, g in found.proposal if h in by_id and g in by_id
        ]  # fmt: skip
    return render(request, "matching/programme.html", context)


@login_required
def rank(request, pk: int, participant: int) -> HttpResponseBase:
    found = get_object_or_404(
        Participant.objects.select_related("programme", "need__organisation", "profile"),
        pk=participant, programme=pk,
    )  # fmt: skip
    actions.check_rank(request.user, found)
    sides = sides_of(found.programme)
    others = [
        p for p in [*sides.hosts, *sides.guests] if (p.need_id is None) == bool(found.need_id)
    ]
    order = sides.rankings.get(found.pk) or sides.suggested[found.pk]
    others.sort(key=lambda o: order.index(o.pk) if o.pk in order else len(order))
    if request.method == "POST":
        chosen = []
        for other in others:
            value = request.POST.get(f"rank_{other.pk}", "")
            if NUMBER.fullmatch(value):
                chosen.append((int(value), other.pk))
        actions.do_rank(request.user, found, [pk for _n, pk in sorted(chosen)])
        messages.success(request, _("Your ranking is saved."))
        return redirect("help-programme", pk=found.programme_id)
    positions = {pk: n for n, pk in enumerate(order, 1)}
    rows = [(o, positions.get(o.pk), _score(sides, found, o)) for o in others]
    context = {"participant": found, "rows": rows, "choices": range(1, len(others) + 1)}
    return render(request, "matching/rank.html", context)


def _score(sides, one: Participant, other: Participant) -> int | None:
    return sides.scores.get((one.pk, other.pk), sides.scores.get((other.pk, one.pk)))


@login_required
def weights_page(request) -> HttpResponseBase:
    """The moderators tune the weights of the score's parts (docs/matching.md)."""
    actions.check_animate(request.user)
    form = WeightsForm(request.POST or None, current=weights())
    if request.method == "POST" and request.POST.get("action") == "reset":
        actions.do_set_weights(request.user, {})
        messages.success(request, _("The weights are back to their defaults."))
        return redirect("help-weights")
    if request.method == "POST" and form.is_valid():
        actions.do_set_weights(request.user, dict(form.cleaned_data))
        messages.success(request, _("The weights are saved: suggestions use them at once."))
        return redirect("help-weights")
    return render(request, "matching/weights.html", {"form": form})
