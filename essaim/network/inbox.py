"""The inbox's sorting, on the server's CPU: a message takes the reason its nearest examples
vote for, over the search's multilingual sentence vectors. The examples are the labelled set
shipped in `data/inbox_labelled.json` (every fifth message of each language held out: `make
bench` measures the sorting there) and those the network writes or corrects, in any language;
a correction counts from the next message on."""

import json
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from django.db.models import Count, Max

from essaim.search.nearest import NearestExamples, hold_out

from .models import Example, Reason

LABELLED = Path(__file__).resolve().parent / "data" / "inbox_labelled.json"
NEIGHBOURS = 7
# Below this share of the votes, the inbox asks a person to check the reason.
UNSURE = 0.6
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
        self._shipped = NearestExamples(texts, reasons, k=NEIGHBOURS)
        self._nearest = self._shipped
        self._version: tuple | None = None
        self._examples: list[dict] = list(shipped)
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        """Take in the network's examples when they have changed."""
        state = Example.objects.aggregate(n=Count("id"), last=Max("id"))
        version = (state["n"], state["last"])
        if version == self._version:
            return
        own = [{"text": text, "reason": code} for text, code in
               Example.objects.values_list("text", "reason__code")]  # fmt: skip
        examples = [*self.shipped, *own]
        vectors = self._shipped.vectors
        if own:
            vectors = np.vstack([vectors, self._shipped.encode([e["text"] for e in own])])
        self._nearest = NearestExamples([e["text"] for e in examples],
                                        [e["reason"] for e in examples], k=NEIGHBOURS,
                                        vectors=vectors)  # fmt: skip
        self._examples, self._version = examples, version

    def sort_many(self, texts: list[str], refresh: bool = True) -> list[Sorting]:
        with self._lock:
            if refresh:
                self._refresh()
            nearest, examples = self._nearest, self._examples
        return [
            Sorting(vote.label, vote.confidence, [
                {"text": examples[i]["text"], "reason": examples[i]["reason"], "similarity": s}
                for i, s in zip(vote.nearest[:WHY], vote.similarities, strict=False)
            ])
            for vote in nearest.vote_many(texts)
        ]  # fmt: skip

    def sort(self, text: str) -> Sorting:
        return self.sort_many([text])[0]


_sorter: Sorter | None = None
_lock = threading.Lock()


def sorter() -> Sorter:
    """This process's sorter, built on first use from the examples it learns from."""
    global _sorter
    if _sorter is None:
        with _lock:
            if _sorter is None:
                _sorter = Sorter(learnt_and_held_out()[0])
    return _sorter


def reasons_by_code() -> dict[str, Reason]:
    return {reason.code: reason for reason in Reason.objects.all()}
