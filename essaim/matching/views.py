"""The pages of needs and offers: the board of open needs, posting a need (from a diagnostic's
gap too), its suggestions, a volunteer's profile and the needs that fit it, requests and their
answers — signed in, or from the email's link."""

import csv
import re
from collections import Counter
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_countries import countries
from django_ratelimit.decorators import ratelimit

from essaim.atlas.models import Organisation
from essaim.competences.models import Competence
from essaim.contributions.actions import represented_by
from essaim.core.basemap import basemap_context
from essaim.core.permissions import NotAllowed, allows
from essaim.core.spreadsheets import csv_download, safe_cell
from essaim.diagnostics.questionnaire import questionnaire

from . import actions
from .facts import need_facts, profile_facts, provider_facts
from .forms import AnswerForm, FeedbackForm, MessageForm, NeedFilters, NeedForm, ProfileForm
from .models import NEED_EDITABLE, Contact, Need, Profile, hours_band
from .scoring import score
from .suggestions import needs_for, offers_for

ASKS_PER_HOUR = "20/h"
PER_PAGE = 20
SUGGESTIONS_SHOWN = 10
# An id in a form or a query string: ASCII digits only ("²" is a digit to str.isdigit).
NUMBER = re.compile(r"[0-9]{1,18}")
MAP_POINTS = 500


def _sides() -> dict:
    need, helper = _("For the organisation"), _("For the one who helps")
    return {"sides_both": [("need", need), ("offer", helper)],
            "sides_volunteer": [("offer", helper), ("need", need)]}  # fmt: skip


def _represented(user) -> list[Organisation]:
    return list(represented_by(user).published())


# The board ----------------------------------------------------------------------------------


def board(request) -> HttpResponseBase:
    """The open needs, by kind, place and competence, with how many wait in each region."""
    filters = NeedFilters(request.GET)
    needs = Need.objects.open().select_related("organisation")
    chosen = {}
    if filters.is_valid():
        chosen = {k: v for k, v in filters.cleaned_data.items() if v}
        if "kind" in chosen:
            needs = needs.filter(kind=chosen["kind"])
        if "country" in chosen:
            needs = needs.filter(country=chosen["country"].upper())
        if "region" in chosen:
            needs = needs.filter(region=chosen["region"])
        if "competence" in chosen:
            needs = needs.filter(competences=chosen["competence"])
    counts = _counts(needs)
    page = Paginator(needs.distinct(), PER_PAGE).get_page(request.GET.get("page"))
    points = _points(needs)
    return render(
        request,
        "matching/board.html",
        {
            "filters": filters,
            "page": page,
            "counts": counts,
            "chosen": chosen,
            "points": points,
            **basemap_context(),
            "can_post": bool(_represented(request.user))
            or (request.user.is_authenticated and request.user.can_moderate),
        },
    )


def _counts(needs) -> list[dict]:
    """Open needs by country and region, the most first: where help is lacking."""
    rows = needs.values("country", "region").annotate(n=Count("id", distinct=True))
    by_country: dict[str, dict] = {}
    for row in rows:
        code = row["country"] or ""
        group = by_country.setdefault(code, {"code": code, "name": countries.name(code) if code
                                             else _("Remote, no place"), "n": 0,
                                             "regions": Counter()})  # fmt: skip
        group["n"] += row["n"]
        if row["region"]:
            group["regions"][row["region"]] += row["n"]
    found = sorted(by_country.values(), key=lambda g: (-g["n"], g["name"]))
    for group in found:
        group["regions"] = group["regions"].most_common()
    return found


def _points(needs) -> list[list]:
    """[latitude, longitude, open needs, "Arras — 2 open needs", the board filtered to its
    region] for the map."""
    rows = (
        needs.filter(latitude__isnull=False)
        .values("latitude", "longitude", "locality", "country", "region")
        .annotate(n=Count("id", distinct=True))
        .order_by("-n")[:MAP_POINTS]
    )
    return [
        [round(r["latitude"], 4), round(r["longitude"], 4), r["n"],
         r["locality"].split(",")[0] + " — "
         + ngettext("%(n)s open need", "%(n)s open needs", r["n"]) % {"n": r["n"]},
         "?" + urlencode({"country": r["country"], "region": r["region"]})]
        for r in rows
    ]  # fmt: skip


def counts_csv(request) -> HttpResponse:
    """Open data: how many needs are open, by country, region and kind (no need itself)."""
    response = csv_download("open-needs.csv")
    writer = csv.writer(response)
    writer.writerow(["country", "region", "kind", "open_needs"])
    rows = (
        Need.objects.open()
        .values("country", "region", "kind")
        .annotate(n=Count("id"))
        .order_by("country", "region", "kind")
    )
    for row in rows:
        writer.writerow(
            [safe_cell(row["country"]), safe_cell(row["region"]), row["kind"], row["n"]]
        )
    return response


# Needs --------------------------------------------------------------------------------------


def _prefill_from_question(code: str) -> dict:
    """A diagnostic's answer made into a need: its question, and the next level as the aim."""
    question = questionnaire().questions.get(code)
    if question is None:
        return {}
    return {
        "title": question.text[:150],
        "description": _("From our digital diagnostic. What we would like to reach: %(level)s")
        % {"level": question.level(3)},
        "competences": list(
            Competence.objects.filter(key__in=question.competences).values_list("pk", flat=True)
        ),
        "services": list(question.services),
        "kind": "skills",
    }


@login_required
def need_new(request) -> HttpResponseBase:
    organisations = _represented(request.user)
    wanted = request.GET.get("organisation") or request.POST.get("organisation")
    if request.user.can_moderate and NUMBER.fullmatch(wanted or ""):
        extra = Organisation.objects.published().filter(pk=int(wanted)).first()
        if extra and extra not in organisations:
            organisations.append(extra)
    if not organisations:
        raise NotAllowed(
            _(
                "Needs are posted for an organisation by its representatives. Claim your "
                "organisation from its page in the atlas first."
            )
        )
    question = request.GET.get("question", "")[:40]
    if request.method == "POST":
        form = NeedForm(request.POST, organisations=organisations)
        if form.is_valid():
            organisation = next(
                o for o in organisations if o.pk == form.cleaned_data["organisation"]
            )
            from_question = request.POST.get("question", "")[:40]
            need = actions.do_post_need(
                request.user, organisation, form.data_for_need(), from_question=from_question
            )
            messages.success(request, _("Your need is posted. Here are the first suggestions."))
            return redirect("help-need", pk=need.pk)
    else:
        initial = {"organisation": organisations[0].pk, **_prefill_from_question(question)}
        if NUMBER.fullmatch(wanted or ""):
            initial["organisation"] = int(wanted)
        first = organisations[0]
        initial.setdefault("where_town", first.locality)
        initial["languages"] = first.languages or [request.LANGUAGE_CODE]
        form = NeedForm(initial=initial, organisations=organisations)
    return render(request, "matching/need_form.html", {"form": form, "question": question})


def _need(pk: int) -> Need:
    return get_object_or_404(Need.objects.select_related("organisation", "author"), pk=pk)


def need_detail(request, pk: int) -> HttpResponseBase:
    need = _need(pk)
    manages = allows(actions.check_manage_need, request.user, need.organisation)
    if not need.is_open and not manages:
        return render(request, "matching/need_closed.html", {"need": need}, status=410)
    context = {"need": need, "manages": manages, "is_open": need.is_open, "own_fit": None,
               "own_contact": None, "suggestions": [], "contacts": [], **_sides()}  # fmt: skip
    if manages:
        contacts = list(need.contacts.select_related("profile", "provider"))
        asked = {("provider" if c.provider_id else "profile", c.provider_id or c.profile_id): c
                 for c in contacts}  # fmt: skip
        matches = offers_for(need, count=SUGGESTIONS_SHOWN) if need.is_open else []
        ask = reverse("help-ask", args=[need.pk])
        context["suggestions"] = [
            (m, asked.get((m.offer.kind, m.offer.pk)), f"{ask}?{m.offer.kind}={m.offer.pk}")
            for m in matches
        ]
        context["contacts"] = contacts
    profile = _own_profile(request.user)
    if profile is not None and profile.is_offered and need.is_open:
        context["own_fit"] = score(need_facts([need])[0], profile_facts([profile])[0])
        context["own_contact"] = need.contacts.filter(profile=profile).first()
    context["profile"] = profile
    return render(request, "matching/need.html", context)


@login_required
def need_edit(request, pk: int) -> HttpResponseBase:
    need = _need(pk)
    actions.check_manage_need(request.user, need.organisation)
    organisations = [need.organisation]
    if request.method == "POST":
        form = NeedForm(request.POST, organisations=organisations)
        if form.is_valid():
            actions.do_edit_need(request.user, need, form.data_for_need())
            messages.success(request, _("The need is saved."))
            return redirect("help-need", pk=need.pk)
    else:
        initial = {name: getattr(need, name) for name in NEED_EDITABLE}
        initial.update(
            organisation=need.organisation_id,
            where_town=need.locality,
            competences=list(need.competences.values_list("pk", flat=True)),
            services=list(need.services.values_list("code", flat=True)),
        )
        form = NeedForm(initial=initial, organisations=organisations)
    return render(request, "matching/need_form.html", {"form": form, "need": need})


@require_POST
@login_required
def need_state(request, pk: int) -> HttpResponseBase:
    need = _need(pk)
    state = request.POST.get("state")
    if state == "open":
        actions.do_reopen_need(request.user, need)
        messages.success(request, _("The need is open again."))
    else:
        actions.do_close_need(request.user, need, found=state == "filled")
        messages.success(request, _("The need is closed. Thank you for saying so."))
    return redirect("help-need", pk=need.pk)


# Asking -------------------------------------------------------------------------------------


def _offer(request, need: Need) -> tuple[Profile | None, Organisation | None]:
    source = request.POST if request.method == "POST" else request.GET
    profile_id, provider_id = source.get("profile", ""), source.get("provider", "")
    if NUMBER.fullmatch(profile_id):
        return get_object_or_404(Profile, pk=int(profile_id), published_at__isnull=False), None
    if NUMBER.fullmatch(provider_id):
        return None, get_object_or_404(Organisation.objects.published(), pk=int(provider_id))
    own = _own_profile(request.user)
    if own is None:
        raise NotAllowed(_("Offer your help with a profile first: it takes three minutes."))
    return own, None


@login_required
@ratelimit(key="user", rate=ASKS_PER_HOUR, method="POST", block=False)
def ask(request, pk: int) -> HttpResponseBase:
    """Ask an offer for help (the need's side) or offer one's help (a volunteer)."""
    need = _need(pk)
    profile, provider = _offer(request, need)
    side = actions.check_ask(request.user, need, profile, provider)
    (need_fact,) = need_facts([need])
    offer_fact = (profile_facts([profile]) if profile else provider_facts([provider]))[0]
    match = score(need_fact, offer_fact)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if getattr(request, "limited", False):
            form.add_error(None, _("Too many requests in an hour: try again later."))
        else:
            try:
                contact = actions.do_ask(request.user, need, form.cleaned_data["message"],
                                         profile=profile, provider=provider,
                                         score=match.score)  # fmt: skip
            except NotAllowed as refused:
                form.add_error(None, refused.reason)
            else:
                messages.success(request, _("Your request is sent. You will read the answer here."))
                return redirect("help-contact", pk=contact.pk)
    return render(
        request,
        "matching/ask.html",
        {"need": need, "profile": profile, "provider": provider, "side": side, "match": match,
         "form": form, **_sides(),
         "open_contact": need.contacts.filter(
             Q(profile=profile) if profile else Q(provider=provider),
             state__in=[Contact.State.PROPOSED, Contact.State.ACCEPTED]).first(),
         "hours": hours_band(profile.hours_per_week if profile else None)},
    )  # fmt: skip


# Volunteers ---------------------------------------------------------------------------------


def _own_profile(user) -> Profile | None:
    if not user.is_authenticated:
        return None
    return Profile.objects.filter(user=user).first()


@login_required
def profile_edit(request) -> HttpResponseBase:
    profile = _own_profile(request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            saved = actions.do_save_profile(request.user, form.data_for_profile())
            if profile is None:
                messages.success(
                    request,
                    _("Your profile is saved, private. Publish it when you are ready."),
                )
            else:
                messages.success(request, _("Your profile is saved."))
            return redirect("help-for-me" if saved.is_offered else "help-profile")
    else:
        initial = ProfileForm.initial_from(profile) or {
            "languages": [request.LANGUAGE_CODE],
            "kinds": ["skills"],
        }
        form = ProfileForm(initial=initial)
    return render(request, "matching/profile_form.html", {"form": form, "profile": profile})


@require_POST
@login_required
def profile_visibility(request) -> HttpResponseBase:
    profile = _own_profile(request.user)
    if profile is None:
        return redirect("help-profile")
    choice = request.POST.get("visibility")
    actions.do_set_profile_visibility(
        request.user,
        profile,
        published=choice in ("published", "paused"),
        paused=choice == "paused",
    )
    notes = {
        "published": _("Your profile is published: organisations can find you and ask you."),
        "paused": _("Your profile is paused: nobody is suggested it until you resume."),
        "private": _("Your profile is private again."),
    }
    messages.success(request, notes.get(choice, notes["private"]))
    return redirect("help-for-me" if choice == "published" else "help-profile")


@login_required
def for_me(request) -> HttpResponseBase:
    """The open needs that fit the member's profile."""
    profile = _own_profile(request.user)
    if profile is None:
        return redirect("help-profile")
    matches = needs_for(profile) if profile.is_offered else []
    needs = Need.objects.in_bulk([m.need.pk for m in matches])
    return render(
        request,
        "matching/for_me.html",
        {
            "profile": profile,
            **_sides(),
            "rows": [(needs[m.need.pk], m) for m in matches if m.need.pk in needs],
        },
    )


# Contacts -----------------------------------------------------------------------------------


@login_required
def contacts(request) -> HttpResponseBase:
    user = request.user
    organisations = _represented(user)
    mine = (
        Q(profile__user=user)
        | Q(need__organisation__in=organisations)
        | Q(provider__in=organisations)
        | Q(sender=user)
    )
    found = (
        Contact.objects.filter(mine)
        .select_related("need__organisation", "profile", "provider")
        .distinct()
    )
    return render(request, "matching/contacts.html", {"contacts": found[:200]})


def _contact(pk: int) -> Contact:
    return get_object_or_404(
        Contact.objects.select_related("need__organisation", "need__author", "profile__user",
                                       "provider"), pk=pk)  # fmt: skip


def _addresses(contact: Contact) -> dict:
    """What each side shows the other once accepted."""
    need, profile, provider = contact.need, contact.profile, contact.provider
    need_side = {"name": need.organisation.name, "emails": actions.need_addresses(contact),
                 "phone": need.organisation.phone, "hours": None}  # fmt: skip
    if profile is not None:
        offer = {"name": profile.name, "emails": actions.offer_addresses(contact),
                 "phone": profile.phone,
                 "hours": profile.hours_per_week}  # fmt: skip
    elif provider is not None:
        offer = {"name": provider.name, "emails": actions.offer_addresses(contact),
                 "phone": provider.phone, "hours": None}  # fmt: skip
    else:
        offer = {"name": _("A volunteer who has left"), "emails": [], "phone": "", "hours": None}
    return {"need": need_side, "offer": offer, "both": [need_side, offer]}


@login_required
def contact_detail(request, pk: int) -> HttpResponseBase:
    contact = _contact(pk)
    side = actions.check_see_contact(request.user, contact)
    return _contact_page(request, contact, side, by_link="")


def answer_by_link(request, token: str) -> HttpResponseBase:
    """The email's link: answer a request without signing in (the link is the proof)."""
    try:
        contact = actions.contact_for_token(token)
    except actions.LinkRefused as refused:
        return render(request, "matching/link_refused.html", {"message": refused.message},
                      status=refused.status)  # fmt: skip
    return _contact_page(request, contact, contact.answered_by, by_link=token)


def _contact_page(request, contact: Contact, side: str, by_link: str) -> HttpResponseBase:
    answer_form = feedback_form = None
    can_answer = side == contact.answered_by and contact.state == Contact.State.PROPOSED
    if can_answer and not contact.need.is_open:
        can_answer = False
    action = request.POST.get("action") if request.method == "POST" else None
    if can_answer:
        answer_form = AnswerForm(request.POST if action == "answer" else None)
        if action == "answer" and answer_form.is_valid():
            answered = answer_form.cleaned_data
            actions.do_answer(request.user, contact, answered["accept"], answered["answer"],
                              by_link=bool(by_link))  # fmt: skip
            messages.success(request, _("Your answer is sent."))
            if by_link:
                return redirect("help-answer", token=by_link)
            return redirect("help-contact", pk=contact.pk)
    if action == "withdraw" and not by_link:
        actions.do_withdraw(request.user, contact)
        return redirect("help-contact", pk=contact.pk)
    if action == "done" and not by_link:
        actions.do_mark_done(request.user, contact)
        messages.success(request, _("Marked as done. Two questions below, if you have a minute."))
        return redirect("help-contact", pk=contact.pk)
    given = set(contact.feedback.values_list("side", flat=True))
    if contact.state == Contact.State.DONE and side not in given and not by_link:
        feedback_form = FeedbackForm(request.POST if action == "feedback" else None)
        if action == "feedback" and feedback_form.is_valid():
            actions.do_give_feedback(request.user, contact, **feedback_form.cleaned_data)
            messages.success(request, _("Thank you: your feedback is kept for the network."))
            return redirect("help-contact", pk=contact.pk)
    profile = contact.profile
    return render(
        request,
        "matching/contact.html",
        {
            "contact": contact,
            "side": side,
            "by_link": by_link,
            "answer_form": answer_form,
            "feedback_form": feedback_form,
            # Never through the email's link: it answers, it does not show addresses.
            "addresses": _addresses(contact) if contact.revealed and not by_link else None,
            "hours": hours_band(profile.hours_per_week if profile else None),
            "gave_feedback": side in given,
        },
    )
