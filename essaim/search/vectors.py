"""The organisations' meaning vectors: stored in a SQLite file beside the search index (shared
by every process, whatever the database), mirrored in each process's memory as one int8
matrix, and searched exactly.

Writes bump a sequence number; a process brings its mirror level by reading only the rows
written since it last looked, so a change costs its own rows, not a reload. A removed
organisation's row keeps a zero vector (similar to nothing) until it is embedded again.

From `VECTOR_GRAPH_FROM` vectors on (a few hundred thousand: the exact scan then costs more
than a search may), `essaim embed` also builds a navigable graph (HNSW, usearch) of every
vector written up to a sequence number, saved to a file that every process maps read-only
(the memory is shared, not copied per process). A process then mirrors only the rows written
after the graph: a search asks the graph, drops what was rewritten since, and scans those
rows exactly beside it.
"""

import os
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from django.conf import settings
from usearch.index import Index, MetricKind
from usearch.index import search as exact_search

# The graph's shape, measured on 30,000 meaning vectors of the synthetic atlas (52 queries of
# the benchmark and the retrieval set): 16 links a node and 64 candidates while building
# (about 10,000 vectors a second and a core; 2,000 for random vectors, the worst case); 1,024
# candidates while searching find 96 % of the exact 300 nearest, 98 % of the 10 nearest and
# of those similar enough to be shown, in 3 ms (256 candidates: 80 %, 87 %, 86 %).
GRAPH_CONNECTIVITY = 16
GRAPH_EXPANSION_ADD = 64
GRAPH_EXPANSION_SEARCH = 1024
# The graph is rebuilt when this share of its vectors has been rewritten since.
GRAPH_STALE_SHARE = 0.05
GRAPH_BATCH = 50_000

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
        # The graph this process searches: (its file's name, the mapped index), or none.
        self._graph: tuple[str, Index | None] = ("", None)
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

    def _meta(self) -> dict:
        return dict(self._connection().execute("SELECT key, value FROM meta"))

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
        """Bring this process's matrix (and graph) level with the files."""
        meta = self._meta()
        generation, graph_name = int(meta.get("seq", 0)), meta.get("graph") or ""
        if generation == self._seen and graph_name == self._graph[0]:
            return
        with self._mirror_lock:
            if graph_name != self._graph[0]:
                graph = self._open_graph(graph_name)
                self._graph = (graph_name, graph)
                # Mirror again only what the graph does not hold.
                self._seen = int(meta["graph_seq"]) if graph is not None else -1
                self._mirror = (np.zeros(0, dtype=np.int64),
                                np.zeros((0, self.dimensions), dtype=np.int8))  # fmt: skip
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

    def _open_graph(self, name: str) -> Index | None:
        path = self.path.with_name(name) if name else None
        if path is None or not path.exists():
            return None
        graph = Index.restore(path, view=True)
        graph.expansion_search = GRAPH_EXPANSION_SEARCH
        return graph

    def nearest(self, vector: np.ndarray, count: int) -> list[tuple[int, float]]:
        """The `count` nearest organisations as (id, cosine similarity), the most similar
        first: an exact search over the mirrored vectors (SIMD int8 kernels), and the graph's
        approximate one over the rest when there is a graph."""
        self._refresh()
        ids, matrix = self._mirror
        found = []
        if len(ids):
            matches = exact_search(matrix, vector, min(count, len(ids)), MetricKind.Cos,
                                   exact=True, threads=1)  # fmt: skip
            found = [(int(ids[row]), 1.0 - float(distance))
                     for row, distance in zip(matches.keys, matches.distances, strict=True)
                     if np.isfinite(distance)]  # fmt: skip
        graph = self._graph[1]
        if graph is not None and len(graph):
            # Rows rewritten since the graph was built answer from the mirror only.
            matches = graph.search(vector, min(count + min(len(ids), count), len(graph)),
                                   threads=1)  # fmt: skip
            rewritten = set(ids.tolist()) if len(ids) else set()
            found += [(int(key), 1.0 - float(distance))
                      for key, distance in zip(matches.keys, matches.distances, strict=True)
                      if np.isfinite(distance) and int(key) not in rewritten]  # fmt: skip
            found.sort(key=lambda item: -item[1])
        return found[:count]

    # The graph ----------------------------------------------------------------------------

    def graph_state(self) -> dict:
        """How many vectors the graph holds and how many rows were rewritten since."""
        meta = self._meta()
        if not meta.get("graph"):
            return {"graph": False, "held": 0, "rewritten": 0}
        rewritten = (
            self._connection()
            .execute("SELECT COUNT(*) FROM vector WHERE seq > ?", (int(meta["graph_seq"]),))
            .fetchone()[0]
        )
        return {"graph": True, "held": int(meta.get("graph_size", 0)), "rewritten": rewritten}

    def graph_needed(self, threshold: int) -> bool | None:
        """True when a graph should be (re)built, False when the current one (or the exact scan
        alone) will do, None when a graph exists but the store is now under `threshold`."""
        state = self.graph_state()
        if self.count() < threshold:
            return None if state["graph"] else False
        return not state["graph"] or state["rewritten"] > GRAPH_STALE_SHARE * state["held"]

    def build_graph(self, threads: int = 0, progress: Callable[[int], None] | None = None) -> int:
        """Build the graph of every stored vector, save it beside the store and make it the
        one every process searches; returns how many vectors it holds."""
        connection = self._connection()
        connection.execute("BEGIN")  # one snapshot: the rows as of `seq`
        try:
            seq = self.generation()
            graph = Index(ndim=self.dimensions, metric=MetricKind.Cos, dtype="i8",
                          connectivity=GRAPH_CONNECTIVITY, expansion_add=GRAPH_EXPANSION_ADD,
                          expansion_search=GRAPH_EXPANSION_SEARCH)  # fmt: skip
            rows = connection.execute(
                "SELECT id, data FROM vector WHERE data IS NOT NULL AND seq <= ?", (seq,)
            )
            while batch := rows.fetchmany(GRAPH_BATCH):
                keys = np.array([pk for pk, _data in batch], dtype=np.uint64)
                vectors = np.frombuffer(b"".join(data for _pk, data in batch), dtype=np.int8)
                graph.add(keys, vectors.reshape(len(batch), self.dimensions), threads=threads)
                if progress:
                    progress(len(batch))
        finally:
            connection.execute("COMMIT")
        name = f"{self.path.stem}-graph-{seq}.usearch"
        temporary = self.path.with_name(f".{name}.{os.getpid()}")
        graph.save(temporary)
        os.replace(temporary, self.path.with_name(name))
        with connection:
            connection.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
                ("graph", name), ("graph_seq", seq), ("graph_size", len(graph))])  # fmt: skip
        self._remove_graphs(keep=name)
        return len(graph)

    def drop_graph(self) -> None:
        """Search every vector exactly again (the store shrank under the threshold)."""
        with self._connection() as connection:
            connection.execute("DELETE FROM meta WHERE key IN ('graph', 'graph_seq', 'graph_size')")
        self._remove_graphs(keep="")

    def _remove_graphs(self, keep: str) -> None:
        # A process still searching a removed file keeps its mapping until it refreshes.
        for path in self.path.parent.glob(f"{self.path.stem}-graph-*.usearch"):
            if path.name != keep:
                path.unlink(missing_ok=True)


_stores: dict[Path, VectorStore] = {}
_stores_lock = threading.Lock()


def get_vector_store(dimensions: int) -> VectorStore:
    """The store beside the search index (`ESSAIM_DATA_DIR/vectors/`)."""
    path = Path(settings.ESSAIM["INDEX_DIR"]).with_name("vectors") / f"vectors-{dimensions}.sqlite3"
    with _stores_lock:
        if path not in _stores:
            _stores[path] = VectorStore(path, dimensions)
        return _stores[path]
