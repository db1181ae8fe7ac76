"""How text is cut into words, the same way when indexing and when searching."""

import tantivy

ANALYZER = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.ascii_fold())
    .build()
)


def fold(text: str) -> list[str]:
    """Words of `text` as the index stores them: lower case, accents folded."""
    return ANALYZER.analyze(text)
