"""The questionnaire's pages as forms: who answers (and, with no organisation named yet, where
and what it is), then one page per dimension."""

from django import forms
from django.utils.translation import gettext_lazy as _

from essaim.atlas.models import LegalForm
from essaim.atlas.places import MAX_PLACE_LENGTH, Place
from essaim.atlas.queries import InvalidQuery, parse_where
from essaim.commons.models import Tool

from .models import Response
from .questionnaire import DONT_KNOW, Dimension


def typed_place(text: str) -> Place | None:
    """The town (or region, or country) typed, as the atlas reads it; a clear error if none."""
    if not text:
        return None
    try:
        return parse_where("where", text, [])[0]
    except InvalidQuery as error:
        raise forms.ValidationError(error.message) from error


class AboutForm(forms.Form):
    role = forms.ChoiceField(
        label=_("You answer as"), choices=Response.Role.choices, widget=forms.RadioSelect
    )
    where = forms.CharField(
        label=_("Town of the organisation"),
        required=False,
        max_length=MAX_PLACE_LENGTH,
        help_text=_("Such as: Arras, Liège, Bologna. The plan looks for help near it."),
    )
    legal_form = forms.ModelChoiceField(
        label=_("Legal form"),
        queryset=LegalForm.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("I do not know, or another one"),
        help_text=_("For the funding calls the organisation can answer."),
    )
    place = None

    def __init__(self, *args, with_organisation: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if with_organisation:  # the organisation's entry says where and what it is
            del self.fields["where"], self.fields["legal_form"]

    def clean_where(self) -> str:
        text = self.cleaned_data["where"].strip()
        self.place = typed_place(text)
        return text

    def about(self) -> dict:
        found = {"role": self.cleaned_data["role"]}
        if "where" in self.fields:
            # As typed precisely enough to find it again ("Saint-Martin, Occitanie, France").
            found["locality"] = self.place.label[:120] if self.place else ""
            found["country"] = self.place.country if self.place else ""
            found["legal_form"] = self.cleaned_data["legal_form"]
        return found


class DimensionForm(forms.Form):
    """The questions of one dimension, each on its four described levels or "don't know"; on
    the tools' page, the big platforms' tools the organisation uses."""

    def __init__(self, *args, dimension: Dimension, **kwargs):
        super().__init__(*args, **kwargs)
        self.dimension = dimension
        for question in dimension.questions:
            self.fields[question.code] = forms.ChoiceField(
                label=f"{question.position}. {question.text}",
                choices=[
                    *((str(value), question.level(value)) for value in range(4)),
                    (DONT_KNOW, _("I don’t know")),
                ],
                widget=forms.RadioSelect,
                required=False,
            )
        if dimension.code == "tools":
            self.fields["tools"] = forms.MultipleChoiceField(
                label=_("Which of these tools does the organisation use?"),
                help_text=_("The plan will point to ethical alternatives to them."),
                choices=[(tool.slug, tool.name) for tool in Tool.objects.all()],
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )

    def answers(self) -> dict:
        """What this page answered (a question left blank stays unanswered)."""
        found = {}
        for question in self.dimension.questions:
            value = self.cleaned_data.get(question.code)
            if value:
                found[question.code] = value if value == DONT_KNOW else int(value)
        return found

    def tools(self) -> list[str] | None:
        return self.cleaned_data["tools"] if "tools" in self.fields else None
