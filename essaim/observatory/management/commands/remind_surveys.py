from django.core.management.base import BaseCommand

from essaim.observatory.actions import do_remind_surveys


class Command(BaseCommand):
    help = (
        "Remind, once, the organisations that have not answered a survey closing within a "
        "week, and close the surveys past their date (daily)."
    )

    def handle(self, *args, **options) -> None:
        sent = do_remind_surveys()
        self.stdout.write(f"{sent} reminder(s) sent.")
