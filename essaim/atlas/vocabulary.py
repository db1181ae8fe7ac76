"""The atlas's vocabulary in one place: its taxonomies, the facts that use them, the facets
they become in search, and the labels a visitor reads. Every other module of the atlas (facts,
queries, actions, the bulk path, indexing) reads it from here; it reads only the models.
"""

from django.conf import settings
from django.utils import translation
from django_countries import countries

from essaim.core import generation
from essaim.core.templatetags.essaim import language_name

from .models import (
    CONTENT_LANGUAGES,
    Audience,
    Family,
    LegalForm,
    Role,
    Sector,
    Service,
    Territory,
    pick_translation,
)

TAXONOMY_MODELS = {
    "family": Family,
    "role": Role,
    "sector": Sector,
    "service": Service,
    "audience": Audience,
    "legal_form": LegalForm,
}
# The public filter names of the pages and the API, which the search index also knows.
FACETS = (
    "family",
    "sector",
    "service",
    "legal_form",
    "country",
    "region",
    "language",
    "territory",
    "role",
    "audience",
)


def facet_labels(name: str, codes) -> dict[str, str]:
    """The visitor-facing labels of these values of a facet (one query for a taxonomy)."""
    if name in TAXONOMY_MODELS:
        labels = taxonomy_labels(name)
        return {code: labels.get(code, code) for code in codes}
    if name == "country":
        return {code: str(countries.name(code)) or code for code in codes}
    if name == "territory":
        return {
            code: str(Territory(code).label) if code in Territory.values else code for code in codes
        }
    if name == "language":
        return {code: language_name(code) for code in codes}
    return {code: code for code in codes}


def taxonomy_labels(name: str) -> dict[str, str]:
    """Code -> label of a taxonomy, in the active language."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    column = f"label_{language}" if language in ("fr", "en", "it", "es") else "label_en"
    return dict(TAXONOMY_MODELS[name].objects.values_list("code", column))


class Vocabulary:
    """Codes and labels of every taxonomy term, read once (per indexing run, per import, per
    form): facts name terms by code, the database by id."""

    def __init__(self):
        self.load()

    def load(self) -> None:
        self.refreshed = False
        self.codes = {}  # model -> {pk: code}
        self.ids = {}  # model -> {code: pk}
        self.localized = {}  # model -> {code: {language: label}}
        for model in TAXONOMY_MODELS.values():
            columns = ["id", "code", *(f"label_{code}" for code in CONTENT_LANGUAGES)]
            rows = list(model.objects.values_list(*columns))
            self.codes[model] = {row[0]: row[1] for row in rows}
            self.ids[model] = {row[1]: row[0] for row in rows}
            self.localized[model] = {
                row[1]: dict(zip(CONTENT_LANGUAGES, row[2:], strict=True)) for row in rows
            }
        # Its labels in every language, for the search's words (asked for every document).
        self.every_label = {
            model: {code: [label for label in labels.values() if label]
                    for code, labels in terms.items()}
            for model, terms in self.localized.items()
        }  # fmt: skip
        # Each term's place in its taxonomy's order (the models' ordering): lists of terms are
        # given in that order, whatever order the database returns them in.
        self.ranks = {
            model: {code: rank for rank, code in enumerate(terms)}
            for model, terms in self.localized.items()
        }

    def code(self, model, pk) -> str | None:
        if pk not in self.codes[model] and self._refresh():
            return self.code(model, pk)
        return self.codes[model].get(pk)

    def id_of(self, model, code: str) -> int | None:
        if code not in self.ids[model] and self._refresh():
            return self.id_of(model, code)
        return self.ids[model].get(code)

    def _refresh(self) -> bool:
        """Read the taxonomies again, once, when a term is missing: one created in the same
        transaction, before its commit moved the generation on."""
        if self.refreshed:
            return False
        self.load()
        self.refreshed = True
        return True

    def in_order(self, model, codes: list[str]) -> list[str]:
        ranks = self.ranks[model]
        return sorted(codes, key=lambda code: ranks.get(code, len(ranks)))

    def labels(self, model, code: str) -> list[str]:
        """The term's labels in every language, for the search's words."""
        return self.every_label[model].get(code, [])

    def choices(self, model) -> list[tuple[str, str]]:
        """(code, label) of every term, in the taxonomy's order and the active language."""
        language = translation.get_language() or settings.LANGUAGE_CODE
        return [
            (code, pick_translation(labels, language).text)
            for code, labels in self.localized[model].items()
        ]


_current: tuple[tuple, Vocabulary] | None = None


def current_vocabulary() -> Vocabulary:
    """The vocabulary, read again after each change to the data (a change to a term bumps
    the data's generation: see `actions.py`); per process."""
    global _current
    state = (settings.ESSAIM["INDEX_DIR"], generation.current())
    if _current is None or _current[0] != state:
        _current = (state, Vocabulary())
    return _current[1]
