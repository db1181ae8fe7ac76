"""Search by meaning beside search by words: the vectors nearest to a query's (see
`embeddings` and `vectors`; the atlas keeps its organisations' vectors up to date, in
`atlas/meaning.py`), and a hybrid ranking that fuses the two lists by reciprocal rank, each
result saying why it is there.
"""

from .embeddings import get_embedder
from .vectors import get_vector_store

# How close in meaning a description must be to stand in the results without the words
# (cosine of the multilingual model: on the demo atlas, the entry a query in another language
# means scores 0.28 to 0.52, unrelated ones 0.05 to 0.2).
MIN_SIMILARITY = 0.25
# How many of each list are fused; reciprocal rank fusion's usual constant.
FUSED_DEPTH = 100
RRF_K = 60


def generation() -> int:
    """Changes with every write of vectors (0 without semantic search)."""
    embedder = get_embedder()
    return get_vector_store(embedder.dimensions).generation() if embedder else 0


def nearest(vector, count: int) -> list[tuple[int, float]]:
    embedder = get_embedder()
    if embedder is None or vector is None:
        return []
    found = get_vector_store(embedder.dimensions).nearest(vector, count)
    return [(pk, similarity) for pk, similarity in found if similarity >= MIN_SIMILARITY]


def fuse(lexical: list[int], semantic: list[int]) -> list[int]:
    """Reciprocal rank fusion: each list gives 1 / (60 + rank); ties keep the words first."""
    scores: dict[int, float] = {}
    for ranking in (lexical, semantic):
        for rank, pk in enumerate(ranking):
            scores[pk] = scores.get(pk, 0.0) + 1.0 / (RRF_K + rank + 1)
    first_seen: dict[int, int] = {}
    for rank, pk in enumerate([*lexical, *semantic]):
        first_seen.setdefault(pk, rank)
    return sorted(scores, key=lambda pk: (-scores[pk], first_seen[pk]))
