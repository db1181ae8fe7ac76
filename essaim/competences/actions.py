"""Every way the competence frameworks change: loading one (new or again) from its file."""

from django.db import transaction
from django.utils.translation import gettext as _

from essaim.atlas.models import CONTENT_LANGUAGES

from .loading import FrameworkError
from .models import Area, Competence, Crosswalk, Framework, Level


def _texts(item: dict, *names: str) -> dict:
    return {
        f"{name}_{language}": (item.get(name) or {}).get(language, "")
        for name in names
        for language in CONTENT_LANGUAGES
    }


def do_load_framework(data: dict) -> Framework:
    """Create or update a framework from a checked document (`loading.read_framework`), in one
    transaction: areas, competences and levels by number, crosswalks by the competences' keys.
    What a new version of the file no longer holds is kept (items tagged with it stay tagged)."""
    with transaction.atomic():
        framework, _created = Framework.objects.update_or_create(
            key=data["key"],
            defaults={
                "family": data["family"],
                "version": data["version"],
                "source_url": data.get("source_url", ""),
                "licence": data.get("licence", ""),
                "published": data.get("published") or None,
                **_texts(data, "name", "description"),
            },
        )
        position = 0
        for area_position, area_data in enumerate(data["areas"]):
            area, _created = Area.objects.update_or_create(
                framework=framework,
                number=area_data["number"],
                defaults={"position": area_position, **_texts(area_data, "name", "description")},
            )
            for competence_data in area_data["competences"]:
                Competence.objects.update_or_create(
                    key=f"{framework.key}:{competence_data['number']}",
                    defaults={
                        "framework": framework,
                        "area": area,
                        "number": competence_data["number"],
                        "esco_uri": competence_data.get("esco_uri", ""),
                        "position": position,
                        **_texts(competence_data, "name", "description"),
                    },
                )
                position += 1
        for level_position, level_data in enumerate(data["levels"]):
            Level.objects.update_or_create(
                framework=framework,
                number=level_data["number"],
                defaults={
                    "position": level_position,
                    **_texts(level_data, "name", "description", "band"),
                },
            )
        _load_crosswalks(data.get("crosswalks") or [])
    return framework


def _load_crosswalks(crosswalks: list[dict]) -> None:
    keys = {key for crosswalk in crosswalks for key in (crosswalk["from"], crosswalk["to"])}
    known = Competence.objects.in_bulk(list(keys), field_name="key")
    problems = []
    for i, crosswalk in enumerate(crosswalks):
        missing = [key for key in (crosswalk["from"], crosswalk["to"]) if key not in known]
        if missing or crosswalk["relation"] not in Crosswalk.Relation.values:
            value = ", ".join(missing) or crosswalk["relation"]
            problems.append(
                (
                    f"crosswalks[{i}]",
                    _("Unknown competence or relation: %(value)s.") % {"value": value},
                )
            )
            continue
        Crosswalk.objects.update_or_create(
            source=known[crosswalk["from"]],
            target=known[crosswalk["to"]],
            defaults={"relation": crosswalk["relation"]},
        )
    if problems:
        raise FrameworkError(problems)  # rolls the whole load back
