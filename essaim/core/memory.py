"""Bulk work without the garbage collector's constant interruptions.

Python's cycle collector runs every 700 new objects and, as surviving objects pile up, scans all
of them again and again: a million-row import or a load of millions makes hundreds of millions
of short-lived dicts and strings, and was spending a fifth of its time there (measured with a
sampling profiler on a load of 200,000). Their rows, facts and documents hold no reference
cycles, so collecting rarely frees the same memory and costs almost nothing.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# New objects between two collections of the youngest generation during bulk work (700 else).
BULK_THRESHOLD = 50_000

_lock = threading.Lock()
_users = 0
_previous: tuple[int, ...] = ()


@contextmanager
def rare_collections() -> Iterator[None]:
    """Collect garbage rarely while the block runs; as before once every such block (threads
    included: the thresholds belong to the process) has ended."""
    global _users, _previous
    with _lock:
        if _users == 0:
            _previous = gc.get_threshold()
            gc.set_threshold(max(BULK_THRESHOLD, _previous[0]), *_previous[1:])
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                gc.set_threshold(*_previous)
