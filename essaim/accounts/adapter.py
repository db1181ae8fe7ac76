"""How the accounts' emails name the site and link to it: by its name and public address
(settings), never by the host a request happened to come by ("[127.0.0.1:8102]")."""

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils.encoding import force_str


@dataclass(frozen=True)
class SiteNamed:
    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.ESSAIM['SITE_NAME']}] {force_str(subject)}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        site = SiteNamed(settings.ESSAIM["SITE_NAME"],
                         urlsplit(settings.ESSAIM["PUBLIC_URL"]).netloc)  # fmt: skip
        super().send_mail(template_prefix, email, {"current_site": site, **context})

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return on_public_site(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key: str) -> str:
        return on_public_site(super().get_reset_password_from_key_url(key))


def on_public_site(url: str) -> str:
    """`url`'s path on the site's public address."""
    public, link = urlsplit(settings.ESSAIM["PUBLIC_URL"]), urlsplit(url)
    return urlunsplit((public.scheme, public.netloc, link.path, link.query, link.fragment))
