"""The application's clock for remembered answers: a number the write path bumps after each
commit that changes what the pages and the API show (an organisation indexed, the taxonomies'
labels), shared by every process through a small file beside the search index. Answers are
remembered per generation (`answers.py`), so a write in any process makes them unreachable,
whatever search engine is used."""

import fcntl
import os
from pathlib import Path

from django.conf import settings


def _path() -> Path:
    return Path(settings.ESSAIM["INDEX_DIR"]) / "essaim-generation"


def current() -> int:
    """The generation now (0 before the first write)."""
    try:
        return int(_path().read_text() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def bump() -> int:
    """A new generation (after a commit): one writer at a time, across processes; readers see
    the old number or the new one, never half a file."""
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name("essaim-generation.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        value = current() + 1
        written = path.with_name(f".essaim-generation.{os.getpid()}")
        written.write_text(str(value))
        os.replace(written, path)
    return value
