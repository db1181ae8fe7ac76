"""The organisations' meaning vectors: stored in a SQLite file beside the search index (shared
by every process, whatever the database), mirrored in each process's memory as one int8
matrix, and searched exactly.

Writes bump a sequence number; a process brings its mirror level by reading only the rows
written since it last looked, so a change costs its own rows, not a reload. A removed
organisation's row keeps a zero vector (similar to nothing) until it is embedded again.
"""

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from django.conf import settings
from usearch.index import MetricKind
from usearch.index import search as exact_search

SCHEMA = """
CREATE TABLE IF NOT EXISTS vector (id INTEGER PRIMARY KEY, digest TEXT NOT NULL,
                                   seq INTEGER NOT NULL, data BLOB);
CREATE INDEX IF NOT EXISTS vector_seq ON vector (seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value);
"""


class VectorStore:
    def __init__(self, path: Path, dimensions: int):
        self.path = Path(path)
        self.dimensions = dimensions
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._mirror_lock = threading.Lock()
        self._seen = -1
        # (ids in ascending order, their vectors): replaced whole, read whole, so that a search
        # on another thread never pairs new ids with an old matrix.
        self._mirror = (np.zeros(0, dtype=np.int64), np.zeros((0, dimensions), dtype=np.int8))
        with self._connection() as connection:
            connection.executescript(SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30)
            connection.execute("PRAGMA journal_mode=WAL")
            self._local.connection = connection
        return connection

    # Writing ------------------------------------------------------------------------------

    def generation(self) -> int:
        """A number that grows with every write, from any process."""
        row = self._connection().execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()
        return int(row[0]) if row else 0

    def write(
        self, vectors: dict[int, tuple[str, np.ndarray]], removed: Iterable[int] = ()
    ) -> None:
        """Store {id: (digest of the text, int8 vector)} and forget `removed`, in one
        transaction."""
        removed = list(removed)
        if not vectors and not removed:
            return
        connection = self._connection()
        with connection:
            connection.execute("BEGIN IMMEDIATE")
            seq = self.generation() + 1
            connection.executemany(
                "INSERT OR REPLACE INTO vector VALUES (?, ?, ?, ?)",
                [(pk, digest, seq, vector.tobytes()) for pk, (digest, vector) in vectors.items()],
            )
            connection.executemany(
                "UPDATE vector SET data = NULL, digest = '', seq = ? WHERE id = ?",
                [(seq, pk) for pk in removed],
            )
            connection.execute("INSERT OR REPLACE INTO meta VALUES ('seq', ?)", (seq,))

    def digests(self, ids: list[int]) -> dict[int, str]:
        found = {}
        connection = self._connection()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = connection.execute(
                f"SELECT id, digest FROM vector WHERE id IN ({','.join('?' * len(chunk))})",  # noqa: S608
                chunk,
            )
            found.update(rows)
        return found

    def count(self) -> int:
        row = self._connection().execute("SELECT COUNT(*) FROM vector WHERE data IS NOT NULL")
        return row.fetchone()[0]

    def stored_ids(self, after: int, limit: int) -> list[int]:
        """The ids that have a vector, in order, from `after` on."""
        rows = self._connection().execute(
            "SELECT id FROM vector WHERE id > ? AND data IS NOT NULL ORDER BY id LIMIT ?",
            (after, limit),
        )
        return [pk for (pk,) in rows]

    # Reading ------------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Bring this process's matrix level with the file."""
        generation = self.generation()
        if generation == self._seen:
            return
        with self._mirror_lock:
            if generation == self._seen:
                return
            rows = self._connection().execute(
                "SELECT id, data FROM vector WHERE seq > ? ORDER BY id", (self._seen,)
            )
            changed_ids, changed = [], []
            for pk, data in rows:
                changed_ids.append(pk)
                changed.append(
                    np.frombuffer(data, dtype=np.int8)
                    if data
                    else np.zeros(self.dimensions, dtype=np.int8)
                )
            self._apply(np.array(changed_ids, dtype=np.int64), changed)
            self._seen = generation

    def _apply(self, ids: np.ndarray, vectors: list[np.ndarray]) -> None:
        if not len(ids):
            return
        rows = np.vstack(vectors)
        current_ids, current = self._mirror
        positions = np.searchsorted(current_ids, ids)
        known = (positions < len(current_ids)) & (
            current_ids[np.minimum(positions, len(current_ids) - 1)] == ids
            if len(current_ids)
            else np.zeros(len(ids), dtype=bool)
        )
        matrix = current.copy() if known.any() else current
        matrix[positions[known]] = rows[known]
        all_ids = current_ids
        if (~known).any():
            all_ids = np.concatenate([current_ids, ids[~known]])
            matrix = np.vstack([matrix, rows[~known]])
            order = np.argsort(all_ids, kind="stable")
            all_ids, matrix = all_ids[order], matrix[order]
        self._mirror = (all_ids, matrix)

    def nearest(self, vector: np.ndarray, count: int) -> list[tuple[int, float]]:
        """The `count` nearest organisations as (id, cosine similarity), the most similar
        first: an exact search over every vector (SIMD int8 kernels)."""
        self._refresh()
        ids, matrix = self._mirror
        if not len(ids):
            return []
        count = min(count, len(ids))
        matches = exact_search(matrix, vector, count, MetricKind.Cos, exact=True, threads=1)
        return [
            (int(ids[row]), 1.0 - float(distance))
            for row, distance in zip(matches.keys, matches.distances, strict=True)
            if np.isfinite(distance)
        ]


def binary_nearest(bits: np.ndarray, rows_of, vector: np.ndarray, count: int,
                   candidates: int = 1000) -> list[tuple[int, float]]:  # fmt: skip
    """Nearest rows by a scan of the signs (1 bit per dimension, Hamming distance), the
    `candidates` best re-ranked by the cosine of their int8 vectors (`rows_of(rows)`)."""
    signs = np.packbits(vector > 0)
    distances = np.bitwise_count(np.bitwise_xor(bits, signs)).sum(axis=1, dtype=np.int32)
    candidates = min(candidates, len(bits))
    rows = np.argpartition(distances, candidates - 1)[:candidates]
    vectors = rows_of(rows).astype(np.float32)
    query = vector.astype(np.float32)
    norms = np.linalg.norm(vectors, axis=1) * max(float(np.linalg.norm(query)), 1e-9)
    similarity = vectors @ query / np.maximum(norms, 1e-9)
    best = np.argsort(-similarity)[:count]
    return [(int(rows[index]), float(similarity[index])) for index in best]


_stores: dict[Path, VectorStore] = {}
_stores_lock = threading.Lock()


def get_vector_store(dimensions: int) -> VectorStore:
    """The store beside the search index (`ESSAIM_DATA_DIR/vectors/`)."""
    path = Path(settings.ESSAIM["INDEX_DIR"]).with_name("vectors") / f"vectors-{dimensions}.sqlite3"
    with _stores_lock:
        if path not in _stores:
            _stores[path] = VectorStore(path, dimensions)
        return _stores[path]
