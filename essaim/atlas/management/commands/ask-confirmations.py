from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from essaim.atlas.confirmations import ask_confirmation, due_for_confirmation


class Command(BaseCommand):
    help = (
        "Email each listed organisation with an address, whose entry has not been confirmed "
        "for a while, a signed link to confirm or correct it. Run it daily or weekly."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=365,
            help=_("Ask those whose last confirmation is older than this many days."),
        )
        parser.add_argument("--limit", type=int, default=1000, help=_("At most this many emails."))
        parser.add_argument("--dry-run", action="store_true", help=_("Only count them."))

    def handle(self, *args, older_than: int, limit: int, dry_run: bool, **options) -> None:
        due = due_for_confirmation(older_than)
        if dry_run:
            self.stdout.write(_("%(count)d organisations to ask.") % {"count": due.count()})
            return
        sent = 0
        for org in due[:limit]:
            ask_confirmation(org)
            sent += 1
        self.stdout.write(_("%(count)d organisations asked to confirm their entry.")
                          % {"count": sent})  # fmt: skip
