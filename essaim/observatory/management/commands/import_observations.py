from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from essaim.observatory.actions import do_import_observations
from essaim.observatory.imports import read_observations


class Command(BaseCommand):
    help = (
        "Import observations from a CSV file (docs/observatory.md): atomic unless --partial; "
        "every rejected line is reported with its column and reason."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--partial", action="store_true", help="Keep the valid lines.")
        parser.add_argument("--dry-run", action="store_true", help="Check, write nothing.")

    def handle(self, *args, file: Path, partial: bool, dry_run: bool, **options) -> None:
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(str(error)) from None
        report = read_observations(data)
        for reject in report.rejects:
            self.stderr.write(f"line {reject.line}, {reject.column or '-'}: {reject.reason}")
        if not dry_run:
            do_import_observations(None, report, partial=partial)
        self.stdout.write(
            f"{len(report.rows)} valid, {len(report.rejects)} rejected; "
            f"{report.created} created, {report.revised} revised, {report.unchanged} unchanged."
        )
        if report.rejects and not partial:
            raise CommandError("Nothing imported: correct the rejected lines or use --partial.")
