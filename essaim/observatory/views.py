"""The observatory's public pages: indicators with their charts, tables and calculations,
territories, goals, the atlas's counts on any date, and what people say; and the
moderators' pages that enter, import and count figures."""

from collections import defaultdict
from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from essaim.atlas.models import Change, Family, LegalForm, Organisation, Sector, SizeBand
from essaim.commons.models import Event, Opportunity
from essaim.core.charts import bar_chart
from essaim.core.permissions import NotAllowed, allows, check_moderator
from essaim.core.spreadsheets import SafeWriter, csv_download
from essaim.matching.models import Need

from . import actions
from .charts import by_magnitude, line_chart
from .figures import expected_on, growth, number, per_inhabitants, progress, share
from .forms import (
    CheckForm,
    CountsForm,
    EventFeedbackForm,
    GoalForm,
    ImportForm,
    IndicatorForm,
    ObservationForm,
    dimension_choices,
)
from .history import counts_on
from .imports import read_observations
from .models import Goal, Indicator, Observation, Statement, Survey, Territory
from .sentiment import theme_label

MAX_SERIES = 5
COUNTS_PER_HOUR = "120/h"
COUNTS_CACHE_SECONDS = 24 * 3600
STATEMENTS_SHOWN = 20


def _is_moderator(user) -> bool:
    return allows(check_moderator, user)


# The observatory's home ---------------------------------------------------------------------


def home(request) -> HttpResponseBase:
    indicators = Indicator.objects.annotate(
        observations_count=Count("observations"), latest=Max("observations__period_end")
    )
    goals = [(goal, progress(goal, goal.observed()))
             for goal in Goal.objects.select_related("indicator", "territory")]  # fmt: skip
    surveys = Survey.objects.filter(state=Survey.State.PUBLISHED)
    places = (Territory.objects.filter(Q(observations__isnull=False) | Q(goals__isnull=False))
              .distinct().order_by("scheme", "name"))  # fmt: skip
    return render(request, "observatory/home.html", {
        "indicators": indicators,
        "goals": goals,
        "surveys": surveys,
        "places": places,
        "statements": Statement.objects.count(),
        "can_manage": _is_moderator(request.user),
    })  # fmt: skip


# Indicators ---------------------------------------------------------------------------------


def _series(indicator: Indicator, family: Family | None, territories=None) -> dict:
    """{territory: [observations by period]} for an indicator (and a family)."""
    observations = indicator.observations.filter(family=family).select_related("territory")
    if territories is not None:
        observations = observations.filter(territory__in=territories)
    found = defaultdict(list)
    for observation in observations.prefetch_related("revisions").order_by("period_start"):
        found[observation.territory].append(observation)
    return found


def _growth_of(observations: list[Observation]):
    if len(observations) < 2:
        return None
    first, last = observations[0], observations[-1]
    return growth(first.value, first.period_start, last.value, last.period_start)


def indicator_detail(request, code: str) -> HttpResponseBase:
    indicator = get_object_or_404(Indicator, code=code)
    family = None
    if request.GET.get("family"):
        family = Family.objects.filter(code=request.GET["family"]).first()
    series = _series(indicator, family)
    wanted = request.GET.getlist("territory")
    ordered = sorted(series, key=lambda t: (-float(series[t][-1].value), t.name))
    chosen = [t for t in ordered if t.key in wanted] or ordered[:MAX_SERIES]
    rows = []
    for territory in chosen:
        observations = series[territory]
        latest = observations[-1]
        rows.append({
            "territory": territory,
            "observations": observations,
            "growth": _growth_of(observations),
            "latest": latest,
            "per_inhabitants": per_inhabitants(latest.value, territory.population),
        })  # fmt: skip
    places = 1 if indicator.unit == Indicator.Unit.PERCENT else 0
    figures = []
    for n, group in enumerate(
        by_magnitude(rows, lambda row: max(o.value for o in row["observations"])), start=1
    ):
        figures.append({
            "id": f"series-{n}",
            "chart": line_chart([(row["territory"].label,
                                  [(o.period_start, o.value) for o in row["observations"]])
                                 for row in group], places),
            "summary": "; ".join(
                f"{row['territory'].label}: " + (row["growth"].sentence if row["growth"] else
                                                 f"{number(row['latest'].value, places)} "
                                                 f"({row['latest'].period_label})")
                for row in group),
            "observations": [o for row in group for o in row["observations"]],
        })  # fmt: skip
    families = Family.objects.filter(
        pk__in=indicator.observations.exclude(family=None).values("family")
    )
    return render(request, "observatory/indicator.html", {
        "indicator": indicator,
        "rows": rows,
        "figures": figures,
        "all_territories": ordered,
        "chosen": chosen,
        "family": family,
        "families": families,
        "goals": indicator.goals.select_related("territory"),
        "can_manage": _is_moderator(request.user),
    })  # fmt: skip


def indicator_csv(request, code: str) -> HttpResponseBase:
    indicator = get_object_or_404(Indicator, code=code)
    response = csv_download(f"{indicator.code}.csv")
    writer = SafeWriter(response)
    writer.writerow(["indicator", "territory", "territory_name", "period", "family", "value",
                     "unit", "state", "source", "method"])  # fmt: skip
    observations = indicator.observations.select_related("territory", "family")
    for item in observations.order_by("territory__scheme", "territory__code", "period_start"):
        writer.writerow([indicator.code, item.territory.key, item.territory.name,
                         item.period_label, item.family.code if item.family else "",
                         item.value, indicator.unit, item.state, item.source,
                         item.method])  # fmt: skip
    return response


def edit_page(request, form, save, saved: str, title: str, back: str) -> HttpResponseBase:
    """A moderator's form: written by `save(form)` (an action) when valid, else shown again
    with what was typed and its errors."""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            item = save(form)
        except NotAllowed as refused:
            form.add_error(None, refused.reason)
            status = 409
        else:
            messages.success(request, saved)
            return redirect(item)
    elif request.method == "POST":
        status = 400
    context = {"form": form, "title": title, "back": back}
    return render(request, "observatory/form.html", context, status=status)


@login_required
def indicator_form(request, code: str | None = None) -> HttpResponseBase:
    check_moderator(request.user)
    indicator = get_object_or_404(Indicator, code=code) if code else Indicator()
    form = IndicatorForm(request.POST or None, instance=indicator)
    return edit_page(request, form, lambda f: actions.do_save_indicator(request.user, f.instance),
                     _("The indicator is saved."), indicator.label if code else _("An indicator"),
                     reverse("observatory"))  # fmt: skip


@login_required
def observation_form(request, code: str) -> HttpResponseBase:
    check_moderator(request.user)
    indicator = get_object_or_404(Indicator, code=code)
    form = ObservationForm(request.POST or None, indicator=indicator)
    if request.method == "POST" and form.is_valid():
        outcome = actions.do_save_observation(request.user, indicator, form.cleaned_data)
        messages.success(request, {
            "created": _("The observation is recorded."),
            "revised": _("The observation is revised; its earlier value is kept."),
            "unchanged": _("This observation was already recorded as it is."),
        }[outcome])  # fmt: skip
        return redirect(indicator)
    return render(request, "observatory/form.html", {
        "form": form,
        "title": _("An observation of “%(indicator)s”") % {"indicator": indicator.label},
        "lead": _("A figure for the same territory, family and period revises the one recorded, "
                  "which stays in its history."),
        "back": indicator.get_absolute_url(),
    })  # fmt: skip


@login_required
def import_observations(request) -> HttpResponseBase:
    check_moderator(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    report, status = None, 200
    if request.method == "POST" and form.is_valid():
        report = read_observations(form.cleaned_data["file"].read())
        report = actions.do_import_observations(
            request.user, report, partial=form.cleaned_data["partial"]
        )
        if report.rejects and not (form.cleaned_data["partial"] and report.rows):
            status = 400
        elif report.created or report.revised or report.unchanged:
            messages.success(request, _("%(created)s observations added, %(revised)s revised, "
                                        "%(unchanged)s unchanged.") % vars(report))  # fmt: skip
    return render(request, "observatory/import.html", {
        "form": form, "report": report, "indicators": Indicator.objects.all(),
    }, status=status)  # fmt: skip


# Territories --------------------------------------------------------------------------------


def _organisations_in(territory: Territory):
    published = Organisation.objects.published()
    if territory.scheme == Territory.Scheme.COUNTRY:
        return published.filter(country=territory.code)
    if territory.scheme == Territory.Scheme.FR_DEPARTEMENT:
        code = territory.code
        if code in ("2A", "2B"):
            prefixes = ("200", "201") if code == "2A" else ("202", "203", "204", "205", "206")
            condition = Q()
            for prefix in prefixes:
                condition |= Q(postal_code__startswith=prefix)
            return published.filter(condition, country="FR")
        return published.filter(country="FR", postal_code__startswith=code)
    country = _country_of(territory)
    if country is None:
        return published.none()
    return published.filter(country=country.code, region__iexact=territory.name)


def _country_of(territory: Territory) -> Territory | None:
    while territory is not None and territory.scheme != Territory.Scheme.COUNTRY:
        territory = territory.parent
    return territory


def territory_detail(request, scheme: str, code: str) -> HttpResponseBase:
    territory = get_object_or_404(Territory.objects.select_related("parent"), scheme=scheme,
                                  code=code)  # fmt: skip
    figures = []
    observations = territory.observations.filter(family=None).select_related("indicator")
    by_indicator = defaultdict(list)
    for observation in observations.order_by("period_start"):
        by_indicator[observation.indicator].append(observation)
    for indicator, items in by_indicator.items():
        change = _growth_of(items)
        figures.append({
            "indicator": indicator, "latest": items[-1], "growth": change,
            "summary": change.sentence if change else
            f"{number(items[-1].value)} ({items[-1].period_label})",
            "chart": line_chart([(territory.label, [(o.period_start, o.value) for o in items])]),
            "observations": items,
            "per_inhabitants": per_inhabitants(items[-1].value, territory.population),
        })  # fmt: skip
    goals = [(goal, progress(goal, goal.observed()))
             for goal in territory.goals.select_related("indicator")]  # fmt: skip
    organisations = _organisations_in(territory)
    country = _country_of(territory)
    events = Event.objects.upcoming()
    opportunities = Opportunity.objects.open().filter(kind=Opportunity.Kind.FUNDING)
    needs = Need.objects.open().select_related("organisation")
    if country is not None:
        events = events.filter(country=country.code)
        opportunities = opportunities.filter(
            Q(country=country.code) | Q(country="", eligible_countries="")
            | Q(eligible_countries__contains=country.code)
        )  # fmt: skip
        needs = needs.filter(country=country.code)
        if territory.scheme != Territory.Scheme.COUNTRY:
            needs = needs.filter(region__iexact=territory.name)
    atlas_link = ""
    if territory.scheme == Territory.Scheme.COUNTRY:
        atlas_link = f"{reverse('atlas-list')}?country={territory.code}"
    elif country is not None and territory.scheme != Territory.Scheme.FR_DEPARTEMENT:
        query = urlencode({"country": country.code, "region": territory.name})
        atlas_link = f"{reverse('atlas-list')}?{query}"
    return render(request, "observatory/territory.html", {
        "territory": territory,
        "figures": figures,
        "goals": goals,
        "organisations_count": organisations.count(),
        "organisations": organisations.order_by("-updated_at")[:10],
        "atlas_link": atlas_link,
        "events": events[:5],
        "opportunities": opportunities[:5],
        "needs": needs[:5],
        "children": territory.children.all(),
    })  # fmt: skip


# Goals ----------------------------------------------------------------------------------------


def goal_detail(request, pk: int) -> HttpResponseBase:
    goal = get_object_or_404(Goal.objects.select_related("indicator", "territory", "family"),
                             pk=pk)  # fmt: skip
    observations = goal.observed()
    status = progress(goal, observations)
    chart = line_chart([
        (_("Observed"), [(o.period_end, o.value) for o in observations]),
        (_("Straight path to the target"), [(goal.baseline_date, goal.baseline_value),
                                            (goal.target_date, goal.target_value)]),
    ], year_end=True)  # fmt: skip
    return render(request, "observatory/goal.html", {
        "goal": goal, "status": status, "observations": observations, "chart": chart,
        "can_manage": _is_moderator(request.user),
    })  # fmt: skip


def goal_csv(request, pk: int) -> HttpResponseBase:
    goal = get_object_or_404(Goal.objects.select_related("indicator", "territory"), pk=pk)
    response = csv_download(f"goal-{goal.pk}.csv")
    writer = SafeWriter(response)
    writer.writerow(["goal", "indicator", "territory", "date", "observed", "straight_path"])
    head = [goal.title, goal.indicator.code, goal.territory.key]
    writer.writerow([*head, goal.baseline_date.isoformat(), "", goal.baseline_value])
    for o in goal.observed():
        writer.writerow([*head, o.period_end.isoformat(), o.value,
                         round(expected_on(goal, o.period_end), 2)])  # fmt: skip
    writer.writerow([*head, goal.target_date.isoformat(), "", goal.target_value])
    return response


@login_required
def goal_form(request, pk: int | None = None) -> HttpResponseBase:
    check_moderator(request.user)
    goal = get_object_or_404(Goal, pk=pk) if pk else Goal()
    form = GoalForm(request.POST or None, instance=goal)
    return edit_page(request, form, lambda f: actions.do_save_goal(request.user, f.instance),
                     _("The goal is saved."), goal.title if pk else _("A goal"),
                     reverse("observatory"))  # fmt: skip


# The atlas's counts ------------------------------------------------------------------------


def _dimension_labels(by: str) -> dict[str, str]:
    if by == "family":
        return {f.code: f.label for f in Family.objects.all()}
    if by == "sector":
        return {s.code: s.label for s in Sector.objects.all()}
    if by == "legal_form":
        return {f.code: f.label for f in LegalForm.objects.all()}
    if by == "size_band":
        return dict(SizeBand.choices)
    if by == "fr-departement":
        return {t.code: f"{t.code} {t.name}" for t in
                Territory.objects.filter(scheme=Territory.Scheme.FR_DEPARTEMENT)}  # fmt: skip
    if by == "country":
        return {t.code: t.label for t in Territory.objects.filter(scheme="country")}
    return {}


def _counted(day: date, by: str):
    """The counts of a day, remembered until the atlas next changes: a past day's answer
    is the same anyway, and asking for it again costs nothing."""
    last = Change.objects.aggregate(last=Max("pk"))["last"]
    newest = Organisation.objects.aggregate(newest=Max("pk"))["newest"]
    key = f"observatory-counts:{day.isoformat()}:{by}:{last}:{newest}"
    snapshot = cache.get(key)
    if snapshot is None:
        snapshot = counts_on(day, (by,))
        cache.set(key, snapshot, COUNTS_CACHE_SECONDS)
    return snapshot


@ratelimit(key="ip", rate=COUNTS_PER_HOUR, method="GET", block=False)
def atlas_counts(request) -> HttpResponseBase:
    """How many organisations the atlas held on a date, by a dimension."""
    today = timezone.localdate()
    form = CountsForm(request.GET or {"on": today.isoformat(), "by": "family"})
    limited = getattr(request, "limited", False)
    if limited:
        form.is_valid()
        form.add_error(None, _("Too many counts from your connection: try in an hour."))
    snapshot, rows, chart, by, chart_desc = None, [], None, "", ""
    if form.is_valid():
        day, by = form.cleaned_data["on"], form.cleaned_data["by"]
        snapshot = _counted(day, by)
        labels = _dimension_labels(by)
        counts = snapshot.counts[by]
        keys = []
        for key, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            if n <= 0:
                continue
            keys.append(key)
            if by == "region":
                country, _bar, region = key.partition("|")
                label = f"{region or _('No region')} ({country})"
            else:
                label = labels.get(key, key) if key else _("Not said")
            rows.append((label, n, number(n)))
        if request.GET.get("format") == "csv":
            response = csv_download(f"atlas-{by}-{day.isoformat()}.csv")
            writer = SafeWriter(response)
            writer.writerow(["on", "by", "group", "label", "organisations"])
            for key, (label, n, _text) in zip(keys, rows, strict=True):
                writer.writerow([day.isoformat(), by, key, label, n])
            return response
        chart = bar_chart(rows[:15])
        chart_desc = "; ".join(f"{label}: {text}" for label, _n, text in rows[:15])
    return render(request, "observatory/counts.html", {
        "form": form, "snapshot": snapshot, "rows": rows, "chart": chart, "by": by,
        "chart_desc": chart_desc,
        "by_label": dict(dimension_choices()).get(by, ""),
        "can_manage": _is_moderator(request.user),
    }, status=429 if limited else 200 if form.is_valid() else 400)  # fmt: skip


@require_POST
@login_required
def record_counts(request) -> HttpResponseBase:
    check_moderator(request.user)
    try:
        day = date.fromisoformat(request.POST.get("on", ""))
    except ValueError:
        day = timezone.localdate()
    day = min(day, timezone.localdate())
    written = actions.do_record_atlas_counts(request.user, day)
    if written:
        messages.success(request, _("%(n)s observations recorded for %(day)s.")
                         % {"n": written, "day": day.isoformat()})  # fmt: skip
    else:
        messages.error(request, _("No indicator counts the atlas's organisations: create one "
                                  "computed from the atlas first."))  # fmt: skip
    return redirect(f"{reverse('observatory-counts')}?on={day.isoformat()}&by=country")


# What people say -----------------------------------------------------------------------------


def impact(request) -> HttpResponseBase:
    statements = Statement.objects.all()
    total = statements.count()
    by_sentiment = dict.fromkeys(Statement.Sentiment.values, 0)
    for checked, read, n in (
        statements.values_list("checked_sentiment", "sentiment").annotate(n=Count("pk")).order_by()
    ):
        by_sentiment[checked or read] += n
    labels = dict(Statement.Sentiment.choices)
    rows = [(labels[name], n, f"{number(n)} ({number(share(n, total))} %)")
            for name, n in by_sentiment.items()]  # fmt: skip
    by_origin = defaultdict(lambda: dict.fromkeys(Statement.Sentiment.values, 0))
    themes = defaultdict(lambda: dict.fromkeys(Statement.Sentiment.values, 0))
    for origin, checked, read, codes in statements.values_list(
        "origin", "checked_sentiment", "sentiment", "themes"
    ):
        by_origin[origin][checked or read] += 1
        for code in codes:
            themes[code][checked or read] += 1
    if request.GET.get("format") == "csv":
        response = csv_download("what-people-say.csv")
        writer = SafeWriter(response)
        writer.writerow(["by", "group", *Statement.Sentiment.values])
        for origin, counts in by_origin.items():
            writer.writerow(["origin", origin, *counts.values()])
        for code, counts in themes.items():
            writer.writerow(["theme", code, *counts.values()])
        return response
    checked = statements.exclude(checked_sentiment="").count()
    unsure = statements.filter(checked_sentiment="", confidence__lt=0.6).count()
    moderator = _is_moderator(request.user)
    return render(request, "observatory/impact.html", {
        "total": total,
        "rows": rows,
        "chart": bar_chart(rows),
        "summary": "; ".join(f"{label}: {text}" for label, _n, text in rows),
        "origins": [(dict(Statement.Origin.choices)[o], counts) for o, counts in by_origin.items()],
        "themes": sorted(((theme_label(code), counts) for code, counts in themes.items()),
                         key=lambda item: -sum(item[1].values())),
        "checked": checked,
        "checked_share": share(checked, total),
        "unsure": unsure,
        "can_manage": moderator,
        "recent": statements[:STATEMENTS_SHOWN] if moderator else [],
        "sentiments": Statement.Sentiment.choices,
    })  # fmt: skip


@login_required
def review_statements(request) -> HttpResponseBase:
    """The readings the server was unsure of, for a person to check."""
    check_moderator(request.user)
    if request.method == "POST":
        given = request.POST.get("statement", "")
        statement = get_object_or_404(Statement, pk=int(given) if given.isdecimal() else 0)
        form = CheckForm(request.POST)
        if form.is_valid():
            actions.do_check_statement(request.user, statement, form.cleaned_data["sentiment"])
            messages.success(request, _("Thank you: the reading is checked."))
            return redirect("observatory-review")
    waiting = Statement.objects.filter(checked_sentiment="").order_by("confidence", "id")[:20]
    return render(request, "observatory/review.html", {
        "waiting": waiting, "sentiments": Statement.Sentiment.choices,
        "themes": {code: theme_label(code) for s in waiting for code in s.themes},
    })  # fmt: skip


@login_required
def event_feedback(request, pk: int) -> HttpResponseBase:
    event = get_object_or_404(Event.objects.published(), pk=pk)
    from_form = request.method == "POST"
    form = EventFeedbackForm(request.POST if from_form else None)
    status = 200
    if from_form and form.is_valid():
        try:
            actions.do_give_event_feedback(request.user, event, form.cleaned_data["text"])
        except NotAllowed as refused:
            form.add_error(None, refused.reason)
            status = 403
        else:
            messages.success(request, _("Thank you for saying how it went."))
            return redirect(event)
    elif from_form:
        status = 400
    return render(request, "observatory/event_feedback.html", {
        "event": event, "form": form,
    }, status=status)  # fmt: skip
