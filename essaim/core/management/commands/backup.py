from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from essaim.core.backups import BackupError, make_backup


class Command(BaseCommand):
    help = (
        "Save the database and the data directory's files that cannot be made again (logos, "
        "snapshots, meaning vectors, the secret key) in one archive; the search index is "
        "rebuilt on restore. Safe while the site runs."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", type=Path, default=None,
                            help="Folder for the archive (default: DATA_DIR/backups).")  # fmt: skip

    def handle(self, *args, output, **options) -> None:
        folder = output or Path(settings.DATA_DIR) / "backups"
        try:
            archive = make_backup(folder)
        except (BackupError, OSError) as failure:
            raise CommandError(getattr(failure, "message", str(failure))) from failure
        size = archive.stat().st_size / 1_000_000
        self.stdout.write(_("Backup written: %(path)s (%(size).1f MB).")
                          % {"path": archive, "size": size})  # fmt: skip
