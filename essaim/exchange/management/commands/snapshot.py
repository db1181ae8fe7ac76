from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from essaim.exchange.snapshots import write_snapshots


class Command(BaseCommand):
    help = (
        "Write today's snapshots of the published atlas (gzipped CSV and JSON Lines) in the "
        "data directory, served under /exports/snapshots/; keep ESSAIM_SNAPSHOTS_KEEP days. "
        "Run it daily, e.g. from cron."
    )

    def handle(self, *args, **options) -> None:
        try:
            written, position = write_snapshots()
        except OSError as error:  # a full disk, most often: nothing half-written is left
            raise CommandError(
                _("The snapshots could not be written (%(error)s). Those already published "
                  "are kept; make room and run it again.") % {"error": error.strerror or error}
            ) from error  # fmt: skip
        if not options["verbosity"]:
            return
        for snapshot in written:
            sizes = {"name": snapshot.name, "size": snapshot.size}
            self.stdout.write(_("%(name)s: %(size)d bytes.") % sizes)
        self.stdout.write(_("Follow the change feed from since=%(position)d.")
                          % {"position": position})  # fmt: skip
