"""A screening of digital fragilities for the people an organisation serves, in plain words:
eight everyday tasks, each answered "on my own" (0), "with help, or sometimes" (1) or "no"
(2). A "no", or a total of 4 or more, suggests meeting a digital mediator; the screening ends
with the nearest mediation places of the atlas. Nothing is kept."""

import json
from functools import cache
from pathlib import Path

from django import forms
from django.utils.translation import gettext_lazy as _

from essaim.atlas.models import Organisation
from essaim.atlas.places import MAX_PLACE_LENGTH, Place
from essaim.search.index import SearchQuery, distance_km, get_index

from .forms import typed_place
from .questionnaire import in_language

FILE = Path(__file__).parent / "data" / "fragility.json"
TOTAL_FOR_HELP = 4
MEDIATION = "digital-mediation"
PLACES_SHOWN = 5
PLACES_WITHIN_KM = 50


@cache
def screening_questions() -> list[dict]:
    return json.loads(FILE.read_text())["questions"]


class ScreeningForm(forms.Form):
    where = forms.CharField(
        label=_("Your town"),
        required=False,
        max_length=MAX_PLACE_LENGTH,
        help_text=_("To find the places that help near you. Such as: Arras, Liège, Bologna."),
    )
    place: Place | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, question in enumerate(screening_questions(), 1):
            self.fields[question["code"]] = forms.ChoiceField(
                label=f"{number}. {in_language(question['text'])}",
                choices=[
                    (str(value), in_language(answer))
                    for value, answer in enumerate(question["answers"])
                ],
                widget=forms.RadioSelect,
            )
        self.order_fields([q["code"] for q in screening_questions()] + ["where"])

    def clean_where(self) -> str:
        text = self.cleaned_data["where"].strip()
        self.place = typed_place(text)
        return text

    def outcome(self) -> dict:
        values = {q["code"]: int(self.cleaned_data[q["code"]]) for q in screening_questions()}
        total = sum(values.values())
        hard = [
            (self[q["code"]].label, in_language(q["answers"][values[q["code"]]]))
            for q in screening_questions()
            if values[q["code"]] > 0
        ]
        return {
            "total": total,
            "most": 2 * len(values),
            "help": total >= TOTAL_FOR_HELP or 2 in values.values(),
            "hard": hard,
            "places": mediation_near(self.place) if self.place else [],
        }


def mediation_near(place: Place) -> list[tuple[Organisation, int | None]]:
    """The nearest digital mediation places of the atlas, with their distance in km."""
    if place.kind == "locality":
        query = SearchQuery(
            filters={"service": [MEDIATION]},
            near=place.point,
            radius_km=PLACES_WITHIN_KM,
            sort="distance",
            limit=PLACES_SHOWN,
        )
    else:
        filters = {"service": [MEDIATION], "country": [place.country]}
        if place.kind == "region":
            filters["region"] = [place.region]
        query = SearchQuery(filters=filters, sort="name", limit=PLACES_SHOWN)
    found = []
    for org in Organisation.objects.in_order(get_index().search(query).ids):
        km = None
        if place.point and org.latitude is not None:
            km = round(distance_km(*place.point, org.latitude, org.longitude))
        found.append((org, km))
    return found
