"""The bulk path: millions of organisations into the database and the index, resumably.

Rows are written with plain multi-row INSERTs (one transaction per batch, explicit ids), which
is an order of magnitude faster than model instances; the search index is fed from the same
batches and committed every few batches. If the load is interrupted, the database holds whole
batches only, and `compare_index(repair=True)` brings the index level with it before loading
resumes.
"""

import operator
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing

from django.db import connection, transaction
from django.utils import timezone

from essaim.core import feed, generation
from essaim.core.actions import do_record_change
from essaim.core.memory import rare_collections
from essaim.core.parallel import batched
from essaim.search.index import get_index
from essaim.search.query import microseconds

from .documents import documents_from_records
from .indexing import index_organisations
from .models import Organisation
from .schema import RELATIONS
from .vocabulary import Vocabulary

BATCH = 5000
INDEX_EVERY = 50_000


def _row_maker(fields: list, fixed: dict) -> Callable[..., tuple]:
    """A function turning a fields dict (and a primary key, if given) into the database row of
    `fields`: a field's default where the dict lacks it, `fixed` ({attribute: database value})
    whatever it holds. Only JSON and time stamps need the database's form; the rest go as they
    are, and the row is read in one step: several times faster than asking each field."""
    defaults, converted = {}, []
    for field in fields:
        default = field.get_default()
        if field.get_internal_type() in ("JSONField", "DateTimeField"):
            # Most records leave these fields out: their default's database form is made once.
            default = field.get_db_prep_save(default, connection)
            if field.attname not in fixed:
                converted.append((field.attname, field))
        defaults[field.attname] = default
    names = [field.attname for field in fields]
    # The row's values in one call (an itemgetter of one name gives the value, not a tuple).
    read = operator.itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    primary = fields[0].model._meta.pk.attname

    def make(values: dict, pk=None) -> tuple:
        row = {**defaults, **values, **fixed}
        for attname, field in converted:
            if attname in values:
                row[attname] = field.get_db_prep_save(values[attname], connection)
        if pk is not None:
            row[primary] = pk
        return read(row)

    return make


def _organisation_rows(now) -> tuple[list[str], Callable[..., tuple]]:
    """(column names, a function making a row of a fields dict and an id), created and updated
    at `now`."""
    fields = Organisation._meta.concrete_fields
    stamp = Organisation._meta.get_field("created_at").get_db_prep_save(now, connection)
    fixed = {"created_at": stamp, "updated_at": stamp}
    return [field.column for field in fields], _row_maker(fields, fixed)


def _insert(table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        # COPY streams rows without building statements: several times faster on PostgreSQL.
        names = ", ".join(quote(column) for column in columns)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    placeholders = "(" + ", ".join(["?"] * len(columns)) + ")"
    # SQLite accepts at most 32,766 parameters a statement.
    per_statement = max(1, 30_000 // len(columns))
    connection.ensure_connection()
    # SQLite's own cursor, on the same connection and transaction: Django's would rewrite
    # every statement of 30,000 placeholders first.
    with closing(connection.connection.cursor()) as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            # Table and column names come from the models, never from input.
            head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)})"  # noqa: S608
            sql = head + " VALUES " + ", ".join([placeholders] * len(chunk))
            cursor.execute(sql, [value for row in chunk for value in row])


def insert_rows(model, rows: list[dict]) -> None:
    """Insert plain rows ({attribute: value}, defaults for the rest) of a model whose ids the
    database assigns: one multi-row statement per few thousand, without model instances."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    make = _row_maker(fields, {})
    _insert(model._meta.db_table, [field.column for field in fields], [make(row) for row in rows])


def _next_id() -> int:
    last = Organisation.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _reset_sequences() -> None:
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), [Organisation])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def insert_batch(records: list[tuple[dict, dict[str, list[int]]]], now) -> list[int]:
    """Insert one batch of (fields, {relation: [term ids]}) atomically, created and updated
    at `now`; returns the new ids."""
    names, make = _organisation_rows(now)
    first = _next_id()
    ids = list(range(first, first + len(records)))
    with transaction.atomic():
        rows = [make(fields, pk) for pk, (fields, _relations) in zip(ids, records, strict=True)]
        _insert(Organisation._meta.db_table, names, rows)
        for relation, model in RELATIONS.items():
            through = getattr(Organisation, relation).through
            column = f"{model.__name__.lower()}_id"
            _insert(
                through._meta.db_table,
                ["organisation_id", column],
                [
                    (pk, term)
                    for pk, (_fields, relations) in zip(ids, records, strict=True)
                    for term in relations.get(relation, [])
                ],
            )
        _reset_sequences()
    return ids


def index_drift(chunk: int = 100_000) -> Iterator[tuple[list[int], list[int], list[int]]]:
    """Yield (missing, extra, stale) id lists, one chunk of ids at a time, comparing the
    database's published organisations with the index: bounded memory at any size."""
    index = get_index()
    last = Organisation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    indexed_last = index.last_id()
    for first in range(1, max(last, indexed_last) + 1, chunk):
        end = first + chunk - 1
        database = dict(
            Organisation.objects.published()
            .filter(pk__range=(first, end))
            .values_list("pk", "updated_at")
        )
        indexed = index.entries_between(first, end)
        missing = sorted(set(database) - set(indexed))
        extra = sorted(set(indexed) - set(database))
        stale = sorted(
            pk
            for pk, updated in indexed.items()
            if pk in database and updated != microseconds(database[pk])
        )
        yield missing, extra, stale


def compare_index(repair: bool = False) -> tuple[dict[str, int], list[int]]:
    """How many published organisations are missing from the index, how many entries should not
    be there, how many are out of date, and up to ten of their ids; with `repair`, reindex
    them as they are found."""
    totals, examples = {"missing": 0, "extra": 0, "stale": 0}, []
    for missing, extra, stale in index_drift():
        totals["missing"] += len(missing)
        totals["extra"] += len(extra)
        totals["stale"] += len(stale)
        differing = missing + extra + stale
        examples += differing[: 10 - len(examples)]
        if repair:
            index_organisations(differing)
    return totals, examples


def bulk_load(
    records: Iterable[tuple[dict, dict[str, list[int]]]],
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Insert the records batch by batch and index them as they go; returns how many. Each
    batch writes its range to the change feed, so that other servers index it too; this one
    indexes from the records themselves, holding the feed meanwhile."""
    index, vocabulary = get_index(), Vocabulary()
    applied: list[tuple[int, int]] = []
    loaded = uncommitted = 0
    with rare_collections(), feed.applying() as mark_applied:
        with index.adding() as adding:
            for batch in batched(records, BATCH):
                now = timezone.now()
                with transaction.atomic():
                    ids = insert_batch(batch, now)
                    entry = do_record_change(feed.ORGANISATIONS, first=ids[0], last=ids[-1])
                adding.add(
                    documents_from_records(ids, batch, vocabulary, now),
                    replacing=(ids[0], ids[-1]),  # an id used before, now free again (SQLite)
                )
                applied.append(entry)
                loaded += len(ids)
                uncommitted += len(ids)
                if uncommitted >= INDEX_EVERY:
                    adding.commit()
                    mark_applied(applied)
                    applied, uncommitted = [], 0
                if on_progress:
                    on_progress(len(ids))
        mark_applied(applied)  # committed as `adding` ended
    generation.bump()
    # Fresh statistics, or the query planner keeps the plans of an empty table.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return loaded
