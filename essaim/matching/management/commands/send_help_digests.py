from django.core.management.base import BaseCommand

from essaim.matching.actions import do_send_help_digests


class Command(BaseCommand):
    help = "Email volunteers who asked for it the new needs that fit their profile (daily)."

    def handle(self, *args, **options) -> None:
        sent = do_send_help_digests()
        self.stdout.write(f"{sent} digest(s) sent.")
