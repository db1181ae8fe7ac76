"""What people say, read on the server's CPU: a sentiment (positive, neutral, negative) with a
confidence, and themes, in the four languages, with the examples the reading leaned on.

The reader compares a text's meaning (the multilingual sentence vectors of search) with the
sentences of a labelled set shipped in `data/sentiment_labelled.json` and lets the nearest
ones vote, each by its similarity. The set's every fifth sentence in each language is held
out: the reader never learns from it, and `make bench` measures it there against a lexicon
of words. Nothing is downloaded: the vectors' model is inside its package."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils import translation

from essaim.search.nearest import NearestExamples, Vote, hold_out, once_a_process

LABELLED = Path(__file__).resolve().parent / "data" / "sentiment_labelled.json"
SENTIMENTS = ("positive", "neutral", "negative")
NEIGHBOURS = 11
# Below this share of the votes a person checks the reading.
UNSURE = 0.6
# A theme is given when this share of the votes' weight comes from examples that have it.
THEME_SHARE = 0.35
REASONS = 3


@dataclass(frozen=True)
class Reading:
    sentiment: str
    confidence: float
    themes: list[str]
    # (example, its sentiment, similarity), nearest first.
    reasons: list[tuple[str, str, float]]

    @property
    def unsure(self) -> bool:
        return self.confidence < UNSURE


@cache
def labelled() -> dict:
    with LABELLED.open(encoding="utf-8") as stream:
        return json.load(stream)


def split(sentences: list[dict]) -> tuple[list[dict], list[dict]]:
    """(learnt from, held out): every fifth sentence of each language is held out."""
    return hold_out(sentences)


def theme_label(code: str) -> str:
    labels = labelled()["themes"].get(code, {})
    return labels.get(translation.get_language() or "fr") or labels.get("en") or code


class Reader:
    """The labelled examples and their vectors; `read` is thread-safe (the encoder locks)."""

    def __init__(self, examples: list[dict]):
        self.examples = examples
        self._nearest = NearestExamples([example["text"] for example in examples],
                                        [example["sentiment"] for example in examples],
                                        k=NEIGHBOURS)  # fmt: skip

    def read_many(self, texts: list[str]) -> list[Reading]:
        return [self._reading(vote) for vote in self._nearest.vote_many(texts)]

    def read(self, text: str) -> Reading:
        return self.read_many([text])[0]

    def _reading(self, vote: Vote) -> Reading:
        theme_weights: dict[str, float] = {}
        for index, weight in zip(vote.nearest, vote.weights, strict=True):
            for code in self.examples[index]["themes"]:
                theme_weights[code] = theme_weights.get(code, 0.0) + weight
        total = sum(vote.weights)
        chosen = sorted((code for code, weight in theme_weights.items()
                         if weight / total >= THEME_SHARE),
                        key=lambda code: -theme_weights[code])[:3]  # fmt: skip
        reasons = [
            (self.examples[index]["text"], self.examples[index]["sentiment"], similarity)
            for index, similarity in zip(vote.nearest[:REASONS], vote.similarities, strict=False)
        ]  # fmt: skip
        return Reading(vote.label, vote.confidence, chosen, reasons)


# This process's reader, built on first use from the examples it learns from.
reader = once_a_process(lambda: Reader(split(labelled()["sentences"])[0]))
