"""The application's clock for remembered answers: a number the write path bumps after each
commit that changes what the pages and the API show (an organisation indexed, the taxonomies'
labels), shared by every process through a small file beside the search index. Answers are
remembered per generation (`answers.py`), so a write in any process makes them unreachable,
whatever search engine is used."""

import fcntl
import os
from pathlib import Path

from django.conf import settings


def _path(name: str) -> Path:
    return Path(settings.ESSAIM["INDEX_DIR"]) / name


def current(name: str = "essaim-generation") -> int:
    """The generation now (0 before the first write). Other counters than the pages' one
    live beside it under their own `name` (the matching pools')."""
    try:
        return int(_path(name).read_text() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def bump(name: str = "essaim-generation") -> int:
    """A new generation (after a commit): one writer at a time, across processes; readers see
    the old number or the new one, never half a file."""
    path = _path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f"{name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        value = current(name) + 1
        written = path.with_name(f".{name}.{os.getpid()}")
        written.write_text(str(value))
        os.replace(written, path)
    return value
