"""The demo network, after the Social Good Accelerator's (70 and more members, who join,
give and take part in working groups): a few member organisations of the atlas's four
families of the digital social economy, current, in their grace period, expired and
pending, under a yearly fee."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from essaim.atlas.models import Family, Organisation

from .actions import do_record_demo

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
