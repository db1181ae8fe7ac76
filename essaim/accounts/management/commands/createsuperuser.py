"""Django's createsuperuser, whose administrator can sign in at once: the address typed at the
server's console counts as verified (sign-in otherwise waits for a verification email)."""

from django.contrib.auth.management.commands import createsuperuser

from essaim.accounts.actions import do_verify_administrator_email
from essaim.accounts.models import User


class Command(createsuperuser.Command):
    def handle(self, *args, **options) -> None:
        known = set(User.objects.filter(is_superuser=True).values_list("pk", flat=True))
        super().handle(*args, **options)
        for user in User.objects.filter(is_superuser=True).exclude(pk__in=known):
            do_verify_administrator_email(user)
