"""The inbox's sorting, on the server's CPU: a message takes the reason whose examples,
averaged, are nearest to it, over the search's multilingual sentence vectors. The examples are
the labelled set shipped in `data/inbox_labelled.json` (every fifth message of each language
held out: `make bench` measures the sorting there) and those the network writes or sorts again,
in any language, which weigh more; a message like one a person sorted takes its reason."""

import json
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from django.db.models import Count, Max

from essaim.search.nearest import Centroids, hold_out, once_a_process

from .models import Example, Reason

LABELLED = Path(__file__).resolve().parent / "data" / "inbox_labelled.json"
# The network's own examples (written, or messages a person sorted again) weigh this many
# shipped ones: they speak its members' words.
OWN_WEIGHT = 3
# A message this close to one a person sorted takes that one's reason: the routine request
# sorted right once is sorted right from then on.
SAME = 0.9
# Below this confidence, the inbox asks a person to check the reason.
UNSURE = 0.7
WHY = 3
LONGEST = 2000  # characters of a message read: its opening says why it was written

# The default reasons, those of the shipped labelled set: code, route, answer within (days),
# and their names in French, English, Italian and Spanish.
DEFAULT_REASONS = [
    ("correction", "moderators", None, "Correction d’une fiche", "Correction of an entry",
     "Correzione di una scheda", "Corrección de una ficha"),
    ("membership", "animators", None, "Adhésion", "Membership", "Adesione", "Afiliación"),
    ("event", "animators", None, "Événement", "Event", "Evento", "Evento"),
    ("gdpr", "administrators", 30, "Données personnelles (RGPD)", "Personal data (GDPR)",
     "Dati personali (GDPR)", "Datos personales (RGPD)"),
    ("partnership", "animators", None, "Partenariat", "Partnership", "Partenariato",
     "Colaboración"),
    ("other", "animators", None, "Autre", "Something else", "Altro", "Otro"),
    ("spam", "hidden", None, "Indésirable", "Spam", "Spam", "Spam"),
]  # fmt: skip


@dataclass(frozen=True)
class Sorting:
    reason: str
    confidence: float
    why: list[dict]  # the nearest examples: text, reason, similarity

    @property
    def unsure(self) -> bool:
        return self.confidence < UNSURE


@cache
def labelled() -> list[dict]:
    with LABELLED.open(encoding="utf-8") as stream:
        return json.load(stream)["messages"]


def learnt_and_held_out() -> tuple[list[dict], list[dict]]:
    return hold_out(labelled())


def text_of(subject: str, body: str) -> str:
    return f"{subject}\n{body}"[:LONGEST]


class Sorter:
    """The shipped examples (encoded once a process) and the network's own."""

    def __init__(self, shipped: list[dict]):
        self.shipped = shipped
        texts, reasons = [m["text"] for m in shipped], [m["reason"] for m in shipped]
        self._shipped = Centroids(texts, reasons)
        self._centroids = self._shipped
        self._own = np.zeros((0, self._shipped.vectors.shape[1]), dtype=np.float32)
        self._version: tuple | None = None
        self._examples: list[dict] = list(shipped)
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        """Take in the network's examples when they have changed."""
        state = Example.objects.aggregate(n=Count("id"), last=Max("id"))
        version = (state["n"], state["last"])
        if version == self._version:
            return
        # A sorted message's words are shown to nobody else: only that one was sorted.
        rows = Example.objects.values_list("text", "reason__code", "message")
        own = [{"text": text, "reason": code, "private": message is not None}
               for text, code, message in rows]  # fmt: skip
        examples = [*self.shipped, *own]
        self._own = self._shipped.encode([e["text"] for e in own]) if own else self._own[:0]
        self._centroids = Centroids(
            [e["text"] for e in examples], [e["reason"] for e in examples],
            weights=[1.0] * len(self.shipped) + [OWN_WEIGHT] * len(own),
            vectors=np.vstack([self._shipped.vectors, self._own]),
        )  # fmt: skip
        self._examples, self._version = examples, version

    def sort_many(self, texts: list[str], refresh: bool = True) -> list[Sorting]:
        with self._lock:
            if refresh:
                self._refresh()
            centroids, examples, own = self._centroids, self._examples, self._own
        found = []
        for vote in centroids.vote_many(texts, why=WHY):
            why = [{"text": shown(examples[i]), "reason": examples[i]["reason"], "similarity": s}
                   for i, s in zip(vote.nearest, vote.similarities, strict=True)]  # fmt: skip
            found.append(Sorting(vote.label, vote.confidence, why))
        if len(own):
            found = self._same_as_sorted(texts, found, examples[len(self.shipped) :], own)
        return found

    def _same_as_sorted(self, texts, found, own_examples, own) -> list[Sorting]:
        """A message that says what one sorted by a person said takes its reason."""
        similarities = self._shipped.encode(texts) @ own.T
        for n, row in enumerate(similarities):
            closest = int(np.argmax(row))
            if row[closest] >= SAME:
                example = own_examples[closest]
                found[n] = Sorting(example["reason"], round(float(row[closest]), 2), [
                    {"text": shown(example), "reason": example["reason"],
                     "similarity": round(float(row[closest]), 2)}])  # fmt: skip
        return found

    def sort(self, text: str) -> Sorting:
        return self.sort_many([text])[0]


def shown(example: dict) -> str:
    """An example's words, or none for a message a person sorted (it stays theirs)."""
    return "" if example.get("private") else example["text"]


# This process's sorter, built on first use from the examples it learns from.
sorter = once_a_process(lambda: Sorter(learnt_and_held_out()[0]))


def reasons_by_code() -> dict[str, Reason]:
    return {reason.code: reason for reason in Reason.objects.all()}
