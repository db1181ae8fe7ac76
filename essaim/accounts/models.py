"""Essaim's user: a custom model from day one, so roles and profiles can grow without a swap.

Roles: every signed-in user is a member; moderators review contributions and revert changes;
administrators (superusers) run the instance and name the moderators in the admin."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    is_moderator = models.BooleanField(
        _("moderator"),
        default=False,
        help_text=_("Moderators review suggestions and reports, and can revert any change."),
    )

    @property
    def can_moderate(self) -> bool:
        return self.is_active and (self.is_moderator or self.is_superuser)
