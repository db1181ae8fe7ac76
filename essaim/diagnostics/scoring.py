"""Scores, by the formula docs/diagnostic.md states:

- a respondent's score on a dimension is 100 × the mean of the levels they chose (0–3) over 3,
  "don't know" left out; none when they knew none of its answers;
- the organisation's score on a dimension is the mean of its respondents' scores there, and the
  spread the highest minus the lowest of them;
- an overall score is the mean of the dimensions' scores (each dimension weighs the same);
- every figure is rounded to a whole number last, halves up.
"""

import math
from dataclasses import dataclass, field
from fractions import Fraction

from django.utils.translation import gettext_lazy as _

from .questionnaire import DONT_KNOW, TOP, Dimension, Questionnaire


def mean(values: list) -> Fraction:
    """The exact mean: a half stays a half until it is rounded (12.5 shows as 13, never as
    12.4999… does in floating point). Summed over a common denominator: one fraction made."""
    denominator = math.lcm(*(value.denominator for value in values))  # ints have one too
    total = sum(value.numerator * (denominator // value.denominator) for value in values)
    return Fraction(total, denominator * len(values))


BANDS = ((25, _("starting out")), (50, _("taking shape")), (75, _("established")))


def whole(value: Fraction | None) -> int | None:
    """Rounded to a whole number, halves up."""
    if value is None:
        return None
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def band(points: int | None) -> str:
    """A score as words."""
    if points is None:
        return _("not known")
    for limit, words in BANDS:
        if points < limit:
            return words
    return _("advanced")


def ticks_per_point(questionnaire: Questionnaire) -> int:
    """A whole number of ticks makes every respondent's score exactly (100 × s / (3 × n) for
    n answers known of a dimension): sums stay integers, and one fraction per figure is made."""
    most = max(len(dimension.questions) for dimension in questionnaire.dimensions)
    return math.lcm(*(TOP * n for n in range(1, most + 1)))


def dimension_ticks(answers: dict, dimension: Dimension, per_point: int) -> int | None:
    """A respondent's score on a dimension, in ticks (`per_point` to a point)."""
    levels = [
        answers[q.code]
        for q in dimension.questions
        if q.code in answers and answers[q.code] != DONT_KNOW
    ]
    return 100 * sum(levels) * per_point // (TOP * len(levels)) if levels else None


@dataclass
class DimensionResult:
    dimension: Dimension
    points: int | None
    spread: int | None  # highest minus lowest respondent, from two respondents who knew
    unknown: int  # "don't know" answers, all respondents together
    respondents: int  # those who knew at least one answer here
    exact: Fraction | None = None  # the score before rounding (the network's means use it)
    before: int | None = None  # the same dimension's score last time

    @property
    def words(self) -> str:
        return band(self.points)

    @property
    def progress(self) -> int | None:
        if self.points is None or self.before is None:
            return None
        return self.points - self.before


@dataclass
class Result:
    respondents: int
    dimensions: list[DimensionResult]
    overall: int | None
    overall_exact: Fraction | None = None
    overall_before: int | None = None
    # Question code → the mean level of those who knew (for the plan's reasons).
    question_means: dict[str, Fraction] = field(default_factory=dict)
    question_answers: dict[str, int] = field(default_factory=dict)  # how many knew

    @property
    def words(self) -> str:
        return band(self.overall)

    @property
    def progress(self) -> int | None:
        if self.overall is None or self.overall_before is None:
            return None
        return self.overall - self.overall_before


def result_of(
    questionnaire: Questionnaire, answer_sets: list[dict], per_question: bool = True
) -> Result:
    """The result of one or more respondents' answers (with each question's mean level, for
    the plan's reasons, unless `per_question` is False)."""
    dimensions, overall = [], []
    per_point = ticks_per_point(questionnaire)
    for dimension in questionnaire.dimensions:
        each = [
            t for answers in answer_sets if (t := dimension_ticks(answers, dimension, per_point))
            is not None
        ]  # fmt: skip
        unknown = sum(
            1
            for answers in answer_sets
            for q in dimension.questions
            if answers.get(q.code) == DONT_KNOW
        )
        points = Fraction(sum(each), len(each) * per_point) if each else None
        if points is not None:
            overall.append(points)
        dimensions.append(
            DimensionResult(
                dimension,
                whole(points),
                whole(Fraction(max(each) - min(each), per_point)) if len(each) > 1 else None,
                unknown,
                len(each),
                points,
            )
        )
    means, counts = {}, {}
    for code in questionnaire.questions if per_question else ():
        levels = [a[code] for a in answer_sets if a.get(code, DONT_KNOW) != DONT_KNOW]
        if levels:
            means[code], counts[code] = mean(levels), len(levels)
    total = mean(overall) if overall else None
    return Result(
        len(answer_sets),
        dimensions,
        whole(total),
        total,
        question_means=means,
        question_answers=counts,
    )


def with_progress(result: Result, before: Result | None) -> Result:
    """`result` with the scores of last time beside its own."""
    if before is not None:
        for now, then in zip(result.dimensions, before.dimensions, strict=True):
            now.before = then.points
        result.overall_before = before.overall
    return result
