"""Files the exports write: whole or not at all."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def replaced_atomically(target: Path) -> Iterator[BinaryIO]:
    """A binary file beside `target` that replaces it once written without error: a reader
    never sees half a file, and a failure leaves no partial one behind."""
    partial = tempfile.NamedTemporaryFile(  # noqa: SIM115 (renamed or removed below)
        dir=target.parent, prefix=f".{target.name}.", delete=False
    )
    try:
        with partial:
            yield partial
    except BaseException:
        os.unlink(partial.name)
        raise
    os.replace(partial.name, target)
