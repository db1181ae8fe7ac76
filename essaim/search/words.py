"""How the words of a search match the index (as typed, as prefixes, by their stems in the four
languages, with typos) and which words to suggest instead of unknown ones: the part of the
tantivy engine that reads words."""

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


class WordMatching:
    """Mixed into the tantivy index: needs `self.schema` and `self.remembered`."""

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
        for raw in meaningful_words(text):
            for word in fold(raw):
                options = [
                    *self._word_options(searcher, "name", word, 4.0, shortest=2),
                    *self._word_options(searcher, "body", word, 1.0, shortest=3),
                    *self._stem_options(raw),
                ]
                if sum(searcher.doc_freq(name, word) for name in ("name", "body")) < (
                    FUZZY_UNLESS_FOUND_IN
                ):
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
        for raw in meaningful_words(text):
            for word in fold(raw):
                # The word itself, not its completions: a prefix's many terms rank cheaply
                # enough, and would make two passes of it.
                if searcher.doc_freq("body", word) <= least:
                    return None
                options += self._word_options(searcher, "name", word, 4.0, shortest=2)
        if not options:
            return None
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, option) for option in options])

    def _stem_options(self, raw: str) -> list:
        options = []
        for language in STEMMERS:
            found = {stem for variant in word_variants(raw, language)
                     for stem in stems(variant, language)}  # fmt: skip
            for stem in sorted(found):
                term = tantivy.Query.term_query(self.schema, f"stem_{language}", stem)
                options.append(tantivy.Query.boost_query(term, STEM_BOOST))
        return options

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
        for raw in typed:
            folded = fold(raw)
            word = folded[0] if len(folded) == 1 else ""
            known = not word or len(word) < 4 or is_stop_word(raw) or any(
                searcher.terms_with_prefix(field, word, limit=1) for field in ("name", "body")
            )  # fmt: skip
            replacement = None if known else self._closest_term(searcher, word)
            suggested.append(replacement or raw)
            changed = changed or bool(replacement)
        return " ".join(suggested) if changed else ""

    @staticmethod
    def _closest_term(searcher, word: str) -> str | None:
        limit = 2 if len(word) >= 8 else 1
        best = None
        for name in ("name", "body"):
            # Words beginning like this one: a typo is seldom in the first two letters.
            for term, count in searcher.terms_with_prefix(name, word[:2], limit=MAX_CANDIDATES):
                if abs(len(term) - len(word)) > limit or term.isdigit():
                    continue
                distance = edit_distance(word, term, limit)
                if distance <= limit:
                    key = (distance, -count, term)
                    if best is None or key < best[0]:
                        best = (key, term)
        return best[1] if best else None
