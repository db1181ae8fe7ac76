"""Essaim's user: a custom model from day one, so roles and profiles can grow without a swap.

Roles: every signed-in user is a member; a member may represent organisations (see
contributions); moderators review contributions and revert changes; administrators
(superusers) run the instance and name the moderators in the admin."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    is_moderator = models.BooleanField(
        _("moderator"),
        default=False,
        help_text=_("Moderators review suggestions and reports, and can revert any change."),
    )
    # Only with explicit consent, and when it was given.
    newsletter_consented_at = models.DateTimeField(_("newsletter consent"), null=True, blank=True)
    # The language the site was read in when consent was given: the one news is written in.
    language = models.CharField(_("language"), max_length=2, blank=True)

    @property
    def can_moderate(self) -> bool:
        return self.is_active and (self.is_moderator or self.is_superuser)


class ApiToken(models.Model):
    """A key for the API's write endpoints, acting as its member. Only a digest is stored: the
    key is shown once, when it is created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("member"),
    )
    name = models.CharField(_("name"), max_length=80)
    digest = models.CharField(max_length=64, unique=True)
    # The first characters, so the member can tell their keys apart.
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "essaim_" + secrets.token_urlsafe(32)
