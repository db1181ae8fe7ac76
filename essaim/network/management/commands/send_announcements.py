from django.core.management.base import BaseCommand

from essaim.network.actions.announcements import do_send_queued


class Command(BaseCommand):
    help = (
        "Send the next queued announcements, at most ESSAIM_ANNOUNCEMENTS_PER_RUN (run it "
        "every minute: that is the rate the mail server sees)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, help="At most this many in this run.")

    def handle(self, *args, limit=None, **options) -> None:
        delivered, failed = do_send_queued(limit)
        self.stdout.write(f"{delivered} sent, {failed} failed.")
