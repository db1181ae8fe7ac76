"""Who may do what, in one style across the domains.

- `check_*(user, …)` returns nothing or raises `NotAllowed`, a `PermissionDenied` with its
  reason: a 403 on the pages (Django) and in the API (its handler), whoever calls it.
- `access_*(user, pk, …)` fetches an object (404 when it does not exist) and checks it.
- `allows(check, …)` asks a check as a question, for a page that shows or hides a link.

The `do_*` functions of each domain's `actions.py` run their check themselves, so a view that
forgets one cannot write what it should not.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class NotAllowed(PermissionDenied):
    """Refused, with a translated reason."""

    def __init__(self, reason=None):
        self.reason = reason or _("You are not allowed to do this.")
        super().__init__(self.reason)


class LinkRefused(Exception):
    """A signed link that leads nowhere: forged or mistyped (404), or expired (410)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message, self.status = message, status


def allows(check: Callable[..., None], *args) -> bool:
    """Whether `check(*args)` lets it through."""
    try:
        check(*args)
    except NotAllowed:
        return False
    return True


def check_moderator(user) -> None:
    if not (user.is_authenticated and user.can_moderate):
        raise NotAllowed(_("Only moderators do this."))
