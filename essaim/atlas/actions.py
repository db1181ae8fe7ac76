"""Every way the atlas changes. Views, the admin and commands validate, then call these.

Each function writes inside one transaction and, once it has committed, brings the search index
up to date, so that a reader who wants to know how an organisation can change reads one file
(and `bulk.py`, the batch path for loading millions at once).
"""

import threading
from collections.abc import Iterable, Iterator

from django.db import transaction

from essaim.search.documents import Vocabulary, documents_for
from essaim.search.index import get_index

from .facts import MANY_TO_MANY, differences, facts_of, split_facts
from .models import (
    Audience,
    Change,
    Family,
    Identifier,
    LegalForm,
    Organisation,
    Role,
    Sector,
    Service,
    Status,
)

TAXONOMY_MODELS = {
    "family": Family,
    "role": Role,
    "sector": Sector,
    "service": Service,
    "audience": Audience,
    "legal_form": LegalForm,
}
INDEX_BATCH = 2000


# The search index ----------------------------------------------------------------------------


def index_organisations(ids: Iterable[int]) -> None:
    """Write the current state of these organisations to the index (or remove them)."""
    ids = list(ids)
    if ids:
        documents, removed = documents_for(ids)
        get_index().write(documents, removed)


_pending = threading.local()


def _index_after_commit(ids: Iterable[int]) -> None:
    """Index these organisations once the transaction commits; many changes in one transaction
    make one index write."""
    pending = getattr(_pending, "ids", None)
    if pending is None:
        pending = _pending.ids = set()

        def flush() -> None:
            ids_to_index = sorted(_pending.ids)
            _pending.ids = None
            index_organisations(ids_to_index)

        transaction.on_commit(flush)
    pending.update(ids)


def _documents_in_batches(batch_size: int = INDEX_BATCH) -> Iterator[list[dict]]:
    vocabulary = Vocabulary()
    published = Organisation.objects.published().order_by("pk")
    last = 0
    while ids := list(published.filter(pk__gt=last).values_list("pk", flat=True)[:batch_size]):
        last = ids[-1]
        yield documents_for(ids, vocabulary)[0]


def rebuild_search_index() -> int:
    """Rebuild the whole index from the database; returns how many entries it holds."""
    return get_index().rebuild(_documents_in_batches())


# Taxonomies ----------------------------------------------------------------------------------


def do_load_taxonomies(data: dict[str, list[list[str]]]) -> int:
    """Create or update taxonomy terms from {kind: [[code, fr, en, it, es, (colour)], …]}."""
    count = 0
    with transaction.atomic():
        for kind, rows in data.items():
            model = TAXONOMY_MODELS[kind]
            for position, row in enumerate(rows):
                code, label_fr, label_en, label_it, label_es, *extra = row
                defaults = {
                    "label_fr": label_fr,
                    "label_en": label_en,
                    "label_it": label_it,
                    "label_es": label_es,
                    "position": position,
                }
                if model is Sector:
                    defaults["color"] = extra[0]
                model.objects.update_or_create(code=code, defaults=defaults)
                count += 1
        _vocabulary_changed()
    return count


def _users_of(term):
    if isinstance(term, Sector | LegalForm):
        return Organisation.objects.filter(**{type(term).__name__.lower(): term})
    relation = next(name for name, model in MANY_TO_MANY.items() if isinstance(term, model))
    return Organisation.objects.filter(**{relation: term})


def _vocabulary_changed() -> None:
    # Answers remembered with the old labels or codes must be computed again.
    transaction.on_commit(lambda: get_index().touch())


def _reindex_users(ids: list[int]) -> None:
    """After a term changes: its users are written to the index, which is a new state; with no
    user, the index still commits, so that answers with the old labels are computed again."""
    if ids:
        _index_after_commit(ids)
    else:
        _vocabulary_changed()


def do_save_taxonomy_term(term) -> None:
    """Save a term edited by an administrator; its labels are searchable, so reindex its users."""
    with transaction.atomic():
        term.save()
        _reindex_users(list(_users_of(term).values_list("pk", flat=True)))


def do_delete_taxonomy_term(term) -> None:
    """Delete a term (refused by the database while an organisation's main sector or legal form
    uses it); the organisations that listed it are reindexed without it."""
    with transaction.atomic():
        users = list(_users_of(term).values_list("pk", flat=True))
        term.delete()
        _reindex_users(users)


# Organisations -------------------------------------------------------------------------------


def _set_relations(org: Organisation, relations: dict[str, list]) -> None:
    for name, terms in relations.items():
        getattr(org, name).set(terms)


def _set_identifiers(org: Organisation, identifiers: dict[str, str]) -> None:
    for scheme, value in identifiers.items():
        if value:
            Identifier.objects.update_or_create(
                organisation=org, scheme=scheme, defaults={"value": value}
            )
        else:
            Identifier.objects.filter(organisation=org, scheme=scheme).delete()


def _record_change(org_id: int, name: str, kind: str, before: dict, after: dict, **origin):
    """Keep the change for the history and number it for the change feed."""
    fields = differences(before, after)
    if kind == Change.Kind.UPDATED and not fields:
        return None
    published = kind != Change.Kind.DELETED and after.get("status") == Status.PUBLISHED
    return Change.objects.create(
        organisation_id=org_id,
        organisation_name=name,
        kind=kind,
        fields=fields,
        published=published,
        **origin,
    )


def _save_with_facts(org: Organisation, relations, identifiers, origin: dict) -> Organisation:
    with transaction.atomic():
        creating = org.pk is None
        before = {} if creating else facts_of(Organisation.objects.get(pk=org.pk))
        org.full_clean()
        org.save()
        _set_relations(org, relations or {})
        _set_identifiers(org, identifiers or {})
        kind = Change.Kind.CREATED if creating else Change.Kind.UPDATED
        _record_change(org.pk, org.name, kind, before, facts_of(org), **origin)
        _index_after_commit([org.pk])
    return org


def do_create_organisation(
    fields: dict,
    relations: dict[str, list] | None = None,
    identifiers: dict[str, str] | None = None,
    **origin,
) -> Organisation:
    """Create an organisation. `origin` says who and what brought the change (author,
    suggestion, reverts), for its history."""
    return _save_with_facts(Organisation(**fields), relations, identifiers, origin)


def do_update_organisation(
    org: Organisation,
    fields: dict,
    relations: dict[str, list] | None = None,
    identifiers: dict[str, str] | None = None,
    **origin,
) -> Organisation:
    for name, value in fields.items():
        setattr(org, name, value)
    return _save_with_facts(org, relations, identifiers, origin)


def do_apply_facts(org: Organisation | None, facts: dict, **origin) -> Organisation:
    """Create (`org` None) or update an organisation from facts (see facts.py)."""
    fields, relations, identifiers = split_facts(facts)
    if org is None:
        return do_create_organisation(fields, relations, identifiers, **origin)
    return do_update_organisation(org, fields, relations, identifiers, **origin)


def do_revert_change(change: Change, author) -> Organisation:
    """Put back the values a change replaced; the revert is itself a change."""
    org = Organisation.objects.get(pk=change.organisation_id)
    old_values = {name: values[0] for name, values in change.fields.items()}
    status = old_values.pop("status", None)
    with transaction.atomic():
        if old_values:
            do_apply_facts(org, old_values, author=author, reverts=change)
        if status:
            do_set_organisation_status(org, status, author=author, reverts=change)
    return org


def admin_facts_before(org: Organisation) -> dict:
    """The facts of an organisation the admin is about to save (nothing if it is new)."""
    return facts_of(Organisation.objects.get(pk=org.pk)) if org.pk else {}


def do_save_organisation(org: Organisation) -> Organisation:
    """Save an organisation's own fields as edited in the admin (its relations follow, then
    `record_admin_save`)."""
    with transaction.atomic():
        org.save()
    return org


def record_admin_save(org: Organisation, before: dict, author) -> None:
    """The admin saves an organisation, its relations and identifiers in one transaction
    (ModelAdmin.changeform_view is atomic): record the change, and once committed, the index
    follows."""
    kind = Change.Kind.UPDATED if before else Change.Kind.CREATED
    _record_change(org.pk, org.name, kind, before, facts_of(org), author=author)
    _index_after_commit([org.pk])


def do_set_organisation_status(org: Organisation, status: Status, **origin) -> Organisation:
    with transaction.atomic():
        before = facts_of(org)
        org.status = status
        org.save(update_fields=["status", "updated_at"])
        _record_change(org.pk, org.name, Change.Kind.UPDATED, before, facts_of(org), **origin)
        _index_after_commit([org.pk])
    return org


def do_delete_organisation(org: Organisation, **origin) -> None:
    pk = org.pk
    with transaction.atomic():
        before = facts_of(org)
        org.delete()
        _record_change(pk, before["name"], Change.Kind.DELETED, before, {}, **origin)
        _index_after_commit([pk])
