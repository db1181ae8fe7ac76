"""The demo's observatory, from the field's own figures: the Institut de la statistique du
Québec's portraits of the social economy (2016 and 2022), the CLDEM's count of Les Moulins
(2014 and three years later), the EU's 2024 figures; a goal after the Québec partners'
commitment of 200 start-ups in five years (its yearly figures are invented for the demo, and
say so); the atlas counted today; and a published survey of the 2025 families of the digital
social economy with a few demo answers."""

from datetime import date

from django.utils import timezone

from essaim.atlas.models import Family, Organisation

from .actions import do_load_territories, do_read_statements, do_record_atlas_counts, do_record_demo

INDICATORS = [
    # code, unit, computed, labels (fr, en, it, es)
    ("ess-enterprises", "organisations", "",
     ("Entreprises d’économie sociale", "Social economy enterprises",
      "Imprese dell’economia sociale", "Empresas de economía social")),
    ("ess-jobs", "jobs", "",
     ("Emplois dans l’économie sociale", "Jobs in the social economy",
      "Posti di lavoro nell’economia sociale", "Empleos en la economía social")),
    ("ess-startups", "organisations", "",
     ("Entreprises d’économie sociale créées", "Social economy start-ups",
      "Imprese dell’economia sociale avviate", "Empresas de economía social creadas")),
    ("atlas-organisations", "organisations", "organisations",
     ("Organisations dans l’atlas", "Organisations in the atlas",
      "Organizzazioni nell’atlante", "Organizaciones en el atlas")),
]  # fmt: skip

ISQ = "Institut de la statistique du Québec, portrait statistique de l’économie sociale"
CLDEM = "CLDEM, portrait de l’économie sociale des Moulins"
EU = "European Commission, social economy in the EU (2024)"
DEMO = "Demo figures, invented for the demonstration"

OBSERVATIONS = [
    # indicator, territory, period, value, source
    ("ess-enterprises", "ca-province:QC", "2016", 11200, ISQ),
    ("ess-enterprises", "ca-province:QC", "2022", 11360, ISQ),
    ("ess-jobs", "ca-province:QC", "2016", 220000, ISQ),
    ("ess-jobs", "ca-province:QC", "2022", 248000, ISQ),
    ("ess-enterprises", "qc-mrc:64", "2014", 30, CLDEM),
    ("ess-jobs", "qc-mrc:64", "2014", 625, CLDEM),
    ("ess-jobs", "qc-mrc:64", "2017", 787, CLDEM),
    ("ess-enterprises", "nuts:EU27_2020", "2024", 4300000, EU),
    ("ess-jobs", "nuts:EU27_2020", "2024", 11500000, EU),
    ("ess-startups", "ca-province:QC", "2018", 38, DEMO),
    ("ess-startups", "ca-province:QC", "2019", 81, DEMO),
    ("ess-startups", "ca-province:QC", "2020", 112, DEMO),
    ("ess-startups", "qc-region:14", "2019", 7, DEMO),
]

GOALS = [
    # title, owner, indicator, territory, baseline (date, value), target (date, value)
    ("200 social economy start-ups in Québec in five years",
     "The partners of the Québec social economy action plan", "ess-startups", "ca-province:QC",
     (date(2016, 12, 31), 0), (date(2021, 12, 31), 200)),
    ("15 social economy start-ups in Lanaudière in five years",
     "The partners of the Québec social economy action plan", "ess-startups", "qc-region:14",
     (date(2016, 12, 31), 0), (date(2021, 12, 31), 15)),
]  # fmt: skip

FAMILIES = ["insertion-circular", "popular-education", "digital-commons", "solidarity-platforms"]

QUESTIONS = [
    # kind, text, choices, allows_other
    ("multiple", "Which free tools does your organisation use every week?",
     ["Nextcloud", "LibreOffice", "Jitsi Meet", "Framaforms", "Matrix"], True),
    ("single", "Who looks after your digital tools?",
     ["An employee", "A volunteer", "A provider", "Nobody"], True),
    ("scale", "How well does your digital equipment meet your needs?", [], False),
    ("number", "How many people does your organisation employ?", [], False),
    ("long", "What would help your organisation most in its digital transition?", [], False),
]  # fmt: skip

# One demo organisation's answers per line (choices by index, other, scale, number, text).
ANSWERS = [
    ([0, 1], "", 1, "", 4, 6, "Une formation pour toute l’équipe nous aiderait énormément."),
    ([1, 3], "", 0, "", 3, 2, "We lack time more than tools: the volunteers are exhausted."),
    ([0, 2, 4], "PeerTube", 2, "", 4, 12, "Le mentorat avec la coopérative a été formidable."),
    ([1], "", 3, "", 2, 0, "Nessuno si occupa degli strumenti e il computer è troppo vecchio."),
    ([0, 1, 2], "", 4, "Un tiers-lieu voisin", 3, 4, "Un financement pour renouveler les postes."),
    ([2, 3], "Mobilizon", 1, "", 5, 25, "Las formaciones en línea fueron muy útiles y claras."),
    ([0], "", 0, "", 4, 9, "We moved our files to Nextcloud and it works very well."),
]


def load_demo_observatory() -> int:
    """The demo's figures, goals and survey; returns how many observations it holds."""
    do_load_territories()
    recorded = do_record_demo(INDICATORS, OBSERVATIONS, GOALS, _demo_survey())
    recorded += do_record_atlas_counts(None, timezone.localdate())
    do_read_statements()
    return recorded


def _demo_survey() -> dict:
    families = list(Family.objects.filter(code__in=FAMILIES))
    answering = list(
        Organisation.objects.published().filter(families__in=families).distinct().order_by("pk")
    )[: len(ANSWERS)]
    return {
        "title": "The digital social economy in 2025",
        "introduction": ("After the Social Good Accelerator's 2025 survey: the tools, the people "
                         "and the needs of the four families of the digital social economy."),
        "year": 2025,
        "closes_on": date(2025, 6, 30),
        "families": families,
        "questions": QUESTIONS,
        "answers": list(zip(answering, ANSWERS, strict=False)),
        "asked": list(Organisation.objects.published().filter(families__in=families).distinct()),
    }  # fmt: skip
