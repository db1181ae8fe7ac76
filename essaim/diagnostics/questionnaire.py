"""The questionnaire, as data (data/questionnaire.json): seven dimensions of an organisation's
digital life, about thirty questions, each answered on four described levels (0 to 3) or
"don't know", which is counted apart and never as a zero.

A question may name the DigComp competences a training would strengthen and the kinds of
providers (the atlas's services) that help with it: the plan follows them.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils import translation

from essaim.atlas.models import pick_translation

FILE = Path(__file__).parent / "data" / "questionnaire.json"
DONT_KNOW = "?"
TOP = 3  # the highest level


def in_language(texts: dict[str, str]) -> str:
    return pick_translation(texts, translation.get_language() or "fr", "en").text


@dataclass(frozen=True)
class Question:
    code: str
    dimension: str
    position: int  # from 1, across the questionnaire
    texts: dict[str, str]
    levels: tuple[dict[str, str], ...]
    competences: tuple[str, ...]
    services: tuple[str, ...]

    @property
    def text(self) -> str:
        return in_language(self.texts)

    def level(self, value: int) -> str:
        return in_language(self.levels[value])

    @property
    def level_texts(self) -> list[str]:
        return [in_language(level) for level in self.levels]


@dataclass(frozen=True)
class Dimension:
    code: str
    number: int
    names: dict[str, str]
    descriptions: dict[str, str]
    questions: tuple[Question, ...]

    @property
    def name(self) -> str:
        return in_language(self.names)

    @property
    def description(self) -> str:
        return in_language(self.descriptions)


@dataclass(frozen=True)
class Questionnaire:
    key: str
    dimensions: tuple[Dimension, ...]

    @property
    def questions(self) -> dict[str, Question]:
        return {q.code: q for dimension in self.dimensions for q in dimension.questions}

    def dimension(self, code: str) -> Dimension:
        return next(d for d in self.dimensions if d.code == code)


@cache
def questionnaire() -> Questionnaire:
    data = json.loads(FILE.read_text())
    dimensions, position = [], 0
    for number, dimension in enumerate(data["dimensions"], 1):
        questions = []
        for question in dimension["questions"]:
            position += 1
            questions.append(
                Question(
                    code=question["code"],
                    dimension=dimension["code"],
                    position=position,
                    texts=question["text"],
                    levels=tuple(question["levels"]),
                    competences=tuple(question.get("competences", ())),
                    services=tuple(question.get("services", ())),
                )
            )
        dimensions.append(
            Dimension(
                dimension["code"],
                number,
                dimension["name"],
                dimension["description"],
                tuple(questions),
            )
        )
    return Questionnaire(data["key"], tuple(dimensions))
