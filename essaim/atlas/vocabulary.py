"""The atlas's vocabulary in one place: its taxonomies, the facts that use them, the facets
they become in search, and the labels a visitor reads. Every other module of the atlas (facts,
queries, actions, the bulk path, indexing) reads it from here; it reads only the models.
"""

from django.conf import settings
from django.utils import translation
from django_countries import countries

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
# Fact name -> taxonomy model, for the facts that name one term.
TERM_FIELDS = {"legal_form": LegalForm, "sector": Sector}
# Facet name -> (relation on Organisation, taxonomy model) for the many-to-many facets.
RELATION_FACETS = {
    "family": ("families", Family),
    "service": ("services", Service),
    "role": ("roles", Role),
    "audience": ("audiences", Audience),
}
# Relation name -> taxonomy model: the many-to-many facts.
MANY_TO_MANY = dict(RELATION_FACETS.values())
# Fact name -> the facet whose labels show it.
FACT_FACETS = {
    **{name: name for name in TERM_FIELDS},
    **{relation: facet for facet, (relation, _model) in RELATION_FACETS.items()},
    "country": "country",
    "territory": "territory",
}


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
    """Codes and labels of every taxonomy term, read once per indexing run."""

    def __init__(self):
        self.terms = {}
        self.localized = {}  # model -> {pk: {language: label}}
        for model in (Family, Role, Sector, Service, Audience, LegalForm):
            columns = ["id", "code", *(f"label_{code}" for code in CONTENT_LANGUAGES)]
            rows = list(model.objects.values_list(*columns))
            self.terms[model] = {
                row[0]: (row[1], [label for label in row[2:] if label]) for row in rows
            }
            self.localized[model] = {
                row[0]: dict(zip(CONTENT_LANGUAGES, row[2:], strict=True)) for row in rows
            }
        # Each term's place in its taxonomy's order (the models' ordering): lists of terms are
        # given in that order, whatever order the database returns them in.
        self.ranks = {
            model: {pk: rank for rank, pk in enumerate(terms)}
            for model, terms in self.terms.items()
        }

    def code(self, model, pk):
        return self.terms[model][pk][0] if pk in self.terms[model] else None

    def in_order(self, model, term_ids: list[int]) -> list[int]:
        ranks = self.ranks[model]
        return sorted(term_ids, key=lambda pk: ranks.get(pk, len(ranks)))

    def labels(self, model, pk) -> list[str]:
        return self.terms[model][pk][1] if pk in self.terms[model] else []

    def label_in(self, model, pk, language: str) -> str:
        return self.localized[model].get(pk, {}).get(language, "")
