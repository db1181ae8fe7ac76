"""`essaim check --deploy`: the settings a production server must not keep at their
development values, each refused with what to set."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.http.request import validate_host

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0", ""}  # noqa: S104 (a name, not a bind)
NO_MAIL_BACKENDS = {
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


@register(Tags.security, deploy=True)
def production_settings(app_configs, **kwargs) -> list[Error]:
    errors = []
    public = urlsplit(settings.ESSAIM["PUBLIC_URL"])
    if public.hostname in LOCAL_HOSTS or public.hostname is None:
        errors.append(Error(
            f"ESSAIM_PUBLIC_URL is {settings.ESSAIM['PUBLIC_URL']!r}: every link in emails, "
            "exports, the API and the catalogue would point to this machine, not to the site.",
            hint="Set ESSAIM_PUBLIC_URL to the address visitors use, such as "
                 "https://atlas.example.org.",
            id="essaim.E001",
        ))  # fmt: skip
    elif not validate_host(public.hostname, settings.ALLOWED_HOSTS):
        errors.append(Error(
            f"The public address's host {public.hostname!r} is not in ESSAIM_ALLOWED_HOSTS: "
            "visitors would be refused.",
            hint="Add it to ESSAIM_ALLOWED_HOSTS.", id="essaim.E002",
        ))  # fmt: skip
    if settings.EMAIL_BACKEND in NO_MAIL_BACKENDS:
        errors.append(Error(
            "No mail server: confirmations, receipts and announcements would be written to "
            f"files ({settings.EMAIL_BACKEND}), never sent.",
            hint="Set ESSAIM_SMTP_HOST (and ESSAIM_SMTP_USER, ESSAIM_SMTP_PASSWORD).",
            id="essaim.E003",
        ))  # fmt: skip
    sender = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].rstrip(">")
    if sender in LOCAL_HOSTS or sender == "localhost":
        errors.append(Error(
            f"Emails would come from {settings.DEFAULT_FROM_EMAIL!r}, which no mail server "
            "accepts.", hint="Set ESSAIM_FROM_EMAIL to an address of the site's domain.",
            id="essaim.E004",
        ))  # fmt: skip
    if not settings.SECRET_KEY or settings.SECRET_KEY.startswith("development-only-key"):
        errors.append(Error(
            "No secret key of this site's own: sessions and signed links could be forged.",
            hint="Set ESSAIM_SECRET_KEY to a long random value (python -c \"import secrets; "
                 "print(secrets.token_urlsafe(50))\"), kept out of the code.",
            id="essaim.E005",
        ))  # fmt: skip
    return errors
