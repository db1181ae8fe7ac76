"""The network's digital maturity: counts and shared results' spread, by group (never a group
of fewer than ESSAIM_DIAGNOSTIC_GROUP_MIN organisations). No organisation's result is ever
given."""

from typing import Literal

from ninja import Query, Router
from pydantic import Field

from essaim.diagnostics.figures import network_figures
from essaim.diagnostics.questionnaire import questionnaire

from .schemas import Error, Schema

router = Router(tags=["diagnostics"])


class DimensionFigures(Schema):
    dimension: str = Field(
        description="The dimension's code (strategy, skills, tools, data, "
        "security, inclusion, sobriety)."
    )
    mean_score: int | None = Field(description="The mean of the organisations' scores, 0–100.")
    bands: list[int] = Field(
        description="Organisations in each band: starting out (under 25), taking shape "
        "(25–49), established (50–74), advanced (75 and more)."
    )


class GroupFigures(Schema):
    code: str = Field(
        description="The family's code, the country's ISO code, or "
        "COUNTRY:region; `all` for the whole network."
    )
    label: str
    organisations: int
    overall: int | None
    dimensions: list[DimensionFigures]


class NetworkFigures(Schema):
    questionnaire: str
    by: str
    minimum_group: int = Field(description="Groups smaller than this are never given.")
    organisations_taken: int = Field(description="Organisations with a diagnostic answered.")
    diagnostics_taken: int
    organisations_shared: int = Field(description="Organisations sharing their latest result.")
    network: GroupFigures | None = Field(description="All shared results, when enough.")
    groups: list[GroupFigures]
    hidden_groups: int = Field(description="Groups left out for being too small.")


class FiguresFilter(Schema):
    by: Literal["family", "country", "region"] = "family"


def _group(group) -> dict:
    return {
        "code": group.code,
        "label": group.label,
        "organisations": group.organisations,
        "overall": group.overall,
        "dimensions": [
            {"dimension": d.code, "mean_score": group.means[d.code], "bands": group.bands[d.code]}
            for d in questionnaire().dimensions
        ],
    }


@router.get(
    "/diagnostics/figures",
    response={200: NetworkFigures, 400: Error},
    url_name="diagnostic-figures",
    summary="The network's digital maturity, by group",
)
def diagnostic_figures(request, filters: Query[FiguresFilter]) -> dict:
    figures = network_figures(filters.by)
    return {
        "questionnaire": questionnaire().key,
        "by": figures["by"],
        "minimum_group": figures["minimum"],
        "organisations_taken": figures["organisations_taken"],
        "diagnostics_taken": figures["diagnostics_taken"],
        "organisations_shared": figures["organisations_shared"],
        "network": _group(figures["all"]) if figures["all"] else None,
        "groups": [_group(g) for g in figures["groups"]],
        "hidden_groups": figures["hidden_groups"],
    }
