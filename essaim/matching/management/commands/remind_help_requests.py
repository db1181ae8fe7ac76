from django.core.management.base import BaseCommand

from essaim.matching.actions import do_send_reminders


class Command(BaseCommand):
    help = "Remind, once, whoever was asked for help and has not answered in 3 days (daily)."

    def handle(self, *args, **options) -> None:
        sent = do_send_reminders()
        self.stdout.write(f"{sent} reminder(s) sent.")
