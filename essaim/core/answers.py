"""Answers remembered per generation of the data (see `generation.py`), per web process: a
whole API answer, the taxonomies' vocabulary. A write anywhere bumps the generation, and what
was remembered before it is never served again."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

from django.conf import settings

from . import generation

T = TypeVar("T")
_remembered: OrderedDict = OrderedDict()
_lock = threading.Lock()


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or what it gave for `key` at this generation of this data directory."""
    size = settings.ESSAIM["SEARCH_CACHE_SIZE"]
    if not size:
        return compute()
    # The generation is read first: an answer computed while a write lands is remembered
    # under the older number, which the write has already made unreachable.
    full_key = (Path(settings.ESSAIM["INDEX_DIR"]), generation.current(), key)
    with _lock:
        if full_key in _remembered:
            _remembered.move_to_end(full_key)
            return _remembered[full_key]
    value = compute()
    with _lock:
        _remembered[full_key] = value
        while len(_remembered) > size:
            _remembered.popitem(last=False)
    return value
