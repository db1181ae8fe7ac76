from django.core.management.base import BaseCommand

from essaim.commons.actions import do_forget_registrations


class Command(BaseCommand):
    help = (
        "Erase the names and email addresses of people registered for events that ended more "
        "than ESSAIM_REGISTRATION_RETENTION_DAYS ago (run daily)."
    )

    def handle(self, *args, **options) -> None:
        erased = do_forget_registrations()
        self.stdout.write(f"{erased} registration(s) erased.")
