"""The change feed: how every server's local copies (its search index, its meaning vectors,
the answers it remembers) follow the one database, whatever server made the change.

Each change that concerns them writes a `FeedEntry` in the transaction that makes it
(`core.actions.do_record_change`): the entry exists exactly when the change does. Each server
applies the entries its index directory has not applied, and remembers how far it got in
`feed-position.json` inside that directory, saved after the index commits. Applying is
idempotent (an entry says "read these organisations again"), so a server killed in the middle
of a pass applies part of it a second time, and never skips an entry.

Which entries are new: on SQLite, writers take turns, so ids are in commit order and the
position is an id. On PostgreSQL, a transaction may commit before an older one; each entry
carries its transaction's id (`xid`), and a pass covers the entries of the transactions older
than the snapshot's horizon (`xmin`: all of them finished). Entries of younger transactions
that have already committed are applied at once too, and listed in the position so as not to
be applied again.

A process applies the feed right after its own commits (what it wrote is found as soon as its
answer leaves), and a thread in each web process looks for other servers' changes every
POLL_SECONDS. One process at a time applies, per index directory (a file lock).
"""

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from .models import FeedEntry

logger = logging.getLogger(__name__)

ORGANISATIONS = "organisations"
POSITION = "feed-position.json"
ROUND = 500  # entries applied between two saves of the position
POLL_SECONDS = 0.5
# How long a process waits for another one applying the feed after its own commit, before it
# leaves its changes to that one.
WAIT_AFTER_COMMIT = 10.0
# Present while a bulk load or an import holds the lock (`applying`): nobody waits for it then,
# the import itself neither (its own commits: `applying` follows once it is done).
# Left behind by a killed process, it only makes others try the (free) lock without waiting.
LONG_APPLIER = "feed.long-applier"

_appliers: dict[str, Callable[[list[int]], None]] = {}
_rebuilders: list[Callable[[], None]] = []


def on_change(topic: str, applier: Callable[[list[int]], None]) -> None:
    """Register what applies a topic's entries: called with the organisations' ids (empty for
    a topic that concerns everything)."""
    _appliers[topic] = applier


def on_rebuild(rebuilder: Callable[[], None]) -> None:
    """Register what rebuilds a server's copies from the database alone (a new server, or one
    whose position cannot be trusted)."""
    _rebuilders.append(rebuilder)


@dataclass
class Position:
    """How far an index directory has applied the feed."""

    horizon: int = 0  # every entry stamped below it is applied
    # [stamp, id] of the last entry applied by the pass under way (none between passes).
    through: list | None = None
    # [stamp, id] of the entries stamped at or above the horizon already applied.
    applied: list = field(default_factory=list)
    seen: int = 0  # the highest entry id applied: the database cannot be behind it
    saved_at: str = ""


def _directory() -> Path:
    return Path(settings.ESSAIM["INDEX_DIR"])


def read_position() -> Position | None:
    """The index directory's position (None: never followed, or unreadable)."""
    try:
        data = json.loads((_directory() / POSITION).read_text())
    except FileNotFoundError:
        return None
    except (ValueError, OSError):
        logger.error("The feed position in %s cannot be read: the index is rebuilt.",
                     _directory())  # fmt: skip
        return None
    known = Position.__dataclass_fields__
    return Position(**{name: value for name, value in data.items() if name in known})


def _save(position: Position) -> None:
    """Written whole or not at all, and on disk before it counts."""
    position.saved_at = timezone.now().isoformat()
    path = _directory() / POSITION
    path.parent.mkdir(parents=True, exist_ok=True)
    written = path.with_name(f".{POSITION}.{os.getpid()}.{threading.get_ident()}")
    with open(written, "w") as file:
        json.dump(asdict(position), file)
        file.flush()
        os.fsync(file.fileno())
    os.replace(written, path)


def _stamp() -> str:
    return "xid" if connection.vendor == "postgresql" else "id"


def _horizon(last: int) -> int:
    """The stamp below which every entry is committed or never will be (`last`: the highest
    entry id visible now)."""
    if connection.vendor != "postgresql":
        return last + 1  # writers take turns: what is not visible yet will come after
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        return cursor.fetchone()[0]


def _bounds() -> tuple[int, int]:
    """The lowest and highest entry ids in the feed (0, 0 when it is empty)."""
    bounds = FeedEntry.objects.aggregate(first=Min("pk"), last=Max("pk"))
    return bounds["first"] or 0, bounds["last"] or 0


@contextmanager
def _holding(wait: float | None) -> Iterator[bool]:
    """The directory's feed lock (one applier at a time, across processes and threads):
    True once held, False when `wait` seconds went by first (None: wait as long as needed)."""
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "feed.lock", "a") as lock:
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.02)
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def follow(wait: float | None = None) -> int:
    """Apply the entries this index directory has not applied; returns how many (0 when
    another process kept the lock for `wait` seconds: it applies them)."""
    if wait and (_directory() / LONG_APPLIER).exists():
        wait = 0  # a load or an import holds the lock for minutes, and applies these after
    with _holding(wait) as held:
        return _follow() if held else 0


@contextmanager
def applying() -> Iterator[Callable[[list], None]]:
    """For a bulk loader or an import that writes the index itself: the feed's lock, held
    throughout (no other process applies their entries meanwhile), and a function to call with
    the (stamp, id) of the entries its index commits have applied. The other changes it
    commits meanwhile (an import's updates) are applied once it is done."""
    with _holding(None):
        _follow()  # level with the database first (the index built whole if it never was)
        marked = []
        busy = _directory() / LONG_APPLIER
        busy.write_text(str(os.getpid()))
        try:
            yield marked.extend
        finally:
            busy.unlink(missing_ok=True)
        position = read_position()
        if position is not None and marked:
            position.applied += [list(pair) for pair in marked]
            position.seen = max(position.seen, *(pk for _stamp_value, pk in marked))
            _save(position)
    follow()


def rebuild() -> None:
    """Rebuild this server's copies from the database, then follow from there."""
    with _holding(None):
        _rebuild()


def _rebuild(bounds: tuple[int, int] | None = None) -> None:
    # The horizon first: what commits during the rebuild is applied after it (again, maybe).
    _first, last = bounds or _bounds()
    horizon = _horizon(last)
    # Entries of younger transactions, committed already: the rebuild reads their changes.
    younger = (
        []
        if _stamp() == "id"
        else list(FeedEntry.objects.filter(xid__gte=horizon).values_list("xid", "pk"))
    )
    for rebuilder in _rebuilders:
        rebuilder()
    seen = max([last, *(pk for _xid, pk in younger)])
    _save(Position(horizon=horizon, seen=seen, applied=[list(pair) for pair in younger]))


def _reason_to_rebuild(position: Position | None, bounds: tuple[int, int]) -> str:
    first, last = bounds
    if position is None:
        return "no position"
    if position.seen and last < position.seen:
        return "the database is behind the index (a backup restored?)"
    if first and position.seen + 1 < first:
        return "entries this server never applied were pruned"
    return ""


def _follow() -> int:
    position = read_position()
    bounds = _bounds()
    if reason := _reason_to_rebuild(position, bounds):
        if position is not None:
            logger.warning("Search index of %s rebuilt from the database: %s.",
                           _directory(), reason)  # fmt: skip
        _rebuild(bounds)
        return 0
    stamp = _stamp()
    if stamp == "id" and position.through is None and bounds[1] < position.horizon:
        return 0  # SQLite, nothing written since: the follower's usual look, one query
    target = _horizon(bounds[1])
    applied = {entry_id for _stamp_value, entry_id in position.applied}
    count = 0
    while True:
        rows = FeedEntry.objects.filter(**{f"{stamp}__gte": position.horizon,
                                           f"{stamp}__lt": target})  # fmt: skip
        if position.through:
            after, after_id = position.through
            later = Q(**{f"{stamp}__gt": after}) | Q(**{stamp: after, "pk__gt": after_id})
            rows = rows.filter(later)
        batch = list(rows.order_by(stamp, "pk")[:ROUND])
        if not batch:
            break
        fresh = [entry for entry in batch if entry.pk not in applied]
        _apply(fresh)
        position.through = [getattr(batch[-1], stamp), batch[-1].pk]
        position.seen = max(position.seen, *(entry.pk for entry in batch))
        _save(position)
        count += len(fresh)
        if len(batch) < ROUND:
            break
    # Transactions younger than the horizon that have committed already: applied now too.
    younger = [] if stamp == "id" else [
        entry for entry in FeedEntry.objects.filter(xid__gte=target).order_by("pk")
        if entry.pk not in applied
    ]  # fmt: skip
    _apply(younger)
    # Saved when something was applied (a horizon that moved over nothing needs no write).
    if younger or count or position.through is not None:
        position.applied = [[value, pk] for value, pk in position.applied if value >= target]
        position.applied += [[getattr(entry, stamp), entry.pk] for entry in younger]
        position.horizon, position.through = target, None
        position.seen = max([position.seen, *(entry.pk for entry in younger)])
        _save(position)
    return count + len(younger)


def _apply(entries: list[FeedEntry]) -> None:
    """The entries' changes: their organisations read again (a range at a time, so that a
    bulk load's millions are never held at once), then each other topic once."""
    ids, topics = set(), []
    for entry in entries:
        if entry.topic == ORGANISATIONS:
            ids.update(entry.ids)
            if entry.first is not None:
                _appliers[ORGANISATIONS](list(range(entry.first, entry.last + 1)))
        elif entry.topic not in topics:
            topics.append(entry.topic)
    if ids:
        _appliers[ORGANISATIONS](sorted(ids))
    for topic in topics:
        if topic in _appliers:
            _appliers[topic]([])
        else:
            logger.warning("Unknown topic in the feed, left aside: %s", topic)


# After a commit, and all the time in each web process ------------------------------------

_registered = threading.local()


def follow_after_commit() -> None:
    """Apply the feed once the current transaction commits (once per transaction, however
    many changes it makes)."""
    callbacks = transaction.get_connection().run_on_commit
    pending = getattr(_registered, "callback", None)
    if pending is not None and any(item[1] is pending for item in callbacks):
        return

    def apply_now() -> None:
        _registered.callback = None
        try:
            follow(wait=WAIT_AFTER_COMMIT)
        except Exception:  # the change is committed: the follower thread applies it later
            logger.exception("Applying the change feed after a commit failed.")

    _registered.callback = apply_now
    transaction.on_commit(apply_now)


def lag() -> dict:
    """How far this server is behind the database (for /readyz): the entries written and not
    yet applied, and for how many seconds its position has not moved while some wait (0 when
    none waits). An index busy applying a large import moves; a stuck one does not."""
    position = read_position()
    if position is None:
        return {"entries": None, "stalled_seconds": None}
    applied = {pk for _value, pk in position.applied}
    waiting = [pk for pk in FeedEntry.objects.filter(**{f"{_stamp()}__gte": position.horizon})
               .values_list("pk", flat=True) if pk not in applied]  # fmt: skip
    saved = datetime.fromisoformat(position.saved_at) if position.saved_at else None
    stalled = (timezone.now() - saved).total_seconds() if waiting and saved else 0
    return {"entries": len(waiting), "stalled_seconds": round(stalled, 1)}


_follower: threading.Thread | None = None


def start_following() -> None:
    """A thread that applies other servers' changes every POLL_SECONDS (web processes)."""
    global _follower
    if _follower is not None and _follower.is_alive():
        return

    def run() -> None:
        while True:
            time.sleep(POLL_SECONDS)
            try:
                follow(wait=0)
            except Exception:  # the database restarting, a full disk: said, then tried again
                logger.exception("Applying the change feed failed; trying again.")
                time.sleep(POLL_SECONDS * 10)
            finally:
                close_old_connections()

    _follower = threading.Thread(target=run, name="essaim-feed", daemon=True)
    _follower.start()
