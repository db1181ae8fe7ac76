"""The rejected records of an import, kept as a CSV file for the administrator to download."""

from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from .imports import write_rejects


def rejects_dir() -> Path:
    return Path(settings.DATA_DIR) / "imports"


def kept_rejects(report, source: str) -> str | None:
    """Where to download the rejected records of an import (None: none was rejected)."""
    if not report.rejected:
        return None
    rejects_dir().mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    name = f"{source}-{stamp}.rejects.csv"
    write_rejects(report, rejects_dir() / name)
    return reverse("admin:exchange_import_rejects", args=[name])
