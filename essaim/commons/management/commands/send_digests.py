from django.core.management.base import BaseCommand

from essaim.commons.actions import do_send_digests


class Command(BaseCommand):
    help = "Email members the new opportunities matching their saved searches (run daily)."

    def handle(self, *args, **options) -> None:
        sent = do_send_digests()
        self.stdout.write(f"{sent} digest(s) sent.")
