import json
import time
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from tqdm import tqdm

from essaim.exchange.imports import (
    IMPORT_FORMATS,
    ImportError_,
    Mapping,
    Report,
    run_import,
    write_rejects,
)


def duplicates_url(source: str) -> str:
    public = settings.ESSAIM["PUBLIC_URL"].rstrip("/")
    return f"{public}{reverse('duplicates')}?{urlencode({'source': source})}"


def summary(report: Report) -> str:
    """What the import did, or — for a dry run or a run rolled back — would have done."""
    counts = {"read": report.read, **report.counts()}
    if report.applied:
        return (
            _(
                "%(read)d records read: %(created)d created, %(updated)d updated, "
                "%(unchanged)d unchanged, %(rejected)d rejected; %(missing)d no longer in the "
                "source (flagged for review)."
            )
            % counts
        )
    return (
        _(
            "%(read)d records read, %(rejected)d rejected. Nothing was written; the import would "
            "have created %(created)d, updated %(updated)d, left %(unchanged)d unchanged and "
            "flagged %(missing)d no longer in the source."
        )
        % counts
    )


class Command(BaseCommand):
    help = (
        "Import a file of a source into the atlas. Records are found again by their id at the "
        "source: re-importing updates them, never duplicates them. Atomic: a single rejected "
        "record writes nothing, unless --partial."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help=_("The file to import."))
        parser.add_argument("--format", required=True, choices=IMPORT_FORMATS)
        parser.add_argument(
            "--source",
            required=True,
            help=_("The source's name (a slug), kept as each organisation's provenance."),
        )
        parser.add_argument(
            "--mapping",
            help=_("A JSON file of columns, values and defaults; saved for the next imports."),
        )
        parser.add_argument("--dry-run", action="store_true", help=_("Write nothing."))
        parser.add_argument(
            "--partial", action="store_true", help=_("Keep the valid records when some fail.")
        )
        parser.add_argument(
            "--rejects",
            help=_("Where to write the rejected records (default: FILE.rejects.csv)."),
        )
        parser.add_argument("--encoding", help=_("The file's encoding when not UTF-8."))
        parser.add_argument(
            "--services", help=_("data·inclusion: the services file of the structures.")
        )
        parser.add_argument(
            "--subset",
            action="store_true",
            help=_("The file holds only part of the source: do not flag the records it lacks."),
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file: str, format: str, source: str, **options) -> None:  # noqa: A002
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        mapping = self._mapping(options["mapping"])
        companions = {}
        if options["services"]:
            companions["services"] = open(options["services"], "rb")  # noqa: SIM115
        started = time.monotonic()
        with (
            open(path, "rb") as raw,
            tqdm(
                total=path.stat().st_size, unit="B", unit_scale=True, file=self.stderr,
                disable=options["no_progress"], dynamic_ncols=True,
            ) as progress,
        ):  # fmt: skip

            def advance() -> None:
                progress.update(raw.tell() - progress.n)

            try:
                report = run_import(
                    raw, format, source, mapping=mapping, partial=options["partial"],
                    dry_run=options["dry_run"], encoding=options["encoding"],
                    flag_missing=not options["subset"], on_progress=advance,
                    companions=companions,
                )  # fmt: skip
            except ImportError_ as error:
                raise CommandError(error.message) from error
            finally:
                for companion in companions.values():
                    companion.close()
        for warning in report.warnings:
            self.stderr.write(warning)
        self.stdout.write(summary(report))
        self.stdout.write(_("In %(seconds).1f s.") % {"seconds": time.monotonic() - started})
        if report.applied and report.duplicates:
            self.stdout.write(
                ngettext(
                    "%(count)d new pair of possible duplicates to review: %(url)s",
                    "%(count)d new pairs of possible duplicates to review: %(url)s",
                    report.duplicates,
                )
                % {"count": report.duplicates, "url": duplicates_url(source)}
            )
        if report.applied and report.duplicates_later:
            self.stdout.write(
                _("Possible duplicates are looked for in the background (by a worker): they "
                  "will be listed at %(url)s") % {"url": duplicates_url(source)}
            )  # fmt: skip
        if report.warned:
            self.stderr.write(
                ngettext(
                    "%(count)d record kept without a value it gave, which was refused:",
                    "%(count)d records kept without a value they gave, which was refused:",
                    report.warned,
                )
                % {"count": report.warned}
            )
            for warning in report.set_aside[:10]:
                self.stderr.write(
                    _("Line %(line)d (id %(id)s), %(field)s = %(value)s: %(reason)s")
                    % {"line": warning.line, "id": warning.source_id, "field": warning.field,
                       "value": warning.value, "reason": warning.reason}
                )  # fmt: skip
        if report.rejected:
            rejects = Path(options["rejects"] or f"{path}.rejects.csv")
            write_rejects(report, rejects)
            for rejection in report.rejections[:10]:
                self.stderr.write(
                    _("Line %(line)d (id %(id)s), %(field)s: %(reason)s")
                    % {"line": rejection.line, "id": rejection.source_id or "—",
                       "field": rejection.field or "—", "reason": rejection.reason}
                )  # fmt: skip
            self.stderr.write(
                _("Every rejected record, with its line, field and reason: %(path)s")
                % {"path": rejects}
            )
        if report.dry_run and not (report.rejected and not options["partial"]):
            self.stdout.write(_("Dry run: nothing was written."))
        elif report.rejected and not report.applied:
            raise CommandError(
                _(
                    "Nothing was imported: %(count)d records were rejected. Correct them, or "
                    "import the valid ones with --partial."
                )
                % {"count": report.rejected}
            )

    @staticmethod
    def _mapping(path: str | None) -> Mapping | None:
        if not path:
            return None
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(
                _("The mapping %(path)s cannot be read: %(error)s") % {"path": path, "error": error}
            ) from error
        if not isinstance(data, dict):
            raise CommandError(_("The mapping must be a JSON object."))
        try:
            return Mapping.from_json(data)
        except ImportError_ as error:
            raise CommandError(error.message) from error
