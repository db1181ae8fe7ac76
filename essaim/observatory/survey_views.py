"""The network's surveys: written and sent by its moderators, answered once per organisation
from the email's signed link (no account needed), reminded, closed, and published with the
groups too small to show left out."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from essaim.core.charts import bar_chart
from essaim.core.permissions import LinkRefused, NotAllowed, allows, check_moderator
from essaim.core.spreadsheets import SafeWriter, csv_download

from . import actions
from .figures import number
from .forms import AnswerForm, QuestionForm, SurveyForm
from .models import Question, Response, Survey
from .results import GROUPINGS, answers_of, group_minimum, survey_results
from .views import edit_page

ANSWERS_PER_HOUR = "30/h"


def _can_run(user) -> bool:
    return allows(check_moderator, user)


def surveys(request) -> HttpResponseBase:
    shown = Survey.objects.all() if _can_run(request.user) else Survey.objects.filter(
        state=Survey.State.PUBLISHED)  # fmt: skip
    return render(request, "observatory/surveys.html", {
        "surveys": shown.prefetch_related("families"), "can_manage": _can_run(request.user),
    })  # fmt: skip


@login_required
def survey_form(request, pk: int | None = None) -> HttpResponseBase:
    check_moderator(request.user)
    survey = get_object_or_404(Survey, pk=pk) if pk else Survey(language=request.LANGUAGE_CODE)
    form = SurveyForm(request.POST or None, instance=survey)

    def save(form) -> Survey:
        families = list(form.cleaned_data["families"])
        return actions.do_save_survey(request.user, form.instance, families)

    title = survey.title if pk else _("A survey")
    return edit_page(request, form, save, _("The survey is saved."), title,
                     reverse("observatory-surveys"))  # fmt: skip


@login_required
def survey_detail(request, pk: int) -> HttpResponseBase:
    """A survey as its moderators run it: its questions, who was asked, who answered."""
    check_moderator(request.user)
    survey = get_object_or_404(Survey, pk=pk)
    questions = survey.questions.prefetch_related("families").select_related("previous")
    invited = survey.invitations.count()
    return render(request, "observatory/survey.html", {
        "survey": survey,
        "questions": questions,
        "invited": invited,
        "answered": survey.responses.count(),
        "reminded": survey.invitations.exclude(reminded_at=None).count(),
        "asked": actions.asked_organisations(survey).count() if survey.state == "draft" else None,
        "new_question": QuestionForm(initial={"position": len(questions) + 1}),
        "minimum": group_minimum(),
    })  # fmt: skip


@login_required
def question_form(request, pk: int, question: int | None = None) -> HttpResponseBase:
    check_moderator(request.user)
    survey = get_object_or_404(Survey, pk=pk)
    instance = get_object_or_404(Question, pk=question, survey=survey) if question else Question()
    form = QuestionForm(request.POST or None, instance=instance)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = actions.do_save_question(request.user, survey, form.instance,
                                                 list(form.cleaned_data["families"]))  # fmt: skip
            except NotAllowed as refused:
                form.add_error(None, refused.reason)
                status = 409
            else:
                versioned = _(
                    "The question had answers: it is kept as it was asked, and this new version "
                    "replaces it."
                )
                saved_once = _("The question is saved.")
                messages.success(request, versioned if saved.version > 1 else saved_once)
                return redirect(survey)
        else:
            status = 400
    return render(request, "observatory/form.html", {
        "form": form, "title": _("A question of “%(survey)s”") % {"survey": survey.title},
        "lead": _("Changing a question that has answers makes a new version: the answers already "
                  "given stay with the words they answered.") if question else "",
        "back": survey.get_absolute_url(),
    }, status=status)  # fmt: skip


@require_POST
@login_required
def question_remove(request, pk: int, question: int) -> HttpResponseBase:
    survey = get_object_or_404(Survey, pk=pk)
    item = get_object_or_404(Question, pk=question, survey=survey)
    try:
        actions.do_remove_question(request.user, item)
    except NotAllowed as refused:
        messages.error(request, refused.reason)
    return redirect(survey)


@require_POST
@login_required
def survey_step(request, pk: int) -> HttpResponseBase:
    """Send, remind, close or publish."""
    check_moderator(request.user)
    survey = get_object_or_404(Survey, pk=pk)
    step = request.POST.get("step")
    try:
        if step == "send":
            n = actions.do_open_survey(request.user, survey)
            messages.success(request, _("The survey is sent to %(n)s organisations.") % {"n": n})
        elif step == "remind":
            n = actions.do_remind_survey(request.user, survey)
            messages.success(request, _("%(n)s organisations reminded.") % {"n": n})
        elif step == "close":
            actions.do_close_survey(request.user, survey)
            messages.success(request, _("The survey is closed."))
        elif step == "publish":
            actions.do_publish_survey(request.user, survey, group_minimum())
            messages.success(request, _("The results are published."))
            return redirect("observatory-survey-results", pk=survey.pk)
        else:
            raise Http404
    except NotAllowed as refused:
        messages.error(request, refused.reason)
    return redirect(survey)


@ratelimit(key="ip", rate=ANSWERS_PER_HOUR, method="POST", block=False)
def answer(request, token: str) -> HttpResponseBase:
    """The survey for one organisation, from its email's signed link."""
    try:
        survey, organisation = actions.survey_for_token(token)
    except LinkRefused as refused:
        return render(request, "observatory/link_refused.html", {"message": refused.message},
                      status=refused.status)  # fmt: skip
    families = set(organisation.families.values_list("pk", flat=True))
    questions = [
        q for q in survey.questions.filter(retired=False).prefetch_related("families")
        if not q.families.all() or families & {f.pk for f in q.families.all()}
    ]  # fmt: skip
    done = Response.objects.filter(survey=survey, organisation=organisation).first()
    if done:
        return render(request, "observatory/answered.html", {
            "survey": survey, "organisation": organisation, "response": done,
        }, status=409 if request.method == "POST" else 200)  # fmt: skip
    form = AnswerForm(request.POST if request.method == "POST" else None, questions=questions)
    status = 200
    if request.method == "POST":
        if getattr(request, "limited", False):
            form.add_error(None, _("Too many answers from your connection: try in an hour."))
            status = 429
        elif form.is_valid():
            try:
                actions.do_answer_survey(survey, organisation, form.answers(), questions)
            except NotAllowed as refused:
                form.add_error(None, refused.reason)
                status = 409
            else:
                return redirect("observatory-answer", token=token)
        else:
            status = 400
    return render(request, "observatory/answer.html", {
        "survey": survey, "organisation": organisation, "form": form, "minimum": group_minimum(),
    }, status=status)  # fmt: skip


def _published(request, pk: int) -> Survey:
    survey = get_object_or_404(Survey, pk=pk)
    if survey.state != Survey.State.PUBLISHED and not _can_run(request.user):
        raise Http404
    return survey


def results(request, pk: int) -> HttpResponseBase:
    survey = _published(request, pk)
    grouping = request.GET.get("by", "")
    grouping = grouping if grouping in GROUPINGS else ""
    found = survey_results(survey, grouping)
    for item in [*found.questions, *found.retired]:
        if item.choices:
            rows = [
                (_("Other") if item.question.has_choices and n == len(item.question.choices)
                 else choice.label, choice.count,
                 f"{choice.count} ({number(choice.share)} %)")
                for n, choice in enumerate(item.choices)
            ]  # fmt: skip
            item.chart = bar_chart(rows)
            item.summary = "; ".join(f"{label}: {text}" for label, _n, text in rows)
    return render(request, "observatory/results.html", {
        "survey": survey, "results": found, "grouping": grouping, "minimum": group_minimum(),
        "groupings": [("", _("All together")), ("family", _("By family")),
                      ("country", _("By country")), ("region", _("By region"))],
    })  # fmt: skip


CSV_COLUMNS = ["survey", "question", "version", "question_text", "group_by", "group",
               "respondents", "answer", "count", "share"]  # fmt: skip


def _result_rows(survey: Survey):
    """The published numbers, one row per answer counted, all together then by group."""
    read = answers_of(survey)
    for grouping in ("", *GROUPINGS):
        found = survey_results(survey, grouping, read)
        blocks = [("", "", found.responses, found.questions)] if not grouping else [
            (grouping, group.label, group.responses, group.questions) for group in found.groups
        ]  # fmt: skip
        for by, label, _respondents, questions in blocks:
            for item in questions:
                base = [survey.pk, item.question.pk, item.question.version, item.question.text,
                        by, label, item.answered]  # fmt: skip
                for choice in item.choices:
                    yield [*base, choice.label, choice.count, round(choice.share, 1)]
                if item.total is not None:
                    yield [*base, "sum", item.total, ""]
                if item.mean is not None:
                    yield [*base, "mean", round(item.mean, 2), ""]
                if item.median is not None:
                    yield [*base, "median", item.median, ""]
                for sentiment, n in item.sentiments.items():
                    yield [*base, f"sentiment:{sentiment}", n, ""]


def results_csv(request, pk: int) -> HttpResponseBase:
    survey = _published(request, pk)
    response = csv_download(f"survey-{survey.pk}-results.csv")
    writer = SafeWriter(response)
    writer.writerow(CSV_COLUMNS)
    for row in _result_rows(survey):
        writer.writerow(row)
    return response


def datapackage(request, pk: int) -> HttpResponseBase:
    """The published results as a Frictionless data package: the CSV and its schema."""
    survey = _published(request, pk)
    base = request.build_absolute_uri("/")[:-1]
    types = ["integer", "integer", "integer", "string", "string", "string", "integer", "string",
             "number", "number"]  # fmt: skip
    package = {
        "profile": "tabular-data-package",
        "name": f"essaim-survey-{survey.pk}",
        "title": survey.title,
        "description": _("Results of the survey, with groups of fewer than %(n)s organisations "
                         "left out.") % {"n": group_minimum()},  # fmt: skip
        "licenses": [{"name": "ODbL-1.0", "path": "https://opendatacommons.org/licenses/odbl/1-0/",
                      "title": "Open Data Commons Open Database License 1.0"}],  # fmt: skip
        "created": survey.published_at.isoformat() if survey.published_at else None,
        "resources": [{
            "name": "results",
            "path": base + reverse("observatory-survey-results-csv", kwargs={"pk": survey.pk}),
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {"fields": [{"name": name, "type": kind}
                                  for name, kind in zip(CSV_COLUMNS, types, strict=True)]},
        }],
    }  # fmt: skip
    return JsonResponse(package, json_dumps_params={"ensure_ascii": False, "indent": 1})
