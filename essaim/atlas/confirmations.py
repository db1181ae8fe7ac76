"""The confirmation loop: each listed organisation with an address is asked, from time to time,
whether its entry is still true, through a signed link that needs no account.

The link carries the organisation's id and the address it was sent to, signed with the site's
secret and dated: it works for `LINK_DAYS`, and no longer once the entry's address changes.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from essaim.core.mail import mail_after_commit

from . import actions
from .models import Organisation

SALT = "essaim.confirm-entry"
LINK_DAYS = 60


def confirmation_path(org: Organisation) -> str:
    token = signing.dumps({"id": org.pk, "email": org.email}, salt=SALT, compress=True)
    with translation.override(org.original_language):
        return reverse("confirm-entry", kwargs={"token": token})


def organisation_for_token(token: str) -> Organisation | None:
    """The organisation a link was sent for, or None if the link is forged, too old, or its
    address is no longer the entry's."""
    try:
        data = signing.loads(token, salt=SALT, max_age=timedelta(days=LINK_DAYS))
    except signing.BadSignature:
        return None
    org = Organisation.objects.published().filter(pk=data.get("id")).first()
    if org is None or not org.email or org.email != data.get("email"):
        return None
    return org


def due_for_confirmation(older_than_days: int, now=None) -> QuerySet[Organisation]:
    """Published organisations with an address whose last confirmation (by themselves, their
    source or their creation) is older than that, and who were not asked since."""
    now = now or timezone.now()
    limit = now - timedelta(days=older_than_days)
    return (
        Organisation.objects.published()
        .exclude(email="")
        .filter(Q(confirmed_at__isnull=True) | Q(confirmed_at__lt=limit))
        .filter(Q(source_updated_at__isnull=True) | Q(source_updated_at__lt=limit))
        .filter(created_at__lt=limit)
        .filter(Q(confirmation_asked_at__isnull=True) | Q(confirmation_asked_at__lt=limit))
        .order_by("pk")
    )


def ask_confirmation(org: Organisation, now=None) -> None:
    """Email the organisation, in the language of its entry, a link to confirm or correct it."""
    now = now or timezone.now()
    public_url = settings.ESSAIM["PUBLIC_URL"].rstrip("/")
    with translation.override(org.original_language):
        confirm_url = public_url + confirmation_path(org)
        page_url = public_url + org.get_absolute_url()
    actions.do_ask_confirmation(org, now)
    mail_after_commit("atlas/email/confirm", org.original_language, [org.email], org=org,
                      confirm_url=confirm_url, page_url=page_url, days=LINK_DAYS)  # fmt: skip
