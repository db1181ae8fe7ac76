"""The demo network, after the Social Good Accelerator's (70 and more members, who join,
give and take part in working groups): a few member organisations of the atlas's four
families of the digital social economy, current, in their grace period, expired and
pending, under a yearly fee."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from essaim.atlas.models import Family, Organisation

from .actions import do_record_demo
from .actions.demo import do_record_demo_governance

FAMILIES = ["insertion-circular", "popular-education", "digital-commons", "solidarity-platforms"]
EXPLANATION = (
    "Organisations of the digital social economy join to be heard together, share their "
    "tools and needs, and decide in common: one member, one vote."
)


def load_demo_network() -> int:
    families = list(Family.objects.filter(code__in=FAMILIES))
    organisations = list(
        Organisation.objects.published().filter(families__in=families).distinct().order_by("pk")
    )[:8]
    today = timezone.localdate()
    year = timedelta(days=365)
    # (applied, approved, paid until): current ×5, in its grace period, expired, pending.
    dates = [
        (today - 2 * year, today - 2 * year + timedelta(days=7), today + timedelta(days=200)),
        (today - year, today - year + timedelta(days=3), today + timedelta(days=20)),
        (today - year, today - year + timedelta(days=9), today + timedelta(days=120)),
        (today - 3 * year, today - 3 * year + timedelta(days=2), today + timedelta(days=300)),
        (today - year, today - year + timedelta(days=5), today + timedelta(days=90)),
        (today - 2 * year, today - 2 * year + timedelta(days=4), today - timedelta(days=20)),
        (today - 3 * year, today - 3 * year + timedelta(days=6), today - timedelta(days=400)),
        (today - timedelta(days=4), None, None),
    ]
    entries = [(org, *when) for org, when in zip(organisations, dates, strict=False)]
    return do_record_demo(EXPLANATION, families, Decimal(50), entries)


VOTE = (
    "Do we adopt the network's charter of ethical digital tools?",
    "The charter commits members to prefer free software, host data in Europe, and publish "
    "their tools' accessibility. Proposed by the working group on digital commons.",
)
PROPOSAL = (
    "A shared digital mediator for the rural members",
    "Our members far from the big cities have no one to help their volunteers with digital "
    "tools. We propose that the network hires a digital mediator shared between them.",
)
ANNOUNCEMENT = {
    "fr": {"subject": "Assemblée générale le 15 janvier",
           "body": "L’assemblée générale du réseau se tiendra le 15 janvier, en ligne et à "
                   "Lille. Ordre du jour : le rapport d’activité, la charte, le budget."},
    "en": {"subject": "General assembly on 15 January",
           "body": "The network's general assembly will meet on 15 January, online and in "
                   "Lille. Agenda: the activity report, the charter, the budget."},
    "it": {"subject": "Assemblea generale il 15 gennaio",
           "body": "L'assemblea generale della rete si terrà il 15 gennaio, online e a Lille. "
                   "Ordine del giorno: la relazione, la carta, il bilancio."},
    "es": {"subject": "Asamblea general el 15 de enero",
           "body": "La asamblea general de la red se celebrará el 15 de enero, en línea y en "
                   "Lille. Orden del día: el informe de actividad, la carta, el presupuesto."},
}  # fmt: skip


def load_demo_governance() -> bool:
    """A past vote (the charter, adopted: 4 yes, 1 no, 1 abstention), a proposal, an
    announcement in four languages."""
    return do_record_demo_governance(*VOTE, ["yes", "yes", "no", "yes", "abstain", "yes"],
                                     PROPOSAL, ANNOUNCEMENT)  # fmt: skip
