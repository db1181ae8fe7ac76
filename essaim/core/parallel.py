"""Work shared with the machine's second processor: a forked helper process applies a function
to a long stream of items, a chunk at a time, while this process goes on with the results it
has, in the stream's order. Imports use it to check records while they write the previous ones.

The helper inherits this process's memory (vocabularies, compiled rules, the gazetteer's path)
and must not use the database: it is not its connection, and a query there fails at once.
"""

import multiprocessing
import os
import queue
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from itertools import chain, islice

from django.db import connections

CHUNK = 500  # items sent to the helper at a time
AHEAD = 4  # chunks sent before their results are waited for
# Below this many items, forking costs more than it saves: all is done here.
ALONE_BELOW = 5000
# Seconds without a chunk's results before the helper is taken for stuck (one takes ~0.1 s).
SILENCE = 120


class HelperFailed(RuntimeError):
    """The helper process raised, or stopped: nothing of its work is used."""


def in_order(function: Callable, items: Iterable) -> Iterator[tuple]:
    """(item, function(item)) for each item, in order: in a helper process when the stream
    is long and the machine has a processor to spare, else here."""
    items = iter(items)
    first = list(islice(items, ALONE_BELOW))
    if len(first) < ALONE_BELOW or not _processor_to_spare():
        for item in chain(first, items):
            yield item, function(item)
        return
    yield from _with_helper(function, batched(chain(first, items), CHUNK))


def _processor_to_spare() -> bool:
    # Only a main thread forks: another thread (a web process's feed follower) may fork while
    # a third holds a lock the helper would wait for forever.
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and _processors() > 1
        and threading.current_thread() is threading.main_thread()
    )


def _processors() -> int:
    """The processors this process may run on (all of them where the system cannot say)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def batched(items: Iterable, size: int) -> Iterator[list]:
    """The items in lists of `size` (the last one shorter), read as they are needed."""
    items = iter(items)
    while part := list(islice(items, size)):
        yield part


def _with_helper(function: Callable, chunks: Iterator[list]) -> Iterator[tuple]:
    context = multiprocessing.get_context("fork")
    tasks, results = context.Queue(), context.Queue()
    helper = context.Process(target=_serve, args=(function, tasks, results), daemon=True)
    helper.start()
    sent = deque()
    try:
        for part in islice(chunks, AHEAD):
            tasks.put(part)
            sent.append(part)
        while sent:
            done = _receive(results, helper)
            part = sent.popleft()
            # The next chunk goes before this one's results are used: the helper keeps busy.
            if (following := next(chunks, None)) is not None:
                tasks.put(following)
                sent.append(following)
            yield from zip(part, done, strict=True)
    finally:
        _stop(helper, tasks, results)


def _receive(results, helper) -> list:
    waited = 0
    while True:
        try:
            outcome, value = results.get(timeout=1)
        except queue.Empty:
            waited += 1
            if not helper.is_alive():
                raise HelperFailed(
                    f"The helper process stopped (exit code {helper.exitcode})."
                ) from None
            if waited >= SILENCE:
                raise HelperFailed(f"The helper process said nothing for {SILENCE} s.") from None
            continue
        if outcome == "failed":
            raise HelperFailed(f"The helper process failed:\n{value}")
        return value


def _stop(helper, tasks, results) -> None:
    if helper.is_alive():
        tasks.put(None)
        helper.join(timeout=5)
    if helper.is_alive():  # stopped in the middle of a chunk (the caller gave up)
        helper.kill()
        helper.join()
    # What is left in the pipes is never read: closing must not wait for it.
    for pipe in (tasks, results):
        pipe.cancel_join_thread()
        pipe.close()


def _serve(function: Callable, tasks, results) -> None:
    """The helper's loop: a chunk in, its results out, until None."""
    with ExitStack() as guards:
        for connection in connections.all():
            guards.enter_context(connection.execute_wrapper(_no_database))
        while (part := tasks.get()) is not None:
            try:
                results.put(("done", [function(item) for item in part]))
            except BaseException:  # said to the parent, which stops
                results.put(("failed", traceback.format_exc()))
                return


def _no_database(execute, sql, params, many, context):
    raise HelperFailed("The helper process must not use the database.")
