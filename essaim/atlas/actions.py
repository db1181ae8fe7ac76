"""Every way the atlas changes. Views, the admin and commands validate, then call these.

Each function writes inside one transaction and, once it has committed, brings the search index
up to date, so that a reader who wants to know how an organisation can change reads one file
(and `bulk.py`, the batch path for loading millions at once).
"""

from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from .bulk import insert_batch, insert_rows
from .facts import (
    FRESHNESS_FIELDS,
    changed_facts,
    differences,
    empty_facts,
    facts_of,
    split_facts,
)
from .indexing import INDEX_BATCH, NewEntries, index_after_commit, vocabulary_changed
from .logos import Logo
from .models import (
    Change,
    Identifier,
    LegalForm,
    MergedRecord,
    Organisation,
    Sector,
    Status,
)
from .schema import RELATIONS, read_entries, stored
from .vocabulary import TAXONOMY_MODELS, Vocabulary

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
    relation = next(name for name, model in RELATIONS.items() if isinstance(term, model))
    return Organisation.objects.filter(**{relation: term})


def _vocabulary_changed() -> None:
    # Answers remembered with the old labels or codes must be computed again, on every server.
    vocabulary_changed()


def _reindex_users(ids: list[int]) -> None:
    """After a term changes: its users are written to the index, which is a new state; with no
    user, the index still commits, so that answers with the old labels are computed again."""
    if ids:
        index_after_commit(ids)
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
        before = {} if creating else facts_of(org)  # read from the database, not `org`
        org.full_clean()
        org.save()
        _set_relations(org, relations or {})
        _set_identifiers(org, identifiers or {})
        kind = Change.Kind.CREATED if creating else Change.Kind.UPDATED
        _record_change(org.pk, org.name, kind, before, facts_of(org), **origin)
        index_after_commit([org.pk])
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
    old_values = {name: values[0] for name, values in change.fields.items()
                  if name not in FRESHNESS_FIELDS}  # fmt: skip
    status = old_values.pop("status", None)
    logo = old_values.pop("logo", None)
    with transaction.atomic():
        if old_values:
            do_apply_facts(org, old_values, author=author, reverts=change)
        if status:
            do_set_organisation_status(org, status, author=author, reverts=change)
        if "logo" in change.fields:
            _put_logo(org, logo or "", author=author, reverts=change)
    return org


def admin_facts_before(org: Organisation) -> dict:
    """The facts of an organisation the admin is about to save (nothing if it is new)."""
    return facts_of(org) if org.pk else {}


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
    index_after_commit([org.pk])


def do_set_organisation_status(org: Organisation, status: Status, **origin) -> Organisation:
    with transaction.atomic():
        before = facts_of(org)
        org.status = status
        org.save(update_fields=["status", "updated_at"])
        _record_change(org.pk, org.name, Change.Kind.UPDATED, before, facts_of(org), **origin)
        index_after_commit([org.pk])
    return org


def do_delete_organisation(org: Organisation, **origin) -> None:
    pk = org.pk
    with transaction.atomic():
        before = facts_of(org)
        org.delete()
        _record_change(pk, before["name"], Change.Kind.DELETED, before, {}, **origin)
        index_after_commit([pk])


# Logos ---------------------------------------------------------------------------------------


def do_set_logo(org: Organisation, logo: Logo | None, **origin) -> Organisation:
    """Give an organisation a logo (checked and re-encoded by logos.read_logo), or remove it
    (`logo` None). The file is named by its content and kept when replaced, so that the
    change, in the history like any other, can be reverted; only the current logo is served."""
    name = ""
    if logo is not None:
        name = f"logos/{org.pk}-{logo.name}.webp"
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(logo.data))
    return _put_logo(org, name, **origin)


def _put_logo(org: Organisation, name: str, **origin) -> Organisation:
    if name and not default_storage.exists(name):
        name = ""  # A file lost since: nothing to put back.
    with transaction.atomic():
        before = {"logo": org.logo.name or "", "status": org.status}
        org.logo = name
        # Read from the file (a WebP's header): the page gives the image its size.
        Organisation._meta.get_field("logo").update_dimension_fields(org, force=True)
        org.save(update_fields=["logo", "logo_width", "logo_height", "updated_at"])
        after = {"logo": name, "status": org.status}
        _record_change(org.pk, org.name, Change.Kind.UPDATED, before, after, **origin)
        index_after_commit([org.pk])
    return org


# Imports -------------------------------------------------------------------------------------


EMPTY_FACTS = empty_facts()
# A created entry's history holds every fact, from nothing (as `_record_change` has it): the
# pairs of the facts an import leaves empty are made once, not for each of a million rows.
_CREATED_EMPTY = {name: [None, value] for name, value in EMPTY_FACTS.items() if value is not None}


def _created_fields(facts: dict) -> dict:
    fields = _CREATED_EMPTY.copy()
    for name, value in facts.items():
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = [None, value]
    return fields


def do_import_batch(
    source: str, batch: list[tuple[str, dict, dict]], now, new_entries: NewEntries | None = None
) -> dict[str, int]:
    """Apply a batch of validated records of a source, each (id at the source, facts,
    provenance): an id already known updates its organisation (only the facts the record
    gives), a new one creates it. Every creation and update is in the history and the change
    feed; the index follows once the caller's transaction commits (`new_entries`, if given,
    indexes the created ones as they are written)."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        ids = [source_id for source_id, *_rest in batch]
        entry = ["pk", "name", "status", "source", "source_id", "source_url",
                 "source_updated_at", "provenance", "missing_from_source_since"]  # fmt: skip
        known = {
            row["source_id"]: row
            for row in Organisation.objects.from_source(source, ids).order_by().values(*entry)
        }
        merged = MergedRecord.objects.filter(source=source, source_id__in=ids).exclude(
            source_id__in=list(known)
        )
        for source_id, *row in merged.values_list(
            "source_id", *(f"organisation__{name}" for name in entry)
        ).iterator():
            known[source_id] = dict(zip(entry, row, strict=True))
        entries = read_entries([row["pk"] for row in known.values()], Vocabulary())
        new, refreshed = [], []
        for source_id, facts, provenance in batch:
            row = known.get(source_id)
            if row is None:
                new.append((source_id, facts, provenance))
                continue
            # After a merge, each source updates only the facts that came from it.
            theirs = {name: value for name, value in facts.items()
                      if _provenance_source(row, name) == source}  # fmt: skip
            changes = changed_facts(entries[row["pk"]].facts, theirs)
            fresh = {name: value for name, value in provenance.items()
                     if row["source"] == source and row[name] != value}  # fmt: skip
            if row["missing_from_source_since"]:
                fresh["missing_from_source_since"] = None
            if fresh:
                Organisation.objects.filter(pk=row["pk"]).update(**fresh)
                if moved := {name: fresh[name] for name in FRESHNESS_FIELDS if name in fresh}:
                    refreshed.append((row, {name: row[name] for name in moved}, moved))
            if changes:
                do_apply_facts(Organisation.objects.get(pk=row["pk"]), changes)
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        _record_freshness(refreshed, now)
        _create_imported(source, new, now, new_entries)
        counts["created"] = len(new)
    return counts


def _record_freshness(entries: list[tuple[dict, dict, dict]], now, author=None) -> None:
    """Record (entry with its pk, name and status; before; after) for freshness and provenance
    written in bulk: a change each in the history and the feed, and the index follows, since
    the quality moves with them."""

    def plain(value):
        return value.isoformat() if hasattr(value, "isoformat") else value

    Change.objects.bulk_create([
        Change(organisation_id=entry["pk"], organisation_name=entry["name"],
               kind=Change.Kind.UPDATED, published=entry["status"] == Status.PUBLISHED,
               fields={name: [plain(before.get(name)), plain(value)]
                       for name, value in after.items()},
               author=author, created_at=now)
        for entry, before, after in entries
    ])  # fmt: skip
    index_after_commit([entry["pk"] for entry, _before, _after in entries])


def _provenance_source(entry: dict, fact: str) -> str:
    origin = (entry["provenance"] or {}).get(fact)
    return origin["source"] if origin else entry["source"]


def _create_imported(
    source: str, items: list[tuple[str, dict, dict]], now, new_entries: NewEntries | None
) -> None:
    """Create organisations in bulk (the batch path's inserts), with their identifiers and
    one `created` change each."""
    if not items:
        return
    vocabulary = Vocabulary()
    records = []
    for source_id, facts, provenance in items:
        written = stored(facts, vocabulary)
        written.fields.update(provenance, source=source, source_id=source_id)
        records.append((written.fields, written.relations))
    ids = insert_batch(records, now)
    created = list(zip(ids, items, strict=True))
    identifiers = [
        {name.removeprefix("identifier_"): value for name, value in facts.items()
         if name.startswith("identifier_") and value}
        for _source_id, facts, _provenance in items
    ]  # fmt: skip
    insert_rows(Identifier, [
        {"organisation_id": pk, "scheme": scheme, "value": value}
        for pk, schemes in zip(ids, identifiers, strict=True)
        for scheme, value in schemes.items()
    ])  # fmt: skip
    insert_rows(Change, [
        {
            "organisation_id": pk,
            "organisation_name": facts["name"],
            "kind": Change.Kind.CREATED,
            "fields": _created_fields(facts),
            "published": True,
            "created_at": now,
        }
        for pk, (_source_id, facts, _provenance) in created
    ])  # fmt: skip
    if new_entries is None:
        index_after_commit(ids)
    else:
        new_entries.created(ids, records, identifiers, now)


def do_flag_missing_from_source(source: str, present: Iterable[str], now) -> int:
    """Flag, for a moderator, the organisations of a source that its latest import no longer
    holds; returns how many were newly flagged. They stay as they are until someone decides."""
    present = set(present)
    flagged, last = 0, 0
    of_source = Organisation.objects.filter(source=source).order_by("pk")
    with transaction.atomic():
        while rows := list(
            of_source.filter(pk__gt=last).values_list(
                "pk", "source_id", "missing_from_source_since"
            )[:INDEX_BATCH]
        ):
            last = rows[-1][0]
            gone = [pk for pk, source_id, since in rows if source_id not in present and not since]
            if gone:
                flagged += Organisation.objects.filter(pk__in=gone).update(
                    missing_from_source_since=now
                )
    return flagged


def do_settle_missing_from_source(org: Organisation, archive: bool, author) -> Organisation:
    """A moderator decides about an organisation gone from its source: keep it as it is, or
    archive it (a status change, in its history and the feed)."""
    with transaction.atomic():
        Organisation.objects.filter(pk=org.pk).update(missing_from_source_since=None)
        org.missing_from_source_since = None
        if archive:
            do_set_organisation_status(org, Status.ARCHIVED, author=author)
    return org


# Confirmations -------------------------------------------------------------------------------


def do_ask_confirmation(org: Organisation, now) -> None:
    """The organisation is asked to confirm its entry (the email goes once this commits)."""
    with transaction.atomic():
        Organisation.objects.filter(pk=org.pk).update(confirmation_asked_at=now)


def do_confirm_organisation(org: Organisation, now) -> Organisation:
    """The organisation says its entry is still true: its freshness is renewed."""
    with transaction.atomic():
        Organisation.objects.filter(pk=org.pk).update(confirmed_at=now)
        _record_freshness([(_entry(org), {"confirmed_at": org.confirmed_at},
                            {"confirmed_at": now})], now)  # fmt: skip
        org.confirmed_at = now
    return org


def _entry(org: Organisation) -> dict:
    return {"pk": org.pk, "name": org.name, "status": org.status}


# Merging duplicates --------------------------------------------------------------------------


def _move_relations(other: Organisation, kept: Organisation) -> None:
    """What pointed to the merged entry now points to the one kept: suggestions, reports,
    representatives, and the commons it authored or organised."""
    for relation in Organisation._meta.related_objects:
        if relation.many_to_many:
            through = relation.through
            source_column = relation.field.m2m_column_name()
            target_column = relation.field.m2m_reverse_name()
            links = through.objects.filter(**{target_column: other.pk})
            already = set(
                through.objects.filter(**{target_column: kept.pk}).values_list(
                    source_column, flat=True
                )
            )
            links.filter(**{f"{source_column}__in": already}).delete()
            links.update(**{target_column: kept.pk})
        elif (relation.one_to_many or relation.one_to_one) and relation.related_model not in (
            MergedRecord,
            Identifier,
        ):
            # (Identifiers are facts: the moderator chose them.)
            field = relation.field.name
            try:
                with transaction.atomic():
                    relation.related_model.objects.filter(**{field: other}).update(**{field: kept})
            except IntegrityError:
                # One per organisation (a member's representation): the kept entry's stays.
                relation.related_model.objects.filter(**{field: other}).delete()


def do_merge_organisations(
    kept: Organisation, other: Organisation, facts: dict, author
) -> Organisation:
    """Merge `other` into `kept`: `kept` takes `facts` (chosen by a moderator from `other`),
    each recorded as coming from `other`'s source; `other` is deleted (a deletion in the
    feed), its address redirects to `kept`, and its source's record now updates `kept`."""
    with transaction.atomic():
        origin = {"source": other.source, "source_id": other.source_id, "entry": other.pk}
        provenance = dict(kept.provenance or {})
        for name in facts:
            provenance[name] = origin
        Organisation.objects.filter(pk=kept.pk).update(provenance=provenance)
        kept.provenance = provenance
        if facts:
            do_apply_facts(kept, facts, author=author)
        MergedRecord.objects.filter(organisation=other).update(organisation=kept)
        MergedRecord.objects.create(
            merged_id=other.pk, organisation=kept, source=other.source, source_id=other.source_id
        )
        _move_relations(other, kept)
        do_delete_organisation(other, author=author)
    return kept
