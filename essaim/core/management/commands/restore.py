from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from essaim.atlas.models import Organisation
from essaim.core import feed
from essaim.core.actions import do_clear_feed
from essaim.core.backups import (
    BackupError,
    check_restorable,
    describe,
    read_manifest,
    restore_backup,
)


class Command(BaseCommand):
    help = (
        "Replace this instance's database and kept files by a backup's (made by `essaim "
        "backup`, by this version or an older one), migrate, and rebuild the search index. "
        "Stop the web servers and workers first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true",
                            help="Replace what is there without asking.")  # fmt: skip

    def handle(self, *args, archive, yes, **options) -> None:
        try:
            manifest = read_manifest(archive)
            check_restorable(manifest)
        except BackupError as failure:
            raise CommandError(failure.message) from failure
        if not yes:
            answer = input(_("Replace this instance's data by the %(backup)s? [y/N] ")
                           % {"backup": describe(manifest)})  # fmt: skip
            if answer.strip().lower() not in ("y", "yes", "o", "oui", "s", "si", "sí"):
                raise CommandError(_("Nothing restored."))
        try:
            restore_backup(archive)
        except (BackupError, OSError) as failure:
            raise CommandError(getattr(failure, "message", str(failure))) from failure
        call_command("migrate", "--no-input", verbosity=0)
        # The restored feed's entries are the old database's (on another PostgreSQL cluster,
        # their transaction ids mean nothing): the index is rebuilt from the rows anyway.
        do_clear_feed()
        feed.rebuild()  # the index from the restored database, followed from there
        self.stdout.write(
            _("Restored the %(backup)s: %(count)d organisations; the search index rebuilt.")
            % {"backup": describe(manifest), "count": Organisation.objects.count()}
        )
