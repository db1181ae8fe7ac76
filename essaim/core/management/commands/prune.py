from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from essaim.core.actions import do_prune_queue


class Command(BaseCommand):
    help = (
        "Forget what the queue and the change feed no longer need: finished jobs, scheduled "
        "runs and feed entries older than --days (the worker runs it every hour)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days, **options) -> None:
        removed = do_prune_queue(days)
        self.stdout.write(
            _("Removed: %(jobs)d finished jobs, %(feed)d change-feed entries.")
            % {"jobs": removed["jobs"], "feed": removed["feed entries"]}
        )
