"""The diagnostic's pages. A respondent reaches theirs by a signed link
(/diagnostic/answers/<token>/…); a signed-in respondent or a representative by the
diagnostic's number (/diagnostic/<pk>/…). Both lead to the same pages."""

import csv
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from essaim.atlas.models import Organisation
from essaim.contributions.actions import represented_by
from essaim.core.spreadsheets import csv_download

from . import actions
from .charts import band_rows, score_rows
from .figures import GROUPINGS, network_figures
from .forms import AboutForm, DimensionForm
from .fragility import ScreeningForm
from .models import Diagnostic, Response
from .pdf import plan_document
from .plan import plan_for, weakest
from .questionnaire import DONT_KNOW, questionnaire
from .results import results_of
from .scoring import BANDS, band

STARTS_PER_HOUR = "20/h"
SESSION_KEY = "diagnostic_responses"
# The weakest answers offered as needs to post, one click each.
GAPS_TO_ASK = 5


def _remember(request, response: Response) -> None:
    """The responses this browser answered: "continue" on the start page, and no second
    response to one diagnostic from the same person."""
    known = [pk for pk in request.session.get(SESSION_KEY, []) if pk != response.pk]
    request.session[SESSION_KEY] = [response.pk, *known][:20]


def _link_refused(request, refused: actions.LinkRefused) -> HttpResponse:
    return render(
        request,
        "diagnostics/link_refused.html",
        {"message": refused.message},
        status=refused.status,
    )


def reached(view: Callable) -> Callable:
    """Give `view` the diagnostic and, by a signed link, the respondent's response; by the
    diagnostic's number, only to a signed-in respondent or representative."""

    @wraps(view)
    def wrapper(request, token: str = "", pk: int | None = None, **kwargs) -> HttpResponseBase:
        if token:
            try:
                response = actions.response_for_token(token)
            except actions.LinkRefused as refused:
                return _link_refused(request, refused)
            diagnostic = response.diagnostic
        else:
            if not request.user.is_authenticated:
                return redirect(f"{reverse('account_login')}?next={request.path}")
            diagnostic = get_object_or_404(Diagnostic.objects.select_related("organisation"), pk=pk)
            actions.check_see(request.user, diagnostic)
            response = diagnostic.responses.filter(user=request.user).first()
        return view(request, diagnostic, response, token=token, **kwargs)

    return wrapper


def _links(diagnostic: Diagnostic, token: str) -> dict[str, str]:
    """The addresses of a diagnostic's pages, by the link it was reached by."""
    if token:
        return {
            name: reverse(f"diagnostic-{name}-link", args=[token])
            for name in ("result", "plan", "pdf", "again", "attach", "share")
        }
    return {
        name: reverse(f"diagnostic-{name}", args=[diagnostic.pk])
        for name in ("result", "plan", "pdf", "again", "attach", "share")
    }


def _represented(user) -> list[Organisation]:
    return list(represented_by(user))


# Starting and answering ---------------------------------------------------------------------


@ratelimit(key="ip", rate=STARTS_PER_HOUR, method="POST", block=False)
def start(request) -> HttpResponseBase:
    """What the diagnostic is, and the button that starts it (for an organisation one
    represents, or on one's own)."""
    organisations = _represented(request.user)
    error = ""
    if request.method == "POST":
        chosen = request.POST.get("organisation", "")
        organisation = next((o for o in organisations if str(o.pk) == chosen), None)
        if getattr(request, "limited", False):
            error = _("Too many diagnostics started from your connection: try in an hour.")
        elif chosen and organisation is None:
            error = _(
                "You do not represent this organisation: start on your own, and a "
                "representative can attach the result later."
            )
        else:
            response = actions.do_start(request.user, translation.get_language(), organisation)
            _remember(request, response)
            return redirect("diagnostic-answer", token=actions.response_token(response))
    ongoing = Response.objects.filter(pk__in=request.session.get(SESSION_KEY, [])).select_related(
        "diagnostic__organisation"
    )
    return render(
        request,
        "diagnostics/start.html",
        {
            "questionnaire": questionnaire(),
            "organisations": organisations,
            "error": error,
            "ongoing": [(r, actions.response_token(r)) for r in ongoing],
        },
        status=429 if error and getattr(request, "limited", False) else 400 if error else 200,
    )


@ratelimit(key="ip", rate=STARTS_PER_HOUR, method="POST", block=False)
def join(request, invitation: str) -> HttpResponseBase:
    """A colleague's way in: the invitation link of an organisation's diagnostic."""
    try:
        diagnostic = actions.diagnostic_for_invitation(invitation)
    except actions.LinkRefused as refused:
        return _link_refused(request, refused)
    mine = diagnostic.responses.filter(pk__in=request.session.get(SESSION_KEY, [])).first()
    if request.method == "POST" and mine is None and getattr(request, "limited", False):
        return render(request, "diagnostics/join.html", {
            "diagnostic": diagnostic, "mine": None,
            "error": _("Too many answers started from your connection: try in an hour."),
        }, status=429)  # fmt: skip
    if request.method == "POST":
        if mine is None:
            mine, created = actions.do_join(request.user, diagnostic, translation.get_language())
        else:
            created = False
        if not created:
            messages.info(
                request, _("You have already answered this diagnostic: here are your answers.")
            )
        _remember(request, mine)
        return redirect("diagnostic-answer", token=actions.response_token(mine))
    return render(request, "diagnostics/join.html", {"diagnostic": diagnostic, "mine": mine})


def _step_of(request) -> int:
    try:
        step = int(request.POST.get("step", request.GET.get("step", "0")))
    except ValueError:
        raise Http404 from None
    if not 0 <= step <= len(questionnaire().dimensions) + 1:
        raise Http404
    return step


def answer(request, token: str) -> HttpResponseBase:
    """The questionnaire, a page at a time: who answers (0), each dimension (1–7), then a
    last look and sending (8). Each page keeps its answers; the link resumes."""
    try:
        response = actions.response_for_token(token)
    except actions.LinkRefused as refused:
        return _link_refused(request, refused)
    step = _step_of(request)
    dimensions = questionnaire().dimensions
    last = len(dimensions) + 1
    if response.submitted_at is not None and request.method == "GET":
        return redirect("diagnostic-result-link", token=token)
    diagnostic = response.diagnostic
    form, missing, status = None, [], 200
    if step == 0:
        form = AboutForm(
            request.POST or None,
            with_organisation=bool(diagnostic.organisation),
            initial={
                "role": response.role,
                "where": diagnostic.locality,
                "legal_form": diagnostic.legal_form,
            },
        )
    elif step < last:
        dimension = dimensions[step - 1]
        form = DimensionForm(
            request.POST or None,
            dimension=dimension,
            initial={
                **{code: str(value) for code, value in response.answers.items()},
                "tools": response.tools,
            },
        )
    if request.method == "POST":
        actions.check_answer(response)
        if step == last:
            try:
                actions.do_submit(response)
            except ValueError:
                missing = actions.unanswered(response)
                status = 400
            else:
                messages.success(request, _("Thank you: your answers are sent."))
                return redirect("diagnostic-result-link", token=token)
        elif form.is_valid():
            if step == 0:
                actions.do_save_answers(response, {}, about=form.about())
            else:
                actions.do_save_answers(response, form.answers(), tools=form.tools())
            if "later" in request.POST:
                messages.success(
                    request,
                    _("Your answers are kept. Come back with the link below, on any device."),
                )
                return redirect(f"{request.path}?step={step}#link")
            return redirect(f"{request.path}?step={step + 1}")
        else:
            status = 400
    elif step == last:
        missing = actions.unanswered(response)
    # On the last page, a look back: each page's questions answered, and "don't know"s.
    review = [
        (d, sum(q.code in response.answers for q in d.questions), len(d.questions),
         sum(response.answers.get(q.code) == DONT_KNOW for q in d.questions))
        for d in dimensions
    ] if step == last else []  # fmt: skip
    questions = questionnaire().questions
    return render(
        request,
        "diagnostics/answer.html",
        {
            "response": response,
            "diagnostic": diagnostic,
            "step": step,
            "last": last,
            "form": form,
            "dimensions": dimensions,
            "dimension": dimensions[step - 1] if 0 < step < last else None,
            "missing": [questions[code] for code in missing],
            "link": request.build_absolute_uri(reverse("diagnostic-answer", args=[token])),
            "refused": status == 400,
            "review": review,
            "answered": len(response.answers),
            "total": len(questions),
        },
        status=status,
    )


# The result, the plan -----------------------------------------------------------------------


@reached
def result(
    request, diagnostic: Diagnostic, response: Response | None, token: str
) -> HttpResponseBase:
    found = results_of(diagnostic, response)
    organisations = [] if diagnostic.organisation_id else _represented(request.user)
    invitation = request.build_absolute_uri(
        reverse("diagnostic-join", args=[actions.invitation_token(diagnostic)])
    )
    return render(
        request,
        "diagnostics/result.html",
        {
            **found,
            "diagnostic": diagnostic,
            "response": response,
            "links": _links(diagnostic, token),
            "organisations": organisations,
            "invitation": invitation,
            "chart": score_rows(found["result"]) if found["result"] else None,
            "represents": bool(diagnostic.organisation)
            and diagnostic.organisation in _represented(request.user),
            # The respondent's own link, whether reached by it or signed in.
            "own_link": request.build_absolute_uri(
                reverse("diagnostic-answer", args=[actions.response_token(response)])
            )
            if response
            else "",
        },
    )


def _plan_context(diagnostic: Diagnostic, response: Response | None) -> dict:
    found = results_of(diagnostic, response)
    sections = plan_for(diagnostic, found["result"], found["sent"]) if found["sent"] else []
    gaps = weakest(found["result"])[:GAPS_TO_ASK] if found["sent"] else []
    return {**found, "diagnostic": diagnostic, "sections": sections, "gaps": gaps}


@reached
def plan(
    request, diagnostic: Diagnostic, response: Response | None, token: str
) -> HttpResponseBase:
    return render(
        request,
        "diagnostics/plan.html",
        {**_plan_context(diagnostic, response), "links": _links(diagnostic, token)},
    )


@reached
def plan_pdf(
    request, diagnostic: Diagnostic, response: Response | None, token: str
) -> HttpResponseBase:
    context = _plan_context(diagnostic, response)
    body = plan_document(context, base=request.build_absolute_uri("/"))
    answer = HttpResponse(body, content_type="application/pdf")
    answer["Content-Disposition"] = 'attachment; filename="essaim-plan.pdf"'
    return answer


# Changes ------------------------------------------------------------------------------------


@require_POST
@reached
def take_again(
    request, diagnostic: Diagnostic, response: Response | None, token: str
) -> HttpResponseBase:
    fresh = actions.do_take_again(request.user, diagnostic, translation.get_language())
    _remember(request, fresh)
    return redirect("diagnostic-answer", token=actions.response_token(fresh))


@require_POST
@login_required
@reached
def attach(
    request, diagnostic: Diagnostic, response: Response | None, token: str
) -> HttpResponseBase:
    organisation = get_object_or_404(Organisation, pk=request.POST.get("organisation") or 0)
    actions.do_attach(request.user, diagnostic, organisation)
    messages.success(request, _("The diagnostic is now %(name)s’s.") % {"name": organisation.name})
    return redirect(_links(diagnostic, token)["result"])


@require_POST
@login_required
@reached
def share(
    request, diagnostic: Diagnostic, response: Response | None, token: str
) -> HttpResponseBase:
    shared = request.POST.get("share") == "1"
    actions.do_share(request.user, diagnostic, shared)
    messages.success(
        request,
        _("Shared with the network: it counts in its figures, never shown by itself.")
        if shared
        else _("No longer shared with the network."),
    )
    return redirect(_links(diagnostic, token)["result"])


@login_required
def organisation_diagnostics(request, pk: int) -> HttpResponseBase:
    """An organisation's diagnostics, for its representatives: each with its respondents and
    scores, and a new one to start."""
    organisation = get_object_or_404(Organisation, pk=pk)
    actions.check_represents(request.user, organisation)
    rounds = []
    for diagnostic in organisation.diagnostics.all():
        rounds.append((diagnostic, results_of(diagnostic, None)))
    return render(
        request, "diagnostics/organisation.html", {"organisation": organisation, "rounds": rounds}
    )


# The network, the screening -----------------------------------------------------------------


def _by(request) -> str:
    by = request.GET.get("by", "family")
    if by not in GROUPINGS:
        raise Http404
    return by


def network(request) -> HttpResponseBase:
    """How many organisations took the diagnostic, and how the shared results spread, for the
    whole network and by family, country or region (never a group under the minimum)."""
    figures = network_figures(_by(request))
    dimensions = questionnaire().dimensions
    whole = figures["all"]
    return render(
        request,
        "diagnostics/network.html",
        {
            "figures": figures,
            "dimensions": dimensions,
            "bands": band_names(),
            "groupings": grouping_names(),
            "chart": band_rows([(d.name, whole.bands[d.code]) for d in dimensions])
            if whole
            else None,
            "all_rows": [(d, whole.means[d.code], whole.bands[d.code]) for d in dimensions]
            if whole
            else [],
            "group_rows": [(g, [g.means[d.code] for d in dimensions]) for g in figures["groups"]],
        },
    )


def network_csv(request) -> HttpResponseBase:
    """The same figures as open data: a row per group and dimension."""
    figures = network_figures(_by(request))
    answer = csv_download(f"essaim-diagnostics-{figures['by']}.csv")
    writer = csv.writer(answer)
    writer.writerow(
        [
            "grouping",
            "group",
            "label",
            "organisations",
            "dimension",
            "mean_score",
            *(f"band_{n}" for n in range(len(band_names()))),
        ]
    )
    groups = ([figures["all"]] if figures["all"] else []) + figures["groups"]
    for group in groups:
        for dimension in questionnaire().dimensions:
            writer.writerow(
                [
                    "all" if group.code == "all" else figures["by"],
                    group.code,
                    group.label,
                    group.organisations,
                    dimension.code,
                    group.means[dimension.code],
                    *group.bands[dimension.code],
                ]
            )
    return answer


def band_names() -> list[str]:
    return [str(words) for _limit, words in BANDS] + [str(band(100))]


def grouping_names() -> list[tuple[str, str]]:
    return [("family", _("ESS family")), ("country", _("Country")), ("region", _("Region"))]


def method(request) -> HttpResponseBase:
    """Every question with its four levels, and how the scores are computed."""
    return render(
        request,
        "diagnostics/method.html",
        {"questionnaire": questionnaire(), "bands": band_names()},
    )


def fragility(request) -> HttpResponseBase:
    """Eight questions in plain words for a person the organisation serves, ending with the
    nearest places of digital mediation. Nothing is kept."""
    form = ScreeningForm(request.POST or None)
    outcome = form.outcome() if request.method == "POST" and form.is_valid() else None
    return render(
        request,
        "diagnostics/fragility.html",
        {"form": form, "outcome": outcome},
        status=400 if request.method == "POST" and outcome is None else 200,
    )
