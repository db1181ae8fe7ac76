"""Pages to suggest organisations and corrections, the moderation queue, and each entry's
public history with its reverts."""

from collections import Counter

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from essaim.atlas import actions as atlas_actions
from essaim.atlas.facts import (
    FRESHNESS_FIELDS,
    PLACE_FIELDS,
    display_value,
    editable_fields,
    facts_of,
    field_label,
)
from essaim.atlas.models import Change, Organisation, Status
from essaim.commons.models import pending_contributions
from essaim.core.permissions import check_moderator

from . import actions
from .forms import OrganisationForm, ReportForm, ReviewForm, SuggestionForm
from .models import DuplicateCandidate, Report, Representation, Suggestion

SUGGESTIONS_PER_HOUR = "20/h"


def _published(pk: int) -> Organisation:
    return get_object_or_404(Organisation.objects.exclude(status=Status.HIDDEN), pk=pk)


@ratelimit(key="ip", rate=SUGGESTIONS_PER_HOUR, method="POST", block=False)
def suggest(request, pk: int | None = None, slug: str = "") -> HttpResponseBase:
    """Suggest a new organisation (no `pk`) or a correction to one."""
    org = _published(pk) if pk else None
    if request.method == "POST":
        form = SuggestionForm(request.POST, instance=org, user=request.user)
        if getattr(request, "limited", False):
            form.add_error(None, _("Too many suggestions from your connection: try in an hour."))
        elif not form.is_bound or form.is_valid():
            try:
                suggestion, created = actions.do_submit_suggestion(
                    org,
                    form.facts(),
                    author=request.user,
                    email=form.cleaned_data.get("contributor_email", ""),
                    comment=form.cleaned_data["comment"],
                    language=translation.get_language(),
                )
            except actions.NothingChanged:
                form.add_error(None, _("You have not changed anything."))
            else:
                if created:
                    messages.success(
                        request,
                        _("Thank you: a moderator will review your suggestion. Its receipt, "
                          "with the link to this page, is on its way to your email address."),
                    )  # fmt: skip
                else:
                    messages.info(request, _("You had already sent this suggestion."))
                return redirect("follow-suggestion", token=suggestion.token)
    else:
        form = SuggestionForm(instance=org, user=request.user)
    return render(request, "contributions/suggest.html", {"form": form, "org": org})


def follow_suggestion(request, token: str) -> HttpResponseBase:
    """Where a suggestion stands, for whoever has its receipt's link."""
    suggestion = Suggestion.by_token(token)
    if suggestion is None:
        raise Http404
    rows = [
        {"label": field_label(name), "value": display_value(name, value)}
        for name, value in suggestion.proposed.items()
        if value not in (None, "", [])
    ]
    return render(request, "contributions/follow.html", {"suggestion": suggestion, "rows": rows})


def _moderator(request):
    """The signed-in moderator (views behind `login_required`)."""
    check_moderator(request.user)
    return request.user


@login_required
def moderation_queue(request) -> HttpResponseBase:
    _moderator(request)
    pending = (
        Suggestion.objects.filter(status=Suggestion.Status.PENDING)
        .select_related("organisation")
        .annotate(objected=Count("votes", filter=Q(votes__approve=False)))
        .order_by("created_at", "id")
    )
    page = Paginator(pending, 50).get_page(request.GET.get("page"))
    reported = (
        Organisation.objects.filter(reports__status=Report.Status.OPEN)
        .annotate(open_reports=Count("reports", filter=Q(reports__status=Report.Status.OPEN)))
        .order_by("-open_reports", "pk")[:100]
    )
    reasons = {}
    for row in Report.objects.filter(status=Report.Status.OPEN, organisation__in=reported):
        reasons.setdefault(row.organisation_id, []).append(row)
    claims = Representation.objects.filter(status=Representation.Status.PENDING).select_related(
        "user", "organisation"
    )[:100]
    missing = Organisation.objects.filter(missing_from_source_since__isnull=False).order_by(
        "missing_from_source_since", "pk"
    )
    commons = pending_contributions()
    missing_count = missing.count()
    duplicates_count = DuplicateCandidate.objects.filter(
        status=DuplicateCandidate.Status.OPEN
    ).count()
    return render(
        request,
        "contributions/queue.html",
        {
            "dashboard": _dashboard(pending, commons, duplicates_count, missing_count),
            "page": page,
            "reported": [(org, reasons.get(org.pk, [])) for org in reported],
            "claims": claims,
            "commons": commons,
            "missing_count": missing_count,
            "duplicates_count": duplicates_count,
            "missing": missing[:100],
        },
    )


def _dashboard(pending, commons: list, duplicates: int, missing: int) -> dict:
    """What waits for the moderators, counted: each line a figure, what it counts, where."""
    counts = pending.aggregate(
        new=Count("id", filter=Q(is_new=True)), corrections=Count("id", filter=Q(is_new=False))
    )
    oldest = min([*(s.created_at for s in pending[:1]), *(i.created_at for i in commons[:1])],
                 default=None)  # fmt: skip
    kinds = Counter(type(item).__name__ for item in commons)
    lines = [
        (counts["new"], _("new organisations"), "#suggestions"),
        (counts["corrections"], _("corrections"), "#suggestions"),
        (kinds["Resource"], _("resources"), "#commons"),
        (kinds["Event"], _("events"), "#commons"),
        (kinds["Opportunity"], _("opportunities"), "#commons"),
        (Report.objects.filter(status=Report.Status.OPEN).count(), _("open reports"),
         "#reported"),
        (duplicates, _("possible duplicates"), reverse("duplicates")),
        (missing, _("entries missing from their source"), "#missing"),
        (Representation.objects.filter(status=Representation.Status.PENDING).count(),
         _("requests to represent"), "#claims"),
    ]  # fmt: skip
    days = (timezone.now() - oldest).days if oldest else None
    return {"lines": [{"count": c, "what": w, "url": u} for c, w, u in lines], "oldest": days}


def _diff_rows(suggestion: Suggestion) -> list[dict]:
    current = facts_of(suggestion.organisation) if suggestion.organisation else {}
    conflicting = actions.conflicts(suggestion, current)
    rows = []
    for name in editable_fields():
        if name not in suggestion.proposed:
            continue
        if suggestion.is_new and suggestion.proposed[name] in (None, "", []):
            continue  # a new organisation's empty fields say nothing
        rows.append(
            {
                "name": name,
                "label": field_label(name),
                "current": display_value(name, current.get(name)),
                "proposed": display_value(name, suggestion.proposed[name]),
                "conflict": name in conflicting,
                "was": display_value(name, suggestion.base.get(name)),
            }
        )
    return rows


@login_required
def review_suggestion(request, pk: int) -> HttpResponseBase:
    moderator = _moderator(request)
    suggestion = get_object_or_404(Suggestion, pk=pk)
    error = ""
    pending = suggestion.status == Suggestion.Status.PENDING
    # The corrections come from the review page's own form (a decision sent without it, as by
    # a script, publishes the suggested values as they are).
    shown = request.method == "POST" and request.POST.get("edit-shown")
    form = ReviewForm(request.POST if shown else None, suggestion=suggestion)
    if request.method == "POST" and pending:
        if request.POST.get("decision") == "reject":
            reason = request.POST.get("reason", "").strip()[:2000]
            actions.do_reject_suggestion(suggestion, reason, moderator)
            messages.success(request, _("Suggestion rejected; the contributor is told why."))
            return redirect("moderation-queue")
        fields = request.POST.getlist("fields")
        if not fields and not suggestion.is_new:
            error = _("Choose at least one field to publish, or reject the suggestion.")
        elif not form.is_bound or form.is_valid():
            try:
                org = actions.do_accept_suggestion(
                    suggestion,
                    fields,
                    moderator,
                    overwrite=bool(request.POST.get("overwrite")),
                    corrections=form.corrections() if form.is_bound else {},
                )
            except actions.Conflict:
                error = _(
                    "The entry has changed since this suggestion on a field you chose: "
                    "compare, then confirm that the suggestion should replace it."
                )
            except actions.EntryGone:
                error = _(
                    "This organisation has been deleted: the suggestion can only be rejected."
                )
            else:
                messages.success(request, _("Published."))
                return redirect(org.get_absolute_url())
    rows = _diff_rows(suggestion)
    for row in rows:
        row["field"] = form[row["name"]] if row["name"] in form.fields else None
    return render(
        request,
        "contributions/review.html",
        {"suggestion": suggestion, "rows": rows, "error": error, "form": form},
    )


def _author_role(change: Change) -> str:
    author = change.author
    if author is None and change.fields and set(change.fields) <= {"confirmed_at"}:
        return _("the organisation, confirming its entry")
    if author is None and change.fields and set(change.fields) <= set(FRESHNESS_FIELDS):
        return _("its source, at an import")
    if change.suggestion_id and change.suggestion and not change.suggestion.author_id:
        return _("a visitor, through a suggestion")
    if author is None:
        return _("the import or the administration")
    if author.is_superuser:
        return _("an administrator")
    if author.is_moderator:
        return _("a moderator")
    if change.suggestion_id:
        return _("a member, through a suggestion")
    return _("a member")


def history(request, pk: int, slug: str = "") -> HttpResponseBase:
    """Every change to an organisation, newest first; authors are named by role only."""
    org = Organisation.objects.filter(pk=pk).exclude(status=Status.HIDDEN).first()
    changes = Change.objects.filter(organisation_id=pk).select_related("author", "suggestion")
    if org is None and not changes.exists():
        raise Http404
    page = Paginator(changes, 30).get_page(request.GET.get("page"))
    entries = [
        {
            "change": change,
            "who": _author_role(change),
            "fields": [
                {
                    "label": field_label(name),
                    "old": display_value(name, values[0]),
                    "new": display_value(name, values[1]),
                }
                for name, values in change.fields.items()
                if change.kind == Change.Kind.UPDATED
            ],
            # Freshness (a confirmation, a source's date) is not put back by a revert.
            "revertable": any(name not in FRESHNESS_FIELDS for name in change.fields),
        }
        for change in page
    ]
    can_revert = request.user.is_authenticated and request.user.can_moderate and org is not None
    return render(
        request,
        "contributions/history.html",
        {
            "org": org,
            "name": org.name if org else changes.first().organisation_name,
            "page": page,
            "entries": entries,
            "can_revert": can_revert,
        },
    )


@login_required
@require_POST
def revert(request, pk: int) -> HttpResponseBase:
    moderator = _moderator(request)
    change = get_object_or_404(Change, pk=pk, kind=Change.Kind.UPDATED)
    org = get_object_or_404(Organisation, pk=change.organisation_id)
    atlas_actions.do_revert_change(change, moderator)
    messages.success(request, _("Change reverted; the revert is in the history."))
    return redirect("organisation-history", pk=org.pk, slug=org.slug)


# Reports -------------------------------------------------------------------------------------

REPORTS_PER_HOUR = "10/h"


@ratelimit(key="ip", rate=REPORTS_PER_HOUR, method="POST", block=False)
def report(request, pk: int, slug: str = "") -> HttpResponseBase:
    org = _published(pk)
    if request.method == "POST":
        form = ReportForm(request.POST, user=request.user)
        if getattr(request, "limited", False):
            form.add_error(None, _("Too many reports from your connection: try in an hour."))
        elif not form.is_bound or form.is_valid():
            _report, created = actions.do_report(
                org,
                form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
                author=request.user,
                email=form.cleaned_data.get("email", ""),
            )
            if created:
                messages.success(request, _("Thank you: the moderators will look into it."))
            else:
                messages.info(request, _("You have already reported this entry."))
            org.refresh_from_db()
            if org.status == Status.HIDDEN:
                return redirect("atlas-list")
            return redirect(org.get_absolute_url())
    else:
        form = ReportForm(user=request.user)
    return render(
        request,
        "contributions/report.html",
        {"form": form, "org": org, "reports_to_hide": settings.ESSAIM["REPORTS_TO_HIDE"]},
    )


@login_required
@require_POST
def decide_reports(request, pk: int) -> HttpResponseBase:
    moderator = _moderator(request)
    org = get_object_or_404(Organisation, pk=pk)
    outcome = request.POST.get("outcome")
    if outcome not in ("keep", "archive", "hide"):
        return redirect("moderation-queue")
    actions.do_decide_reports(org, outcome, moderator)
    messages.success(request, _("Reports on %(name)s closed.") % {"name": org.name})
    return redirect("moderation-queue")


@login_required
@require_POST
def decide_missing(request, pk: int) -> HttpResponseBase:
    """Keep or archive an organisation that its source no longer holds."""
    moderator = _moderator(request)
    org = get_object_or_404(Organisation, pk=pk, missing_from_source_since__isnull=False)
    outcome = request.POST.get("outcome")
    if outcome not in ("keep", "archive"):
        return redirect("moderation-queue")
    atlas_actions.do_settle_missing_from_source(org, outcome == "archive", moderator)
    messages.success(request, _("%(name)s: decided.") % {"name": org.name})
    return redirect("moderation-queue")


# Representatives -----------------------------------------------------------------------------


@login_required
def claim(request, pk: int, slug: str = "") -> HttpResponseBase:
    org = _published(pk)
    existing = org.representations.filter(user=request.user).first()
    if request.method == "POST":
        existing = actions.do_claim(request.user, org)
        if existing.status == existing.Status.GRANTED:
            messages.success(request, _("You now represent %(name)s.") % {"name": org.name})
            return redirect(org.get_absolute_url())
        messages.info(request, _("Your request is sent; a moderator will answer it."))
    return render(request, "contributions/claim.html", {"org": org, "claim": existing})


@login_required
@require_POST
def decide_claim(request, pk: int) -> HttpResponseBase:
    moderator = _moderator(request)
    request_claim = get_object_or_404(Representation, pk=pk)
    actions.do_decide_claim(request_claim, request.POST.get("grant") == "1", moderator)
    messages.success(request, _("Answer recorded."))
    return redirect("moderation-queue")


@login_required
def edit(request, pk: int, slug: str = "") -> HttpResponseBase:
    """A representative (or a moderator) edits the entry directly; it is published at once."""
    org = actions.access_organisation_to_edit(request.user, pk)
    if request.method == "POST":
        form = OrganisationForm(request.POST, instance=org)
        if form.is_valid():
            actions.do_edit_organisation(request.user, org, form.facts())
            messages.success(request, _("Saved and published."))
            return redirect(org.get_absolute_url())
    else:
        form = OrganisationForm(instance=org)
    return render(request, "contributions/edit.html", {"form": form, "org": org})


# Collaborative mode --------------------------------------------------------------------------


def _collaborative() -> None:
    if not settings.ESSAIM["COLLABORATIVE"]:
        raise Http404


@login_required
def community_review(request) -> HttpResponseBase:
    """Members review each other's suggestions: enough approvals publish one."""
    _collaborative()
    pending = (
        Suggestion.objects.filter(status=Suggestion.Status.PENDING)
        .exclude(author=request.user)
        .exclude(votes__approve=False)
        .select_related("organisation")
        .prefetch_related("votes")[:30]
    )
    items = [
        {
            "suggestion": suggestion,
            "rows": _diff_rows(suggestion),
            "approvals": sum(1 for vote in suggestion.votes.all() if vote.approve),
            "mine": next(
                (v.approve for v in suggestion.votes.all() if v.user_id == request.user.pk), None
            ),
        }
        for suggestion in pending
    ]
    return render(
        request,
        "contributions/community.html",
        {"items": items, "needed": settings.ESSAIM["VOTES_TO_PUBLISH"]},
    )


@login_required
@require_POST
def vote(request, pk: int) -> HttpResponseBase:
    _collaborative()
    suggestion = get_object_or_404(Suggestion, pk=pk, status=Suggestion.Status.PENDING)
    org = actions.do_vote(suggestion, request.user, request.POST.get("approve") == "1")
    if org is not None:
        messages.success(request, _("Your vote published the suggestion."))
    else:
        messages.success(request, _("Your vote is recorded."))
    return redirect("community-review")


# Duplicates ----------------------------------------------------------------------------------


REASONS = {
    "email": gettext_lazy("the same email address"),
    "phone": gettext_lazy("the same phone number"),
    "website": gettext_lazy("the same website"),
    "branch": gettext_lazy(
        "possibly a branch: the same website, at another locality or page of the site"
    ),
    "name-nearby": gettext_lazy("a similar name, less than 1 km apart"),
}


def reason_labels(reasons: list[str]) -> list[str]:
    labels = []
    for reason in reasons:
        if reason.startswith("identifier:"):
            scheme = reason.split(":", 1)[1]
            labels.append(
                _("the same %(scheme)s") % {"scheme": field_label(f"identifier_{scheme}")}
            )
        else:
            labels.append(str(REASONS.get(reason, reason)))
    return labels


@login_required
def duplicates(request) -> HttpResponseBase:
    _moderator(request)
    open_pairs = DuplicateCandidate.objects.filter(
        status=DuplicateCandidate.Status.OPEN
    ).select_related("first", "second")
    # ?source=: the pairs an import of that source brought (its report links here).
    source = request.GET.get("source", "")[:100]
    if source:
        open_pairs = open_pairs.filter(Q(first__source=source) | Q(second__source=source))
    page = Paginator(open_pairs, 50).get_page(request.GET.get("page"))
    rows = [(pair, reason_labels(pair.reasons)) for pair in page]
    return render(
        request, "contributions/duplicates.html", {"page": page, "rows": rows, "source": source}
    )


@login_required
def review_duplicate(request, pk: int) -> HttpResponseBase:
    moderator = _moderator(request)
    pair = get_object_or_404(
        DuplicateCandidate.objects.select_related("first", "second"),
        pk=pk,
        status=DuplicateCandidate.Status.OPEN,
    )
    first, second = facts_of(pair.first), facts_of(pair.second)
    # An address is taken whole (street, postcode, locality, region, country, coordinates):
    # never the street of one with the postcode of the other.
    names = [name for name in [*editable_fields(), "status"]
             if name not in PLACE_FIELDS and (first.get(name) or second.get(name))]  # fmt: skip
    if request.method == "POST":
        if request.POST.get("decision") == "distinct":
            actions.do_mark_distinct(pair, moderator)
            messages.success(request, _("Marked as distinct organisations."))
            return redirect("duplicates")
        keep_first = request.POST.get("keep", "first") != "second"
        keep, other = (pair.first, second) if keep_first else (pair.second, first)
        other_side = "second" if keep_first else "first"
        facts = {
            name: other[name]
            for name in names
            if name != "status" and request.POST.get(f"take_{name}") == other_side
        }
        if request.POST.get("take_place") == other_side:
            facts.update({name: other.get(name) for name in PLACE_FIELDS})
        actions.do_merge_duplicates(pair, keep, facts, moderator)
        messages.success(request, _("Merged into %(name)s.") % {"name": keep.name})
        return redirect(keep.get_absolute_url())
    rows = [
        {
            "name": name,
            "label": field_label(name),
            "first": display_value(name, first.get(name)),
            "second": display_value(name, second.get(name)),
            "same": first.get(name) == second.get(name),
            # Prefer what the first entry says, unless it says nothing.
            "take_second": not first.get(name) and bool(second.get(name)),
        }
        for name in names
    ]
    first_place, second_place = place_in_words(first), place_in_words(second)
    place = {
        "first": first_place,
        "second": second_place,
        "same": all(first.get(name) == second.get(name) for name in PLACE_FIELDS),
        "take_second": not first_place and bool(second_place),
    }
    return render(
        request,
        "contributions/duplicate.html",
        {"pair": pair, "rows": rows, "place": place, "reasons": reason_labels(pair.reasons)},
    )


def place_in_words(facts: dict) -> str:
    """An entry's whole address on one line, its coordinates after it."""
    town = " ".join(str(facts.get(name) or "") for name in ("postal_code", "locality")).strip()
    country = display_value("country", facts.get("country")) if facts.get("country") else ""
    parts = [facts.get("address"), town, facts.get("region"), country]
    line = ", ".join(str(part) for part in parts if part)
    if facts.get("latitude") is not None and facts.get("longitude") is not None:
        line += f" ({facts['latitude']:.5f}, {facts['longitude']:.5f})"
    return line
