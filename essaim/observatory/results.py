"""A survey's results as they are published: how many answered and at what rate; for each
question the count of each choice out of the organisations that answered it (several choices
each add up to more than 100 %), the "other" answers in their words, the scale's spread and
mean, numbers' sum and median; by family, country or region, never for a group of fewer than
ESSAIM_SURVEY_GROUP_MIN organisations, nor for one that the others would let be worked out."""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django_countries import countries

from essaim.atlas.models import Family

from .figures import share
from .models import Answer, Question, Response, Statement, Survey

GROUPINGS = ("family", "country", "region")
SCALE = (1, 2, 3, 4, 5)


def group_minimum() -> int:
    return settings.ESSAIM["SURVEY_GROUP_MIN"]


@dataclass
class Choice:
    label: str
    count: int
    share: Decimal  # per cent of those who answered the question


@dataclass
class QuestionResult:
    question: Question
    answered: int
    choices: list[Choice] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    mean: Decimal | None = None
    median: Decimal | None = None
    total: Decimal | None = None
    texts: list[str] = field(default_factory=list)
    # For long texts: how many read positive, neutral, negative.
    sentiments: dict[str, int] = field(default_factory=dict)
    # Answered by fewer organisations than the minimum: nothing of it is given.
    hidden: bool = False
    # The bars of its choices, drawn by the page (core.charts.bar_chart).
    chart: dict | None = None
    summary: str = ""

    @property
    def chart_id(self) -> str:
        return f"chart-{self.question.pk}"


@dataclass
class Group:
    code: str
    label: str
    responses: int
    questions: list[QuestionResult]


@dataclass
class Results:
    survey: Survey
    invited: int
    responses: int
    questions: list[QuestionResult]
    retired: list[QuestionResult]
    grouping: str = ""
    groups: list[Group] = field(default_factory=list)
    hidden_groups: int = 0

    @property
    def rate(self) -> Decimal | None:
        if not self.invited:
            return None
        return Decimal(self.responses * 100) / self.invited


def _question_result(
    question: Question, answers: list[Answer], sentiments: dict, words: bool = True
) -> QuestionResult:
    """A question's figures; none when fewer organisations than the minimum answered it, and
    their own words (other, short texts) only when `words` (all together, not by group)."""
    result = QuestionResult(question, len(answers))
    if len(answers) < group_minimum():
        result.hidden = True
        return result
    if question.has_choices:
        counts = Counter(choice for answer in answers for choice in answer.choices)
        result.choices = [Choice(label, counts[label], share(counts[label], len(answers)))
                          for label in question.choices]  # fmt: skip
        others = [answer.other for answer in answers if answer.other]
        if question.allows_other:
            result.choices.append(Choice("other", len(others), share(len(others), len(answers))))
        result.others = sorted(others, key=str.casefold) if words else []
    elif question.kind == Question.Kind.SCALE:
        values = [int(answer.number) for answer in answers if answer.number is not None]
        counts = Counter(values)
        result.choices = [Choice(str(step), counts[step], share(counts[step], len(values)))
                          for step in SCALE]  # fmt: skip
        if values:
            result.mean = Decimal(sum(values)) / len(values)
    elif question.kind == Question.Kind.NUMBER:
        values = [answer.number for answer in answers if answer.number is not None]
        if values:
            result.total = sum(values)
            result.mean = result.total / len(values)
            result.median = Decimal(statistics.median(values))
    elif question.kind == Question.Kind.SHORT:
        if words:
            result.texts = sorted((a.text for a in answers if a.text), key=str.casefold)
    else:
        counted = Counter(sentiments.get(answer.pk) for answer in answers if answer.text)
        result.sentiments = {name: counted.get(name, 0) for name in Statement.Sentiment.values}
    return result


def _group_keys(response: Response, grouping: str) -> list[str]:
    if grouping == "family":
        return list(response.families)
    if grouping == "country":
        return [response.country] if response.country else []
    return [f"{response.country}|{response.region}"] if response.region else []


def _group_label(code: str, grouping: str, families: dict[str, str]) -> str:
    if grouping == "family":
        return families.get(code, code)
    if grouping == "country":
        return str(countries.name(code)) or code
    country, _bar, region = code.partition("|")
    return f"{region} ({countries.name(country) or country})"


@dataclass
class Answers:
    """A survey's questions, responses, answers by question and the long answers'
    sentiments, read once for as many groupings as asked."""

    questions: list[Question]
    responses: dict[int, Response]
    by_question: dict[int, list[Answer]]
    sentiments: dict[int, str]
    invited: int


def answers_of(survey: Survey) -> Answers:
    questions = list(survey.questions.prefetch_related("families"))
    by_question = defaultdict(list)
    for answer in Answer.objects.filter(response__survey=survey):
        by_question[answer.question_id].append(answer)
    long = [a.pk for q in questions if q.kind == Question.Kind.LONG for a in by_question[q.pk]]
    sentiments = {
        pk: checked or read
        for pk, checked, read in Statement.objects.filter(
            origin=Statement.Origin.SURVEY, origin_id__in=long
        ).values_list("origin_id", "checked_sentiment", "sentiment")
    }
    return Answers(questions, {r.pk: r for r in survey.responses.all()}, by_question,
                   sentiments, survey.invitations.count())  # fmt: skip


def survey_results(survey: Survey, grouping: str = "", read: Answers | None = None) -> Results:
    read = read or answers_of(survey)
    questions, responses, answers = read.questions, read.responses, read.by_question
    sentiments = read.sentiments
    results = Results(
        survey,
        read.invited,
        len(responses),
        [_question_result(q, answers[q.pk], sentiments) for q in questions if not q.retired],
        [_question_result(q, answers[q.pk], sentiments) for q in questions if q.retired],
        grouping,
    )
    if grouping not in GROUPINGS:
        return results
    members = defaultdict(set)
    for response in responses.values():
        for key in _group_keys(response, grouping):
            members[key].add(response.pk)
    shown, hidden = _suppressed(members, len(responses))
    results.hidden_groups = hidden
    families = {family.code: family.label for family in Family.objects.all()}
    asked = [q for q in questions if not q.retired and q.kind != Question.Kind.SHORT]
    # Per question too: the groups whose answers to it may be given (the same rule, on the
    # organisations that answered that question).
    allowed = {}
    for q in asked:
        answered = {a.response_id for a in answers[q.pk]}
        allowed[q.pk] = set(_suppressed({key: members[key] & answered for key in shown},
                                        len(answered))[0])  # fmt: skip
    for key in sorted(shown, key=lambda k: _group_label(k, grouping, families).casefold()):
        in_group = members[key]
        items = []
        for q in asked:
            item = _question_result(q, [a for a in answers[q.pk] if a.response_id in in_group],
                                    sentiments, words=False)  # fmt: skip
            if key not in allowed[q.pk] and not item.hidden:
                item = QuestionResult(q, item.answered, hidden=True)
            items.append(item)
        results.groups.append(Group(key, _group_label(key, grouping, families), len(in_group),
                                    items))  # fmt: skip
    return results


def _suppressed(members: dict[str, set], total: int) -> tuple[list[str], int]:
    """The groups that may be shown, and how many may not: those under the minimum; then,
    smallest first, as many more as it takes for the answers outside the shown groups (the
    hidden groups' and those in no group) to be none or at least the minimum, or the total
    minus the groups shown would give them away."""
    minimum = group_minimum()
    shown = sorted((key for key, group in members.items() if len(group) >= minimum),
                   key=lambda key: (len(members[key]), key))  # fmt: skip
    hidden = len(members) - len(shown)
    everyone = set().union(*members.values()) if members else set()
    outside = total - len(everyone)

    def left_out() -> int:
        covered = set().union(*(members[key] for key in shown)) if shown else set()
        return outside + len(everyone - covered)

    while shown and 0 < left_out() < minimum:
        shown.pop(0)
        hidden += 1
    return sorted(shown), hidden
