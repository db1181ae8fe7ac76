from django.core.management.base import BaseCommand

from essaim.network.actions import do_send_renewal_reminders


class Command(BaseCommand):
    help = (
        "Remind, once a period, the members whose yearly fee falls due within the notice the "
        "terms set (daily)."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{do_send_renewal_reminders()} reminder(s) sent.")
