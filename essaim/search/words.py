"""How the words of a search match the index (as typed, as prefixes, by their stems in the four
languages, with typos) and which words to suggest instead of unknown ones: the part of the
tantivy engine that reads words.

The labels of facet values ("Financement", "Funding", "Finanziamento"…) are not copied into
every document: the layout's `labels` gives them, and a word matching a label matches the
documents holding its code. A document then holds a few words instead of some forty labels
(loading and indexing take a third less time), and a renamed label is found at once, without
reindexing.
"""

import bisect
import itertools
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping

import tantivy
from django.conf import settings

from .text import (
    STEMMERS,
    edit_distance,
    fold,
    is_stop_word,
    meaningful_words,
    stems,
    word_variants,
    words_of,
)

# Above this many completions, a prefix is matched by an automaton instead of term by term.
MAX_COMPLETIONS = 64
# Typos forgiven: one letter wrong from five letters on, two from eight (Levenshtein, with a
# swap of two letters counted as one), always ranked below the words as typed.
FUZZY_DISTANCES = ((8, 2), (5, 1))
FUZZY_BOOST = 0.3
# A word found as typed in this many documents is not taken for a typo: its look-alikes
# ("information" for "formation") would only add noise, and at the EU's scale an automaton
# over the whole term dictionary costs more than the rest of the search.
FUZZY_UNLESS_FOUND_IN = 1000
# "Did you mean": at most this many words looked at, and this many indexed words (the most
# frequent beginning like each) compared with it.
MAX_SUGGESTED_WORDS = 8
MAX_CANDIDATES = 2000
STEM_BOOST = 0.8
# A word found in more than ESSAIM_NAME_FIRST_ABOVE documents, and in this share of them,
# barely ranks: at the EU's scale ("numérique" in a national register) scoring its millions of
# matches would cost more than the rest of the search (see `_name_first`).
UNSELECTIVE_SHARE = 0.2


# Labels by facet, code and language ({"service": {"funding": {"fr": "Financement", …}}}).
Labels = Mapping[str, Mapping[str, Mapping[str, str]]]
_versions = itertools.count(1)
REMEMBERED_LOOK_ALIKES = 10_000


class LabelWords:
    """The words of the facet values' labels, folded and stemmed as the index's texts are,
    each with the (facet, code) pairs whose labels hold it."""

    def __init__(self, labels: Labels):
        self.labels = labels
        self.version = next(_versions)  # keys what was remembered with these labels
        self.folded: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.stemmed: dict[str, dict[str, set[tuple[str, str]]]] = {
            language: defaultdict(set) for language in STEMMERS
        }
        for facet, terms in labels.items():
            for code, by_language in terms.items():
                for language, label in by_language.items():
                    if not label:
                        continue
                    for word in fold(label):
                        self.folded[word].add((facet, code))
                    if language in STEMMERS:
                        for stem in stems(label, language):
                            self.stemmed[language][stem].add((facet, code))
        self.words = sorted(self.folded)
        # What was asked before, as searches repeat their words (a typo's look-alikes take
        # a few milliseconds to find among some thousand words).
        self._found: dict[tuple, list[str]] = {}

    def completions(self, word: str) -> list[str]:
        """The label words beginning with `word` (itself included)."""
        start = bisect.bisect_left(self.words, word)
        end = bisect.bisect_left(self.words, word + "\U0010ffff", start)
        return self.words[start:end]

    def close_to(self, word: str, distance: int) -> list[str]:
        """The label words at most `distance` letters away from `word`."""
        key = (word, distance)
        if (found := self._found.get(key)) is None:
            found = [other for other in self.words
                     if abs(len(other) - len(word)) <= distance
                     and edit_distance(word, other, distance) <= distance]  # fmt: skip
            if len(self._found) >= REMEMBERED_LOOK_ALIKES:
                self._found.clear()
            self._found[key] = found
        return found


class WordMatching:
    """Mixed into the tantivy index: needs `self.schema`, `self.layout` and `self.remembered`."""

    _label_words: LabelWords | None = None
    _label_words_lock = threading.Lock()

    def label_words(self) -> LabelWords:
        """The label words of the layout's labels as they are now (built again only when a
        label or a code changed)."""
        source: Callable[[], Labels] | None = self.layout.labels
        labels = source() if source else {}
        table = self._label_words
        if table is not None and (table.labels is labels or table.labels == labels):
            return table
        with self._label_words_lock:
            table = self._label_words
            if table is None or table.labels != labels:
                table = self._label_words = LabelWords(labels)
        return table

    def _label_options(self, table: LabelWords, word: str, stemmed: dict, fuzzy: bool) -> list:
        """Ways `word` can match a facet value by its labels, weighted as the same match in
        the body would be: as typed, from three letters as a prefix, by one of its `stemmed`
        forms ({language: stems}), or (`fuzzy`) with a typo."""
        boosts: dict[tuple[str, str], float] = {}

        def offer(pairs, boost):
            for pair in pairs:
                boosts[pair] = max(boosts.get(pair, 0.0), boost)

        offer(table.folded.get(word, ()), 2.0)
        if len(word) >= 3:
            for other in table.completions(word):
                offer(table.folded[other], 1.0)
        for language, found in stemmed.items():
            for stem in found:
                offer(table.stemmed[language].get(stem, ()), STEM_BOOST)
        distance = next((d for length, d in FUZZY_DISTANCES if len(word) >= length), 0)
        if fuzzy and distance:
            for other in table.close_to(word, distance):
                offer(table.folded[other], FUZZY_BOOST)
        return [
            tantivy.Query.boost_query(tantivy.Query.term_query(self.schema, facet, code), boost)
            for (facet, code), boost in sorted(boosts.items())
        ]

    @staticmethod
    def _label_doc_freq(searcher, table: LabelWords, word: str) -> int:
        """How many documents hold a facet value whose labels hold `word` as typed (an
        upper bound: a document may hold several)."""
        return sum(searcher.doc_freq(facet, code)
                   for facet, code in table.folded.get(word, ()))  # fmt: skip

    def _word_options(self, searcher, name: str, word: str, boost: float, shortest: int) -> list:
        """Ways `word` can match field `name`: the word itself, and from `shortest` letters as a
        prefix ("coop" finds "coopérative"). A prefix with few completions becomes one scored
        term per completion (a few posting lists, ranked by BM25); one with very many becomes
        a constant-score automaton over the term dictionary, plus the exact word for ranking."""
        exact = tantivy.Query.term_query(self.schema, name, word)
        if len(word) < shortest:
            return [tantivy.Query.boost_query(exact, boost * 2)]
        completions = searcher.terms_with_prefix(name, word, limit=MAX_COMPLETIONS + 1)
        if len(completions) > MAX_COMPLETIONS:
            prefix = tantivy.Query.fuzzy_term_query(
                self.schema, name, word, distance=0, prefix=True
            )
            return [
                tantivy.Query.boost_query(exact, boost * 2),
                tantivy.Query.boost_query(prefix, boost),
            ]
        return [
            tantivy.Query.boost_query(
                tantivy.Query.term_query(self.schema, name, term),
                boost * (2 if term == word else 1),
            )
            for term, _count in completions
        ]

    def _text_query(self, searcher, text: str):
        """Every word must match: in the name (worth four times more) or the body, as typed
        or as a prefix; by its stem in one of the four languages ("coopératives" finds
        "coopérative", "médiateur" "médiation"); or, ranked below all of these, with a typo
        ("emaus" finds "Emmaüs"). Two letters complete words of names ("re" finds
        "Réseau…"); in descriptions, where they would complete nearly every text, completion
        starts at three."""
        if not fold(text):
            return None
        clauses = []
        table = self.label_words()
        for raw in meaningful_words(text):
            stemmed = self._stems(raw)
            for word in fold(raw):
                found = sum(searcher.doc_freq(name, word) for name in ("name", "body"))
                fuzzy = found + self._label_doc_freq(searcher, table, word) < (
                    FUZZY_UNLESS_FOUND_IN
                )
                options = [
                    *self._word_options(searcher, "name", word, 4.0, shortest=2),
                    *self._word_options(searcher, "body", word, 1.0, shortest=3),
                    *self._stem_options(stemmed),
                    *self._label_options(table, word, stemmed, fuzzy),
                ]
                if fuzzy:
                    options.extend(self._fuzzy_options(word))
                clauses.append(
                    (
                        tantivy.Occur.Must,
                        tantivy.Query.boolean_query(
                            [(tantivy.Occur.Should, option) for option in options]
                        ),
                    )
                )
        return tantivy.Query.boolean_query(clauses)

    def _name_first(self, searcher, text: str):
        """When every word of the search is found in a large share of a large index, the query
        on names alone (any word in the name, ranked) that puts the organisations named by
        the words first; otherwise None. Their other matches are counted without being
        scored, which is several times cheaper over millions of documents."""
        least = max(settings.ESSAIM["NAME_FIRST_ABOVE"], searcher.num_docs * UNSELECTIVE_SHARE)
        options = []
        table = self.label_words()
        for raw in meaningful_words(text):
            for word in fold(raw):
                # The word itself, not its completions: a prefix's many terms rank cheaply
                # enough, and would make two passes of it.
                found = searcher.doc_freq("body", word) + self._label_doc_freq(
                    searcher, table, word
                )
                if found <= least:
                    return None
                options += self._word_options(searcher, "name", word, 4.0, shortest=2)
        if not options:
            return None
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, option) for option in options])

    @staticmethod
    def _stems(raw: str) -> dict[str, list[str]]:
        """The stems of a typed word and of its agent or action noun, by language."""
        return {
            language: sorted(
                {
                    stem
                    for variant in word_variants(raw, language)
                    for stem in stems(variant, language)
                }
            )  # fmt: skip
            for language in STEMMERS
        }

    def _stem_options(self, stemmed: dict[str, list[str]]) -> list:
        return [
            tantivy.Query.boost_query(
                tantivy.Query.term_query(self.schema, f"stem_{language}", stem), STEM_BOOST
            )
            for language, found in stemmed.items()
            for stem in found
        ]

    def _fuzzy_options(self, word: str) -> list:
        distance = next((d for length, d in FUZZY_DISTANCES if len(word) >= length), 0)
        if not distance:
            return []
        return [
            tantivy.Query.boost_query(
                tantivy.Query.fuzzy_term_query(self.schema, name, word, distance=distance),
                FUZZY_BOOST * weight,
            )
            for name, weight in (("name", 2.0), ("body", 1.0))
        ]

    def suggest(self, text: str) -> str:
        """The search with each word found nowhere in the index replaced by the closest
        indexed word (at most two letters away, the most frequent first): "" when every word
        is known or nothing close is."""
        return self.remembered(("suggest", text), lambda searcher: self._suggest(searcher, text))

    def _suggest(self, searcher, text: str) -> str:
        typed = words_of(text)[:MAX_SUGGESTED_WORDS]
        changed, suggested = False, []
        table = self.label_words()
        for raw in typed:
            folded = fold(raw)
            word = folded[0] if len(folded) == 1 else ""
            known = not word or len(word) < 4 or is_stop_word(raw) or any(
                searcher.terms_with_prefix(field, word, limit=1) for field in ("name", "body")
            ) or bool(table.completions(word))  # fmt: skip
            replacement = None if known else self._closest_term(searcher, table, word)
            suggested.append(replacement or raw)
            changed = changed or bool(replacement)
        return " ".join(suggested) if changed else ""

    def _closest_term(self, searcher, table: LabelWords, word: str) -> str | None:
        limit = 2 if len(word) >= 8 else 1
        # Words beginning like this one: a typo is seldom in the first two letters.
        candidates = [
            *(pair for name in ("name", "body")
              for pair in searcher.terms_with_prefix(name, word[:2], limit=MAX_CANDIDATES)),
            *((term, self._label_doc_freq(searcher, table, term))
              for term in table.completions(word[:2])),
        ]  # fmt: skip
        best = None
        for term, count in candidates:
            if abs(len(term) - len(word)) > limit or term.isdigit():
                continue
            distance = edit_distance(word, term, limit)
            if distance <= limit:
                key = (distance, -count, term)
                if best is None or key < best[0]:
                    best = (key, term)
        return best[1] if best else None
