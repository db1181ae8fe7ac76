"""The competence frameworks: their areas, competences and levels, in four languages."""

from ninja import Router
from pydantic import Field

from essaim.atlas.models import CONTENT_LANGUAGES
from essaim.competences.models import Area, Competence, Framework, Level, standing_for

from .schemas import LanguageText, Schema

router = Router(tags=["competences"])


class CompetenceOut(Schema):
    key: str = Field(description="What resources, events and opportunities are tagged with.")
    number: str
    name: LanguageText
    description: LanguageText
    esco_uri: str = Field(description="The ESCO concept it maps to, when there is one.")
    equivalents: list[str] = Field(
        description="Competences of other frameworks that stand for it (exact or close)."
    )


class AreaOut(Schema):
    number: str
    name: LanguageText
    description: LanguageText
    competences: list[CompetenceOut]


class LevelOut(Schema):
    number: str
    band: LanguageText
    name: LanguageText
    description: LanguageText


class FrameworkOut(Schema):
    key: str
    family: str
    version: str
    name: LanguageText
    description: LanguageText
    source_url: str
    licence: str
    published: str | None
    areas: list[AreaOut]
    levels: list[LevelOut]


def _texts(item, name: str) -> dict:
    return {code: getattr(item, f"{name}_{code}") for code in CONTENT_LANGUAGES}


@router.get(
    "/competences",
    response=list[FrameworkOut],
    url_name="competences",
    summary="Competence frameworks (DigComp)",
)
def competences(request) -> list[dict]:
    """Every framework Essaim knows, whole: the keys the `competence` filters accept."""
    frameworks = list(Framework.objects.all())
    areas = list(Area.objects.all())
    all_competences = list(Competence.objects.all())
    levels = list(Level.objects.all())
    keys = {competence.pk: competence.key for competence in all_competences}
    equivalents = standing_for()
    return [
        {
            "key": framework.key,
            "family": framework.family,
            "version": framework.version,
            "name": _texts(framework, "name"),
            "description": _texts(framework, "description"),
            "source_url": framework.source_url,
            "licence": framework.licence,
            "published": framework.published.isoformat() if framework.published else None,
            "areas": [
                {
                    "number": area.number,
                    "name": _texts(area, "name"),
                    "description": _texts(area, "description"),
                    "competences": [
                        {
                            "key": competence.key,
                            "number": competence.number,
                            "name": _texts(competence, "name"),
                            "description": _texts(competence, "description"),
                            "esco_uri": competence.esco_uri,
                            "equivalents": sorted(
                                keys[pk] for pk in equivalents.get(competence.pk, ())
                            ),
                        }
                        for competence in all_competences
                        if competence.area_id == area.pk
                    ],
                }
                for area in areas
                if area.framework_id == framework.pk
            ],
            "levels": [
                {
                    "number": level.number,
                    "band": _texts(level, "band"),
                    "name": _texts(level, "name"),
                    "description": _texts(level, "description"),
                }
                for level in levels
                if level.framework_id == framework.pk
            ],
        }
        for framework in frameworks
    ]
