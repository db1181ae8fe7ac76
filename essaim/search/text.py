"""How text is cut into words, the same way when indexing and when searching.

Two analyses: `fold` (lower case, accents folded: exact words and prefixes) and, per language,
`stems` (Snowball stemmers: "coopératives" finds "coopérative", "formazioni" "formazione").
Snowball keeps agent nouns apart from actions ("médiateur" / "médiation"), which people use
for one another when they look for help; `word_variants` adds the other form of such a word
before stemming, on the query side only, so the index stays plain Snowball.
"""

import re

import tantivy

ANALYZER = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.ascii_fold())
    .build()
)

# Essaim's content languages and their Snowball stemmers.
STEMMER_LANGUAGES = {"fr": "french", "en": "english", "it": "italian", "es": "spanish"}


def _stemming_analyzer(language: str) -> tantivy.TextAnalyzer:
    # Accents are folded after stemming: Snowball's French and Spanish rules read them.
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer(language))
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


STEMMERS = {code: _stemming_analyzer(name) for code, name in STEMMER_LANGUAGES.items()}
# Each language's stop words ("de", "the", "di", "y"…), which would otherwise have to be found
# in every result: an analyzer that drops them.
_STOP_FILTERS = [
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.stopword(name))
    .build()
    for name in STEMMER_LANGUAGES.values()
]

# Agent noun <-> action noun endings, per language: "médiateur" <-> "médiation",
# "formatrice" <-> "formation", "mediatore" <-> "mediazione", "mediador" <-> "mediación".
# Each pair is (ending of one form, ending of the other), tried both ways.
DERIVATIONS = {
    "fr": [("ateur", "ation"), ("atrice", "ation"), ("ateurs", "ations"), ("atrices", "ations")],
    "it": [("atore", "azione"), ("atrice", "azione"), ("atori", "azioni"), ("atrici", "azioni")],
    "es": [("ador", "ación"), ("adora", "ación"), ("adores", "aciones"), ("adoras", "aciones")],
    "en": [("ator", "ation"), ("ators", "ations")],
}
_LETTERS = re.compile(r"\w+")


def fold(text: str) -> list[str]:
    """Words of `text` as the index stores them: lower case, accents folded."""
    return ANALYZER.analyze(text)


def stems(text: str, language: str) -> list[str]:
    """Words of `text` stemmed with the rules of `language` (accents folded)."""
    return STEMMERS[language].analyze(text)


def word_variants(word: str, language: str) -> list[str]:
    """`word` and its agent-noun or action-noun counterpart in `language`, if it has one.
    Accents may be missing ("mediacion"): endings are compared without them."""
    variants = [word]
    lowered = word.lower()
    plain = fold(lowered)
    plain_word = plain[0] if len(plain) == 1 else lowered
    for one, other in DERIVATIONS.get(language, ()):
        for ending, replacement in ((one, other), (other, one)):
            plain_ending = fold(ending)[0]
            if plain_word.endswith(plain_ending) and len(plain_word) > len(plain_ending) + 2:
                variants.append(plain_word[: -len(plain_ending)] + replacement)
    return list(dict.fromkeys(variants))


def words_of(text: str) -> list[str]:
    """The words of `text` as typed (case and accents kept), for stemming and suggestions."""
    return [word for word in _LETTERS.findall(text) if len(word) <= 40]


def is_stop_word(word: str) -> bool:
    """Whether `word` is a stop word in one of Essaim's languages ("la", "of", "della"). A
    word typed in capitals is an acronym ("IT", "AI"), never a stop word."""
    if len(word) > 1 and word.isupper():
        return False
    return any(not analyzer.analyze(word) for analyzer in _STOP_FILTERS)


def meaningful_words(text: str) -> list[str]:
    """The words of `text` a search must find: its stop words left out, unless it has only
    those."""
    typed = words_of(text)
    kept = [word for word in typed if not is_stop_word(word)]
    return kept or typed


def edit_distance(first: str, second: str, limit: int) -> int:
    """Levenshtein distance with a swap of neighbours counted as one; `limit + 1` as soon as
    it is known to exceed `limit`."""
    previous_previous = None
    previous = list(range(len(second) + 1))
    for i, first_char in enumerate(first, 1):
        current = [i]
        for j, second_char in enumerate(second, 1):
            cost = 0 if first_char == second_char else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if (
                previous_previous is not None and i > 1 and j > 1
                and first_char == second[j - 2] and first[i - 2] == second_char
            ):  # fmt: skip
                value = min(value, previous_previous[j - 2] + 1)
            current.append(value)
        if min(current) > limit:
            return limit + 1
        previous_previous, previous = previous, current
    return previous[-1]


def sort_key(name: str) -> str:
    """How a name sorts: folded words, the first 120 characters."""
    return " ".join(fold(name))[:120]
