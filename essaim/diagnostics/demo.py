"""The demo's diagnostics: demo organisations that took it, most of them sharing their result,
so that the network's figures are not empty; one took it twice, and shows its progress.

The answers are drawn from a fixed seed around each organisation's own maturity: the same on
every machine, and plausible rather than real.
"""

import random
from datetime import timedelta

from django.utils import timezone

from essaim.atlas.models import Organisation

from .actions import do_record_diagnostic
from .models import Response
from .questionnaire import DONT_KNOW, questionnaire

# Demo organisations that took the diagnostic: (name, maturity 0–3, respondents, shared).
TAKERS = [
    ("Communautique", 1.6, 3, True),
    ("Quotient social", 2.3, 2, True),
    ("CLDEM — Développement économique Les Moulins", 1.2, 2, True),
    ("Coop d'aide domestique des Moulins", 0.8, 3, True),
    ("CSMO-ÉSAC", 1.7, 1, True),
    ("Caisse d'économie solidaire Desjardins", 2.0, 2, True),
    ("Table régionale de l'économie sociale de Lanaudière", 1.4, 2, True),
    ("Le Mouvement associatif", 1.9, 2, True),
    ("Emmaüs Connect", 2.4, 3, True),
    ("Latitudes", 2.5, 2, True),
    ("Fantastique Bazar", 1.1, 1, True),
    ("Share it", 1.8, 2, True),
    ("Wikimédia France", 2.7, 2, True),
    ("La Mednum", 2.4, 2, True),
    ("Les Assembleurs", 2.0, 1, True),
    ("Solinum", 2.2, 2, True),
    ("Télécoop", 2.6, 1, True),
    ("Open Food Facts", 2.5, 2, True),
    ("Data for Good", 2.6, 3, True),
    ("Envie", 1.5, 2, True),
    ("Label Emmaüs", 1.7, 2, True),
    ("Exploranum", 1.3, 1, False),
    ("Ecodair", 1.6, 1, False),
]
ROLES = [Response.Role.BOARD, Response.Role.STAFF, Response.Role.VOLUNTEER]
TOOLS = ["google-drive", "facebook", "youtube", "dropbox"]


def _answers(draw: random.Random, maturity: float) -> dict:
    answers = {}
    for code in questionnaire().questions:
        if draw.random() < 0.07:
            answers[code] = DONT_KNOW
        else:
            answers[code] = max(0, min(3, round(draw.gauss(maturity, 0.8))))
    return answers


def _responses(draw: random.Random, maturity: float, count: int, language: str) -> list[dict]:
    return [
        {
            "role": ROLES[n % 3],
            "answers": _answers(draw, maturity),
            "language": language,
            "tools": [t for t in TOOLS if draw.random() < 0.4],
        }
        for n in range(count)
    ]


def load_demo_diagnostics() -> int:
    """Record the demo's diagnostics of the organisations that have none yet; how many."""
    draw = random.Random(2026)
    now = timezone.now()
    organisations = {
        o.name: o for o in Organisation.objects.filter(name__in=[t[0] for t in TAKERS])
    }
    added = 0
    for name, maturity, count, shared in TAKERS:
        org = organisations.get(name)
        answer_sets = _responses(draw, maturity, count, org.original_language if org else "fr")
        if org is None or org.diagnostics.exists():
            continue
        previous = None
        if name == "Communautique":  # a first diagnostic eight months before, with less
            previous = do_record_diagnostic(
                org,
                _responses(draw, maturity - 0.6, 2, "fr"),
                started=now - timedelta(days=240),
                shared=False,
            )
            added += 1
        do_record_diagnostic(
            org,
            answer_sets,
            started=now - timedelta(days=draw.randint(3, 60)),
            shared=shared,
            previous=previous,
        )
        added += 1
    return added
