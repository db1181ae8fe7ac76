"""Daily snapshots: the whole published atlas as gzipped CSV and JSON Lines, one pair a day.

`essaim snapshot` writes them in the data directory, atomically (a reader never sees half a
file), and keeps the last `ESSAIM_SNAPSHOTS_KEEP` days. Together with the change feed, they
are the way to stay in sync: take the latest snapshot, then follow `/api/v1/changes` from the
sequence number written beside it.
"""

import gzip
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings

from essaim.atlas.models import Change

from .files import replaced_atomically
from .formats import csv_rows
from .records import export_records, licence

KINDS = {"csv.gz": "text/csv", "jsonl.gz": "application/jsonl"}
NAME = re.compile(r"organisations-(\d{4}-\d{2}-\d{2})\.(csv\.gz|jsonl\.gz)")


@dataclass(frozen=True)
class Snapshot:
    path: Path
    day: date
    kind: str

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def snapshots_dir() -> Path:
    return Path(settings.DATA_DIR) / "snapshots"


def snapshots() -> list[Snapshot]:
    """The snapshots on disk, newest first."""
    found = []
    folder = snapshots_dir()
    if folder.is_dir():
        for path in folder.iterdir():
            if match := NAME.fullmatch(path.name):
                found.append(Snapshot(path, date.fromisoformat(match[1]), match[2]))
    return sorted(found, key=lambda item: (item.day, item.kind), reverse=True)


def snapshot_named(name: str) -> Snapshot | None:
    return next((item for item in snapshots() if item.name == name), None)


def _write_gzipped(target: Path, chunks) -> None:
    # mtime=0: the same data gives the same bytes.
    with (
        replaced_atomically(target) as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as compressed,
    ):
        for chunk in chunks:
            compressed.write(chunk.encode("utf-8"))


def _jsonl(records):
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


def write_snapshots(day: date | None = None) -> tuple[list[Snapshot], int]:
    """Write today's snapshots and the change feed position they start from; remove those
    beyond the kept days. Returns the snapshots written and the feed position."""
    day = day or date.today()
    folder = snapshots_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # Taken before reading: a change made while writing is in the feed after this position.
    position = Change.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    written = []
    for kind, chunks in (("csv.gz", csv_rows(export_records(None))),
                         ("jsonl.gz", _jsonl(export_records(None)))):  # fmt: skip
        target = folder / f"organisations-{day.isoformat()}.{kind}"
        _write_gzipped(target, chunks)
        written.append(Snapshot(target, day, kind))
    about = {**licence(), "day": day.isoformat(), "changes_since": position}
    # Whole or not at all too: a full disk cannot leave a day's snapshots half described.
    with replaced_atomically(folder / f"organisations-{day.isoformat()}.json") as raw:
        raw.write((json.dumps(about) + "\n").encode("utf-8"))
    keep = settings.ESSAIM["SNAPSHOTS_KEEP"]
    days = sorted({item.day for item in snapshots()}, reverse=True)
    for old in snapshots():
        if old.day not in days[:keep]:
            old.path.unlink()
            old.path.with_name(f"organisations-{old.day.isoformat()}.json").unlink(missing_ok=True)
    return written, position


def feed_position(snapshot: Snapshot) -> int | None:
    about = snapshot.path.with_name(f"organisations-{snapshot.day.isoformat()}.json")
    try:
        return json.loads(about.read_text())["changes_since"]
    except (OSError, ValueError, KeyError):
        return None
