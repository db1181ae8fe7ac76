"""The plan a diagnostic ends with: real help from the atlas and the commons, each item saying
which answer led to it.

- learn: resources of the commons for the competences of the weakest answers, in the
  organisation's languages (free ones marked);
- replace: ethical alternatives for the big platforms' tools the respondents said they use;
- meet: upcoming events and trainings on those competences, online or within reach;
- get help: the nearest providers of the services the weakest answers call for, and those
  serving the region, the country or working remotely (the atlas's place search);
- fund: open funding calls the organisation can answer (its country, its legal form);
- check: the individual self-check for the team, and the screening of digital fragilities for
  the people the organisation serves, when their dimensions call for them.
"""

from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from essaim.atlas.models import Organisation, Service
from essaim.atlas.places import Place, PlaceNotFound, place_near, resolve_place
from essaim.atlas.serving import serving_groups
from essaim.commons.filters import EventFilters, OpportunityFilters
from essaim.commons.models import Event, Opportunity, Resource, Tool
from essaim.competences.models import Competence, standing_for
from essaim.search.index import SearchQuery, distance_km, get_index

from .models import Diagnostic, Response
from .questionnaire import Question, questionnaire
from .scoring import Result

WEAK_BELOW = 2  # a mean level under "2" of 3 calls for help
WEAKEST_SHOWN = 4
PER_ITEM = 3
REACH_KM = 100  # events within reach
NEAR_KM = 50  # providers nearby
CHECK_BELOW = 75  # a dimension's score that calls for the individual checks


@dataclass
class Help:
    label: str
    url: str
    note: str = ""


@dataclass
class Item:
    title: str
    reason: str
    helps: list[Help] = field(default_factory=list)
    more: Help | None = None  # where to find more of the same


@dataclass
class Section:
    code: str
    heading: str
    items: list[Item]
    nothing: str  # said when the section has no item


@dataclass
class Situation:
    """What the plan needs to know of the organisation."""

    place: Place | None
    country: str
    legal_form: str  # code, or ""
    languages: list[str]
    tools: list[str]  # Tool slugs, every respondent's together


def situation_of(diagnostic: Diagnostic, responses: list[Response]) -> Situation:
    org = diagnostic.organisation
    place = None
    if org is not None:
        if org.latitude is not None and org.longitude is not None:
            place = place_near(org.latitude, org.longitude)
        country, legal_form = str(org.country), org.legal_form.code if org.legal_form else ""
        languages = list(org.languages)
    else:
        country = str(diagnostic.country)
        legal_form = diagnostic.legal_form.code if diagnostic.legal_form else ""
        languages = []
        if diagnostic.locality:
            try:
                place = resolve_place(diagnostic.locality, (country,) if country else ()).place
            except PlaceNotFound:
                place = None
    if place is not None and place.kind != "locality":
        place = None
    languages = languages or sorted({r.language for r in responses})
    tools = sorted({slug for r in responses for slug in r.tools})
    return Situation(place, country, legal_form, languages, tools)


def answered(question: Question, result: Result) -> str:
    """The reason of an item: the question and what was answered to it."""
    level = question.level(min(int(result.question_means[question.code] + 0.5), 3))
    count = result.question_answers[question.code]
    if count == 1 and result.respondents > 1:  # never one colleague's own answer to the others
        return _("“%(question)s” — the only respondent who knew the answer pointed to a need.") % {
            "question": question.text}  # fmt: skip
    if count == 1:
        return _("“%(question)s” — answered: “%(answer)s”") % {
            "question": question.text,
            "answer": level,
        }
    return ngettext(
        "“%(question)s” — answered on average: “%(answer)s” (%(count)d respondent).",
        "“%(question)s” — answered on average: “%(answer)s” (%(count)d respondents).",
        count,
    ) % {"question": question.text, "answer": level, "count": count}


def weakest(result: Result) -> list[Question]:
    questions = questionnaire().questions
    low = sorted(
        (mean, questions[code].position, code)
        for code, mean in result.question_means.items()
        if mean < WEAK_BELOW
    )
    return [questions[code] for _mean, _position, code in low]


def _competences(keys: tuple[str, ...]) -> tuple[list[Competence], set[int]]:
    """The competences of these keys, and the ids of those that stand for them."""
    found = list(Competence.objects.filter(key__in=keys))
    ids = {c.pk for c in found}
    for equivalents in standing_for(list(ids)).values():
        ids |= equivalents
    return found, ids


def _learn(questions: list[Question], result: Result, situation: Situation) -> list[Item]:
    items, listed = [], set()  # a resource is offered once, for the weakest answer it helps
    for question in [q for q in questions if q.competences][:WEAKEST_SHOWN]:
        competences, ids = _competences(question.competences)
        resources = [
            r
            for r in Resource.objects.published()
            .filter(competences__in=ids)
            .exclude(kind=Resource.Kind.ALTERNATIVE)
            .distinct()
            .order_by("-published_at")
            if (not r.languages or set(r.languages) & set(situation.languages))
            and r.pk not in listed
        ][:PER_ITEM]
        if not resources:
            continue
        listed |= {r.pk for r in resources}
        items.append(
            Item(
                ", ".join(c.name.text for c in competences),
                answered(question, result),
                [
                    Help(
                        r.title.text,
                        r.get_absolute_url(),
                        " · ".join(
                            filter(None, [r.get_kind_display(), "" if r.price else _("free")])
                        ),
                    )
                    for r in resources
                ],
                Help(
                    _("Everything on this competence"),
                    reverse("competence", args=[competences[0].key]),
                ),
            )
        )
    return items


def _replace(situation: Situation) -> list[Item]:
    items = []
    published = Resource.objects.published().filter(kind=Resource.Kind.ALTERNATIVE)
    for tool in Tool.objects.filter(slug__in=situation.tools):
        alternatives = list(published.filter(replaces=tool).order_by("title_fr")[:PER_ITEM])
        if alternatives:
            items.append(
                Item(
                    _("Instead of %(tool)s") % {"tool": tool.name},
                    _("The organisation uses %(tool)s.") % {"tool": tool.name},
                    [
                        Help(
                            r.title.text,
                            r.get_absolute_url(),
                            " · ".join(filter(None, [r.tool_licence, r.price])),
                        )
                        for r in alternatives
                    ],
                    Help(
                        _("All the alternatives to %(tool)s") % {"tool": tool.name},
                        reverse("alternatives") + "?" + urlencode({"tool": tool.slug}),
                    ),
                )
            )
    return items


def _meet(questions: list[Question], result: Result, situation: Situation) -> list[Item]:
    items = []
    for question in [q for q in questions if q.competences][:WEAKEST_SHOWN]:
        competences, ids = _competences(question.competences)
        upcoming = Event.objects.upcoming().filter(competences__in=ids).distinct()
        where = {"where": situation.place.label, "radius_km": REACH_KM} if situation.place else {}
        filters = EventFilters(where, upcoming)
        events = (
            list(filters.narrow().order_by("starts_at")[:PER_ITEM]) if filters.is_valid() else []
        )
        if not situation.place:  # nowhere to be within reach of: online ones only
            events = [e for e in events if e.mode != Event.Mode.ON_SITE]
        if events:
            items.append(
                Item(
                    ", ".join(c.name.text for c in competences),
                    answered(question, result),
                    [
                        Help(
                            e.title.text,
                            e.get_absolute_url(),
                            " · ".join(
                                [e.starts_at.date().isoformat(), e.get_mode_display(), e.locality]
                            ),
                        )
                        for e in events
                    ],
                )
            )
    return items


def _get_help(questions: list[Question], result: Result, situation: Situation) -> list[Item]:
    wanted = Counter(code for q in questions for code in q.services)
    services = {s.code: s for s in Service.objects.filter(code__in=wanted)}
    wanted = Counter({code: n for code, n in wanted.items() if code in services})
    items = []
    for code, _count in wanted.most_common(2):
        reasons = [q for q in questions if code in q.services]
        params = {"service": [code]}
        helps = []
        if situation.place is not None:
            place = situation.place
            query = SearchQuery(
                filters={"service": [code]},
                near=place.point,
                radius_km=NEAR_KM,
                sort="distance",
                limit=PER_ITEM,
            )
            for org in Organisation.objects.in_order(get_index().search(query).ids):
                helps.append(Help(org.name, org.get_absolute_url(), how_far(place, org)))
            for group in serving_groups(query, params, place):
                helps += [
                    Help(org.name, org.get_absolute_url(), group.title)
                    for org in group.organisations[:1]
                ]
            more = (
                reverse("atlas-list")
                + "?"
                + urlencode({"service": code, "where": place.label, "radius_km": NEAR_KM})
            )
            title = _("%(service)s near %(place)s") % {
                "service": services[code].label,
                "place": place.name,
            }
        else:
            more = reverse("atlas-list") + "?" + urlencode({"service": code})
            title = services[code].label
        items.append(
            Item(
                title,
                answered(reasons[0], result),
                helps,
                Help(_("All of them in the atlas"), more),
            )
        )
    return items


def how_far(place: Place, org: Organisation) -> str:
    """ "12 km", or its town when the entry has no coordinates of its own."""
    if org.latitude is None or org.longitude is None:
        return org.locality
    return _("%(km)s km") % {"km": round(distance_km(*place.point, org.latitude, org.longitude))}


def _fund(situation: Situation) -> list[Item]:
    data = {"kind": Opportunity.Kind.FUNDING}
    if situation.country:
        data["eligible_country"] = situation.country
    if situation.legal_form:
        data["legal_form"] = situation.legal_form
    filters = OpportunityFilters(data, Opportunity.objects.open())
    if not filters.is_valid():
        return []
    calls = list(filters.narrow().order_by("deadline")[: PER_ITEM * 2])
    if not calls:
        return []
    reason = _("Open to organisations like yours (country and legal form), and not closed.")
    return [
        Item(
            _("Funding calls you can answer"),
            reason,
            [
                Help(
                    call.title.text,
                    call.get_absolute_url(),
                    " · ".join(
                        filter(
                            None,
                            [
                                call.funder,
                                _("until %(date)s") % {"date": call.deadline.isoformat()}
                                if call.deadline
                                else "",
                            ],
                        )
                    ),
                )
                for call in calls
            ],
            Help(_("All the open funding calls"), reverse("opportunities") + "?" + urlencode(data)),
        )
    ]


def _check(result: Result) -> list[Item]:
    items = []
    scores = {d.dimension.code: d for d in result.dimensions}
    skills, inclusion = scores.get("skills"), scores.get("inclusion")
    if skills and (
        skills.points is None or skills.points < CHECK_BELOW or (skills.spread or 0) >= 25
    ):
        items.append(
            Item(
                _("A self-check for each member of the team"),
                _("The team’s digital skills: %(score)s out of 100.")
                % {"score": skills.points if skills.points is not None else "—"},
                [
                    Help(
                        _("Digital skills self-check (a few minutes, nothing kept)"),
                        reverse("self-check"),
                    )
                ],
            )
        )
    if inclusion and (inclusion.points is None or inclusion.points < CHECK_BELOW):
        items.append(
            Item(
                _("A screening of digital fragilities for the people you serve"),
                _("Accessibility and digital inclusion: %(score)s out of 100.")
                % {"score": inclusion.points if inclusion.points is not None else "—"},
                [
                    Help(
                        _(
                            "Screening of digital fragilities, ending with the nearest mediation "
                            "places"
                        ),
                        reverse("fragility"),
                    )
                ],
            )
        )
    return items


def plan_for(diagnostic: Diagnostic, result: Result, responses: list[Response]) -> list[Section]:
    situation = situation_of(diagnostic, responses)
    questions = weakest(result)
    return [
        Section(
            "learn",
            _("Learn"),
            _learn(questions, result, situation),
            _("No resource of the commons matches the weakest answers yet."),
        ),
        Section(
            "replace",
            _("Replace the big platforms’ tools"),
            _replace(situation),
            _("No big platform’s tool was named, or the commons has no alternative to it yet."),
        ),
        Section(
            "meet",
            _("Events and trainings"),
            _meet(questions, result, situation),
            _("No upcoming event or training on these competences, online or within reach."),
        ),
        Section(
            "help",
            _("Help near you"),
            _get_help(questions, result, situation),
            _("No answer calls for a provider’s help."),
        ),
        Section(
            "fund",
            _("Funding"),
            _fund(situation),
            _("No open funding call for organisations like yours at the moment."),
        ),
        Section(
            "check",
            _("Individual checks"),
            _check(result),
            _(
                "The team’s skills and the inclusion of the people you serve scored well: "
                "no individual check is needed."
            ),
        ),
    ]
