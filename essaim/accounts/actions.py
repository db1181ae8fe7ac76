"""Every way an account changes: consent, API tokens, export and erasure of personal data."""

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone, translation

from essaim.core.actions import audit

from .models import ApiToken, User


def do_verify_administrator_email(user: User) -> None:
    """The address of an administrator created at the server's console counts as verified:
    whoever runs the command there is trusted, and can sign in at once."""
    if user.email:
        with transaction.atomic():
            EmailAddress.objects.update_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
            audit("account.email_verified", user)


def do_set_newsletter_consent(user: User, consent: bool) -> None:
    if consent and not user.newsletter_consented_at:
        user.newsletter_consented_at = timezone.now()
        user.language = (translation.get_language() or "")[:2]
    elif not consent:
        user.newsletter_consented_at = None
    with transaction.atomic():
        user.save(update_fields=["newsletter_consented_at", "language"])
        audit("account.newsletter_consent", user, actor=user, detail={"consent": consent})


def do_create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token and its key, which is not stored and can only be shown now."""
    key = ApiToken.new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, digest=ApiToken.digest_of(key), prefix=key[7:15]
        )
        audit("api_token.created", token, actor=user)
    return token, key


def do_revoke_api_token(token: ApiToken) -> None:
    with transaction.atomic():
        audit("api_token.revoked", token, actor=token.user)
        token.delete()


def do_use_api_key(key: str) -> User | None:
    """The active member this API key belongs to (None for an unknown key), noting when the
    key was last used, for its owner to see."""
    token = ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(key)).first()
    if token is None or not token.user.is_active:
        return None
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def do_save_account_from_admin(user: User, *, actor, changed: list[str]) -> User:
    """An administrator creates or edits an account (roles, status, password)."""
    with transaction.atomic():
        creating = user.pk is None
        user.save()
        audit(f"account.{'created' if creating else 'edited'}", user, actor=actor,
              detail={"fields": sorted(name for name in changed if name != "password")
                      + (["password"] if "password" in changed else [])})  # fmt: skip
    return user


def do_delete_account(user: User) -> None:
    """Erase a member. What they contributed stays, anonymised: published changes keep no
    author, suggestions and reports lose their link and any email address."""
    with transaction.atomic():
        user.suggestions.update(author=None, email="")
        user.reports.update(author=None, email="")
        audit("account.deleted", user.pk)  # by its owner, who is gone with it
        user.delete()
