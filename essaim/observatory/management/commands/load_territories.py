import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from essaim.observatory.actions import do_load_territories
from essaim.observatory.models import Territory

COLUMNS = ("scheme", "code", "name", "parent", "population", "population_year")


class Command(BaseCommand):
    help = (
        "Load the territories figures are counted for: every country and the shipped French, "
        "Québec, Canadian and NUTS ones, or those of a CSV file (scheme, code, name, parent, "
        "population, population_year), such as the INSEE communes."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, nargs="?")

    def handle(self, *args, file: Path | None, **options) -> None:
        rows = None
        if file is not None:
            rows = list(_read(file))
        self.stdout.write(f"{do_load_territories(rows)} territories loaded.")


def _read(file: Path):
    schemes = set(Territory.Scheme.values)
    try:
        with file.open(encoding="utf-8-sig", newline="") as stream:
            for line, row in enumerate(csv.DictReader(stream), start=2):
                if row.get("scheme") not in schemes:
                    raise CommandError(f"line {line}: unknown scheme {row.get('scheme')!r}")
                if not row.get("code") or not row.get("name"):
                    raise CommandError(f"line {line}: code and name are required")
                if len(row["code"]) > 12 or len(row["name"]) > 120:
                    raise CommandError(f"line {line}: at most 12 characters of code, 120 of name")
                for name in ("population", "population_year"):
                    value = (row.get(name) or "").strip()
                    if value and not value.isdecimal():
                        raise CommandError(f"line {line}: {name} is not a whole number")
                    row[name] = int(value) if value else None
                yield {name: row.get(name) for name in COLUMNS}
    except OSError as error:
        raise CommandError(str(error)) from None
