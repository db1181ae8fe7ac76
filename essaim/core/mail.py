"""The one way Essaim sends email: after the change it reports is committed."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)


def site_context() -> dict:
    return {
        "site_name": settings.ESSAIM["SITE_NAME"],
        "public_url": settings.ESSAIM["PUBLIC_URL"].rstrip("/"),
    }


def mail_after_commit(template: str, language: str, addresses: Iterable[str], **context) -> None:
    """Send `template` (`<template>_subject.txt` and `<template>.txt`, rendered in `language`
    with the site's name and address) to each address, once the current transaction commits
    (at once outside one): a rolled-back change sends nothing, and a mail server that fails
    is logged without undoing what was saved."""
    addresses = [address for address in addresses if address]

    def send() -> None:
        with translation.override(language):  # one message, whoever receives it
            full = {**site_context(), **context}
            subject = " ".join(render_to_string(f"{template}_subject.txt", full).split())
            body = render_to_string(f"{template}.txt", full)
        for address in addresses:
            try:
                send_mail(subject, body, None, [address])
            except OSError:
                logger.exception("Mail %s not sent", template)

    if addresses:
        transaction.on_commit(send)
