"""Imports uploaded in the admin, run by a worker (`core/jobs.py`): any size, with their
progress for the page that follows them, and their report at the end."""

from urllib.parse import urlencode

from django.urls import reverse

from essaim.core.jobs import job

from . import actions
from .imports import ImportError_, Mapping, Report, run_import
from .rejects import kept_rejects
from .uploads import Upload

PROGRESS_EVERY = 1000  # records between two reports of progress


@job(queue="imports", attempts=2, takes_progress=True)
def import_upload(token: str, mapping: dict | None = None, dry_run: bool | None = None,
                  progress=None) -> None:  # fmt: skip
    """Import a kept upload with its options (and `mapping`, when the columns were matched on
    screen); the report is the job's outcome. The import is one transaction unless partial:
    a worker that dies in the middle leaves nothing, and the next attempt starts again."""
    upload = Upload.find(token)
    if upload is None:
        progress(0, 0, outcome={"error": "gone"})
        return
    options = upload.options
    given = mapping if mapping is not None else options.get("mapping")
    size = upload.path.stat().st_size
    with upload.open() as raw:
        read = [0]

        def on_record() -> None:
            read[0] += 1
            if read[0] % PROGRESS_EVERY == 0:
                progress(raw.tell(), size)

        progress(0, size)
        try:
            report = run_import(
                raw, options["format"], options["source"],
                mapping=Mapping.from_json(given) if given is not None else None,
                partial=options["partial"],
                dry_run=options["dry_run"] if dry_run is None else dry_run,
                encoding=options["encoding"], flag_missing=not options["subset"],
                on_progress=on_record,
            )  # fmt: skip
        except ImportError_ as failure:
            progress(size, size, outcome={"error": failure.message})
            return
    outcome = report_outcome(report)
    outcome["rejects_url"] = kept_rejects(report, options["source"])
    if report.applied:
        actions.do_forget_upload(upload)
    progress(size, size, outcome=outcome)


def report_outcome(report: Report) -> dict:
    """What the report page shows, as JSON (the job's outcome)."""
    counts = ("created", "updated", "unchanged", "missing", "read", "rejected", "warned",
              "duplicates")  # fmt: skip
    return {
        "report": {
            **{name: getattr(report, name) for name in counts},
            "source": report.source, "dry_run": report.dry_run, "applied": report.applied,
            "warnings": [str(warning) for warning in report.warnings],
            "set_aside": [{name: str(value) for name, value in vars(warning).items()}
                          for warning in report.set_aside],
        },
        "rejections": [{"line": rejection.line, "source_id": rejection.source_id,
                        "field": rejection.field, "reason": str(rejection.reason)}
                       for rejection in report.rejections],
        "duplicates_url": (f"{reverse('duplicates')}?{urlencode({'source': report.source})}"
                           if report.applied and (report.duplicates or report.duplicates_later)
                           else ""),
        "duplicates_later": report.applied and report.duplicates_later,
    }  # fmt: skip
