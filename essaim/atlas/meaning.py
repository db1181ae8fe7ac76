"""The meaning of each organisation for search by meaning: its name and short description as
a vector (see `essaim.search.embeddings`), brought level with its text after each write and by
`essaim embed` after imports.
"""

import hashlib
import logging
import sqlite3
from collections.abc import Iterable

from essaim.search.embeddings import get_embedder, quantise
from essaim.search.vectors import get_vector_store

from .kinds import Translated
from .models import Organisation, Status
from .schema import FACTS

logger = logging.getLogger(__name__)

# Organisations embedded in the write path itself; larger batches (imports) are left to
# `essaim embed`, which a deployment runs after imports or on a schedule.
EMBED_IN_WRITE_PATH = 200
EMBED_BATCH = 256
DESCRIPTION_CHARACTERS = 300


def text_of(row: dict) -> str:
    """What the vector of an organisation says: its name and short description in its
    original language (or the first one it has; the start of its description if it has no
    short one). Measured on the demo atlas, longer texts dilute the meaning: the right entry
    scores lower against a query and the others higher."""
    language = row.get("original_language") or "fr"
    languages = [language, *(code for code in ("fr", "en", "it", "es") if code != language)]
    short = next((row[f"short_description_{code}"] for code in languages
                  if row.get(f"short_description_{code}")), "")  # fmt: skip
    if not short:
        short = next((row[f"description_{code}"][:DESCRIPTION_CHARACTERS] for code in languages
                      if row.get(f"description_{code}")), "")  # fmt: skip
    return ". ".join(part for part in (row["name"], short) if part)


TEXT_FIELDS = ["id", "name", "status", "original_language",
               *(name for name, fact in FACTS.items() if isinstance(fact, Translated))]  # fmt: skip


def _digest(model: str, text: str) -> str:
    return hashlib.blake2b(f"{model}\n{text}".encode(), digest_size=12).hexdigest()


def embed_organisations(ids: Iterable[int]) -> int:
    """Bring the vectors of these organisations level with their texts: embed those whose
    text changed, forget the unpublished or deleted ones. Returns how many were embedded."""
    embedder = get_embedder()
    if embedder is None:
        return 0
    store = get_vector_store(embedder.dimensions)
    ids = list(ids)
    embedded = 0
    for start in range(0, len(ids), EMBED_BATCH):
        chunk = ids[start : start + EMBED_BATCH]
        rows = {row["id"]: row for row in Organisation.objects.filter(pk__in=chunk).values(
            *TEXT_FIELDS)}  # fmt: skip
        known = store.digests(chunk)
        texts = {}
        for pk, row in rows.items():
            if row["status"] != Status.PUBLISHED:
                continue
            text = text_of(row)
            digest = _digest(embedder.name, text)
            if known.get(pk) != digest:
                texts[pk] = (digest, text)
        removed = [pk for pk in chunk if known.get(pk) and (
            pk not in rows or rows[pk]["status"] != Status.PUBLISHED)]  # fmt: skip
        vectors = quantise(embedder.encode([text for _digest, text in texts.values()]))
        store.write(
            {
                pk: (digest, vector)
                for (pk, (digest, _text)), vector in zip(texts.items(), vectors, strict=True)
            },  # fmt: skip
            removed,
        )
        embedded += len(texts)
    return embedded


def embed_after_write(ids: list[int]) -> None:
    """The write path's step, after the commit: small batches are embedded at once. A failure
    here (the vectors' file locked for too long) must not turn a saved change into an error:
    `essaim embed` catches up."""
    if len(ids) > EMBED_IN_WRITE_PATH:
        return
    try:
        embed_organisations(ids)
    except (sqlite3.Error, OSError):
        logger.exception("Meaning vectors not updated for %d organisations", len(ids))


def forget_unpublished(chunk: int = 5000) -> int:
    """Remove the vectors of organisations no longer published (unpublished in bulk, or
    deleted); returns how many."""
    embedder = get_embedder()
    if embedder is None:
        return 0
    store = get_vector_store(embedder.dimensions)
    removed, after = 0, 0
    while stored := store.stored_ids(after, chunk):
        after = stored[-1]
        published = set(Organisation.objects.published().filter(pk__in=stored)
                        .values_list("pk", flat=True))  # fmt: skip
        gone = [pk for pk in stored if pk not in published]
        store.write({}, gone)
        removed += len(gone)
    return removed
